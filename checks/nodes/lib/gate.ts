/**
 * The gate every nodes.* check passes first: what the check sees of the `nodes.facts` fact (not on
 * Windows, no PowerShell, no nodes, or the nodes read and unread), the messages of those cases, and
 * the skipped findings they give. One place, so the seven checks cannot drift apart.
 */
import type { CheckContext } from '../../../src/engine/contract.ts';
import type { NodeFacts } from '../../../src/facts/index.ts';
import type { NodeEntry, NodeError, NodesFact, NodeStatus } from '../../../src/facts/index.ts';

/** What the nodes.* checks see of the fact, case by case. */
export type NodesView =
  | { readonly kind: 'notWindows'; readonly reason: string }
  | { readonly kind: 'noPowerShell'; readonly reason: string }
  | { readonly kind: 'noNodes' }
  | {
      readonly kind: 'nodes';
      /** Every node, in the spec's order. */
      readonly all: readonly NodeEntry[];
      /** The nodes that answered with facts. */
      readonly read: readonly (NodeEntry & { readonly facts: NodeFacts })[];
      readonly unread: readonly NodeEntry[];
      /** Set when the run as a whole failed (every node is then unread). */
      readonly failure?: NodeError;
    };

export function viewNodes(fact: NodesFact): NodesView {
  if (fact.status === 'skipped') {
    const reason = fact.skipped?.reason ?? 'the Windows path is not available here';
    return fact.skipped?.code === 'noPowerShell' ? { kind: 'noPowerShell', reason } : { kind: 'notWindows', reason };
  }
  if (fact.nodes.length === 0) return { kind: 'noNodes' };
  const read = fact.nodes.filter(
    (n): n is NodeEntry & { facts: NodeFacts } => n.status === 'ok' && n.facts !== undefined,
  );
  const unread = fact.nodes.filter((n) => !(n.status === 'ok' && n.facts !== undefined));
  return { kind: 'nodes', all: fact.nodes, read, unread, ...(fact.failure ? { failure: fact.failure } : {}) };
}

/** The messages every nodes.* check shares (the cases of viewNodes). */
export const NODES_GATE_MESSAGES = {
  notWindows: 'Not evaluated on this machine: {reason}',
  noPowerShell: 'Not evaluated: no PowerShell here: {reason}',
  noNodes: 'The spec lists no nodes: nothing to check',
  notRead: '{node} was not read ({cause}): see nodes.reachable',
} as const;

/** The data of a notRead finding. */
export function notReadData(n: NodeEntry): { node: string; computerName: string; status: NodeStatus; cause: string } {
  return { node: n.node, computerName: n.computerName, status: n.status, cause: n.error?.cause ?? n.status };
}

/** The view when there are nodes to look at. */
export type NodesReadView = Extract<NodesView, { kind: 'nodes' }>;

/**
 * Reads `nodes.facts` and reports the gate's skipped finding when the nodes cannot be looked at
 * (not on Windows, no PowerShell, no nodes in the spec); returns the view otherwise. A check spreads
 * NODES_GATE_MESSAGES into its meta.messages for the ids reported here and by reportNotRead.
 */
export async function nodesViewOrSkip(ctx: CheckContext): Promise<NodesReadView | undefined> {
  const view = viewNodes(await ctx.fact('nodes.facts'));
  switch (view.kind) {
    case 'notWindows':
      ctx.report({ status: 'skipped', messageId: 'notWindows', data: { reason: view.reason } });
      return undefined;
    case 'noPowerShell':
      ctx.report({ status: 'skipped', messageId: 'noPowerShell', data: { reason: view.reason } });
      return undefined;
    case 'noNodes':
      ctx.report({ status: 'skipped', messageId: 'noNodes' });
      return undefined;
    case 'nodes':
      return view;
  }
}

/** The skipped `notRead` finding for a node that gave no facts (nodes.reachable says why). */
export function reportNotRead(ctx: CheckContext, n: NodeEntry): void {
  ctx.report({ status: 'skipped', messageId: 'notRead', subject: n.node, data: notReadData(n) });
}

/** A node that answered with facts. */
export type ReadNode = NodeEntry & { readonly facts: NodeFacts };

/** Whether `n` answered with facts; when it did not, reports its `notRead` finding (skipped). */
export function readOrReportNotRead(ctx: CheckContext, n: NodeEntry): n is ReadNode {
  if (n.status === 'ok' && n.facts !== undefined) return true;
  reportNotRead(ctx, n);
  return false;
}

/**
 * The `unreadable` finding (warn) for a node that answered but not for this check's reading: the
 * node's problem for `section` (cpu, os, domain, iscsi, reboot...), else `fallback`.
 */
export function reportUnreadable(
  ctx: CheckContext,
  n: ReadNode,
  section: string,
  fallback = 'no answer for this reading',
  evidence: Record<string, unknown> = {},
): void {
  ctx.report({
    status: 'warn',
    messageId: 'unreadable',
    subject: n.node,
    data: { node: n.node, error: n.facts.problems.find((p) => p.section === section)?.message ?? fallback },
    evidence: { ...evidence, problems: n.facts.problems },
  });
}
