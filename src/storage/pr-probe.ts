/**
 * The SCSI-3 persistent reservation probe: on each candidate disk, as two node identities in
 * their own sessions, the sequence a failover cluster relies on. Local devices (storage.devices)
 * run the same sequence through sg3_utils, the two identities being two paths (initiators) to one
 * disk; with one path only, the steps one initiator can take. Safety rules (issue 4):
 * - READ KEYS first; a disk holding any registration that is not this run's is left alone
 *   (`inUse`) unless storage.allowInUse, and even then foreign keys are never preempted or cleared;
 * - keys are recognisably clusterprobe's: "CPR" + 4 run bytes + a node byte;
 * - cleanup (unregister both identities, reconnecting with the same ISID if the session died)
 *   runs on every exit path, is registered before the first key, and is verified by READ KEYS;
 * - no data block is read or written, and SCSI-2 RESERVE(6) is never sent: where PR is missing,
 *   REPORT SUPPORTED OPERATION CODES tells whether RESERVE(6) would work (another host's I/O
 *   would fail with RESERVATION CONFLICT while we held it).
 */
import { randomBytes } from 'node:crypto';
import { IscsiSession, randomIsid } from '../iscsi/session.ts';
import { ScsiDevice } from '../scsi/device.ts';
import { ScsiCheckCondition, ScsiStatusError } from '../scsi/errors.ts';
import { OPCODE } from '../scsi/cdb.ts';
import { PR_TYPE, type PrReadReservation } from '../scsi/pr.ts';
import type { ChapCredentials } from '../iscsi/login.ts';
import type { ProbeContext } from '../engine/contract.ts';
import type { FactProbe } from '../facts/index.ts';
import { isPrCandidate } from './probe.ts';
import type { LoginFact, NodeIdentity, TargetFact } from '../facts/storage.ts';
import {
  PR_NOT_SENT_INTERRUPTED,
  type PrDiskFact,
  type PrOutcome,
  type PrSequenceStepId,
  type PrStep,
  type PrStepId,
  type Scsi2Support,
} from '../facts/pr.ts';
import { mapLimited } from '../limit.ts';
import { isClusterprobeKey, keyHex, makeKey, removeOurKeys } from './keys.ts';
import { localDevice, localDisks, type LocalDisk } from './local.ts';

const TYPE = PR_TYPE.WERO;
const TIMEOUTS = { connectMs: 5000, loginMs: 10_000, commandMs: 10_000, logoutMs: 3000 };
/** Targets probed at once, and disks at once within a target (sharing its two sessions). */
const TARGET_CONCURRENCY = 4;
const LUN_CONCURRENCY = 4;

/** The evidence of a step whose command threw: with the sense data, when the target sent some. */
function withSense(step: PrStep, err: unknown): PrStep {
  if (!(err instanceof ScsiCheckCondition)) return step;
  return {
    ...step,
    sense: { senseKey: err.senseKey, asc: err.asc, ascq: err.ascq, name: err.ascName ?? err.senseKeyName },
  };
}

function describeError(err: unknown): string {
  if (err instanceof ScsiStatusError) return err.statusName;
  if (err instanceof ScsiCheckCondition)
    return `CHECK CONDITION ${err.senseKeyName ?? ''} ${err.asc?.toString(16).padStart(2, '0')}/${err.ascq?.toString(16).padStart(2, '0')} ${err.ascName ?? ''}`.trim();
  return err instanceof Error ? err.message : String(err);
}

function notImplemented(err: unknown): boolean {
  return err instanceof ScsiCheckCondition && err.senseKey === 5 && err.asc === 0x20 && err.ascq === 0x00;
}

/** One initiator's way to the disk: an iSCSI session of a node identity, or a local device node. */
interface Side {
  readonly label: 'A' | 'B';
  /** The initiator name or the device node, for the evidence. */
  readonly name: string;
  device(lun: number, signal: AbortSignal): Promise<ScsiDevice>;
  /** After a failed command: forget a dead connection so the next device() reconnects. */
  recover(): void;
  close(): Promise<void>;
}

/**
 * A node identity's session to one target, shared by the disks probed at once (single-flight
 * login), reopened with the same ISID when it died: registrations belong to that I_T nexus.
 */
function iscsiSide(
  label: 'A' | 'B',
  identity: NodeIdentity,
  portal: string,
  target: string,
  chap: ChapCredentials | undefined,
): Side {
  const isid = randomIsid(label === 'A' ? 1 : 2);
  let session: IscsiSession | undefined;
  let opening: Promise<IscsiSession> | undefined;
  const open = (signal: AbortSignal): Promise<IscsiSession> => {
    if (session && !session.closed) return Promise.resolve(session);
    opening ??= IscsiSession.open({
      portal,
      initiatorName: identity.initiator,
      targetName: target,
      isid,
      ...(chap ? { chap } : {}),
      timeouts: TIMEOUTS,
      signal,
    }).then(
      (s) => {
        session = s;
        opening = undefined;
        return s;
      },
      (err: unknown) => {
        opening = undefined;
        throw err;
      },
    );
    return opening;
  };
  return {
    label,
    name: identity.initiator,
    device: async (lun, signal) => new ScsiDevice(await open(signal), lun),
    recover: () => {
      if (session?.closed) session = undefined;
    },
    close: async () => {
      await session?.logout();
    },
  };
}

/** A local device node: every command is an sg3_utils process on this host's I_T nexus. */
function localSide(label: 'A' | 'B', path: string): Side {
  const device = localDevice(path);
  return {
    label,
    name: path,
    device: () => Promise.resolve(device),
    recover: () => undefined,
    close: () => Promise.resolve(),
  };
}

interface DiskWhere {
  readonly portal: string;
  readonly target: string;
  readonly lun: number;
  readonly vendor: string | null;
  readonly product: string | null;
  readonly devices?: string[];
}

/** The side's device could not be reached at all (login or open failed), as opposed to a command failing. */
class NoPath extends Error {
  override readonly cause: unknown;
  constructor(cause: unknown) {
    super(describeError(cause));
    this.cause = cause;
  }
}

class StepFailed extends Error {
  readonly step: PrSequenceStepId;
  override readonly cause: unknown;
  /** The step was not sent: the run was cancelled. */
  readonly interrupted: boolean;
  constructor(step: PrSequenceStepId, message: string, cause?: unknown, interrupted = false) {
    super(message);
    this.step = step;
    this.cause = cause;
    this.interrupted = interrupted;
  }
}

const PRIN = 'PERSISTENT RESERVE IN';
const PROUT = 'PERSISTENT RESERVE OUT';

/**
 * Runs the sequence on one disk; with `b` undefined (one path to a local disk) the steps one
 * initiator can take: register, reserve, read the reservation, release, unregister. Never throws:
 * every outcome is a fact.
 */
async function probeDisk(
  ctx: ProbeContext,
  where: DiskWhere,
  a: Side,
  b: Side | undefined,
  run: number,
  allowInUse: boolean,
  stop: AbortSignal,
): Promise<PrDiskFact> {
  const steps: PrStep[] = [];
  const KA = makeKey(run, 1);
  const KB = makeKey(run, 2);
  const base = { ...where, identities: { A: a.name, ...(b ? { B: b.name } : {}) } };
  const label = where.devices ? where.devices.join(' + ') : `${where.target} LUN ${where.lun}`;
  const device = async (side: Side): Promise<ScsiDevice> => {
    try {
      return await side.device(where.lun, ctx.signal);
    } catch (err) {
      throw new NoPath(err);
    }
  };

  const step = async <T>(
    name: PrSequenceStepId,
    side: Side,
    command: string,
    expected: string,
    fn: (d: ScsiDevice) => Promise<T>,
    check?: (v: T) => string | undefined,
  ): Promise<T> => {
    if (ctx.signal.aborted || stop.aborted) {
      steps.push({
        step: name,
        by: side.label,
        command,
        ok: false,
        expected,
        got: PR_NOT_SENT_INTERRUPTED,
      });
      throw new StepFailed(name, 'the run was interrupted', undefined, true);
    }
    ctx.progress(`${label}: ${side.label} ${command.replace('PERSISTENT RESERVE ', 'PR ')}`);
    try {
      const value = await fn(await device(side));
      const problem = check?.(value);
      steps.push({
        step: name,
        by: side.label,
        command,
        ok: problem === undefined,
        expected,
        got: problem ?? 'as expected',
      });
      if (problem !== undefined) throw new StepFailed(name, problem);
      return value;
    } catch (err) {
      if (err instanceof StepFailed) throw err;
      steps.push(withSense({ step: name, by: side.label, command, ok: false, expected, got: describeError(err) }, err));
      throw new StepFailed(name, describeError(err), err);
    }
  };

  /** An optional command: recorded as evidence, never a failure. */
  const optional = async <T>(
    name: PrStepId,
    command: string,
    expected: string,
    fn: (d: ScsiDevice) => Promise<T>,
  ): Promise<T | undefined> => {
    try {
      const value = await fn(await device(a));
      steps.push({ step: name, by: 'A', command, ok: true, expected, got: 'supported: recorded' });
      return value;
    } catch (err) {
      steps.push(
        withSense(
          { step: name, by: 'A', command, ok: true, expected, got: `not supported: ${describeError(err)}` },
          err,
        ),
      );
      return undefined;
    }
  };

  // 1. Whose keys are there already?
  let keysBefore: PrDiskFact['keysBefore'];
  try {
    const keys = await step('readKeysBefore', a, `${PRIN} / READ KEYS`, 'a key list', (d) => d.prReadKeys());
    keysBefore = keys.keys.map((k) => ({ key: keyHex(k), ours: isClusterprobeKey(k) }));
  } catch (err) {
    const cause = err instanceof StepFailed ? err.cause : err;
    const interrupted = err instanceof StepFailed && err.interrupted;
    if (notImplemented(cause))
      return {
        ...base,
        outcome: 'notImplemented',
        failedStep: 'readKeysBefore',
        interrupted,
        steps,
        keysBefore: [],
        keysLeft: [],
        scsi2: await scsi2Support(a, where.lun, steps),
      };
    return {
      ...base,
      outcome: cause instanceof NoPath ? 'sessionFailed' : 'stepFailed',
      failedStep: 'readKeysBefore',
      interrupted,
      steps,
      keysBefore: [],
      keysLeft: [],
      message: describeError(cause instanceof NoPath ? cause.cause : cause),
    };
  }
  if (keysBefore.length > 0 && !allowInUse) return { ...base, outcome: 'inUse', steps, keysBefore, keysLeft: [] };

  // Optional in SPC-3: recorded, never a failure. TMV=0 only means the type mask is not reported.
  const caps = await optional(
    'reportCapabilities',
    `${PRIN} / REPORT CAPABILITIES`,
    'capabilities, or not supported (optional)',
    (d) => d.prReportCapabilities(),
  );
  const capabilities = caps
    ? (JSON.parse(JSON.stringify(caps, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<
        string,
        unknown
      >)
    : undefined;

  let failedStep: PrSequenceStepId | undefined;
  let interrupted = false;
  let message: string | undefined;
  let outcome: PrOutcome = b ? 'supported' : 'singlePath';
  let readFullStatus: PrDiskFact['readFullStatus'];

  /** READ RESERVATION after A's RESERVE, by either side: A holds it, type 5. */
  const readReservationHeldByA = (name: 'readReservationA' | 'readReservationB', side: Side) =>
    step(
      name,
      side,
      `${PRIN} / READ RESERVATION`,
      `holder ${keyHex(KA)}, type 5`,
      (d) => d.prReadReservation(),
      (r: PrReadReservation) =>
        r.present && r.reservationKey === KA && r.type === TYPE
          ? undefined
          : `holder ${r.present ? keyHex(r.reservationKey ?? 0n) : 'none'}, type ${r.type ?? '-'}`,
    );
  const release = (name: 'releaseA' | 'releaseB', side: Side, key: bigint) =>
    step(name, side, `${PROUT} / RELEASE type 5`, 'GOOD', (d) => d.release({ key, type: TYPE }));
  const unregister = (name: 'unregisterA' | 'unregisterB', side: Side) =>
    step(name, side, `${PROUT} / REGISTER AND IGNORE EXISTING KEY, key 0 (unregister)`, 'GOOD', (d) =>
      d.registerAndIgnore({ saKey: 0n }),
    );

  try {
    await step('registerA', a, `${PROUT} / REGISTER AND IGNORE EXISTING KEY`, `GOOD, A registers ${keyHex(KA)}`, (d) =>
      d.registerAndIgnore({ saKey: KA }),
    );
    if (b)
      await step(
        'registerB',
        b,
        `${PROUT} / REGISTER AND IGNORE EXISTING KEY`,
        `GOOD, B registers ${keyHex(KB)}`,
        (d) => d.registerAndIgnore({ saKey: KB }),
      );
    // With registrations in place READ FULL STATUS has something to show; optional in SPC-3.
    readFullStatus = (await optional(
      'readFullStatus',
      `${PRIN} / READ FULL STATUS`,
      'each registration with its initiator, or not supported (optional, informational)',
      (d) => d.prReadFullStatus(),
    ))
      ? 'supported'
      : 'notSupported';
    await step(
      'reserveA',
      a,
      `${PROUT} / RESERVE type 5 (Write Exclusive, Registrants Only)`,
      'GOOD, A holds the reservation',
      (d) => d.reserve({ key: KA, type: TYPE }),
    );
    if (b) {
      await readReservationHeldByA('readReservationB', b);
      await step('preemptB', b, `${PROUT} / PREEMPT type 5 (B takes over from A)`, 'GOOD', (d) =>
        d.preempt({ key: KB, saKey: KA, type: TYPE }),
      );
      await step(
        'readKeysAfterPreempt',
        b,
        `${PRIN} / READ KEYS`,
        `${keyHex(KB)} registered, ${keyHex(KA)} gone`,
        (d) => d.prReadKeys(),
        (r) =>
          r.keys.includes(KB) && !r.keys.includes(KA) ? undefined : `keys ${r.keys.map(keyHex).join(', ') || 'none'}`,
      );
      await step(
        'readReservationAfterPreempt',
        b,
        `${PRIN} / READ RESERVATION`,
        `holder ${keyHex(KB)}`,
        (d) => d.prReadReservation(),
        (r) =>
          r.present && r.reservationKey === KB
            ? undefined
            : `holder ${r.present ? keyHex(r.reservationKey ?? 0n) : 'none'}`,
      );
      await release('releaseB', b, KB);
      await unregister('unregisterB', b);
    } else {
      await readReservationHeldByA('readReservationA', a);
      await release('releaseA', a, KA);
    }
    await unregister('unregisterA', a);
  } catch (err) {
    const failed = err as StepFailed;
    failedStep = failed.step;
    interrupted = failed.interrupted;
    message = failed.message;
    outcome = notImplemented(failed.cause) ? 'notImplemented' : 'stepFailed';
  }
  // Cleanup is unconditional and verified.
  const keysLeft = await cleanupDisk(where.lun, a, b, b ? [KA, KB] : [KA]);
  steps.push({
    step: 'readKeysFinal',
    by: 'A',
    command: `${PRIN} / READ KEYS`,
    ok: keysLeft.length === 0,
    expected: 'none of our keys',
    got: keysLeft.length ? `left: ${keysLeft.join(', ')}` : 'none of ours',
  });
  if ((outcome === 'supported' || outcome === 'singlePath') && keysLeft.length > 0) outcome = 'keysLeft';
  const scsi2 = outcome === 'notImplemented' ? await scsi2Support(a, where.lun, steps) : undefined;
  return {
    ...base,
    outcome,
    ...(failedStep ? { failedStep, interrupted } : {}),
    ...(message ? { message } : {}),
    steps,
    keysBefore,
    keysLeft,
    ...(capabilities ? { capabilities } : {}),
    ...(readFullStatus ? { readFullStatus } : {}),
    ...(scsi2 ? { scsi2 } : {}),
  };
}

/**
 * Whether SCSI-2 RESERVE(6) would work where SCSI-3 PR does not, asked through REPORT SUPPORTED
 * OPERATION CODES; RESERVE(6) itself is never sent. Recorded as a step; 'unknown' when the
 * device cannot say.
 */
async function scsi2Support(a: Side, lun: number, steps: PrStep[]): Promise<Scsi2Support> {
  const command = 'REPORT SUPPORTED OPERATION CODES (RESERVE(6))';
  const expected = 'informational: whether only SCSI-2 reservations work (RESERVE(6) itself is never sent)';
  try {
    const support = await (
      await a.device(lun, AbortSignal.timeout(TIMEOUTS.commandMs))
    ).operationCodeSupport(OPCODE.RESERVE_6, undefined, { signal: AbortSignal.timeout(TIMEOUTS.commandMs) });
    steps.push({
      step: 'scsi2Reserve',
      by: 'A',
      command,
      ok: true,
      expected,
      got: `RESERVE(6) ${support.supportName}`,
    });
    return support.supported ? 'supported' : support.support === 0b001 ? 'notSupported' : 'unknown';
  } catch (err) {
    steps.push(
      withSense(
        { step: 'scsi2Reserve', by: 'A', command, ok: true, expected, got: `cannot tell: ${describeError(err)}` },
        err,
      ),
    );
    return 'unknown';
  }
}

/**
 * Unregisters every side (which also drops a reservation it holds), reconnecting a dead iSCSI
 * session with the same initiator name and ISID: registrations belong to that I_T nexus.
 * Returns our keys still registered afterwards.
 */
async function cleanupDisk(lun: number, a: Side, b: Side | undefined, ours: readonly bigint[]): Promise<string[]> {
  const signal = AbortSignal.timeout(30_000); // cleanup must run even when the run was cancelled
  for (const side of b ? [b, a] : [a]) {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        await (await side.device(lun, signal)).registerAndIgnore({ saKey: 0n }, { signal });
        break;
      } catch {
        // A dead session is replaced by the next device() (same ISID); a live one is shared
        // with the other LUNs in flight and is kept.
        side.recover();
      }
    }
  }
  try {
    const device = await a.device(lun, signal);
    const keys = await device.prReadKeys({ signal });
    const left = keys.keys.filter((k) => ours.includes(k));
    if (left.length === 0) return [];
    // tgt orphans a registration whose session ended: the same I_T nexus no longer owns it.
    // Preempt the leftovers from a temporary key of ours instead (never CLEAR).
    const still = await removeOurKeys(device, left, makeKey(Number((ours[0]! >> 8n) & 0xffffffffn), 0xfe), signal);
    return still.map(keyHex);
  } catch {
    return ours.map(keyHex); // could not verify: report them as possibly left
  }
}

/**
 * Probes disks reached through the same sides, a few at a time. On Ctrl-C or a timeout the engine
 * stops waiting for the probe and runs cleanups before exiting: the handler registered here waits
 * for the disks in progress, whose own cleanup removes our keys. The check may also time out
 * while the probe goes on: the handler then stops further disks and steps before it waits.
 */
async function probeDisks(
  ctx: ProbeContext,
  label: string,
  disks: readonly DiskWhere[],
  a: Side,
  b: Side | undefined,
  run: number,
  allowInUse: boolean,
): Promise<PrDiskFact[]> {
  const inflight = new Set<Promise<PrDiskFact>>();
  const stop = new AbortController();
  const close = () => Promise.allSettled([a.close(), b?.close()]);
  ctx.onCleanup(`PR keys on ${label}`, async () => {
    stop.abort();
    await Promise.allSettled([...inflight]);
    await close();
  });
  try {
    const results = await mapLimited(disks, LUN_CONCURRENCY, async (where) => {
      if (ctx.signal.aborted || stop.signal.aborted) return undefined;
      const current = probeDisk(ctx, where, a, b, run, allowInUse, stop.signal);
      inflight.add(current);
      try {
        return await current;
      } finally {
        inflight.delete(current);
      }
    });
    return results.filter((d): d is PrDiskFact => d !== undefined);
  } finally {
    await close();
  }
}

/** The candidate disks of one target, over one session per node identity (the first two that log in). */
function probeTarget(
  ctx: ProbeContext,
  portal: string,
  target: TargetFact,
  chap: ChapCredentials | undefined,
  run: number,
  allowInUse: boolean,
): Promise<PrDiskFact[]> {
  const ok = target.logins.filter((l) => l.status === 'ok');
  const reader = ok.find((l) => l.luns);
  const candidates = (reader?.luns ?? []).filter((l) => isPrCandidate(l, target));
  if (candidates.length === 0) return Promise.resolve([]);
  if (ok.length < 2) {
    return Promise.resolve(
      candidates.map((lun) => ({
        portal,
        target: target.name,
        lun: lun.lun,
        vendor: lun.vendor,
        product: lun.product,
        outcome: 'noSecondNode',
        steps: [],
        keysBefore: [],
        keysLeft: [],
        identities: { A: ok[0]?.initiator ?? '-' },
      })),
    );
  }
  const identity = (l: LoginFact): NodeIdentity => ({ node: l.node, initiator: l.initiator, derived: l.derived });
  const a = iscsiSide('A', identity(ok[0]!), portal, target.name, chap);
  const b = iscsiSide('B', identity(ok[1]!), portal, target.name, chap);
  const disks = candidates.map((lun) => ({
    portal,
    target: target.name,
    lun: lun.lun,
    vendor: lun.vendor,
    product: lun.product,
  }));
  return probeDisks(ctx, target.name, disks, a, b, run, allowInUse);
}

/** A local disk (storage.devices): its first two paths are A and B; one path runs the one-initiator steps. */
function probeLocalDisk(ctx: ProbeContext, disk: LocalDisk, run: number, allowInUse: boolean): Promise<PrDiskFact[]> {
  const paths = disk.paths.slice(0, 2);
  const a = localSide('A', paths[0]!);
  const b = paths[1] !== undefined ? localSide('B', paths[1]) : undefined;
  const where = {
    portal: 'local',
    target: paths[0]!,
    lun: 0,
    vendor: disk.lun.vendor,
    product: disk.lun.product,
    devices: paths,
  };
  return probeDisks(ctx, paths.join(' + '), [where], a, b, run, allowInUse);
}

/**
 * The code of the `storage.pr` probe. src/probes.ts declares the probe (fact, description) and
 * imports this module when the probe first collects.
 */
export const prProbe: Pick<FactProbe<'storage.pr'>, 'collect'> = {
  async collect(ctx) {
    const inventory = await ctx.fact('storage.inventory');
    const run = randomBytes(4).readUInt32BE(0);
    const allowInUse = ctx.spec.storage?.allowInUse ?? false;
    const jobs: { portal: string; target: TargetFact; chap: ChapCredentials | undefined }[] = [];
    for (const [index, portal] of inventory.portals.entries()) {
      if (portal.reach.status !== 'ok' || portal.secretError) continue;
      const chapConfig = ctx.spec.storage?.iscsi[index]?.chap;
      const chap = chapConfig
        ? {
            user: chapConfig.user,
            secret: Buffer.from(
              (await ctx.secrets.resolve(chapConfig.secret, `storage.iscsi[${index}].chap.secret`)).reveal(),
            ),
          }
        : undefined;
      for (const target of portal.targets) jobs.push({ portal: portal.portal, target, chap });
    }
    const [perTarget, perLocal] = await Promise.all([
      mapLimited(jobs, TARGET_CONCURRENCY, (job) =>
        probeTarget(ctx, job.portal, job.target, job.chap, run, allowInUse),
      ),
      mapLimited(localDisks(inventory.devices ?? []), TARGET_CONCURRENCY, (disk) =>
        probeLocalDisk(ctx, disk, run, allowInUse),
      ),
    ]);
    return { run: run.toString(16).padStart(8, '0'), disks: [...perTarget.flat(), ...perLocal.flat()] };
  },
};
