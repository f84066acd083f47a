/**
 * The SCSI-3 persistent reservation probe: on each candidate disk, as two node identities in
 * their own sessions, the sequence a failover cluster relies on. Safety rules (issue 4):
 * - READ KEYS first; a disk holding any registration that is not this run's is left alone
 *   (`inUse`) unless storage.allowInUse, and even then foreign keys are never preempted or cleared;
 * - keys are recognisably clusterprobe's: "CPR" + 4 run bytes + a node byte;
 * - cleanup (unregister both identities, reconnecting with the same ISID if the session died)
 *   runs on every exit path, is registered before the first key, and is verified by READ KEYS;
 * - no data block is read or written.
 */
import { randomBytes } from 'node:crypto';
import { IscsiSession, randomIsid } from '../iscsi/session.ts';
import { ScsiDevice } from '../scsi/device.ts';
import { ScsiCheckCondition, ScsiStatusError } from '../scsi/errors.ts';
import { PR_TYPE } from '../scsi/pr.ts';
import type { ChapCredentials } from '../iscsi/login.ts';
import type { Probe, ProbeContext } from '../engine/contract.ts';
import type { LoginFact, NodeIdentity, StorageFacts, TargetFact } from './probe.ts';
import { mapLimited } from '../limit.ts';
import { isClusterprobeKey, keyHex, makeKey, removeOurKeys } from './keys.ts';

export interface PrStep {
  readonly step: string;
  /** The identity that sent it: A or B. */
  readonly by: 'A' | 'B';
  readonly command: string;
  readonly ok: boolean;
  readonly expected: string;
  readonly got: string;
  readonly sense?: { readonly senseKey?: number; readonly asc?: number; readonly ascq?: number; readonly name?: string };
}

export type PrOutcome = 'supported' | 'inUse' | 'notImplemented' | 'stepFailed' | 'keysLeft' | 'noSecondNode' | 'sessionFailed';

export interface PrDiskFact {
  readonly portal: string;
  readonly target: string;
  readonly lun: number;
  readonly vendor: string | null;
  readonly product: string | null;
  readonly outcome: PrOutcome;
  /** The step that failed first, for stepFailed. */
  readonly failedStep?: string;
  readonly steps: PrStep[];
  /** Keys found before the sequence (hex), and whether each is ours. */
  readonly keysBefore: { readonly key: string; readonly ours: boolean }[];
  /** Our keys still registered after cleanup (hex): must be empty. */
  readonly keysLeft: string[];
  readonly capabilities?: Record<string, unknown>;
  readonly identities: { readonly A: string; readonly B?: string };
  readonly message?: string;
}

export interface PrFacts {
  readonly run: string;
  readonly disks: PrDiskFact[];
}

const TYPE = PR_TYPE.WERO;
const TIMEOUTS = { connectMs: 5000, loginMs: 10_000, commandMs: 10_000, logoutMs: 3000 };
/** Targets probed at once, and disks at once within a target (sharing its two sessions). */
const TARGET_CONCURRENCY = 4;
const LUN_CONCURRENCY = 4;

function senseOf(err: unknown): PrStep['sense'] | undefined {
  if (err instanceof ScsiCheckCondition) return { senseKey: err.senseKey, asc: err.asc, ascq: err.ascq, name: err.ascName ?? err.senseKeyName };
  return undefined;
}

function describeError(err: unknown): string {
  if (err instanceof ScsiStatusError) return err.statusName;
  if (err instanceof ScsiCheckCondition) return `CHECK CONDITION ${err.senseKeyName ?? ''} ${err.asc?.toString(16).padStart(2, '0')}/${err.ascq?.toString(16).padStart(2, '0')} ${err.ascName ?? ''}`.trim();
  return err instanceof Error ? err.message : String(err);
}

function notImplemented(err: unknown): boolean {
  return err instanceof ScsiCheckCondition && err.senseKey === 5 && err.asc === 0x20 && err.ascq === 0x00;
}

interface Side {
  readonly label: 'A' | 'B';
  readonly identity: NodeIdentity;
  readonly isid: Uint8Array;
  session: IscsiSession | undefined;
  /** The login in progress: LUNs probed at once share one session per identity. */
  opening: Promise<IscsiSession> | undefined;
}

function open(side: Side, portal: string, target: string, chap: ChapCredentials | undefined, signal: AbortSignal): Promise<IscsiSession> {
  if (side.session && !side.session.closed) return Promise.resolve(side.session);
  side.opening ??= IscsiSession.open({ portal, initiatorName: side.identity.initiator, targetName: target, isid: side.isid, ...(chap ? { chap } : {}), timeouts: TIMEOUTS, signal }).then(
    (session) => {
      side.session = session;
      side.opening = undefined;
      return session;
    },
    (err: unknown) => {
      side.opening = undefined;
      throw err;
    },
  );
  return side.opening;
}

/** Runs the sequence on one disk. Never throws: every outcome is a fact. */
async function probeDisk(
  ctx: ProbeContext,
  where: { portal: string; target: string; lun: number; vendor: string | null; product: string | null },
  a: Side,
  b: Side,
  run: number,
  chap: ChapCredentials | undefined,
  allowInUse: boolean,
  stop: AbortSignal,
): Promise<PrDiskFact> {
  const steps: PrStep[] = [];
  const KA = makeKey(run, 1);
  const KB = makeKey(run, 2);
  const base = { ...where, identities: { A: a.identity.initiator, B: b.identity.initiator } };
  const device = async (side: Side) => new ScsiDevice(await open(side, where.portal, where.target, chap, ctx.signal), where.lun);

  const step = async <T>(name: string, side: Side, command: string, expected: string, fn: (d: ScsiDevice) => Promise<T>, check?: (v: T) => string | undefined): Promise<T> => {
    if (ctx.signal.aborted || stop.aborted) {
      steps.push({ step: name, by: side.label, command, ok: false, expected, got: 'not sent: the run was interrupted' });
      throw new StepFailed(name, 'the run was interrupted');
    }
    ctx.progress(`${where.target} LUN ${where.lun}: ${side.label} ${command.replace('PERSISTENT RESERVE ', 'PR ')}`);
    try {
      const value = await fn(await device(side));
      const problem = check?.(value);
      steps.push({ step: name, by: side.label, command, ok: problem === undefined, expected, got: problem ?? 'as expected' });
      if (problem !== undefined) throw new StepFailed(name, problem);
      return value;
    } catch (err) {
      if (err instanceof StepFailed) throw err;
      const sense = senseOf(err);
      steps.push({ step: name, by: side.label, command, ok: false, expected, got: describeError(err), ...(sense ? { sense } : {}) });
      throw new StepFailed(name, describeError(err), err);
    }
  };

  // 1. Whose keys are there already?
  let keysBefore: PrDiskFact['keysBefore'];
  try {
    const keys = await step('readKeysBefore', a, 'PERSISTENT RESERVE IN / READ KEYS', 'a key list', (d) => d.prReadKeys());
    keysBefore = keys.keys.map((k) => ({ key: keyHex(k), ours: isClusterprobeKey(k) }));
  } catch (err) {
    const cause = err instanceof StepFailed ? err.cause : err;
    if (notImplemented(cause)) return { ...base, outcome: 'notImplemented', failedStep: 'readKeysBefore', steps, keysBefore: [], keysLeft: [] };
    return { ...base, outcome: a.session ? 'stepFailed' : 'sessionFailed', failedStep: 'readKeysBefore', steps, keysBefore: [], keysLeft: [], message: describeError(cause) };
  }
  if (keysBefore.length > 0 && !allowInUse) return { ...base, outcome: 'inUse', steps, keysBefore, keysLeft: [] };

  let capabilities: Record<string, unknown> | undefined;
  try {
    const caps = await (await device(a)).prReportCapabilities();
    capabilities = JSON.parse(JSON.stringify(caps, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<string, unknown>;
    steps.push({ step: 'reportCapabilities', by: 'A', command: 'PERSISTENT RESERVE IN / REPORT CAPABILITIES', ok: true, expected: 'capabilities (TMV=0 only means the type mask is not reported)', got: 'recorded' });
  } catch (err) {
    // Optional in SPC-3: recorded, never a failure.
    const sense = senseOf(err);
    steps.push({ step: 'reportCapabilities', by: 'A', command: 'PERSISTENT RESERVE IN / REPORT CAPABILITIES', ok: true, expected: 'capabilities, or not supported (optional)', got: `not supported: ${describeError(err)}`, ...(sense ? { sense } : {}) });
  }

  let failedStep: string | undefined;
  let message: string | undefined;
  let outcome: PrOutcome = 'supported';
  try {
    await step('registerA', a, 'PERSISTENT RESERVE OUT / REGISTER AND IGNORE EXISTING KEY', `GOOD, A registers ${keyHex(KA)}`, (d) => d.registerAndIgnore({ saKey: KA }));
    await step('registerB', b, 'PERSISTENT RESERVE OUT / REGISTER AND IGNORE EXISTING KEY', `GOOD, B registers ${keyHex(KB)}`, (d) => d.registerAndIgnore({ saKey: KB }));
    await step('reserveA', a, 'PERSISTENT RESERVE OUT / RESERVE type 5 (Write Exclusive, Registrants Only)', 'GOOD, A holds the reservation', (d) => d.reserve({ key: KA, type: TYPE }));
    await step('readReservationB', b, 'PERSISTENT RESERVE IN / READ RESERVATION', `holder ${keyHex(KA)}, type 5`, (d) => d.prReadReservation(), (r) => (r.present && r.reservationKey === KA && r.type === TYPE ? undefined : `holder ${r.present ? keyHex(r.reservationKey ?? 0n) : 'none'}, type ${r.type ?? '-'}`));
    await step('preemptB', b, 'PERSISTENT RESERVE OUT / PREEMPT type 5 (B takes over from A)', 'GOOD', (d) => d.preempt({ key: KB, saKey: KA, type: TYPE }));
    await step('readKeysAfterPreempt', b, 'PERSISTENT RESERVE IN / READ KEYS', `${keyHex(KB)} registered, ${keyHex(KA)} gone`, (d) => d.prReadKeys(), (r) => (r.keys.includes(KB) && !r.keys.includes(KA) ? undefined : `keys ${r.keys.map(keyHex).join(', ') || 'none'}`));
    await step('readReservationAfterPreempt', b, 'PERSISTENT RESERVE IN / READ RESERVATION', `holder ${keyHex(KB)}`, (d) => d.prReadReservation(), (r) => (r.present && r.reservationKey === KB ? undefined : `holder ${r.present ? keyHex(r.reservationKey ?? 0n) : 'none'}`));
    await step('releaseB', b, 'PERSISTENT RESERVE OUT / RELEASE type 5', 'GOOD', (d) => d.release({ key: KB, type: TYPE }));
    await step('unregisterB', b, 'PERSISTENT RESERVE OUT / REGISTER AND IGNORE EXISTING KEY, key 0 (unregister)', 'GOOD', (d) => d.registerAndIgnore({ saKey: 0n }));
    await step('unregisterA', a, 'PERSISTENT RESERVE OUT / REGISTER AND IGNORE EXISTING KEY, key 0 (unregister)', 'GOOD', (d) => d.registerAndIgnore({ saKey: 0n }));
  } catch (err) {
    const failed = err as StepFailed;
    failedStep = failed.step;
    message = failed.message;
    outcome = notImplemented(failed.cause) ? 'notImplemented' : 'stepFailed';
  }
  // Cleanup is unconditional and verified.
  const keysLeft = await cleanupDisk(where, a, b, chap, [KA, KB]);
  steps.push({ step: 'readKeysFinal', by: 'A', command: 'PERSISTENT RESERVE IN / READ KEYS', ok: keysLeft.length === 0, expected: 'none of our keys', got: keysLeft.length ? `left: ${keysLeft.join(', ')}` : 'none of ours' });
  if (outcome === 'supported' && keysLeft.length > 0) outcome = 'keysLeft';
  return { ...base, outcome, ...(failedStep ? { failedStep } : {}), ...(message ? { message } : {}), steps, keysBefore, keysLeft, ...(capabilities ? { capabilities } : {}) };
}

class StepFailed extends Error {
  readonly step: string;
  override readonly cause: unknown;
  constructor(step: string, message: string, cause?: unknown) {
    super(message);
    this.step = step;
    this.cause = cause;
  }
}

/**
 * Unregisters both identities (which also drops a reservation they hold), reconnecting with the
 * same initiator name and ISID when a session died: registrations belong to that I_T nexus.
 * Returns our keys still registered afterwards.
 */
async function cleanupDisk(where: { portal: string; target: string; lun: number }, a: Side, b: Side, chap: ChapCredentials | undefined, ours: readonly bigint[]): Promise<string[]> {
  const signal = AbortSignal.timeout(30_000); // cleanup must run even when the run was cancelled
  for (const side of [b, a]) {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const session = await open(side, where.portal, where.target, chap, signal);
        await new ScsiDevice(session, where.lun).registerAndIgnore({ saKey: 0n }, { signal });
        break;
      } catch {
        // A dead session is replaced by the next open (same ISID); a live one is shared with
        // the other LUNs in flight and is kept.
        if (side.session?.closed) side.session = undefined;
      }
    }
  }
  try {
    const session = await open(a, where.portal, where.target, chap, signal);
    const device = new ScsiDevice(session, where.lun);
    const keys = await device.prReadKeys({ signal });
    const left = keys.keys.filter((k) => ours.includes(k));
    if (left.length === 0) return [];
    // tgt orphans a registration whose session ended: the same I_T nexus no longer owns it.
    // Preempt the leftovers from a temporary key of ours instead (never CLEAR).
    const still = await removeOurKeys(device, left, makeKey(Number(ours[0]! >> 8n & 0xffffffffn), 0xfe), signal);
    return still.map(keyHex);
  } catch {
    return ours.map(keyHex); // could not verify: report them as possibly left
  }
}

/** The candidate disks of one target, a few at a time over one session per identity. */
async function probeTarget(ctx: ProbeContext, portal: string, target: TargetFact, chap: ChapCredentials | undefined, run: number, allowInUse: boolean): Promise<PrDiskFact[]> {
  const ok = target.logins.filter((l) => l.status === 'ok');
  const reader = ok.find((l) => l.luns);
  const candidates = (reader?.luns ?? []).filter((l) => l.deviceType === 0);
  if (candidates.length === 0) return [];
  if (ok.length < 2) {
    return candidates.map((lun) => ({ portal, target: target.name, lun: lun.lun, vendor: lun.vendor, product: lun.product, outcome: 'noSecondNode', steps: [], keysBefore: [], keysLeft: [], identities: { A: ok[0]?.initiator ?? '-' } }));
  }
  const identity = (l: LoginFact): NodeIdentity => ({ node: l.node, initiator: l.initiator, derived: l.derived });
  // One session per identity per target, reused for all its LUNs; one ISID per identity.
  const a: Side = { label: 'A', identity: identity(ok[0]!), isid: randomIsid(1), session: undefined, opening: undefined };
  const b: Side = { label: 'B', identity: identity(ok[1]!), isid: randomIsid(2), session: undefined, opening: undefined };
  // On Ctrl-C or a timeout the engine stops waiting for this probe and runs cleanups before
  // exiting: the handler waits for the disks in progress, whose own cleanup removes our keys.
  // The check may also time out while this probe goes on: the handler then stops the loop
  // (no further disk, no further step) before it waits.
  const inflight = new Set<Promise<PrDiskFact>>();
  const stop = new AbortController();
  ctx.onCleanup(`PR keys on ${target.name}`, async () => {
    stop.abort();
    await Promise.allSettled([...inflight]);
    await Promise.allSettled([a.session?.logout(), b.session?.logout()]);
  });
  try {
    const results = await mapLimited(candidates, LUN_CONCURRENCY, async (lun) => {
      if (ctx.signal.aborted || stop.signal.aborted) return undefined;
      const current = probeDisk(ctx, { portal, target: target.name, lun: lun.lun, vendor: lun.vendor, product: lun.product }, a, b, run, chap, allowInUse, stop.signal);
      inflight.add(current);
      try {
        return await current;
      } finally {
        inflight.delete(current);
      }
    });
    return results.filter((d): d is PrDiskFact => d !== undefined);
  } finally {
    await Promise.allSettled([a.session?.logout(), b.session?.logout()]);
  }
}

export const prProbe: Probe<PrFacts> = {
  fact: 'storage.pr',
  description: 'Runs the failover-cluster persistent reservation sequence on every candidate disk as two node identities, then removes its keys and verifies they are gone. Changes PR state only with its own keys; never touches disks that hold other registrations; never reads or writes data.',
  async collect(ctx) {
    const inventory = await ctx.fact<StorageFacts>('storage.inventory');
    const run = randomBytes(4).readUInt32BE(0);
    const allowInUse = ctx.spec.storage?.allowInUse ?? false;
    const jobs: { portal: string; target: TargetFact; chap: ChapCredentials | undefined }[] = [];
    for (const [index, portal] of inventory.portals.entries()) {
      if (portal.reach.status !== 'ok' || portal.secretError) continue;
      const chapConfig = ctx.spec.storage?.iscsi[index]?.chap;
      const chap = chapConfig ? { user: chapConfig.user, secret: Buffer.from((await ctx.secrets.resolve(chapConfig.secret, `storage.iscsi[${index}].chap.secret`)).reveal()) } : undefined;
      for (const target of portal.targets) jobs.push({ portal: portal.portal, target, chap });
    }
    const perTarget = await mapLimited(jobs, TARGET_CONCURRENCY, (job) => probeTarget(ctx, job.portal, job.target, job.chap, run, allowInUse));
    return { run: run.toString(16).padStart(8, '0'), disks: perTarget.flat() };
  },
};
