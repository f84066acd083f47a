/**
 * What the terminal and HTML views say about a report's plan (`report.plan`, built by
 * src/engine/plan.ts): the heading counts, where an action runs, its flags, and the findings it
 * clears, in words. Plain text, neither escaped nor coloured: each renderer does that.
 */
import type { Disruption, PlannedAction, Report } from '../engine/report.ts';

/** The findings a plan clears, by status: the distinct findings its actions resolve. */
export interface PlanCounts {
  readonly actions: number;
  /** Findings resolved whose status is `fail` or `error`. */
  readonly failures: number;
  /** Findings resolved whose status is `warn`. */
  readonly warnings: number;
  /** Findings with status `fail` or `error` that no action resolves (a person decides: see the finding). */
  readonly failuresOutside: number;
}

/** Counts each finding once, however many actions resolve it; an index the report lacks counts as nothing. */
export function planCounts(report: Report): PlanCounts {
  const actions = report.plan?.actions ?? [];
  const findings = new Set(actions.flatMap((a) => a.resolves.map((r) => r.finding)));
  let failures = 0;
  let warnings = 0;
  for (const i of findings) {
    const status = report.findings[i]?.status;
    if (status === 'fail' || status === 'error') failures += 1;
    else if (status === 'warn') warnings += 1;
  }
  const failuresOutside = report.findings.filter(
    (f, i) => (f.status === 'fail' || f.status === 'error') && !findings.has(i),
  ).length;
  return { actions: actions.length, failures, warnings, failuresOutside };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "4 actions clear 8 failures", "1 action clears 1 failure and 2 warnings", "2 actions clear 1 warning". */
export function planHeading(counts: PlanCounts): string {
  const cleared = [
    ...(counts.failures > 0 || counts.warnings === 0 ? [plural(counts.failures, 'failure')] : []),
    ...(counts.warnings > 0 ? [plural(counts.warnings, 'warning')] : []),
  ].join(' and ');
  return `${plural(counts.actions, 'action')} ${counts.actions === 1 ? 'clears' : 'clear'} ${cleared}`;
}

/** Where an action runs, as a phrase: "on a domain controller", "on node HV01". */
export function runsOnText(runsOn: string): string {
  if (runsOn === 'dc') return 'on a domain controller';
  if (runsOn === 'storage') return 'on the storage system';
  if (runsOn === 'this-machine') return 'on this machine';
  if (runsOn.startsWith('node:')) return `on node ${runsOn.slice('node:'.length)}`;
  return `on ${runsOn}`;
}

/** What each disruption means, in words; none is said by nothing. */
export const DISRUPTION_TEXT: Record<Disruption, string> = {
  none: '',
  'node-restart': 'a node restarts',
  'cluster-outage': 'cluster outage',
  'storage-outage': 'storage outage',
};

/** One flag of an action: `kind` names it for styling (restart, irreversible, disruption). */
export interface ActionFlag {
  readonly kind: 'restart' | 'irreversible' | 'disruption';
  readonly text: string;
}

/**
 * What a reader must know before running an action, only what applies: it restarts the machine
 * it runs on, it cannot be undone, it disrupts more than that machine. A `node-restart`
 * disruption of an action that restarts its node says the same as the restart: shown once.
 */
export function actionFlags(action: PlannedAction): ActionFlag[] {
  const flags: ActionFlag[] = [];
  if (action.restart) {
    const what = action.runsOn.startsWith('node:')
      ? 'the node'
      : action.runsOn === 'dc'
        ? 'the domain controller'
        : action.runsOn === 'storage'
          ? 'the storage system'
          : 'this machine';
    flags.push({ kind: 'restart', text: `restarts ${what}` });
  }
  if (!action.reversible) flags.push({ kind: 'irreversible', text: 'irreversible' });
  const disruption = DISRUPTION_TEXT[action.disruption] ?? action.disruption;
  if (disruption !== '' && !(action.disruption === 'node-restart' && action.restart))
    flags.push({ kind: 'disruption', text: disruption });
  return flags;
}

/**
 * A finding an action resolves, as the reader finds it in the report: `config.netbios.name (HV01)`;
 * `space` between the two (the terminal passes a no-break space so that wrapping keeps them together).
 */
export function resolvedText(r: PlannedAction['resolves'][number], space = ' '): string {
  return r.subject !== undefined ? `${r.checkId}${space}(${r.subject})` : r.checkId;
}

/** "2 failures are not in the plan: their fix needs a decision, see their findings." when there are any. */
export function outsideText(counts: PlanCounts): string | undefined {
  const n = counts.failuresOutside;
  if (n === 0) return undefined;
  return `${plural(n, 'failure')} ${n === 1 ? 'is' : 'are'} not in the plan: see ${n === 1 ? 'its finding' : 'their findings'} for what to decide.`;
}
