/**
 * The pure half of `clusterprobe init`: the checks each answer gets while it is typed, and what
 * the answers become: a cluster spec in DESIGN.md's shape and its commented YAML text. No I/O
 * here; the prompts, DNS and iSCSI live in src/commands/init-run.ts. It sits in the commands layer
 * because it lists LUNs and labels them from the storage probe's inventory.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { parse, stringify } from 'yaml';
import type { z } from 'zod';
import {
  NETBIOS_MAX,
  dnsIncompatibleCharacters,
  nameProblems,
  netbiosName,
  suggestNames,
  type NameProblem,
} from '../../netbios.ts';
import { parsePortal } from '../../facts/portal.ts';
import { PERIPHERAL_DEVICE_TYPE } from '../../scsi/inquiry.ts';
import type { InventoryLun, InventoryTarget } from '../../iscsi/inventory.ts';
import { formatBytes, strongestIdentifier } from '../../facts/lun-identity.ts';
import { ClusterSpecSchema, SECRET_REF_PATTERN, type WindowsVersion } from '../../config/schema.ts';
import { windowsDefaultIqn } from '../../config/node-identity.ts';
import { dnProblem, dnsNameProblem, dnsServerProblem, hostNameProblem, iqnProblem } from '../../config/validators.ts';

// ---------------------------------------------------------------------------------------------
// Answers

export interface NodeAnswer {
  readonly name: string;
  readonly fqdn?: string;
  readonly iqn?: string;
}

export interface AdAnswer {
  readonly domain: string;
  /** Resolvers for discovery and node records (`ip` or `ip:port`). */
  readonly dnsServers?: readonly string[];
  /** The DC to use (host name or address); absent: found through DNS SRV at every run. */
  readonly server?: string;
  /** Where `server` came from, for its comment. */
  readonly serverSource?: 'discovered' | 'typed';
  /** As it goes into the spec: relative to the spec's directory, or absolute. */
  readonly caFile?: string;
  readonly startTls: boolean;
  /** The name in the DC's certificate, when `server` is an address. */
  readonly serverName?: string;
  readonly bindUser: string;
  /** A secret reference (env:NAME, file:PATH or prompt), never the password. */
  readonly password: string;
  readonly ou?: string;
}

export interface LunPick {
  readonly lun: number;
  /** What the LUN is (vendor, size, identifier), for the comment. */
  readonly label?: string;
}

export interface TargetPick {
  readonly target: string;
  readonly luns: readonly LunPick[];
}

export interface PortalAnswer {
  readonly portal: string;
  /** The disks ticked, per target; absent: not discovered, so every target and every disk LUN. */
  readonly picks?: readonly TargetPick[];
  readonly chap?: { readonly user: string; readonly secret: string };
  /** Why the portal is kept without a selection, for the comment. */
  readonly note?: string;
}

export interface WizardAnswers {
  readonly cluster: { readonly name: string; readonly windowsVersion: WindowsVersion };
  readonly nodes: readonly NodeAnswer[];
  readonly activeDirectory?: AdAnswer;
  /** Absent: no storage section. */
  readonly portals?: readonly PortalAnswer[];
}

export type SpecInput = z.input<typeof ClusterSpecSchema>;

// ---------------------------------------------------------------------------------------------
// Validators: `true` or the reason, as @inquirer/prompts expects.

export type Verdict = true | string;

const NODE_SCHEMA = ClusterSpecSchema.shape.nodes.element;
const AD_SCHEMA = ClusterSpecSchema.shape.activeDirectory.unwrap();
const PORTAL_SCHEMA = ClusterSpecSchema.shape.storage.unwrap().shape.iscsi.unwrap().element;

function bySchema(schema: z.ZodType, value: string): Verdict {
  const r = schema.safeParse(value);
  return r.success ? true : (r.error.issues[0]?.message ?? 'not valid here');
}

/** Optional: empty is fine. */
export function checkFqdn(value: string): Verdict {
  return value === '' ? true : bySchema(NODE_SCHEMA.shape.fqdn, value);
}

/** Optional: empty is fine. */
export function checkIqn(value: string): Verdict {
  return value === '' ? true : bySchema(NODE_SCHEMA.shape.iqn, value);
}

export function checkDomain(value: string): Verdict {
  if (value === '') return "the domain's DNS name is needed, e.g. lab.example.test";
  if (!value.includes('.'))
    return `${value} looks like a NetBIOS domain name; give the DNS name, e.g. ${value.toLowerCase()}.example.test`;
  return bySchema(AD_SCHEMA.shape.domain, value);
}

export function checkPortal(value: string): Verdict {
  if (value === '') return 'a portal address is needed: HOST[:PORT], e.g. 10.0.0.20:3260';
  const shape = bySchema(PORTAL_SCHEMA.shape.portal, value);
  if (shape !== true) return shape;
  try {
    parsePortal(value);
  } catch (err) {
    return (err as Error).message;
  }
  return true;
}

/** `ip`, `ip:port` or `[v6]:port`; empty is fine (this machine's resolvers). */
export function checkDnsServer(value: string): Verdict {
  return value === '' ? true : (dnsServerProblem(value) ?? true);
}

/** A DC typed by hand: a DNS name or an address. */
export function checkDcHost(value: string): Verdict {
  if (value === '') return 'a DC host name or address is needed';
  if (isIP(value) !== 0) return true;
  return dnsNameProblem(value, 'e.g. dc1.lab.example.test, or its IP address') ?? true;
}

export function checkUpn(value: string): Verdict {
  return /^[^@\s]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(value)
    ? true
    : 'expected a user principal name, user@domain (e.g. clusteradm@lab.example.test): the account that will run New-Cluster';
}

export function checkEnvName(value: string): Verdict {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(value)
    ? true
    : 'expected an environment variable name: letters, digits and _, not starting with a digit';
}

/** Optional: empty is fine. An OU's DN ends in the domain's DC= components. */
export function checkOu(value: string, domain: string): Verdict {
  if (value === '') return true;
  const base = domainDn(domain);
  const shape = dnProblem(value);
  if (shape !== undefined) return shape;
  if (!/^OU=/i.test(value)) return `expected the distinguished name of an OU, e.g. OU=HyperV,OU=Servers,${base}`;
  if (
    !value
      .toLowerCase()
      .replace(/\s*,\s*/g, ',')
      .endsWith(`,${base.toLowerCase()}`)
  )
    return `an OU of ${domain} ends in ,${base}`;
  return true;
}

export function domainDn(domain: string): string {
  return domain
    .replace(/\.$/, '')
    .split('.')
    .map((label) => `DC=${label}`)
    .join(',');
}

/** The text of a CA file: at least one certificate that parses, and no private key. */
export function checkPem(text: string): Verdict {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text))
    return 'this file holds a private key: give the CA certificate alone (keys do not belong where a spec points)';
  const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text);
  if (!block)
    return 'not a PEM certificate (expected -----BEGIN CERTIFICATE-----); convert a DER file with: openssl x509 -inform der -in ca.cer -out ca.pem';
  try {
    new X509Certificate(block[0]);
  } catch (err) {
    return `the certificate in it does not parse (${(err as Error).message})`;
  }
  return true;
}

export type SecretSource = 'env' | 'file' | 'prompt';

/** The reference written to the spec; throws on anything that is not a reference. */
export function secretRef(source: SecretSource, value = ''): string {
  const ref = source === 'prompt' ? 'prompt' : `${source}:${value}`;
  if (!SECRET_REF_PATTERN.test(ref)) throw new RangeError(`not a secret reference: ${source}:…`);
  return ref;
}

// ---------------------------------------------------------------------------------------------
// NetBIOS names, as typed

export interface NameReview {
  /** The NetBIOS name Windows derives. */
  readonly netbios: string;
  /** Why the name is a problem, one sentence each; empty: fine. */
  readonly reasons: readonly string[];
  /** A valid, unique replacement, when there is a problem. */
  readonly suggestion?: string;
  /** False when Windows cannot have this name at all (or it is already taken here). */
  readonly keepable: boolean;
}

function problemText(p: NameProblem, name: string): string {
  switch (p.kind) {
    case 'tooLong':
      return `${p.length} characters: a NetBIOS name has at most ${NETBIOS_MAX}, so Windows truncates it to ${netbiosName(name)}`;
    case 'forbiddenCharacters':
      return `${p.characters.join(' ')} cannot be part of a NetBIOS name`;
    case 'allDigits':
      return 'a NetBIOS name cannot be only digits';
    case 'leadingPeriod':
      return 'a NetBIOS name cannot start with a period';
    case 'empty':
      return 'a name is needed';
  }
}

/**
 * Checks `name` against the NetBIOS rules and against the names given before it (`others`,
 * in order: the cluster name, then the nodes), and suggests a replacement when it breaks one.
 */
export function reviewName(name: string, others: readonly string[], what: 'node' | 'cluster' = 'node'): NameReview {
  const netbios = netbiosName(name);
  const problems = nameProblems(name);
  const reasons = problems.map((p) => problemText(p, name));
  // The spec's own rule (the one validate loads with): a name it refuses cannot be kept.
  const hostProblem = name === '' ? undefined : hostNameProblem(name, what);
  const dns = dnsIncompatibleCharacters(name);
  if (hostProblem !== undefined) reasons.push(hostProblem);
  else if (dns.length > 0)
    reasons.push(`${dns.join(' ')} is allowed in NetBIOS but not in a DNS host name, and a cluster node needs one`);
  const same = others.find((o) => o.toLowerCase() === name.toLowerCase());
  const clash = others.find((o) => netbiosName(o) === netbios);
  if (same !== undefined) reasons.push(`${same} is already in this cluster`);
  else if (clash !== undefined && name !== '')
    reasons.push(`its NetBIOS name ${netbios} is the same as ${clash}'s: the two collide`);
  if (reasons.length === 0) return { netbios, reasons, keepable: true };
  const hard = problems.some((p) => p.kind !== 'tooLong') || same !== undefined || hostProblem !== undefined;
  return { netbios, reasons, keepable: !hard, ...(name === '' ? {} : { suggestion: suggestFor(name, others) }) };
}

function suggestFor(name: string, others: readonly string[]): string {
  const taken = new Set(others.map(netbiosName));
  // NetBIOS takes a leading or trailing hyphen that no host name may have: trim it, then let
  // suggestNames judge what is left (too long, only digits...).
  const trimmed = name.replace(/^-+|-+$/g, '') || 'NODE';
  const suggested =
    trimmed === name
      ? suggestNames([...others, name]).get(name)
      : (suggestNames([...others, trimmed]).get(trimmed) ?? trimmed);
  if (suggested !== undefined && !taken.has(netbiosName(suggested))) return suggested;
  // A valid name that merely repeats another one: the next number (hv01 -> hv02), else a 2.
  const base = suggested ?? name;
  const digits = /^(.*?)(\d+)$/.exec(base);
  for (let i = digits ? Number(digits[2]) + 1 : 2; ; i += 1) {
    const n = digits ? String(i).padStart(digits[2]!.length, '0') : String(i);
    const head = digits ? digits[1]! : base;
    const candidate = `${head.slice(0, NETBIOS_MAX - n.length)}${n}`;
    if (!taken.has(netbiosName(candidate))) return candidate;
  }
}

/** The line shown above the name while it is typed. */
export function nameHint(name: string, others: readonly string[], what: 'node' | 'cluster' = 'node'): string {
  if (name === '') return `letters, digits and hyphens; at most ${NETBIOS_MAX} characters for NetBIOS`;
  const review = reviewName(name, others, what);
  if (review.reasons.length === 0) return `✓ NetBIOS name ${review.netbios} (${name.length}/${NETBIOS_MAX})`;
  return `⚠ ${review.reasons[0]}${review.suggestion ? ` (suggested: ${review.suggestion})` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// LUNs, as offered to tick

export interface LunChoice {
  readonly target: string;
  readonly lun: number;
  /** One line: LUN, type, size, vendor/product, identifier. */
  readonly label: string;
  /** Absent: a disk, selectable. Else why it cannot be a cluster disk. */
  readonly disabled?: string;
}

function oneLine(text: string): string {
  return text
    .replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function lunLabel(l: InventoryLun): string {
  const product =
    [l.vendor, l.product]
      .filter((s): s is string => s !== null && s !== '')
      .map(oneLine)
      .join(' ') || '-';
  const id = strongestIdentifier(l)?.identifier ?? 'no identifier';
  return `LUN ${l.lun}  ${oneLine(l.deviceTypeName)}  ${l.deviceType === PERIPHERAL_DEVICE_TYPE.DISK ? formatBytes(l.sizeBytes) : '-'}  ${product}  ${oneLine(id)}`;
}

/** Every LUN of every target read; only disks that were read completely can be ticked. */
export function lunChoices(targets: readonly Pick<InventoryTarget, 'name' | 'luns'>[]): LunChoice[] {
  return targets.flatMap((t) => {
    // The spec holds target names by the RFC 7143 rules the loader checks; one that breaks them
    // (a target that allows underscores, say) could not be written back and loaded.
    const nameProblem = iqnProblem(t.name);
    return t.luns.map((l) => {
      const base = { target: t.name, lun: l.lun, label: lunLabel(l) };
      if (nameProblem !== undefined)
        return { ...base, disabled: `(the target's name cannot go in the spec: ${oneLine(nameProblem)})` };
      if (l.deviceType !== PERIPHERAL_DEVICE_TYPE.DISK)
        return { ...base, disabled: '(not a disk: cannot be a cluster disk)' };
      if (l.error) return { ...base, disabled: `(could not be read: ${oneLine(l.error.message)})` };
      return base;
    });
  });
}

/** The ticked choices grouped per target, in the order the targets and LUNs came. */
export function picksFrom(
  choices: readonly LunChoice[],
  ticked: readonly { target: string; lun: number }[],
): TargetPick[] {
  const picks: { target: string; luns: LunPick[] }[] = [];
  for (const c of choices) {
    if (c.disabled || !ticked.some((t) => t.target === c.target && t.lun === c.lun)) continue;
    let pick = picks.find((p) => p.target === c.target);
    if (!pick) picks.push((pick = { target: c.target, luns: [] }));
    pick.luns.push({ lun: c.lun, label: c.label });
  }
  return picks;
}

// ---------------------------------------------------------------------------------------------
// Answers -> spec

export function ldapUrl(ad: Pick<AdAnswer, 'server' | 'startTls'>): string | undefined {
  if (ad.server === undefined) return undefined;
  const host = isIP(ad.server) === 6 ? `[${ad.server}]` : ad.server;
  return `${ad.startTls ? 'ldap' : 'ldaps'}://${host}`;
}

interface StorageEntry {
  readonly portal: string;
  readonly targets?: string[];
  readonly luns?: number[];
  readonly chap?: { user: string; secret: string };
  /** For comments only. */
  readonly picks?: readonly TargetPick[];
  readonly note?: string;
}

/**
 * A spec entry's `luns` applies to each of its `targets`, so targets whose ticked LUNs differ
 * become entries of their own (same portal); targets with the same LUN numbers share one.
 */
function storageEntries(p: PortalAnswer): StorageEntry[] {
  const chap = p.chap ? { chap: { user: p.chap.user, secret: p.chap.secret } } : {};
  if (p.picks === undefined) return [{ portal: p.portal, ...chap, ...(p.note ? { note: p.note } : {}) }];
  const groups = new Map<string, TargetPick[]>();
  for (const pick of p.picks) {
    const key = [...new Set(pick.luns.map((l) => l.lun))].sort((a, b) => a - b).join(',');
    groups.set(key, [...(groups.get(key) ?? []), pick]);
  }
  return [...groups.entries()].map(([key, picks]) => ({
    portal: p.portal,
    targets: picks.map((t) => t.target),
    luns: key.split(',').map(Number),
    ...chap,
    picks,
  }));
}

/** The spec the answers describe, as the loader would read it from the YAML. */
export function buildSpec(answers: WizardAnswers): SpecInput {
  const ad = answers.activeDirectory;
  const url = ad ? ldapUrl(ad) : undefined;
  const tls = ad
    ? {
        ...(ad.caFile ? { caFile: ad.caFile } : {}),
        startTls: ad.startTls,
        ...(ad.serverName ? { serverName: ad.serverName } : {}),
      }
    : undefined;
  return {
    cluster: { name: answers.cluster.name, windowsVersion: answers.cluster.windowsVersion },
    nodes: answers.nodes.map((n) => ({
      name: n.name,
      ...(n.fqdn ? { fqdn: n.fqdn } : {}),
      ...(n.iqn ? { iqn: n.iqn } : {}),
    })),
    ...(ad
      ? {
          activeDirectory: {
            domain: ad.domain,
            ...(url ? { servers: [url] } : {}),
            ...(ad.dnsServers?.length ? { dnsServers: [...ad.dnsServers] } : {}),
            tls,
            bind: { user: ad.bindUser, password: ad.password },
            ...(ad.ou ? { ou: ad.ou } : {}),
          },
        }
      : {}),
    ...(answers.portals
      ? {
          storage: {
            iscsi: answers.portals.flatMap(storageEntries).map((e) => ({
              portal: e.portal,
              ...(e.targets ? { targets: e.targets } : {}),
              ...(e.luns ? { luns: e.luns } : {}),
              ...(e.chap ? { chap: e.chap } : {}),
            })),
            allowInUse: false,
          },
        }
      : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Spec -> commented YAML

/** A string as a YAML scalar that reads back as exactly that string (in a block or a flow list). */
export function yamlString(value: string, inFlow = false): string {
  const text = stringify(value, { lineWidth: 0 }).replace(/\n$/, '');
  if (!text.includes('\n') && readsBackAs(text, value, inFlow)) return text;
  return JSON.stringify(value);
}

function readsBackAs(text: string, value: string, inFlow: boolean): boolean {
  try {
    const parsed: unknown = parse(inFlow ? `[${text}]` : `k: ${text}`);
    return inFlow
      ? Array.isArray(parsed) && parsed.length === 1 && parsed[0] === value
      : (parsed as { k?: unknown } | null)?.k === value;
  } catch {
    return false;
  }
}

function flowList(items: readonly (string | number)[]): string {
  return `[${items.map((i) => (typeof i === 'number' ? String(i) : yamlString(i, true))).join(', ')}]`;
}

/** A comment's text on one line: nothing in it can end the comment and start YAML. */
function commentText(text: string): string {
  return text.replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g, ' ');
}

const COMMENT_COLUMN = 44;

class Lines {
  readonly out: string[] = [];
  /** `key: value  # comment`, the comment aligned. */
  kv(indent: number, key: string, value: string, comment?: string): void {
    const line = `${' '.repeat(indent)}${key}: ${value}`;
    this.out.push(
      comment ? `${line.padEnd(Math.max(COMMENT_COLUMN, line.length + 1))} # ${commentText(comment)}` : line,
    );
  }
  /** `key:` opening a block, with an optional trailing comment. */
  open(indent: number, key: string, comment?: string): void {
    const line = `${' '.repeat(indent)}${key}:`;
    this.out.push(
      comment ? `${line.padEnd(Math.max(COMMENT_COLUMN, line.length + 1))} # ${commentText(comment)}` : line,
    );
  }
  comment(indent: number, text: string): void {
    this.out.push(`${' '.repeat(indent)}# ${commentText(text)}`.trimEnd());
  }
  blank(): void {
    this.out.push('');
  }
}

export interface RenderMeta {
  /** e.g. "clusterprobe 0.1.0". */
  readonly tool: string;
  /** YYYY-MM-DD. */
  readonly date: string;
  /** The spec's file name as the user will type it (cluster.yaml). */
  readonly file: string;
  /** Path of cluster-spec.schema.json relative to the spec, for editor completion. */
  readonly schemaPath?: string;
}

/**
 * The commented `cluster.yaml` for the answers. Its content is `buildSpec(answers)`; the comments
 * say what each key means and where its value came from. Holds no secret, only references.
 */
export function renderSpecYaml(answers: WizardAnswers, meta: RenderMeta): string {
  const y = new Lines();
  if (meta.schemaPath) y.out.push(`# yaml-language-server: $schema=${meta.schemaPath}`);
  y.comment(0, `Cluster spec written by ${meta.tool} init on ${meta.date}. Check the environment with:`);
  y.comment(0, '');
  y.comment(0, `  clusterprobe validate --config ${meta.file}`);
  y.comment(0, '');
  y.comment(0, 'Secrets are references (env:NAME, file:PATH or prompt): this file holds no password.');
  y.comment(0, 'Every key is explained in examples/review-lab.yaml and the README ("The cluster spec").');

  y.open(0, 'cluster');
  y.kv(2, 'name', yamlString(answers.cluster.name), 'the cluster name object (CNO) New-Cluster will create');
  y.kv(
    2,
    'windowsVersion',
    JSON.stringify(answers.cluster.windowsVersion),
    '2008R2 | 2012 | 2012R2 | 2016 | 2019 | 2022 | 2025',
  );

  y.open(0, 'nodes', 'the hosts that will form the cluster');
  for (const n of answers.nodes) {
    const review = reviewName(
      n.name,
      answers.nodes
        .filter((o) => o !== n)
        .map((o) => o.name)
        .concat(answers.cluster.name),
    );
    const note = review.reasons.length
      ? `${review.reasons.join('; ')} (validate reports it)`
      : `host name; NetBIOS name ${review.netbios}`;
    y.kv(2, '- name', yamlString(n.name), note);
    if (n.fqdn) y.kv(4, 'fqdn', yamlString(n.fqdn), 'its DNS name');
    if (n.iqn) y.kv(4, 'iqn', yamlString(n.iqn), 'its iSCSI initiator name');
    else
      y.comment(
        4,
        `iqn: not given: the storage checks log in as Windows' default, ${windowsDefaultIqn(n, answers.activeDirectory?.domain)}`,
      );
  }

  const ad = answers.activeDirectory;
  if (ad) {
    y.open(0, 'activeDirectory');
    y.kv(2, 'domain', yamlString(ad.domain), 'DNS name of the domain');
    const url = ldapUrl(ad);
    if (url)
      y.kv(
        2,
        'servers',
        flowList([url]),
        ad.serverSource === 'discovered'
          ? 'picked from the DCs DNS SRV listed'
          : 'the DC to ask; remove the key to find DCs through DNS SRV',
      );
    else y.comment(2, 'servers: not given: the DCs are found through DNS SRV (_ldap._tcp.dc._msdcs) at every run');
    if (ad.dnsServers?.length)
      y.kv(2, 'dnsServers', flowList(ad.dnsServers), "the domain's DNS: SRV discovery and node records");
    y.open(2, 'tls', 'LDAP is always protected by TLS; certificates are verified');
    if (ad.caFile) y.kv(4, 'caFile', yamlString(ad.caFile), "CA of the DCs' certificates (PEM), relative to this file");
    else y.comment(4, "caFile: not given: the system's CAs verify the DC's certificate");
    y.kv(
      4,
      'startTls',
      String(ad.startTls),
      ad.startTls ? 'StartTLS on ldap:// (389)' : 'LDAPS (636); true: StartTLS on ldap:// (389)',
    );
    if (ad.serverName) y.kv(4, 'serverName', yamlString(ad.serverName), "the name in the DC's certificate");
    y.open(2, 'bind', 'a simple bind over TLS');
    y.kv(4, 'user', yamlString(ad.bindUser), 'the account that will run New-Cluster');
    y.kv(4, 'password', yamlString(ad.password), 'env:NAME | file:PATH | prompt, never the password');
    if (ad.ou) y.kv(2, 'ou', yamlString(ad.ou), 'where the nodes and the cluster name object belong');
    else
      y.comment(
        2,
        `ou: not given: the nodes only have to share one OU (e.g. OU=HyperV,OU=Servers,${domainDn(ad.domain)})`,
      );
  }

  if (answers.portals) {
    y.open(0, 'storage');
    const entries = answers.portals.flatMap(storageEntries);
    if (entries.length === 0) y.kv(2, 'iscsi', '[]', 'no portal yet: add one as - portal: HOST[:PORT]');
    else y.open(2, 'iscsi', 'the portals the nodes log in to');
    for (const e of entries) {
      y.kv(4, '- portal', yamlString(e.portal), e.note ?? (e.picks ? 'discovered with SendTargets' : undefined));
      if (e.targets) y.kv(6, 'targets', flowList(e.targets), 'the targets holding the disks ticked');
      else y.comment(6, 'targets: not given: every target SendTargets lists');
      if (e.luns) {
        y.kv(6, 'luns', flowList(e.luns), 'the disks ticked; remove the key to check every disk LUN');
        for (const pick of e.picks ?? [])
          for (const l of pick.luns)
            if (l.label) y.comment(8, `${e.picks!.length > 1 ? `${pick.target} ` : ''}${l.label}`);
      } else y.comment(6, 'luns: not given: every disk LUN');
      if (e.chap) {
        y.open(6, 'chap', 'one-way CHAP');
        y.kv(8, 'user', yamlString(e.chap.user));
        y.kv(8, 'secret', yamlString(e.chap.secret), 'env:NAME | file:PATH | prompt, never the secret');
      }
    }
    y.kv(2, 'allowInUse', 'false', 'never touch a LUN that already holds registrations');
  }
  y.comment(0, 'waivers:                   # accept a known failure for a while, visibly:');
  y.comment(0, '  - check: config.netbios.name');
  y.comment(0, '    subject: HV01');
  y.comment(0, '    justification: renamed in change 4711');
  y.comment(0, '    expires: 2026-12-31');
  return `${y.out.join('\n')}\n`;
}
