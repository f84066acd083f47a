import { describe, it } from 'node:test';
import check from '../../../checks/config/nodes-count.ts';
import type { ClusterSpec, WindowsVersion } from '../../../src/config/schema.ts';
import { assertFindings, runCheck, type ExpectedFinding } from '../../helpers/run-check.ts';

const spec = (count: number, windowsVersion?: WindowsVersion): ClusterSpec => ({
  nodes: Array.from({ length: count }, (_, i) => ({ name: `hv${String(i + 1).padStart(2, '0')}` })),
  ...(windowsVersion ? { cluster: { windowsVersion } } : {}),
});

interface Case {
  readonly name: string;
  readonly spec: ClusterSpec;
  readonly expected: readonly ExpectedFinding[];
}

const cases: readonly Case[] = [
  {
    name: 'two nodes pass',
    spec: spec(2, '2022'),
    expected: [{ status: 'pass', messageId: 'supported', data: { count: 2, max: 64 } }],
  },
  {
    name: 'one node warns, with the node as subject',
    spec: spec(1, '2022'),
    expected: [{ status: 'warn', messageId: 'oneNode', subject: 'hv01', data: { name: 'hv01' } }],
  },
  {
    name: 'one node on 2008 R2 warns too (a one-node cluster can be created there as well)',
    spec: spec(1, '2008R2'),
    expected: [{ status: 'warn', messageId: 'oneNode', subject: 'hv01' }],
  },
  {
    name: 'one node, version unknown: a warning',
    spec: spec(1),
    expected: [{ status: 'warn', messageId: 'oneNode', subject: 'hv01' }],
  },
  {
    name: '16 nodes on 2008 R2 pass',
    spec: spec(16, '2008R2'),
    expected: [{ status: 'pass', messageId: 'supported', data: { count: 16, max: 16 } }],
  },
  {
    name: '17 nodes on 2008 R2 fail',
    spec: spec(17, '2008R2'),
    expected: [{ status: 'fail', messageId: 'tooMany', data: { count: 17, max: 16 } }],
  },
  {
    name: '17 nodes on 2012 pass',
    spec: spec(17, '2012'),
    expected: [{ status: 'pass', messageId: 'supported', data: { count: 17, max: 64 } }],
  },
  {
    name: '64 nodes on 2025 pass',
    spec: spec(64, '2025'),
    expected: [{ status: 'pass', messageId: 'supported', data: { count: 64 } }],
  },
  {
    name: 'no nodes (a spec that did not come through the loader) fail',
    spec: spec(0, '2022'),
    expected: [{ status: 'fail', messageId: 'none' }],
  },
];

describe('config.nodes.count', () => {
  for (const c of cases) {
    it(c.name, async () => {
      assertFindings(await runCheck(check, { spec: c.spec }), c.expected);
    });
  }
});
