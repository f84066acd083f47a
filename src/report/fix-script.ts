/**
 * What the two fix-script writers share (`clusterprobe fix`, ARCHITECTURE.md "The plan"): which
 * actions a script covers (--only), their parameters, the sections per host, and text made safe
 * for a comment. The writers are ./fix-powershell.ts and ./fix-sh.ts; both read `report.plan` only.
 */
import { shVariable } from '../engine/action.ts';
import { UsageError } from '../errors.ts';
import { DISRUPTION_TEXT, resolvedText, runsOnText } from './plan-view.ts';
import type { PlannedAction, Report, ScriptParam } from '../engine/report.ts';

export const FIX_SHELLS = ['powershell', 'sh'] as const;
export type FixShell = (typeof FIX_SHELLS)[number];

/** A report or an --only the writers cannot make a script of; the command turns it into exit 2. */
export class FixError extends UsageError {
  override readonly code: string = 'EFIX';
  override name = 'FixError';
}

export interface FixOptions {
  readonly shell: FixShell;
  /** Action keys, or kinds (`rename-node` selects every `rename-node:*`); absent: the whole plan. */
  readonly only?: readonly string[] | undefined;
  /** The report's file name as the user gave it, named in the script's header. */
  readonly source?: string | undefined;
}

/** One action of the script, numbered by its place in the plan (1-based). */
export interface FixEntry {
  readonly number: number;
  readonly action: PlannedAction;
  /** Dependencies on actions left out by --only: the user must have done them. */
  readonly outside: readonly { key: string; why: string }[];
}

/** The actions of the plan a script covers, in plan order, numbered by their place in the plan. */
export function selectActions(report: Report, only: readonly string[] | undefined): FixEntry[] {
  if (report.plan === undefined)
    throw new FixError(
      'this report has no plan: it was written by a clusterprobe older than the plan. Run `clusterprobe validate --json` again and give that report.',
    );
  if (report.plan.error !== undefined)
    throw new FixError(`the report's plan could not be ordered: ${report.plan.error}`);
  const actions = report.plan.actions;
  // Keys are lower case (actionKey): HV01 as the report shows it names the same action.
  const wanted = only?.map((k) => k.trim().toLowerCase()).filter((k) => k !== '');
  const matches = (key: string, w: string) => key === w || (!w.includes(':') && key.startsWith(`${w}:`));
  if (wanted) {
    const unknown = wanted.filter((w) => !actions.some((a) => matches(a.key, w)));
    if (unknown.length > 0)
      throw new FixError(
        `--only ${unknown.join(', ')}: ${unknown.length === 1 ? 'not an action' : 'not actions'} of this report's plan; its actions are ${actions.length > 0 ? actions.map((a) => a.key).join(', ') : 'none'}`,
      );
  }
  const chosen = new Set(actions.filter((a) => !wanted || wanted.some((w) => matches(a.key, w))).map((a) => a.key));
  return actions.flatMap((action, i) =>
    chosen.has(action.key)
      ? [{ number: i + 1, action, outside: action.dependsOn.filter((d) => !chosen.has(d.key)) }]
      : [],
  );
}

/**
 * The parameters of these actions, once each by name, in the order they first appear. Two
 * actions may share one (`DomainCredential`) only if they declare it alike.
 */
export function scriptParams(entries: readonly FixEntry[]): ScriptParam[] {
  const byName = new Map<string, { param: ScriptParam; key: string }>();
  for (const { action } of entries)
    for (const param of action.script?.params ?? []) {
      const seen = byName.get(param.name);
      if (!seen) byName.set(param.name, { param, key: action.key });
      else if (seen.param.default !== param.default || (seen.param.secret ?? false) !== (param.secret ?? false))
        throw new FixError(
          `the actions ${seen.key} and ${action.key} both declare the parameter ${param.name}, differently (default or secret): a bug in the checks that contributed them`,
        );
    }
  // sh spells names in upper snake case: two names that differ only in case would be one variable.
  const sh = new Map<string, string>();
  for (const name of byName.keys()) {
    const other = sh.get(shVariable(name));
    if (other !== undefined)
      throw new FixError(`the parameters ${other} and ${name} are one sh variable (${shVariable(name)})`);
    sh.set(shVariable(name), name);
  }
  return [...byName.values()].map((v) => v.param);
}

/** Consecutive actions that run on the same host: the script's sections, in plan order. */
export function sections(entries: readonly FixEntry[]): { runsOn: string; entries: FixEntry[] }[] {
  const out: { runsOn: string; entries: FixEntry[] }[] = [];
  for (const entry of entries) {
    const last = out.at(-1);
    if (last && last.runsOn === entry.action.runsOn) last.entries.push(entry);
    else out.push({ runsOn: entry.action.runsOn, entries: [entry] });
  }
  return out;
}

/** Where an action runs, in words: `a domain controller`, `node hv01`... (the report views' wording). */
export function hostLabel(runsOn: string): string {
  return runsOnText(runsOn).replace(/^on /, '');
}

/**
 * Text from the report made safe for a one-line comment in either shell: control characters
 * and line breaks (Unicode's too) become spaces, and PowerShell's block-comment marks are broken
 * up, so nothing a check or a server wrote can end the comment and become code.
 */
export function commentText(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
    .replace(/#>/g, '# >')
    .replace(/<#/g, '< #');
}

/** The facts of an action that a reader weighs before running it, as one line. */
export function actionFacts(action: PlannedAction): string {
  const disruption = DISRUPTION_TEXT[action.disruption] || 'none';
  return `Runs on ${hostLabel(action.runsOn)}. Restart: ${action.restart ? 'yes' : 'no'}. Can be undone: ${action.reversible ? 'yes' : 'NO'}. Disruption: ${disruption}.`;
}

/** The findings an action resolves, as `check.id (subject)`, comma-separated. */
export function resolvesText(action: PlannedAction): string {
  return action.resolves.map((r) => resolvedText(r)).join(', ');
}

/** The comment lines that head an action in either script: what it is, its facts, what it clears, what comes first. */
export function actionHead(entry: FixEntry, label: string): string[] {
  const { action } = entry;
  return [
    `# --- ${commentText(label)}: ${commentText(action.title)}`,
    `# ${commentText(actionFacts(action))}`,
    `# Resolves: ${commentText(resolvesText(action))}`,
    ...action.dependsOn.map((d) => `# After ${commentText(d.key)}: ${commentText(d.why)}`),
    ...entry.outside.map(
      (d) => `# Not in this script (--only), to be done first: ${commentText(d.key)}: ${commentText(d.why)}`,
    ),
  ];
}

/** The steps of an action as comment lines: what a person does for an action with no script form. */
export function stepLines(action: PlannedAction): string[] {
  return action.steps.flatMap((s, i) => [
    `${i + 1}. ${commentText(s.text)}`,
    ...(s.commands ?? []).map((c) => `   ${c.shell}> ${commentText(c.command)}`),
  ]);
}
