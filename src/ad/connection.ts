/**
 * One LDAP session to one domain controller through ldapts: LDAPS (ldaps://, port 636) or
 * StartTLS on ldap:// (389), certificate verification on unless insecureSkipVerify, then a simple
 * bind with a user principal name. Every failure becomes an AdError naming the server and the
 * step, with the facts a fix needs: the result and data code of a failed bind, the names and
 * issuer on a certificate that was not trusted or did not match (read on a second handshake with
 * verification off: nothing is sent over it). Every operation is bounded by a timeout, and the
 * session counts the LDAP operations it sent.
 */
import * as tls from 'node:tls';
import * as net from 'node:net';
import {
  Client,
  type Entry,
  type SearchOptions,
  InvalidCredentialsError,
  ResultCodeError,
  StrongAuthRequiredError,
  ConfidentialityRequiredError,
  type Control,
} from 'ldapts';
import type { Secret } from '../config/secrets.ts';
import { AdError, bindDataCode, type AdErrorCode, type AdStep } from './errors.ts';
import { parseLdapUrl } from '../facts/ad-endpoints.ts';

export interface DirectoryTls {
  /** PEM CA certificate(s) that sign the DC's certificate. */
  readonly ca?: string | Buffer;
  /** The name the certificate must carry; default the URL's host. */
  readonly serverName?: string;
  /** StartTLS on ldap:// (an ldaps:// URL is TLS from the first byte). */
  readonly startTls?: boolean;
  /** Skip certificate verification (printed as a warning, flagged in the report). */
  readonly insecureSkipVerify?: boolean;
}

export interface DirectoryTimeouts {
  readonly connectMs: number;
  /** Each LDAP operation (bind, search page, StartTLS). */
  readonly operationMs: number;
}

export const DEFAULT_AD_TIMEOUTS: DirectoryTimeouts = { connectMs: 5000, operationMs: 15_000 };

export interface ConnectOptions {
  /** ldaps://host[:port] or ldap://host[:port]. */
  readonly url: string;
  /** Connect to this address instead of resolving the URL's host (it came from our own DNS lookup). */
  readonly address?: string;
  readonly tls?: DirectoryTls;
  readonly bind?: { readonly user: string; readonly password: Secret };
  readonly timeouts?: Partial<DirectoryTimeouts>;
}

export type TlsMode = 'ldaps' | 'starttls' | 'none';

export interface DirectorySearch {
  readonly scope?: 'base' | 'one' | 'sub';
  readonly filter?: string;
  /** Always explicit: the session never asks for every attribute. */
  readonly attributes: readonly string[];
  /** Returned as Buffers (binary SIDs, GUIDs, security descriptors). */
  readonly binary?: readonly string[];
  readonly pageSize?: number;
  readonly sizeLimit?: number;
  readonly controls?: readonly Control[];
}

export { parseLdapUrl, type ParsedLdapUrl } from '../facts/ad-endpoints.ts';

/** What the checks need from the rootDSE; read before the bind. */
export const ROOT_DSE_ATTRIBUTES = [
  'currentTime',
  'dnsHostName',
  'serverName',
  'defaultNamingContext',
  'configurationNamingContext',
  'schemaNamingContext',
  'rootDomainNamingContext',
  'domainFunctionality',
  'forestFunctionality',
  'domainControllerFunctionality',
  'supportedLDAPVersion',
] as const;

const CERT_UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
]);

function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function nameOf(dn: tls.PeerCertificate['subject'] | undefined): string | undefined {
  if (!dn) return undefined;
  return Object.entries(dn)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
    .join(', ');
}

/** A TLS session to the DC, with verification in the caller's hands: only the certificate is read. */
export class DirectorySession {
  readonly url: string;
  readonly tlsMode: TlsMode;
  /** The user principal name bound as; undefined for an anonymous session. */
  readonly boundAs: string | undefined;
  readonly insecure: boolean;
  readonly #client: Client;
  readonly #operationMs: number;
  #operations = 0;

  /** The rootDSE attributes read at connect (ROOT_DSE_ATTRIBUTES), as strings. */
  readonly rootDse: Readonly<Record<string, string | string[]>>;
  /** Local clock (ms since the epoch) halfway through the rootDSE read: compare with currentTime. */
  readonly localTimeAtRootDse: number;

  constructor(
    client: Client,
    fields: {
      url: string;
      tlsMode: TlsMode;
      boundAs: string | undefined;
      insecure: boolean;
      operationMs: number;
      operations: number;
      rootDse: Record<string, string | string[]>;
      localTimeAtRootDse: number;
    },
  ) {
    this.#client = client;
    this.rootDse = fields.rootDse;
    this.localTimeAtRootDse = fields.localTimeAtRootDse;
    this.url = fields.url;
    this.tlsMode = fields.tlsMode;
    this.boundAs = fields.boundAs;
    this.insecure = fields.insecure;
    this.#operationMs = fields.operationMs;
    this.#operations = fields.operations;
  }

  /** LDAP operations sent so far (StartTLS, bind, each search page counted once). */
  get operations(): number {
    return this.#operations;
  }

  /** A paged search with explicit attributes; failures are AdErrors at step 'search'. */
  async search(base: string, options: DirectorySearch): Promise<Entry[]> {
    const search: SearchOptions = {
      scope: options.scope ?? 'sub',
      filter: options.filter ?? '(objectClass=*)',
      attributes: [...options.attributes],
      ...(options.binary ? { explicitBufferAttributes: [...options.binary] } : {}),
      ...(options.sizeLimit ? { sizeLimit: options.sizeLimit } : {}),
      timeLimit: Math.ceil(this.#operationMs / 1000),
    };
    const entries: Entry[] = [];
    try {
      if (options.scope === 'base') {
        this.#operations += 1;
        entries.push(
          ...(await this.#client.search(base, search, options.controls ? [...options.controls] : undefined))
            .searchEntries,
        );
      } else {
        const pages = this.#client.searchPaginated(
          base,
          { ...search, paged: { pageSize: options.pageSize ?? 1000 } },
          options.controls ? [...options.controls] : undefined,
        );
        for await (const page of pages) {
          this.#operations += 1;
          entries.push(...page.searchEntries);
        }
      }
    } catch (err) {
      throw translate(err, this.url, 'search');
    }
    return entries;
  }

  async close(): Promise<void> {
    await this.#client.unbind().catch(() => undefined);
  }
}

/** Turns what ldapts or Node threw into an AdError for this server and step. */
export function translate(err: unknown, server: string, step: AdStep): AdError {
  if (err instanceof AdError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const errno = errnoOf(err);
  if (err instanceof InvalidCredentialsError) {
    const dataCode = bindDataCode(message);
    return new AdError(
      'invalidCredentials',
      server,
      step,
      `invalid credentials${dataCode ? ` (data ${dataCode})` : ''}`,
      { resultCode: 49, ...(dataCode ? { dataCode } : {}) },
    );
  }
  if (err instanceof StrongAuthRequiredError || err instanceof ConfidentialityRequiredError) {
    return new AdError('strongAuthRequired', server, step, `the DC requires a protected connection: ${message}`, {
      resultCode: err.code,
    });
  }
  if (err instanceof ResultCodeError)
    return new AdError('protocol', server, step, `LDAP result ${err.code}: ${message}`, { resultCode: err.code });
  const code: AdErrorCode =
    errno === 'ECONNREFUSED'
      ? 'refused'
      : errno === 'ENOTFOUND' || errno === 'EAI_AGAIN'
        ? 'dnsFailed'
        : errno === 'EHOSTUNREACH' || errno === 'ENETUNREACH'
          ? 'unreachable'
          : errno === 'ERR_TLS_CERT_ALTNAME_INVALID'
            ? 'nameMismatch'
            : errno !== undefined && CERT_UNTRUSTED.has(errno)
              ? 'untrustedCertificate'
              : /timeout/i.test(message)
                ? 'timeout'
                : /ECONNRESET|Connection closed before message response|socket hang up/i.test(message) ||
                    errno === 'ECONNRESET'
                  ? 'connectionLost'
                  : errno?.startsWith('ERR_SSL') || errno?.startsWith('ERR_TLS')
                    ? 'tlsFailed'
                    : 'error';
  return new AdError(code, server, step, message.split('\n')[0]!, errno ? { causeCode: errno } : {});
}

/** Reads the certificate a TLS endpoint presents, verification off; sends nothing else. */
async function peekCertificate(
  address: string,
  port: number,
  servername: string | undefined,
  startTls: boolean,
  timeoutMs: number,
): Promise<AdError['certificate']> {
  let cert: tls.PeerCertificate | undefined;
  const capture = (socket: tls.TLSSocket) => socket.once('secureConnect', () => (cert = socket.getPeerCertificate()));
  const client = new Client({
    url: `${startTls ? 'ldap' : 'ldaps'}://${net.isIPv6(address) ? `[${address}]` : address}:${port}`,
    connectTimeout: timeoutMs,
    timeout: timeoutMs,
    tlsOptions: { rejectUnauthorized: false, ...(servername ? { servername } : {}) },
    createSecureConnection: ((...args: unknown[]) => {
      const socket =
        typeof args[0] === 'number'
          ? tls.connect(args[0], args[1] as string, args[2] as tls.ConnectionOptions)
          : tls.connect(args[0] as tls.ConnectionOptions);
      capture(socket);
      return socket;
    }) as typeof tls.connect,
  });
  try {
    if (startTls) await client.startTLS({ rejectUnauthorized: false, ...(servername ? { servername } : {}) });
    else await client.search('', { scope: 'base', attributes: ['1.1'] }).catch(() => undefined);
  } catch {
    // only the certificate matters
  } finally {
    await client.unbind().catch(() => undefined);
  }
  if (!cert?.subject) return undefined;
  return {
    ...(nameOf(cert.subject) ? { subject: nameOf(cert.subject)! } : {}),
    ...(cert.subjectaltname ? { altNames: cert.subjectaltname } : {}),
    ...(nameOf(cert.issuer) ? { issuer: nameOf(cert.issuer)! } : {}),
  };
}

/** Connects, secures and binds; on any failure closes what it opened and throws an AdError. */
export async function connectDirectory(options: ConnectOptions): Promise<DirectorySession> {
  const { secure, host, port } = parseLdapUrl(options.url);
  const timeouts = { ...DEFAULT_AD_TIMEOUTS, ...options.timeouts };
  const settings = options.tls ?? {};
  const startTls = !secure && settings.startTls === true;
  const address = options.address ?? host;
  const servername = settings.serverName ?? (net.isIP(host) ? undefined : host);
  const insecure = settings.insecureSkipVerify === true;
  const tlsOptions: tls.ConnectionOptions = {
    rejectUnauthorized: !insecure,
    minVersion: 'TLSv1.2',
    ...(settings.ca ? { ca: settings.ca } : {}),
    ...(servername ? { servername } : {}),
  };
  // Connect to `address` while the certificate is checked against `servername`.
  const client = new Client({
    url: `${secure ? 'ldaps' : 'ldap'}://${net.isIPv6(address) ? `[${address}]` : address}:${port}`,
    connectTimeout: timeouts.connectMs,
    timeout: timeouts.operationMs,
    // ldapts speaks TLS from the first byte whenever tlsOptions is set, even on ldap://.
    ...(secure ? { tlsOptions } : {}),
    strictDN: false,
  });
  const server = options.url;
  let operations = 0;
  let step: AdStep = secure ? 'tls' : 'connect';
  let rootDse: Record<string, string | string[]>;
  let clock: { before: number; after: number };
  try {
    if (startTls) {
      step = 'starttls';
      operations += 1;
      await client.startTLS({ ...tlsOptions, ...(servername ? { host: servername } : {}) });
    }
    // The rootDSE is readable anonymously: reading it first opens (and secures) the connection,
    // so a failure here is the connection's or the certificate's, not the bind's.
    operations += 1;
    clock = { before: Date.now(), after: 0 };
    const entry = (
      await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: [...ROOT_DSE_ATTRIBUTES] })
    ).searchEntries[0];
    clock.after = Date.now();
    rootDse = Object.fromEntries(
      Object.entries(entry ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]),
    );
    if (options.bind) {
      step = 'bind';
      operations += 1;
      await client.bind(options.bind.user, options.bind.password.reveal());
    }
  } catch (err) {
    await client.unbind().catch(() => undefined);
    let failure = translate(err, server, step);
    // Samba and DCs that enforce LDAP signing reset a simple bind sent in clear text.
    if (
      !secure &&
      !startTls &&
      step === 'bind' &&
      (failure.code === 'connectionLost' || failure.code === 'strongAuthRequired')
    ) {
      failure = new AdError(
        'strongAuthRequired',
        server,
        'bind',
        'the DC closed the connection on a simple bind in clear text: it requires LDAPS, StartTLS or signing',
        failure.causeCode ? { causeCode: failure.causeCode } : {},
      );
    }
    if (failure.code === 'untrustedCertificate' || failure.code === 'nameMismatch') {
      const certificate = await peekCertificate(address, port, servername, startTls, timeouts.connectMs).catch(
        () => undefined,
      );
      if (certificate)
        failure = new AdError(
          failure.code,
          server,
          startTls ? 'starttls' : 'tls',
          failure.message.replace(`${server}: ${failure.step}: `, ''),
          { ...(failure.causeCode ? { causeCode: failure.causeCode } : {}), certificate },
        );
    }
    throw failure;
  }
  return new DirectorySession(client, {
    url: server,
    tlsMode: secure ? 'ldaps' : startTls ? 'starttls' : 'none',
    boundAs: options.bind?.user,
    insecure,
    operationMs: timeouts.operationMs,
    operations,
    rootDse,
    localTimeAtRootDse: Math.round((clock.before + clock.after) / 2),
  });
}
