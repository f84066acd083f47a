/**
 * The Active Directory probe: finds a DC (activeDirectory.servers, else DNS SRV), connects and
 * binds (trying the next DC when one fails), and reads in a few round trips what the ad.* checks
 * need: the rootDSE (at connect), then at once the domain head, every computer object that names
 * a node or the cluster (one OR search) and the bind account; then at once the account's
 * tokenGroups and the security descriptors of the OU the cluster goes into and of a prestaged
 * cluster name object. Node host names are resolved through the domain's DNS. Expected failures
 * are facts with a normalised status, never exceptions; binary values are kept as base64 for the
 * (pure) checks to decode. Nothing is written.
 *
 * Without activeDirectory.bind, on Windows (or wherever windows.powershell / CLUSTERPROBE_POWERSHELL
 * names a PowerShell), the same facts come from the ActiveDirectory module as the logged-in user
 * instead (src/windows/ad-facts.ts): `source: 'powershell'`, connection.tlsMode 'kerberos'.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { BerWriter, Control, type Entry } from 'ldapts';
import type { ProbeContext } from '../engine/contract.ts';
import type { FactProbe } from '../facts/index.ts';
import type { ClusterSpec } from '../config/schema.ts';
import type {
  AdAttempt,
  AdFacts,
  ComputerObject,
  NodeName,
  OuFact,
  ResolverFailure,
  ResolverSource,
} from '../facts/ad.ts';
import { SecretUnavailable, type Secret } from '../config/secrets.ts';
import { nodeFqdn } from '../config/node-identity.ts';
import { netbiosName } from '../netbios.ts';
import { connectDirectory, parseLdapUrl, DEFAULT_AD_TIMEOUTS, type DirectorySession } from './connection.ts';
import { discoverDcs, dnsOptions } from './discovery.ts';
import { lookupAddresses } from './dns.ts';
import { resolverFailure } from './resolver.ts';
import { AdError } from './errors.ts';
import { decodeSid, SdDecodeError } from '../facts/ad-security/sid.ts';
import { escapeFilterValue, nodeMatch, parentDn } from '../facts/ad-names.ts';
import { sharedPowerShell } from '../windows/availability.ts';
import {
  ADWS_PORT,
  powerShellFacts,
  readDirectory,
  readSecurity,
  type DirectoryParams,
  type PsRun,
  type PsSecurity,
} from '../windows/ad-facts.ts';
import type { PowerShellSession } from '../windows/powershell.ts';

// Pure name functions shared with the ad.* checks live in the facts layer.
export { escapeFilterValue, isContainer, matchesByName, nodeMatch, parentDn } from '../facts/ad-names.ts';

/** LDAP_SERVER_SD_FLAGS_OID: which parts of nTSecurityDescriptor to return (4 = DACL only). */
export class SdFlagsControl extends Control {
  readonly flags: number;
  constructor(flags: number) {
    super('1.2.840.113556.1.4.801', { critical: true });
    this.flags = flags;
  }
  protected override writeControl(writer: BerWriter): void {
    const value = new BerWriter();
    value.startSequence();
    value.writeInt(this.flags);
    value.endSequence();
    writer.writeBuffer(value.buffer, 0x04);
  }
}

export const COMPUTER_ATTRIBUTES = [
  'sAMAccountName',
  'dNSHostName',
  'cn',
  'userAccountControl',
  'objectSid',
  'operatingSystem',
  'whenCreated',
] as const;

/** A binary SID (MS-DTYP 2.4.2.2) as S-1-...; null for anything malformed. */
export function sidString(bytes: Buffer | undefined): string | null {
  if (!bytes) return null;
  try {
    // The one SID decoder, shared with the PowerShell path (psSid in src/windows/ad-facts.ts).
    return decodeSid(bytes, 'objectSid');
  } catch (err) {
    if (err instanceof SdDecodeError) return null;
    throw err;
  }
}

function text(entry: Entry, name: string): string | null {
  const v = entry[name];
  if (v === undefined) return null;
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? null : Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

function buffers(entry: Entry, name: string): Buffer[] {
  const v = entry[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is Buffer => Buffer.isBuffer(x));
}

function int(entry: Entry, name: string): number | null {
  const t = text(entry, name);
  return t !== null && /^-?\d+$/.test(t) ? Number(t) : null;
}

export function nodeNames(spec: ClusterSpec): { nodes: NodeName[]; cluster?: NodeName } {
  const domain = spec.activeDirectory?.domain.toLowerCase();
  const named = (name: string, fqdn?: string): NodeName => ({
    name,
    fqdn: nodeFqdn({ name, fqdn }, domain),
    netbios: netbiosName(name.split('.')[0]!).toUpperCase(),
  });
  return {
    nodes: spec.nodes.map((n) => named(n.name, n.fqdn)),
    ...(spec.cluster?.name ? { cluster: named(spec.cluster.name) } : {}),
  };
}

/**
 * One filter for every object that could be a node, the cluster, or collide with either: the
 * account Windows joins with (the NetBIOS name and `$`), the dNSHostName, and the name itself as
 * cn (a computer's `name` is its cn) and, when longer than 15 characters, as an account name with
 * `$`: what New-ADComputer -Name, ADUC and samba-tool computer add give a prestaged object.
 */
export function computerFilter(names: readonly NodeName[]): string {
  const terms = new Set<string>();
  for (const n of names) {
    const host = n.name.split('.')[0]!;
    terms.add(`(sAMAccountName=${escapeFilterValue(`${n.netbios}$`)})`);
    if (host.toUpperCase() !== n.netbios) terms.add(`(sAMAccountName=${escapeFilterValue(`${host}$`)})`);
    terms.add(`(dNSHostName=${escapeFilterValue(n.fqdn)})`);
    terms.add(`(cn=${escapeFilterValue(host)})`);
  }
  return `(&(objectClass=computer)(|${[...terms].join('')}))`;
}

function toComputer(e: Entry): ComputerObject {
  const uac = int(e, 'userAccountControl') ?? 0;
  return {
    dn: e.dn,
    sAMAccountName: text(e, 'sAMAccountName') ?? '',
    dNSHostName: text(e, 'dNSHostName')?.toLowerCase() ?? null,
    cn: text(e, 'cn') ?? '',
    userAccountControl: uac,
    enabled: (uac & 0x2) === 0,
    objectSid: sidString(buffers(e, 'objectSid')[0]),
    operatingSystem: text(e, 'operatingSystem'),
    whenCreated: text(e, 'whenCreated'),
  };
}

function attempt(server: string, err: unknown, ms: number): AdAttempt {
  const e =
    err instanceof AdError
      ? err
      : new AdError('error', server, 'connect', err instanceof Error ? err.message : String(err));
  return {
    server,
    status: e.code,
    step: e.step,
    message: e.message,
    ms,
    ...(e.resultCode !== undefined ? { resultCode: e.resultCode } : {}),
    ...(e.dataCode !== undefined ? { dataCode: e.dataCode } : {}),
    ...(e.certificate ? { certificate: e.certificate } : {}),
  };
}

/** nodeMatch's object. */
export function nodeObject(node: NodeName, computers: readonly ComputerObject[]): ComputerObject | undefined {
  return nodeMatch(node, computers)?.object;
}

/**
 * What the second round reads: the OU the cluster goes into (activeDirectory.ou, else the OU most
 * nodes are in) and a prestaged cluster name object, from the computer objects found.
 */
export function targetsOf(
  ad: Pick<NonNullable<ClusterSpec['activeDirectory']>, 'ou'>,
  names: { nodes: readonly NodeName[]; cluster?: NodeName },
  computers: readonly ComputerObject[],
): { ouDn?: string; ouSource: OuFact['source']; cno?: ComputerObject } {
  const nodeObjects = names.nodes.map((n) => nodeObject(n, computers));
  const parents = nodeObjects.filter((c): c is ComputerObject => c !== undefined).map((c) => parentDn(c.dn));
  const counts = new Map<string, number>();
  for (const p of parents) counts.set(p.toLowerCase(), (counts.get(p.toLowerCase()) ?? 0) + 1);
  const majority = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const ouDn = ad.ou ?? (majority ? parents.find((p) => p.toLowerCase() === majority) : undefined);
  const cluster = names.cluster;
  const cno = cluster ? computers.find((c) => c.sAMAccountName.toUpperCase() === `${cluster.netbios}$`) : undefined;
  return { ...(ouDn ? { ouDn } : {}), ouSource: ad.ou ? 'config' : 'nodes', ...(cno ? { cno } : {}) };
}

interface Candidate {
  readonly url: string;
  readonly address?: string;
  /** activeDirectory.dnsServers could not resolve the URL's host name. */
  readonly resolver?: ResolverFailure;
}

async function candidates(
  ctx: ProbeContext,
  ad: NonNullable<ClusterSpec['activeDirectory']>,
): Promise<{ list: Candidate[]; discovery: AdFacts['discovery'] }> {
  if (ad.servers?.length) {
    // With activeDirectory.dnsServers, the configured DCs' names resolve through the domain's DNS
    // too (a jump host's own resolver often does not know the domain); else the system's.
    const dnsServers = ad.dnsServers;
    const list = await Promise.all(
      ad.servers.map(async (url): Promise<Candidate> => {
        const { host } = parseLdapUrl(url);
        if (!dnsServers?.length || isIP(host)) return { url };
        try {
          const addresses = await lookupAddresses(host, { servers: [...dnsServers], timeoutMs: 2000, tries: 2 });
          return addresses[0] ? { url, address: addresses[0] } : { url };
        } catch (err) {
          const resolver = resolverFailure(err, 'config', dnsServers);
          return resolver ? { url, resolver } : { url };
        }
      }),
    );
    return { list, discovery: { source: 'config', status: 'ok', dcs: [] } };
  }
  const startTls = ad.tls?.startTls === true;
  const discovery = await srvDiscovery(ctx, ad, startTls ? 389 : 636);
  const list = discovery.dcs.map((dc) => ({
    url: startTls ? `ldap://${dc.host}:${dc.port}` : `ldaps://${dc.host}`,
    ...(dc.addresses[0] ? { address: dc.addresses[0] } : {}),
  }));
  return { list, discovery };
}

/** The DCs the SRV record lists, each tested on reachPort; a failed lookup is a fact. */
async function srvDiscovery(
  ctx: ProbeContext,
  ad: NonNullable<ClusterSpec['activeDirectory']>,
  reachPort: number,
): Promise<AdFacts['discovery']> {
  const asked = [...dnsOptions(ad.dnsServers ? { dnsServers: ad.dnsServers } : {}).servers];
  const source: ResolverSource = ad.dnsServers?.length ? 'config' : 'system';
  try {
    const dcs = await discoverDcs({
      domain: ad.domain,
      ...(ad.dnsServers ? { dnsServers: ad.dnsServers } : {}),
      reachPort,
    });
    return { source: 'srv', status: 'ok', dcs, dnsServers: asked };
  } catch (err) {
    ctx.progress(`DC discovery failed: ${err instanceof Error ? err.message : String(err)}`);
    const resolver = resolverFailure(err instanceof Error ? err.cause : undefined, source, asked);
    return {
      source: 'srv',
      status: 'failed',
      message: err instanceof Error ? err.message : String(err),
      dcs: [],
      dnsServers: asked,
      ...(resolver ? { resolverFailure: resolver } : {}),
    };
  }
}

/** Each node's A/AAAA records through the given DNS servers; a failed lookup is a fact (with the resolver's failure when it was the resolver). */
function nodeRecords(
  nodes: readonly NodeName[],
  servers: readonly string[],
  source: ResolverSource,
): Promise<AdFacts['dns']> {
  return Promise.all(
    nodes.map(async (n) => {
      try {
        return {
          node: n.name,
          fqdn: n.fqdn,
          addresses: await lookupAddresses(n.fqdn, { servers, timeoutMs: 2000, tries: 2 }),
        };
      } catch (err) {
        const resolver = resolverFailure(err, source, servers);
        return {
          node: n.name,
          fqdn: n.fqdn,
          addresses: [],
          error: err instanceof Error ? err.message : String(err),
          ...(resolver ? { resolverFailure: resolver } : {}),
        };
      }
    }),
  );
}

/**
 * Why the URL's host name did not resolve through this machine's resolver (getaddrinfo says only
 * ENOTFOUND or EAI_AGAIN): the same name asked of the same servers with clusterprobe's client.
 */
async function systemResolverFailure(
  url: string,
  ad: NonNullable<ClusterSpec['activeDirectory']>,
): Promise<ResolverFailure | undefined> {
  const { host } = parseLdapUrl(url);
  if (ad.dnsServers?.length || isIP(host)) return undefined;
  const options = dnsOptions({});
  return lookupAddresses(host, options).then(
    () => undefined,
    (err: unknown) => resolverFailure(err, 'system', options.servers),
  );
}

async function connect(
  ctx: ProbeContext,
  ad: NonNullable<ClusterSpec['activeDirectory']>,
  list: readonly Candidate[],
  attempts: AdAttempt[],
  ca: Buffer | undefined,
  password: Secret | undefined,
): Promise<DirectorySession | undefined> {
  for (const c of list) {
    if (ctx.signal.aborted) return undefined;
    ctx.progress(`${c.url}: connect and bind`);
    const started = performance.now();
    try {
      const session = await connectDirectory({
        url: c.url,
        ...(c.address ? { address: c.address } : {}),
        tls: {
          ...(ca ? { ca } : {}),
          ...(ad.tls?.serverName ? { serverName: ad.tls.serverName } : {}),
          ...(ad.tls?.startTls ? { startTls: true } : {}),
          ...(ad.tls?.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
        },
        ...(ad.bind && password ? { bind: { user: ad.bind.user, password } } : {}),
        timeouts: DEFAULT_AD_TIMEOUTS,
      });
      attempts.push({ server: c.url, status: 'ok', ms: Math.round(performance.now() - started) });
      return session;
    } catch (err) {
      const failed = attempt(c.url, err, Math.round(performance.now() - started));
      const resolver =
        failed.status === 'dnsFailed' ? (c.resolver ?? (await systemResolverFailure(c.url, ad))) : undefined;
      attempts.push(resolver ? { ...failed, resolver } : failed);
    }
  }
  return undefined;
}

/** Reads the directory over one bound session: three searches at once, then up to three more. */
async function read(
  ctx: ProbeContext,
  session: DirectorySession,
  ad: NonNullable<ClusterSpec['activeDirectory']>,
  names: { nodes: NodeName[]; cluster?: NodeName },
) {
  const base = String(session.rootDse.defaultNamingContext ?? '');
  const all = [...names.nodes, ...(names.cluster ? [names.cluster] : [])];
  ctx.progress(`${session.url}: domain head, ${all.length} computer names, the bind account`);
  const [headEntries, computerEntries, accountEntries] = await Promise.all([
    session.search(base, {
      scope: 'base',
      attributes: ['msDS-Behavior-Version', 'nTMixedDomain', 'ms-DS-MachineAccountQuota'],
    }),
    session.search(base, {
      scope: 'sub',
      filter: computerFilter(all),
      attributes: [...COMPUTER_ATTRIBUTES],
      binary: ['objectSid'],
    }),
    // An account without userPrincipalName still binds as sAMAccountName@domain (its implicit UPN).
    session.boundAs
      ? session.search(base, {
          scope: 'sub',
          filter: `(&(objectCategory=person)(|(userPrincipalName=${escapeFilterValue(session.boundAs)})(sAMAccountName=${escapeFilterValue(session.boundAs.split('@')[0]!)})))`,
          attributes: ['objectSid', 'userPrincipalName', 'sAMAccountName'],
          binary: ['objectSid'],
          sizeLimit: 10,
        })
      : Promise.resolve([] as Entry[]),
  ]);
  const head = headEntries[0];
  const domainHead = {
    dn: base,
    msDSBehaviorVersion: head ? int(head, 'msDS-Behavior-Version') : null,
    nTMixedDomain: head ? int(head, 'nTMixedDomain') : null,
    machineAccountQuota: head ? int(head, 'ms-DS-MachineAccountQuota') : null,
  };
  const computers = computerEntries.map(toComputer);

  const { ouDn, cno } = targetsOf(ad, names, computers);
  const upn = session.boundAs?.toLowerCase();
  const account =
    accountEntries.find((e) => text(e, 'userPrincipalName')?.toLowerCase() === upn) ??
    (upn?.endsWith(`@${ad.domain.toLowerCase()}`)
      ? accountEntries.find((e) => text(e, 'userPrincipalName') === null)
      : undefined);
  const sd = [new SdFlagsControl(4)];

  ctx.progress(`${session.url}: tokenGroups, the OU's and the cluster name's security descriptors`);
  const [groups, ouEntries, cnoEntries] = await Promise.all([
    account
      ? session
          .search(account.dn, { scope: 'base', attributes: ['tokenGroups'], binary: ['tokenGroups'] })
          .catch((err: unknown) => err as Error)
      : Promise.resolve(undefined),
    ouDn
      ? session
          .search(ouDn, {
            scope: 'base',
            attributes: ['objectClass', 'nTSecurityDescriptor'],
            binary: ['nTSecurityDescriptor'],
            controls: sd,
          })
          .catch((err: unknown) => err as Error)
      : Promise.resolve(undefined),
    cno
      ? session
          .search(cno.dn, {
            scope: 'base',
            attributes: ['nTSecurityDescriptor'],
            binary: ['nTSecurityDescriptor'],
            controls: sd,
          })
          .catch(() => [] as Entry[])
      : Promise.resolve(undefined),
  ]);

  const bindIdentity: AdFacts['bindIdentity'] = !session.boundAs
    ? undefined
    : !account
      ? { error: `no user with userPrincipalName ${session.boundAs} was found under ${base}` }
      : groups instanceof Error
        ? { error: groups.message }
        : {
            dn: account.dn,
            sid: sidString(buffers(account, 'objectSid')[0]),
            tokenGroups: buffers(groups?.[0] ?? { dn: '' }, 'tokenGroups')
              .map((b) => sidString(b))
              .filter((s): s is string => s !== null),
          };
  let ou: OuFact | undefined;
  if (ouDn) {
    const source = ad.ou ? ('config' as const) : ('nodes' as const);
    if (ouEntries instanceof Error) {
      // LDAP result 32 (noSuchObject): the DN names nothing. Any other failure is not "missing".
      const missing = ouEntries instanceof AdError && ouEntries.resultCode === 32;
      ou = { dn: ouDn, source, exists: !missing, objectClass: [], ...(missing ? {} : { error: ouEntries.message }) };
    } else {
      const e = ouEntries?.[0];
      const classes = e ? (Array.isArray(e.objectClass) ? e.objectClass : [e.objectClass]).map(String) : [];
      const descriptor = e ? buffers(e, 'nTSecurityDescriptor')[0] : undefined;
      ou = {
        dn: ouDn,
        source,
        exists: e !== undefined,
        objectClass: classes,
        ...(descriptor ? { securityDescriptor: descriptor.toString('base64') } : {}),
      };
    }
  }
  const cnoDescriptor =
    Array.isArray(cnoEntries) && cnoEntries[0] ? buffers(cnoEntries[0], 'nTSecurityDescriptor')[0] : undefined;
  return {
    domainHead,
    computers,
    ...(bindIdentity ? { bindIdentity } : {}),
    ...(ou ? { ou } : {}),
    ...(cnoDescriptor ? { cnoSecurityDescriptor: cnoDescriptor.toString('base64') } : {}),
  };
}

/** What the ad.directory script gets in $p: the DCs' host names (from activeDirectory.servers) and computerFilter's filter. */
export function powerShellParams(
  ad: Pick<NonNullable<ClusterSpec['activeDirectory']>, 'domain' | 'servers'>,
  names: { nodes: readonly NodeName[]; cluster?: NodeName },
): DirectoryParams {
  return {
    domain: ad.domain,
    servers: (ad.servers ?? []).map((url) => parseLdapUrl(url).host),
    filter: computerFilter([...names.nodes, ...(names.cluster ? [names.cluster] : [])]),
  };
}

/**
 * The PowerShell path: the ActiveDirectory module as the logged-in user, two script runs (the
 * directory, then the descriptors of the OU and of a prestaged cluster name it points to), SRV
 * discovery (tested on the ADWS port) and the node records through clusterprobe's own DNS client,
 * as on the LDAP path.
 */
async function collectThroughPowerShell(
  ctx: ProbeContext,
  ad: NonNullable<ClusterSpec['activeDirectory']>,
  names: { nodes: NodeName[]; cluster?: NodeName },
  ps: { session: PowerShellSession; executable: string },
): Promise<AdFacts> {
  const params = powerShellParams(ad, names);
  const discoveryPromise: Promise<AdFacts['discovery']> =
    params.servers.length > 0
      ? Promise.resolve({ source: 'config', status: 'ok', dcs: [] })
      : srvDiscovery(ctx, ad, ADWS_PORT);
  ctx.progress(
    `ActiveDirectory module (${ps.executable}): the DC, rootDSE, domain head, ${names.nodes.length + (names.cluster ? 1 : 0)} computer names, the logged-in user`,
  );
  const directory = await readDirectory(ps.session, params, ctx.signal);
  const discovery = await discoveryPromise;
  const found = directory.ok ? directory.value : undefined;
  const dc = found?.dc ?? undefined;
  // Node records through the domain's DNS: the configured servers, else the DC's address.
  const dcAddress = dc
    ? (dc.address ??
      discovery.dcs.find((d) => d.host.toLowerCase() === dc.host.toLowerCase())?.addresses[0] ??
      (isIP(dc.host) ? dc.host : undefined))
    : undefined;
  const dnsSource: ResolverSource = ad.dnsServers?.length ? 'config' : dcAddress && isIP(dcAddress) ? 'dc' : 'system';
  const dnsServers = ad.dnsServers?.length
    ? [...ad.dnsServers]
    : dcAddress && isIP(dcAddress)
      ? [dcAddress]
      : [...dnsOptions({}).servers];
  const dnsPromise = nodeRecords(names.nodes, dnsServers, dnsSource);
  const target = found && dc && !found.readError ? targetsOf(ad, names, found.computers) : undefined;
  let security: PsRun<PsSecurity> | undefined;
  if (dc && target && (target.ouDn || target.cno)) {
    ctx.progress(
      `ActiveDirectory module: the security descriptors of ${[target.ouDn, target.cno?.dn].filter(Boolean).join(' and ')}`,
    );
    security = await readSecurity(
      ps.session,
      { server: dc.host, ou: target.ouDn ?? null, cno: target.cno?.dn ?? null },
      ctx.signal,
    );
  }
  const facts = powerShellFacts({
    executable: ps.executable,
    directory,
    ...(target ? { target } : {}),
    ...(security ? { security } : {}),
  });
  return {
    domain: ad.domain.toLowerCase(),
    discovery,
    nodes: names.nodes,
    ...(names.cluster ? { cluster: names.cluster } : {}),
    ...facts,
    dns: await dnsPromise,
    dnsServers,
    dnsSource,
  };
}

/**
 * The code of the `ad.directory` probe. src/probes.ts declares the probe (fact, description) and
 * imports this module when the probe first collects.
 */
export const adProbe: Pick<FactProbe<'ad.directory'>, 'collect'> = {
  async collect(ctx) {
    const ad = ctx.spec.activeDirectory;
    if (!ad) return null;
    const names = nodeNames(ctx.spec);
    if (!ad.bind) {
      // No credentials: on Windows the logged-in user reads through the ActiveDirectory module;
      // elsewhere (no PowerShell) the LDAP path connects anonymously, as it always did.
      const ps = await sharedPowerShell(ctx);
      if ('session' in ps) return collectThroughPowerShell(ctx, ad, names, ps);
    }
    const attempts: AdAttempt[] = [];
    // What the connection needs from files and secrets, before any traffic: a missing one is a
    // finding (its key, never a value), not a crash.
    let ca: Buffer | undefined;
    let password: Secret | undefined;
    let setupError: AdFacts['setupError'];
    try {
      if (ad.tls?.caFile) ca = await readFile(resolvePath(ctx.baseDir, ad.tls.caFile));
    } catch (err) {
      setupError = {
        key: 'activeDirectory.tls.caFile',
        message: `activeDirectory.tls.caFile: cannot read ${ad.tls?.caFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      };
    }
    try {
      if (ad.bind) password = await ctx.secrets.resolve(ad.bind.password, 'activeDirectory.bind.password');
    } catch (err) {
      setupError ??= {
        key: 'activeDirectory.bind.password',
        message: err instanceof Error ? err.message : String(err),
        ...(err instanceof SecretUnavailable ? { secret: err.problem } : {}),
      };
    }
    const { list, discovery } = await candidates(ctx, ad);
    const session = setupError ? undefined : await connect(ctx, ad, list, attempts, ca, password);
    const base = {
      domain: ad.domain.toLowerCase(),
      discovery,
      attempts,
      nodes: names.nodes,
      ...(names.cluster ? { cluster: names.cluster } : {}),
      ...(setupError ? { setupError } : {}),
    };

    // Node records through the domain's DNS: the configured servers, else the DC we reached.
    const connectedAddress = session
      ? (list.find((c) => c.url === session.url)?.address ?? parseLdapUrl(session.url).host)
      : undefined;
    const dnsSource: ResolverSource = ad.dnsServers?.length
      ? 'config'
      : connectedAddress && /^[\d.:]+$/.test(connectedAddress)
        ? 'dc'
        : 'system';
    const dnsServers = ad.dnsServers?.length
      ? [...ad.dnsServers]
      : connectedAddress && /^[\d.:]+$/.test(connectedAddress)
        ? [connectedAddress]
        : [...dnsOptions({}).servers];
    const dnsPromise = nodeRecords(names.nodes, dnsServers, dnsSource);
    if (!session) return { ...base, dns: await dnsPromise, dnsServers, dnsSource, operations: 0 };
    const connection = {
      server: session.url,
      tlsMode: session.tlsMode,
      boundAs: session.boundAs ?? null,
      insecure: session.insecure,
      dnsHostName: typeof session.rootDse.dnsHostName === 'string' ? session.rootDse.dnsHostName : null,
    };
    const common = {
      ...base,
      connection,
      rootDse: session.rootDse,
      localTime: new Date(session.localTimeAtRootDse).toISOString(),
      dnsServers,
      dnsSource,
    };
    try {
      const facts = await read(ctx, session, ad, names);
      return { ...common, ...facts, dns: await dnsPromise, operations: session.operations };
    } catch (err) {
      return {
        ...common,
        dns: await dnsPromise,
        operations: session.operations,
        readError: err instanceof Error ? err.message : String(err),
      };
    } finally {
      await session.close();
    }
  },
};
