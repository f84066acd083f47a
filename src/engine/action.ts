/**
 * The action descriptor a remediation may carry (ARCHITECTURE.md, "The plan"): its key scheme and
 * its hand-written validation. No zod here: the runner validates every contributed action, and
 * `checks list` must not load a schema library to start.
 */
import { describeValue } from '../errors.ts';
import { SHELLS } from '../quote.ts';

/** What an action interrupts while it runs. */
export const DISRUPTIONS = ['none', 'node-restart', 'cluster-outage', 'storage-outage'] as const;
export type Disruption = (typeof DISRUPTIONS)[number];

/** `<kind>[:<target>]`: `rename-node:hv01`, `raise-domain-mode`, `target-acl:iqn.2026-11.test:csv`. */
export const ACTION_KEY_PATTERN = /^[a-z][a-z0-9-]*(:[^\sA-Z]+)?$/;
/** Where an action runs: a domain controller, one node, the storage system, the machine running clusterprobe. */
export const RUNS_ON_PATTERN = /^(dc|storage|this-machine|node:[\s\S]+)$/;

const SHELL_NAMES: readonly string[] = SHELLS;

/** The systems an sh fragment drives, each named by the tool it needs on the machine that runs it. */
export const SH_SYSTEMS = ['samba', 'tgt', 'targetcli'] as const;
export type ShSystem = (typeof SH_SYSTEMS)[number];

/** A script parameter's name: PascalCase (`NewNameHv01`); sh spells it in upper snake case (`NEW_NAME_HV01`). */
export const SCRIPT_PARAM_PATTERN = /^[A-Z][A-Za-z0-9]{0,63}$/;

/** How a fragment refers to parameter `name` in PowerShell: `$NewNameHv01`. */
export function psParam(name: string): string {
  return `$${name}`;
}

/** The sh variable of parameter `name`: `NewNameHv01` is `NEW_NAME_HV01`. */
export function shVariable(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toUpperCase();
}

/** How a fragment refers to parameter `name` in sh, quoted: `"$NEW_NAME_HV01"`. */
export function shParam(name: string): string {
  return `"$${shVariable(name)}"`;
}

/**
 * The key of an action: its kind, and the thing it acts on lower-cased, so that two checks that
 * name the same node in different cases contribute the same action (`actionKey('rename-node', 'HV01')`
 * is `rename-node:hv01`).
 */
export function actionKey(kind: string, target?: string): string {
  return target === undefined ? kind : `${kind}:${target.toLowerCase().replace(/\s+/g, '-')}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

function stepProblems(step: unknown, path: string): string[] {
  if (!isRecord(step)) return [`${path}: expected a step { text, commands? }; got ${describeValue(step)}`];
  const problems = text(step.text)
    ? []
    : [`${path}.text: expected a non-empty string; got ${describeValue(step.text)}`];
  if (step.commands === undefined) return problems;
  if (!Array.isArray(step.commands))
    return [...problems, `${path}.commands: expected a list of commands; got ${describeValue(step.commands)}`];
  step.commands.forEach((c: unknown, i) => {
    const at = `${path}.commands.${i}`;
    if (!isRecord(c)) return problems.push(`${at}: expected { shell, command, runOn? }; got ${describeValue(c)}`);
    if (typeof c.shell !== 'string' || !SHELL_NAMES.includes(c.shell))
      problems.push(`${at}.shell: expected one of ${SHELL_NAMES.join(', ')}; got ${describeValue(c.shell)}`);
    if (!text(c.command)) problems.push(`${at}.command: expected a non-empty string; got ${describeValue(c.command)}`);
    if (c.runOn !== undefined && typeof c.runOn !== 'string')
      problems.push(`${at}.runOn: expected a string; got ${describeValue(c.runOn)}`);
    return undefined;
  });
  return problems;
}

const ACTION_FIELDS = new Set([
  'key',
  'title',
  'runsOn',
  'steps',
  'restart',
  'reversible',
  'disruption',
  'dependsOn',
  'script',
]);

function fragmentProblems(
  fragment: unknown,
  path: string,
  fields: readonly string[],
  optional: readonly string[],
): string[] {
  if (!isRecord(fragment)) return [`${path}: expected { ${fields.join(', ')} }; got ${describeValue(fragment)}`];
  const problems: string[] = [];
  for (const field of Object.keys(fragment))
    if (!fields.includes(field)) problems.push(`${path}.${field}: not a field of a script fragment`);
  for (const field of fields)
    if (!(optional.includes(field) && fragment[field] === undefined) && !text(fragment[field]))
      problems.push(`${path}.${field}: expected a non-empty string; got ${describeValue(fragment[field])}`);
  return problems;
}

function scriptProblems(script: unknown, path: string): string[] {
  if (!isRecord(script)) return [`${path}: expected { params?, powershell?, sh? }; got ${describeValue(script)}`];
  const problems: string[] = [];
  for (const field of Object.keys(script))
    if (!['params', 'powershell', 'sh'].includes(field)) problems.push(`${path}.${field}: not a field of a script`);
  if (script.powershell === undefined && script.sh === undefined)
    problems.push(`${path}: expected a powershell or an sh fragment; got neither`);
  if (script.powershell !== undefined)
    problems.push(
      ...fragmentProblems(script.powershell, `${path}.powershell`, ['test', 'apply', 'legacy'], ['legacy']),
    );
  if (script.sh !== undefined) {
    problems.push(...fragmentProblems(script.sh, `${path}.sh`, ['system', 'test', 'apply'], []));
    const system = isRecord(script.sh) ? script.sh.system : undefined;
    if (typeof system === 'string' && !(SH_SYSTEMS as readonly string[]).includes(system))
      problems.push(`${path}.sh.system: expected one of ${SH_SYSTEMS.join(', ')}; got ${describeValue(system)}`);
  }
  if (script.params !== undefined) {
    if (!Array.isArray(script.params))
      return [...problems, `${path}.params: expected a list of parameters; got ${describeValue(script.params)}`];
    script.params.forEach((p: unknown, i) => {
      const at = `${path}.params.${i}`;
      if (!isRecord(p))
        return problems.push(`${at}: expected { name, description, default?, secret? }; got ${describeValue(p)}`);
      for (const field of Object.keys(p))
        if (!['name', 'description', 'default', 'secret'].includes(field))
          problems.push(`${at}.${field}: not a field of a parameter`);
      if (typeof p.name !== 'string' || !SCRIPT_PARAM_PATTERN.test(p.name))
        problems.push(`${at}.name: expected a PascalCase name such as "NewNameHv01"; got ${describeValue(p.name)}`);
      if (!text(p.description))
        problems.push(`${at}.description: expected a non-empty string; got ${describeValue(p.description)}`);
      if (p.default !== undefined && typeof p.default !== 'string')
        problems.push(`${at}.default: expected a string; got ${describeValue(p.default)}`);
      if (p.secret !== undefined && typeof p.secret !== 'boolean')
        problems.push(`${at}.secret: expected true or false; got ${describeValue(p.secret)}`);
      if (p.secret === true && p.default !== undefined)
        problems.push(`${at}.default: a secret has no default (it would be written into the script)`);
      return undefined;
    });
  }
  return problems;
}

/**
 * The problems of one contributed action, each as `<path>: <what was expected>; got ...`, empty
 * when it is valid (the same rules as `ActionSchema` in ./report.ts, which the report's JSON
 * schema is generated from).
 */
export function actionProblems(action: unknown, path = 'action'): string[] {
  if (!isRecord(action))
    return [`${path}: expected an action { key, title, runsOn, steps, ... }; got ${describeValue(action)}`];
  const problems: string[] = [];
  for (const field of Object.keys(action))
    if (!ACTION_FIELDS.has(field)) problems.push(`${path}.${field}: not a field of an action`);
  if (typeof action.key !== 'string' || !ACTION_KEY_PATTERN.test(action.key))
    problems.push(
      `${path}.key: expected a key such as "rename-node:hv01" (see actionKey); got ${describeValue(action.key)}`,
    );
  if (!text(action.title))
    problems.push(`${path}.title: expected a non-empty title; got ${describeValue(action.title)}`);
  if (typeof action.runsOn !== 'string' || !RUNS_ON_PATTERN.test(action.runsOn))
    problems.push(
      `${path}.runsOn: expected dc, node:<name>, storage or this-machine; got ${describeValue(action.runsOn)}`,
    );
  if (!Array.isArray(action.steps) || action.steps.length === 0)
    problems.push(`${path}.steps: expected a non-empty list of steps; got ${describeValue(action.steps)}`);
  else action.steps.forEach((s: unknown, i) => problems.push(...stepProblems(s, `${path}.steps.${i}`)));
  for (const flag of ['restart', 'reversible'] as const)
    if (typeof action[flag] !== 'boolean')
      problems.push(`${path}.${flag}: expected true or false; got ${describeValue(action[flag])}`);
  if (typeof action.disruption !== 'string' || !(DISRUPTIONS as readonly string[]).includes(action.disruption))
    problems.push(
      `${path}.disruption: expected one of ${DISRUPTIONS.join(', ')}; got ${describeValue(action.disruption)}`,
    );
  if (action.dependsOn !== undefined) {
    if (!Array.isArray(action.dependsOn))
      problems.push(`${path}.dependsOn: expected a list of { key, why }; got ${describeValue(action.dependsOn)}`);
    else
      action.dependsOn.forEach((d: unknown, i) => {
        const at = `${path}.dependsOn.${i}`;
        if (!isRecord(d)) return problems.push(`${at}: expected { key, why }; got ${describeValue(d)}`);
        if (typeof d.key !== 'string' || !ACTION_KEY_PATTERN.test(d.key))
          problems.push(`${at}.key: expected an action key; got ${describeValue(d.key)}`);
        if (!text(d.why)) problems.push(`${at}.why: expected a line of rationale; got ${describeValue(d.why)}`);
        return undefined;
      });
  }
  if (action.script !== undefined) problems.push(...scriptProblems(action.script, `${path}.script`));
  return problems;
}

/** The problems of a remediation's `actions` (undefined is fine: actions are optional). */
export function remediationActionProblems(remediation: unknown): string[] {
  if (!isRecord(remediation) || remediation.actions === undefined) return [];
  if (!Array.isArray(remediation.actions))
    return [`remediation.actions: expected a list of actions; got ${describeValue(remediation.actions)}`];
  return remediation.actions.flatMap((a: unknown, i) => actionProblems(a, `remediation.actions.${i}`));
}
