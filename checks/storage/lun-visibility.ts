import type { Check } from '../../src/engine/contract.ts';
import { strongestIdentifier } from '../../src/facts/lun-identity.ts';

const messages = {
  sameDisks: 'All {count} node identities see the same {disks} candidate disk(s) on {target}',
  missingForNode: '{node} ({initiator}) does not see {disk} on {target}, which {others} see',
  noComparison:
    'Fewer than two node identities could log in to {target}: visibility cannot be compared (see storage.target.login)',
} as const;

const check = {
  meta: {
    id: 'storage.lun.visibility',
    title: 'Every node sees the same candidate disks',
    area: 'storage',
    description:
      'Per target, the set of disk LUNs (by device identifier, else LUN number) each node identity sees after logging in; a disk missing for a node names the node and the disk. Nodes that cannot log in at all are reported by storage.target.login.',
    why: 'A cluster disk must be visible to every node that may own it; LUN masking that hides a disk from one node lets validation pass on some nodes and fail on others, and the disk cannot fail over there.',
    docs: 'docs/checks/storage.lun.visibility.md',
    severity: 'fail',
    facts: ['storage.inventory'],
    messages,
    remediations: [
      'Map the LUN to every node (tgt/LIO: the same target ACL for all nodes; arrays: add the node to the host group the LUN is mapped to), then rescan on the node: Update-HostStorageCache.',
    ],
  },
  async run(ctx) {
    const facts = await ctx.fact('storage.inventory');
    let reported = 0;
    for (const portal of facts.portals) {
      for (const target of portal.targets) {
        const seen = target.logins
          .filter((l) => l.status === 'ok' && l.luns)
          .map((l) => ({
            login: l,
            disks: new Map(
              l
                .luns!.filter((x) => x.deviceType === 0)
                .map((x) => [strongestIdentifier(x)?.identifier ?? `LUN ${x.lun}`, x.lun]),
            ),
          }));
        reported += 1;
        if (seen.length < 2) {
          ctx.report({
            status: 'skipped',
            messageId: 'noComparison',
            subject: target.name,
            data: { target: target.name },
          });
          continue;
        }
        const all = new Map<string, number>();
        for (const s of seen) for (const [id, lun] of s.disks) all.set(id, lun);
        let missing = 0;
        for (const s of seen) {
          for (const [id, lun] of all) {
            if (s.disks.has(id)) continue;
            missing += 1;
            const others = seen.filter((o) => o.disks.has(id)).map((o) => o.login.node);
            ctx.report({
              status: 'fail',
              messageId: 'missingForNode',
              subject: `${target.name} LUN ${lun} ${s.login.node}`,
              data: {
                node: s.login.node,
                initiator: s.login.initiator,
                disk: `LUN ${lun} (${id})`,
                target: target.name,
                others: others.join(', '),
              },
              evidence: { seenBy: Object.fromEntries(seen.map((o) => [o.login.node, [...o.disks.values()]])) },
              remediation: {
                summary: `Map LUN ${lun} of ${target.name} to ${s.login.node}`,
                steps: [
                  {
                    text: `Present the LUN to ${s.login.initiator} the same way it is presented to ${others.join(', ')} (the same target access list, or the same host group on an array).`,
                  },
                  {
                    text: 'Then rescan on the node:',
                    commands: [{ shell: 'powershell', command: 'Update-HostStorageCache', runOn: s.login.node }],
                  },
                ],
              },
            });
          }
        }
        if (missing === 0)
          ctx.report({
            status: 'pass',
            messageId: 'sameDisks',
            subject: target.name,
            data: { target: target.name, count: seen.length, disks: all.size },
          });
      }
    }
    if (reported === 0) ctx.report({ status: 'skipped', messageId: 'noComparison', data: { target: 'any target' } });
  },
} satisfies Check;

export default check;
