/**
 * Runs one check through the real engine (runner, fact store, cleanups, secret store) on offline
 * facts, the way `validate --from-facts` does, and returns what it reported.
 *
 * Every check test goes through here, so every remediation command of every finding is checked
 * here too (test/helpers/shell-syntax.ts), the plan actions' steps included: it must parse in its shell. The check then runs again
 * on hostile variants of the same facts (test/helpers/hostile-facts.ts: names from the spec, the
 * directory and the targets carrying quotes, `$(...)`, backticks, `;`, spaces): every command must
 * still parse and the payload must stay inside a quoted string. A broken command fails the test
 * that produced it. The hostile replay runs once per distinct outcome of a check (a fuzz test's
 * hundreds of runs to the same findings replay once). Set CLUSTERPROBE_COMMANDS_LOG to a file to get every command checked, one
 * JSON line each, and CLUSTERPROBE_FIX_SCRIPTS_LOG for every plan whose fix scripts (both shells) were checked.
 */
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { checkCommands, markerLeaks } from './shell-syntax.ts';
import { hostileVariants, MARKER } from './hostile-facts.ts';
import { fixScriptProblems, reportOf } from './fix-scripts.ts';
import { runChecks } from '../../src/engine/runner.ts';
import { FactStore } from '../../src/engine/facts.ts';
import { Cleanups } from '../../src/engine/cleanup.ts';
import { SecretStore } from '../../src/config/secrets.ts';
import type { Check, CheckContext } from '../../src/engine/contract.ts';
import type { ActionScript, Finding, Shell } from '../../src/engine/report.ts';
import type { ClusterSpec, Waiver } from '../../src/config/schema.ts';

export interface RunCheckOptions {
  readonly now?: Date;
  readonly waivers?: readonly Waiver[];
}

/** What one check asked for across every run of it through here: the facts it read, by name. */
export interface FactReadRecord {
  readonly declared: readonly string[];
  readonly read: Set<string>;
  runs: number;
}

/**
 * Every check run through runCheck in this process, by id, with the fact names it asked ctx.fact
 * for (declared or not: the record is taken before the runner refuses an undeclared one).
 * test/facts/declared-facts.test.ts runs every check test and compares these with meta.facts.
 */
export const factReads = new Map<string, FactReadRecord>();

/** The check, its context's fact() recording each name asked for before the runner sees it. */
function recording(check: Check): Check {
  let record = factReads.get(check.meta.id);
  if (!record) factReads.set(check.meta.id, (record = { declared: [...check.meta.facts], read: new Set(), runs: 0 }));
  const seen = record;
  return {
    meta: check.meta,
    run: (ctx) => {
      seen.runs += 1;
      return check.run({
        ...ctx,
        fact: ((name: string) => {
          seen.read.add(name);
          return ctx.fact(name as never);
        }) as CheckContext['fact'],
      });
    },
  };
}

const verdicts = new Map<string, readonly string[]>();
const replayed = new Set<string>();

interface Run {
  readonly variant: string;
  readonly hostile: boolean;
  readonly findings: readonly Finding[];
}

/** The fragments of an action's script form (what `clusterprobe fix` writes), as commands to check. */
function scriptCommands(script: ActionScript | undefined): { shell: Shell; command: string }[] {
  return [
    ...(script?.powershell ? [script.powershell.test, script.powershell.apply] : []).map((command) => ({
      shell: 'powershell' as const,
      command,
    })),
    ...(script?.sh ? [script.sh.test, script.sh.apply] : []).map((command) => ({ shell: 'sh' as const, command })),
  ];
}

/**
 * The problems of every command of these runs (see the module comment), each naming the check,
 * the variant, the shell and the command. Verdicts are cached per command, and the sh commands
 * of all runs go to one shellcheck.
 */
export async function commandProblems(runs: readonly Run[]): Promise<string[]> {
  const commands = runs.flatMap((r) =>
    r.findings.flatMap((f) =>
      [
        ...[...(f.remediation?.steps ?? []), ...(f.remediation?.actions ?? []).flatMap((a) => a.steps)].flatMap(
          (s) => s.commands ?? [],
        ),
        ...(f.remediation?.actions ?? []).flatMap((a) => scriptCommands(a.script)),
      ].map((c) => ({ run: r, checkId: f.checkId, shell: c.shell, command: c.command })),
    ),
  );
  const key = (c: { shell: Shell; command: string }) => `${c.shell}\0${c.command}`;
  const fresh = [...new Map(commands.filter((c) => !verdicts.has(key(c))).map((c) => [key(c), c])).values()];
  for (const v of await checkCommands(fresh)) verdicts.set(key(v), v.problems);
  const out = new Set<string>();
  for (const c of commands) {
    const problems = [
      ...verdicts.get(key(c))!,
      ...(c.run.hostile ? await markerLeaks(c.shell, c.command, MARKER) : []),
    ];
    if (process.env.CLUSTERPROBE_COMMANDS_LOG)
      appendFileSync(
        process.env.CLUSTERPROBE_COMMANDS_LOG,
        JSON.stringify({ checkId: c.checkId, variant: c.run.variant, shell: c.shell, command: c.command, problems }) +
          '\n',
      );
    if (problems.length)
      out.add(`${c.checkId} (${c.run.variant}) ${c.shell}: ${c.command}\n    ${problems.join('\n    ')}`);
  }
  return [...out];
}

const scriptVerdicts = new Map<string, readonly string[]>();

/**
 * The problems of the fix scripts (`clusterprobe fix`, both shells) of each run's plan, for runs
 * whose findings contribute actions; a hostile run's marker must stay inside quotes or comments.
 */
async function planScriptProblems(checkId: string, runs: readonly Run[]): Promise<string[]> {
  const out: string[] = [];
  for (const run of runs) {
    if (!run.findings.some((f) => (f.remediation?.actions ?? []).length > 0)) continue;
    const report = reportOf(run.findings);
    const key = `${run.hostile}\0${JSON.stringify(report.plan)}`;
    let problems = scriptVerdicts.get(key);
    if (!problems) {
      problems = await fixScriptProblems(report, run.hostile ? MARKER : undefined);
      scriptVerdicts.set(key, problems);
      if (process.env.CLUSTERPROBE_FIX_SCRIPTS_LOG)
        appendFileSync(
          process.env.CLUSTERPROBE_FIX_SCRIPTS_LOG,
          JSON.stringify({ checkId, variant: run.variant, actions: report.plan!.actions.length, problems }) + '\n',
        );
    }
    for (const p of problems) out.push(`${checkId} (${run.variant}) ${p}`);
  }
  return out;
}

/** A fixed instant, so that checks reading `ctx.now` give the same findings on every run. */
export const DEFAULT_NOW = new Date('2026-06-15T12:00:00Z');

async function runOnce(
  check: Check,
  facts: Readonly<Record<string, unknown>>,
  options: RunCheckOptions,
): Promise<Finding[]> {
  const controller = new AbortController();
  const cleanups = new Cleanups();
  const spec = (facts.spec ?? { nodes: [] }) as ClusterSpec;
  const store = new FactStore({
    spec,
    probes: new Map(),
    secrets: new SecretStore({ baseDir: process.cwd() }),
    signal: controller.signal,
    cleanups,
    offline: facts,
  });
  try {
    return await runChecks({
      checks: [recording(check)],
      facts: store,
      cleanups,
      concurrency: 1,
      timeoutMs: 5000,
      signal: controller.signal,
      now: options.now ?? DEFAULT_NOW,
      waivers: options.waivers ?? [],
    });
  } finally {
    await cleanups.runAll();
  }
}

/**
 * Runs the check on the facts, checks every command of its findings, runs it again on hostile
 * variants of the facts and checks theirs (see the module comment); returns the findings of the
 * facts as given.
 */
export async function runCheck(
  check: Check,
  facts: Readonly<Record<string, unknown>>,
  options: RunCheckOptions = {},
): Promise<Finding[]> {
  const findings = await runOnce(check, facts, options);
  const runs: Run[] = [{ variant: 'as given', hostile: false, findings }];
  // A fuzz test runs a check hundreds of times to the same findings: the hostile replay runs once
  // per distinct outcome (statuses, messages, subjects and commands) of each check.
  const outcome = JSON.stringify([
    check.meta.id,
    findings.map((f) => [f.status, f.messageId, f.subject, commandsOf(f)]),
  ]);
  if (!replayed.has(outcome)) {
    replayed.add(outcome);
    for (const v of hostileVariants(facts))
      runs.push({ variant: v.name, hostile: true, findings: await runOnce(check, v.facts, options) });
  }
  const problems = [...(await commandProblems(runs)), ...(await planScriptProblems(check.meta.id, runs))];
  assert.ok(
    problems.length === 0,
    `remediation commands that their shell would reject or that run a value as code:\n${problems.join('\n')}`,
  );
  return findings;
}

/** The spec fact for a list of node names and an optional cluster name. */
export function specFact(nodeNames: readonly string[], clusterName?: string): ClusterSpec {
  return {
    nodes: nodeNames.map((name) => ({ name })),
    ...(clusterName !== undefined ? { cluster: { name: clusterName } } : {}),
  };
}

/** What a test expects of one finding; `data` lists only the keys it cares about. */
export interface ExpectedFinding {
  readonly status: Finding['status'];
  readonly messageId: string;
  readonly subject?: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** Compares findings, in order, on status, messageId, subject and the data keys given (never wording). */
export function assertFindings(actual: readonly Finding[], expected: readonly ExpectedFinding[]): void {
  const shape = (f: Finding | ExpectedFinding, keys: readonly string[]) => ({
    status: f.status,
    messageId: f.messageId,
    subject: f.subject,
    data: Object.fromEntries(keys.map((k) => [k, f.data?.[k]])),
  });
  assert.deepEqual(
    actual.map((f, i) => shape(f, Object.keys(expected[i]?.data ?? {}))),
    expected.map((e) => shape(e, Object.keys(e.data ?? {}))),
  );
}

/** Every remediation command of a finding, in order. */
export function commandsOf(finding: Finding | undefined, shell?: Shell): string[] {
  return (finding?.remediation?.steps ?? []).flatMap((s) =>
    (s.commands ?? []).filter((c) => shell === undefined || c.shell === shell).map((c) => c.command),
  );
}
