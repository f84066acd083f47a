/**
 * Local "SCSI devices" for sg3_utils without a kernel device: sgbridge (test/lab/libiscsi/
 * sgbridge.c) holds one libiscsi session per fake path (/dev/sg-clusterprobe-a...) to a real iSCSI
 * target, and sgshim.so (sgshim.c), preloaded into sg_persist / sg_inq / sg_readcap / sg_turs,
 * makes those paths openable and carries their SG_IO ioctls to the bridge. The real sg3_utils
 * binaries then run unmodified against tgt, and SgTransport can be tested end to end.
 *
 * `buildSgShim()` compiles both once per source hash into os.tmpdir()/clusterprobe-sgshim/<hash>
 * (`cc -O2 -shared -fPIC ... -ldl`, `cc -O2 ... -liscsi -lpthread`); `startSgBridge()` runs the
 * bridge (killed with the test process) and hands back the environment for the tools.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabCommandError, LabError, runTool, track } from './tgt.ts';
import { findCompiler } from './libiscsi.ts';

const DIR = fileURLToPath(new URL('./libiscsi/', import.meta.url));
export const SGSHIM_SOURCES = ['sgshim.c', 'sgbridge.c', 'sgbridge.h'].map((f) => join(DIR, f));

export interface SgShimBuild {
  /** The LD_PRELOAD library. */
  shim: string;
  bridge: string;
}

let building: Promise<SgShimBuild> | undefined;

/** Compiles sgshim.so and sgbridge unless this source hash is cached. */
export function buildSgShim(): Promise<SgShimBuild> {
  building ??= build().catch((e: unknown) => {
    building = undefined;
    throw e;
  });
  return building;
}

async function build(): Promise<SgShimBuild> {
  const hash = createHash('sha256');
  for (const f of SGSHIM_SOURCES) hash.update(await readFile(f));
  const dir = join(tmpdir(), 'clusterprobe-sgshim', hash.digest('hex').slice(0, 16));
  const out = { shim: join(dir, 'sgshim.so'), bridge: join(dir, 'sgbridge') };
  if (existsSync(out.shim) && existsSync(out.bridge)) return out;
  const cc = findCompiler();
  if (!cc)
    throw new LabError(
      'SGSHIM_NO_COMPILER',
      'no C compiler (cc, gcc or clang) to build test/lab/libiscsi/sgshim.c: install gcc, libc6-dev and libiscsi-dev',
    );
  await mkdir(dir, { recursive: true });
  const tag = `${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const steps: [string, string[]][] = [
    [out.shim, ['-O2', '-Wall', '-shared', '-fPIC', '-o', `${out.shim}.${tag}`, join(DIR, 'sgshim.c'), '-ldl']],
    [out.bridge, ['-O2', '-Wall', '-o', `${out.bridge}.${tag}`, join(DIR, 'sgbridge.c'), '-liscsi', '-lpthread']],
  ];
  for (const [target, args] of steps) {
    try {
      await runTool(cc, args, { timeoutMs: 120_000, cwd: dir });
    } catch (e) {
      await rm(`${target}.${tag}`, { force: true });
      if (e instanceof LabCommandError && /iscsi\/iscsi\.h|-liscsi/.test(`${e.stderr}`)) {
        throw new LabError(
          'SGSHIM_NO_LIBISCSI_DEV',
          `libiscsi-dev is missing, so sgbridge cannot be built: run \`sh scripts/bootstrap.sh\` as root\n${e.message}`,
        );
      }
      throw e;
    }
    await rename(`${target}.${tag}`, target);
  }
  return out;
}

export interface SgDeviceMap {
  /** The fake device path, e.g. /dev/sg-clusterprobe-a (it need not, and should not, exist). */
  device: string;
  /** iscsi://127.0.0.1:PORT/<target-iqn>/<lun> */
  url: string;
  /** The initiator name of this path's session: one I_T nexus per path. */
  initiator: string;
}

export interface SgBridge {
  /** Environment for the sg3_utils tools: LD_PRELOAD, SGSHIM_SOCKET, SGSHIM_DEVICES. */
  readonly env: Readonly<Record<string, string>>;
  readonly socket: string;
  /** What the bridge wrote to stderr so far (with SGBRIDGE_TRACE=1, every CDB). */
  log(): string;
  stop(): Promise<void>;
}

export interface StartSgBridgeOptions {
  maps: readonly SgDeviceMap[];
  /** libiscsi's per-PDU timeout in seconds (default 10). */
  timeoutS?: number;
  /** Log every CDB and status to the bridge's stderr. */
  trace?: boolean;
  readyTimeoutMs?: number;
}

/** Starts sgbridge, waits for its sessions to log in, and returns the tools' environment. */
export async function startSgBridge(options: StartSgBridgeOptions): Promise<SgBridge> {
  const { shim, bridge } = await buildSgShim();
  const dir = await mkdtemp(join(tmpdir(), 'clusterprobe-sgbridge-'));
  const socket = join(dir, 'bridge.sock');
  const args = ['--socket', socket, '--timeout', String(options.timeoutS ?? 10)];
  for (const m of options.maps) args.push('--map', m.device, m.url, m.initiator);
  const child = track(
    spawn(bridge, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...(options.trace ? { SGBRIDGE_TRACE: '1' } : {}) },
    }),
  );
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-256 * 1024)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const ready = await new Promise<string>((resolve) => {
    const timer = setTimeout(
      () => resolve(`no READY within ${options.readyTimeoutMs ?? 45_000} ms`),
      options.readyTimeoutMs ?? 45_000,
    );
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (/^READY$/m.test(stdout)) {
        clearTimeout(timer);
        resolve('');
      } else if (/^ERROR: .*$/m.test(stdout)) {
        clearTimeout(timer);
        resolve(/^ERROR: (.*)$/m.exec(stdout)![1]!);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(`exited (${code ?? signal}) before READY: ${stdout.trim()}`);
    });
  });
  if (ready !== '') {
    await stop();
    throw new LabError('SGBRIDGE_START', `sgbridge ${args.join(' ')}: ${ready}\n${stderr.trim().slice(-2000)}`);
  }
  return {
    env: { LD_PRELOAD: shim, SGSHIM_SOCKET: socket, SGSHIM_DEVICES: options.maps.map((m) => m.device).join(':') },
    socket,
    log: () => stderr,
    stop,
  };
}
