import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import check from '../../../checks/ad/netbios-name.ts';
import { assertFindings, commandsOf, runCheck, type ExpectedFinding } from '../../helpers/run-check.ts';
import { adFacts, computer, node, prestaged } from './facts.ts';

interface Case {
  readonly name: string;
  readonly facts: Readonly<Record<string, unknown>>;
  readonly expected: readonly ExpectedFinding[];
}

const REVIEW = [node('HYPERVHOSTNODE-01A'), node('HYPERVHOSTNODE-01B')];

const cases: readonly Case[] = [
  {
    name: 'account names equal to the host names pass (case-insensitively); a valid cluster name passes',
    facts: adFacts(),
    expected: [
      { status: 'pass', messageId: 'matches', subject: 'hv01', data: { account: 'HV01', host: 'hv01' } },
      { status: 'pass', messageId: 'matches', subject: 'hv02' },
      { status: 'pass', messageId: 'clusterNameValid', subject: 'HVCLUSTER01', data: { length: 11 } },
    ],
  },
  {
    name: 'the review lab joined by Windows: HYPERVHOSTNODE-$ is a truncated account name (warn)',
    facts: adFacts({
      nodes: REVIEW,
      computers: [
        computer('HYPERVHOSTNODE-01A'),
        computer('HYPERVHOSTNODE-01B', { sAMAccountName: 'HYPERVHOSTNODE-01B$' }),
      ],
    }),
    expected: [
      {
        status: 'warn',
        messageId: 'truncated',
        subject: 'HYPERVHOSTNODE-01A',
        data: { account: 'HYPERVHOSTNODE-', length: 18, suggested: 'HYPERVHOSTN-01A' },
      },
      {
        status: 'fail',
        messageId: 'longAccountName',
        subject: 'HYPERVHOSTNODE-01B',
        data: { account: 'HYPERVHOSTNODE-01B', accountLength: 18, expected: 'HYPERVHOSTNODE-' },
      },
      { status: 'pass', messageId: 'clusterNameValid', subject: 'HVCLUSTER01' },
    ],
  },
  {
    name: 'an account name that differs entirely (a renamed host or a stale object) fails',
    facts: adFacts({
      nodes: [node('hv01')],
      computers: [computer('hv01', { sAMAccountName: 'OLDHOST7$', cn: 'OLDHOST7' })],
      cluster: undefined,
    }),
    expected: [
      {
        status: 'fail',
        messageId: 'different',
        subject: 'hv01',
        data: { account: 'OLDHOST7', expected: 'HV01', dnsHostName: 'hv01.lab.example.test' },
      },
    ],
  },
  {
    name: 'a node without its own object is skipped (ad.computer.account reports it)',
    facts: adFacts({
      computers: [computer('hv01'), computer('hv02', { dNSHostName: 'other.lab.example.test' })],
      cluster: undefined,
    }),
    expected: [
      { status: 'pass', messageId: 'matches', subject: 'hv01' },
      { status: 'skipped', messageId: 'noAccount', subject: 'hv02' },
    ],
  },
  {
    name: 'prestaged under the 18-character name (no object of its own): judged, matched by name, not skipped',
    facts: adFacts({
      nodes: [node('CONTOSO-HV-NODE-A1')],
      cluster: undefined,
      computers: [prestaged('CONTOSO-HV-NODE-A1')],
    }),
    expected: [
      {
        status: 'fail',
        messageId: 'longAccountNameByName',
        subject: 'CONTOSO-HV-NODE-A1',
        data: {
          dn: 'CN=CONTOSO-HV-NODE-A1,OU=HyperV,DC=lab,DC=example,DC=test',
          account: 'CONTOSO-HV-NODE-A1',
          accountLength: 18,
          expected: 'CONTOSO-HV-NODE',
          matchedBy: 'name',
          suggested: 'CONTOSO-HV-N-A1',
          rename: true,
        },
      },
    ],
  },
  {
    name: 'an object with the host name as cn and another account name: differentByName, the account name to give it is the host name',
    facts: adFacts({
      nodes: [node('hv07')],
      cluster: undefined,
      computers: [computer('hv07', { sAMAccountName: 'OLDHV07$', dNSHostName: null })],
    }),
    expected: [
      {
        status: 'fail',
        messageId: 'differentByName',
        subject: 'hv07',
        data: { account: 'OLDHV07', expected: 'HV07', matchedBy: 'name', rename: false, suggested: 'HV07' },
      },
    ],
  },
  {
    name: 'two prestaged nodes sharing their first 15 characters: each judged by name, each with its own new name',
    facts: adFacts({
      nodes: REVIEW,
      cluster: undefined,
      computers: [prestaged('HYPERVHOSTNODE-01A'), prestaged('HYPERVHOSTNODE-01B')],
    }),
    expected: [
      {
        status: 'fail',
        messageId: 'longAccountNameByName',
        subject: 'HYPERVHOSTNODE-01A',
        data: { sharedWith: ['HYPERVHOSTNODE-01B'], suggested: 'HYPERVHOSTN-01A' },
      },
      {
        status: 'fail',
        messageId: 'longAccountNameByName',
        subject: 'HYPERVHOSTNODE-01B',
        data: { sharedWith: ['HYPERVHOSTNODE-01A'], suggested: 'HYPERVHOSTN-01B' },
      },
    ],
  },
  {
    name: 'with two objects, the one bearing the NetBIOS name is compared',
    facts: adFacts({
      nodes: [node('hv01')],
      cluster: undefined,
      computers: [
        computer('hv01-old', { sAMAccountName: 'HV01-OLD$', dNSHostName: 'hv01.lab.example.test' }),
        computer('hv01'),
      ],
    }),
    expected: [{ status: 'pass', messageId: 'matches', subject: 'hv01', data: { account: 'HV01' } }],
  },
  {
    name: 'a cluster name over 15 characters fails with the truncated CNO name',
    facts: adFacts({ cluster: node('HYPERV-CLUSTER-PROD') }),
    expected: [
      { status: 'pass', messageId: 'matches', subject: 'hv01' },
      { status: 'pass', messageId: 'matches', subject: 'hv02' },
      {
        status: 'fail',
        messageId: 'clusterNameInvalid',
        subject: 'HYPERV-CLUSTER-PROD',
        data: { problem: 'tooLong', length: 19, netbiosName: 'HYPERV-CLUSTER-', suggested: 'HYPERV-CLU-PROD' },
      },
    ],
  },
  {
    name: 'a cluster name of digits only fails',
    facts: adFacts({ nodes: [], computers: [], cluster: node('12345') }),
    expected: [{ status: 'fail', messageId: 'clusterNameInvalid', subject: '12345', data: { problem: 'allDigits' } }],
  },
  {
    name: 'no activeDirectory section',
    facts: { 'ad.directory': null, spec: { nodes: [] } },
    expected: [{ status: 'skipped', messageId: 'notConfigured' }],
  },
  {
    name: 'the directory was not read',
    facts: adFacts({ computers: undefined, connection: undefined }),
    expected: [{ status: 'skipped', messageId: 'noDirectory' }],
  },
];

describe('ad.netbios.name', () => {
  for (const c of cases) it(c.name, async () => assertFindings(await runCheck(check, c.facts), c.expected));

  it('every declared messageId is reached by a case', async () => {
    const reached = new Set<string>();
    for (const c of cases) for (const f of await runCheck(check, c.facts)) reached.add(f.messageId);
    assert.deepEqual([...reached].sort(), Object.keys(check.meta.messages).sort());
  });
});

test('longAccountNameByName: the same fixes as ad.computer.account (rename and Set-ADComputer, or keep the name)', async () => {
  const dn = 'CN=CONTOSO-HV-NODE-A1,OU=HyperV,DC=lab,DC=example,DC=test';
  const [f] = await runCheck(
    check,
    adFacts({ nodes: [node('CONTOSO-HV-NODE-A1')], cluster: undefined, computers: [prestaged('CONTOSO-HV-NODE-A1')] }),
  );
  const commands = commandsOf(f, 'powershell');
  assert.ok(
    commands.includes(
      `Set-ADComputer -Identity '${dn}' -SamAccountName 'CONTOSO-HV-N-A1$' -PassThru | Rename-ADObject -NewName 'CONTOSO-HV-N-A1'`,
    ),
    commands.join('\n'),
  );
  assert.ok(
    commands.includes(`Set-ADComputer -Identity '${dn}' -SamAccountName 'CONTOSO-HV-NODE$'`),
    commands.join('\n'),
  );
});

test('truncated: Rename-Computer to the suggestion, and netdom renamecomputer for 2008 R2', async () => {
  const [f] = await runCheck(
    check,
    adFacts({ nodes: REVIEW, cluster: undefined, computers: [computer('HYPERVHOSTNODE-01A')] }),
  );
  assert.deepEqual(commandsOf(f), [
    "Rename-Computer -NewName 'HYPERVHOSTN-01A' -DomainCredential (Get-Credential) -Restart",
    'netdom renamecomputer "HYPERVHOSTNODE-01A" /newname:"HYPERVHOSTN-01A" /userd:"admin@lab.example.test" /passwordd:* /reboot:30',
  ]);
});

test('different: compare on the node, then remove the stale object by its DN', async () => {
  const [f] = await runCheck(
    check,
    adFacts({
      nodes: [node('hv01')],
      cluster: undefined,
      computers: [computer('hv01', { sAMAccountName: 'OLDHOST7$', cn: 'OLDHOST7' })],
    }),
  );
  const commands = commandsOf(f);
  assert.match(commands[0]!, /nltest \/sc_query/);
  assert.ok(commands.includes("Remove-ADComputer -Identity 'CN=hv01,OU=HyperV,DC=lab,DC=example,DC=test'"));
  assert.ok(commands.includes("samba-tool computer delete 'OLDHOST7'"));
});

test('an invalid cluster name: New-Cluster under the suggested name with the nodes', async () => {
  const [, , f] = await runCheck(check, adFacts({ cluster: node('HYPERV-CLUSTER-PROD') }));
  assert.deepEqual(commandsOf(f), [
    "Import-Module FailoverClusters; New-Cluster -Name 'HYPERV-CLU-PROD' -Node 'hv01','hv02'",
  ]);
});
