/**
 * Nodes grouped by a value they report (a processor vendor, a Windows version...), largest group
 * first, and the groups in words for a finding: `Intel on hv01, hv02; AMD on hv03`.
 */

export interface NodeGroup {
  readonly value: string;
  readonly nodes: string[];
}

/** The nodes by `key`, the largest group first (ties keep the nodes' order). */
export function groupBy<N extends { readonly node: string }>(nodes: readonly N[], key: (n: N) => string): NodeGroup[] {
  const groups = new Map<string, string[]>();
  for (const n of nodes) groups.set(key(n), [...(groups.get(key(n)) ?? []), n.node]);
  return [...groups.entries()]
    .map(([value, names]) => ({ value, nodes: names }))
    .sort((a, b) => b.nodes.length - a.nodes.length);
}

/** `Intel on hv01, hv02; AMD on hv03`. */
export function inWords(groups: readonly NodeGroup[]): string {
  return groups.map((g) => `${g.value} on ${g.nodes.join(', ')}`).join('; ');
}
