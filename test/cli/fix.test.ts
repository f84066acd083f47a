/**
 * `clusterprobe fix` through the built CLI: a report saved by `validate --json` becomes a script
 * (stdout or --output), and what it cannot make a script of is exit 2 with what to do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, tempFiles } from '../helpers/cli.ts';
import { powershellProblems } from '../helpers/shell-syntax.ts';
import { shScriptProblems } from '../helpers/fix-scripts.ts';
import type { Report } from '../../src/engine/report.ts';
import { nextCommand } from '../../src/commands/fix-run.ts';

const SPEC = [
  'nodes:',
  '  - { name: HYPERVHOSTNODE-01A }',
  '  - { name: HYPERVHOSTNODE-01B }',
  '  - { name: hv03 }',
].join('\n');

async function savedReport(): Promise<{ dir: string; file: string; report: Report }> {
  const dir = await tempFiles({ 'c.yaml': SPEC });
  const run = await runCli(['validate', '-c', join(dir, 'c.yaml'), '--only', 'config.*', '--json']);
  assert.equal(run.code, 3, run.stderr);
  const file = join(dir, 'run.json');
  await writeFile(file, run.stdout);
  return { dir, file, report: JSON.parse(run.stdout) as Report };
}

test('fix writes the PowerShell script of the saved plan to stdout, and says what it wrote on stderr', async () => {
  const { file, report } = await savedReport();
  const keys = report.plan!.actions.map((a) => a.key);
  assert.deepEqual(keys, ['rename-node:hypervhostnode-01a', 'rename-node:hypervhostnode-01b']);
  const r = await runCli(['fix', '--from', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\[CmdletBinding\(SupportsShouldProcess = \$true\)\]$/m);
  for (const k of keys) assert.match(r.stdout, new RegExp(`\\[\\d/2\\] ${k}`));
  assert.deepEqual(await powershellProblems(r.stdout), []);
  assert.match(r.stderr, /^clusterprobe fix: the script: 2 of 2 actions in powershell\.$/m);
  assert.match(r.stderr, /It runs the commands the report carries: write it from a report your own validate run wrote/);
  assert.match(r.stdout, /Rename-Computer -ComputerName 'HYPERVHOSTNODE-01A' -NewName \$NewNameHypervhostnode01a/);
});

test('fix --output writes the PowerShell script with a UTF-8 byte order mark, which Windows PowerShell 5.1 needs to read UTF-8', async () => {
  const { dir, file } = await savedReport();
  const out = join(dir, 'fix-plan.ps1');
  const r = await runCli(['fix', '--from', file, '--output', out]);
  assert.equal(r.code, 0, r.stderr);
  const bytes = await readFile(out);
  // Without the mark, 5.1 reads the ANSI code page: the UTF-8 of a Cyrillic ё (D1 91) would hold 0x91, a quote there.
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  assert.match(bytes.subarray(3).toString('utf8'), /^<#\n\.SYNOPSIS/);
  assert.match(r.stderr, /Next: & '.*fix-plan\.ps1' -WhatIf/);
});

test('fix --shell sh --output writes an executable sh script that parses; --only narrows it', async () => {
  const { dir, file } = await savedReport();
  const out = join(dir, 'fix.sh');
  const r = await runCli([
    'fix',
    '--from',
    file,
    '--shell',
    'sh',
    '--output',
    out,
    '--only',
    // As the report shows the node (upper case): the same action as its key.
    'rename-node:HYPERVHOSTNODE-01B',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  const script = await readFile(out, 'utf8');
  assert.equal((await stat(out)).mode & 0o111, 0o111);
  assert.deepEqual(shScriptProblems(script), []);
  assert.match(
    script,
    /\[2\/2\] rename-node:hypervhostnode-01b: not in this script: it needs Windows \(node HYPERVHOSTNODE-01B\): clusterprobe fix --shell powershell\./,
  );
  assert.doesNotMatch(script, /hypervhostnode-01a/);
  assert.match(
    r.stderr,
    new RegExp(`clusterprobe fix: ${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: 0 of 1 action in sh`),
  );
  assert.ok(r.stderr.includes(`Next: sh '${out}'   (a dry run; add --apply to change)`), r.stderr);
  // An sh script named .ps1 is said to be one.
  const odd = await runCli(['fix', '--from', file, '--shell', 'sh', '--output', join(dir, 'fix.ps1')]);
  assert.equal(odd.code, 0, odd.stderr);
  assert.match(odd.stderr, /Note: .*fix\.ps1 is an sh script \(--shell sh\), not PowerShell: name it \.sh/);
});

test('fix refuses, with exit 2 and what to do: a report older than the plan, an unknown --only, an unwritable --output', async () => {
  const { dir, file } = await savedReport();
  // A report saved before the plan existed: the same report without its plan.
  const saved = JSON.parse(await readFile(file, 'utf8')) as Report;
  delete saved.plan;
  await writeFile(join(dir, 'old.json'), JSON.stringify(saved));
  const old = await runCli(['fix', '--from', join(dir, 'old.json')]);
  assert.equal(old.code, 2);
  assert.match(
    old.stderr,
    /this report has no plan: it was written by a clusterprobe older than the plan\. Run `clusterprobe validate --json` again/,
  );
  const only = await runCli(['fix', '--from', file, '--only', 'move-ou']);
  assert.equal(only.code, 2);
  assert.match(
    only.stderr,
    /--only move-ou: not an action of this report's plan; its actions are rename-node:hypervhostnode-01a, rename-node:hypervhostnode-01b/,
  );
  const nowhere = await runCli(['fix', '--from', file, '--output', join(dir, 'no/such/dir/fix.ps1')]);
  assert.equal(nowhere.code, 2);
  assert.match(nowhere.stderr, /--output .*: the directory .* does not exist; create it \(mkdir -p/);
  const shell = await runCli(['fix', '--from', file, '--shell', 'bash']);
  assert.equal(shell.code, 2);
  assert.match(shell.stderr, /Expected --shell=bash to be one of: powershell, sh/);
  const spec = await runCli(['fix', '--from', join(dir, 'c.yaml')]);
  assert.equal(spec.code, 2);
  assert.match(spec.stderr, /is a cluster spec, not a report/);
});

test('the next command fix prints runs as printed: PowerShell needs .\\ for a file here, and paths are quoted', () => {
  assert.equal(
    nextCommand('powershell', 'fix.ps1'),
    "& '.\\fix.ps1' -WhatIf   (then -Confirm to be asked before each action)",
  );
  assert.equal(
    nextCommand('powershell', "C:\\Change 42\\it's.ps1"),
    "& 'C:\\Change 42\\it''s.ps1' -WhatIf   (then -Confirm to be asked before each action)",
  );
  assert.equal(nextCommand('powershell', './fix.ps1').startsWith("& './fix.ps1'"), true);
  assert.equal(nextCommand('sh', '/tmp/my dir/fix.sh'), "sh '/tmp/my dir/fix.sh'   (a dry run; add --apply to change)");
});
