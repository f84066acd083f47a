/**
 * `npm run demo` end to end: scripts/demo.ts builds the review's lab (a real Samba AD DC and a
 * real tgt, test/lab/), runs bin/run.js validate against it and tears it down. The JSON report it
 * writes must show the review's walls (broken lab) or no failure (fixed lab); the HTML report
 * must exist when validate has --html; and no process of the demo (found by the marker in its
 * environment, which every process it starts inherits) nor any temporary file may outlive it,
 * also when SIGINT or SIGTERM arrives midway.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, BIN } from '../helpers/cli.ts';
import { prerequisiteProblems, RUN_MARKER, TARGET, DOMAIN, OU_DN, type Environment } from '../../scripts/demo.ts';
import type { Finding, Report } from '../../src/engine/report.ts';

const DEMO = join(ROOT, 'scripts', 'demo.ts');
const NETNS = join(ROOT, 'test', 'lab', 'netns.sh');
const made: string[] = [];

after(async () => {
  for (const d of made) await rm(d, { recursive: true, force: true });
});

async function fresh(prefix: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/**
 * Processes of one demo run: the marker in their environment (the demo extends it as
 * `<marker>/<its pid>-...`), or their working directory in the demo's TMPDIR, where the lab puts
 * every directory (samba overwrites its environment with its process title; it runs in its dir).
 */
function marked(marker: string, tmp: string): number[] {
  const needle = Buffer.from(`${RUN_MARKER}=${marker}/`);
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      if (pid === process.pid) return false;
      try {
        if (readFileSync(`/proc/${pid}/environ`).includes(needle)) return true;
        return readlinkSync(`/proc/${pid}/cwd`).startsWith(`${tmp}/`);
      } catch {
        return false;
      }
    });
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

interface DemoRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The demo's TMPDIR: every lab directory goes there. */
  tmp: string;
  out: string;
  marker: string;
  /** What ran with the marker when the signal went out (comm names). */
  aliveAtSignal: string[];
}

interface RunOptions {
  /** Send this signal once stdout matches `when`. */
  interrupt?: { signal: NodeJS.Signals; when: RegExp };
  /** A directory put first on PATH (stand-ins for lab tools). */
  path?: string;
}

/** The demo as the npm script runs it: through test/lab/netns.sh, in a network namespace of its own. */
async function runDemo(args: readonly string[], options: RunOptions = {}): Promise<DemoRun> {
  const tmp = await fresh('clusterprobe-demo-tmp-');
  const out = await fresh('clusterprobe-demo-out-');
  const marker = `demo-test-${process.pid}-${Date.now()}`;
  const env: Record<string, string> = {};
  // Without CLUSTERPROBE_NETNS, netns.sh gives the demo a namespace of its own, as for a user: its
  // DC's 127.0.0.N cannot meet another test's, whose address locks live in the shared TMPDIR.
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !['FORCE_COLOR', 'NODE_TEST_CONTEXT', 'NODE_OPTIONS', 'CLUSTERPROBE_NETNS'].includes(k))
      env[k] = v;
  Object.assign(
    env,
    { TMPDIR: tmp, NO_COLOR: '1', [RUN_MARKER]: marker },
    options.path ? { PATH: `${options.path}:${env.PATH ?? ''}` } : {},
  );
  const child = spawn('sh', [NETNS, process.execPath, DEMO, '--html', join(out, 'demo-report.html'), ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let aliveAtSignal: string[] = [];
  let sent = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    const i = options.interrupt;
    if (i && !sent && i.when.test(stdout)) {
      sent = true;
      aliveAtSignal = marked(marker, tmp).map(comm);
      child.kill(i.signal);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) =>
    child.on('close', (c, s) => r([c, s])),
  );
  clearTimeout(timer);
  if (options.interrupt) assert.ok(sent, `the demo never printed ${options.interrupt.when}:\n${stdout}\n${stderr}`);
  return { code, signal, stdout, stderr, tmp, out, marker, aliveAtSignal };
}

/** Nothing of the run is left: no process with its marker, nothing in its TMPDIR. */
function assertGone(r: DemoRun): void {
  const left = marked(r.marker, r.tmp);
  assert.deepEqual(
    left.map((pid) => `${pid} ${comm(pid)}`),
    [],
    'no process of the demo survives it',
  );
  assert.deepEqual(readdirSync(r.tmp), [], "the lab's directories (samba, tgt, the spec) are removed");
}

function htmlSupported(): boolean {
  const r = spawnSync(process.execPath, [BIN, 'validate', '--help'], { cwd: ROOT, encoding: 'utf8' });
  return /(^|\s)--html[\s=]/m.test(r.stdout);
}

const key = (f: Finding) => [f.checkId, f.messageId, f.subject ?? null, f.status];

async function reportOf(r: DemoRun): Promise<Report> {
  return JSON.parse(await readFile(join(r.out, 'demo-report.json'), 'utf8')) as Report;
}

test("the review's lab: validate exits 3 with every wall in the JSON report, the demo exits 0 and leaves nothing behind", async () => {
  const r = await runDemo([]);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^validate exited 3, as expected/m);
  assertGone(r);

  const report = await reportOf(r);
  assert.equal(report.verdict, 'fail');
  const keys = report.findings.map(key);
  const has = (checkId: string, messageId: string, subject: string, status: string) =>
    assert.ok(
      keys.some((k) => k[0] === checkId && k[1] === messageId && k[2] === subject && k[3] === status),
      `${checkId} ${messageId} ${status} on ${subject} in:\n${keys.map((k) => k.join(' ')).join('\n')}`,
    );

  // Mixed mode.
  has('ad.domain.functional-level', 'mixedMode', DOMAIN, 'fail');
  const level = report.findings.find((f) => f.messageId === 'mixedMode')!;
  assert.equal(level.data.nTMixedDomain, 1);
  assert.equal(level.data.domainLevel, 2, 'function level 2003');
  // Two 18-character names that are one NetBIOS name.
  has('ad.netbios.collision', 'namesCollide', 'HYPERVHOSTNODE-', 'fail');
  assert.deepEqual(report.findings.find((f) => f.messageId === 'namesCollide')!.data.hosts, [
    'HYPERVHOSTNODE-01A',
    'HYPERVHOSTNODE-01B',
  ]);
  has('config.netbios.collision', 'collision', 'HYPERVHOSTNODE-', 'fail');
  has('ad.netbios.name', 'longAccountName', 'HYPERVHOSTNODE-01A', 'fail');
  has('ad.netbios.name', 'longAccountName', 'HYPERVHOSTNODE-01B', 'fail');
  // hv03 in CN=Computers, the others in the OU.
  assert.deepEqual(report.findings.filter((f) => f.checkId === 'ad.ou.placement').map(key), [
    ['ad.ou.placement', 'inContainer', 'hv03', 'fail'],
  ]);
  assert.match(
    JSON.stringify(report.findings.find((f) => f.messageId === 'inContainer')!.remediation),
    new RegExp(`Move-ADObject -Identity 'CN=HV03,CN=Computers,DC=lab,DC=example,DC=test' -TargetPath '${OU_DN}'`),
  );
  // The LUN without SCSI-3 PR (a CD, named in luns: as a cluster disk): PR not implemented, said
  // plainly with the IET/OpenFiler fix; the disk LUN passes the PR sequence.
  has('storage.lun.inventory', 'listedNotDisk', `${TARGET} LUN 2`, 'fail');
  assert.match(String(report.findings.find((f) => f.subject === `${TARGET} LUN 2`)!.data.deviceTypeName), /CD/);
  assert.deepEqual(report.findings.filter((f) => f.checkId === 'storage.pr.support').map(key), [
    ['storage.pr.support', 'supported', `${TARGET} LUN 1`, 'pass'],
    ['storage.pr.support', 'notImplemented', `${TARGET} LUN 2`, 'fail'],
  ]);
  assert.match(
    report.findings.find((f) => f.checkId === 'storage.pr.support' && f.messageId === 'notImplemented')!.remediation!
      .steps[0]!.text,
    /OpenFiler/,
  );
  // The rest of the lab is sound: the bind account, the DNS records, the nodes' logins.
  for (const id of [
    'ad.connect',
    'ad.cno.readiness',
    'ad.dns.node-records',
    'ad.computer.account',
    'storage.target.login',
  ]) {
    assert.deepEqual(report.findings.filter((f) => f.checkId === id && f.status !== 'pass').map(key), [], id);
  }
  assert.equal(report.summary.error, 0);

  // The plan: the CD LUN recreated as a disk (inventory and PR, one action), one rename per node
  // (four findings each), the irreversible raise before them, the move.
  assert.deepEqual(
    report.plan?.actions.map((a) => [a.key, a.resolves.length, a.dependsOn.map((d) => d.key)]),
    [
      [`replace-lun:${TARGET}:2`, 2, []],
      ['raise-domain-mode', 1, []],
      ['rename-node:hypervhostnode-01a', 4, ['raise-domain-mode']],
      ['rename-node:hypervhostnode-01b', 4, ['raise-domain-mode']],
      ['move-ou:hv03', 1, []],
    ],
  );

  // The summary names each wall with its check ids.
  for (const line of [
    /✔ SCSI-3 persistent reservations/,
    /✔ Domain in mixed mode/,
    /✔ NetBIOS name collision/,
    /✔ Nodes not in the same OU/,
    /ad\.ou\.placement inContainer \(fail\) hv03/,
  ])
    assert.match(r.stdout, line);
  if (htmlSupported()) {
    assert.ok(statSync(join(r.out, 'demo-report.html')).size > 0);
    assert.match(r.stdout, new RegExp(`HTML report: ${join(r.out, 'demo-report.html')}`));
  } else {
    assert.ok(!existsSync(join(r.out, 'demo-report.html')));
    assert.match(r.stdout, /HTML report: not written/);
  }
});

test('--fixed: the same lab with the fixes applied, validate exits 0 with no failure; only the single-DC warning remains', async () => {
  const r = await runDemo(['--fixed']);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^validate exited 0, as expected/m);
  assertGone(r);

  const report = await reportOf(r);
  assert.deepEqual(report.findings.filter((f) => f.status === 'fail' || f.status === 'error').map(key), []);
  assert.deepEqual(report.findings.filter((f) => f.status === 'warn').map(key), [
    ['ad.dc.discovery', 'singleDc', DOMAIN, 'warn'],
  ]);
  assert.deepEqual(report.plan?.actions, []);
  const pass = (checkId: string, messageId: string, subject: string) =>
    assert.ok(
      report.findings.some(
        (f) => f.checkId === checkId && f.messageId === messageId && f.subject === subject && f.status === 'pass',
      ),
      `${checkId} ${messageId} on ${subject}`,
    );
  pass('ad.domain.functional-level', 'levels', DOMAIN);
  pass('ad.netbios.collision', 'unique', DOMAIN);
  pass('ad.ou.placement', 'sameOu', OU_DN);
  pass('storage.pr.support', 'supported', `${TARGET} LUN 1`);
  pass('storage.pr.support', 'supported', `${TARGET} LUN 2`);
  if (htmlSupported()) assert.ok(statSync(join(r.out, 'demo-report.html')).size > 0);
});

test('--fix: the plan applied to the lab (its sh actions by clusterprobe fix, the Windows ones to the stand-ins), validate ends as --fixed', async () => {
  const r = await runDemo(['--fix']);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assertGone(r);
  const before = await reportOf(r);
  const kinds = (before.plan?.actions ?? []).map((a) => [a.key.split(':')[0], a.script?.sh?.system ?? null]);
  // The Samba and tgt actions have an sh form; the renames need Windows.
  for (const [kind, system] of [
    ['raise-domain-mode', 'samba'],
    ['move-ou', 'samba'],
    ['replace-lun', 'tgt'],
    ['rename-node', null],
  ])
    assert.ok(
      kinds.some(([k, s]) => k === kind && s === system),
      `${kind} (${system ?? 'no sh'}) in the first plan: ${JSON.stringify(kinds)}`,
    );
  assert.match(r.stdout, /\$ bin\/run\.js fix --from round-1\.json --shell sh --output fix-plan-1\.sh/);
  assert.match(r.stdout, /dry run, nothing changed\): [1-9]\d* would change/);
  for (const kind of ['raise-domain-mode', 'move-ou:hv03', 'replace-lun:'])
    assert.match(r.stdout, new RegExp(`\\] ${kind}[^\\n]*: done\\.`), `${kind} applied`);
  assert.match(
    r.stdout,
    /rename-node:hypervhostnode-01a: not applicable here \(Rename-Computer on the node, Windows\)/,
  );
  assert.match(r.stdout, /validate again: exit 0;/);
  // The scripts it applied stay beside the reports, to be read after the lab is gone.
  const kept = await readFile(join(r.out, 'demo-report-fix-plan-1.sh'), 'utf8');
  assert.match(kept, /^#!\/bin\/sh\n/);
  assert.match(kept, /run_action '\[\d\/\d\] raise-domain-mode'/);
  for (const wall of [
    'SCSI-3 persistent reservations',
    'Domain in mixed mode',
    'NetBIOS name collision',
    'Nodes not in the same OU',
  ])
    assert.match(r.stdout, new RegExp(`✔ fixed by the plan: ${wall}`));
  const after = JSON.parse(await readFile(join(r.out, 'demo-report-after-fix.json'), 'utf8')) as Report;
  assert.deepEqual(after.findings.filter((f) => f.status === 'fail' || f.status === 'error').map(key), []);
  assert.deepEqual(after.plan?.actions, []);
  // Every failure of the first report that an applied action resolved now passes (or, renamed, is gone).
  for (const a of before.plan?.actions ?? [])
    for (const res of a.resolves) {
      const f = before.findings[res.finding]!;
      const now = after.findings.filter((g) => g.checkId === f.checkId && g.subject === f.subject);
      assert.ok(
        now.every((g) => g.status === 'pass'),
        `${f.checkId} on ${f.subject}: ${now.map((g) => `${g.status} ${g.messageId}`).join(', ')}`,
      );
    }
});

test('SIGINT while the lab is half built, SIGTERM while validate runs: the demo exits 130/143 and no samba, tgtd or file of it is left', async () => {
  const half = await runDemo([], {
    interrupt: { signal: 'SIGINT', when: /provisioned and started \.\.\. [\d.]+ s\n/ },
  });
  assert.equal(half.code, 130, `${half.stdout}\n${half.stderr}`);
  assert.ok(
    half.aliveAtSignal.includes('samba') && half.aliveAtSignal.includes('tgtd'),
    `samba and tgtd ran with the marker when the signal went out: ${half.aliveAtSignal.join(', ')}`,
  );
  assert.match(half.stdout, /Lab torn down/);
  assert.doesNotMatch(half.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  assertGone(half);

  const during = await runDemo([], { interrupt: { signal: 'SIGTERM', when: /^\$ bin\/run\.js validate/m } });
  assert.equal(during.code, 143, `${during.stdout}\n${during.stderr}`);
  assert.ok(
    during.aliveAtSignal.includes('samba') && during.aliveAtSignal.includes('tgtd'),
    during.aliveAtSignal.join(', '),
  );
  assertGone(during);
});

test('the lab cannot start (a samba-tool stand-in that refuses to provision): exit 1 with the cause, nothing left', async () => {
  const bin = await fresh('clusterprobe-demo-bin-');
  await writeFile(
    join(bin, 'samba-tool'),
    '#!/bin/sh\necho "provisioning refused (a stand-in that always fails)" >&2\nexit 1\n',
    { mode: 0o755 },
  );
  const r = await runDemo([], { path: bin });
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(
    r.stderr,
    /^demo: the lab could not start: samba-tool domain provision .* exited with 1\nstderr: provisioning refused/m,
  );
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  assert.ok(!existsSync(join(r.out, 'demo-report.json')));
  assertGone(r);
});

test('not root: the demo says to run the bootstrap and the demo as root, exits 2, and starts nothing', () => {
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, DEMO], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /needs root/);
  assert.match(r.stderr, /sh scripts\/bootstrap\.sh && npm run demo/);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
});

test('missing packages and the namespace: each problem names what to run', () => {
  const env: Environment = {
    uid: 0,
    uidMap: '         0          0 4294967295\n',
    netns: true,
    hasTool: () => true,
    hasFile: () => true,
    built: true,
  };
  assert.deepEqual(prerequisiteProblems(env), []);
  const missing = prerequisiteProblems({
    ...env,
    hasTool: (t) => !['samba', 'tgtd', 'tgtadm'].includes(t),
    hasFile: () => false,
  });
  assert.equal(missing.length, 1);
  assert.match(
    missing[0]!,
    /Missing: samba, tgtd, tgtadm, \/usr\/share\/samba\/setup\/provision\.ldif \(Debian packages: samba tgt samba-ad-provision\)/,
  );
  assert.match(missing[0]!, /as root, from the repository: sh scripts\/bootstrap\.sh && npm run demo/);
  assert.match(
    prerequisiteProblems({ ...env, uidMap: '         0       1000          1\n' })[0]!,
    /^The demo needs root: this is uid 1000 on the machine, root only inside the user namespace/,
  );
  assert.match(prerequisiteProblems({ ...env, netns: false })[0]!, /No private network namespace/);
  assert.match(prerequisiteProblems({ ...env, built: false })[0]!, /not built/);
});

test('npm run demo builds, then runs this script through with-node.sh and netns.sh', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(
    pkg.scripts.demo,
    'npm run --silent build && sh scripts/with-node.sh sh test/lab/netns.sh node scripts/demo.ts',
  );
});
