/**
 * The escape guard: an exception that escapes a probe or a check asynchronously becomes an error
 * finding of the checks concerned, the rest of the run goes on, cleanups run, and nothing is
 * swallowed outside a run. Each scenario runs in a child process (./guard-child.ts), because the
 * exceptions must reach `process` handlers the test runner also listens on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exitCodeFor, type Finding, type Report } from '../../src/engine/report.ts';
import type { EscapeSummary } from '../../src/engine/engine.ts';
import { errorLine } from '../../src/engine/guard.ts';
import type { CleanupOutcome } from '../../src/engine/cleanup.ts';

const CHILD = fileURLToPath(new URL('./guard-child.ts', import.meta.url));

interface ChildResult {
  findings: Finding[];
  escapes: EscapeSummary[];
  cleanup: CleanupOutcome[];
  cleaned: string[];
  outer: { scope?: unknown; error: string }[];
  listeners: { before: Record<string, number>; afterRun: Record<string, number>; after: Record<string, number> };
}

function scenario(name: string, ...extra: string[]): { result: ChildResult; status: number | null; stderr: string } {
  const nodeFlags = extra.filter((a) => a.startsWith('--'));
  const args = extra.filter((a) => !a.startsWith('--'));
  const child = spawnSync(process.execPath, [...nodeFlags, CHILD, name, ...args], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  const line = child.stdout.split('\n').find((l) => l.startsWith('{'));
  assert.ok(line, `scenario ${name} printed no result (exit ${child.status}):\n${child.stderr}`);
  return { result: JSON.parse(line) as ChildResult, status: child.status, stderr: child.stderr };
}

const brief = (findings: readonly Finding[]) => findings.map((f) => [f.checkId, f.status, f.messageId]);

function assertNoStack(findings: readonly Finding[]) {
  for (const f of findings) {
    assert.equal(f.evidence?.stack, undefined, `${f.checkId} carries a stack without --debug`);
    assert.doesNotMatch(JSON.stringify(f), /\n\s+at /, `${f.checkId} holds a stack frame`);
  }
}

test('a probe that throws from a timer: its check records an error naming the probe, the other check passes, cleanups run, the handlers are gone after the run', () => {
  const { result, status } = scenario('timer');
  assert.equal(status, 0);
  assert.deepEqual(brief(result.findings), [
    ['test.timer', 'error', 'engineProbeEscaped'],
    ['test.ok', 'pass', 'ok'],
  ]);
  const f = result.findings[0]!;
  assert.equal(f.data.fact, 'p.timer');
  assert.equal(f.data.origin, 'uncaughtException');
  assert.equal(f.data.error, 'TypeError: boom from p.timer');
  assert.equal(f.data.culprit, 'clusterprobe');
  assert.match(f.remediation?.summary ?? '', /bug in clusterprobe/);
  assert.match(f.remediation?.steps[0]?.text ?? '', /--debug/, 'first step: re-run with --debug');
  assert.ok(
    f.remediation?.steps.some((s) => /version \(9\.9\.9\)/.test(s.text)),
    'says what to include: the version',
  );
  assertNoStack(result.findings);
  assert.deepEqual(result.cleaned.sort(), ['p.ok', 'p.timer'], 'the cleanup the throwing probe registered still ran');
  assert.ok(result.cleanup.every((c) => c.status === 'ok'));
  assert.deepEqual(
    result.escapes.map((e) => [e.scope, e.origin, e.count]),
    [[{ kind: 'probe', fact: 'p.timer' }, 'uncaughtException', 1]],
  );
  assert.deepEqual(result.listeners.after, result.listeners.before, 'handlers removed after the run');
  assert.equal(
    exitCodeFor(
      {
        ...({} as Report),
        cancelled: false,
        summary: { pass: 1, warn: 0, fail: 0, skipped: 0, error: 1, waived: 0 },
        findings: result.findings,
      },
      'fail',
    ),
    1,
  );
});

test("a probe whose un-awaited promise rejects: unhandledRejection charged to that probe, named as its plugin's bug", () => {
  const { result, status } = scenario('rejection');
  assert.equal(status, 0);
  assert.deepEqual(brief(result.findings), [
    ['test.rejects', 'error', 'engineProbeEscaped'],
    ['test.ok', 'pass', 'ok'],
  ]);
  const f = result.findings[0]!;
  assert.equal(f.data.origin, 'unhandledRejection');
  assert.equal(f.data.error, 'RangeError: rejected in p.rejects');
  assert.equal(f.data.plugin, './site.js');
  assert.match(f.remediation?.steps.map((s) => s.text).join(' ') ?? '', /author of plugin "\.\/site\.js"/);
  assertNoStack(result.findings);
});

test('under node --unhandled-rejections=strict (the rejection arrives as an uncaught exception) it is still charged to its probe, as an unhandledRejection', () => {
  const { result, status } = scenario('rejection', '--unhandled-rejections=strict');
  assert.equal(status, 0);
  assert.deepEqual(brief(result.findings), [
    ['test.rejects', 'error', 'engineProbeEscaped'],
    ['test.ok', 'pass', 'ok'],
  ]);
  assert.equal(result.findings[0]!.data.origin, 'unhandledRejection');
});

test('two probes pending, one throws: only the checks using that probe record the error', () => {
  const { result } = scenario('twoPending');
  assert.deepEqual(brief(result.findings), [
    ['test.a', 'error', 'engineProbeEscaped'],
    ['test.b', 'pass', 'ok'],
    ['test.both', 'error', 'engineProbeEscaped'],
  ]);
  assert.ok(result.findings.filter((f) => f.status === 'error').every((f) => f.data.fact === 'p.a'));
  assert.deepEqual(result.cleaned.sort(), ['p.a', 'p.b']);
});

test('an exception tied to no probe is charged to every probe pending then, and the finding says so', () => {
  const { result } = scenario('unattributed');
  assert.deepEqual(brief(result.findings), [
    ['test.a', 'error', 'engineEscapeUnattributed'],
    ['test.b', 'error', 'engineEscapeUnattributed'],
  ]);
  for (const f of result.findings) {
    assert.equal(f.data.suspects, '"p.a", "p.b"');
    assert.equal(f.data.culprit, 'clusterprobe or a plugin');
    assert.match(f.remediation?.steps[1]?.text ?? '', /the plugins it loads/);
    assert.match(String(f.evidence?.attribution), /not tied to one probe/);
  }
  assert.deepEqual(
    result.escapes.map((e) => [e.scope, e.chargedTo]),
    [[undefined, ['p.a', 'p.b']]],
  );
});

test('an exception from a timer a probe left behind, after it returned, adds an error to the checks that used its fact', () => {
  const { result } = scenario('late');
  assert.deepEqual(brief(result.findings), [
    ['test.used', 'pass', 'ok'],
    ['test.used', 'error', 'engineProbeEscaped'],
    ['test.slow', 'pass', 'ok'],
  ]);
});

test("an exception from a check's own timer ends that check with an error; the others run", () => {
  const { result } = scenario('checkEscape');
  assert.deepEqual(brief(result.findings), [
    ['test.escapes', 'error', 'engineCheckEscaped'],
    ['test.ok', 'pass', 'ok'],
  ]);
});

test('a thrown value that is not an Error, not even printable, is recorded as such', () => {
  const { result, status } = scenario('oddThrow');
  assert.equal(status, 0);
  assert.deepEqual(brief(result.findings), [['test.odd', 'error', 'engineProbeEscaped']]);
  assert.equal(result.findings[0]!.data.error, 'a thrown object that cannot be shown as text');
  assert.equal(errorLine(new RangeError('first\nsecond')), 'RangeError: first');
  assert.equal(errorLine('plain\nstring'), 'plain');
});

test('stacks go into evidence only with --debug, for escapes and for checks that throw', () => {
  assertNoStack(scenario('throws').result.findings);
  const threw = scenario('debugThrows').result.findings[0]!;
  assert.equal(threw.messageId, 'engineThrew');
  assert.match(String(threw.evidence?.stack), /Error: plain throw\n\s+at /);
  const escaped = scenario('debugTimer').result.findings[0]!;
  assert.match(String(escaped.evidence?.stack), /TypeError: boom from p\.timer\n\s+at /);
});

test("guards nest: the run's own guard takes what escapes during the run, the caller's (validate writing the report) what escapes after it; then none is left", () => {
  const { result, status } = scenario('afterRun', 'outer');
  assert.equal(status, 0);
  assert.deepEqual(brief(result.findings), [['test.used', 'pass', 'ok']], 'nothing escaped during the run');
  assert.deepEqual(result.escapes, []);
  assert.deepEqual(
    result.outer,
    [{ scope: { kind: 'probe', fact: 'p.leaves-timer' }, error: 'thrown after the run' }],
    'the outer guard got it, still attributed',
  );
  assert.deepEqual(
    result.listeners.afterRun,
    { uncaughtException: 1, unhandledRejection: 1 },
    'one set of handlers while any guard is in force',
  );
  assert.deepEqual(result.listeners.after, result.listeners.before);
});

test('an exception outside a run is not swallowed: Node reports it and exits 1', () => {
  const { result, status, stderr } = scenario('timer', 'throwAfter');
  assert.equal(result.findings[0]?.messageId, 'engineProbeEscaped', 'the run itself was guarded');
  assert.equal(status, 1);
  assert.match(stderr, /Error: outside any run/);
});

test('exit codes: 1 for an internal-error finding, 3 for an environmental error (timeout) or a failure, 130 when interrupted', () => {
  const base = { cancelled: false, summary: { pass: 0, warn: 0, fail: 0, skipped: 0, error: 1, waived: 0 } };
  const finding = (messageId: string, status: Finding['status'] = 'error'): Finding => ({
    checkId: 't.x',
    area: 't',
    status,
    messageId,
    message: 'm',
    data: {},
  });
  assert.equal(exitCodeFor({ ...base, findings: [finding('engineThrew')] }, 'fail'), 1);
  assert.equal(exitCodeFor({ ...base, findings: [finding('engineNoFindings')] }, 'fail'), 1);
  assert.equal(exitCodeFor({ ...base, findings: [finding('engineTimeout')] }, 'fail'), 3);
  assert.equal(
    exitCodeFor({ ...base, findings: [finding('runFailed')] }, 'fail'),
    3,
    'a check reporting error about the environment',
  );
  assert.equal(exitCodeFor({ ...base, cancelled: true, findings: [finding('engineThrew')] }, 'fail'), 130);
});
