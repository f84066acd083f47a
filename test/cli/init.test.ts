/**
 * `clusterprobe init` without a terminal: it refuses with exit 2 and says what to do instead,
 * before asking anything or writing anything. (The wizard itself is driven in a terminal in
 * test/integration/init-wizard.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ROOT, runCli, tempDir } from '../helpers/cli.ts';
import { startCliTerminal } from '../helpers/terminal.ts';

test('without a TTY init refuses with exit 2, names the alternatives and writes nothing', async () => {
  const dir = await tempDir();
  const r = await runCli(['init'], { cwd: dir });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^clusterprobe: init is interactive: it needs a terminal on stdin and stdout/);
  assert.match(r.stderr, /clusterprobe init --example --output cluster\.yaml/);
  assert.match(r.stderr, /clusterprobe validate --config cluster\.yaml/);
  assert.match(r.stderr, /run clusterprobe init in a terminal/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(r.stdout, '');
  assert.deepEqual(await readdir(dir), []);
});

test('a terminal on stdin but stdout redirected is refused the same way', async () => {
  const dir = await tempDir();
  const out = join(dir, 'stdout.txt');
  const term = await startCliTerminal(['init', '--output', join(dir, 'cluster.yaml')], { stdoutFile: out });
  try {
    assert.equal(await term.exitCode(), 2, await term.log());
    assert.match(await term.screen(), /init is interactive: it needs a terminal on stdin and stdout/);
    assert.equal(await readFile(out, 'utf8'), '');
    assert.deepEqual(await readdir(dir), ['stdout.txt']);
  } finally {
    await term.close();
  }
});

test('Ctrl-C at a question stops with 130 and writes nothing', async () => {
  const dir = await tempDir();
  const term = await startCliTerminal(['init'], { cwd: dir });
  try {
    await term.waitFor(/^\? Cluster name/m);
    await term.type('HVCLUSTER01');
    await term.keys('Enter');
    await term.waitFor(/^\? Target Windows Server version/m);
    await term.keys('C-c');
    assert.equal(await term.exitCode(), 130, await term.log());
    assert.match(await term.screen(), /clusterprobe init: stopped; nothing written\./);
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await term.close();
  }
});

test('init --help: what it asks, its flags and examples', async () => {
  const r = await runCli(['init', '--help']);
  assert.equal(r.code, 0, r.stderr);
  for (const text of [
    'USAGE',
    'EXAMPLES',
    '--output',
    '--force',
    '--dns-server',
    '--initiator',
    'never asked for nor written',
  ])
    assert.ok(r.stdout.includes(text), text);
});

test('init --example writes the commented example spec without a terminal: it loads, refers to the schema, is not overwritten without --force', async () => {
  const dir = await tempDir();
  const r = await runCli(['init', '--example', '--output', 'spec.yaml'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Wrote spec\.yaml: the example spec/);
  assert.match(r.stdout, /clusterprobe validate --config spec\.yaml/);
  const text = await readFile(join(dir, 'spec.yaml'), 'utf8');
  const example = await readFile(join(ROOT, 'examples/review-lab.yaml'), 'utf8');
  // The schema reference points at this installation's schema, from where the spec now is.
  const ref = /^# yaml-language-server: \$schema=(.+)\n/.exec(text)?.[1];
  assert.equal(resolve(dir, ref ?? ''), join(ROOT, 'schema/cluster-spec.schema.json'), text.slice(0, 200));
  // The rest is the example as shipped, its usage line naming the file it now is.
  assert.match(text, /^#\s+clusterprobe validate --config spec\.yaml$/m);
  assert.equal(
    text.replace(/^.*\n/, ''),
    example.replace(/^.*\n/, '').replace('--config examples/review-lab.yaml', '--config spec.yaml'),
  );
  const v = await runCli(['validate', '--config', 'spec.yaml', '--only', 'config.*', '--json'], { cwd: dir });
  assert.equal(v.code, 3, v.stderr);
  const findings = (JSON.parse(v.stdout) as { findings: { checkId: string; messageId: string }[] }).findings;
  assert.ok(findings.some((f) => f.checkId === 'config.netbios.collision' && f.messageId === 'collision'));

  const again = await runCli(['init', '--example', '--output', 'spec.yaml'], { cwd: dir });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /spec\.yaml exists, and init does not overwrite a spec/);
  await writeFile(join(dir, 'spec.yaml'), 'edited');
  const forced = await runCli(['init', '--example', '--output', 'spec.yaml', '--force'], { cwd: dir });
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(await readFile(join(dir, 'spec.yaml'), 'utf8'), text);
});
