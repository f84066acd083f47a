/**
 * Records real sg3_utils output for test/fixtures/sg3/: runs the scenarios below through
 * SgTransport with the real binaries (sg_persist, sg_inq, sg_readcap, sg_turs) against tgt, via
 * sgshim/sgbridge (test/lab/sgshim.ts), and saves every invocation (argv, exit status, stdout,
 * stderr) in order, one JSON file per scenario. test/scsi/sg-transport.test.ts replays them.
 *
 *   sh scripts/with-node.sh sh test/lab/netns.sh node test/lab/record-sg3.ts [--out DIR]
 *
 * The scenarios are exported so that the lab test (test/lab/sgshim.test.ts) runs exactly what was
 * recorded and the replay test asserts on exactly what was replayed.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildReadCapacity16Cdb,
  PR_TYPE,
  ScsiCheckCondition,
  ScsiDevice,
  ScsiStatusError,
  type PrReadKeys,
  type PrReadReservation,
  type PrReportCapabilities,
  type ReadCapacity,
  type ReportLuns,
  type StandardInquiry,
} from '../../src/scsi/index.ts';
import { decodeReadCapacity16, type ReadCapacity16 } from '../../src/scsi/capacity.ts';
import { execFileRunner, SgTransport, type SgRunner, type SgRunResult } from '../../src/scsi/sg-transport.ts';
import type { DeviceIdentification, SupportedVpdPages, UnitSerialNumber } from '../../src/scsi/vpd.ts';

export const SG3_DEVICE_A = '/dev/sg-clusterprobe-a';
export const SG3_DEVICE_B = '/dev/sg-clusterprobe-b';
export const SG3_DEVICE_CD = '/dev/sg-clusterprobe-cd';
export const SG3_DEVICE_MISSING = '/dev/sg-clusterprobe-missing';
export const KEY_A = 0x434c50530000a001n; // "CLPS"...
export const KEY_B = 0x434c50530000b002n;
export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/sg3/', import.meta.url));

export interface Sg3Invocation {
  tool: string;
  args: string[];
  code: number | null;
  /** stdout when it is printable text; otherwise stdoutBase64. */
  stdout?: string;
  stdoutBase64?: string;
  stderr: string;
}

export interface Sg3Fixture {
  scenario: string;
  description: string;
  recordedWith: Record<string, string>;
  invocations: Sg3Invocation[];
}

export function toInvocation(tool: string, args: readonly string[], r: SgRunResult): Sg3Invocation {
  const printable = /^[\t\n\r\x20-\x7e]*$/.test(r.stdout.toString('latin1'));
  return {
    tool,
    args: [...args],
    code: r.code,
    ...(printable ? { stdout: r.stdout.toString('latin1') } : { stdoutBase64: r.stdout.toString('base64') }),
    stderr: r.stderr,
  };
}

export function fromInvocation(i: Sg3Invocation): SgRunResult {
  return {
    code: i.code,
    stdout:
      i.stdoutBase64 !== undefined ? Buffer.from(i.stdoutBase64, 'base64') : Buffer.from(i.stdout ?? '', 'latin1'),
    stderr: i.stderr,
  };
}

/** Wraps a runner and appends every invocation to `log`. */
export function recordingRunner(inner: SgRunner, log: Sg3Invocation[]): SgRunner {
  return async (file, args, opts) => {
    const r = await inner(file, args, opts);
    log.push(toInvocation(file, args, r));
    return r;
  };
}

/** Serves recorded invocations in order; throws if the transport asks for anything else. */
export function replayRunner(invocations: readonly Sg3Invocation[]): SgRunner & { remaining(): number } {
  let next = 0;
  const serve = async (file: string, args: readonly string[]): Promise<SgRunResult> => {
    const want = invocations[next];
    const got = JSON.stringify([file, ...args]);
    if (want === undefined) throw new Error(`replay: unexpected extra invocation ${got}`);
    if (JSON.stringify([want.tool, ...want.args]) !== got)
      throw new Error(
        `replay: invocation ${next} is ${got}, the recording has ${JSON.stringify([want.tool, ...want.args])}`,
      );
    next++;
    return fromInvocation(want);
  };
  return Object.assign(serve, { remaining: () => invocations.length - next });
}

export type MakeDevice = (device: string) => ScsiDevice;

// ---------------------------------------------------------------------------------------------
// Scenarios

export interface IdentifyResult {
  inquiry: StandardInquiry;
  vpdPages: SupportedVpdPages;
  serial: UnitSerialNumber;
  identification: DeviceIdentification;
  capacity: ReadCapacity;
  capacity16: ReadCapacity16;
  luns: ReportLuns;
}

/** TEST UNIT READY, INQUIRY, VPD 0x00/0x80/0x83, READ CAPACITY(10) and (16), REPORT LUNS on device A. */
export async function identifyScenario(make: MakeDevice): Promise<IdentifyResult> {
  const a = make(SG3_DEVICE_A);
  await a.testUnitReady();
  const inquiry = await a.inquiry();
  const vpdPages = await a.vpdPages();
  const serial = await a.unitSerial();
  const identification = await a.deviceIdentification();
  const capacity = await a.readCapacity();
  const capacity16 = decodeReadCapacity16((await a.execute(buildReadCapacity16Cdb(32), { dataInLength: 32 })).data);
  const luns = await a.reportLuns();
  return { inquiry, vpdPages, serial, identification, capacity, capacity16, luns };
}

export interface PrSequenceResult {
  keysBefore: PrReadKeys;
  keysRegistered: PrReadKeys;
  capabilities: PrReportCapabilities;
  reservationSeenByB: PrReadReservation;
  conflict: unknown;
  keysAfterPreempt: PrReadKeys;
  unitAttentionsOfA: ScsiDevice['unitAttentions'];
  reservationAfterPreempt: PrReadReservation;
  fullStatus: unknown;
  keysAfter: PrReadKeys;
}

/**
 * Two paths (two I_T nexuses) to one disk, as two cluster nodes see it: register A and B, A
 * reserves type 5, B reads the reservation, B's RESERVE conflicts, B preempts A (A meets UNIT
 * ATTENTION 2A/03 next), B releases, both unregister. `checkpoint` runs between the steps.
 */
export async function prSequenceScenario(
  make: MakeDevice,
  checkpoint: (step: string) => Promise<void> = async () => {},
): Promise<PrSequenceResult> {
  const a = make(SG3_DEVICE_A);
  const b = make(SG3_DEVICE_B);
  const type = PR_TYPE.WERO;
  const keysBefore = await a.prReadKeys();
  await a.register({ key: 0n, saKey: KEY_A });
  await b.register({ key: 0n, saKey: KEY_B });
  const keysRegistered = await a.prReadKeys();
  await checkpoint('registered');
  const capabilities = await a.prReportCapabilities();
  await a.reserve({ key: KEY_A, type });
  const reservationSeenByB = await b.prReadReservation();
  const conflict = await b.reserve({ key: KEY_B, type }).then(
    () => undefined,
    (e: unknown) => e,
  );
  await b.preempt({ key: KEY_B, saKey: KEY_A, type });
  const keysAfterPreempt = await a.prReadKeys();
  await checkpoint('preempted');
  const reservationAfterPreempt = await a.prReadReservation();
  const fullStatus = await a.prReadFullStatus().then(
    (r) => r as unknown,
    (e: unknown) => e,
  );
  await b.release({ key: KEY_B, type });
  await b.register({ key: KEY_B, saKey: 0n });
  // A was preempted, so it holds no registration: REGISTER AND IGNORE EXISTING KEY 0 is a no-op.
  await a.registerAndIgnore({ saKey: 0n });
  const keysAfter = await a.prReadKeys();
  await checkpoint('unregistered');
  return {
    keysBefore,
    keysRegistered,
    capabilities,
    reservationSeenByB,
    conflict,
    keysAfterPreempt,
    unitAttentionsOfA: a.unitAttentions,
    reservationAfterPreempt,
    fullStatus,
    keysAfter,
  };
}

/** READ KEYS on a tgt CD-ROM LUN: PERSISTENT RESERVE IN is not implemented there. */
export async function notImplementedScenario(make: MakeDevice): Promise<unknown> {
  return make(SG3_DEVICE_CD)
    .prReadKeys()
    .then(
      () => undefined,
      (e: unknown) => e,
    );
}

/** A path that does not exist, and a character device that is not SCSI (/dev/null). */
export async function noDeviceScenario(make: MakeDevice): Promise<{ missing: unknown; notScsi: unknown }> {
  const missing = await make(SG3_DEVICE_MISSING)
    .prReadKeys()
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  const notScsi = await make('/dev/null')
    .prReadKeys()
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  return { missing, notScsi };
}

export function isConflict(e: unknown): boolean {
  return e instanceof ScsiStatusError && e.status === 0x18;
}

export function isCheck(e: unknown, senseKey: number, asc: number, ascq: number): boolean {
  return e instanceof ScsiCheckCondition && e.senseKey === senseKey && e.asc === asc && e.ascq === ascq;
}

// ---------------------------------------------------------------------------------------------
// Recording

function version(cmd: string, args: string[]): string {
  try {
    return (
      execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
        .trim()
        .split('\n')[0] ?? ''
    );
  } catch (e) {
    return (
      String((e as { stderr?: string }).stderr ?? '')
        .trim()
        .split('\n')[0] ?? 'unknown'
    );
  }
}

function dpkgVersion(pkg: string): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const { startTgt, iscsiUrl } = await import('./tgt.ts');
  const { startSgBridge } = await import('./sgshim.ts');
  const outIndex = process.argv.indexOf('--out');
  const out = outIndex > 0 ? process.argv[outIndex + 1]! : FIXTURE_DIR;
  const recordedWith = {
    sg3_utils: `${dpkgVersion('sg3-utils')} (${version('sg_persist', ['-V'])})`,
    tgt: dpkgVersion('tgt'),
    libiscsi: dpkgVersion('libiscsi7'),
    via: 'test/lab/sgshim.ts: sgshim.so (LD_PRELOAD) + sgbridge (libiscsi) to tgt on 127.0.0.1',
  };
  const lab = await startTgt();
  const target = 'iqn.2026-11.test.clusterprobe:sg3';
  const tid = await lab.addTarget(target);
  await lab.addLun(tid, 1, { sizeMiB: 16 });
  await lab.bindAll(tid);
  const cdTid = await lab.addTarget(`${target}-cd`);
  await lab.addLun(cdTid, 1, { sizeMiB: 8, deviceType: 'cd' });
  await lab.bindAll(cdTid);
  const bridge = await startSgBridge({
    maps: [
      {
        device: SG3_DEVICE_A,
        url: iscsiUrl(lab.portal, target, 1),
        initiator: 'iqn.2026-11.test.clusterprobe:sg3-node-a',
      },
      {
        device: SG3_DEVICE_B,
        url: iscsiUrl(lab.portal, target, 1),
        initiator: 'iqn.2026-11.test.clusterprobe:sg3-node-b',
      },
      {
        device: SG3_DEVICE_CD,
        url: iscsiUrl(lab.portal, `${target}-cd`, 1),
        initiator: 'iqn.2026-11.test.clusterprobe:sg3-node-a',
      },
    ],
  });
  const scratch = await mkdtemp(join(tmpdir(), 'clusterprobe-sg3-'));
  try {
    await mkdir(out, { recursive: true });
    const record = async (
      scenario: string,
      description: string,
      body: (make: MakeDevice) => Promise<unknown>,
      inner: SgRunner = execFileRunner,
    ): Promise<void> => {
      const invocations: Sg3Invocation[] = [];
      const run = recordingRunner(inner, invocations);
      await body((device) => new ScsiDevice(new SgTransport({ device, run, env: bridge.env }), 0));
      const fixture: Sg3Fixture = { scenario, description, recordedWith, invocations };
      await writeFile(join(out, `${scenario}.json`), `${JSON.stringify(fixture, null, 2)}\n`);
      console.log(
        `${scenario}: ${invocations.length} invocation(s), exit statuses ${invocations.map((i) => i.code).join(' ')}`,
      );
    };
    await record(
      'identify',
      'TEST UNIT READY, INQUIRY, VPD 0x00/0x80/0x83, READ CAPACITY(10)/(16) on a tgt disk LUN (REPORT LUNS runs nothing)',
      identifyScenario,
    );
    await record(
      'pr-sequence',
      'Two paths (initiators node-a, node-b) to one tgt disk LUN: register, reserve type 5, conflict, preempt (unit attention 2A/03 to A), READ FULL STATUS (tgt: 05/24/00), release, unregister',
      prSequenceScenario,
    );
    await record(
      'pr-not-implemented',
      'READ KEYS on a tgt CD-ROM LUN: CHECK CONDITION 05/20/00, sg_persist exit 9',
      notImplementedScenario,
    );
    await record(
      'no-device',
      'A device path that does not exist (exit 52 = 50 + ENOENT) and /dev/null, which refuses SG_IO (exit 75 = 50 + ENOTTY)',
      noDeviceScenario,
    );
    // Permission denied: a root-only node opened by an unprivileged user. argv is recorded as the
    // transport built it; the tool itself ran under `setpriv --reuid=65534`.
    const secret = join(scratch, 'root-only-node');
    await writeFile(secret, '');
    await chmod(secret, 0o600);
    await chmod(scratch, 0o755);
    const asNobody: SgRunner = (file, args, opts) =>
      execFileRunner('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', file, ...args], opts);
    await record(
      'permission-denied',
      'A device node only root may open, opened by uid 65534: exit 63 = 50 + EACCES (the tool ran under setpriv --reuid=65534; argv is the one the transport built)',
      async (make) =>
        make(secret)
          .prReadKeys()
          .then(
            () => undefined,
            (e: unknown) => e,
          ),
      asNobody,
    );
  } finally {
    await bridge.stop();
    await lab.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
