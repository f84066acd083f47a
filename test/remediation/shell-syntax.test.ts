/**
 * The command validator itself: it must reject what PowerShell, sh and cmd reject (or would run
 * as code), and accept what they accept, including where the PowerShell grammar errs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cmdProblems, markerLeaks, powershellProblems, shProblems } from '../helpers/shell-syntax.ts';

const PS_BAD: readonly [string, string][] = [
  ['Stop-VM -Name <vm>', 'bare placeholder: < is reserved'],
  ['Test-WSMan -ComputerName <node>', 'bare placeholder'],
  ['Resolve-DnsName hv01.lab.example.test -Server <DNS server>', 'bare placeholder with a space'],
  [
    'Connect-IscsiTarget -NodeAddress iqn.2026-11.test:csv1 -ChapSecret <secret> -IsPersistent $true',
    'bare placeholder',
  ],
  ['certutil -ca.cert ca.cer', 'PowerShell splits -ca.cert: a cmd line'],
  ["New-ADComputer -Name hv02'x", 'a lone quote in a bare word (the grammar accepts it)'],
  ["Resolve-DnsName hv02'x.lab.example.test", 'a lone quote in a bare word'],
  ['Get-ADComputer -Identity hv02\u2019x', 'a typographic quote in a bare word'],
  ["Get-ADComputer -Identity 'hv02\u2018x'", 'a typographic quote ends a single-quoted string early'],
  ["Get-ADComputer -Identity 'hv02\u201Bx'", 'a typographic quote ends a single-quoted string early'],
  ['Write-Output "a\u201Cb"', 'a typographic double quote ends a double-quoted string early'],
  ["Get-ADComputer -Identity 'a'b'", 'an unbalanced quote'],
  ['Get-ADComputer -Identity hv02$(Invoke-Pwn)', '$( in a bare word expands'],
  ['Get-ADComputer -Identity hv02$pwn', '$name in a bare word expands'],
  ['Get-ADComputer -Identity hv02`;x', 'a backtick in a bare word'],
  ['Get-Content < file.txt', '< as an input redirection is reserved'],
  ['try { Get-Item x }', 'try without catch or finally'],
  ['Get-Item (x', 'an unclosed parenthesis'],
  ["Set-Item WSMan:\\localhost\\Client\\TrustedHosts -Value ''hv06'' -Concatenate", 'a quoted name quoted again'],
];

const PS_GOOD: readonly [string, string][] = [
  ["Stop-VM -Name '<vm>'", 'a quoted placeholder'],
  ["$vm = Read-Host 'VM name'; Stop-VM -Name $vm", 'a variable set on the line before'],
  ['Format-Table Name, Status', 'a bare-word comma list (the grammar rejects it)'],
  ['Import-Module ServerManager; Add-WindowsFeature Failover-Clustering, RSAT-Clustering', 'a bare-word comma list'],
  ['New-Cluster -Name c1 -Node hv01,hv02', 'a comma list without spaces'],
  [
    "Add-DnsServerResourceRecordA -ZoneName 'lab' -Name 'hv01' -IPv4Address '10.0.0.21'",
    'a parameter name with a digit (the grammar rejects it)',
  ],
  ["Get-ADComputer -Identity 'hv02''x'", "a doubled ' in a single-quoted string"],
  ["Get-ADComputer -Identity 'hv02\u2018\u2018x\u2019\u2019'", 'doubled typographic quotes (psQuote)'],
  ["Get-ADComputer -Identity 'hv02$(x)`;'", 'nothing expands in single quotes'],
  ['Write-Output "a `"b`" $($env:COMPUTERNAME)"', 'escaped quotes and a sub-expression in a double-quoted string'],
  ['try { Get-Item x } catch { $_ }', 'try with catch'],
  ['Get-ADComputer -Identity HV02$', 'a trailing $ is literal'],
  ["Get-Item x # a <comment> with it's quote", 'a comment'],
  ['Get-Item x 2>&1 | Out-Null', 'a merging redirection'],
];

for (const [command, why] of PS_BAD) {
  test(`PowerShell rejected: ${why}: ${command}`, async () => {
    assert.notDeepEqual(await powershellProblems(command), [], command);
  });
}
for (const [command, why] of PS_GOOD) {
  test(`PowerShell accepted: ${why}: ${command}`, async () => {
    assert.deepEqual(await powershellProblems(command), []);
  });
}

test('sh: shellcheck rejects bare placeholders and broken quoting, accepts quoted ones, in one batch', () => {
  const bad = [
    'tgtadm --lld iscsi --op new --mode logicalunit --tid <tid> --lun 1',
    "samba-tool computer add hv02'x",
    'targetcli /backstores/<type>/<name> set attribute emulate_pr=1',
    'echo $(id) "unterminated',
  ];
  const good = [
    "tgtadm --lld iscsi --op new --mode logicalunit --tid '<tid>' --lun 1",
    "samba-tool computer add 'hv02'\\''x$(id)'",
    'host hv01.lab.example.test   # a comment with <tid>',
  ];
  const verdicts = shProblems([...bad, ...good]);
  for (const c of bad) assert.notDeepEqual(verdicts.get(c), [], c);
  for (const c of good) assert.deepEqual(verdicts.get(c), [], c);
});

test('cmd: unbalanced quotes, bare placeholders and & | inside words are rejected', () => {
  for (const c of [
    'net localgroup Administrators <DOMAIN>\\<user> /add',
    'dsacls "OU=a,DC=b /G x',
    'netdom renamecomputer hv|01 /newname:hv01',
    'netdom renamecomputer hv&01 /newname:hv01',
  ])
    assert.notDeepEqual(cmdProblems(c), [], c);
  for (const c of [
    'net localgroup Administrators "<DOMAIN>\\<user>" /add',
    'dsacls "OU=a&b|c<d>,DC=x" /G "<user>:GA"',
    'ipconfig /flushdns && ipconfig /registerdns',
    'echo a ^& b',
  ])
    assert.deepEqual(cmdProblems(c), [], c);
});

test('a hostile marker outside a literal string is found, inside one it is not', async () => {
  assert.notDeepEqual(await markerLeaks('powershell', "New-ADComputer -Name hv02'$(cpwn)", 'cpwn'), []);
  assert.notDeepEqual(await markerLeaks('powershell', 'Write-Output "hv02$(cpwn)"', 'cpwn'), []);
  assert.deepEqual(await markerLeaks('powershell', "New-ADComputer -Name 'hv02''$(cpwn)'", 'cpwn'), []);
  assert.notDeepEqual(await markerLeaks('sh', 'samba-tool computer add "hv02$(cpwn)"', 'cpwn'), []);
  assert.deepEqual(await markerLeaks('sh', "samba-tool computer add 'hv02'\\''$(cpwn)'", 'cpwn'), []);
  assert.notDeepEqual(await markerLeaks('cmd', 'netdom renamecomputer hv02&cpwn /newname:x', 'cpwn'), []);
  assert.deepEqual(await markerLeaks('cmd', 'netdom renamecomputer "hv02&cpwn" /newname:x', 'cpwn'), []);
});

test("PowerShell: a quote inside a script's help block opens no string, so a comma list after it is still told apart from a string", async () => {
  // A script's help (`<# ... #>`) with an apostrophe, then a string with a comma: before block
  // comments were known, the apostrophe opened a "string" that ran on, and the comma-list rewrite
  // for the grammar then changed the real string's words and made the script fail to parse.
  const script = [
    '<#',
    '.SYNOPSIS',
    "Adds the node's A record.",
    '#>',
    "Write-Host 'already done, nothing to change.'",
    'Get-Process | Select-Object Name, Id',
    '',
  ].join('\n');
  assert.deepEqual(await powershellProblems(script), []);
  assert.match((await powershellProblems(script.replace("'already", 'already')))[0] ?? '', /does not parse|quote/);
});

test('a hostile marker that ends a PowerShell comment is inside it', async () => {
  assert.deepEqual(await markerLeaks('powershell', "# a title cpwn\nWrite-Host 'x'\n", 'cpwn'), []);
  assert.notDeepEqual(await markerLeaks('powershell', 'Write-Host x cpwn\n', 'cpwn'), []);
});
