import type { Check } from '../../src/engine/contract.ts';
import { netbiosName } from '../../src/netbios.ts';
import { NAMES_GATE_MESSAGES, declaredNamesOrSkip, renameRemediation, renameSuggestions } from './lib/names.ts';

const check = {
  meta: {
    id: 'config.netbios.collision',
    title: 'No two names share a NetBIOS name',
    area: 'config',
    description:
      'Groups the node names and the cluster name by the NetBIOS name Windows derives from them (first 15 characters, upper-cased) and fails for every group of two or more, naming every host in it and the shared truncated name. The same name listed twice fails too.',
    why: "Two hosts whose names agree in their first 15 characters register the same NetBIOS name: whichever answers last wins, so name resolution, SMB and cluster communication fail intermittently, the failure the review's lab met with its two 18-character host names.",
    docs: 'docs/checks/config.netbios.collision.md',
    severity: 'fail',
    facts: ['spec', 'ad.directory'],
    messages: {
      unique: 'All {count} names have distinct NetBIOS names',
      collision: '{count} names share the NetBIOS name "{netbiosName}": {hosts}',
      duplicate: 'The name "{name}" is declared {count} times ({paths})',
      ...NAMES_GATE_MESSAGES,
    },
    remediations: [
      'Rename every colliding host but one (or all) to the suggested names, which are valid and unique, then update the spec.',
    ],
  },
  async run(ctx) {
    const gate = await declaredNamesOrSkip(ctx);
    if (!gate) return;
    const { spec, names } = gate;
    let problems = 0;
    const byName = Map.groupBy(names, (n) => n.name.toLowerCase());
    for (const group of byName.values()) {
      if (group.length < 2) continue;
      problems += 1;
      const first = group[0]!;
      ctx.report({
        status: 'fail',
        messageId: 'duplicate',
        subject: first.name,
        data: { name: first.name, count: group.length, paths: group.map((g) => g.path).join(', ') },
        evidence: { declarations: group },
        remediation: {
          summary: `Declare ${first.name} once`,
          steps: [
            {
              text: `Remove the repeated entries (${group
                .slice(1)
                .map((g) => g.path)
                .join(', ')}) from the spec, or correct the name if a different host was meant.`,
            },
          ],
        },
      });
    }
    const distinct = [...byName.values()].map((g) => g[0]!);
    // All names, as the ad.* checks give them (suggestNames reads a repeated name once).
    const suggestions = await renameSuggestions(
      ctx,
      spec,
      names.map((n) => n.name),
    );
    const nodeNames = distinct.filter((n) => n.kind === 'node').map((n) => suggestions.get(n.name) ?? n.name);
    for (const [truncated, group] of Map.groupBy(distinct, (n) => netbiosName(n.name))) {
      if (group.length < 2) continue;
      problems += 1;
      const hosts = group.map((g) => g.name);
      const renames = group.filter((g) => suggestions.has(g.name));
      const fixes = renames.map((g) => renameRemediation(g, suggestions.get(g.name)!, nodeNames, spec));
      ctx.report({
        status: 'fail',
        messageId: 'collision',
        subject: truncated,
        data: {
          netbiosName: truncated,
          count: group.length,
          hosts,
          suggestions: Object.fromEntries(renames.map((g) => [g.name, suggestions.get(g.name)])),
        },
        evidence: {
          netbiosName: truncated,
          names: group.map((g) => ({ ...g, length: g.name.length, netbiosName: netbiosName(g.name) })),
        },
        remediation: {
          summary: `Give ${hosts.join(', ')} names that differ within their first 15 characters`,
          steps: fixes.flatMap((r) => r.steps),
          actions: fixes.flatMap((r) => r.actions ?? []),
        },
      });
    }
    if (problems === 0)
      ctx.report({
        status: 'pass',
        messageId: 'unique',
        data: { count: names.length, netbiosNames: distinct.map((n) => netbiosName(n.name)) },
      });
  },
} satisfies Check;

export default check;
