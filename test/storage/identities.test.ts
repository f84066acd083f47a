/**
 * The storage probe's node identities (src/storage/probe.ts): nodes[].iqn, else the initiator
 * name the node reported over PowerShell (nodes.facts), else Windows' default derived from the
 * host name; and when the storage probe asks for nodes.facts at all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeIdentities, runIdentities } from '../../src/storage/probe.ts';
import type { ProbeContext } from '../../src/engine/contract.ts';
import type { ClusterSpec } from '../../src/config/schema.ts';
import { nodesFacts, ok, failed, ACCESS_DENIED } from '../checks/nodes/facts.ts';
import type { NodesFact } from '../../src/facts/index.ts';

const spec = (over: Partial<ClusterSpec> = {}): ClusterSpec => ({
  nodes: [
    { name: 'hv01', fqdn: 'hv01.lab.example.test', iqn: 'iqn.1991-05.com.microsoft:hv01.lab.example.test' },
    { name: 'hv02', fqdn: 'HV02.lab.example.test' },
    { name: 'hv03' },
  ],
  ...over,
});

test('nodes[].iqn, else what the node reported (source windows, not derived), else the derived default', () => {
  assert.deepEqual(nodeIdentities(spec()), [
    { node: 'hv01', initiator: 'iqn.1991-05.com.microsoft:hv01.lab.example.test', derived: false },
    { node: 'hv02', initiator: 'iqn.1991-05.com.microsoft:hv02.lab.example.test', derived: true },
    { node: 'hv03', initiator: 'iqn.1991-05.com.microsoft:hv03', derived: true },
  ]);
  assert.deepEqual(
    nodeIdentities(spec(), { hv01: 'iqn.2026-11.test:ignored', hv02: 'iqn.2026-11.test:hv02-initiator' }),
    [
      { node: 'hv01', initiator: 'iqn.1991-05.com.microsoft:hv01.lab.example.test', derived: false },
      { node: 'hv02', initiator: 'iqn.2026-11.test:hv02-initiator', derived: false, source: 'windows' },
      { node: 'hv03', initiator: 'iqn.1991-05.com.microsoft:hv03', derived: true },
    ],
  );
  assert.deepEqual(
    nodeIdentities({ nodes: [{ name: 'constructor' }] }, {}),
    [{ node: 'constructor', initiator: 'iqn.1991-05.com.microsoft:constructor', derived: true }],
    'no prototype lookups',
  );
});

test('a node without an FQDN in a known domain: Windows derives its initiator name from the FQDN the domain implies', () => {
  const s = spec({ activeDirectory: { domain: 'Lab.Example.Test' } });
  assert.deepEqual(
    nodeIdentities(s).map((i) => i.initiator),
    [
      'iqn.1991-05.com.microsoft:hv01.lab.example.test',
      'iqn.1991-05.com.microsoft:hv02.lab.example.test',
      'iqn.1991-05.com.microsoft:hv03.lab.example.test',
    ],
  );
  assert.equal(
    nodeIdentities({ nodes: [{ name: 'HV04.other.test' }], activeDirectory: { domain: 'lab.example.test' } })[0]!
      .initiator,
    'iqn.1991-05.com.microsoft:hv04.other.test',
    'a dotted name is already an FQDN',
  );
});

/** A probe context whose fact() answers nodes.facts with `fact` and counts the questions. */
function context(s: ClusterSpec, fact: NodesFact | Error): { ctx: ProbeContext; asked: string[] } {
  const asked: string[] = [];
  const ctx = {
    spec: s,
    fact: async (name: string) => {
      asked.push(name);
      if (fact instanceof Error) throw fact;
      return fact;
    },
  } as unknown as ProbeContext;
  return { ctx, asked };
}

const reported = (): NodesFact => {
  const f = nodesFacts([
    ok('hv01'),
    ok('hv02', { iscsi: { iqn: 'iqn.2026-11.test:hv02-initiator', source: 'Get-InitiatorPort', service: 'Running' } }),
    failed('hv03', ACCESS_DENIED),
  ])['nodes.facts'];
  return f;
};

test(
  'the storage probe asks for nodes.facts only when a node lacks an iqn and the Windows path is not skipped',
  { skip: process.platform === 'win32' },
  async () => {
    const saved = process.env.CLUSTERPROBE_POWERSHELL;
    delete process.env.CLUSTERPROBE_POWERSHELL;
    try {
      const windows = { windows: { powershell: '/some/pwsh' } };
      const used = context(spec(windows), reported());
      assert.deepEqual(
        (await runIdentities(used.ctx)).map((i) => [i.node, i.initiator, i.derived, i.source]),
        [
          ['hv01', 'iqn.1991-05.com.microsoft:hv01.lab.example.test', false, undefined],
          ['hv02', 'iqn.2026-11.test:hv02-initiator', false, 'windows'],
          ['hv03', 'iqn.1991-05.com.microsoft:hv03', true, undefined],
        ],
      );
      assert.deepEqual(used.asked, ['nodes.facts']);

      const linux = context(spec(), reported());
      assert.equal((await runIdentities(linux.ctx))[1]!.derived, true);
      assert.deepEqual(linux.asked, [], 'Linux without windows.powershell: not asked');

      const allGiven = context(
        spec({ ...windows, nodes: [{ name: 'hv01', iqn: 'iqn.1991-05.com.microsoft:hv01' }] }),
        reported(),
      );
      await runIdentities(allGiven.ctx);
      assert.deepEqual(allGiven.asked, [], 'every node has nodes[].iqn: not asked');

      const broken = context(spec(windows), new Error('probe for fact "nodes.facts" failed'));
      assert.deepEqual(
        (await runIdentities(broken.ctx)).map((i) => i.derived),
        [false, true, true],
        'a failed probe leaves the derived names',
      );
      const skipped = context(spec(windows), {
        status: 'skipped',
        skipped: { code: 'noPowerShell', reason: 'x' },
        nodes: [],
      });
      assert.deepEqual(
        (await runIdentities(skipped.ctx)).map((i) => i.derived),
        [false, true, true],
      );
    } finally {
      if (saved !== undefined) process.env.CLUSTERPROBE_POWERSHELL = saved;
    }
  },
);
