/** What the renderers share about finding statuses. */
import type { FindingStatus } from '../engine/report.ts';

/** The order findings and counts are shown in: problems first, passes last. */
export const STATUS_ORDER: readonly FindingStatus[] = ['error', 'fail', 'warn', 'waived', 'skipped', 'pass'];

/** Sorts statuses by STATUS_ORDER: the worst first. */
export function compareStatus(a: FindingStatus, b: FindingStatus): number {
  return STATUS_ORDER.indexOf(a) - STATUS_ORDER.indexOf(b);
}
