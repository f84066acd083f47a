/**
 * Types the Windows (PowerShell) facts share: how a PowerShell failure is classified, and an
 * ErrorRecord as clusterprobe records it. src/windows/errors.ts classifies; the nodes.facts and
 * ad.directory facts carry the result.
 */

export type WindowsErrorCode =
  | 'accessDenied'
  | 'unreachable'
  | 'dnsFailed'
  | 'authFailed'
  | 'moduleMissing'
  | 'commandMissing'
  | 'timeout'
  | 'noPowerShell'
  | 'badOutput'
  | 'processExited'
  | 'other';

/** An ErrorRecord as the envelope carries it (enough to tell cause and fix). */
export interface PsErrorRecord {
  readonly message: string;
  readonly fullyQualifiedErrorId: string;
  readonly category: string;
  readonly exceptionType: string;
  /** The node it concerns: OriginInfo.PSComputerName of a remote error, else CategoryInfo.TargetName. */
  readonly computerName?: string;
  readonly targetObject?: string;
}

/** A PowerShell or WinRM failure as src/windows/errors.ts classifies it: what checks build a fix from. */
export interface WindowsError {
  readonly code: WindowsErrorCode;
  /** The cause, one sentence, for a finding's message. */
  readonly cause: string;
  /** The module a moduleMissing error names (ActiveDirectory, FailoverClusters...). */
  readonly module?: string;
  readonly record?: PsErrorRecord;
}
