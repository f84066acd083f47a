/**
 * Smoke test of the Windows executable (dist-bin/clusterprobe-win-x64.exe, `npm run package`)
 * under Wine, on a copy of it in an empty directory: --version, checks list/explain, validate
 * --from-facts with --html on facts the Linux CLI recorded against the lab's tgt, iscsi discover
 * and a live storage run against that tgt (Wine's sockets reach the test's network namespace), each
 * compared with what the Linux CLI says. What Wine cannot run is skipped below with its reason.
 *
 * CLUSTERPROBE_WIN_EXE names another executable. CLUSTERPROBE_WINE_NODE=<node.exe> runs
 * `node.exe bin/run.js` instead (the built dist/ under a Windows Node, for work on the CLI
 * before the executable exists). CLUSTERPROBE_WINEPREFIX keeps the Wine prefix between runs.
 * CLUSTERPROBE_EXPECT_WIN_EXE=1 (CI, after `npm run package`) turns a missing executable into a failure.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWine, wineUnavailable, winePath, type WineLab, type WineResult } from '../lab/wine.ts';
import { findTool, iscsiUrl, startTgt, type TgtLab } from '../lab/tgt.ts';
import { prKeys } from '../lab/libiscsi.ts';
import { IscsiSession } from '../../src/iscsi/index.ts';
import { ScsiDevice } from '../../src/scsi/device.ts';
import { makeKey } from '../../src/storage/keys.ts';
import { BIN, ROOT, runCli, type CliResult } from '../helpers/cli.ts';
import type { Report } from '../../src/engine/report.ts';

const VERSION = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const EXE = process.env.CLUSTERPROBE_WIN_EXE ?? join(ROOT, 'dist-bin', 'clusterprobe-win-x64.exe');
const NODE_EXE = process.env.CLUSTERPROBE_WINE_NODE;

/** The program under test: the executable, or (CLUSTERPROBE_WINE_NODE) node.exe with bin/run.js. */
const UNDER_TEST: { program: string; args: string[]; label: string } | { skip: string } = NODE_EXE
  ? existsSync(NODE_EXE)
    ? { program: NODE_EXE, args: [winePath(BIN)], label: `${NODE_EXE} bin/run.js` }
    : { skip: `CLUSTERPROBE_WINE_NODE=${NODE_EXE} does not exist` }
  : existsSync(EXE)
    ? { program: EXE, args: [], label: EXE }
    : { skip: `${EXE} is not built: run npm run package (or set CLUSTERPROBE_WIN_EXE to a Windows build)` };

// CI builds the executable before the tests: there, its absence is a failure, not a skip.
if ('skip' in UNDER_TEST && process.env.CLUSTERPROBE_EXPECT_WIN_EXE === '1' && !wineUnavailable())
  throw new Error(`CLUSTERPROBE_EXPECT_WIN_EXE=1: ${UNDER_TEST.skip}`);
const SKIP = wineUnavailable() ?? ('skip' in UNDER_TEST ? UNDER_TEST.skip : undefined);
const TGT_SKIP = SKIP ?? tgtUnavailable();

function tgtUnavailable(): string | undefined {
  try {
    findTool('tgtd');
    findTool('tgtadm');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const T_DISKS = 'iqn.2026-11.test.wine:disks';
const NODE_A = 'iqn.1991-05.com.microsoft:hv01.lab.example.test';
const NODE_B = 'iqn.1991-05.com.microsoft:hv02.lab.example.test';
const ME = 'iqn.2026-11.test.clusterprobe:wine';

let wine: WineLab;
let tgt: TgtLab | undefined;
/** Where the program runs from: a directory with nothing of the project in it. */
let work: string;
let program: string;
let specPath: string;
let factsPath: string;

/** The cluster spec: a name NetBIOS truncates (config.* fails) and, with tgt, its portal. */
function spec(): string {
  const storage = tgt ? `storage:\n  iscsi:\n    - portal: ${tgt.portal}\n      targets: [${T_DISKS}]\n` : '';
  return `cluster: { name: HVCLUSTER01, windowsVersion: "2019" }\nnodes:\n  - { name: HYPERVHOSTNODE-01A, iqn: ${NODE_A} }\n  - { name: hv02, iqn: ${NODE_B} }\n${storage}`;
}

before(
  async () => {
    if (SKIP || 'skip' in UNDER_TEST) return;
    work = await mkdtemp(join(tmpdir(), 'clusterprobe-wine-test-'));
    if (NODE_EXE) program = UNDER_TEST.program;
    else {
      // A copy away from the repository: the executable must carry its docs, schemas and assets.
      program = join(work, 'clusterprobe.exe');
      await copyFile(UNDER_TEST.program, program);
    }
    wine = await startWine();
    if (!TGT_SKIP) {
      tgt = await startTgt();
      const tid = await tgt.addTarget(T_DISKS);
      await tgt.addLun(tid, 1, { sizeMiB: 8 });
      await tgt.addLun(tid, 2, { sizeMiB: 8 });
      await tgt.addLun(tid, 3, { sizeMiB: 4, deviceType: 'cd' });
      await tgt.bindAll(tid);
    }
    specPath = join(work, 'cluster.yaml');
    factsPath = join(work, 'facts.json');
    await writeFile(specPath, spec());
    // Facts recorded on Linux by the built CLI, live against tgt: Windows evaluates them offline.
    const live = await runCli(['validate', '--config', specPath, '--save-facts', factsPath, '--json']);
    assert.equal(live.code, 3, `recording the facts on Linux: ${live.stderr}`);
  },
  { timeout: 300_000 },
);

after(async () => {
  await tgt?.stop();
  await wine?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Runs the program under test in Wine, from the empty work directory. */
async function win(t: TestContext, args: readonly string[]): Promise<WineResult> {
  if ('skip' in UNDER_TEST) throw new Error(UNDER_TEST.skip);
  const r = await wine.run(program, [...UNDER_TEST.args, ...args], { cwd: work, timeoutMs: 120_000 });
  t.diagnostic(`wine: ${args.slice(0, 2).join(' ')}: exit ${r.code} in ${r.ms} ms`);
  assert.ok(!r.timedOut, `timed out: ${args.join(' ')}\n${r.stderr.slice(-2000)}`);
  return r;
}

function linux(args: readonly string[]): Promise<CliResult> {
  return runCli(args, { cwd: work });
}

function parse<T>(r: { stdout: string; stderr: string }, what: string): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`${what}: no JSON on stdout\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(-2000)}`);
  }
}

/** A report without what differs from run to run. */
function timeless(report: Report): Report {
  return { ...report, startedAt: '(start)', durationMs: 0 };
}

/** An HTML report without its start time and duration. */
function timelessHtml(html: string): string {
  return (
    html
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '(start)')
      .replace(/\d+(\.\d+)? s\b/g, '(n) s')
      // The start as people read it: the second it was written, and the writing machine's zone
      // (Wine names UTC after a zone of its own, e.g. Atlantic/Reykjavik).
      .replace(/(<time datetime="\(start\)">)[^]*?(<span id="t-viewer")/g, '$1(when)$2')
  );
}

test(
  '--version: clusterprobe, win32-x64, Node 22 (the Node line Wine 8 runs)',
  { skip: SKIP, timeout: 60_000 },
  async (t) => {
    t.diagnostic(
      `under test: ${'label' in UNDER_TEST ? UNDER_TEST.label : ''}; Wine prefix made in ${wine.setupMs} ms`,
    );
    const r = await win(t, ['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout.trim(),
      new RegExp(`^clusterprobe/${VERSION.replaceAll('.', '\\.')} win32-x64 node-v22\\.\\d+\\.\\d+$`),
    );
  },
);

test('checks list --json: the same checks as the Linux CLI', { skip: SKIP, timeout: 60_000 }, async (t) => {
  const r = await win(t, ['checks', 'list', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const ids = parse<{ id: string }[]>(r, 'checks list').map((c) => c.id);
  assert.ok(ids.includes('storage.pr.support') && ids.includes('nodes.reachable'), ids.join(', '));
  assert.deepEqual(parse(r, 'checks list'), parse(await linux(['checks', 'list', '--json']), 'Linux checks list'));
});

/** The line pointing at --docs, which says "(inside this executable)" in the executable only. */
function withoutDocsHint(text: string): string {
  return text.replace(/^ {2}(\(inside this executable\) )?print it with: .*--docs\n/m, '');
}

test(
  'checks explain: what the Linux CLI prints; --docs: the doc page the executable carries',
  { skip: SKIP },
  async (t) => {
    const r = await win(t, ['checks', 'explain', 'storage.pr.support']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /PERSISTENT RESERVE|persistent reservation/i);
    assert.equal(
      withoutDocsHint(r.stdout),
      withoutDocsHint((await linux(['checks', 'explain', 'storage.pr.support'])).stdout),
    );
    const page = await readFile(join(ROOT, 'docs', 'checks', 'storage.pr.support.md'), 'utf8');
    const docs = await win(t, ['checks', 'explain', 'storage.pr.support', '--docs']);
    assert.equal(docs.code, 0, docs.stderr);
    assert.ok(docs.stdout.includes(page.trimEnd()), 'the whole page, from inside the executable');
  },
);

test(
  'validate --from-facts (recorded on Linux) --html --json: the same findings as on Linux, and the HTML report',
  { skip: SKIP, timeout: 120_000 },
  async (t) => {
    const html = join(work, 'report.html');
    const r = await win(t, ['validate', '--from-facts', winePath(factsPath), '--json', '--html', winePath(html)]);
    assert.equal(r.code, 3, r.stderr);
    const report = parse<Report>(r, 'validate --from-facts');
    assert.equal(report.offline, true);
    const linuxHtml = join(work, 'linux.html');
    const onLinux = await linux(['validate', '--from-facts', factsPath, '--json', '--html', linuxHtml]);
    assert.deepEqual(timeless(report), timeless(parse<Report>(onLinux, 'Linux validate --from-facts')));

    const page = await readFile(html, 'utf8');
    assert.match(page, /^<!doctype html>/i);
    for (const f of report.findings) assert.ok(page.includes(f.checkId), `${f.checkId} is in the HTML report`);
    assert.match(page, /HYPERVHOSTN-01A/, 'the fix of config.netbios.name');
    if (tgt) assert.ok(page.includes(T_DISKS), 'the tgt target');
    assert.equal(timelessHtml(page), timelessHtml(await readFile(linuxHtml, 'utf8')));
  },
);

test(
  "iscsi discover against the lab's tgt: the same inventory as the Linux CLI",
  { skip: TGT_SKIP, timeout: 120_000 },
  async (t) => {
    const args = ['iscsi', 'discover', '--portal', tgt!.portal, '--initiator', ME, '--json'];
    const r = await win(t, args);
    assert.equal(r.code, 0, r.stderr);
    const inventory = parse<{ targets: { name: string; luns: { lun: number; sizeBytes: number | null }[] }[] }>(
      r,
      'iscsi discover',
    );
    const disks = inventory.targets.find((x) => x.name === T_DISKS);
    assert.deepEqual(
      disks?.luns.map((l) => [l.lun, l.sizeBytes]),
      [
        [0, null],
        [1, 8 * 2 ** 20],
        [2, 8 * 2 ** 20],
        [3, null],
      ],
      'the controller and the CD-ROM have no capacity read; the disks have theirs',
    );
    assert.deepEqual(inventory, parse(await linux(args), 'Linux iscsi discover'));
  },
);

test(
  'validate live against tgt: the persistent-reservation sequence passes on both disks and leaves no key (read with libiscsi)',
  { skip: TGT_SKIP, timeout: 120_000 },
  async (t) => {
    const html = join(work, 'live.html');
    const r = await win(t, [
      'validate',
      '--config',
      winePath(specPath),
      '--only',
      'storage.*',
      '--json',
      '--html',
      winePath(html),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = parse<Report>(r, 'validate --config');
    assert.equal(report.offline, false);
    assert.deepEqual(
      report.findings.filter((f) => f.checkId === 'storage.pr.support').map((f) => [f.subject, f.status]),
      [
        [`${T_DISKS} LUN 1`, 'pass'],
        [`${T_DISKS} LUN 2`, 'pass'],
      ],
    );
    for (const lun of [1, 2])
      assert.deepEqual(
        (await prKeys(iscsiUrl(tgt!.portal, T_DISKS, lun), 'iqn.2026-11.test.independent:wine')).keys,
        [],
      );
    assert.ok((await readFile(html, 'utf8')).includes('storage.pr.support'));
  },
);

test(
  "storage cleanup against tgt: a killed run's key is listed by --dry-run, then removed (read with libiscsi)",
  { skip: TGT_SKIP, timeout: 120_000 },
  async (t) => {
    // A killed run's key: registered, then the session ends (tgt keeps the registration).
    const key = makeKey(0xdeadbeef, 1);
    const s = await IscsiSession.open({
      portal: tgt!.portal,
      initiatorName: 'iqn.2026-11.test.killed:wine',
      targetName: T_DISKS,
    });
    await new ScsiDevice(s, 2).registerAndIgnore({ saKey: key });
    await s.logout();
    const url = iscsiUrl(tgt!.portal, T_DISKS, 2);
    const reader = 'iqn.2026-11.test.independent:wine';
    assert.deepEqual((await prKeys(url, reader)).keys, ['0x435052deadbeef01']);
    const dry = await win(t, ['storage', 'cleanup', '--config', winePath(specPath), '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /0x435052deadbeef01/);
    assert.deepEqual((await prKeys(url, reader)).keys, ['0x435052deadbeef01'], 'a dry run changes nothing');
    const r = await win(t, ['storage', 'cleanup', '--config', winePath(specPath), '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await prKeys(url, reader)).keys, []);
  },
);

test(
  "nodes.*: on Windows the default PowerShell is powershell.exe, found through PATH and PATHEXT (Wine's is a stub that exits at once)",
  { skip: SKIP, timeout: 120_000 },
  async (t) => {
    const r = await win(t, ['validate', '--config', winePath(specPath), '--only', 'nodes.reachable', '--json']);
    const finding = parse<Report>(r, 'validate nodes.reachable').findings.find((f) => f.checkId === 'nodes.reachable');
    // Not the Linux answer ("this machine runs Linux, not Windows"): the Windows path was taken.
    assert.doesNotMatch(finding?.message ?? '', /not Windows/);
    assert.match(finding?.message ?? '', /\\powershell\.exe\b/i);
    assert.notEqual(finding?.status, 'pass');
  },
);

test(
  'storage.devices (Linux device nodes) on Windows: skipped, saying where they can be read',
  { skip: SKIP },
  async (t) => {
    const devices = join(work, 'devices.yaml');
    await writeFile(
      devices,
      'nodes:\n  - { name: hv01 }\n  - { name: hv02 }\nstorage:\n  iscsi: []\n  devices: [/dev/sdb]\n',
    );
    const r = await win(t, ['validate', '--config', winePath(devices), '--only', 'storage.lun.inventory', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const findings = parse<Report>(r, 'validate storage.devices').findings;
    assert.deepEqual(
      findings.map((f) => [f.subject, f.status, f.messageId]),
      [['/dev/sdb', 'skipped', 'deviceNotLinux']],
    );
    assert.match(findings[0]!.message, /this machine runs Windows/);
  },
);

test('a plugin check given as a Windows path loads (a file URL made from Z:\\...)', { skip: SKIP }, async (t) => {
  const plugin = winePath(join(ROOT, 'examples', 'plugins', 'fqdn-in-domain.js'));
  const spec = winePath(join(ROOT, 'examples', 'review-lab.yaml'));
  const r = await win(t, ['validate', '--config', spec, '--plugin', plugin, '--only', 'site.*', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    parse<Report>(r, 'validate --plugin').findings.map((f) => [f.checkId, f.status]),
    [
      ['site.fqdn.domain', 'pass'],
      ['site.fqdn.domain', 'pass'],
      ['site.fqdn.domain', 'pass'],
    ],
  );
});

// What Wine cannot run: the Windows side that is not verified here (README: "Not verified on real Windows").
const NOT_UNDER_WINE: readonly [string, string][] = [
  [
    'nodes.* against real nodes over PowerShell remoting',
    "Wine's powershell.exe is a stub (it prints a FIXME and exits) and Wine has no WinRM client: Invoke-Command, the node script and its output parsing run only against recorded PowerShell output (test/fixtures/powershell)",
  ],
  [
    'Active Directory without a password (the ActiveDirectory module, Kerberos as the logged-in user)',
    'needs RSAT PowerShell and a domain-joined Windows host; Wine has neither',
  ],
  [
    "nodes.initiator.iqn: each node's name in the Microsoft iSCSI Initiator",
    'read on the nodes over PowerShell remoting (Get-InitiatorPort), which Wine cannot run; clusterprobe itself logs in with its own initiator, which the tests above run',
  ],
  [
    'Ctrl-C, Ctrl-Break and a closed console window during validate (cleanup of reservation keys)',
    'under Wine the output must go to files, and the test has no Windows console to send a console control event (Ctrl-C, Ctrl-Break, close) to; the stop-and-clean-up path is tested on Linux with SIGINT, SIGTERM and SIGHUP',
  ],
];
for (const [what, why] of NOT_UNDER_WINE) test(`not under Wine: ${what}`, { skip: why }, () => {});
