import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import check from '../../../checks/config/netbios-collision.ts';
import { dnsIncompatibleCharacters, nameProblems, netbiosName } from '../../../src/netbios.ts';
import type { Finding } from '../../../src/engine/report.ts';
import { assertFindings, commandsOf, runCheck, specFact, type ExpectedFinding } from '../../helpers/run-check.ts';

interface Case {
  readonly name: string;
  readonly facts: Readonly<Record<string, unknown>>;
  readonly expected: readonly ExpectedFinding[];
}

const cases: readonly Case[] = [
  {
    name: 'distinct names pass, the cluster name counted',
    facts: { spec: specFact(['hv01', 'hv02'], 'HVCLUSTER01') },
    expected: [
      { status: 'pass', messageId: 'unique', data: { count: 3, netbiosNames: ['HV01', 'HV02', 'HVCLUSTER01'] } },
    ],
  },
  {
    name: 'long names that differ within 15 characters pass',
    facts: { spec: specFact(['HYPERVHOST01-NODE', 'hypervhost02-node']) },
    expected: [
      { status: 'pass', messageId: 'unique', data: { count: 2, netbiosNames: ['HYPERVHOST01-NO', 'HYPERVHOST02-NO'] } },
    ],
  },
  {
    name: 'the review lab: HYPERVHOSTNODE-01A and -01B collide',
    facts: { spec: specFact(['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B', 'hv03'], 'HVCLUSTER01') },
    expected: [
      {
        status: 'fail',
        messageId: 'collision',
        subject: 'HYPERVHOSTNODE-',
        data: { netbiosName: 'HYPERVHOSTNODE-', count: 2, hosts: ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B'] },
      },
    ],
  },
  {
    name: 'three names in one collision',
    facts: { spec: specFact(['HYPERVHOSTNODE-01A', 'hypervhostnode-01b', 'HyperVHostNode-01C']) },
    expected: [
      {
        status: 'fail',
        messageId: 'collision',
        subject: 'HYPERVHOSTNODE-',
        data: {
          netbiosName: 'HYPERVHOSTNODE-',
          count: 3,
          hosts: ['HYPERVHOSTNODE-01A', 'hypervhostnode-01b', 'HyperVHostNode-01C'],
        },
      },
    ],
  },
  {
    name: 'two separate collisions',
    facts: { spec: specFact(['HYPERVHOSTNODE-01A', 'SQLCLUSTERNODE-1', 'HYPERVHOSTNODE-01B', 'SQLCLUSTERNODE-2']) },
    expected: [
      {
        status: 'fail',
        messageId: 'collision',
        subject: 'HYPERVHOSTNODE-',
        data: { hosts: ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B'] },
      },
      {
        status: 'fail',
        messageId: 'collision',
        subject: 'SQLCLUSTERNODE-',
        data: { hosts: ['SQLCLUSTERNODE-1', 'SQLCLUSTERNODE-2'] },
      },
    ],
  },
  {
    name: 'a long cluster name colliding with a node',
    facts: { spec: specFact(['HYPERVHOSTNODE-01A', 'hv02'], 'HYPERVHOSTNODE-CL') },
    expected: [
      {
        status: 'fail',
        messageId: 'collision',
        subject: 'HYPERVHOSTNODE-',
        data: { count: 2, hosts: ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-CL'] },
      },
    ],
  },
  {
    name: 'a valid 15-character cluster name that a long node name truncates to',
    facts: { spec: specFact(['CLUSTER01NODE01A'], 'CLUSTER01NODE01') },
    expected: [
      {
        status: 'fail',
        messageId: 'collision',
        subject: 'CLUSTER01NODE01',
        data: { count: 2, hosts: ['CLUSTER01NODE01A', 'CLUSTER01NODE01'] },
      },
    ],
  },
  {
    name: 'the same node name twice (case-insensitively) is a duplicate',
    facts: { spec: specFact(['hv01', 'HV01', 'hv02']) },
    expected: [
      {
        status: 'fail',
        messageId: 'duplicate',
        subject: 'hv01',
        data: { name: 'hv01', count: 2, paths: 'nodes[0].name, nodes[1].name' },
      },
    ],
  },
  {
    name: 'a cluster named like a node is a duplicate',
    facts: { spec: specFact(['hv01', 'hv02'], 'HV02') },
    expected: [
      {
        status: 'fail',
        messageId: 'duplicate',
        subject: 'hv02',
        data: { name: 'hv02', count: 2, paths: 'nodes[1].name, cluster.name' },
      },
    ],
  },
  {
    name: 'a long name listed twice is one duplicate, not also a collision',
    facts: { spec: specFact(['HYPERVHOSTNODE-01A', 'hypervhostnode-01a']) },
    expected: [{ status: 'fail', messageId: 'duplicate', subject: 'HYPERVHOSTNODE-01A', data: { count: 2 } }],
  },
  {
    name: 'a duplicate and a collision are both reported',
    facts: { spec: specFact(['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B', 'HYPERVHOSTNODE-01A']) },
    expected: [
      {
        status: 'fail',
        messageId: 'duplicate',
        subject: 'HYPERVHOSTNODE-01A',
        data: { count: 2, paths: 'nodes[0].name, nodes[2].name' },
      },
      {
        status: 'fail',
        messageId: 'collision',
        subject: 'HYPERVHOSTNODE-',
        data: { count: 2, hosts: ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B'] },
      },
    ],
  },
  {
    name: 'no names: skipped',
    facts: { spec: specFact([]) },
    expected: [{ status: 'skipped', messageId: 'noNames' }],
  },
  {
    name: 'the spec fact missing from an offline facts file: skipped by the engine',
    facts: {},
    expected: [{ status: 'skipped', messageId: 'engineFactUnavailable', data: { fact: 'spec' } }],
  },
];

function suggestionsOf(finding: Finding | undefined): Record<string, string> {
  const s = finding?.data.suggestions;
  assert.ok(s !== null && typeof s === 'object', 'the collision finding carries suggestions');
  return s as Record<string, string>;
}

function assertValidName(name: string): void {
  assert.deepEqual(nameProblems(name), [], name);
  assert.deepEqual(dnsIncompatibleCharacters(name), [], name);
}

describe('config.netbios.collision', () => {
  for (const c of cases) {
    it(c.name, async () => {
      assertFindings(await runCheck(check, c.facts), c.expected);
    });
  }

  it('the review lab: every colliding node gets a valid suggestion and its Rename-Computer command', async () => {
    const [finding] = await runCheck(check, {
      spec: specFact(['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B', 'hv03'], 'HVCLUSTER01'),
    });
    const suggestions = suggestionsOf(finding);
    assert.deepEqual(Object.keys(suggestions), ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B']);
    const a = suggestions['HYPERVHOSTNODE-01A'] ?? '';
    const b = suggestions['HYPERVHOSTNODE-01B'] ?? '';
    assertValidName(a);
    assertValidName(b);
    assert.ok(a.endsWith('-01A') && b.endsWith('-01B'), `${a} ${b}`);
    const netbios = [a, b, 'hv03', 'HVCLUSTER01'].map(netbiosName);
    assert.equal(new Set(netbios).size, netbios.length);
    const commands = commandsOf(finding, 'powershell');
    assert.equal(commands.length, 2);
    assert.ok(commands[0]?.startsWith(`Rename-Computer -NewName '${a}' `), commands[0]);
    assert.ok(commands[1]?.startsWith(`Rename-Computer -NewName '${b}' `), commands[1]);
    const runOn = (finding?.remediation?.steps ?? []).flatMap((s) =>
      (s.commands ?? []).filter((c) => c.shell === 'powershell').map((c) => c.runOn),
    );
    assert.deepEqual(runOn, ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B']);
  });

  it('a colliding cluster name gets a New-Cluster command naming the renamed nodes', async () => {
    const [finding] = await runCheck(check, { spec: specFact(['HYPERVHOSTNODE-01A', 'hv02'], 'HYPERVHOSTNODE-CL') });
    const suggestions = suggestionsOf(finding);
    const node = suggestions['HYPERVHOSTNODE-01A'] ?? '';
    const cluster = suggestions['HYPERVHOSTNODE-CL'] ?? '';
    assertValidName(node);
    assertValidName(cluster);
    assert.notEqual(netbiosName(node), netbiosName(cluster));
    const commands = commandsOf(finding, 'powershell').map((c) => c.replace('Import-Module FailoverClusters; ', ''));
    assert.ok(
      commands.some((c) => c.startsWith(`Rename-Computer -NewName '${node}' `)),
      JSON.stringify(commands),
    );
    assert.ok(commands.includes(`New-Cluster -Name '${cluster}' -Node '${node}','hv02'`), JSON.stringify(commands));
  });

  it('a valid name that owns the truncated name keeps it; only the long one is renamed', async () => {
    const [finding] = await runCheck(check, { spec: specFact(['CLUSTER01NODE01A'], 'CLUSTER01NODE01') });
    const suggestions = suggestionsOf(finding);
    assert.deepEqual(Object.keys(suggestions), ['CLUSTER01NODE01A']);
    const renamed = suggestions['CLUSTER01NODE01A'] ?? '';
    assertValidName(renamed);
    assert.notEqual(netbiosName(renamed), 'CLUSTER01NODE01');
    assert.equal(commandsOf(finding).filter((c) => c.startsWith(`Rename-Computer -NewName '${renamed}' `)).length, 1);
  });

  it('a suggestion never takes the name of an existing valid node', async () => {
    const [finding] = await runCheck(check, {
      spec: specFact(['HYPERVHOSTN-01A', 'HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B']),
    });
    assert.equal(finding?.messageId, 'collision');
    const suggested = Object.values(suggestionsOf(finding));
    assert.equal(suggested.length, 2);
    const after = ['HYPERVHOSTN-01A', ...suggested].map(netbiosName);
    assert.equal(new Set(after).size, 3, JSON.stringify(after));
    for (const s of suggested) assertValidName(s);
  });
});
