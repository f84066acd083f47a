/**
 * The nodes.facts script (src/windows/node-facts.ts): what it sends (no input as code, a remote
 * block Windows PowerShell 2.0 can run) and how its output is read, against the hand-written
 * recordings in test/fixtures/powershell/nodes (the shapes Windows PowerShell 5.1 and pwsh 7
 * print; see the README there: nothing in them was captured from Windows).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildCommand, ENVELOPE_MARKER, parseEnvelope, PowerShellError } from '../../src/windows/powershell.ts';
import {
  nodeFactsParams,
  nodeFactsScript,
  parseNodeFacts,
  REMOTE_BLOCK,
  windowsRelease,
  type NodeOutput,
} from '../../src/windows/node-facts.ts';
import { assembleNodes, matchTarget } from '../../src/windows/node-probe.ts';
import { RECORDINGS_FILE, render } from '../fixtures/powershell/nodes/compose.ts';
import { os2019 } from '../checks/nodes/facts.ts';
import type { NodeFacts } from '../../src/facts/index.ts';

interface Recording {
  readonly case: string;
  readonly shape?: string;
  readonly json?: string;
}
const RECORDINGS = JSON.parse(readFileSync(RECORDINGS_FILE, 'utf8')) as Recording[];

function recording(name: string) {
  const r = RECORDINGS.find((c) => c.case === name);
  assert.ok(r?.json, `recording ${name}`);
  return parseEnvelope(nodeFactsScript, `${ENVELOPE_MARKER}${r.json}\n`, '');
}

function factsOf(outputs: readonly NodeOutput[], target: string): NodeFacts {
  const o = outputs.find((x) => x.target === target);
  assert.ok(o && 'facts' in o, `facts for ${target}: ${JSON.stringify(o)}`);
  return o.facts;
}

const HOSTILE = [
  "hv01'; Remove-Item C:\\ -Recurse; '",
  '$(calc)',
  '`$(Stop-Computer)`',
  '"; Restart-Computer -Force; "',
  'hv02\r\nStop-Computer',
];

/**
 * Checks (), {} and [] nest properly outside PowerShell's string literals and comments: single
 * quotes ('' inside), double quotes (backtick escapes), `#` comments, here-strings are not used.
 */
function delimiterProblems(code: string): string[] {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
  const problems: string[] = [];
  for (let i = 0; i < code.length; i++) {
    const c = code[i]!;
    if (c === '`') {
      i++;
      continue;
    }
    if (c === "'") {
      for (i++; i < code.length; i++) {
        if (code[i] === "'" && code[i + 1] === "'") i++;
        else if (code[i] === "'") break;
      }
      if (i >= code.length) problems.push('unclosed single quote');
      continue;
    }
    if (c === '"') {
      for (i++; i < code.length && code[i] !== '"'; i++) if (code[i] === '`') i++;
      if (i >= code.length) problems.push('unclosed double quote');
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(code[i - 1]!))) {
      while (i < code.length && code[i] !== '\n') i++;
      continue;
    }
    if ('({['.includes(c)) stack.push(c);
    else if (c in pairs) {
      if (stack.pop() !== pairs[c]) problems.push(`unbalanced ${c} at ${i}: ${code.slice(Math.max(0, i - 40), i + 1)}`);
    }
  }
  if (stack.length > 0) problems.push(`unclosed ${stack.join('')}`);
  return problems;
}

test('no input becomes code: hostile node names appear nowhere in the command, and come back from the payload', () => {
  const params = nodeFactsParams(HOSTILE, 120_000);
  const command = buildCommand(nodeFactsScript, params);
  for (const name of HOSTILE) assert.ok(!command.includes(name), `in the command: ${name}`);
  const b64 = /FromBase64String\('([A-Za-z0-9+/=]*)'\)/.exec(command)![1]!;
  assert.deepEqual(JSON.parse(Buffer.from(b64, 'base64').toString('utf8')).nodes, HOSTILE);
  // Outside the payload the command is the same text whatever the nodes are.
  const code = (nodes: string[]) =>
    buildCommand(nodeFactsScript, nodeFactsParams(nodes, 120_000)).replace(/FromBase64String\('[A-Za-z0-9+/=]*'\)/, '');
  assert.equal(code(HOSTILE), code(['hv01.lab.example.test']));
});

test('the command is well formed as far as can be told without PowerShell', () => {
  const command = buildCommand(nodeFactsScript, nodeFactsParams(['hv01'], 120_000));
  assert.ok(command.startsWith('# CLUSTERPROBE-SCRIPT:nodes.facts\n'));
  assert.deepEqual(delimiterProblems(command), []);
  assert.deepEqual(delimiterProblems(REMOTE_BLOCK), []);
  assert.deepEqual(
    delimiterProblems('{ ( }'),
    ['unbalanced } at 4: { ( }', 'unclosed {'],
    'the checker itself finds a mismatch',
  );
  assert.match(
    command,
    /Invoke-Command -ComputerName \$p\.nodes -ThrottleLimit 32 -SessionOption \$cpOption -ErrorAction SilentlyContinue -AsJob -ScriptBlock \{/,
  );
  assert.match(
    command,
    /New-PSSessionOption -OpenTimeout \(\[int\]\$p\.openTimeoutMs\) -OperationTimeout \(\[int\]\$p\.operationTimeoutMs\)/,
  );
  assert.match(command, /Wait-Job -Job \$cpJob -Timeout \(\[int\]\$p\.waitSeconds\)/);
  assert.match(command, /ConvertTo-Json .* -Depth 8 -Compress/);
});

test('the remote block runs on Windows PowerShell 2.0 and reads nothing from this machine', () => {
  assert.doesNotMatch(REMOTE_BLOCK, /\$p\b/, 'no $p on the node');
  const ps3 = [
    /\$using:/i,
    /\[pscustomobject\]/i,
    /\[ordered\]/i,
    /Get-CimInstance/i,
    /\s-(not)?in\s/i,
    /\.(ForEach|Where)\(/,
    /\$PSItem/i,
    /-ErrorAction\s+Ignore/i,
    /ConvertTo-Json/i,
    /Where-Object\s+[A-Za-z]/,
    /\bclass\s+\w+\s*\{/,
  ];
  for (const re of ps3) assert.doesNotMatch(REMOTE_BLOCK, re);
  for (const needed of [
    'Get-WmiObject -Class Win32_OperatingSystem',
    'Import-Module ServerManager',
    "Get-WindowsFeature -Name 'Failover-Clustering', 'Hyper-V', 'Multipath-IO'",
    'Get-InitiatorPort',
    'MSiSCSIInitiator_MethodClass',
    'Component Based Servicing\\RebootPending',
    'WindowsUpdate\\Auto Update\\RebootRequired',
    'PendingFileRenameOperations',
    'NetConnectionStatus = 2',
    'Win32_ComputerSystem',
    'New-Object PSObject -Property',
  ]) {
    assert.ok(REMOTE_BLOCK.includes(needed), needed);
  }
});

test("the time limits fit inside the session's", () => {
  assert.deepEqual(nodeFactsParams(['a'], 120_000), {
    nodes: ['a'],
    openTimeoutMs: 30_000,
    operationTimeoutMs: 60_000,
    waitSeconds: 96,
  });
  assert.deepEqual(nodeFactsParams(['a'], 5000), {
    nodes: ['a'],
    openTimeoutMs: 1250,
    operationTimeoutMs: 2500,
    waitSeconds: 4,
  });
});

test('the recordings are what compose.ts writes', () => {
  assert.equal(readFileSync(RECORDINGS_FILE, 'utf8'), render(), 'run: node test/fixtures/powershell/nodes/compose.ts');
});

test("5.1: \\/Date()\\/ dates, enums as numbers, one processor or adapter alone, remoting's properties, a failed node's record", () => {
  const r = recording('ps51-three');
  assert.deepEqual(
    r.value.map((o) => o.target),
    ['hv01.lab.example.test', 'hv02.lab.example.test'],
  );
  const hv01 = factsOf(r.value, 'hv01.lab.example.test');
  assert.equal(hv01.computerName, 'HV01');
  // The checks' table tests build their facts with os2019(): it must be what the parser makes of the recording.
  assert.deepEqual(hv01.os, os2019());
  assert.equal(hv01.processors.length, 1, 'one object, not an array');
  assert.equal(hv01.processors[0]!.vendor, 'Intel');
  assert.equal(hv01.iscsi?.service, 'Running', 'ServiceControllerStatus 4');
  assert.deepEqual(
    hv01.adapters.map((a) => a.name),
    ['Ethernet', 'vEthernet (Cluster & Live Migration)'],
    '5.1 writes & as \\u0026',
  );
  assert.equal(hv01.adapters[0]!.speedBps, 10_000_000_000);
  assert.equal(hv01.domain?.roleName, 'Member Server');
  const hv02 = factsOf(r.value, 'hv02.lab.example.test');
  assert.equal(hv02.processors.length, 2);
  assert.equal(hv02.adapters.length, 1, 'one adapter alone, not in an array');
  assert.deepEqual(
    hv02.features?.find((f) => f.name === 'Hyper-V'),
    { name: 'Hyper-V', installed: false, state: 'InstallPending' },
  );
  assert.deepEqual(hv02.pendingReboot?.indicators, ['componentBasedServicing', 'fileRenameOperations']);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.computerName, 'hv03.lab.example.test');
  assert.equal(r.errors[0]!.fullyQualifiedErrorId, 'AccessDenied,PSSessionStateBroken');
});

test('5.1 with one node: the value is the object itself; a DateTime and an array wrapped in PSObjects', () => {
  const r = recording('ps51-one');
  assert.equal(r.value.length, 1);
  const hv01 = factsOf(r.value, 'hv01.lab.example.test');
  assert.equal(hv01.os?.lastBootUpTime, '2026-11-28T05:02:17.487Z', '{value, DisplayHint, DateTime}');
  assert.deepEqual(
    hv01.adapters.map((a) => a.name),
    ['Ethernet'],
    '{value, Count}',
  );
});

test('pwsh 7: ISO dates read as the same instant; 2008 R2 and AMD nodes beside failed ones', () => {
  const r = recording('pwsh7-mixed');
  const n1 = factsOf(r.value, 'n1.lab.example.test');
  assert.equal(n1.os?.lastBootUpTime, '2026-11-28T05:02:17.487Z', 'the ISO text with its offset, as UTC');
  assert.equal(factsOf(r.value, 'n3.lab.example.test').processors[0]!.vendor, 'AMD');
  const n2 = factsOf(r.value, 'n2.lab.example.test');
  assert.equal(n2.psVersion, '2.0');
  assert.equal(n2.os?.release, '2008R2');
  assert.deepEqual(
    r.errors.map((e) => e.computerName),
    ['n4.lab.example.test', 'n5.lab.example.test', 'n6.lab.example.test', '10.0.0.31'],
  );
});

test('2008 R2 on PowerShell 2.0: trailing spaces, no UBR, features without InstallState, the WMI initiator name, unknown speed', () => {
  const r = recording('ps51-2008r2');
  const r2n1 = factsOf(r.value, 'r2n1.lab.example.test');
  assert.equal(r2n1.os?.caption, 'Microsoft Windows Server 2008 R2 Enterprise', 'the trailing space is gone');
  assert.equal(r2n1.os?.ubr, null);
  assert.equal(r2n1.os?.build, '7601');
  assert.equal(r2n1.os?.installationType, null);
  assert.equal(r2n1.os?.skuName, 'Enterprise');
  assert.deepEqual(r2n1.iscsi, {
    iqn: 'iqn.1991-05.com.microsoft:r2n1.lab.example.test',
    source: 'MSiSCSIInitiator_MethodClass',
    service: 'Running',
  });
  assert.equal(r2n1.processors[0]!.name, 'Intel(R) Xeon(R) CPU X5670 @ 2.93GHz', 'padding collapsed');
  assert.deepEqual(
    r2n1.adapters.map((a) => a.speedBps),
    [1_000_000_000, null],
    '2^63-1 means unknown',
  );
  const r2n2 = factsOf(r.value, 'r2n2.lab.example.test');
  assert.equal(r2n2.os?.build, '7600');
  assert.deepEqual(
    r2n2.features?.find((f) => f.name === 'Failover-Clustering'),
    { name: 'Failover-Clustering', installed: false, state: 'Available' },
  );
  const r2n3 = factsOf(r.value, 'r2n3.lab.example.test');
  assert.equal(
    r2n3.features?.some((f) => f.name === 'Failover-Clustering'),
    false,
    'Standard does not offer it',
  );
  assert.equal(r2n3.iscsi, null);
  assert.deepEqual(r2n3.problems, [
    {
      section: 'iscsi',
      message: 'Not found',
      id: 'GetWMIManagementException,Microsoft.PowerShell.Commands.GetWmiObjectCommand',
    },
  ]);
  assert.deepEqual(r2n3.pendingReboot?.indicators, ['computerRename']);
});

test("garbage: a node object of the wrong shape is that node's problem; a value that is not objects is refused", () => {
  const bad = recording('ps51-bad-node');
  assert.ok('facts' in bad.value[0]!);
  const hv02 = bad.value[1]!;
  assert.equal(hv02.target, 'hv02.lab.example.test');
  assert.ok('problem' in hv02 && /^OS: /.test(hv02.problem), JSON.stringify(hv02));
  assert.deepEqual(recording('ps51-none').value, []);
  assert.throws(
    () => recording('garbage-value'),
    (e: unknown) => e instanceof PowerShellError && e.code === 'badOutput',
  );
  assert.throws(() => parseNodeFacts([1, 2]), /item 0 is number/);
  assert.deepEqual(parseNodeFacts(null), []);
  const noName = parseNodeFacts([{ PSComputerName: 'x' }])[0]!;
  assert.ok('problem' in noName && noName.problem.includes('ComputerName'));
});

test('Windows Server releases by version and build', () => {
  const table: [string, string | null][] = [
    ['6.1.7600', '2008R2'],
    ['6.1.7601', '2008R2'],
    ['6.2.9200', '2012'],
    ['6.3.9600', '2012R2'],
    ['10.0.14393', '2016'],
    ['10.0.17763', '2019'],
    ['10.0.20348', '2022'],
    ['10.0.26100', '2025'],
    ['10.0.19045', null],
    ['6.0.6002', null],
    ['garbage', null],
  ];
  for (const [version, release] of table) assert.equal(windowsRelease(version), release, version);
});

test('names from PowerShell find their node: case, FQDN against short name, only when unambiguous', () => {
  const targets = [
    { node: 'hv01', computerName: 'hv01.lab.example.test' },
    { node: 'hv02', computerName: 'HV02' },
    { node: 'web-a', computerName: 'web.a.test' },
    { node: 'web-b', computerName: 'web.b.test' },
  ];
  assert.equal(matchTarget('HV01.LAB.EXAMPLE.TEST', targets), 0);
  assert.equal(matchTarget('HV01', targets), 0, 'a short name for an FQDN target');
  assert.equal(matchTarget('hv02.lab.example.test.', targets), 1, 'an FQDN for a short-name target');
  assert.equal(matchTarget('web', targets), undefined, 'two targets share the short name');
  assert.equal(matchTarget('web.b.test', targets), 3);
  assert.equal(matchTarget('hv09', targets), undefined);
  assert.equal(matchTarget(undefined, targets), undefined);
});

test('outputs and records assembled node by node, each cause classified', () => {
  const r = recording('pwsh7-mixed');
  const targets = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6']
    .map((n) => ({ node: n, computerName: `${n}.lab.example.test` }))
    .concat({ node: 'byip', computerName: '10.0.0.31' });
  const { nodes, unmatched } = assembleNodes(targets, r.value, [
    ...r.errors,
    { message: 'something local', fullyQualifiedErrorId: 'X', category: '', exceptionType: '' },
  ]);
  assert.deepEqual(
    nodes.map((n) => [n.node, n.status]),
    [
      ['n1', 'ok'],
      ['n2', 'ok'],
      ['n3', 'ok'],
      ['n4', 'timeout'],
      ['n5', 'unreachable'],
      ['n6', 'dnsFailed'],
      ['byip', 'authFailed'],
    ],
  );
  assert.equal(nodes[3]!.error?.fullyQualifiedErrorId, 'CpNodeTimeout');
  assert.equal(unmatched.length, 1, 'a record that names no node is kept apart');
  const denied = assembleNodes(
    [{ node: 'hv03', computerName: 'hv03.lab.example.test' }],
    [],
    recording('ps51-three').errors,
  ).nodes[0]!;
  assert.equal(denied.status, 'accessDenied');
  const silent = assembleNodes([{ node: 'hv07', computerName: 'hv07' }], [], []).nodes[0]!;
  assert.equal(silent.status, 'badOutput', 'no answer and no error');
  const bad = recording('ps51-bad-node');
  const assembled = assembleNodes(
    [
      { node: 'hv01', computerName: 'hv01.lab.example.test' },
      { node: 'hv02', computerName: 'hv02.lab.example.test' },
    ],
    bad.value,
    [],
  ).nodes;
  assert.deepEqual(
    assembled.map((n) => n.status),
    ['ok', 'badOutput'],
  );
  assert.match(assembled[1]!.error!.cause, /OS: /);
});
