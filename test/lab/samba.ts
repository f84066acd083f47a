/**
 * A real Samba Active Directory domain controller for one test: `startSamba()` provisions a fresh
 * domain (once per process and function level into a template directory, then copied for each
 * lab), runs `samba -i -M single` on its own loopback address 127.0.0.N, and `SambaLab` changes
 * the directory through samba-tool and ldap-utils (ldapsearch / ldapmodify over LDAPS as
 * Administrator), each call with a timeout. `stop()` (or the process exiting) kills the DC.
 *
 * Facts this relies on (Samba 4.17, Debian 12; see ../../../shared/LAB.md):
 * - `samba-tool domain provision` needs the samba-ad-provision package (a Recommends of
 *   samba-ad-dc, so `--no-install-recommends` leaves it out: "File [...] not found"); `ldbsearch`
 *   and `ldbmodify` come from ldb-tools.
 * - `interfaces=127.0.0.N/8` with `bind interfaces only=yes` makes Samba bind 127.0.0.N only
 *   (every service: 53, 88, 135, 389, 464, 636, 3268, 3269, 49152-49154). The bare address
 *   without a mask matches no interface ("no network interfaces found") and nothing listens.
 *   `disable netbios=yes` avoids 137/138 on 127.255.255.255, which two labs would share.
 * - `server services=-s3fs -nbt -wrepl -winbindd` on samba's command line leaves out smbd (445,
 *   139) and winbindd; samba-tool (LDAP and DNS RPC), LDAPS and DNS still work, and SIGTERM then
 *   leaves no process behind (winbindd's domain child otherwise stays a zombie under pid 1).
 * - A provisioned directory can be copied: only etc/smb.conf names its path. The DNS A records
 *   of the DC (dc1, @, DomainDnsZones, ForestDnsZones, gc._msdcs) hold the provision's
 *   `--host-ip` as the last 4 bytes of a dnsRecord blob of type 1; they are rewritten offline
 *   with ldbmodify before the copy starts.
 * - Samba generates its TLS certificate at first start when private/tls/{key,cert,ca}.pem are
 *   missing: RSA 4096, CN=DC1.<domain> and no subjectAltName, so ldapsearch refuses
 *   `ldaps://127.0.0.N` ("hostname does not match"). The lab writes its own CA and a certificate
 *   (CN and DNS name DC1.<domain>, IP 127.0.0.N) to those paths first; Samba uses them.
 * - samba-tool reads /etc/samba/smb.conf unless given `-s`: without the lab's smb.conf the
 *   client authenticates as WORKGROUP\Administrator and fails (LDAP 49, data 51f).
 * - `provision --option="dns forwarder="` leaves the forwarder out (by default it copies the
 *   machine's /etc/resolv.conf nameserver): the DC never forwards queries off loopback.
 * - Samba creates computer accounts disabled (userAccountControl 4098); 4096 is enabled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTool, LabCommandError, LabError, runTool, track, type RunResult } from './tgt.ts';

export type FunctionLevel = '2003' | '2008' | '2008_R2';

export interface StartSambaOptions {
  /** Kerberos realm. Default LAB.EXAMPLE.TEST (DNS domain lab.example.test). */
  realm?: string;
  /** NetBIOS domain name. Default LAB. */
  domain?: string;
  /** Domain and forest functional level at provisioning. Default '2008_R2'. */
  functionLevel?: FunctionLevel;
  /** Provision into a fresh directory instead of copying this process's template. Default false. */
  noTemplate?: boolean;
  /** How long to wait for LDAPS and the rootDSE. Default 60000 ms. */
  readyTimeoutMs?: number;
  /** Timeout of each samba-tool / ldap-utils call. Default 30000 ms. */
  toolTimeoutMs?: number;
}

export interface AddComputerOptions {
  /** OU relative to the base DN (`OU=HyperV,OU=Servers`) or a full DN. Default: CN=Computers. */
  ou?: string;
  /** Default `<name>.<domain>` in lower case; `null` leaves dNSHostName out. */
  dnsHostName?: string | null;
  /** Default false: Samba's own default (userAccountControl 4098). */
  enabled?: boolean;
  description?: string;
}

export interface BindAs {
  /** `user@domain` or a DN. */
  bindDn: string;
  password: string;
}

/** One entry of an LDIF text; every value as bytes (`attr:: base64` decoded, `attr: text` as UTF-8). */
export interface LdifEntry {
  dn: string;
  attributes: Record<string, Buffer[]>;
}

export interface SambaLab {
  /** 127.0.0.N, this lab's own loopback address: every service binds it and nothing else. */
  readonly host: string;
  readonly ldapsUrl: string;
  readonly ldapUrl: string;
  /** The CA that signed the DC's certificate (PEM): `<dir>/private/tls/ca.pem`. */
  readonly caFile: string;
  /** The DNS name in the DC's certificate: `DC1.lab.example.test`. */
  readonly certName: string;
  /** The DC's host name as the rootDSE says it: `dc1.lab.example.test`. */
  readonly dcHostName: string;
  readonly realm: string;
  /** Lower-case DNS domain name. */
  readonly domain: string;
  readonly netbiosDomain: string;
  readonly baseDn: string;
  readonly functionLevel: FunctionLevel;
  readonly adminUpn: string;
  readonly adminPassword: string;
  /** Address of the DC's DNS server (port 53) for `dns.Resolver#setServers`. */
  readonly dnsServer: string;
  readonly dir: string;
  readonly pid: number;
  /** Milliseconds the provisioning (or the template copy) and the start took. */
  readonly timings: { provisionMs: number; startMs: number };
  /** The full DN for `OU=...` relative to the base DN; a DN ending in the base DN is returned as is. */
  dn(relative: string): string;
  /** Adds an OU and, first, any missing parent OU. Returns the full DN. */
  addOu(dn: string): Promise<string>;
  /** `samba-tool computer add`, then dNSHostName, description and enabling by LDAP. Returns the DN. */
  addComputer(name: string, options?: AddComputerOptions): Promise<string>;
  /** userAccountControl 4096 (enabled workstation) or 4098 (disabled). */
  setComputerEnabled(name: string, enabled: boolean): Promise<void>;
  /**
   * Many enabled computer objects (sAMAccountName NAME$, dNSHostName name.domain,
   * userAccountControl 4096) with one `ldapmodify -a` over LDAPS. Returns the time taken.
   */
  addComputersBulk(names: readonly string[], ou?: string): Promise<number>;
  /** `samba-tool user create` (a plain user, in CN=Users unless `ou`). Returns the DN. */
  addUser(sam: string, password: string, options?: { ou?: string }): Promise<string>;
  /** `samba-tool group add` and members. Returns the DN. */
  addGroup(name: string, members?: readonly string[], options?: { ou?: string }): Promise<string>;
  /** The DN of a user, group or computer by sAMAccountName (computers: with or without `$`). */
  dnOf(sam: string): Promise<string>;
  /** objectSid of a sAMAccountName in string form (S-1-5-21-...). */
  sidOf(sam: string): Promise<string>;
  /** Adds one ACE (SDDL, e.g. `(OA;;CC;<guid>;;<sid>)`) to an object's DACL and checks it landed. */
  addAce(dn: string, ace: string): Promise<void>;
  /** "Create Computer objects" on an OU: `(OA;;CC;bf967a86-...;;<sid of userSam>)`. Returns the ACE. */
  grantCreateComputer(sam: string, ouDn: string): Promise<string>;
  /** An explicit deny of Create Child for the computer class: `(OD;;CC;bf967a86-...;;<sid>)`. */
  denyCreateComputer(sam: string, ouDn: string): Promise<string>;
  /** `samba-tool dsacl get` as SDDL. */
  sddl(dn: string): Promise<string>;
  /** nTMixedDomain on the domain head: 1 (mixed) or 0 (native). */
  setMixedMode(on: boolean): Promise<void>;
  /** `samba-tool domain level raise` on the DC's sam.ldb (Samba refuses it over LDAP). */
  raiseLevel(levels: { domain?: FunctionLevel; forest?: FunctionLevel }): Promise<void>;
  /** `samba-tool dns add <host> <domain> <name> A <ip>`. */
  addDnsA(name: string, ip: string): Promise<void>;
  deleteDnsA(name: string, ip: string): Promise<void>;
  /**
   * `ldapsearch -LLL -o ldif-wrap=no` over LDAPS (LDAPTLS_CACERT=caFile) bound as Administrator
   * (or `as`); the arguments follow (base, filter, attributes, `-E` controls...). Returns the LDIF.
   */
  ldapsearch(args: readonly string[], as?: BindAs): Promise<string>;
  /** `ldapmodify` with this LDIF (with `changetype:` lines) over LDAPS as Administrator (or `as`). */
  modify(ldif: string, as?: BindAs): Promise<RunResult>;
  /** `ldapmodify -a`: every entry of the LDIF without `changetype` is added. */
  add(ldif: string, as?: BindAs): Promise<RunResult>;
  /** `samba-tool <args> -H ldap://host -s smb.conf -U Administrator`; returns stdout. */
  sambaTool(args: readonly string[]): Promise<string>;
  /** The daemon's output so far (last 64 KiB). */
  log(): string;
  /** SIGKILL the DC's process group now and wait for it ("DC stopped mid-run"). Keeps the dir. */
  kill(): Promise<void>;
  /** SIGTERM, SIGKILL after a grace, then remove the directory and release the address. */
  stop(): Promise<void>;
}

/** schemaIDGUID of the computer class (MS-ADSC). */
export const COMPUTER_CLASS_GUID = 'bf967a86-0de6-11d0-a285-00aa003049e2';

const BOOTSTRAP_HINT =
  'run `sh scripts/bootstrap.sh` as root, or apt-get install samba samba-ad-dc samba-ad-provision ldb-tools ldap-utils openssl';
const SAMBA_TOOLS = [
  'samba',
  'samba-tool',
  'ldapsearch',
  'ldapmodify',
  'ldbsearch',
  'ldbmodify',
  'openssl',
  'cp',
] as const;
const SERVER_SERVICES = 'server services=-s3fs -nbt -wrepl -winbindd';
const TEMPLATE_IP = '127.0.0.254';
const HOST_FIRST = 10;
const HOST_LAST = 250;

function requireTools(): void {
  for (const t of SAMBA_TOOLS) {
    try {
      findTool(t);
    } catch {
      throw new LabError('LAB_TOOL_MISSING', `${t} not found: ${BOOTSTRAP_HINT}`);
    }
  }
  try {
    readFileSync('/usr/share/samba/setup/provision.ldif');
  } catch {
    throw new LabError(
      'LAB_TOOL_MISSING',
      `/usr/share/samba/setup is missing (Debian package samba-ad-provision): ${BOOTSTRAP_HINT}`,
    );
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A LabCommandError (or any error) with every secret replaced by `***`. */
function redact(e: unknown, secrets: readonly string[]): Error {
  const scrub = (s: string) => secrets.filter((x) => x.length > 0).reduce((acc, x) => acc.split(x).join('***'), s);
  if (e instanceof LabCommandError) {
    return new LabCommandError({
      code: e.code,
      message: scrub(e.message),
      command: scrub(e.command),
      exitCode: e.exitCode,
      signal: e.signal,
      stdout: scrub(e.stdout),
      stderr: scrub(e.stderr),
      timedOut: e.timedOut,
    });
  }
  if (e instanceof Error) {
    const copy = new LabError(e instanceof LabError ? e.code : 'LAB_ERROR', scrub(e.message));
    return copy;
  }
  return new LabError('LAB_ERROR', scrub(String(e)));
}

// ---------------------------------------------------------------------------------------------
// LDIF

/** Parses LDIF (folded lines, `attr:: base64`, `attr: text`, comments); no `changetype` handling. */
export function parseLdif(text: string): LdifEntry[] {
  const lines: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.startsWith(' ') && lines.length > 0) lines[lines.length - 1] += raw.slice(1);
    else lines.push(raw);
  }
  const entries: LdifEntry[] = [];
  let cur: LdifEntry | null = null;
  for (const line of lines) {
    if (line === '') {
      cur = null;
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([A-Za-z0-9;.-]+):(:?) ?(.*)$/.exec(line);
    if (!m) continue;
    const [, name = '', b64, value = ''] = m;
    const bytes = b64 ? Buffer.from(value, 'base64') : Buffer.from(value, 'utf8');
    if (name.toLowerCase() === 'dn') {
      cur = { dn: bytes.toString('utf8'), attributes: {} };
      entries.push(cur);
      continue;
    }
    if (!cur) continue;
    (cur.attributes[name] ??= []).push(bytes);
  }
  return entries;
}

/** The first value of an attribute (case-insensitive name) as text, or undefined. */
export function ldifText(entry: LdifEntry | undefined, name: string): string | undefined {
  if (!entry) return undefined;
  for (const [k, v] of Object.entries(entry.attributes))
    if (k.toLowerCase() === name.toLowerCase()) return v[0]?.toString('utf8');
  return undefined;
}

/** All values of an attribute (case-insensitive name). */
export function ldifValues(entry: LdifEntry | undefined, name: string): Buffer[] {
  if (!entry) return [];
  for (const [k, v] of Object.entries(entry.attributes)) if (k.toLowerCase() === name.toLowerCase()) return v;
  return [];
}

/** A binary SID (MS-DTYP 2.4.2.2) in string form. */
export function sidToString(b: Buffer): string {
  if (b.length < 8) throw new LabError('LAB_BAD_SID', `SID of ${b.length} bytes`);
  const count = b[1] ?? 0;
  if (b.length < 8 + 4 * count)
    throw new LabError('LAB_BAD_SID', `SID says ${count} sub-authorities but has ${b.length} bytes`);
  const authority = b.readUIntBE(2, 6);
  const subs: number[] = [];
  for (let i = 0; i < count; i++) subs.push(b.readUInt32LE(8 + 4 * i));
  return `S-${b[0]}-${authority}${subs.map((s) => `-${s}`).join('')}`;
}

/** A GUID from its 16 wire bytes (first three fields little-endian). */
export function guidToString(b: Buffer): string {
  if (b.length !== 16) throw new LabError('LAB_BAD_GUID', `GUID of ${b.length} bytes`);
  const h = (buf: Buffer) => buf.toString('hex');
  return `${h(Buffer.from(b.subarray(0, 4)).reverse())}-${h(Buffer.from(b.subarray(4, 6)).reverse())}-${h(Buffer.from(b.subarray(6, 8)).reverse())}-${h(b.subarray(8, 10))}-${h(b.subarray(10, 16))}`;
}

function ldifValue(name: string, v: string | Buffer): string {
  const s = typeof v === 'string' ? v : null;
  if (s !== null && /^[\x20-\x7e]*$/.test(s) && !/^[ :<]/.test(s) && !s.endsWith(' ')) return `${name}: ${s}`;
  return `${name}:: ${(typeof v === 'string' ? Buffer.from(v, 'utf8') : v).toString('base64')}`;
}

// ---------------------------------------------------------------------------------------------
// Loopback address allocation: one O_EXCL lock file per 127.0.0.N under os.tmpdir(), holding the
// pid; a lock whose pid is gone is reclaimed.

function lockPath(n: number): string {
  return join(tmpdir(), `clusterprobe-samba-127.0.0.${n}.lock`);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryLock(n: number): boolean {
  const path = lockPath(n);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = NaN;
      try {
        owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch {
        // vanished or unreadable: try again
      }
      // A file still being written has no pid yet: leave it to its writer.
      if (!Number.isInteger(owner) || owner <= 0 || pidAlive(owner)) return false;
      try {
        unlinkSync(path);
      } catch {
        // someone else reclaimed it first
      }
    }
  }
  return false;
}

const heldHosts = new Set<number>();

function allocateHost(): number {
  const span = HOST_LAST - HOST_FIRST + 1;
  const start = process.pid % span;
  for (let i = 0; i < span; i++) {
    const n = HOST_FIRST + ((start + i) % span);
    if (heldHosts.has(n)) continue;
    if (tryLock(n)) {
      heldHosts.add(n);
      return n;
    }
  }
  throw new LabError(
    'LAB_NO_ADDRESS',
    `all of 127.0.0.${HOST_FIRST}-${HOST_LAST} are taken (lock files ${lockPath(HOST_FIRST)}...)`,
  );
}

function releaseHost(n: number): void {
  if (!heldHosts.delete(n)) return;
  try {
    if (Number.parseInt(readFileSync(lockPath(n), 'utf8'), 10) === process.pid) unlinkSync(lockPath(n));
  } catch {
    // already gone
  }
}

// ---------------------------------------------------------------------------------------------
// Process bookkeeping: samba runs in its own process group (samba_dnsupdate and samba_spnupdate
// are children in that group); on exit every group and held address is released.

const liveGroups = new Set<number>();
const templateDirs = new Set<string>();
let hooksInstalled = false;

function installExitHook(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const pgid of liveGroups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    for (const n of [...heldHosts]) releaseHost(n);
    for (const d of templateDirs) rmSync(d, { recursive: true, force: true });
  });
}

// ---------------------------------------------------------------------------------------------
// Provisioning

interface Template {
  dir: string;
  adminPassword: string;
  provisionMs: number;
}

const templates = new Map<string, Promise<Template>>();

function generatePassword(): string {
  // Upper, lower, digit and symbol whatever the random part holds (AD complexity rules).
  return `Lab-${randomBytes(12).toString('base64url')}-9z`;
}

function provisionArgs(
  dir: string,
  ip: string,
  realm: string,
  domain: string,
  level: FunctionLevel,
  password: string,
): string[] {
  return [
    'domain',
    'provision',
    `--realm=${realm}`,
    `--domain=${domain}`,
    '--server-role=dc',
    '--dns-backend=SAMBA_INTERNAL',
    `--adminpass=${password}`,
    `--targetdir=${dir}`,
    `--host-ip=${ip}`,
    '--host-name=dc1',
    `--function-level=${level}`,
    `--option=interfaces=${ip}/8`,
    '--option=bind interfaces only=yes',
    '--option=disable netbios=yes',
    `--option=pid directory=${dir}/run`,
    `--option=ncalrpc dir=${dir}/run/ncalrpc`,
    `--option=winbindd socket directory=${dir}/run/winbindd`,
    '--option=dns forwarder=',
    `--option=log file=${dir}/log.%m`,
  ];
}

async function provision(
  dir: string,
  ip: string,
  realm: string,
  domain: string,
  level: FunctionLevel,
  password: string,
  timeoutMs: number,
): Promise<number> {
  const t0 = Date.now();
  try {
    await runTool('samba-tool', provisionArgs(dir, ip, realm, domain, level, password), { timeoutMs });
  } catch (e) {
    throw redact(e, [password]);
  }
  return Date.now() - t0;
}

function getTemplate(realm: string, domain: string, level: FunctionLevel, timeoutMs: number): Promise<Template> {
  const key = `${realm}|${domain}|${level}`;
  let p = templates.get(key);
  if (!p) {
    p = (async () => {
      installExitHook();
      const dir = await mkdtemp(join(tmpdir(), 'clusterprobe-samba-template-'));
      templateDirs.add(dir);
      const adminPassword = generatePassword();
      const provisionMs = await provision(dir, TEMPLATE_IP, realm, domain, level, adminPassword, timeoutMs);
      return { dir, adminPassword, provisionMs };
    })();
    templates.set(key, p);
    p.catch(() => templates.delete(key));
  }
  return p;
}

/** Rewrites the DC's own A records (provisioned for `fromIp`) to `toIp` in the stopped DC's sam.ldb. */
async function moveDcRecords(dir: string, fromIp: string, toIp: string, timeoutMs: number): Promise<void> {
  const sam = join(dir, 'private', 'sam.ldb');
  const r = await runTool(
    'ldbsearch',
    ['-H', sam, '--cross-ncs', '(&(objectClass=dnsNode)(dnsRecord=*))', 'dnsRecord'],
    { timeoutMs },
  );
  const from = Buffer.from(fromIp.split('.').map(Number));
  const to = Buffer.from(toIp.split('.').map(Number));
  const changes: string[] = [];
  for (const entry of parseLdif(r.stdout)) {
    const values = ldifValues(entry, 'dnsRecord');
    let changed = false;
    // dnsp_DnssrvRpcRecord: wDataLength(2 LE) wType(2 LE) ... 24-byte header, then the data.
    const next = values.map((v) => {
      if (v.length === 28 && v.readUInt16LE(0) === 4 && v.readUInt16LE(2) === 1 && v.subarray(24).equals(from)) {
        changed = true;
        return Buffer.concat([v.subarray(0, 24), to]);
      }
      return v;
    });
    if (!changed) continue;
    changes.push(
      [
        `dn: ${entry.dn}`,
        'changetype: modify',
        'replace: dnsRecord',
        ...next.map((v) => ldifValue('dnsRecord', v)),
        '-',
        '',
      ].join('\n'),
    );
  }
  if (changes.length === 0)
    throw new LabError('LAB_TEMPLATE', `no DNS A record of ${fromIp} found in the template's sam.ldb`);
  const file = join(dir, 'dc-records.ldif');
  await writeFile(file, changes.join('\n'));
  await runTool('ldbmodify', ['-H', sam, file], { timeoutMs });
  await rm(file, { force: true });
}

/** A CA and a server certificate for `certName` and `ip`, where Samba looks for its own. */
async function writeTls(dir: string, certName: string, ip: string, timeoutMs: number): Promise<void> {
  const tls = join(dir, 'private', 'tls');
  await rm(tls, { recursive: true, force: true });
  await mkdir(tls, { recursive: true });
  const o = { timeoutMs, cwd: tls };
  await runTool(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'cakey.pem',
      '-out',
      'ca.pem',
      '-days',
      '30',
      '-subj',
      '/O=clusterprobe lab/CN=clusterprobe lab CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    o,
  );
  await runTool(
    'openssl',
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'key.pem',
      '-out',
      'req.csr',
      '-subj',
      `/O=clusterprobe lab/CN=${certName}`,
    ],
    o,
  );
  await writeFile(
    join(tls, 'ext.cnf'),
    `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${certName},IP:${ip}\n`,
  );
  await runTool(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      'req.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'cakey.pem',
      '-set_serial',
      `0x${randomBytes(8).toString('hex')}`,
      '-out',
      'cert.pem',
      '-days',
      '30',
      '-extfile',
      'ext.cnf',
    ],
    o,
  );
  for (const f of ['cakey.pem', 'req.csr', 'ext.cnf']) await rm(join(tls, f), { force: true });
  await chmod(join(tls, 'key.pem'), 0o600);
}

function tlsHandshake(host: string, ca: Buffer, servername: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host, port: 636, ca, servername });
    const done = (ok: boolean) => {
      clearTimeout(t);
      s.destroy();
      resolve(ok);
    };
    const t = setTimeout(() => done(false), timeoutMs);
    s.once('secureConnect', () => done(true));
    s.once('error', () => done(false));
  });
}

class RingLog {
  private text = '';
  append(chunk: string): void {
    this.text = (this.text + chunk).slice(-64 * 1024);
  }
  toString(): string {
    return this.text;
  }
}

function withPdeathsig(cmd: string, args: string[]): [string, string[]] {
  try {
    return [findTool('setpriv'), ['--pdeathsig', 'SIGKILL', '--', cmd, ...args]];
  } catch {
    return [cmd, args];
  }
}

/**
 * Provisions (or copies this process's template of) a fresh domain, starts `samba -i -M single`
 * on a free 127.0.0.N, and resolves once LDAPS handshakes with the lab CA and the rootDSE answers.
 */
export async function startSamba(options: StartSambaOptions = {}): Promise<SambaLab> {
  requireTools();
  installExitHook();
  const realm = (options.realm ?? 'LAB.EXAMPLE.TEST').toUpperCase();
  const domain = realm.toLowerCase();
  const netbiosDomain = (options.domain ?? 'LAB').toUpperCase();
  const level = options.functionLevel ?? '2008_R2';
  const toolTimeoutMs = options.toolTimeoutMs ?? 30_000;
  const baseDn = domain
    .split('.')
    .map((p) => `DC=${p}`)
    .join(',');
  const certName = `DC1.${domain}`;

  const n = allocateHost();
  const host = `127.0.0.${n}`;
  let dir = '';
  try {
    dir = await mkdtemp(join(tmpdir(), `clusterprobe-samba-${n}-`));
    const t0 = Date.now();
    let adminPassword: string;
    if (options.noTemplate) {
      adminPassword = generatePassword();
      await provision(dir, host, realm, netbiosDomain, level, adminPassword, Math.max(toolTimeoutMs, 120_000));
    } else {
      const template = await getTemplate(realm, netbiosDomain, level, Math.max(toolTimeoutMs, 120_000));
      adminPassword = template.adminPassword;
      await rm(dir, { recursive: true, force: true });
      await runTool('cp', ['-a', '--reflink=auto', template.dir, dir], { timeoutMs: toolTimeoutMs });
      const conf = join(dir, 'etc', 'smb.conf');
      const text = (await readFile(conf, 'utf8'))
        .split(template.dir)
        .join(dir)
        .split(`${TEMPLATE_IP}/8`)
        .join(`${host}/8`);
      await writeFile(conf, text);
      await moveDcRecords(dir, TEMPLATE_IP, host, toolTimeoutMs);
    }
    await writeTls(dir, certName, host, toolTimeoutMs);
    const passFile = join(dir, 'private', 'admin.pass');
    await writeFile(passFile, adminPassword, { mode: 0o600 });
    const provisionMs = Date.now() - t0;
    return await launch({
      n,
      host,
      dir,
      realm,
      domain,
      netbiosDomain,
      level,
      baseDn,
      certName,
      adminPassword,
      passFile,
      provisionMs,
      toolTimeoutMs,
      readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
    });
  } catch (e) {
    if (dir) await rm(dir, { recursive: true, force: true });
    releaseHost(n);
    throw e;
  }
}

interface LaunchFacts {
  n: number;
  host: string;
  dir: string;
  realm: string;
  domain: string;
  netbiosDomain: string;
  level: FunctionLevel;
  baseDn: string;
  certName: string;
  adminPassword: string;
  passFile: string;
  provisionMs: number;
  toolTimeoutMs: number;
  readyTimeoutMs: number;
}

async function launch(f: LaunchFacts): Promise<SambaLab> {
  const { host, dir, domain, baseDn, certName, adminPassword, passFile, toolTimeoutMs } = f;
  const conf = join(dir, 'etc', 'smb.conf');
  const caFile = join(dir, 'private', 'tls', 'ca.pem');
  const ca = await readFile(caFile);
  const ldapsUrl = `ldaps://${host}`;
  const adminUpn = `Administrator@${domain}`;
  const secrets = [adminPassword];
  const t0 = Date.now();

  const [cmd, args] = withPdeathsig(findTool('samba'), [
    '-i',
    '-M',
    'single',
    '-s',
    conf,
    `--option=${SERVER_SERVICES}`,
    '--option=ldb:nosync=true',
  ]);
  const log = new RingLog();
  const child: ChildProcess = track(spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir, detached: true }));
  child.stdout?.setEncoding('utf8').on('data', (d: string) => log.append(d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => log.append(d));
  let exited: { code: number | null; signal: string | null } | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const pid = child.pid;
  if (pid === undefined) {
    const err = await spawnError;
    throw new LabError('LAB_SAMBA_SPAWN', `could not start samba (${err.message}): ${BOOTSTRAP_HINT}`);
  }
  liveGroups.add(pid);

  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // the group is gone
    }
  };
  const waitExit = async (ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exitPromise, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  };
  const groupAlive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const killGroup = async (graceMs: number) => {
    if (graceMs > 0 && !exited) {
      signalGroup('SIGTERM');
      await waitExit(graceMs);
    }
    signalGroup('SIGKILL');
    await waitExit(5000);
    for (let i = 0; i < 100 && groupAlive(); i++) await sleep(20);
    liveGroups.delete(pid);
  };

  // Ready: LDAPS handshakes with the lab CA and the certificate name, then the rootDSE answers.
  const deadline = Date.now() + f.readyTimeoutMs;
  for (;;) {
    if (exited) {
      // The main process is gone, but children it forked (samba_spnupdate, samba_dnsupdate) may
      // still run in its group: kill the group before forgetting it.
      await killGroup(0);
      throw new LabError(
        'LAB_SAMBA_EXITED',
        `samba on ${host} exited (${JSON.stringify(exited)}) before LDAPS was ready.\n${log.toString().trim().slice(-3000)}`,
      );
    }
    if (await tlsHandshake(host, ca, certName, 1000)) break;
    if (Date.now() > deadline) {
      await killGroup(0);
      throw new LabError(
        'LAB_SAMBA_NOT_READY',
        `samba on ${host}: no LDAPS handshake within ${f.readyTimeoutMs} ms.\n${log.toString().trim().slice(-3000)}`,
      );
    }
    await sleep(100);
  }

  const ldapEnv = { LDAPTLS_CACERT: caFile, LDAPTLS_REQCERT: 'demand', LDAPCONF: '/dev/null', LDAPRC: '/dev/null' };
  let tmpCounter = 0;
  const withBind = async (
    as: BindAs | undefined,
  ): Promise<{ args: string[]; cleanup: () => Promise<void>; secret: string }> => {
    if (!as) return { args: ['-D', adminUpn, '-y', passFile], cleanup: async () => {}, secret: adminPassword };
    const file = join(dir, 'private', `bind-${tmpCounter++}.pass`);
    await writeFile(file, as.password, { mode: 0o600 });
    return { args: ['-D', as.bindDn, '-y', file], cleanup: () => rm(file, { force: true }), secret: as.password };
  };
  const ldapTool = async (
    tool: 'ldapsearch' | 'ldapmodify',
    args: readonly string[],
    as: BindAs | undefined,
    timeoutMs = toolTimeoutMs,
  ): Promise<RunResult> => {
    if (exited)
      throw new LabError(
        'LAB_SAMBA_GONE',
        `samba on ${host} is not running (${JSON.stringify(exited)}); cannot run ${tool}`,
      );
    const bind = await withBind(as);
    try {
      return await runTool(tool, ['-H', ldapsUrl, '-x', ...bind.args, ...args], { timeoutMs, env: ldapEnv });
    } catch (e) {
      throw redact(e, [...secrets, bind.secret]);
    } finally {
      await bind.cleanup();
    }
  };
  const ldapsearch = async (args: readonly string[], as?: BindAs): Promise<string> =>
    (await ldapTool('ldapsearch', ['-LLL', '-o', 'ldif-wrap=no', ...args], as)).stdout;
  const ldifFile = async (ldif: string): Promise<string> => {
    const file = join(dir, `change-${tmpCounter++}.ldif`);
    await writeFile(file, ldif);
    return file;
  };
  const modify = async (ldif: string, as?: BindAs, add = false, timeoutMs = toolTimeoutMs): Promise<RunResult> => {
    const file = await ldifFile(ldif);
    try {
      return await ldapTool('ldapmodify', [...(add ? ['-a'] : []), '-f', file], as, timeoutMs);
    } finally {
      await rm(file, { force: true });
    }
  };
  const sambaTool = async (args: readonly string[], extraSecrets: readonly string[] = []): Promise<string> => {
    if (exited)
      throw new LabError(
        'LAB_SAMBA_GONE',
        `samba on ${host} is not running (${JSON.stringify(exited)}); cannot run samba-tool ${args.slice(0, 2).join(' ')}`,
      );
    const needsUrl = !(args[0] === 'dns');
    const full = [
      ...args,
      ...(needsUrl ? ['-H', `ldap://${host}`] : []),
      '-s',
      conf,
      `-U${f.netbiosDomain}\\Administrator%${adminPassword}`,
    ];
    try {
      return (await runTool('samba-tool', full, { timeoutMs: toolTimeoutMs })).stdout;
    } catch (e) {
      throw redact(e, [...secrets, ...extraSecrets]);
    }
  };
  const dnOf = (relative: string): string =>
    relative.toLowerCase().endsWith(baseDn.toLowerCase()) ? relative : `${relative},${baseDn}`;
  const ouArg = (ou: string) => {
    const full = dnOf(ou);
    return full.slice(0, full.length - baseDn.length - 1);
  };
  const findBySam = async (sam: string, attrs: string[]): Promise<LdifEntry> => {
    const filter = `(|(sAMAccountName=${sam})(sAMAccountName=${sam}$))`;
    const entries = parseLdif(await ldapsearch(['-b', baseDn, filter, ...attrs]));
    const e = entries[0];
    if (!e || entries.length > 1)
      throw new LabError('LAB_NOT_FOUND', `${entries.length} objects with sAMAccountName ${sam} under ${baseDn}`);
    return e;
  };
  const sidOf = async (sam: string) => {
    const sid = ldifValues(await findBySam(sam, ['objectSid']), 'objectSid')[0];
    if (!sid) throw new LabError('LAB_NOT_FOUND', `${sam} has no objectSid`);
    return sidToString(sid);
  };
  const sddl = async (dn: string) => {
    const out = await sambaTool(['dsacl', 'get', `--objectdn=${dnOf(dn)}`]);
    const m = /descriptor for [^:]*:\s*(\S+)/.exec(out);
    return (m?.[1] ?? out).trim();
  };
  const addAce = async (dn: string, ace: string) => {
    await sambaTool(['dsacl', 'set', `--objectdn=${dnOf(dn)}`, `--sddl=${ace}`]);
    const now = (await sddl(dn)).toLowerCase();
    if (!now.includes(ace.toLowerCase()))
      throw new LabError('LAB_ACL', `the ACE ${ace} is not in the DACL of ${dnOf(dn)} after dsacl set: ${now}`);
  };
  const setUac = async (dn: string, uac: number) => {
    await modify(`dn: ${dn}\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: ${uac}\n-\n`);
  };

  let stopped = false;
  const lab: SambaLab = {
    host,
    ldapsUrl,
    ldapUrl: `ldap://${host}`,
    caFile,
    certName,
    dcHostName: `dc1.${domain}`,
    realm: f.realm,
    domain,
    netbiosDomain: f.netbiosDomain,
    baseDn,
    functionLevel: f.level,
    adminUpn,
    adminPassword,
    dnsServer: host,
    dir,
    pid,
    timings: { provisionMs: f.provisionMs, startMs: 0 },
    dn: dnOf,
    async addOu(ou) {
      const full = dnOf(ou);
      const rdns = full.slice(0, full.length - baseDn.length - 1).split(/,(?=\s*OU=)/i);
      let parent = baseDn;
      for (const rdn of rdns.reverse()) {
        const dn = `${rdn},${parent}`;
        const name = rdn.replace(/^\s*OU=/i, '');
        const r = await modify(`dn: ${dn}\nobjectClass: organizationalUnit\nou: ${name}\n`, undefined, true).catch(
          (e: unknown) => {
            if (e instanceof LabCommandError && e.exitCode === 68) return null; // already exists
            throw e;
          },
        );
        void r;
        parent = dn;
      }
      return full;
    },
    async addComputer(name, o = {}) {
      const args = ['computer', 'add', name];
      if (o.ou) args.push(`--computerou=${ouArg(o.ou)}`);
      if (o.description) args.push(`--description=${o.description}`);
      await sambaTool(args);
      const dn = `CN=${name},${o.ou ? dnOf(o.ou) : `CN=Computers,${baseDn}`}`;
      const host = o.dnsHostName === undefined ? `${name.toLowerCase()}.${domain}` : o.dnsHostName;
      if (host !== null) await modify(`dn: ${dn}\nchangetype: modify\nreplace: dNSHostName\ndNSHostName: ${host}\n-\n`);
      if (o.enabled) await setUac(dn, 4096);
      return dn;
    },
    async setComputerEnabled(name, enabled) {
      const e = await findBySam(name.endsWith('$') ? name : `${name}$`, ['dn']);
      await setUac(e.dn, enabled ? 4096 : 4098);
    },
    async addComputersBulk(names, ou) {
      const parent = ou ? dnOf(ou) : `CN=Computers,${baseDn}`;
      const ldif = names
        .map(
          (name) =>
            `dn: CN=${name},${parent}\nobjectClass: computer\nsAMAccountName: ${name}$\ndNSHostName: ${name.toLowerCase()}.${domain}\nuserAccountControl: 4096\n`,
        )
        .join('\n');
      const t = Date.now();
      await modify(ldif, undefined, true, Math.max(toolTimeoutMs, 60_000 + names.length * 50));
      return Date.now() - t;
    },
    async addUser(sam, password, o = {}) {
      await sambaTool(['user', 'create', sam, password, ...(o.ou ? [`--userou=${ouArg(o.ou)}`] : [])], [password]);
      return (await findBySam(sam, ['dn'])).dn;
    },
    async addGroup(name, members = [], o = {}) {
      await sambaTool(['group', 'add', name, ...(o.ou ? [`--groupou=${ouArg(o.ou)}`] : [])]);
      if (members.length > 0) await sambaTool(['group', 'addmembers', name, members.join(',')]);
      return (await findBySam(name, ['dn'])).dn;
    },
    dnOf: async (sam) => (await findBySam(sam, ['dn'])).dn,
    sidOf,
    addAce,
    async grantCreateComputer(sam, ouDn) {
      const ace = `(OA;;CC;${COMPUTER_CLASS_GUID};;${await sidOf(sam)})`;
      await addAce(ouDn, ace);
      return ace;
    },
    async denyCreateComputer(sam, ouDn) {
      const ace = `(OD;;CC;${COMPUTER_CLASS_GUID};;${await sidOf(sam)})`;
      await addAce(ouDn, ace);
      return ace;
    },
    sddl,
    async setMixedMode(on) {
      await modify(`dn: ${baseDn}\nchangetype: modify\nreplace: nTMixedDomain\nnTMixedDomain: ${on ? 1 : 0}\n-\n`);
    },
    async raiseLevel(levels) {
      // Over LDAP Samba refuses: "msDS-Behavior-Version ... can only be modified as system". On the
      // DC's own sam.ldb (as system, while it runs) it works and the rootDSE shows it at once.
      const args = ['domain', 'level', 'raise', '-H', join(dir, 'private', 'sam.ldb'), '-s', conf];
      if (levels.domain) args.push(`--domain-level=${levels.domain}`);
      if (levels.forest) args.push(`--forest-level=${levels.forest}`);
      await runTool('samba-tool', args, { timeoutMs: toolTimeoutMs });
    },
    async addDnsA(name, ip) {
      await sambaTool(['dns', 'add', host, domain, name, 'A', ip]);
    },
    async deleteDnsA(name, ip) {
      await sambaTool(['dns', 'delete', host, domain, name, 'A', ip]);
    },
    ldapsearch,
    modify: (ldif, as) => modify(ldif, as),
    add: (ldif, as) => modify(ldif, as, true),
    sambaTool: (args) => sambaTool(args),
    log: () => log.toString(),
    async kill() {
      await killGroup(0);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await killGroup(2000);
      await rm(dir, { recursive: true, force: true });
      releaseHost(f.n);
    },
  };

  try {
    const root = await ldapsearch(['-b', '', '-s', 'base', 'defaultNamingContext']);
    if (!root.includes(baseDn))
      throw new LabError('LAB_SAMBA_NOT_READY', `rootDSE of ${host} does not name ${baseDn}:\n${root}`);
  } catch (e) {
    await killGroup(0);
    throw e;
  }
  lab.timings.startMs = Date.now() - t0;
  return lab;
}
