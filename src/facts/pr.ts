/**
 * The `storage.pr` fact (src/storage/pr-probe.ts): the persistent reservation sequence on each
 * candidate disk, step by step. Step ids are a closed set: the checks map each to its message
 * with a switch the compiler checks, never by matching what a step's text says.
 */

/**
 * The steps of the sequence proper, in the order they are sent (A: the first node identity or
 * path, B: the second). The first one that fails is the disk's `failedStep`.
 */
export const PR_SEQUENCE_STEP_IDS = [
  'readKeysBefore',
  'registerA',
  'registerB',
  'reserveA',
  'readReservationB',
  'preemptB',
  'readKeysAfterPreempt',
  'readReservationAfterPreempt',
  'releaseB',
  'unregisterB',
  /** One path only (a local disk): A reads its own reservation and releases it. */
  'readReservationA',
  'releaseA',
  'unregisterA',
] as const;

/**
 * Steps recorded as evidence only, never a `failedStep`: the optional REPORT CAPABILITIES and
 * READ FULL STATUS, the final READ KEYS after cleanup (its result is `keysLeft`), and REPORT
 * SUPPORTED OPERATION CODES for RESERVE(6) where PR is not implemented.
 */
export const PR_EVIDENCE_STEP_IDS = ['reportCapabilities', 'readFullStatus', 'readKeysFinal', 'scsi2Reserve'] as const;

/** Every step id a `PrStep` may carry. */
export const PR_STEP_IDS = [...PR_SEQUENCE_STEP_IDS, ...PR_EVIDENCE_STEP_IDS] as const;

export type PrSequenceStepId = (typeof PR_SEQUENCE_STEP_IDS)[number];
export type PrStepId = (typeof PR_STEP_IDS)[number];

/**
 * The `got` of a step that was not sent because the run was cancelled (Ctrl-C, a timeout): words
 * for the evidence only. Whether a disk's sequence was interrupted is `PrDiskFact.interrupted`.
 */
export const PR_NOT_SENT_INTERRUPTED = 'not sent: the run was interrupted';

export interface PrStep {
  readonly step: PrStepId;
  /** The identity that sent it: A or B. */
  readonly by: 'A' | 'B';
  readonly command: string;
  readonly ok: boolean;
  readonly expected: string;
  readonly got: string;
  readonly sense?: {
    readonly senseKey?: number;
    readonly asc?: number;
    readonly ascq?: number;
    readonly name?: string;
  };
}

export type PrOutcome =
  | 'supported'
  | 'singlePath'
  | 'inUse'
  | 'notImplemented'
  | 'stepFailed'
  | 'keysLeft'
  | 'noSecondNode'
  | 'sessionFailed';

/** Whether SCSI-2 RESERVE(6) is supported, by REPORT SUPPORTED OPERATION CODES. */
export type Scsi2Support = 'supported' | 'notSupported' | 'unknown';

export interface PrDiskFact {
  /** 'local' for storage.devices. */
  readonly portal: string;
  readonly target: string;
  readonly lun: number;
  /** The device nodes of a local disk (storage.devices): A's, then B's if there is a second path. */
  readonly devices?: string[];
  readonly vendor: string | null;
  readonly product: string | null;
  readonly outcome: PrOutcome;
  /** The step that failed first (stepFailed, notImplemented, sessionFailed). */
  readonly failedStep?: PrSequenceStepId;
  /**
   * Written with `failedStep`: true when `failedStep` was not sent because the run was cancelled
   * (Ctrl-C, a timeout), so the disk is not at fault. Absent in facts files written before it
   * existed: `upgradePrFacts` derives it when such a file is loaded.
   */
  readonly interrupted?: boolean;
  readonly steps: PrStep[];
  /** Keys found before the sequence (hex), and whether each is ours. */
  readonly keysBefore: { readonly key: string; readonly ours: boolean }[];
  /** Our keys still registered after cleanup (hex): must be empty. */
  readonly keysLeft: string[];
  readonly capabilities?: Record<string, unknown>;
  /** READ FULL STATUS (optional in SPC-3): informational. */
  readonly readFullStatus?: 'supported' | 'notSupported';
  /** Asked when PR is not implemented. */
  readonly scsi2?: Scsi2Support;
  readonly identities: { readonly A: string; readonly B?: string };
  readonly message?: string;
}

export interface PrFacts {
  readonly run: string;
  readonly disks: PrDiskFact[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A saved `storage.pr` fact brought to the current shape, at the facts-file boundary (before
 * any check reads it). Facts files written before `PrDiskFact.interrupted` existed said that a
 * sequence was interrupted only in the words of the step not sent (`PR_NOT_SENT_INTERRUPTED`):
 * for a disk with a `failedStep` and no `interrupted`, and only for such a disk, the field is
 * derived once, here, from those words. A disk that carries the field is taken at its word.
 * Anything not shaped like a PR fact is returned unchanged (the facts' validation reports it).
 */
export function upgradePrFacts(value: unknown): unknown {
  if (!isRecord(value) || !Array.isArray(value.disks)) return value;
  const disks = value.disks.map((disk: unknown) => {
    if (!isRecord(disk) || disk.failedStep === undefined || 'interrupted' in disk || !Array.isArray(disk.steps))
      return disk;
    // As the check read such files: the first step that failed, the final READ KEYS aside.
    const failed = disk.steps.find((s: unknown) => isRecord(s) && s.ok === false && s.step !== 'readKeysFinal');
    return { ...disk, interrupted: isRecord(failed) && failed.got === PR_NOT_SENT_INTERRUPTED };
  });
  return { ...value, disks };
}
