/**
 * The nodes.facts probe through node-powershell's real process protocol, against
 * test/fakes/fake-pwsh: a FAKE PowerShell (PowerShell cannot be installed here) that replays the
 * hand-written recordings in test/fixtures/powershell/nodes. What is verified: the command it
 * sends, how answers, records, time-outs, a dying process and garbage become per-node facts.
 * Not verified here: that a real PowerShell prints these recordings.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodesProbe } from '../../src/windows/node-probe.ts';
import type { ProbeContext } from '../../src/engine/contract.ts';
import type { ClusterSpec } from '../../src/config/schema.ts';
import type { NodesFact } from '../../src/facts/index.ts';

const FAKE = fileURLToPath(new URL('../fakes/fake-pwsh', import.meta.url));
const RECORDINGS = fileURLToPath(new URL('../fixtures/powershell/nodes', import.meta.url));
const fq = (n: string) => ({ name: n, fqdn: `${n}.lab.example.test` });

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  for (const k of ['FAKE_PWSH_CASE', 'FAKE_PWSH_LOG']) delete process.env[k];
});

/** A probe context like the engine's: ctx.shared opens one resource per key, closed after the test. */
function context(spec: Partial<ClusterSpec>, signal: AbortSignal = new AbortController().signal): ProbeContext {
  const shared = new Map<string, Promise<unknown>>();
  return {
    spec: { nodes: [], ...spec } as ClusterSpec,
    fact: () => Promise.reject(new Error('no other fact here')),
    secrets: { resolve: () => Promise.reject(new Error('no secrets here')) },
    baseDir: process.cwd(),
    signal,
    onCleanup: () => undefined,
    progress: () => undefined,
    shared<T>(key: string, open: () => Promise<T>, close: (r: T) => Promise<void> | void): Promise<T> {
      if (!shared.has(key)) {
        const p = open();
        shared.set(key, p);
        void p.then(
          (r) => closers.push(() => close(r)),
          () => undefined,
        );
      }
      return shared.get(key) as Promise<T>;
    },
  };
}

async function collect(
  spec: Partial<ClusterSpec>,
  options: { case?: string; log?: string; signal?: AbortSignal } = {},
): Promise<NodesFact> {
  delete process.env.CLUSTERPROBE_POWERSHELL;
  process.env.FAKE_PWSH_RECORDINGS = RECORDINGS;
  if (options.case) process.env.FAKE_PWSH_CASE = options.case;
  if (options.log) process.env.FAKE_PWSH_LOG = options.log;
  return (await nodesProbe.collect(
    context({ windows: { powershell: FAKE, timeoutSeconds: 30 }, ...spec }, options.signal),
  )) as NodesFact;
}

const statuses = (f: NodesFact) => f.nodes.map((n) => [n.node, n.status]);

test(
  'without windows.powershell on Linux: skipped, notWindows, and no process is started',
  { skip: process.platform === 'win32' },
  async () => {
    delete process.env.CLUSTERPROBE_POWERSHELL;
    const fact = (await nodesProbe.collect(context({ nodes: [fq('hv01')] }))) as NodesFact;
    assert.equal(fact.status, 'skipped');
    assert.equal(fact.skipped?.code, 'notWindows');
    assert.match(fact.skipped!.reason, /not Windows/);
    assert.deepEqual(fact.nodes, []);
  },
);

test('a PowerShell that is not there: skipped, noPowerShell, naming it', async () => {
  const fact = await collect({ nodes: [fq('hv01')], windows: { powershell: '/nonexistent/pwsh' } });
  assert.equal(fact.status, 'skipped');
  assert.equal(fact.skipped?.code, 'noPowerShell');
  assert.match(fact.skipped!.reason, /\/nonexistent\/pwsh was not found/);
});

test('5.1, three nodes chosen by the decoded parameters: two read, one access denied', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'clusterprobe-nodes-'));
  const log = join(dir, 'commands.log');
  const fact = await collect({ nodes: [fq('hv01'), fq('hv02'), fq('hv03')] }, { log });
  assert.equal(fact.status, 'ok');
  assert.deepEqual(statuses(fact), [
    ['hv01', 'ok'],
    ['hv02', 'ok'],
    ['hv03', 'accessDenied'],
  ]);
  assert.equal(fact.nodes[0]!.facts?.os?.release, '2019');
  assert.equal(fact.nodes[2]!.error?.fullyQualifiedErrorId, 'AccessDenied,PSSessionStateBroken');
  assert.equal(fact.nodes[2]!.computerName, 'hv03.lab.example.test');
  const sent = await readFile(log, 'utf8');
  assert.equal(
    sent.split('\n----\n').filter((c) => c.includes('# CLUSTERPROBE-SCRIPT:nodes.facts')).length,
    1,
    'one command for all nodes',
  );
  assert.ok(!sent.includes('hv01.lab.example.test'), 'the names travel in the base64 payload only');
});

test('hostile node names never reach PowerShell as code', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'clusterprobe-nodes-'));
  const log = join(dir, 'commands.log');
  const names = ["hv01'; Remove-Item C:\\ -Recurse; '", '$(calc)'];
  const fact = await collect({ nodes: names.map((name) => ({ name })) }, { case: 'ps51-none', log });
  const sent = await readFile(log, 'utf8');
  for (const n of names) assert.ok(!sent.includes(n), n);
  assert.deepEqual(
    statuses(fact),
    names.map((n) => [n, 'badOutput']),
    'no answer and no error for these names',
  );
});

test('pwsh 7, seven nodes: each failure by its cause, the node that hung as a time-out, the others read', async () => {
  const nodes = [...['n1', 'n2', 'n3', 'n4', 'n5', 'n6'].map(fq), { name: 'byip', fqdn: '10.0.0.31' }];
  const fact = await collect({ nodes }, { case: 'pwsh7-mixed' });
  assert.equal(fact.status, 'ok');
  assert.deepEqual(statuses(fact), [
    ['n1', 'ok'],
    ['n2', 'ok'],
    ['n3', 'ok'],
    ['n4', 'timeout'],
    ['n5', 'unreachable'],
    ['n6', 'dnsFailed'],
    ['byip', 'authFailed'],
  ]);
  assert.equal(fact.nodes[1]!.facts?.iscsi?.source, 'MSiSCSIInitiator_MethodClass');
  assert.equal(typeof fact.ms, 'number');
});

test('PowerShell itself does not answer within windows.timeoutSeconds: the run failed, every node timed out', async () => {
  const started = performance.now();
  const fact = await collect(
    { nodes: [fq('hv01'), fq('hv02')], windows: { powershell: FAKE, timeoutSeconds: 5 } },
    { case: 'slow' },
  );
  const ms = performance.now() - started;
  assert.equal(fact.status, 'failed');
  assert.equal(fact.failure?.code, 'timeout');
  assert.deepEqual(statuses(fact), [
    ['hv01', 'timeout'],
    ['hv02', 'timeout'],
  ]);
  assert.ok(
    ms >= 4500 && ms < 30_000,
    `stopped at the limit, not when the fake answered at 60 s (${Math.round(ms)} ms)`,
  );
});

test("Ctrl-C (the run's signal) stops the run at once", async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  const started = performance.now();
  const fact = await collect({ nodes: [fq('hv01')] }, { case: 'slow', signal: controller.signal });
  assert.equal(fact.status, 'failed');
  assert.match(fact.failure!.cause, /stopped/);
  assert.ok(performance.now() - started < 3000);
});

test('a process that dies, a value that is not node objects, no envelope at all: the run failed, with the cause', async () => {
  const cases: [string, string][] = [
    ['dies', 'processExited'],
    ['garbage-value', 'badOutput'],
    ['not-json', 'badOutput'],
  ];
  for (const [name, code] of cases) {
    const fact = await collect({ nodes: [fq('hv01')] }, { case: name });
    assert.equal(fact.status, 'failed', name);
    assert.equal(fact.failure?.code, code, name);
    assert.deepEqual(statuses(fact), [['hv01', code]], name);
    for (const c of closers.splice(0)) await c();
  }
});

test('no nodes in the spec: no PowerShell run', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'clusterprobe-nodes-'));
  const log = join(dir, 'commands.log');
  const fact = await collect({ nodes: [] }, { log });
  assert.deepEqual(fact, { status: 'ok', executable: FAKE, nodes: [] });
  await assert.rejects(readFile(log, 'utf8'), { code: 'ENOENT' });
});
