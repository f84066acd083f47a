import { test } from 'node:test';
import assert from 'node:assert/strict';
import check from '../../../checks/nodes/reachable.ts';
import { runCheck, assertFindings, commandsOf } from '../../helpers/run-check.ts';
import { ACCESS_DENIED, GATE_CASES, failed, nodesFacts, ok } from './facts.ts';
import type { NodeError } from '../../../src/facts/index.ts';

test('skipped on Linux/macOS, without PowerShell, and without nodes: never an error', async () => {
  for (const c of GATE_CASES) assertFindings(await runCheck(check, c.facts), [c.expected]);
});

test("each cause of a node that does not answer has its own messageId, in the spec's order", async () => {
  const cause = (code: NodeError['code'], text: string = code): NodeError => ({ code, cause: text });
  const findings = await runCheck(
    check,
    nodesFacts([
      ok('hv01'),
      failed('hv02', ACCESS_DENIED),
      failed('hv03', cause('unreachable')),
      failed('hv04', cause('timeout')),
      failed('hv05', cause('dnsFailed')),
      failed('hv06', cause('authFailed')),
      failed('hv07', cause('other', 'The term is not recognized')),
      failed('hv08', cause('badOutput', "the node's answer is not what clusterprobe asked for")),
    ]),
  );
  assertFindings(findings, [
    {
      status: 'pass',
      messageId: 'reachable',
      subject: 'hv01',
      data: { computerName: 'HV01', psVersion: '5.1.17763.5020', partOfDomain: true, domain: 'lab.example.test' },
    },
    {
      status: 'fail',
      messageId: 'accessDenied',
      subject: 'hv02',
      data: { target: 'hv02.lab.example.test', code: 'accessDenied' },
    },
    { status: 'fail', messageId: 'unreachable', subject: 'hv03', data: { code: 'unreachable' } },
    { status: 'fail', messageId: 'timeout', subject: 'hv04', data: { code: 'timeout' } },
    { status: 'fail', messageId: 'dnsFailed', subject: 'hv05', data: { code: 'dnsFailed' } },
    { status: 'fail', messageId: 'authFailed', subject: 'hv06', data: { code: 'authFailed' } },
    {
      status: 'fail',
      messageId: 'remoteError',
      subject: 'hv07',
      data: { code: 'other', cause: 'The term is not recognized' },
    },
    { status: 'error', messageId: 'badOutput', subject: 'hv08', data: { code: 'badOutput' } },
  ]);
  assert.ok(
    commandsOf(findings[1]).some((c) => c.startsWith("Invoke-Command -ComputerName 'hv02.lab.example.test'")),
    'the access-denied fix names the node',
  );
  assert.ok(commandsOf(findings[2]).includes("Test-WSMan -ComputerName 'hv03.lab.example.test'"));
  assert.ok(commandsOf(findings[2]).includes('Enable-PSRemoting -Force'));
  assert.ok(commandsOf(findings[4]).includes("Resolve-DnsName -Name 'hv05.lab.example.test'"));
  assert.deepEqual((findings[1]!.evidence as { error: NodeError }).error, ACCESS_DENIED, 'the record is the evidence');
  assert.ok(
    commandsOf(findings[5]).includes(
      "Set-Item WSMan:\\localhost\\Client\\TrustedHosts -Value 'hv06.lab.example.test' -Concatenate -Force",
    ),
    commandsOf(findings[5]).join('\n'),
  );
});

test('a node name that needs quoting is quoted once in every fix, never twice', async () => {
  const name = "hv0'6";
  const findings = await runCheck(
    check,
    nodesFacts([
      failed(name, { code: 'authFailed', cause: 'TrustedHosts' }),
      failed(name, { code: 'unreachable', cause: 'x' }),
    ]),
  );
  const cmds = findings.flatMap((f) => commandsOf(f, 'powershell'));
  assert.ok(
    cmds.includes(
      "Set-Item WSMan:\\localhost\\Client\\TrustedHosts -Value 'hv0''6.lab.example.test' -Concatenate -Force",
    ),
    cmds.join('\n'),
  );
  assert.ok(cmds.includes("Test-WSMan -ComputerName 'hv0''6.lab.example.test'"), cmds.join('\n'));
  assert.ok(
    cmds.every((c) => !c.includes("''hv0")),
    'no doubled quoting',
  );
});

test('a run that gave no result is one error naming the cause; the node checks do not pretend', async () => {
  const failure: NodeError = { code: 'timeout', cause: 'nodes.facts: no answer from PowerShell within 5 s' };
  const facts = nodesFacts([failed('hv01', failure), failed('hv02', failure)]);
  facts['nodes.facts'] = { ...facts['nodes.facts'], status: 'failed', failure };
  const findings = await runCheck(check, facts);
  assertFindings(findings, [
    { status: 'error', messageId: 'runFailed', subject: undefined, data: { code: 'timeout' } },
  ]);
});

test('a hostile node name is quoted in the commands it is printed in', async () => {
  const name = "hv01'; Remove-Item C:\\ -Recurse; '";
  const [f] = await runCheck(
    check,
    nodesFacts([{ ...failed('x', { code: 'unreachable', cause: 'down' }), node: name, computerName: name }]),
  );
  assert.ok(
    commandsOf(f).includes(`Test-WSMan -ComputerName 'hv01''; Remove-Item C:\\ -Recurse; '''`),
    commandsOf(f).join('\n'),
  );
});
