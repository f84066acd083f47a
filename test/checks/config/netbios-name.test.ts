import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import check from '../../../checks/config/netbios-name.ts';
import { NETBIOS_FORBIDDEN, dnsIncompatibleCharacters, nameProblems, netbiosName } from '../../../src/netbios.ts';
import { assertFindings, commandsOf, runCheck, specFact, type ExpectedFinding } from '../../helpers/run-check.ts';

const valid = (name: string, kind: 'node' | 'cluster' = 'node'): ExpectedFinding => ({
  status: 'pass',
  messageId: 'valid',
  subject: name,
  data: { kind, name, length: name.length, max: 15, netbiosName: name.toUpperCase() },
});

interface Case {
  readonly name: string;
  readonly facts: Readonly<Record<string, unknown>>;
  readonly expected: readonly ExpectedFinding[];
}

const cases: readonly Case[] = [
  {
    name: 'valid node and cluster names pass',
    facts: { spec: specFact(['hv01', 'hv02'], 'HVCLUSTER01') },
    expected: [valid('hv01'), valid('hv02'), valid('HVCLUSTER01', 'cluster')],
  },
  {
    name: '15 characters pass',
    facts: { spec: specFact(['ABCDEFGHIJKLMNO']) },
    expected: [valid('ABCDEFGHIJKLMNO')],
  },
  {
    name: '16 characters are too long',
    facts: { spec: specFact(['ABCDEFGHIJKLMNOP']) },
    expected: [
      {
        status: 'fail',
        messageId: 'tooLong',
        subject: 'ABCDEFGHIJKLMNOP',
        data: { kind: 'node', length: 16, max: 15, netbiosName: 'ABCDEFGHIJKLMNO' },
      },
    ],
  },
  {
    name: 'the review lab: two 18-character names fail, the others pass',
    facts: { spec: specFact(['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B', 'hv03'], 'HVCLUSTER01') },
    expected: [
      {
        status: 'fail',
        messageId: 'tooLong',
        subject: 'HYPERVHOSTNODE-01A',
        data: { kind: 'node', name: 'HYPERVHOSTNODE-01A', length: 18, netbiosName: 'HYPERVHOSTNODE-' },
      },
      {
        status: 'fail',
        messageId: 'tooLong',
        subject: 'HYPERVHOSTNODE-01B',
        data: { kind: 'node', name: 'HYPERVHOSTNODE-01B', length: 18, netbiosName: 'HYPERVHOSTNODE-' },
      },
      valid('hv03'),
      valid('HVCLUSTER01', 'cluster'),
    ],
  },
  ...NETBIOS_FORBIDDEN.map(
    (c): Case => ({
      name: `forbidden character ${c}`,
      facts: { spec: specFact([`hv${c}01`]) },
      expected: [
        {
          status: 'fail',
          messageId: 'forbiddenCharacters',
          subject: `hv${c}01`,
          data: { kind: 'node', characters: c },
        },
      ],
    }),
  ),
  {
    name: 'several forbidden characters are listed together',
    facts: { spec: specFact(['a/b:c']) },
    expected: [{ status: 'fail', messageId: 'forbiddenCharacters', subject: 'a/b:c', data: { characters: '/ :' } }],
  },
  {
    name: 'only digits',
    facts: { spec: specFact(['12345']) },
    expected: [{ status: 'fail', messageId: 'allDigits', subject: '12345', data: { kind: 'node', name: '12345' } }],
  },
  {
    name: 'leading period',
    facts: { spec: specFact(['.hv01']) },
    expected: [{ status: 'fail', messageId: 'leadingPeriod', subject: '.hv01', data: { kind: 'node', name: '.hv01' } }],
  },
  {
    name: 'empty name',
    facts: { spec: specFact(['']) },
    expected: [{ status: 'fail', messageId: 'empty', subject: '', data: { kind: 'node', length: 0 } }],
  },
  {
    name: 'one finding per name: the first problem is reported',
    facts: { spec: specFact(['1234567890123456']) },
    expected: [{ status: 'fail', messageId: 'tooLong', subject: '1234567890123456', data: { length: 16 } }],
  },
  {
    name: 'an underscore is valid NetBIOS but not DNS: a warning',
    facts: { spec: specFact(['hv_01']) },
    expected: [
      { status: 'warn', messageId: 'dnsIncompatible', subject: 'hv_01', data: { kind: 'node', characters: '"_"' } },
    ],
  },
  {
    name: 'a space and an underscore are both named',
    facts: { spec: specFact(['hv 0_1']) },
    expected: [{ status: 'warn', messageId: 'dnsIncompatible', subject: 'hv 0_1', data: { characters: '" " "_"' } }],
  },
  {
    name: 'the cluster name follows the same rules',
    facts: { spec: specFact(['hv01'], 'HV:CLUSTER') },
    expected: [
      valid('hv01'),
      {
        status: 'fail',
        messageId: 'forbiddenCharacters',
        subject: 'HV:CLUSTER',
        data: { kind: 'cluster', characters: ':' },
      },
    ],
  },
  {
    name: 'a long cluster name',
    facts: { spec: specFact(['hv01'], 'HYPERV-CLUSTER-PROD') },
    expected: [
      valid('hv01'),
      {
        status: 'fail',
        messageId: 'tooLong',
        subject: 'HYPERV-CLUSTER-PROD',
        data: { kind: 'cluster', length: 19, netbiosName: 'HYPERV-CLUSTER-' },
      },
    ],
  },
  {
    name: 'no nodes and no cluster name: skipped',
    facts: { spec: specFact([]) },
    expected: [{ status: 'skipped', messageId: 'noNames' }],
  },
  {
    name: 'a spec with a cluster block but no name: skipped',
    facts: { spec: { nodes: [], cluster: { windowsVersion: '2019' } } },
    expected: [{ status: 'skipped', messageId: 'noNames' }],
  },
  {
    name: 'the spec fact missing from an offline facts file: skipped by the engine',
    facts: {},
    expected: [{ status: 'skipped', messageId: 'engineFactUnavailable', data: { fact: 'spec' } }],
  },
];

describe('config.netbios.name', () => {
  for (const c of cases) {
    it(c.name, async () => {
      assertFindings(await runCheck(check, c.facts), c.expected);
    });
  }

  it('suggests, for every failing or warning name, a valid unique name and the Rename-Computer command', async () => {
    const names = ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B', 'hv:03', 'hv_04', '12345', 'hv06'];
    const findings = await runCheck(check, { spec: specFact(names) });
    const problems = findings.filter((f) => f.status !== 'pass');
    assert.deepEqual(
      problems.map((f) => f.subject),
      ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B', 'hv:03', 'hv_04', '12345'],
    );
    const suggested: string[] = [];
    for (const f of problems) {
      const s = f.data.suggested;
      assert.equal(typeof s, 'string', `${f.subject} has no suggestion`);
      const name = String(s);
      assert.deepEqual(nameProblems(name), [], name);
      assert.deepEqual(dnsIncompatibleCharacters(name), [], name);
      assert.ok(
        commandsOf(f).some((cmd) => cmd.startsWith(`Rename-Computer -NewName '${name}' `)),
        JSON.stringify(commandsOf(f)),
      );
      assert.equal(f.remediation?.steps[0]?.commands?.[0]?.runOn, f.subject);
      suggested.push(name);
    }
    const after = [...suggested, 'hv06'].map(netbiosName);
    assert.equal(new Set(after).size, after.length, JSON.stringify(after));
    assert.ok(suggested[0]?.endsWith('-01A') && suggested[1]?.endsWith('-01B'), JSON.stringify(suggested));
  });

  it('a passing name carries no remediation', async () => {
    const [finding] = await runCheck(check, { spec: specFact(['hv01']) });
    assert.equal(finding?.remediation, undefined);
    assert.equal(finding?.data.suggested, undefined);
  });

  it('a bad cluster name gets the New-Cluster command with the nodes as they will be named', async () => {
    const findings = await runCheck(check, { spec: specFact(['HYPERVHOSTNODE-01A', 'hv02'], 'HYPERV-CLUSTER-PROD') });
    const node = findings.find((f) => f.subject === 'HYPERVHOSTNODE-01A');
    const cluster = findings.find((f) => f.subject === 'HYPERV-CLUSTER-PROD');
    const nodeSuggested = String(node?.data.suggested);
    const clusterSuggested = String(cluster?.data.suggested);
    assert.deepEqual(nameProblems(clusterSuggested), []);
    assert.notEqual(netbiosName(clusterSuggested), netbiosName(nodeSuggested));
    assert.deepEqual(
      commandsOf(cluster).map((c) => c.replace('Import-Module FailoverClusters; ', '')),
      [`New-Cluster -Name '${clusterSuggested}' -Node '${nodeSuggested}','hv02'`],
    );
  });
});

describe('remediation by Windows version', () => {
  const withVersion = (windowsVersion?: '2008R2' | '2022') => ({
    spec: {
      ...specFact(['HYPERVHOSTNODE-01A', 'hv02'], 'HVCLUSTER-2008R2X'),
      cluster: { name: 'HVCLUSTER-2008R2X', ...(windowsVersion ? { windowsVersion } : {}) },
      activeDirectory: { domain: 'lab.example.test', bind: { user: 'admin@lab.example.test', password: 'env:X' } },
    },
  });

  it('Windows Server 2008 R2 (PowerShell 2.0) also gets netdom and the FailoverClusters import', async () => {
    const findings = await runCheck(check, withVersion('2008R2'));
    const node = findings.find((f) => f.subject === 'HYPERVHOSTNODE-01A');
    assert.ok(
      commandsOf(node).some((c) =>
        c.startsWith(
          'netdom renamecomputer "HYPERVHOSTNODE-01A" /newname:"HYPERVHOSTN-01A" /userd:"admin@lab.example.test" /passwordd:*',
        ),
      ),
    );
    const cluster = findings.find((f) => f.subject === 'HVCLUSTER-2008R2X');
    assert.ok(commandsOf(cluster).some((c) => c.startsWith('Import-Module FailoverClusters; New-Cluster -Name ')));
  });

  it('newer versions get Rename-Computer and New-Cluster alone', async () => {
    const findings = await runCheck(check, withVersion('2022'));
    const all = findings.flatMap((f) => commandsOf(f));
    assert.ok(all.some((c) => c.startsWith('Rename-Computer ')));
    assert.ok(!all.some((c) => c.startsWith('netdom ') || c.includes('Import-Module')));
  });
});

describe('the rename action’s script form', () => {
  it('PowerShell only: Rename-Computer of the node to -NewName<Node> (the suggestion by default), done when the directory has the new account', async () => {
    const findings = await runCheck(check, { spec: specFact(['HYPERVHOSTNODE-01A', 'hv-03_x']) });
    const action = findings[0]!.remediation!.actions![0]!;
    assert.equal(action.key, 'rename-node:hypervhostnode-01a');
    const s = action.script!;
    assert.deepEqual(
      s.params?.map((p) => [p.name, p.default ?? null, p.secret ?? false]),
      [
        ['NewNameHypervhostnode01a', 'HYPERVHOSTN-01A', false],
        ['DomainCredential', null, true],
      ],
    );
    assert.equal(s.sh, undefined, 'nothing on a Samba DC renames a Windows machine');
    assert.ok(
      s.powershell!.apply.endsWith(
        "Rename-Computer -ComputerName 'HYPERVHOSTNODE-01A' -NewName $NewNameHypervhostnode01a -DomainCredential $DomainCredential -Restart -Force",
      ),
      s.powershell!.apply,
    );
    assert.ok(s.powershell!.apply.startsWith('if ($NewNameHypervhostnode01a.Length -gt 15 -or '));
    assert.ok(
      s.powershell!.test.includes(
        "Get-ADComputer -Identity ($NewNameHypervhostnode01a + '$') -Properties DNSHostName -Credential $DomainCredential",
      ),
    );
    assert.ok(!s.powershell!.test.includes('Rename-Computer'), 'the test only reads');
    assert.match(s.powershell!.legacy ?? '', /netdom renamecomputer "HYPERVHOSTNODE-01A" \/newname:"HYPERVHOSTN-01A" /);
    // The second node's parameter is its own.
    assert.equal(findings[1]!.remediation!.actions![0]!.script!.params![0]!.name, 'NewNameHv03X');
  });
});
