/**
 * A small DNS client (RFC 1035) for the lookups the AD checks need: SRV (RFC 2782), A and AAAA,
 * over UDP to given servers, each query bounded by a timeout and retried on the next server.
 * Node's resolver (c-ares, Node 24) rejects Samba 4.17's SRV answers with EBADRESP (their target
 * names use compression, which RFC 2782 forbids but every resolver accepts), so the discovery of
 * domain controllers cannot rely on it. Names are read with compression pointers followed
 * strictly backwards and a hop limit; every length is bounds-checked; garbage is a DnsError.
 * Each query has its own connected UDP socket whose every end (answer, timer, connect or send
 * error, a throw) settles one promise and closes the socket once: the lookups reject only with a
 * DnsError naming the server and what it did (no route, refused, silent, garbage), never throw
 * from a socket callback. (A connect error once reached send() on an unconnected socket, whose
 * ERR_SOCKET_BAD_PORT killed the process: issue 11.)
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { ByteReader, ByteWriter, DecodeError } from '../codec/bytes.ts';
import type { DnsErrorCode, DnsServerFailure } from '../facts/ad.ts';

// The codes and per-server failures are part of the ad.directory fact (src/facts/ad.ts).
export type { DnsErrorCode, DnsServerFailure };

export const DNS_TYPE = { A: 1, AAAA: 28, SRV: 33 } as const;
type DnsType = (typeof DNS_TYPE)[keyof typeof DNS_TYPE];

/** RCODE (RFC 1035 4.1.1). */
const RCODE_NAMES: Readonly<Record<number, string>> = {
  1: 'format error',
  2: 'server failure',
  3: 'no such name',
  4: 'not implemented',
  5: 'refused',
};

export class DnsError extends Error {
  override name = 'DnsError';
  readonly code: DnsErrorCode;
  readonly query: string;
  readonly server: string | undefined;
  /** What went wrong, without the query and server. */
  readonly detail: string;
  /** What each server asked did, when none gave a usable answer (in the order asked). */
  readonly failures: readonly DnsServerFailure[];
  constructor(
    code: DnsErrorCode,
    query: string,
    server: string | undefined,
    detail: string,
    failures: readonly DnsServerFailure[] = server ? [{ server, code, detail }] : [],
  ) {
    super(`${query}${server ? ` via ${server}` : ''}: ${detail}`);
    this.detail = detail;
    this.failures = failures;
    this.code = code;
    this.query = query;
    this.server = server;
  }
}

export interface SrvRecord {
  readonly name: string;
  readonly port: number;
  readonly priority: number;
  readonly weight: number;
}

export interface DnsOptions {
  /** `ip` or `ip:port` / `[ipv6]:port`. */
  readonly servers: readonly string[];
  /** Per try; default 2000 ms. */
  readonly timeoutMs?: number;
  /** Tries per server; default 2. */
  readonly tries?: number;
}

// ---------------------------------------------------------------------------------------------
// Wire format

export function encodeQuery(id: number, name: string, type: DnsType): Buffer {
  const labels = name.replace(/\.$/, '').split('.');
  const encoded = labels.map((label) => {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length === 0 || bytes.length > 63) throw new RangeError(`bad DNS label in ${name}`);
    return bytes;
  });
  const nameLength = encoded.reduce((n, l) => n + 1 + l.length, 1);
  const w = new ByteWriter(Buffer.alloc(HEADER + nameLength + 4))
    .u16(0, id)
    .u16(2, 0x0100) // RD
    .u16(4, 1); // QDCOUNT
  let at = HEADER;
  for (const label of encoded) {
    w.u8(at, label.length).set(at + 1, label);
    at += 1 + label.length;
  }
  w.u8(at, 0) // the root label
    .u16(at + 1, type) // QTYPE
    .u16(at + 3, 1); // QCLASS IN
  return w.bytes as Buffer;
}

const HEADER = 12;
const MAX_POINTER_HOPS = 32;
const STRUCTURE = 'DNS message';

/** Garbage in a message: a DecodeError (a RangeError) naming the field, the offset and what is wrong. */
function invalid(field: string, offset: number, detail: string): DecodeError {
  return new DecodeError('invalid', STRUCTURE, field, offset, 0, 0, detail);
}

/** Reads a (possibly compressed) name at `offset`; returns it and the offset after it in place. */
export function readName(msg: Uint8Array, offset: number): { name: string; next: number } {
  return readNameFrom(new ByteReader(msg, STRUCTURE), offset);
}

function readNameFrom(r: ByteReader, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let at = offset;
  let next = -1;
  let hops = 0;
  let length = 0;
  for (;;) {
    if (!r.has(at, 1)) throw invalid('name', at, `name runs past the end at ${at}`);
    const len = r.u8(at, 'label length');
    if (len === 0) {
      if (next < 0) next = at + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (!r.has(at, 2)) throw invalid('compression pointer', at, 'truncated compression pointer');
      const target = r.u16(at, 'compression pointer') & 0x3fff;
      if (next < 0) next = at + 2;
      // Only backwards, and a bounded number of times: no loops.
      if (target >= at || ++hops > MAX_POINTER_HOPS)
        throw invalid('compression pointer', at, `bad compression pointer at ${at}`);
      at = target;
      continue;
    }
    if ((len & 0xc0) !== 0) throw invalid('label length', at, `reserved label type at ${at}`);
    if (!r.has(at + 1, len)) throw invalid('label', at, `label runs past the end at ${at}`);
    length += len + 1;
    if (length > 255) throw invalid('name', offset, 'name longer than 255 bytes');
    labels.push(Buffer.from(r.slice(at + 1, len, 'label')).toString('latin1'));
    at += 1 + len;
  }
  return { name: labels.join('.'), next };
}

export interface DnsAnswer {
  readonly id: number;
  readonly rcode: number;
  readonly truncated: boolean;
  readonly records: {
    readonly name: string;
    readonly type: number;
    readonly data: Uint8Array;
    readonly offset: number;
  }[];
}

export function decodeResponse(msg: Uint8Array): DnsAnswer {
  const r = new ByteReader(msg, STRUCTURE);
  r.need(0, HEADER, 'header (shorter than a DNS header)');
  const id = r.u16(0, 'ID');
  const flags = r.u16(2, 'flags');
  if ((flags & 0x8000) === 0) throw invalid('QR', 2, 'not a response');
  const qd = r.u16(4, 'QDCOUNT');
  const an = r.u16(6, 'ANCOUNT');
  let at = HEADER;
  for (let i = 0; i < qd; i += 1) at = readNameFrom(r, at).next + 4;
  const records: DnsAnswer['records'][number][] = [];
  for (let i = 0; i < an; i += 1) {
    const { name, next } = readNameFrom(r, at);
    r.need(next, 10, 'resource record (truncated resource record)');
    const type = r.u16(next, 'TYPE');
    const rdlength = r.u16(next + 8, 'RDLENGTH');
    const start = next + 10;
    const data = r.slice(start, rdlength, 'RDATA (runs past the end)');
    records.push({ name: name.toLowerCase(), type, data, offset: start });
    at = start + rdlength;
  }
  return { id, rcode: flags & 0x0f, truncated: (flags & 0x0200) !== 0, records };
}

function decodeSrv(msg: Uint8Array, record: DnsAnswer['records'][number]): SrvRecord {
  const d = new ByteReader(record.data, 'SRV RDATA', record.offset);
  d.need(0, 7, 'RDATA (SRV RDATA too short)');
  return {
    priority: d.u16(0, 'Priority'),
    weight: d.u16(2, 'Weight'),
    port: d.u16(4, 'Port'),
    name: readName(msg, record.offset + 6).name.toLowerCase(),
  };
}

function decodeAddress(record: DnsAnswer['records'][number]): string {
  const d = record.data;
  if (record.type === DNS_TYPE.A && d.length === 4) return Array.from(d).join('.');
  if (record.type === DNS_TYPE.AAAA && d.length === 16) {
    const r = new ByteReader(d, 'AAAA RDATA', record.offset);
    const words: string[] = [];
    for (let i = 0; i < 16; i += 2) words.push(r.u16(i, 'ADDRESS').toString(16));
    return words.join(':');
  }
  throw new DecodeError(
    'invalid',
    STRUCTURE,
    'RDLENGTH',
    record.offset - 2,
    0,
    0,
    `bad ${record.type === DNS_TYPE.A ? 'A' : 'AAAA'} RDATA length ${d.length}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Transport

function parseServer(server: string): { host: string; port: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(server);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : 53 };
  if (isIPv6(server)) return { host: server, port: 53 };
  const [host, port] = server.split(':');
  return { host: host!, port: port ? Number(port) : 53 };
}

/** The socket errors a server can cause, by errno: the DnsError code and what happened. */
const SOCKET_ERRORS: Readonly<Record<string, { readonly code: DnsErrorCode; readonly detail: string }>> = {
  ECONNREFUSED: {
    code: 'ECONNREFUSED',
    detail: 'the DNS server refused the connection (nothing listens on its port 53: ICMP port unreachable)',
  },
  ENETUNREACH: {
    code: 'ENETUNREACH',
    detail: 'no route to the DNS server (network unreachable: this machine has no route to it, e.g. off the VPN)',
  },
  EHOSTUNREACH: { code: 'EHOSTUNREACH', detail: 'no route to the DNS server (host unreachable)' },
};

/**
 * One query over one connected UDP socket. Whatever happens (a connect or send error, a throw,
 * the timer, the answer), the promise settles once, the socket closes once and the timer is
 * cleared; nothing is sent on a socket that is closed or not connected, and nothing throws out of
 * a socket callback. Rejections carry the errno (`code`) of the socket error, or ETIMEOUT.
 */
export function queryOnce(server: string, packet: Buffer, id: number, timeoutMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let socket: Socket | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = (err: unknown, msg?: Uint8Array): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (socket) {
        socket.removeAllListeners('message');
        try {
          socket.close();
        } catch {
          // Already closed (ERR_SOCKET_DGRAM_NOT_RUNNING): nothing left to release.
        }
      }
      if (err === undefined) resolve(msg!);
      else reject(err instanceof Error ? err : new Error(String(err)));
    };
    try {
      const { host, port } = parseServer(server);
      const s = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
      socket = s;
      // Stays attached after close: a late error is swallowed by the settled flag, never thrown.
      s.on('error', (err) => finish(err));
      s.on('message', (msg) => {
        // Not ours (wrong id, shorter than an id): keep waiting for the answer until the timeout.
        if (msg.length >= 2 && msg.readUInt16BE(0) === id) finish(undefined, msg);
      });
      timer = setTimeout(() => finish(Object.assign(new Error('timeout'), { code: 'ETIMEOUT' })), timeoutMs);
      // A connected socket hears ICMP port unreachable as ECONNREFUSED instead of waiting it out,
      // and a missing route as ENETUNREACH at once. Node passes a connect error to this callback
      // (not to 'error'): the socket is then unconnected, and send() without a port would throw.
      s.connect(port, host, (err?: Error) => {
        if (settled) return;
        if (err) return finish(err);
        try {
          s.send(packet, (sendErr) => {
            if (sendErr) finish(sendErr);
          });
        } catch (sendErr) {
          finish(sendErr);
        }
      });
    } catch (err) {
      finish(err);
    }
  });
}

/** The label of a query: `SRV _ldap._tcp...`. */
function labelOf(name: string, type: DnsType): string {
  return `${type === DNS_TYPE.SRV ? 'SRV' : type === DNS_TYPE.A ? 'A' : 'AAAA'} ${name}`;
}

function transportFailure(server: string, err: unknown): DnsServerFailure {
  const errno = (err as { code?: unknown }).code;
  if (errno === 'ETIMEOUT')
    return {
      server,
      code: 'ETIMEOUT',
      detail: 'no answer in time (the DNS server is silent, or a firewall drops UDP 53)',
    };
  const known = typeof errno === 'string' ? SOCKET_ERRORS[errno] : undefined;
  if (known) return { server, ...known };
  const what = typeof errno === 'string' ? errno : err instanceof Error ? err.message.split('\n')[0]! : String(err);
  return { server, code: 'ESOCKET', detail: `the query could not be sent (${what})` };
}

/** Failures that say nothing about the name, only that the server could not be asked. */
const TRANSPORT_CODES: ReadonlySet<DnsErrorCode> = new Set([
  'ETIMEOUT',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ESOCKET',
]);

/** The error of a query every server failed: the last failure's code, every server's outcome in the message. */
function allFailed(label: string, failures: readonly DnsServerFailure[]): DnsError {
  const last = failures[failures.length - 1]!;
  if (failures.length === 1) return new DnsError(last.code, label, last.server, last.detail, failures);
  return new DnsError(
    last.code,
    label,
    failures.map((f) => f.server).join(', '),
    failures.map((f) => `${f.server}: ${f.detail}`).join('; '),
    failures,
  );
}

async function query(
  name: string,
  type: DnsType,
  options: DnsOptions,
): Promise<{ msg: Uint8Array; answer: DnsAnswer; server: string }> {
  const label = labelOf(name, type);
  // Not ENOTFOUND: that means "no such name" to callers, and nothing was asked here.
  if (options.servers.length === 0)
    throw new DnsError(
      'EREFUSED',
      label,
      undefined,
      'no DNS server to ask (none configured, and this machine has none)',
    );
  const failures: DnsServerFailure[] = [];
  for (const server of options.servers) {
    for (let attempt = 0; attempt < (options.tries ?? 2); attempt += 1) {
      const id = randomBytes(2).readUInt16BE(0);
      let msg: Uint8Array;
      try {
        msg = await queryOnce(server, encodeQuery(id, name, type), id, options.timeoutMs ?? 2000);
      } catch (err) {
        const failure = transportFailure(server, err);
        // A silent server may have lost one datagram: ask it again. Any other failure is final for it.
        if (failure.code === 'ETIMEOUT' && attempt + 1 < (options.tries ?? 2)) continue;
        failures.push(failure);
        break;
      }
      let answer: DnsAnswer;
      try {
        answer = decodeResponse(msg);
      } catch (err) {
        failures.push({ server, code: 'EBADRESP', detail: `malformed answer: ${(err as Error).message}` });
        break;
      }
      if (answer.rcode === 3) throw new DnsError('ENOTFOUND', label, server, 'no such name');
      if (answer.rcode !== 0) {
        failures.push({
          server,
          code: answer.rcode === 5 ? 'EREFUSED' : 'ESERVFAIL',
          detail: `the DNS server answered ${RCODE_NAMES[answer.rcode] ?? `RCODE ${answer.rcode}`}`,
        });
        break;
      }
      if (answer.truncated && answer.records.length === 0) {
        failures.push({ server, code: 'ETRUNCATED', detail: 'the answer did not fit in UDP and came back empty' });
        break;
      }
      return { msg, answer, server };
    }
  }
  throw allFailed(label, failures);
}

/** Any failure as a DnsError: a DnsError as is, anything else (a decoder's RangeError) as EBADRESP. */
function asDnsError(err: unknown, label: string, server: string | undefined, what: string): DnsError {
  if (err instanceof DnsError) return err;
  const detail = `${what}: ${err instanceof Error ? err.message : String(err)}`;
  return new DnsError('EBADRESP', label, server, detail, server ? [{ server, code: 'EBADRESP', detail }] : []);
}

/** SRV records of `name`; none is ENODATA. Rejects only with a DnsError. */
export async function lookupSrv(name: string, options: DnsOptions): Promise<SrvRecord[]> {
  const label = labelOf(name, DNS_TYPE.SRV);
  let server: string | undefined;
  try {
    const found = await query(name, DNS_TYPE.SRV, options);
    server = found.server;
    const records = found.answer.records.filter((r) => r.type === DNS_TYPE.SRV).map((r) => decodeSrv(found.msg, r));
    if (records.length === 0) throw new DnsError('ENODATA', label, server, 'no SRV record');
    return records;
  } catch (err) {
    throw asDnsError(err, label, server, 'malformed SRV record');
  }
}

/**
 * A and AAAA addresses of `name` (CNAMEs in the same answer are followed by taking every address
 * record); no such name is an empty list. Rejects only with a DnsError. When the A query could
 * not reach any server (no route, refused, silent), AAAA is not asked: it would fail the same way.
 */
export async function lookupAddresses(name: string, options: DnsOptions): Promise<string[]> {
  const out: string[] = [];
  let firstError: DnsError | undefined;
  for (const type of [DNS_TYPE.A, DNS_TYPE.AAAA]) {
    const label = labelOf(name, type);
    let server: string | undefined;
    try {
      const found = await query(name, type, options);
      server = found.server;
      for (const r of found.answer.records) if (r.type === type) out.push(decodeAddress(r));
    } catch (err) {
      const e = asDnsError(err, label, server, 'malformed address record');
      firstError ??= e;
      if (TRANSPORT_CODES.has(e.code)) break;
    }
  }
  if (out.length === 0 && firstError && firstError.code !== 'ENOTFOUND') throw firstError;
  return out;
}
