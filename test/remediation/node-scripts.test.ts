/**
 * The PowerShell clusterprobe sends: every script, as wrapped and sent, parses; and the block
 * Invoke-Command runs on the nodes uses nothing newer than PowerShell 2.0 (Windows Server 2008 R2).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { powershell2Problems, powershellProblems } from '../helpers/shell-syntax.ts';
import { buildCommand, type PsScript } from '../../src/windows/powershell.ts';
import { nodeFactsParams, nodeFactsScript, REMOTE_BLOCK } from '../../src/windows/node-facts.ts';
import { adDirectoryScript, adSecurityScript } from '../../src/windows/ad-facts.ts';

const HOSTILE = "hv02'x$(Invoke-Pwn)`;‘’";
const SCRIPTS: readonly [string, PsScript<unknown>, unknown][] = [
  ['node facts', nodeFactsScript as PsScript<unknown>, nodeFactsParams(['hv01.lab.example.test', HOSTILE], 60_000)],
  [
    'AD directory',
    adDirectoryScript as PsScript<unknown>,
    { domain: 'lab.example.test', nodes: [HOSTILE], server: HOSTILE },
  ],
  ['AD security', adSecurityScript as PsScript<unknown>, { dns: [`OU=${HOSTILE},DC=lab`] }],
];

for (const [name, script, params] of SCRIPTS) {
  test(`the ${name} script parses, as wrapped and sent, with hostile inputs (they travel as base64)`, async () => {
    const command = buildCommand(script, params);
    assert.deepEqual(await powershellProblems(command), []);
    assert.ok(!command.includes('Invoke-Pwn'), 'inputs are data, never code');
  });
}

test('the block run on the nodes is the one tested, and uses nothing newer than PowerShell 2.0', async () => {
  assert.ok(nodeFactsScript.body.includes(REMOTE_BLOCK));
  assert.deepEqual(await powershellProblems(REMOTE_BLOCK), []);
  assert.deepEqual(await powershell2Problems(REMOTE_BLOCK), []);
});

const NEWER: readonly string[] = [
  '[pscustomobject]@{ a = 1 }',
  '[PSCustomObject]@{ a = 1 }',
  '[ordered]@{ a = 1 }',
  "if ('a' -in $list) { 1 }",
  "if ('a' -notin $list) { 1 }",
  '$x = 1 -shl 2',
  '$list.ForEach({ $_ })',
  "$list.Where({ $_ -eq 'a' })",
  '$o = [System.Text.StringBuilder]::new()',
  '$PSItem',
  'Get-ChildItem $PSScriptRoot',
  'Invoke-Command -ComputerName hv01 -ScriptBlock { $using:x }',
  '$j = @{ a = 1 } | ConvertTo-Json',
  "$o = '{}' | ConvertFrom-Json",
  'Get-CimInstance -ClassName Win32_OperatingSystem',
  'Invoke-CimMethod -ClassName Win32_Process -MethodName Create',
  'Get-Service | Where-Object Status -eq Running',
  'Get-Service | ? Status -eq Running',
  'Get-Service | ForEach-Object Name',
  'Get-Item x -ErrorAction Ignore',
  'Get-Item x -ErrorAction:Ignore',
  "Get-Item x -ea 'Ignore'",
  'class Node { [string]$Name }',
  'enum Color { Red }',
  'Get-Item x && Get-Item y',
];
const FINE: readonly string[] = [
  'New-Object PSObject -Property @{ a = 1 }',
  "if ($list -contains 'a') { 1 }",
  'foreach ($x in @($list)) { $x }',
  "Get-WmiObject -Class Win32_OperatingSystem -Filter 'x = 1'",
  'Get-Service | Where-Object { $_.Status -eq "Running" }',
  'Get-Service | ForEach-Object -Process { $_.Name }',
  'Get-Service | Where-Object -FilterScript { $_ }',
  'Get-Item x -ErrorAction SilentlyContinue',
  '[System.Management.ManagementDateTimeConverter]::ToDateTime($s)',
  '$cpProblems = New-Object System.Collections.ArrayList',
  "$x = $o.PSObject.Properties['InstallState']",
];

for (const script of NEWER) {
  test(`PowerShell 2.0 check rejects: ${script}`, async () => {
    assert.notDeepEqual(await powershell2Problems(script), [], script);
  });
}
test('PowerShell 2.0 check accepts what 2.0 has', async () => {
  for (const script of FINE) assert.deepEqual(await powershell2Problems(script), [], script);
});
