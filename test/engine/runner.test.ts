import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChecks, applyWaivers, waiverActive } from '../../src/engine/runner.ts';
import { FactStore } from '../../src/engine/facts.ts';
import { bugRemediation } from '../../src/engine/bugs.ts';
import { Cleanups } from '../../src/engine/cleanup.ts';
import { SecretStore } from '../../src/config/secrets.ts';
import type { Check, Probe } from '../../src/engine/contract.ts';
import { isInternalError, type Finding } from '../../src/engine/report.ts';

function check(id: string, run: Check['run'], extra: Partial<Check['meta']> = {}): Check {
  return {
    meta: {
      id,
      title: id,
      area: id.split('.')[0]!,
      description: 'd',
      why: 'w',
      docs: 'docs',
      severity: 'fail',
      facts: [],
      messages: { ok: 'ok {n}' },
      ...extra,
    },
    run,
  };
}

function harness(probes: Probe[] = [], signal = new AbortController().signal) {
  const cleanups = new Cleanups();
  const facts = new FactStore({
    spec: { nodes: [] },
    probes: new Map(probes.map((p) => [p.fact, p])),
    secrets: new SecretStore({ baseDir: '.' }),
    signal,
    cleanups,
  });
  return { cleanups, facts };
}

test('never runs more checks at once than the concurrency limit, and keeps index order in the results', async () => {
  let running = 0;
  let peak = 0;
  const checks = Array.from({ length: 9 }, (_, i) =>
    check(`t.c${i}`, async (ctx) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5 + ((i * 7) % 4) * 5));
      running -= 1;
      ctx.report({ status: 'pass', messageId: 'ok', data: { n: i } });
    }),
  );
  const { cleanups, facts } = harness();
  const findings = await runChecks({
    checks,
    facts,
    cleanups,
    concurrency: 3,
    timeoutMs: 5000,
    signal: new AbortController().signal,
    now: new Date(),
    waivers: [],
  });
  assert.equal(peak, 3);
  assert.deepEqual(
    findings.map((f) => f.data.n),
    [0, 1, 2, 3, 4, 5, 6, 7, 8],
  );
});

test('a probe shared by several checks runs once', async () => {
  let runs = 0;
  const probe: Probe = { fact: 'shared', description: 'd', collect: async () => ({ n: ++runs }) };
  const checks = ['t.a', 't.b', 't.c'].map((id) =>
    check(
      id,
      async (ctx) => ctx.report({ status: 'pass', messageId: 'ok', data: (await ctx.fact('shared')) as { n: number } }),
      { facts: ['shared'] },
    ),
  );
  const { cleanups, facts } = harness([probe]);
  const findings = await runChecks({
    checks,
    facts,
    cleanups,
    concurrency: 3,
    timeoutMs: 5000,
    signal: new AbortController().signal,
    now: new Date(),
    waivers: [],
  });
  assert.equal(runs, 1);
  assert.deepEqual(
    findings.map((f) => f.data.n),
    [1, 1, 1],
  );
  assert.equal(facts.probeRuns.get('shared'), 1);
});

test("a resource shared by two probes opens once and closes with the run's cleanup; one that fails to open fails every caller", async () => {
  const events: string[] = [];
  const resource = (ctx: Parameters<Probe['collect']>[0]) =>
    ctx.shared(
      'res',
      async () => {
        events.push('open');
        return { id: 7 };
      },
      (r) => {
        events.push(`close ${r.id}`);
      },
    );
  const probes: Probe[] = [
    { fact: 'p1', description: 'd', collect: async (ctx) => (await resource(ctx)).id },
    { fact: 'p2', description: 'd', collect: async (ctx) => (await resource(ctx)).id + 1 },
    {
      fact: 'p3',
      description: 'd',
      collect: (ctx) =>
        ctx.shared(
          'bad',
          () => Promise.reject(new Error('no such shell')),
          () => {
            events.push('closed bad');
          },
        ),
    },
  ];
  const checks = [
    check(
      't.a',
      async (ctx) =>
        ctx.report({ status: 'pass', messageId: 'ok', data: { a: await ctx.fact('p1'), b: await ctx.fact('p2') } }),
      { facts: ['p1', 'p2'] },
    ),
    check(
      't.b',
      async (ctx) => {
        await ctx.fact('p3');
      },
      { facts: ['p3'] },
    ),
  ];
  const { cleanups, facts } = harness(probes);
  const findings = await runChecks({
    checks,
    facts,
    cleanups,
    concurrency: 2,
    timeoutMs: 5000,
    signal: new AbortController().signal,
    now: new Date(),
    waivers: [],
  });
  assert.deepEqual(findings[0]!.data, { a: 7, b: 8 });
  assert.equal(findings[1]!.status, 'error');
  assert.match(String(findings[1]!.data.error), /no such shell/);
  assert.deepEqual(events, ['open']);
  await cleanups.runAll();
  assert.deepEqual(events, ['open', 'close 7'], 'closed once, and the one that never opened is not closed');
});

test('a probe that throws makes the checks needing it record error naming the fact', async () => {
  const probe: Probe = {
    fact: 'broken',
    description: 'd',
    collect: () => {
      throw new Error('connection refused');
    },
  };
  const { cleanups, facts } = harness([probe]);
  const [f] = await runChecks({
    checks: [
      check(
        't.a',
        async (ctx) => {
          await ctx.fact('broken');
        },
        { facts: ['broken'] },
      ),
    ],
    facts,
    cleanups,
    concurrency: 1,
    timeoutMs: 5000,
    signal: new AbortController().signal,
    now: new Date(),
    waivers: [],
  });
  assert.equal(f!.status, 'error');
  assert.equal(f!.messageId, 'engineThrew');
  assert.match(String(f!.data.error), /"broken".*connection refused/);
});

test('cancellation: the running check is stopped, the queued ones are skipped, findings reported after the stop are dropped', async () => {
  const controller = new AbortController();
  let late: (() => void) | undefined;
  const checks = [
    check(
      't.running',
      (ctx) =>
        new Promise<void>((resolve) => {
          late = () => ctx.report({ status: 'fail', messageId: 'ok', data: { n: 'late' } });
          setTimeout(() => controller.abort(), 10);
          ctx.signal.addEventListener('abort', () => setTimeout(resolve, 5));
        }),
    ),
    check('t.queued', (ctx) => ctx.report({ status: 'pass', messageId: 'ok' })),
  ];
  const { cleanups, facts } = harness([], controller.signal);
  const findings = await runChecks({
    checks,
    facts,
    cleanups,
    concurrency: 1,
    timeoutMs: 5000,
    signal: controller.signal,
    now: new Date(),
    waivers: [],
  });
  late!();
  assert.deepEqual(
    findings.map((f) => [f.checkId, f.status, f.messageId]),
    [
      ['t.running', 'skipped', 'engineCancelled'],
      ['t.queued', 'skipped', 'engineCancelled'],
    ],
  );
});

test('findings carry the rendered message, meta docs, and severity warn downgrades fail', async () => {
  const { cleanups, facts } = harness();
  const findings = await runChecks({
    checks: [
      check('t.w', (ctx) => ctx.report({ status: 'fail', messageId: 'ok', subject: 'x', data: { n: 7 } }), {
        severity: 'warn',
      }),
    ],
    facts,
    cleanups,
    concurrency: 1,
    timeoutMs: 5000,
    signal: new AbortController().signal,
    now: new Date(),
    waivers: [],
  });
  assert.deepEqual(
    findings.map((f) => [f.status, f.message, f.docs, f.subject]),
    [['warn', 'ok 7', 'docs', 'x']],
  );
});

test('a reported status outside the contract is an error, not a pass', async () => {
  const { cleanups, facts } = harness();
  const findings = await runChecks({
    checks: [check('t.bad', (ctx) => ctx.report({ status: 'waived' as never, messageId: 'ok' }))],
    facts,
    cleanups,
    concurrency: 1,
    timeoutMs: 5000,
    signal: new AbortController().signal,
    now: new Date(),
    waivers: [],
  });
  assert.equal(findings[0]!.status, 'error');
  assert.equal(findings[0]!.messageId, 'engineBadFinding');
});

test('a malformed plan action in a remediation is an error naming the field, a well-formed one is kept', async () => {
  const { cleanups, facts } = harness();
  const step = { text: 'rename it' };
  const good = {
    key: 'rename-node:hv01',
    title: 't',
    runsOn: 'node:hv01',
    steps: [step],
    restart: true,
    reversible: true,
    disruption: 'node-restart' as const,
  };
  const findings = await runChecks({
    checks: [
      check('t.bad', (ctx) =>
        ctx.report({
          status: 'fail',
          messageId: 'ok',
          remediation: { summary: 's', steps: [step], actions: [{ ...good, runsOn: 'somewhere' }] },
        }),
      ),
      check('t.good', (ctx) =>
        ctx.report({ status: 'fail', messageId: 'ok', remediation: { summary: 's', steps: [step], actions: [good] } }),
      ),
    ],
    facts,
    cleanups,
    concurrency: 1,
    timeoutMs: 5000,
    signal: new AbortController().signal,
    now: new Date(),
    waivers: [],
  });
  const bad = findings.find((x) => x.checkId === 't.bad')!;
  assert.equal(bad.status, 'error');
  assert.equal(bad.messageId, 'engineBadFinding');
  assert.match(bad.message, /remediation\.actions\.0\.runsOn: expected dc, node:<name>, storage or this-machine/);
  const kept = findings.find((x) => x.checkId === 't.good')!;
  assert.equal(kept.status, 'fail');
  assert.deepEqual(kept.remediation?.actions, [good]);
});

const f = (checkId: string, status: Finding['status'], subject?: string): Finding => ({
  checkId,
  area: 'a',
  status,
  messageId: 'm',
  message: 'm',
  data: {},
  ...(subject ? { subject } : {}),
});

test('waivers: glob on check, exact or absent subject, only warn/fail, only while active', () => {
  const now = new Date('2026-12-31T23:59:59Z');
  const waivers = [
    { check: 'ad.ou.*', subject: 'hv03', justification: 'moving', expires: '2026-12-31' },
    { check: 'storage.pr.support', justification: 'vendor ticket', expires: '2026-12-30' },
  ];
  const out = applyWaivers(
    [
      f('ad.ou.same', 'fail', 'hv03'),
      f('ad.ou.same', 'fail', 'hv04'),
      f('ad.ou.same', 'pass', 'hv03'),
      f('storage.pr.support', 'fail', 'lun1'),
    ],
    waivers,
    now,
  );
  assert.deepEqual(
    out.map((x) => x.status),
    ['waived', 'fail', 'pass', 'fail'],
  );
  assert.equal(out[0]!.waiver?.originalStatus, 'fail');
  assert.equal(waiverActive(waivers[0]!, now), true);
  assert.equal(waiverActive(waivers[0]!, new Date('2027-01-01T00:00:00Z')), false);
});

test('waivers: subjects match case-insensitively; the expired-waiver warning cannot itself be waived', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const waivers = [
    { check: '*', subject: 'hypervhostnode-', justification: 'renaming', expires: '2026-12-31' },
    { check: 'config.*', justification: 'all of config', expires: '2026-12-31' },
  ];
  const out = applyWaivers(
    [f('config.netbios.collision', 'fail', 'HYPERVHOSTNODE-'), f('config.waivers.expiry', 'warn', 'x')],
    waivers,
    now,
  );
  assert.deepEqual(
    out.map((x) => x.status),
    ['waived', 'warn'],
  );
});

test('internal errors name the culprit: the plugin of the probe that threw (also through a probe built on it), the plugin of a check asking for a fact nobody provides, else clusterprobe; a stack only with debug', async () => {
  const probes: Probe[] = [
    {
      fact: 'site.broken',
      description: 'd',
      collect: () => {
        throw new Error('site probe bug');
      },
    },
    { fact: 'core.on-site', description: 'd', collect: (ctx) => ctx.fact('site.broken') },
  ];
  const checks = [
    check(
      't.direct',
      async (ctx) => {
        await ctx.fact('site.broken');
      },
      { facts: ['site.broken'] },
    ),
    check(
      't.through',
      async (ctx) => {
        await ctx.fact('core.on-site');
      },
      { facts: ['core.on-site'] },
    ),
    check(
      't.missing',
      async (ctx) => {
        await ctx.fact('nobody.provides');
      },
      { facts: ['nobody.provides'] },
    ),
    check('t.builtin', () => {
      throw new Error('core bug');
    }),
  ];
  const plugins: Record<string, string> = { 'site.broken': './site.js', 't.missing': './checks.js' };
  for (const debug of [false, true]) {
    const { cleanups, facts } = harness(probes);
    const bugs = {
      version: '1.2.3',
      debug,
      pluginOfCheck: (id: string) => plugins[id],
      pluginOfProbe: (fact: string) => plugins[fact],
    };
    const findings = await runChecks({
      checks,
      facts,
      cleanups,
      concurrency: 1,
      timeoutMs: 5000,
      signal: new AbortController().signal,
      now: new Date(),
      waivers: [],
      bugs,
    });
    assert.deepEqual(
      findings.map((f) => [f.checkId, f.messageId, f.data.culprit]),
      [
        ['t.direct', 'engineThrew', 'plugin "./site.js"'],
        ['t.through', 'engineThrew', 'plugin "./site.js"'],
        ['t.missing', 'engineThrew', 'plugin "./checks.js"'],
        ['t.builtin', 'engineThrew', 'clusterprobe'],
      ],
    );
    assert.match(findings[0]!.remediation!.steps[1]!.text, /author of plugin "\.\/site\.js".*version \(1\.2\.3\)/);
    assert.match(
      findings[3]!.remediation!.steps[1]!.text,
      /clusterprobe maintainers.*version \(1\.2\.3\), the command line/,
    );
    for (const f of findings)
      assert.equal(typeof f.evidence?.stack, debug ? 'string' : 'undefined', `${f.checkId} debug=${debug}`);
    for (const f of findings)
      assert.equal(
        /again with --debug/.test(f.remediation!.steps[0]!.text),
        !debug,
        'with --debug, the fix does not ask for --debug',
      );
  }
});

test("with an issue tracker in package.json (bugs.url) the finding says where to report a clusterprobe bug; a plugin's bug still goes to its author", () => {
  const reporting = {
    version: '1.2.3',
    url: 'https://example.test/clusterprobe/issues',
    debug: false,
    pluginOfCheck: () => undefined,
    pluginOfProbe: () => undefined,
  };
  assert.match(
    bugRemediation(undefined, reporting).steps[1]!.text,
    /^Report it at https:\/\/example\.test\/clusterprobe\/issues with the clusterprobe version \(1\.2\.3\), the command line/,
  );
  assert.match(
    bugRemediation('./site.js', reporting).steps[1]!.text,
    /^Report it to the author of plugin "\.\/site\.js"/,
  );
});

test('a check over its time limit names what it was waiting for: the probes still collecting, through the probes they wait on, with their last progress', async () => {
  const hang = new Promise<never>(() => {});
  const probes: Probe[] = [
    {
      fact: 'outer',
      description: 'd',
      collect: async (ctx) => {
        ctx.progress('reading the inner fact');
        return ctx.fact('inner');
      },
    },
    {
      fact: 'inner',
      description: 'd',
      collect: async (ctx) => {
        ctx.progress('ldaps://dc1.lab.example.test: connect and bind');
        return hang;
      },
    },
    { fact: 'quick', description: 'd', collect: async () => 1 },
  ];
  const waits = check(
    't.waits',
    async (ctx) => {
      await ctx.fact('quick');
      await ctx.fact('outer');
    },
    { facts: ['quick', 'outer'] },
  );
  const spins = check('t.spins', () => hang);
  const { cleanups, facts } = harness(probes);
  const [waited, spun] = await runChecks({
    checks: [waits, spins],
    facts,
    cleanups,
    concurrency: 2,
    timeoutMs: 100,
    signal: new AbortController().signal,
    now: new Date(),
    waivers: [],
  });
  assert.deepEqual(
    [waited!.status, waited!.messageId, waited!.data.waitingOn],
    ['error', 'engineTimeout', ['outer', 'inner']],
  );
  assert.deepEqual(waited!.evidence?.waitingOn, [
    { fact: 'outer', progress: 'reading the inner fact' },
    { fact: 'inner', progress: 'ldaps://dc1.lab.example.test: connect and bind' },
  ]);
  assert.match(
    waited!.message,
    /waiting for outer: reading the inner fact; inner: ldaps:\/\/dc1\.lab\.example\.test: connect and bind/,
  );
  assert.match(JSON.stringify(waited!.remediation), /--timeout 120/);
  assert.deepEqual([spun!.messageId, spun!.data.waitingOn], ['engineTimeout', []]);
  assert.match(spun!.message, /not waiting for a probe/);
});

test('a check that reads a fact it does not declare gets an error naming the check and the fact, and not the fact', async () => {
  let collected = 0;
  const probes: Probe[] = [
    { fact: 'declared', description: 'd', collect: () => 1 },
    {
      fact: 'secret.other',
      description: 'd',
      collect: () => {
        collected += 1;
        return { value: 'not for this check' };
      },
    },
  ];
  const seen: unknown[] = [];
  const checks = [
    // Reads past its declaration and stops there.
    check(
      't.stops',
      async (ctx) => {
        await ctx.fact('declared');
        seen.push(await ctx.fact('secret.other'));
        ctx.report({ status: 'pass', messageId: 'ok' });
      },
      { facts: ['declared'] },
    ),
    // Catches the refusal and goes on: the refusal is reported all the same.
    check(
      't.catches',
      async (ctx) => {
        seen.push(await ctx.fact('secret.other').catch(() => 'refused'));
        ctx.report({ status: 'pass', messageId: 'ok', data: { n: 1 } });
      },
      { facts: [] },
    ),
    // The spec is a fact like any other.
    check('t.spec', async (ctx) => {
      await ctx.fact('spec');
      ctx.report({ status: 'pass', messageId: 'ok' });
    }),
  ];
  const { cleanups, facts } = harness(probes);
  const findings = await runChecks({
    checks,
    facts,
    cleanups,
    concurrency: 1,
    timeoutMs: 5000,
    signal: new AbortController().signal,
    now: new Date(),
    waivers: [],
  });
  assert.deepEqual(
    findings.map((f) => [f.checkId, f.status, f.messageId, f.data.fact]),
    [
      ['t.stops', 'error', 'engineUndeclaredFact', 'secret.other'],
      ['t.catches', 'pass', 'ok', undefined],
      ['t.catches', 'error', 'engineUndeclaredFact', 'secret.other'],
      ['t.spec', 'error', 'engineUndeclaredFact', 'spec'],
    ],
  );
  assert.equal(
    findings[0]!.message,
    'check t.stops read fact "secret.other" that it does not declare in meta.facts; add it to meta.facts (a bug in clusterprobe)',
  );
  assert.deepEqual(seen, ['refused'], 'the undeclared fact was never handed over');
  assert.equal(collected, 0, 'and its probe never ran for it');
  assert.ok(findings[0]!.remediation, 'an internal error says how to report it');
  assert.ok(isInternalError(findings[0]!), 'a bug: validate exits 1');
});
