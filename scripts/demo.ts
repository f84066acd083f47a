/**
 * `npm run demo`: builds the lab of the Windows Server 2008 R2 review on this machine, for real,
 * and runs `clusterprobe validate` (bin/run.js, as a user would) against it:
 *
 *   - a Samba AD DC (domain and forest level 2003) in mixed mode, with an OU OU=HyperV,OU=Servers,
 *     a bind account allowed to create computer objects there, and the nodes' computer objects
 *     and DNS A records: HYPERVHOSTNODE-01A and HYPERVHOSTNODE-01B (18 characters, the same
 *     first 15) in the OU, HV03 left in CN=Computers;
 *   - a tgt iSCSI target with a disk LUN (tgt implements SCSI-3 persistent reservations on disks)
 *     and a CD LUN (no PERSISTENT RESERVE at all), the three nodes' IQNs in its ACL.
 *
 * `--fixed` builds the same lab with the review's problems fixed (native mode, names of 15
 * characters as clusterprobe's remediation suggests, every node in the OU, a second disk LUN in
 * place of the CD one), and validate passes.
 *
 * Everything runs in a private network namespace (the npm script starts this file through
 * test/lab/netns.sh) with the test harness's own lab code (test/lab/samba.ts, test/lab/tgt.ts),
 * and is torn down on every exit path: success, failure, Ctrl-C, SIGTERM, SIGHUP. Needs root
 * (uid 0 outside any user namespace) and the packages scripts/bootstrap.sh installs; without them
 * it says what to run and exits 2.
 *
 * Exit code: 0 when the demo ran as designed (the lab came up, the reports were written, the
 * findings are the expected ones: validate exits 3 with the review's walls for the broken lab, 0
 * with no failure for the fixed one), 1 when it did not (the lab could not start, validate
 * crashed, an expected finding is missing), 2 for usage errors and missing prerequisites,
 * 128 + the signal number when interrupted (130 for Ctrl-C).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { findTool, startTgt, type DeviceType, type TgtLab } from '../test/lab/tgt.ts';
import { startSamba, type SambaLab } from '../test/lab/samba.ts';
import { chalkFor } from '../src/report/color.ts';
import type { Finding, FindingStatus, Report } from '../src/engine/report.ts';
import { shVariable } from '../src/engine/action.ts';
import { shQuote } from '../src/quote.ts';
import { references } from '../src/report/fix-sh.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'run.js');

/** Set in the environment of every process the demo starts (inherited by theirs): the sweep and the test find them by it. */
export const RUN_MARKER = 'CLUSTERPROBE_DEMO_RUN';

// ---------------------------------------------------------------------------------------------
// The two labs

export type Variant = 'broken' | 'fixed';

export const DOMAIN = 'lab.example.test';
export const BASE_DN = 'DC=lab,DC=example,DC=test';
export const OU = 'OU=HyperV,OU=Servers';
export const OU_DN = `${OU},${BASE_DN}`;
export const TARGET = 'iqn.2026-11.test.clusterprobe:demo-csv';
export const CLUSTER = 'HVCLUSTER01';
const BIND_USER = 'clusteradm';

export interface DemoNode {
  /** The computer object's name, as Windows would create it (upper case). */
  readonly computer: string;
  /** The host name in the spec. */
  readonly name: string;
  /** OU relative to the base DN, or null for the CN=Computers container. */
  readonly ou: string | null;
  /** Its A record (on loopback: the namespace owns all of 127/8). */
  readonly ip: string;
}

export interface DemoLun {
  readonly lun: number;
  readonly deviceType: DeviceType;
  readonly sizeMiB: number;
  readonly what: string;
}

export interface LabPlan {
  readonly variant: Variant;
  readonly mixedMode: boolean;
  readonly nodes: readonly DemoNode[];
  readonly luns: readonly DemoLun[];
  /** What differs from the review's lab, one line each (the fixed variant). */
  readonly fixes: readonly string[];
}

const fqdn = (n: DemoNode) => `${n.name.toLowerCase()}.${DOMAIN}`;
const iqn = (n: DemoNode) => `iqn.1991-05.com.microsoft:${fqdn(n)}`;

export function planFor(variant: Variant): LabPlan {
  if (variant === 'broken') {
    return {
      variant,
      mixedMode: true,
      nodes: [
        { computer: 'HYPERVHOSTNODE-01A', name: 'HYPERVHOSTNODE-01A', ou: OU, ip: '127.0.0.71' },
        { computer: 'HYPERVHOSTNODE-01B', name: 'HYPERVHOSTNODE-01B', ou: OU, ip: '127.0.0.72' },
        { computer: 'HV03', name: 'hv03', ou: null, ip: '127.0.0.73' },
      ],
      luns: [
        { lun: 1, deviceType: 'disk', sizeMiB: 64, what: 'a disk (SCSI-3 PR)' },
        { lun: 2, deviceType: 'cd', sizeMiB: 16, what: 'a CD (no SCSI-3 PR)' },
      ],
      fixes: [],
    };
  }
  return {
    variant,
    mixedMode: false,
    nodes: [
      { computer: 'HYPERVHOSTN-01A', name: 'HYPERVHOSTN-01A', ou: OU, ip: '127.0.0.71' },
      { computer: 'HYPERVHOSTN-01B', name: 'HYPERVHOSTN-01B', ou: OU, ip: '127.0.0.72' },
      { computer: 'HV03', name: 'hv03', ou: OU, ip: '127.0.0.73' },
    ],
    luns: [
      { lun: 1, deviceType: 'disk', sizeMiB: 64, what: 'a disk (SCSI-3 PR)' },
      { lun: 2, deviceType: 'disk', sizeMiB: 64, what: 'a disk (SCSI-3 PR)' },
    ],
    fixes: [
      'native mode: nTMixedDomain 0 (Set-ADDomainMode; the level stays 2003)',
      'the 18-character names renamed to HYPERVHOSTN-01A and HYPERVHOSTN-01B (15 characters, the names clusterprobe suggests)',
      'HV03 moved from CN=Computers into OU=HyperV,OU=Servers with the other nodes',
      'LUN 2 is a disk LUN with SCSI-3 persistent reservations instead of a CD LUN',
    ],
  };
}

/** One expected finding, keyed as scripts should key the JSON report. */
export interface Expect {
  readonly checkId: string;
  readonly messageId: string;
  readonly subject: string;
  readonly status: FindingStatus;
}

/** One of the review's walls: the findings that show it in the broken lab, and those that show it fixed. */
export interface Wall {
  readonly title: string;
  readonly broken: readonly Expect[];
  readonly fixed: readonly Expect[];
}

export const WALLS: readonly Wall[] = [
  {
    title: 'SCSI-3 persistent reservations missing (the CD LUN)',
    broken: [
      { checkId: 'storage.pr.support', messageId: 'notImplemented', subject: `${TARGET} LUN 2`, status: 'fail' },
      { checkId: 'storage.lun.inventory', messageId: 'listedNotDisk', subject: `${TARGET} LUN 2`, status: 'fail' },
      { checkId: 'storage.pr.support', messageId: 'supported', subject: `${TARGET} LUN 1`, status: 'pass' },
    ],
    fixed: [
      { checkId: 'storage.pr.support', messageId: 'supported', subject: `${TARGET} LUN 1`, status: 'pass' },
      { checkId: 'storage.pr.support', messageId: 'supported', subject: `${TARGET} LUN 2`, status: 'pass' },
    ],
  },
  {
    title: 'Domain in mixed mode',
    broken: [{ checkId: 'ad.domain.functional-level', messageId: 'mixedMode', subject: DOMAIN, status: 'fail' }],
    fixed: [{ checkId: 'ad.domain.functional-level', messageId: 'levels', subject: DOMAIN, status: 'pass' }],
  },
  {
    title: 'NetBIOS name collision (18-character names, same first 15)',
    broken: [
      { checkId: 'ad.netbios.collision', messageId: 'namesCollide', subject: 'HYPERVHOSTNODE-', status: 'fail' },
      { checkId: 'config.netbios.collision', messageId: 'collision', subject: 'HYPERVHOSTNODE-', status: 'fail' },
      { checkId: 'ad.netbios.name', messageId: 'longAccountName', subject: 'HYPERVHOSTNODE-01A', status: 'fail' },
      { checkId: 'ad.netbios.name', messageId: 'longAccountName', subject: 'HYPERVHOSTNODE-01B', status: 'fail' },
      { checkId: 'config.netbios.name', messageId: 'tooLong', subject: 'HYPERVHOSTNODE-01A', status: 'fail' },
      { checkId: 'config.netbios.name', messageId: 'tooLong', subject: 'HYPERVHOSTNODE-01B', status: 'fail' },
    ],
    fixed: [{ checkId: 'ad.netbios.collision', messageId: 'unique', subject: DOMAIN, status: 'pass' }],
  },
  {
    title: 'Nodes not in the same OU (HV03 in CN=Computers)',
    broken: [{ checkId: 'ad.ou.placement', messageId: 'inContainer', subject: 'hv03', status: 'fail' }],
    fixed: [{ checkId: 'ad.ou.placement', messageId: 'sameOu', subject: OU_DN, status: 'pass' }],
  },
];

/** Why the warnings the fixed lab still shows are expected, by checkId + messageId. */
export const EXPECTED_WARNINGS: Readonly<Record<string, string>> = {
  'ad.dc.discovery singleDc': 'the lab has one domain controller; a production domain should have two',
};

/** The validate exit code each lab should give: 3 (failures) for the review's lab, 0 once fixed. */
export const EXPECTED_EXIT: Readonly<Record<Variant, number>> = { broken: 3, fixed: 0 };

const matches = (f: Finding, e: Expect) =>
  f.checkId === e.checkId && f.messageId === e.messageId && f.subject === e.subject && f.status === e.status;

export interface Verdict {
  readonly ok: boolean;
  readonly walls: { wall: Wall; found: Expect[]; missing: Expect[] }[];
  readonly unexpected: Finding[];
  readonly warnings: Finding[];
  readonly problems: string[];
}

/** Whether a report is the one the lab should give. */
export function judge(variant: Variant, report: Report, exitCode: number | null): Verdict {
  const problems: string[] = [];
  const walls = WALLS.map((wall) => {
    const expected = variant === 'broken' ? wall.broken : wall.fixed;
    const found = expected.filter((e) => report.findings.some((f) => matches(f, e)));
    const missing = expected.filter((e) => !found.includes(e));
    for (const e of missing)
      problems.push(`expected ${e.checkId} ${e.messageId} (${e.status}) on ${e.subject}: not in the report`);
    return { wall, found, missing };
  });
  const expectedFindings = new Set(walls.flatMap((w) => w.found));
  const errors = report.findings.filter((f) => f.status === 'error');
  for (const f of errors) problems.push(`${f.checkId} could not complete (error): ${f.message}`);
  const unexpected = report.findings.filter(
    (f) => (f.status === 'fail' || f.status === 'error') && ![...expectedFindings].some((e) => matches(f, e)),
  );
  for (const f of unexpected)
    if (f.status === 'fail')
      problems.push(`unexpected failure ${f.checkId} ${f.messageId} on ${f.subject ?? '-'}: ${f.message}`);
  if (exitCode !== EXPECTED_EXIT[variant])
    problems.push(`validate exited ${exitCode}, expected ${EXPECTED_EXIT[variant]}`);
  const warnings = report.findings.filter((f) => f.status === 'warn');
  return { ok: problems.length === 0, walls, unexpected, warnings, problems };
}

// ---------------------------------------------------------------------------------------------
// Prerequisites

const TOOLS: readonly { tool: string; pkg: string }[] = [
  { tool: 'samba', pkg: 'samba' },
  { tool: 'samba-tool', pkg: 'samba-common-bin' },
  { tool: 'ldapsearch', pkg: 'ldap-utils' },
  { tool: 'ldapmodify', pkg: 'ldap-utils' },
  { tool: 'ldbsearch', pkg: 'ldb-tools' },
  { tool: 'ldbmodify', pkg: 'ldb-tools' },
  { tool: 'openssl', pkg: 'openssl' },
  { tool: 'tgtd', pkg: 'tgt' },
  { tool: 'tgtadm', pkg: 'tgt' },
  { tool: 'setpriv', pkg: 'util-linux' },
];
const PROVISION_LDIF = '/usr/share/samba/setup/provision.ldif';

export interface Environment {
  readonly uid: number;
  /** /proc/self/uid_map: "0 0 4294967295" outside any user namespace. */
  readonly uidMap: string;
  /** CLUSTERPROBE_NETNS=1: test/lab/netns.sh made (or the caller is in) a private network namespace. */
  readonly netns: boolean;
  /** Whether a tool can be found (test/lab/tgt.ts's findTool). */
  readonly hasTool: (name: string) => boolean;
  readonly hasFile: (path: string) => boolean;
  /** Whether the CLI is built (dist/src/commands/index.js). */
  readonly built: boolean;
}

export function currentEnvironment(): Environment {
  let uidMap = '';
  try {
    uidMap = readFileSync('/proc/self/uid_map', 'utf8');
  } catch {
    // no /proc: leave it empty, treated as not root
  }
  return {
    uid: process.getuid?.() ?? -1,
    uidMap,
    netns: process.env.CLUSTERPROBE_NETNS === '1',
    hasTool: (name) => {
      try {
        findTool(name);
        return true;
      } catch {
        return false;
      }
    },
    hasFile: (path) => existsSync(path),
    built: existsSync(join(ROOT, 'dist', 'src', 'commands', 'index.js')),
  };
}

const FIX = 'as root, from the repository: sh scripts/bootstrap.sh && npm run demo';

/** What stops the demo here, each with what to run; empty when it can start. */
export function prerequisiteProblems(env: Environment): string[] {
  const problems: string[] = [];
  const fullMap = /^\s*0\s+0\s+4294967295\s*$/m.test(env.uidMap);
  if (env.uid !== 0) {
    problems.push(
      `The demo needs root: it starts Samba and tgt in a private network namespace (unshare -n). This is uid ${env.uid}. Run it ${FIX} (or: sudo npm run demo).`,
    );
  } else if (!fullMap) {
    const outer = /^\s*0\s+(\d+)/.exec(env.uidMap)?.[1];
    problems.push(
      `The demo needs root: this is uid ${outer ?? '?'} on the machine, root only inside the user namespace test/lab/netns.sh falls back to (\`unshare -rn\`, when \`unshare -n\` is refused), where Samba and tgt cannot run. Run it ${FIX} (or: sudo npm run demo).`,
    );
  } else if (!env.netns) {
    problems.push(
      "No private network namespace: `unshare -n` failed (the machine or container does not allow it, CAP_SYS_ADMIN is missing), and the demo does not start Samba on the host's own network. Run it with `npm run demo` as root on a machine or VM where `unshare -n true` works.",
    );
  }
  const missing = TOOLS.filter((t) => !env.hasTool(t.tool));
  const packages = [...new Set(missing.map((t) => t.pkg))];
  if (!env.hasFile(PROVISION_LDIF)) packages.push('samba-ad-provision');
  if (packages.length > 0) {
    const tools = missing.map((t) => t.tool);
    if (!env.hasFile(PROVISION_LDIF)) tools.push(PROVISION_LDIF);
    problems.push(
      `Missing: ${tools.join(', ')} (Debian packages: ${packages.join(' ')}). Install them ${FIX} (it installs every package the lab needs: samba samba-ad-dc samba-ad-provision ldb-tools ldap-utils openssl tgt ...).`,
    );
  }
  if (!env.built)
    problems.push(`clusterprobe is not built (no dist/): run ${FIX}, or sh scripts/with-node.sh npm run build.`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Running it

class Interrupted extends Error {
  readonly signal: NodeJS.Signals;
  constructor(signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
    this.signal = signal;
  }
}

const SIGNAL_EXIT: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

interface Options {
  readonly variant: Variant;
  readonly html: string;
  readonly json: string;
  /** --fix: after the first validate, apply the plan (fix --shell sh) to the lab and validate again. */
  readonly fix: boolean;
}

type Paint = ReturnType<typeof chalkFor>;

function say(text = ''): void {
  process.stdout.write(`${text}\n`);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Shows a path relative to the working directory when it is under it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? `./${rel}` : path;
}

interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function waitExit(child: ChildProcess): Promise<Exited> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode as NodeJS.Signals | null });
  return new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
}

/**
 * Processes (other than this one) of this run: their environment carries its marker, or their
 * working directory is in one of its lab directories. Both are needed: samba rewrites its process
 * title over its environment (setproctitle), so its own process is found by its directory (the
 * lab runs it there), and its helpers (samba_dnsupdate...) and tgtd by the marker.
 */
export function labProcesses(marker: string, dirs: readonly string[], self = process.pid): number[] {
  const needle = Buffer.from(`${RUN_MARKER}=${marker}\0`);
  const inDir = (cwd: string) => dirs.some((d) => cwd === d || cwd.startsWith(`${d}/`) || cwd === `${d} (deleted)`);
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === self) continue;
    try {
      // A zombie has an empty environ and no cwd: it holds nothing, and its parent reaps it.
      if (readFileSync(`/proc/${pid}/environ`).includes(needle)) pids.push(pid);
      else if (inDir(readlinkSync(`/proc/${pid}/cwd`).replace(/ \(deleted\)$/, ''))) pids.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

class Demo {
  readonly #options: Options;
  readonly #paint: Paint;
  readonly #marker: string;
  readonly #started = Date.now();
  #signal: NodeJS.Signals | null = null;
  #onInterrupt: (() => void) | null = null;
  #workDir: string | null = null;
  #samba: Promise<SambaLab> | null = null;
  #tgt: Promise<TgtLab> | null = null;
  #validate: ChildProcess | null = null;
  #final: string[] = [];
  /** What the demo was doing: a failure while the lab comes up means it could not start. */
  phase: 'lab' | 'validate' = 'lab';

  constructor(options: Options, marker: string) {
    this.#options = options;
    this.#paint = chalkFor(process.stdout);
    this.#marker = marker;
  }

  /** A signal arrived: stop what runs, once; the main flow then tears down. */
  interrupt(signal: NodeJS.Signals): void {
    if (this.#signal) return; // test/lab/tgt.ts re-raises the signal after killing its children
    this.#signal = signal;
    process.stderr.write(`\ndemo: ${signal}: stopping and tearing the lab down...\n`);
    const v = this.#validate;
    if (v && v.exitCode === null && v.signalCode === null && v.pid !== undefined) {
      try {
        process.kill(-v.pid, signal); // its own process group: it cleans up and exits 130
      } catch {
        // already gone
      }
    }
    this.#onInterrupt?.();
  }

  #checkpoint(): void {
    if (this.#signal) throw new Interrupted(this.#signal);
  }

  /** Awaits `p`, or throws Interrupted as soon as a signal comes (p is still settled by teardown). */
  async #step<T>(label: string, p: Promise<T>): Promise<T> {
    this.#checkpoint();
    const t0 = Date.now();
    process.stdout.write(`  ${label} ... `);
    const interrupted = new Promise<never>((_, reject) => {
      this.#onInterrupt = () => reject(new Interrupted(this.#signal!));
    });
    try {
      const v = await Promise.race([p, interrupted]);
      say(this.#paint.dim(seconds(Date.now() - t0)));
      return v;
    } catch (e) {
      say(this.#signal ? this.#paint.yellow('interrupted') : this.#paint.red('failed'));
      throw e;
    } finally {
      this.#onInterrupt = null;
    }
  }

  async run(): Promise<number> {
    const { variant } = this.#options;
    const plan = planFor(variant);
    const p = this.#paint;
    say(
      p.bold(
        variant === 'broken'
          ? 'clusterprobe demo: the lab of the Windows Server 2008 R2 review, broken as it was'
          : "clusterprobe demo: the same lab with the review's problems fixed",
      ),
    );
    say(
      p.dim(
        'Samba AD DC and tgt iSCSI target, real servers in a private network namespace on this machine (test/lab/).',
      ),
    );
    for (const f of plan.fixes) say(`  fixed: ${f}`);
    say();

    this.#workDir = await mkdtemp(join(tmpdir(), 'clusterprobe-demo-'));
    const adPassword = `Demo-${randomBytes(12).toString('base64url')}-7q`;

    say(p.bold('Bringing the lab up'));
    this.#samba = startSamba({ functionLevel: '2003', noTemplate: true });
    this.#tgt = startTgt();
    this.#samba.catch(() => {});
    this.#tgt.catch(() => {});
    const samba = await this.#step(`Samba AD DC ${DOMAIN} (function level 2003), provisioned and started`, this.#samba);
    const tgt = await this.#step('tgt iSCSI target', this.#tgt);

    if (plan.mixedMode)
      await this.#step('mixed mode: nTMixedDomain 1 (a Windows 2003 domain as installed)', samba.setMixedMode(true));
    else await this.#step('native mode: nTMixedDomain 0', samba.setMixedMode(false));
    await this.#step(
      `OU ${OU}, bind account ${BIND_USER} (may create computer objects there)`,
      (async () => {
        await samba.addOu(OU);
        await samba.addUser(BIND_USER, adPassword, { ou: 'OU=Servers' });
        await samba.grantCreateComputer(BIND_USER, samba.dn(OU));
      })(),
    );
    for (const n of plan.nodes) {
      const where = n.ou ? n.ou : 'CN=Computers (the default container, not an OU)';
      await this.#step(
        `computer ${n.computer} (${n.computer.length} characters) in ${where}, A ${fqdn(n)} ${n.ip}`,
        (async () => {
          await samba.addComputer(n.computer, { ...(n.ou ? { ou: n.ou } : {}), dnsHostName: fqdn(n), enabled: true });
          await samba.addDnsA(n.name.toLowerCase(), n.ip);
        })(),
      );
    }
    await this.#step(
      `iSCSI target ${TARGET}: ${plan.luns.map((l) => `LUN ${l.lun} ${l.what}`).join(', ')}; the nodes' IQNs in its ACL`,
      (async () => {
        const tid = await tgt.addTarget(TARGET);
        for (const l of plan.luns) await tgt.addLun(tid, l.lun, { sizeMiB: l.sizeMiB, deviceType: l.deviceType });
        for (const n of plan.nodes) await tgt.bindInitiator(tid, iqn(n));
      })(),
    );
    const upMs = Date.now() - this.#started;
    say(p.dim(`  lab up in ${seconds(upMs)}: DC ${samba.host} (LDAPS, DNS), portal ${tgt.portal}`));
    say();

    const specPath = join(this.#workDir, 'cluster.yaml');
    const spec = specText(plan, samba, tgt);
    await writeFile(specPath, spec);
    say(p.bold(`The cluster spec it validates (${specPath}, removed with the lab)`));
    for (const line of spec.trimEnd().split('\n')) say(p.dim(`  ${line}`));
    say();

    this.#checkpoint();
    this.phase = 'validate';
    const html = await this.#supportsHtml();
    // A report left by an earlier run must not pass for this one's.
    await Promise.all([this.#options.html, this.#options.json].map((f) => rm(f, { force: true })));
    const factsPath = join(this.#workDir, 'facts.json');
    const args = [
      'validate',
      '--config',
      specPath,
      '--save-facts',
      factsPath,
      ...(html ? ['--html', this.#options.html] : []),
    ];
    say(
      p.bold(
        `$ bin/run.js ${args.map((a) => (a === specPath ? 'cluster.yaml' : a === factsPath ? 'facts.json' : a === this.#options.html ? shown(a) : a)).join(' ')}`,
      ),
    );
    const env = { ...process.env, CLUSTERPROBE_AD_PASSWORD: adPassword };
    const t0 = Date.now();
    const live = await this.#cli(args, env, 'inherit');
    const validateMs = Date.now() - t0;
    this.#checkpoint();
    say();
    if (live.code !== 0 && live.code !== 3) {
      process.stderr.write(
        `demo: validate exited ${live.code}${live.signal ? ` (${live.signal})` : ''}: neither a pass (0) nor failures found (3), see its output above; the demo did not run as designed.\n`,
      );
      return 1;
    }

    // The JSON view of the same findings: the saved facts evaluated offline (no network, no probe).
    const offline = await this.#cli(
      ['validate', '--config', specPath, '--from-facts', factsPath, '--json'],
      process.env,
      'pipe',
    );
    let report: Report;
    try {
      report = JSON.parse(offline.stdout) as Report;
    } catch {
      throw new Error(
        `validate --from-facts --json gave no JSON report (exit ${offline.code}): ${offline.stderr.trim().slice(-2000)}`,
      );
    }
    await writeFile(this.#options.json, `${JSON.stringify(report, null, 2)}\n`);
    let htmlWritten = false;
    if (html)
      htmlWritten = await stat(this.#options.html).then(
        (s) => s.isFile() && s.size > 0,
        () => false,
      );

    const verdict = judge(variant, report, live.code);
    this.#summary(plan, report, verdict, live.code, html, htmlWritten, validateMs);
    if (html && !htmlWritten) return 1;
    if (!this.#options.fix) return verdict.ok ? 0 : 1;
    const loop = await this.#fixLoop(plan, samba, tgt, specPath, report, env);
    return verdict.ok && loop ? 0 : 1;
  }

  /**
   * `--fix`: the loop from findings to a fixed lab. Each round writes the sh fix script from the
   * report (`clusterprobe fix --shell sh`), runs it as a dry run and then with --apply on this
   * machine, which is the DC and the target host at once (the lab's tools wrapped so that they
   * reach this lab's Samba and tgt, as they would reach the only ones on a real DC or target);
   * the Windows actions are not applicable here: the lab has no Windows node, so the demo does to
   * the lab's stand-ins what the action does (a rename renames the computer object and its DNS
   * record, as Rename-Computer does) and updates the spec as the action's steps say. Then
   * validate runs again. Rounds go on while the plan has something to apply (at most 3); the last
   * report must be the fixed lab's: every wall passes, validate exits 0.
   */
  async #fixLoop(
    plan: LabPlan,
    samba: SambaLab,
    tgt: TgtLab,
    specPath: string,
    first: Report,
    env: NodeJS.ProcessEnv,
  ): Promise<boolean> {
    const p = this.#paint;
    const say = (text = '') => this.#final.push(text);
    const tools = await labTools(this.#workDir!, samba, tgt);
    let report = first;
    let nodes = [...plan.nodes];
    let code: number | null = null;
    say();
    say(p.bold('--fix: from the plan to a fixed lab'));
    for (let round = 1; round <= 3; round++) {
      const actions = report.plan?.actions ?? [];
      if (report.plan?.error) {
        say(p.red(`  the plan could not be ordered: ${report.plan.error}`));
        return false;
      }
      const applicable = actions.filter((a) => a.script?.sh);
      const renames = actions.filter((a) => a.key.startsWith('rename-node:'));
      if (applicable.length === 0 && renames.length === 0) break;
      say(`  Round ${round}: the plan has ${actions.length} action${actions.length === 1 ? '' : 's'}:`);
      for (const [i, a] of actions.entries())
        say(
          `    ${i + 1}. ${a.key}: ${a.title}${a.script?.sh ? p.dim(` (sh: ${a.script.sh.system})`) : a.script?.powershell ? p.yellow(' (not applicable here: needs Windows)') : p.yellow(' (no script form: by hand)')}`,
        );
      const reportPath = join(this.#workDir!, `round-${round}.json`);
      await writeFile(reportPath, JSON.stringify(report));
      if (applicable.length > 0) {
        const script = join(this.#workDir!, `fix-plan-${round}.sh`);
        const wrote = await this.#cli(['fix', '--from', reportPath, '--shell', 'sh', '--output', script], env, 'pipe');
        if (wrote.code !== 0) {
          say(p.red(`  clusterprobe fix exited ${wrote.code}: ${wrote.stderr.trim()}`));
          return false;
        }
        say(p.dim(`  $ bin/run.js fix --from round-${round}.json --shell sh --output fix-plan-${round}.sh`));
        // Kept beside the reports: the lab and its directory go, the script it applied stays to be read.
        const kept = `${this.#options.json.replace(/\.json$/, '')}-fix-plan-${round}.sh`;
        await copyFile(script, kept);
        say(p.dim(`    (kept as ${shown(kept)})`));
        const params = await parameterValues(applicable, this.#workDir!);
        const shEnv = { ...env, ...params, PATH: `${tools}:${env.PATH ?? ''}` };
        for (const args of [[], ['--apply']]) {
          const r = await runScript(script, args, shEnv);
          say(
            p.dim(
              `  $ ${Object.keys(params)
                .map((k) => `${k}=...`)
                .join(
                  ' ',
                )}${Object.keys(params).length > 0 ? ' ' : ''}sh fix-plan-${round}.sh ${args.join(' ')}`.trimEnd(),
            ),
          );
          for (const line of r.stdout.trimEnd().split('\n')) if (line) say(`    ${line}`);
          for (const line of r.stderr.trimEnd().split('\n')) if (line) say(p.yellow(`    ${line}`));
          if (r.code !== 0) {
            say(p.red(`  the fix script exited ${r.code}`));
            return false;
          }
        }
      }
      if (renames.length > 0) {
        const renamed = await this.#standInRenames(samba, nodes, renames);
        nodes = renamed.nodes;
        for (const line of renamed.said) say(line);
        await writeFile(specPath, specText({ ...plan, nodes }, samba, tgt));
        say(p.dim('  the spec updated as the renames say: nodes[].name, fqdn and iqn carry the new names'));
      }
      const again = await this.#cli(['validate', '--config', specPath, '--json'], env, 'pipe');
      code = again.code;
      try {
        report = JSON.parse(again.stdout) as Report;
      } catch {
        say(p.red(`  validate gave no JSON report (exit ${again.code}): ${again.stderr.trim().slice(-500)}`));
        return false;
      }
      const s = report.summary;
      say(`  validate again: exit ${code}; ${s.pass} pass, ${s.warn} warn, ${s.fail} fail, ${s.error} error`);
      for (const f of report.findings.filter((x) => x.status === 'fail' || x.status === 'error'))
        say(`    ${f.status}: ${f.checkId} ${f.messageId}${f.subject !== undefined ? ` ${p.dim(f.subject)}` : ''}`);
    }
    const fixed = judge('fixed', report, code);
    for (const { wall, missing } of fixed.walls)
      say(`  ${missing.length === 0 ? p.green('✔') : p.red('✘')} fixed by the plan: ${wall.title}`);
    for (const problem of fixed.problems) say(p.red(`demo --fix: not as designed: ${problem}`));
    const json = this.#options.json.replace(/\.json$/, '') + '-after-fix.json';
    await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
    say(`JSON report after the fix: ${json}`);
    return fixed.ok;
  }

  /**
   * What Rename-Computer does to the directory, done to the lab's stand-in of each node: the
   * computer object renamed (its cn, sAMAccountName and dNSHostName) and its DNS A record moved
   * to the new name. The lab has no Windows machine to run the action itself.
   */
  async #standInRenames(
    samba: SambaLab,
    nodes: readonly DemoNode[],
    renames: readonly PlanAction[],
  ): Promise<{ nodes: DemoNode[]; said: string[] }> {
    const said: string[] = [];
    const out = [...nodes];
    for (const action of renames) {
      const target = action.key.slice('rename-node:'.length);
      const i = out.findIndex((n) => n.name.toLowerCase() === target);
      const to = newNameOf(action);
      if (i < 0 || to === undefined) {
        said.push(this.#paint.red(`  ${action.key}: no node of the lab, or no new name in the action`));
        continue;
      }
      const node = out[i]!;
      const dn = await samba.dnOf(node.computer);
      const parent = dn.slice(dn.indexOf(',') + 1);
      const renamed: DemoNode = { ...node, computer: to.toUpperCase(), name: to };
      await samba.modify(
        [
          `dn: ${dn}`,
          'changetype: modrdn',
          `newrdn: CN=${renamed.computer}`,
          'deleteoldrdn: 1',
          '',
          `dn: CN=${renamed.computer},${parent}`,
          'changetype: modify',
          'replace: sAMAccountName',
          `sAMAccountName: ${renamed.computer}$`,
          '-',
          'replace: dNSHostName',
          `dNSHostName: ${fqdn(renamed)}`,
          '',
        ].join('\n'),
      );
      await samba.deleteDnsA(node.name.toLowerCase(), node.ip);
      await samba.addDnsA(renamed.name.toLowerCase(), renamed.ip);
      out[i] = renamed;
      said.push(
        `  ${action.key}: not applicable here (Rename-Computer on the node, Windows); the lab's stand-in renamed as it would: ${node.computer} -> ${renamed.computer}, its object and A record`,
      );
    }
    return { nodes: out, said };
  }

  /** The closing summary, printed after the teardown so that it ends the output. */
  #summary(
    plan: LabPlan,
    report: Report,
    verdict: Verdict,
    code: number | null,
    html: boolean,
    htmlWritten: boolean,
    validateMs: number,
  ): void {
    const p = this.#paint;
    const say = (text = '') => this.#final.push(text);
    const s = report.summary;
    say(
      p.bold(
        plan.variant === 'broken'
          ? "The review's walls, as clusterprobe found them"
          : "The review's walls, fixed: clusterprobe sees each one pass",
      ),
    );
    for (const { wall, found, missing } of verdict.walls) {
      const mark = missing.length === 0 ? p.green('✔') : p.red('✘');
      say(`  ${mark} ${plan.variant === 'fixed' ? 'fixed: ' : ''}${wall.title}`);
      for (const e of found) say(`      ${e.checkId} ${e.messageId} (${e.status}) ${p.dim(e.subject)}`);
      for (const e of missing) say(p.red(`      missing: ${e.checkId} ${e.messageId} (${e.status}) ${e.subject}`));
    }
    if (plan.variant === 'broken') {
      say(
        p.dim(
          '  (LUN 2, the CD LUN, answers PERSISTENT RESERVE with "invalid command operation code": no SCSI-3 PR, as on the review\'s OpenFiler; the disk LUN passes the sequence.)',
        ),
      );
    }
    if (verdict.unexpected.length > 0) {
      say(p.red("  Also failing, not one of the review's walls:"));
      for (const f of verdict.unexpected)
        say(`      ${f.checkId} ${f.messageId} (${f.status}) ${p.dim(f.subject ?? '')}: ${f.message}`);
    }
    if (verdict.warnings.length > 0) {
      say(plan.variant === 'fixed' ? '  Warnings that remain, and why:' : '  Warnings:');
      for (const f of verdict.warnings) {
        const why = EXPECTED_WARNINGS[`${f.checkId} ${f.messageId}`];
        say(`      ${f.checkId} ${f.messageId} ${p.dim(f.subject ?? '')}${why ? `: ${why}` : `: ${f.message}`}`);
      }
    }
    say();
    say(
      `Findings: ${s.pass} pass, ${s.warn} warn, ${s.fail} fail, ${s.skipped} skipped, ${s.error} error, ${s.waived} waived; validate took ${seconds(validateMs)}.`,
    );
    const expectedExit = EXPECTED_EXIT[plan.variant];
    say(
      `validate exited ${code}${code === expectedExit ? `, as expected for the ${plan.variant === 'broken' ? "review's lab (3: at least one failure)" : 'fixed lab (0: no failure)'}` : p.red(`, expected ${expectedExit}`)}.`,
    );
    if (html)
      say(
        htmlWritten
          ? `HTML report: ${p.bold(this.#options.html)}`
          : p.red(`HTML report: validate --html did not write ${this.#options.html}`),
      );
    else
      say(
        p.yellow(
          "HTML report: not written: this build's `validate` has no --html flag yet (the demo passes it as soon as `bin/run.js validate --help` lists it).",
        ),
      );
    say(`JSON report: ${this.#options.json}`);
    if (plan.variant === 'broken' && !this.#options.fix)
      say(
        p.dim(
          `Next: bin/run.js fix --from ${shown(this.#options.json)} writes the plan as a script (PowerShell; --shell sh for Samba and tgt), and npm run demo -- --fix applies it to this lab.`,
        ),
      );
    for (const problem of verdict.problems) say(p.red(`demo: not as designed: ${problem}`));
  }

  async #supportsHtml(): Promise<boolean> {
    const r = await this.#cli(['validate', '--help'], process.env, 'pipe');
    return /(^|\s)--html[\s=]/m.test(r.stdout);
  }

  /** bin/run.js in its own process group (so only the demo signals it), the marker inherited. */
  async #cli(
    args: readonly string[],
    env: NodeJS.ProcessEnv,
    stdout: 'inherit' | 'pipe',
  ): Promise<Exited & { stdout: string; stderr: string }> {
    this.#checkpoint();
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env,
      detached: true,
      stdio: ['ignore', stdout, stdout === 'inherit' ? 'inherit' : 'pipe'],
    });
    this.#validate = child;
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    await spawned;
    const exited = await waitExit(child);
    // Streams may still hold the last chunk when 'exit' fires.
    await Promise.all(
      [child.stdout, child.stderr].map((s) =>
        s && !s.readableEnded ? new Promise<void>((r) => s.once('close', () => r())) : undefined,
      ),
    );
    this.#validate = null;
    return { ...exited, stdout: out, stderr: err };
  }

  /** Every exit path ends here: validate stopped, the DC and the target stopped, their files gone. */
  async teardown(): Promise<string[]> {
    const t0 = Date.now();
    const problems: string[] = [];
    const v = this.#validate;
    if (v?.pid !== undefined && v.exitCode === null && v.signalCode === null) {
      const done = waitExit(v);
      const timer = sleep(20_000).then(() => 'timeout' as const);
      if ((await Promise.race([done, timer])) === 'timeout') {
        try {
          process.kill(-v.pid, 'SIGKILL');
        } catch {
          // gone
        }
        await done;
      }
    }
    const settle = async <T>(p: Promise<T> | null, what: string, stop: (lab: T) => Promise<void>) => {
      if (!p) return;
      const lab = await p.catch(() => null);
      if (!lab) return;
      try {
        await stop(lab);
      } catch (e) {
        problems.push(`stopping ${what}: ${(e as Error).message}`);
      }
    };
    const labDirs = (
      await Promise.all(
        [this.#samba, this.#tgt].map(
          (p) =>
            p?.then(
              (l) => l.dir,
              () => null,
            ) ?? null,
        ),
      )
    ).filter((d): d is string => typeof d === 'string');
    await Promise.all([settle(this.#samba, 'samba', (l) => l.stop()), settle(this.#tgt, 'tgtd', (l) => l.stop())]);
    // Anything of this run still alive (samba's helpers, a tool a signal interrupted): SIGKILL.
    const dirs = [...(this.#workDir ? [this.#workDir] : []), ...labDirs];
    for (let round = 0; round < 50; round++) {
      const left = labProcesses(this.#marker, dirs);
      if (left.length === 0) break;
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      await sleep(100);
      if (round === 49) problems.push(`processes still running: ${left.join(', ')}`);
    }
    if (this.#workDir) await rm(this.#workDir, { recursive: true, force: true });
    for (const d of dirs) if (existsSync(d)) problems.push(`${d} is still there`);
    const p = this.#paint;
    say();
    if (problems.length === 0)
      say(p.dim(`Lab torn down in ${seconds(Date.now() - t0)}: samba and tgtd stopped, temporary files removed.`));
    else for (const x of problems) process.stderr.write(`demo: teardown: ${x}\n`);
    if (!this.#signal) for (const line of this.#final) say(line);
    say(p.dim(`The demo took ${seconds(Date.now() - this.#started)}.`));
    return problems;
  }

  get interruptedBy(): NodeJS.Signals | null {
    return this.#signal;
  }
}

/**
 * The lab's samba-tool and tgtadm, wrapped so that a fix script's plain `samba-tool ...` and
 * `tgtadm ...` reach this lab's DC (its smb.conf) and target (its control port), as they reach the
 * only DC or target of a real machine. They run the real tools; nothing is faked.
 */
export async function labTools(
  dir: string,
  samba: Pick<SambaLab, 'dir'>,
  tgt: Pick<TgtLab, 'controlPort'>,
): Promise<string> {
  const bin = join(dir, 'lab-tools');
  await mkdir(bin, { recursive: true });
  const wrappers: Record<string, string> = {
    'samba-tool': `exec ${shQuote(findTool('samba-tool'))} "$@" -s ${shQuote(join(samba.dir, 'etc', 'smb.conf'))}`,
    tgtadm: `exec ${shQuote(findTool('tgtadm'))} -C ${tgt.controlPort} "$@"`,
  };
  for (const [name, body] of Object.entries(wrappers)) {
    await writeFile(join(bin, name), `#!/bin/sh\n${body}\n`);
    await chmod(join(bin, name), 0o755);
  }
  return bin;
}

type PlanAction = NonNullable<Report['plan']>['actions'][number];

/** The new name a rename-node action gives: its NewName parameter's default, else its title. */
export function newNameOf(action: PlanAction): string | undefined {
  const param = action.script?.params?.find((p) => p.name.startsWith('NewName'));
  if (param?.default) return param.default;
  return / to ([^\s]+)$/.exec(action.title)?.[1];
}

/**
 * Values for the parameters the sh actions require (no default), as the lab's administrator
 * would give them: a new LUN's backing store is a fresh file. A parameter the demo does not know
 * is an error, not a guess.
 */
export async function parameterValues(actions: readonly PlanAction[], dir: string): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const a of actions)
    for (const param of a.script?.params ?? []) {
      if (param.default !== undefined || param.secret || !a.script?.sh) continue;
      const variable = shVariable(param.name);
      if (!references(`${a.script.sh.apply}\n${a.script.sh.test}`, param.name)) continue;
      if (a.key.startsWith('replace-lun:')) {
        const file = join(dir, `${variable.toLowerCase()}.img`);
        await writeFile(file, '');
        await truncate(file, 64 * 1024 * 1024);
        values[variable] = file;
      } else
        throw new Error(`${a.key} needs ${variable} (${param.description}): the demo does not know what to give it`);
    }
  return values;
}

/** Runs a fix script with sh; its output collected. */
function runScript(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', [file, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The spec the demo validates: what a user would write for this lab. */
export function specText(
  plan: LabPlan,
  samba: Pick<SambaLab, 'dnsServer' | 'caFile' | 'domain'>,
  tgt: Pick<TgtLab, 'portal'>,
): string {
  return [
    `# The ${plan.variant === 'broken' ? "review's lab, broken as it was" : "review's lab with its problems fixed"}: written by scripts/demo.ts.`,
    'cluster:',
    `  name: ${CLUSTER}`,
    '  windowsVersion: "2008R2"',
    'nodes:',
    ...plan.nodes.map((n) => `  - { name: ${n.name}, fqdn: ${fqdn(n)}, iqn: ${iqn(n)} }`),
    'activeDirectory:',
    `  domain: ${samba.domain}`,
    `  dnsServers: [${samba.dnsServer}]          # the DC's own DNS; DCs found through SRV records`,
    `  tls: { caFile: ${samba.caFile} }`,
    `  bind: { user: ${BIND_USER}@${samba.domain}, password: env:CLUSTERPROBE_AD_PASSWORD }`,
    `  ou: ${OU_DN}`,
    'storage:',
    '  iscsi:',
    `    - portal: ${tgt.portal}`,
    `      targets: [${TARGET}]`,
    `      luns: [${plan.luns.map((l) => l.lun).join(', ')}]                # both meant as cluster disks`,
    '  allowInUse: false',
    '',
  ].join('\n');
}

const USAGE = `Usage: npm run demo [-- --fixed | --fix] [-- --html FILE]

  Builds the lab of the Windows Server 2008 R2 review (Samba AD DC in mixed mode, 18-character
  node names colliding at 15, a node in CN=Computers, an iSCSI target with a CD LUN without
  persistent reservations) in a private network namespace, runs clusterprobe validate against it,
  writes the HTML and JSON reports, and tears everything down.

  --fixed       the same lab with the problems fixed: validate passes
  --fix         the review's lab, then the loop: clusterprobe fix --shell sh writes the plan's
                Samba and tgt actions, the script applies them to the lab (the Windows renames
                are done to the lab's stand-ins, and the spec updated), validate runs again
                until the plan has nothing left to apply: the lab ends as --fixed does
  --html FILE   where the HTML report goes (default ./demo-report.html, --fixed:
                ./demo-fixed-report.html); the JSON report goes next to it (.json)
  -h, --help    this text

  Needs root and the packages of sh scripts/bootstrap.sh.
`;

async function main(argv: readonly string[]): Promise<number> {
  let values: { fixed?: boolean; fix?: boolean; html?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        fixed: { type: 'boolean' },
        fix: { type: 'boolean' },
        html: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    process.stderr.write(`demo: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.fixed && values.fix) {
    process.stderr.write(`demo: --fixed and --fix: choose one (--fix starts from the broken lab)\n\n${USAGE}`);
    return 2;
  }
  const variant: Variant = values.fixed ? 'fixed' : 'broken';
  const html = resolve(values.html ?? (variant === 'broken' ? 'demo-report.html' : 'demo-fixed-report.html'));
  const json = html.replace(/\.html?$/i, '') + '.json';
  if (!existsSync(dirname(html))) {
    process.stderr.write(`demo: the directory of ${html} does not exist\n`);
    return 2;
  }

  const problems = prerequisiteProblems(currentEnvironment());
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(`demo: ${p}\n`);
    return 2;
  }

  // Everything this run starts inherits the marker: the teardown's last sweep (and the test) find
  // any process that outlived its parent by it.
  // One inherited from the caller (the test's) is extended, never reused: the sweep must not
  // reach the caller's own processes (npm, the shell) that carry it too.
  const inherited = process.env[RUN_MARKER];
  const marker = `${inherited ? `${inherited}/` : ''}${process.pid}-${randomBytes(6).toString('hex')}`;
  process.env[RUN_MARKER] = marker;
  const demo = new Demo({ variant, html, json, fix: values.fix ?? false }, marker);
  // Installed before the lab's own hooks (test/lab/tgt.ts: SIGKILL its children, re-raise), so
  // the process never dies of the signal before the teardown ran.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => demo.interrupt(sig));

  let code: number;
  try {
    code = await demo.run();
  } catch (e) {
    if (e instanceof Interrupted || demo.interruptedBy) {
      code = SIGNAL_EXIT[demo.interruptedBy ?? 'SIGINT'] ?? 130;
    } else {
      process.stderr.write(
        `demo: ${demo.phase === 'lab' ? 'the lab could not start' : 'the demo did not run as designed'}: ${e instanceof Error ? e.message : String(e)}\n`,
      );
      if (process.env.CLUSTERPROBE_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
      code = 1;
    }
  }
  const left = await demo.teardown();
  if (demo.interruptedBy) code = SIGNAL_EXIT[demo.interruptedBy] ?? 130;
  if (left.length > 0 && code === 0) code = 1;
  return code;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const code = await main(process.argv.slice(2));
  // process.exit, not exitCode: the lab modules' 'exit' hooks run, and nothing keeps the loop alive.
  process.exit(code);
}
