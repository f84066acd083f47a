/**
 * One scenario of test/engine/guard.test.ts, run in a child process of its own: an exception that
 * escapes a probe reaches `process` handlers, and the test runner's own handlers must not see it.
 * Runs `runPreflight` on the scenario named in argv[2] and prints one JSON line: the findings, the
 * escapes, the cleanup outcomes, and the process listeners before and after the run.
 */
import { runPreflight } from '../../src/engine/engine.ts';
import { Cleanups } from '../../src/engine/cleanup.ts';
import { SecretStore } from '../../src/config/secrets.ts';
import type { Check, Probe } from '../../src/engine/contract.ts';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function check(id: string, facts: string[], run?: Check['run']): Check {
  return {
    meta: {
      id,
      title: id,
      area: 'test',
      description: 'd',
      why: 'w',
      docs: 'docs',
      severity: 'fail',
      facts,
      messages: { ok: 'ok {value}' },
    },
    run:
      run ??
      (async (ctx) => {
        const values = [];
        for (const fact of facts) values.push(await ctx.fact(fact));
        ctx.report({ status: 'pass', messageId: 'ok', data: { value: JSON.stringify(values) } });
      }),
  };
}

const cleaned: string[] = [];

/** A probe that registers a cleanup (as the storage probe does for its keys), waits, and returns. */
function slowProbe(fact: string, ms: number): Probe {
  return {
    fact,
    description: 'waits, then returns',
    async collect(ctx) {
      ctx.onCleanup('remove keys', () => {
        cleaned.push(fact);
      });
      await delay(ms);
      return { fact };
    },
  };
}

function throwsFromTimer(fact: string, ms = 20): Probe {
  return {
    fact,
    description: 'throws from a timer callback; its promise never settles',
    collect: (ctx) =>
      new Promise(() => {
        ctx.onCleanup('remove keys', () => {
          cleaned.push(fact);
        });
        setTimeout(() => {
          throw new TypeError(`boom from ${fact}`);
        }, ms);
      }),
  };
}

function rejectsUnhandled(fact: string): Probe {
  return {
    fact,
    description: 'starts work it never awaits; the work rejects',
    async collect() {
      void (async () => {
        await delay(10);
        throw new RangeError(`rejected in ${fact}`);
      })();
      await delay(400);
      return { fact };
    },
  };
}

interface Scenario {
  probes: Probe[];
  checks: Check[];
  debug?: boolean;
  before?: () => void;
}

const scenarios: Record<string, () => Scenario> = {
  timer: () => ({
    probes: [throwsFromTimer('p.timer'), slowProbe('p.ok', 60)],
    checks: [check('test.timer', ['p.timer']), check('test.ok', ['p.ok'])],
  }),
  rejection: () => ({
    probes: [rejectsUnhandled('p.rejects'), slowProbe('p.ok', 60)],
    checks: [check('test.rejects', ['p.rejects']), check('test.ok', ['p.ok'])],
  }),
  // Two probes pending when one of them throws: only the one that threw is charged.
  twoPending: () => ({
    probes: [throwsFromTimer('p.a', 40), slowProbe('p.b', 150)],
    checks: [check('test.a', ['p.a']), check('test.b', ['p.b']), check('test.both', ['p.b', 'p.a'])],
  }),
  // A timer created before the run, outside any probe: it cannot be tied to one of the two probes
  // pending when it fires, so it is charged to both.
  unattributed: () => ({
    probes: [slowProbe('p.a', 300), slowProbe('p.b', 300)],
    checks: [check('test.a', ['p.a']), check('test.b', ['p.b'])],
    before: () => {
      setTimeout(() => {
        throw new Error('from no probe');
      }, 60);
    },
  }),
  // The probe returns, leaving a timer that throws while another check still runs.
  late: () => ({
    probes: [
      {
        fact: 'p.leaves-timer',
        description: 'returns, then throws from a timer it left',
        collect: () => {
          setTimeout(() => {
            throw new Error('thrown after the probe returned');
          }, 40);
          return { done: true };
        },
      },
      slowProbe('p.slow', 200),
    ],
    checks: [check('test.used', ['p.leaves-timer']), check('test.slow', ['p.slow'])],
  }),
  // A check's own timer throws.
  checkEscape: () => ({
    probes: [slowProbe('p.ok', 20)],
    checks: [
      check(
        'test.escapes',
        [],
        () =>
          new Promise(() => {
            setTimeout(() => {
              throw new Error('from the check');
            }, 10);
          }),
      ),
      check('test.ok', ['p.ok']),
    ],
  }),
  // Anything can be thrown: an object without even a toString.
  oddThrow: () => ({
    probes: [
      {
        fact: 'p.odd',
        description: 'throws a bare object from a timer',
        collect: () =>
          new Promise(() => {
            setTimeout(() => {
              throw Object.create(null) as Error;
            }, 10);
          }),
      },
    ],
    checks: [check('test.odd', ['p.odd'])],
  }),
  // The probe returns, leaving a timer that throws once the run is over (see 'outer' below).
  afterRun: () => ({
    probes: [
      {
        fact: 'p.leaves-timer',
        description: 'returns, leaving a timer that throws after the run',
        collect: () => {
          setTimeout(() => {
            throw new Error('thrown after the run');
          }, 300);
          return { done: true };
        },
      },
    ],
    checks: [check('test.used', ['p.leaves-timer'])],
  }),
  debugTimer: () => ({ ...scenarios.timer!(), debug: true }),
  // A check that throws synchronously: engineThrew, no stack unless --debug.
  throws: () => ({
    probes: [],
    checks: [
      check('test.throws', [], () => {
        throw new Error('plain throw');
      }),
    ],
  }),
  debugThrows: () => ({ ...scenarios.throws!(), debug: true }),
};

const name = process.argv[2] ?? '';
const listeners = () => ({
  uncaughtException: process.listenerCount('uncaughtException'),
  unhandledRejection: process.listenerCount('unhandledRejection'),
});
const before = listeners();
// 'outer': a guard of the caller's around the run, as validate keeps one while it writes the report.
const outer: { scope?: unknown; error: string }[] = [];
const removeOuter = process.argv.includes('outer')
  ? (await import('../../src/engine/guard.ts')).installEscapeGuard((e) =>
      outer.push({ ...(e.scope ? { scope: e.scope } : {}), error: String((e.error as Error).message) }),
    )
  : undefined;
const after = process.argv[3];
const scenario = scenarios[name]?.();
if (!scenario) throw new Error(`no scenario "${name}"`);
scenario.before?.();
const output = await runPreflight({
  spec: { nodes: [] },
  checks: scenario.checks,
  probes: new Map(scenario.probes.map((p) => [p.fact, p])),
  secrets: new SecretStore({ baseDir: process.cwd() }),
  waivers: [],
  concurrency: 4,
  timeoutMs: 5000,
  signal: new AbortController().signal,
  toolVersion: '9.9.9',
  cleanups: new Cleanups(),
  // Written out rather than built with bugs.ts, so that this script also runs on an engine without it.
  bugs: {
    version: '9.9.9',
    debug: scenario.debug ?? false,
    pluginOfCheck: () => undefined,
    pluginOfProbe: (fact: string) => (fact === 'p.rejects' ? './site.js' : undefined),
  },
});
const afterRun = listeners();
if (removeOuter) {
  await delay(500);
  removeOuter();
}
process.stdout.write(
  `${JSON.stringify({ findings: output.report.findings, escapes: output.escapes, cleanup: output.cleanup, cleaned, outer, listeners: { before, afterRun, after: listeners() } })}\n`,
);
if (after === 'throwAfter') {
  // Outside a run: Node's own behaviour (a stack on stderr, exit 1), nothing swallows it.
  setTimeout(() => {
    throw new Error('outside any run');
  }, 10);
}
