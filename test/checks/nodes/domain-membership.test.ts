import { test } from 'node:test';
import assert from 'node:assert/strict';
import check from '../../../checks/nodes/domain-membership.ts';
import { runCheck, assertFindings, commandsOf } from '../../helpers/run-check.ts';
import { ACCESS_DENIED, GATE_CASES, failed, nodesFacts, ok } from './facts.ts';
import type { NodeDomain } from '../../../src/facts/index.ts';

const member = (domain: string, role = 3): NodeDomain => ({
  partOfDomain: true,
  domain,
  role,
  roleName: role === 5 ? 'Primary Domain Controller' : 'Member Server',
  dnsHostName: 'x',
});
const AD = { activeDirectory: { domain: 'lab.example.test' } };

test('skipped on Linux/macOS, without PowerShell, and without nodes', async () => {
  for (const c of GATE_CASES) assertFindings(await runCheck(check, c.facts), [c.expected]);
});

test('members pass; a workgroup node, a node of another domain and a DC are named, with the join command', async () => {
  const findings = await runCheck(
    check,
    nodesFacts(
      [
        ok('hv01'),
        ok('hv02', {
          domain: {
            partOfDomain: false,
            domain: 'WORKGROUP',
            role: 2,
            roleName: 'Standalone Server',
            dnsHostName: 'hv02',
          },
        }),
        ok('hv03', { domain: member('OTHER.example.test') }),
        ok('hv04', { domain: member('lab.example.test', 5) }),
        failed('hv05', ACCESS_DENIED),
        ok('hv06', { domain: null, problems: [{ section: 'domain', message: 'Access denied', id: 'x' }] }),
      ],
      AD,
    ),
  );
  assertFindings(findings, [
    { status: 'pass', messageId: 'member', subject: 'hv01', data: { domain: 'lab.example.test' } },
    { status: 'fail', messageId: 'workgroup', subject: 'hv02', data: { workgroup: 'WORKGROUP' } },
    {
      status: 'fail',
      messageId: 'otherDomain',
      subject: 'hv03',
      data: { domain: 'other.example.test', expected: 'lab.example.test' },
    },
    { status: 'warn', messageId: 'domainController', subject: 'hv04', data: { role: 5 } },
    { status: 'skipped', messageId: 'notRead', subject: 'hv05' },
    { status: 'warn', messageId: 'unreadable', subject: 'hv06', data: { error: 'Access denied' } },
  ]);
  assert.ok(
    commandsOf(findings[1]).includes(
      "Add-Computer -DomainName 'lab.example.test' -Credential (Get-Credential) -Restart",
    ),
  );
  assert.ok(
    commandsOf(findings[1]).some((c) => c.startsWith('netdom join %COMPUTERNAME% /domain:"lab.example.test"')),
    'the 2008 R2 form when the version is 2008 R2 or not given',
  );
  const later = await runCheck(
    check,
    nodesFacts(
      [
        ok('hv02', {
          domain: { partOfDomain: false, domain: 'WORKGROUP', role: 2, roleName: null, dnsHostName: null },
        }),
      ],
      { ...AD, cluster: { windowsVersion: '2019' } },
    ),
  );
  assert.ok(!commandsOf(later[0]).some((c) => c.startsWith('netdom')));
});

test('without activeDirectory.domain the nodes must agree among themselves; domain names compare ignoring case', async () => {
  const differ = await runCheck(
    check,
    nodesFacts([
      ok('hv01'),
      ok('hv02', { domain: member('LAB.EXAMPLE.TEST') }),
      ok('hv03', { domain: member('corp.example.test') }),
    ]),
  );
  assertFindings(differ, [
    { status: 'pass', messageId: 'member', subject: 'hv01' },
    { status: 'pass', messageId: 'member', subject: 'hv02' },
    { status: 'pass', messageId: 'member', subject: 'hv03' },
    {
      status: 'fail',
      messageId: 'domainsDiffer',
      subject: 'lab.example.test, corp.example.test',
      data: { byDomain: { 'lab.example.test': ['hv01', 'hv02'], 'corp.example.test': ['hv03'] } },
    },
  ]);
  const same = await runCheck(check, nodesFacts([ok('hv01'), ok('hv02', { domain: member('LAB.example.test') })]));
  assert.deepEqual(
    same.map((f) => f.messageId),
    ['member', 'member'],
  );
});

test('every messageId is reachable', async () => {
  const seen = new Set<string>();
  for (const c of GATE_CASES) for (const f of await runCheck(check, c.facts)) seen.add(f.messageId);
  for (const f of await runCheck(
    check,
    nodesFacts(
      [
        ok('a'),
        ok('b', { domain: { partOfDomain: false, domain: 'W', role: 2, roleName: null, dnsHostName: null } }),
        ok('c', { domain: member('x.test') }),
        ok('d', { domain: member('lab.example.test', 4) }),
        failed('e', ACCESS_DENIED),
        ok('f', { domain: null }),
      ],
      AD,
    ),
  ))
    seen.add(f.messageId);
  for (const f of await runCheck(check, nodesFacts([ok('a'), ok('c', { domain: member('x.test') })])))
    seen.add(f.messageId);
  assert.deepEqual([...seen].sort(), Object.keys(check.meta.messages).sort());
});
