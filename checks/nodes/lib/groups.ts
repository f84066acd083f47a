/**
 * Nodes grouped by a value they report (a processor vendor, a Windows version...), largest group
 * first, and the groups in words for a finding: `Intel on hv01, hv02; AMD on hv03`.
 */
import type { CheckContext } from '../../../src/engine/contract.ts';
import type { Remediation } from '../../../src/engine/report.ts';

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

/** What reportAgreement compares and how it words the two outcomes. */
export interface Agreement {
  /** The finding's subject: what is compared (`vendor`, `build`). */
  readonly subject: string;
  readonly evidence: Readonly<Record<string, unknown>>;
  /** The nodes agree: the pass finding's message, and its data from the one value. */
  readonly same: { readonly messageId: string; readonly data: (value: string) => Record<string, unknown> };
  /**
   * They differ: the finding's status and message, the data key for the list of values
   * (`vendors`), data that comes before the groups, and the fix.
   */
  readonly differ: {
    readonly status: 'fail' | 'warn';
    readonly messageId: string;
    readonly values: string;
    readonly data?: Readonly<Record<string, unknown>>;
    readonly remediation: Remediation;
  };
}

/**
 * Compares the nodes on `key` in one finding: `differ` with the groups in words (`groups`) and the
 * values when they hold more than one value, else `same`. Returns the groups, largest first.
 */
export function reportAgreement<N extends { readonly node: string }>(
  ctx: CheckContext,
  nodes: readonly N[],
  key: (n: N) => string,
  a: Agreement,
): NodeGroup[] {
  const groups = groupBy(nodes, key);
  if (groups.length > 1)
    ctx.report({
      status: a.differ.status,
      messageId: a.differ.messageId,
      subject: a.subject,
      data: { ...a.differ.data, groups: inWords(groups), [a.differ.values]: groups.map((g) => g.value) },
      evidence: a.evidence,
      remediation: a.differ.remediation,
    });
  else
    ctx.report({
      status: 'pass',
      messageId: a.same.messageId,
      subject: a.subject,
      data: a.same.data(groups[0]!.value),
      evidence: a.evidence,
    });
  return groups;
}
