import type { Check } from '../../src/engine/contract.ts';
import { MAX_NODES } from '../../src/config/validators.ts';

/** Windows Server 2008 R2 failover clusters have at most 16 nodes; 2012 raised it to 64. */
export const MAX_NODES_2008R2 = 16;

const check = {
  meta: {
    id: 'config.nodes.count',
    title: 'The cluster has a supported number of nodes',
    area: 'config',
    description: `How many nodes the spec declares: two to ${MAX_NODES} pass (two to ${MAX_NODES_2008R2} on Windows Server 2008 R2), one warns, more than the version supports fails. The loader already refuses a spec with no nodes or more than ${MAX_NODES}.`,
    why: 'A one-node cluster can be created and runs clustered roles, but it has nowhere to fail over to: it gives none of the availability a failover cluster is built for. Windows Server 2008 R2 supports at most 16 nodes in a cluster; New-Cluster and Add-ClusterNode refuse more.',
    docs: 'docs/checks/config.nodes.count.md',
    severity: 'fail',
    facts: ['spec'],
    messages: {
      supported: '{count} nodes: within the {max} a failover cluster on {version} supports',
      oneNode:
        'One node ({name}): a one-node cluster can be created, but it has nowhere to fail over to; add a second node for high availability',
      tooMany: '{count} nodes: a failover cluster on Windows Server 2008 R2 has at most {max}',
      none: 'The spec declares no nodes: a cluster needs at least one',
    },
    remediations: [
      'Add a second node to the spec and to the cluster (Add-ClusterNode), or waive this check for a deliberate one-node cluster.',
      'Split the nodes into clusters of at most 16 on Windows Server 2008 R2, or build the cluster on Windows Server 2012 or later (64 nodes).',
    ],
  },
  async run(ctx) {
    const spec = await ctx.fact('spec');
    const version = spec.cluster?.windowsVersion;
    const count = spec.nodes.length;
    const max = version === '2008R2' ? MAX_NODES_2008R2 : MAX_NODES;
    const evidence = { count, windowsVersion: version ?? null, max, nodes: spec.nodes.map((n) => n.name) };
    if (count === 0) {
      ctx.report({
        status: 'fail',
        messageId: 'none',
        evidence,
        remediation: {
          summary: 'Declare the nodes in the spec',
          steps: [
            {
              text: 'List every node under nodes:, e.g. nodes: [{ name: hv01 }, { name: hv02 }], then run clusterprobe validate again.',
            },
          ],
        },
      });
    } else if (count === 1) {
      const name = spec.nodes[0]!.name;
      ctx.report({
        status: 'warn',
        messageId: 'oneNode',
        subject: name,
        data: { name, count },
        evidence,
        remediation: {
          summary: 'Add a second node, or waive this for a deliberate one-node cluster',
          steps: [
            {
              text: 'Add a second node to the spec (nodes: [{ name: hv01 }, { name: hv02 }]) and, once the cluster exists, to the cluster; Test-Cluster validates the pair first.',
              commands: [
                {
                  shell: 'powershell',
                  command: `${version === '2008R2' || version === undefined ? 'Import-Module FailoverClusters; ' : ''}Add-ClusterNode -Name hv02`,
                  runOn: name,
                },
              ],
            },
            {
              text: 'A one-node cluster on purpose (a lab, a cluster built one node at a time): waive config.nodes.count in the spec with the reason and an expiry date.',
            },
          ],
        },
      });
    } else if (count > max) {
      ctx.report({
        status: 'fail',
        messageId: 'tooMany',
        data: { count, max },
        evidence,
        remediation: {
          summary: `At most ${max} nodes on Windows Server 2008 R2`,
          steps: [
            {
              text: `Split the ${count} nodes into clusters of at most ${max} (one spec each), or build the cluster on Windows Server 2012 or later, which supports ${MAX_NODES} nodes; set cluster.windowsVersion accordingly.`,
            },
          ],
        },
      });
    } else {
      ctx.report({
        status: 'pass',
        messageId: 'supported',
        data: {
          count,
          max,
          version: version ? `Windows Server ${version.replace('R2', ' R2')}` : 'Windows Server 2012 or later',
        },
        evidence,
      });
    }
  },
} satisfies Check;

export default check;
