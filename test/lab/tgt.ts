/**
 * A real tgt iSCSI target for one test: `startTgt()` runs `tgtd -f` on 127.0.0.1 with its own
 * control port, `TgtLab` configures it through `tgtadm -C <controlPort>`, and `stop()` (or the
 * process exiting) kills it. Also wraps libiscsi's tools (`iscsi-ls`, `iscsi-inq`, ...) as an
 * independent initiator, each call with a timeout.
 *
 * Facts this relies on (tgt 1.0.85, see ../../../shared/LAB.md):
 * - tgtadm reaches tgtd over /run/tgtd/socket.<controlPort>, shared across network namespaces, so
 *   every daemon needs its own control port; a second tgtd on a taken control port exits with
 *   "another tgtd is using /var/run/tgtd/socket.N.lock".
 * - tgtd started on a TCP port someone else listens on does not fail: it runs without a portal.
 *   So readiness means "a LISTEN socket on the port that belongs to this tgtd's pid".
 * - tgtd ignores SIGTERM: SIGKILL after a short grace.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, readFile, readdir, readlink, writeFile, truncate, access, unlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type DeviceType = 'disk' | 'cd' | 'tape';

export interface StartTgtOptions {
  /** TCP port of the portal on 127.0.0.1. Default: derived from the pid, retried if taken. */
  port?: number;
  /** tgtd control port (`-C`). Default: derived from the pid in 100-999, retried if taken. */
  controlPort?: number;
  /** Directory for backing files and the daemon log. Default: a fresh temp dir, removed on stop. */
  dir?: string;
  /** How long to wait for the portal to listen. Default 5000 ms. */
  readyTimeoutMs?: number;
  /** Timeout of each tgtadm call. Default 10000 ms. */
  tgtadmTimeoutMs?: number;
}

export interface LunOptions {
  sizeMiB: number;
  deviceType?: DeviceType;
  /** Backing file; created (sparse, `sizeMiB`) if missing. Default: `<dir>/t<tid>-lun<lun>.img`. */
  file?: string;
}

export interface TgtLab {
  /** `127.0.0.1:PORT` */
  readonly portal: string;
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly controlPort: number;
  readonly pid: number;
  readonly dir: string;
  /** Runs `tgtadm -C <controlPort> --lld iscsi ...args` and returns its stdout. */
  tgtadm(args: readonly string[]): Promise<string>;
  /** Creates a target with the next free tid and returns the tid. */
  addTarget(iqn: string): Promise<number>;
  /** Adds a LUN backed by a sparse file; returns the backing file's path. */
  addLun(tid: number, lun: number, options: LunOptions): Promise<string>;
  /** Allows every initiator (`-I ALL`). */
  bindAll(tid: number): Promise<void>;
  /** Allows one initiator name (tgt answers others "target not found", 0x0203). */
  bindInitiator(tid: number, iqn: string): Promise<void>;
  /**
   * One-way CHAP: creates the account (once per daemon: tgt accounts are global, so a second
   * target reuses it) and binds it as an incoming user of the target.
   */
  addChap(tid: number, user: string, secret: string): Promise<void>;
  /** The target's own credentials for mutual CHAP: creates the account (once) and binds it `--outgoing`. */
  addMutualChap(tid: number, user: string, secret: string): Promise<void>;
  /**
   * `--op update --mode target --name <name> --value <value>`. tgt 1.0.85 accepts the iSCSI keys
   * of `--op show` (MaxRecvDataSegmentLength, HeaderDigest, DataDigest, InitialR2T,
   * ImmediateData, FirstBurstLength, MaxBurstLength, MaxOutstandingR2T, DefaultTime2Wait, ...)
   * and `nop_interval` / `nop_count` (NOP-In pings); anything else is "invalid request".
   */
  setParam(tid: number, name: string, value: string | number): Promise<void>;
  /** `--op show --mode target [--tid T]` */
  show(tid?: number): Promise<string>;
  /** The daemon's stdout+stderr so far (last 64 KiB). */
  log(): string;
  /** SIGKILL now (tgtd ignores SIGTERM) and wait for the process to go. Keeps the directory. */
  kill(): Promise<void>;
  /** SIGTERM, SIGKILL after a short grace, wait, then remove the directory if the lab made it. */
  stop(): Promise<void>;
}

/** A lab step failed; the message says what was run and what it printed. */
export class LabError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'LabError';
    this.code = code;
  }
}

/** A command the lab ran exited non-zero, timed out, or was missing. */
export class LabCommandError extends LabError {
  readonly command: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  constructor(fields: {
    code: string;
    message: string;
    command: string;
    exitCode: number | null;
    signal: string | null;
    stdout: string;
    stderr: string;
    timedOut: boolean;
  }) {
    super(fields.code, fields.message);
    this.name = 'LabCommandError';
    this.command = fields.command;
    this.exitCode = fields.exitCode;
    this.signal = fields.signal;
    this.stdout = fields.stdout;
    this.stderr = fields.stderr;
    this.timedOut = fields.timedOut;
  }
}

const BOOTSTRAP_HINT =
  'run `sh scripts/bootstrap.sh` as root to install the lab packages (tgt, libiscsi-bin, sg3-utils)';
const PACKAGE_OF: Record<string, string> = {
  tgtd: 'tgt',
  tgtadm: 'tgt',
  'iscsi-ls': 'libiscsi-bin',
  'iscsi-inq': 'libiscsi-bin',
  'iscsi-test-cu': 'libiscsi-bin',
  'iscsi-readcapacity16': 'libiscsi-bin',
  'iscsi-perf': 'libiscsi-bin',
  tcpdump: 'tcpdump',
};
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of a lab tool, or a LabError saying how to install it. */
export function findTool(name: string): string {
  if (name.includes('/')) {
    if (existsSync(name)) return name;
    throw new LabError('LAB_TOOL_MISSING', `${name} does not exist: ${BOOTSTRAP_HINT}`);
  }
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SYSTEM_DIRS];
  for (const d of dirs) {
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  const pkg = PACKAGE_OF[name];
  throw new LabError(
    'LAB_TOOL_MISSING',
    `${name} not found on PATH or in ${SYSTEM_DIRS.join(', ')}${pkg ? ` (Debian package ${pkg})` : ''}: ${BOOTSTRAP_HINT}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Child process bookkeeping: everything started here is killed on stop and when the process ends.

const liveChildren = new Set<ChildProcess>();
let exitHooksInstalled = false;

function killAllChildren(): void {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  liveChildren.clear();
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', killAllChildren);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAllChildren();
      // Default disposition again, then die of the same signal so the parent sees it.
      process.kill(process.pid, sig);
    });
  }
}

/** Registers a child so that it is SIGKILLed when this process exits. */
export function track(child: ChildProcess): ChildProcess {
  installExitHooks();
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  return child;
}

// Parent-death signal: if this Node process is SIGKILLed, the kernel kills tgtd too.
function withPdeathsig(cmd: string, args: string[]): [string, string[]] {
  try {
    return [findTool('setpriv'), ['--pdeathsig', 'SIGKILL', '--', cmd, ...args]];
  } catch {
    return [cmd, args];
  }
}

export interface RunOptions {
  timeoutMs?: number;
  env?: Record<string, string | undefined>;
  /** Resolve instead of throwing on a non-zero exit. */
  allowFailure?: boolean;
  cwd?: string;
}

export interface RunResult {
  command: string;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** Runs a tool with a timeout (SIGKILL when it expires); throws LabCommandError on failure. */
export function runTool(name: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const path = findTool(name);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const command = [name, ...args].map(quote).join(' ');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...options.env })) if (v !== undefined) env[k] = v;
  return new Promise((resolve, reject) => {
    const child = execFile(
      path,
      [...args],
      {
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
        env,
        cwd: options.cwd,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean; signal?: string }) | null;
        const timedOut = !!e && e.killed === true && e.signal === 'SIGKILL';
        const result: RunResult = {
          command,
          exitCode: e ? (typeof e.code === 'number' ? e.code : null) : 0,
          signal: e?.signal ?? null,
          stdout,
          stderr,
          timedOut,
        };
        if (!e || (options.allowFailure && !timedOut && typeof e.code === 'number')) return resolve(result);
        const why = timedOut
          ? `timed out after ${timeoutMs} ms`
          : typeof e.code === 'number'
            ? `exited with ${e.code}`
            : e.signal
              ? `died of ${e.signal}`
              : `failed: ${e.message}`;
        const out = [
          stderr.trim() && `stderr: ${stderr.trim().slice(-2000)}`,
          stdout.trim() && `stdout: ${stdout.trim().slice(-2000)}`,
        ]
          .filter(Boolean)
          .join('\n');
        reject(
          new LabCommandError({
            code: timedOut ? 'LAB_COMMAND_TIMEOUT' : 'LAB_COMMAND_FAILED',
            message: `${command} ${why}${out ? `\n${out}` : ''}`,
            ...result,
          }),
        );
      },
    );
    track(child);
  });
}

// ---------------------------------------------------------------------------------------------
// Ports

let portCounter = 0;

/** Control port (100-999) and TCP port (13260-32259, below the ephemeral range) for attempt n. */
function derivePorts(): { controlPort: number; port: number } {
  const n = process.pid * 16 + portCounter++;
  return { controlPort: 100 + (n % 900), port: 13260 + (n % 19000) };
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Inodes of sockets listening on `port` (IPv4 and IPv6 tables of this network namespace). */
async function listeningInodes(port: number): Promise<string[]> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = await readFile(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:tm retrnsmt uid timeout inode
      if (f.length > 9 && f[1]?.endsWith(`:${hex}`) && f[3] === '0A' && f[9]) inodes.push(f[9]);
    }
  }
  return inodes;
}

async function socketInodesOf(pid: number): Promise<Set<string>> {
  const out = new Set<string>();
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/${pid}/fd/${fd}`));
      if (m?.[1]) out.add(m[1]);
    } catch {
      // fd closed meanwhile
    }
  }
  return out;
}

function tcpAccepts(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const t = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.end();
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      clearTimeout(t);
      resolve(false);
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits for `p` at most `ms`; the timer never outlives the wait (it would hold the process open). */
async function within(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------

class RingLog {
  private text = '';
  append(chunk: string): void {
    this.text = (this.text + chunk).slice(-64 * 1024);
  }
  toString(): string {
    return this.text;
  }
}

type Attempt = { ok: true; lab: TgtLab } | { ok: false; retry: boolean; error: LabError };

async function attemptStart(
  port: number,
  controlPort: number,
  dir: string,
  ownsDir: boolean,
  options: StartTgtOptions,
): Promise<Attempt> {
  const tgtdPath = findTool('tgtd');
  const tgtadmPath = findTool('tgtadm');
  if (!(await portIsFree(port))) {
    return {
      ok: false,
      retry: true,
      error: new LabError('LAB_PORT_BUSY', `TCP port 127.0.0.1:${port} is already in use`),
    };
  }
  const [cmd, args] = withPdeathsig(tgtdPath, ['-f', '-C', String(controlPort), '--iscsi', `portal=127.0.0.1:${port}`]);
  const log = new RingLog();
  const child = track(spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir }));
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
    return {
      ok: false,
      retry: false,
      error: new LabError('LAB_TGTD_SPAWN', `could not start tgtd (${err.message}): ${BOOTSTRAP_HINT}`),
    };
  }

  const killChild = async (graceMs: number): Promise<void> => {
    if (exited) return;
    if (graceMs > 0) {
      child.kill('SIGTERM');
      await within(exitPromise, graceMs);
    }
    if (!exited) child.kill('SIGKILL');
    await within(exitPromise, 5000);
  };
  const removeControlFiles = async (): Promise<void> => {
    for (const base of ['/run/tgtd', '/var/run/tgtd']) {
      for (const f of [`socket.${controlPort}`, `socket.${controlPort}.lock`])
        await unlink(join(base, f)).catch(() => {});
    }
  };

  const readyTimeoutMs = options.readyTimeoutMs ?? 5000;
  const deadline = Date.now() + readyTimeoutMs;
  let foreignListener = false;
  for (;;) {
    if (exited) {
      const text = log.toString();
      const busy = /another tgtd is using/.test(text);
      return {
        ok: false,
        retry: busy,
        error: new LabError(
          busy ? 'LAB_CONTROL_PORT_BUSY' : 'LAB_TGTD_EXITED',
          `tgtd -C ${controlPort} on 127.0.0.1:${port} exited (${JSON.stringify(exited)}) before its portal listened.\n${text.trim().slice(-2000)}`,
        ),
      };
    }
    const inodes = await listeningInodes(port);
    if (inodes.length > 0) {
      const mine = await socketInodesOf(pid);
      if (inodes.some((i) => mine.has(i))) break;
      foreignListener = true;
    }
    if (Date.now() > deadline) {
      await killChild(0);
      const why = foreignListener
        ? `another process took 127.0.0.1:${port}`
        : `its portal did not listen within ${readyTimeoutMs} ms`;
      return {
        ok: false,
        retry: foreignListener,
        error: new LabError(
          foreignListener ? 'LAB_PORT_BUSY' : 'LAB_TGTD_NOT_READY',
          `tgtd -C ${controlPort}: ${why}.\n${log.toString().trim().slice(-2000)}`,
        ),
      };
    }
    await sleep(foreignListener ? 50 : 20);
  }
  if (!(await tcpAccepts(port, Math.max(500, deadline - Date.now())))) {
    await killChild(0);
    return {
      ok: false,
      retry: false,
      error: new LabError(
        'LAB_TGTD_NOT_READY',
        `tgtd listens on 127.0.0.1:${port} but refuses TCP connections.\n${log.toString().trim().slice(-2000)}`,
      ),
    };
  }

  const tgtadmTimeoutMs = options.tgtadmTimeoutMs ?? 10_000;
  const tgtadm = async (a: readonly string[]): Promise<string> => {
    if (exited)
      throw new LabError(
        'LAB_TGTD_GONE',
        `tgtd -C ${controlPort} is not running (${JSON.stringify(exited)}); cannot run tgtadm ${a.join(' ')}`,
      );
    const r = await runTool(tgtadmPath, ['-C', String(controlPort), '--lld', 'iscsi', ...a], {
      timeoutMs: tgtadmTimeoutMs,
    });
    return r.stdout;
  };
  // The control socket is normally up before the portal; make sure before handing the lab out.
  for (let i = 0; ; i++) {
    try {
      await tgtadm(['--op', 'show', '--mode', 'sys']);
      break;
    } catch (e) {
      if (i >= 20 || Date.now() > deadline + 2000) {
        await killChild(0);
        return {
          ok: false,
          retry: false,
          error: new LabError(
            'LAB_TGTADM',
            `tgtd -C ${controlPort} runs but tgtadm cannot reach it: ${(e as Error).message}`,
          ),
        };
      }
      await sleep(50);
    }
  }

  let nextTid = 1;
  let stopped = false;
  // tgt accounts belong to the daemon, not to a target: one `--op new` per user, then bind it anywhere.
  const accounts = new Map<string, string>();
  const ensureAccount = async (user: string, secret: string): Promise<void> => {
    const known = accounts.get(user);
    if (known === secret) return;
    if (known !== undefined)
      throw new LabError(
        'LAB_ACCOUNT_CLASH',
        `tgt account ${user} already exists with another secret: accounts are global to the daemon, use another user name`,
      );
    await tgtadm(['--op', 'new', '--mode', 'account', '--user', user, '--password', secret]);
    accounts.set(user, secret);
  };
  const lab: TgtLab = {
    portal: `127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    controlPort,
    pid,
    dir,
    tgtadm,
    async addTarget(iqn) {
      const tid = nextTid++;
      await tgtadm(['--op', 'new', '--mode', 'target', '--tid', String(tid), '--targetname', iqn]);
      return tid;
    },
    async addLun(tid, lun, lunOptions) {
      const file = lunOptions.file ?? join(dir, `t${tid}-lun${lun}.img`);
      const exists = await access(file).then(
        () => true,
        () => false,
      );
      if (!exists || lunOptions.file === undefined) {
        await writeFile(file, '');
        await truncate(file, Math.round(lunOptions.sizeMiB * 1024 * 1024));
      }
      const a = [
        '--op',
        'new',
        '--mode',
        'logicalunit',
        '--tid',
        String(tid),
        '--lun',
        String(lun),
        '--backing-store',
        file,
      ];
      if (lunOptions.deviceType && lunOptions.deviceType !== 'disk') a.push('--device-type', lunOptions.deviceType);
      await tgtadm(a);
      return file;
    },
    async bindAll(tid) {
      await tgtadm(['--op', 'bind', '--mode', 'target', '--tid', String(tid), '--initiator-address', 'ALL']);
    },
    async bindInitiator(tid, iqn) {
      await tgtadm(['--op', 'bind', '--mode', 'target', '--tid', String(tid), '--initiator-name', iqn]);
    },
    async addChap(tid, user, secret) {
      await ensureAccount(user, secret);
      await tgtadm(['--op', 'bind', '--mode', 'account', '--tid', String(tid), '--user', user]);
    },
    async addMutualChap(tid, user, secret) {
      await ensureAccount(user, secret);
      await tgtadm(['--op', 'bind', '--mode', 'account', '--tid', String(tid), '--user', user, '--outgoing']);
    },
    async setParam(tid, name, value) {
      await tgtadm([
        '--op',
        'update',
        '--mode',
        'target',
        '--tid',
        String(tid),
        '--name',
        name,
        '--value',
        String(value),
      ]);
    },
    async show(tid) {
      return tgtadm(['--op', 'show', '--mode', 'target', ...(tid === undefined ? [] : ['--tid', String(tid)])]);
    },
    log: () => log.toString(),
    async kill() {
      await killChild(0);
      await removeControlFiles();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await killChild(100);
      await removeControlFiles();
      if (ownsDir) await rm(dir, { recursive: true, force: true });
    },
  };
  return { ok: true, lab };
}

/**
 * Starts `tgtd -f -C <controlPort> --iscsi portal=127.0.0.1:<port>` and resolves once the portal
 * accepts TCP and tgtadm reaches the daemon. Without explicit ports, taken ports are retried.
 */
export async function startTgt(options: StartTgtOptions = {}): Promise<TgtLab> {
  findTool('tgtd');
  findTool('tgtadm');
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'clusterprobe-tgt-')));
  const explicit = options.port !== undefined || options.controlPort !== undefined;
  const errors: string[] = [];
  for (let attempt = 0; attempt < (explicit ? 1 : 8); attempt++) {
    const derived = derivePorts();
    const r = await attemptStart(
      options.port ?? derived.port,
      options.controlPort ?? derived.controlPort,
      dir,
      ownsDir,
      options,
    );
    if (r.ok) return r.lab;
    errors.push(r.error.message);
    if (!r.retry || explicit) {
      if (ownsDir) await rm(dir, { recursive: true, force: true });
      throw r.error;
    }
  }
  if (ownsDir) await rm(dir, { recursive: true, force: true });
  throw new LabError(
    'LAB_NO_PORTS',
    `could not find a free control port and TCP port for tgtd after 8 attempts:\n${errors.join('\n')}`,
  );
}

// ---------------------------------------------------------------------------------------------
// libiscsi tools

export interface IscsiToolOptions {
  /** `-i <iqn>`: the initiator name to log in as. */
  initiatorName?: string;
  timeoutMs?: number;
  /** Extra environment, e.g. LIBISCSI_CHAP_TARGET_USERNAME / _PASSWORD for mutual CHAP. */
  env?: Record<string, string | undefined>;
}

export interface IscsiLsOptions extends IscsiToolOptions {
  /** `-s`: log in to every target and list its LUNs with types and sizes. */
  showLuns?: boolean;
  /** CHAP credentials, put into the URL as `user%secret@`. */
  user?: string;
  secret?: string;
}

export interface IscsiInqOptions extends IscsiToolOptions {
  /** `-e 1 -c <page>`: a VPD page instead of the standard INQUIRY data. */
  vpdPage?: number;
}

/** `iscsi://[user%secret@]portal[/target/lun]` with the parts percent-free as libiscsi expects. */
export function iscsiUrl(
  portal: string,
  target?: string,
  lun?: number,
  chap?: { user: string; secret: string },
): string {
  const auth = chap ? `${chap.user}%${chap.secret}@` : '';
  return `iscsi://${auth}${portal}${target === undefined ? '' : `/${target}/${lun ?? 0}`}`;
}

/** `iscsi-ls [-s] [-i iqn] iscsi://[user%secret@]portal`; resolves with stdout. */
export async function iscsiLs(portal: string, options: IscsiLsOptions = {}): Promise<string> {
  const args: string[] = [];
  if (options.showLuns) args.push('-s');
  if (options.initiatorName) args.push('-i', options.initiatorName);
  const chap = options.user !== undefined ? { user: options.user, secret: options.secret ?? '' } : undefined;
  args.push(iscsiUrl(portal, undefined, undefined, chap));
  return (await runTool('iscsi-ls', args, { timeoutMs: options.timeoutMs ?? 15_000, env: options.env })).stdout;
}

/** `iscsi-inq [-i iqn] [-e 1 -c page] <url>`; resolves with stdout, throws LabCommandError. */
export async function iscsiInq(url: string, options: IscsiInqOptions = {}): Promise<string> {
  const args: string[] = [];
  if (options.initiatorName) args.push('-i', options.initiatorName);
  if (options.vpdPage !== undefined) args.push('-e', '1', '-c', String(options.vpdPage));
  args.push(url);
  return (await runTool('iscsi-inq', args, { timeoutMs: options.timeoutMs ?? 15_000, env: options.env })).stdout;
}

/** `iscsi-readcapacity16 [-i iqn] <url>`; resolves with stdout. */
export async function iscsiReadCapacity16(url: string, options: IscsiToolOptions = {}): Promise<string> {
  const args: string[] = [];
  if (options.initiatorName) args.push('-i', options.initiatorName);
  args.push(url);
  return (await runTool('iscsi-readcapacity16', args, { timeoutMs: options.timeoutMs ?? 15_000, env: options.env }))
    .stdout;
}

export interface IscsiTestCuOptions extends IscsiToolOptions {
  /** `-t <pattern>`, e.g. 'ALL.PrinReadKeys.Simple'. */
  test: string;
  /** `--dataloss`: allow destructive tests (all PROUT tests need it). */
  dataloss?: boolean;
  /** `-I <iqn>`: the second initiator of two-session tests. */
  initiatorName2?: string;
}

/** `iscsi-test-cu` for one test pattern. Resolves with the whole result (it exits 0 even on failures unless -f). */
export function iscsiTestCu(url: string, options: IscsiTestCuOptions): Promise<RunResult> {
  const args: string[] = [];
  if (options.dataloss) args.push('--dataloss');
  if (options.initiatorName) args.push('-i', options.initiatorName);
  if (options.initiatorName2) args.push('-I', options.initiatorName2);
  args.push('-t', options.test, url);
  return runTool('iscsi-test-cu', args, {
    timeoutMs: options.timeoutMs ?? 60_000,
    env: options.env,
    allowFailure: true,
  });
}
