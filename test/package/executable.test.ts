/**
 * The Linux single executable (`npm run package` -> dist-bin/clusterprobe-linux-x64), run as a
 * user would get it: a copy alone in an empty temporary directory, started from there with a PATH
 * that holds no Node.js, so nothing of the checkout (node_modules, docs/, schema/) can help it.
 * Against the review's lab built for real (a Samba AD DC in mixed mode, a tgt target with a disk
 * LUN and a CD LUN, as scripts/demo.ts builds it): `validate` finds the review's walls and writes
 * the HTML report, `report --from` renders its JSON again, `storage cleanup --dry-run` lists a key
 * an interrupted run left (and leaves it there). Skipped, saying why, when the executable has not
 * been built (CI builds it: .ci/run runs `npm run package`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { chmod, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runWrapped, ROOT, type CliResult } from '../helpers/cli.ts';
import { startSamba, type SambaLab } from '../lab/samba.ts';
import { startTgt, iscsiUrl, type TgtLab } from '../lab/tgt.ts';
import { prKeys } from '../lab/libiscsi.ts';
import { judge, planFor, specText, DOMAIN, OU, TARGET } from '../../scripts/demo.ts';
import { LINUX_EXE, SEA_NODE } from '../../scripts/package.ts';
import { builtinChecks } from '../../checks/index.ts';
import { IscsiSession } from '../../src/iscsi/index.ts';
import { ScsiDevice } from '../../src/scsi/device.ts';
import { keyHex, makeKey } from '../../src/storage/keys.ts';
import type { Report } from '../../src/engine/report.ts';

const built = existsSync(LINUX_EXE);
const skip = built ? false : `${LINUX_EXE} is not built: run "npm run package" first (.ci/run does)`;
/** No Node.js on it: the executable must not need one. */
const BARE_PATH = '/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin';
const AD_PASSWORD = 'Exe-Lab-password-7q!';
const plan = planFor('broken');
const iqn = (name: string) => `iqn.1991-05.com.microsoft:${name.toLowerCase()}.${DOMAIN}`;

let dir: string;
let exe: string;
let samba: SambaLab | undefined;
let tgt: TgtLab | undefined;

before(async () => {
  if (!built) return;
  dir = await mkdtemp(join(tmpdir(), 'clusterprobe-exe-'));
  exe = join(dir, 'clusterprobe');
  await copyFile(LINUX_EXE, exe);
  await chmod(exe, 0o755);
});

after(async () => {
  await samba?.stop();
  await tgt?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function run(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runWrapped([exe, ...args], { cwd: dir, env: { PATH: BARE_PATH, NO_COLOR: '1', ...env }, timeoutMs: 120_000 });
}

/** The review's lab as scripts/demo.ts builds it, bound as the account that may create the computers. */
async function reviewLab(): Promise<{ samba: SambaLab; tgt: TgtLab }> {
  const [s, t] = await Promise.all([startSamba({ functionLevel: '2003', noTemplate: true }), startTgt()]);
  samba = s;
  tgt = t;
  await s.setMixedMode(true);
  await s.addOu(OU);
  await s.addUser('clusteradm', AD_PASSWORD, { ou: 'OU=Servers' });
  await s.grantCreateComputer('clusteradm', s.dn(OU));
  for (const n of plan.nodes) {
    await s.addComputer(n.computer, {
      ...(n.ou ? { ou: n.ou } : {}),
      dnsHostName: `${n.name.toLowerCase()}.${DOMAIN}`,
      enabled: true,
    });
    await s.addDnsA(n.name.toLowerCase(), n.ip);
  }
  const tid = await t.addTarget(TARGET);
  for (const l of plan.luns) await t.addLun(tid, l.lun, { sizeMiB: l.sizeMiB, deviceType: l.deviceType });
  for (const n of plan.nodes) await t.bindInitiator(tid, iqn(n.name));
  return { samba: s, tgt: t };
}

test('the executable is Node 24 with clusterprobe inside, and says so', { skip }, async () => {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const r = await run(['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), `clusterprobe/${pkg.version} linux-x64 node-v${SEA_NODE.linux.version}`);
  assert.equal(r.stderr, '', 'no SEA warning, no engine warning');
  assert.ok(statSync(exe).size > 50 * 2 ** 20, 'a whole Node is inside');
});

test(
  'checks list --json lists every built-in check, found without a package.json or a directory scan',
  { skip },
  async () => {
    const r = await run(['checks', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const listed = (JSON.parse(r.stdout) as { id: string; source: string }[]).map((c) => c.id);
    assert.deepEqual(
      listed,
      builtinChecks.map((c) => c.meta.id),
    );
    // And a command oclif must find by its topic: the help of every command is there.
    const help = await run(['--help']);
    assert.equal(help.code, 0, help.stderr);
    for (const cmd of [
      'validate',
      'report',
      'checks list',
      'checks explain',
      'iscsi discover',
      'storage cleanup',
      'init',
    ])
      assert.ok(help.stdout.includes(cmd) || help.stdout.includes(cmd.split(' ')[0]!), `${cmd} in:\n${help.stdout}`);
  },
);

test('a plugin (a plain ES module beside the spec) loads into the executable', { skip }, async () => {
  await copyFile(join(ROOT, 'examples/plugins/fqdn-in-domain.js'), join(dir, 'fqdn-in-domain.js'));
  const r = await run(['checks', 'list', '--json', '--plugin', './fqdn-in-domain.js']);
  assert.equal(r.code, 0, r.stderr);
  const site = (JSON.parse(r.stdout) as { id: string; source: string }[]).find((c) => c.id === 'site.fqdn.domain');
  assert.deepEqual(site, { ...site, source: './fqdn-in-domain.js' });
});

test('init --example writes the embedded example spec, which validate then reads', { skip }, async () => {
  const r = await run(['init', '--example', '--output', 'example.yaml']);
  assert.equal(r.code, 0, r.stderr);
  const text = await readFile(join(dir, 'example.yaml'), 'utf8');
  const example = await readFile(join(ROOT, 'examples/review-lab.yaml'), 'utf8');
  // No schema reference (the schema is inside the executable, not on disk), nor the empty comment
  // line after it; the usage line names the file written.
  assert.equal(
    text,
    example
      .replace(/^# yaml-language-server: .*\n#\n/, '')
      .replace('--config examples/review-lab.yaml', '--config example.yaml'),
  );
  const v = await run(['validate', '--config', 'example.yaml', '--only', 'config.*', '--json']);
  assert.equal(v.code, 3, v.stderr);
  const findings = (JSON.parse(v.stdout) as Report).findings;
  assert.ok(findings.some((f) => f.checkId === 'config.netbios.collision' && f.messageId === 'collision'));
});

test('checks explain --docs prints the documentation page embedded in the executable', { skip }, async () => {
  const page = await readFile(join(ROOT, 'docs/checks/storage.pr.support.md'), 'utf8');
  const r = await run(['checks', 'explain', 'storage.pr.support', '--docs']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes(page.trimEnd()), r.stdout.slice(-500));
  const json = await run(['checks', 'explain', 'storage.pr.support', '--docs', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as { id: string; docs: string; docsText: string };
  assert.equal(parsed.docs, 'docs/checks/storage.pr.support.md', 'the contract field is unchanged');
  assert.equal(parsed.docsText, page);
  // Without --docs, the text says how to get the page.
  const plain = await run(['checks', 'explain', 'storage.pr.support']);
  assert.match(plain.stdout, /inside this executable.*checks explain storage\.pr\.support --docs/);
});

test(
  'validate against the review lab (Samba, tgt) with --html, report --from its JSON, storage cleanup --dry-run',
  { skip, timeout: 240_000 },
  async () => {
    const lab = await reviewLab();
    await writeFile(join(dir, 'cluster.yaml'), specText(plan, lab.samba, lab.tgt));
    const env = { CLUSTERPROBE_AD_PASSWORD: AD_PASSWORD };

    // validate: the review's walls, from the real servers.
    const v = await run(['validate', '--config', 'cluster.yaml', '--html', 'report.html', '--json'], env);
    assert.ok(!v.stdout.includes(AD_PASSWORD) && !v.stderr.includes(AD_PASSWORD), 'the password is never printed');
    const report = JSON.parse(v.stdout) as Report;
    const verdict = judge('broken', report, v.code);
    assert.deepEqual(verdict.problems, [], v.stderr.slice(-2000));
    assert.equal(v.code, 3);
    await writeFile(join(dir, 'report.json'), v.stdout);

    // The HTML report: one self-contained file holding the same findings.
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    assert.match(html, /^<!doctype html>/i);
    assert.ok(html.includes(`${TARGET} LUN 2`), 'the CD LUN is in the HTML');
    for (const f of report.findings) assert.ok(html.includes(f.checkId), `${f.checkId} in the HTML`);
    assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)="?https?:/i, 'nothing loaded from elsewhere');

    // report --from: the saved JSON rendered again (exit 0: it rendered), the same findings.
    const again = await run(['report', '--from', 'report.json', '--html', 'again.html']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /FAIL\s+storage\.pr\.support/);
    assert.match(again.stdout, /FAIL\s+ad\.domain\.functional-level/);
    const againHtml = await readFile(join(dir, 'again.html'), 'utf8');
    for (const f of report.findings) assert.ok(againHtml.includes(f.checkId), `${f.checkId} in the re-rendered HTML`);

    // storage cleanup --dry-run: a key of ours that a killed run left (registered, session ended).
    const leftover = makeKey(0xc0ffee, 1);
    const s = await IscsiSession.open({ portal: lab.tgt.portal, initiatorName: iqn('hv03'), targetName: TARGET });
    await new ScsiDevice(s, 1).registerAndIgnore({ saKey: leftover });
    await s.logout();
    const hex = keyHex(leftover);
    const url = iscsiUrl(lab.tgt.portal, TARGET, 1);
    const reader = iqn('HYPERVHOSTNODE-01A');
    assert.deepEqual((await prKeys(url, reader)).keys, [hex], 'read by libiscsi, another initiator');
    const dry = await run(['storage', 'cleanup', '--config', 'cluster.yaml', '--dry-run', '--json']);
    const result = JSON.parse(dry.stdout) as { dryRun: boolean; luns: { lun: number; found: string[] }[] };
    assert.equal(result.dryRun, true);
    assert.deepEqual(result.luns.find((l) => l.lun === 1)?.found, [hex], dry.stdout);
    assert.deepEqual((await prKeys(url, reader)).keys, [hex], 'a dry run removes nothing');
    const text = await run(['storage', 'cleanup', '--config', 'cluster.yaml', '--dry-run']);
    assert.ok(text.stdout.includes(hex), text.stdout);
  },
);
