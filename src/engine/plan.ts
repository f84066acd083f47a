/**
 * The plan (ARCHITECTURE.md, "The plan"): the actions the findings' remediations contribute,
 * one per key, in an order that respects every dependency.
 */
import type { Action, ActionDependency, Finding, Plan, PlannedAction } from './report.ts';

/** The statuses whose findings are still to act on; a waived finding was accepted as it is. */
const TO_ACT_ON: ReadonlySet<Finding['status']> = new Set(['fail', 'warn', 'error']);

/**
 * An ordering rule between kinds of action: every action of kind `first` comes before every
 * action of kind `then` (of the same target when `sameTarget`), for the reason `why`. Rules hold
 * whoever contributed the actions, so that a plugin's `move-ou:x` waits for a built-in
 * `rename-node:x` without naming it.
 */
export interface OrderRule {
  readonly first: string;
  readonly then: string;
  readonly sameTarget: boolean;
  readonly why: string;
}

export const ORDER_RULES: readonly OrderRule[] = [
  {
    first: 'dns-record',
    then: 'join-domain',
    sameTarget: false,
    why: "a node finds its domain controller through the domain's DNS records: they must exist before it joins",
  },
  {
    first: 'raise-domain-mode',
    then: 'join-domain',
    sameTarget: false,
    why: 'the irreversible, domain-wide change comes first, so that no computer account is written twice',
  },
  {
    first: 'raise-domain-mode',
    then: 'rename-node',
    sameTarget: false,
    why: "a fix script stops at its first failure: the raise, refused while an NT 4.0 or Windows 2000 DC is left, runs before any node restarts for a rename (a member's rename itself works at any level)",
  },
  {
    first: 'rename-node',
    then: 'move-ou',
    sameTarget: true,
    why: "the rename restarts the node and renames its computer object: the move and its gpupdate come after the node's last restart, on the object's final name",
  },
  ...['target-acl', 'target-chap'].map((first) => ({
    first,
    then: 'replace-lun',
    sameTarget: false,
    why: "until the nodes' initiators may log in to the target (its ACL and CHAP), the PR sequence cannot run, so what it found cannot be judged",
  })),
];

/** A dependency cycle among contributed actions: a bug in the checks that contributed them. */
export class PlanCycleError extends Error {
  readonly keys: readonly string[];

  constructor(keys: readonly string[]) {
    super(
      `the actions ${keys.join(' -> ')} depend on one another in a cycle (each needs the next): no order can apply them (a bug in the checks that contributed them)`,
    );
    this.name = 'PlanCycleError';
    this.keys = keys;
  }
}

function kindOf(key: string): string {
  const colon = key.indexOf(':');
  return colon < 0 ? key : key.slice(0, colon);
}

function targetOf(key: string): string | undefined {
  const colon = key.indexOf(':');
  return colon < 0 ? undefined : key.slice(colon + 1);
}

interface Gathered {
  action: Action;
  resolves: PlannedAction['resolves'];
  dependsOn: Map<string, string>;
}

/** One action per key, in the order keys first appear in the findings; the first descriptor wins. */
function gather(findings: readonly Finding[]): Map<string, Gathered> {
  const byKey = new Map<string, Gathered>();
  findings.forEach((finding, index) => {
    if (!TO_ACT_ON.has(finding.status)) return;
    for (const action of finding.remediation?.actions ?? []) {
      let entry = byKey.get(action.key);
      if (!entry) {
        entry = { action, resolves: [], dependsOn: new Map() };
        byKey.set(action.key, entry);
      }
      if (!entry.resolves.some((r) => r.finding === index))
        entry.resolves.push({
          finding: index,
          checkId: finding.checkId,
          ...(finding.subject !== undefined ? { subject: finding.subject } : {}),
        });
      for (const d of action.dependsOn ?? []) if (!entry.dependsOn.has(d.key)) entry.dependsOn.set(d.key, d.why);
    }
  });
  return byKey;
}

/** Adds the edges of ORDER_RULES between the actions present; a contributed `why` is kept. */
function applyRules(byKey: Map<string, Gathered>, rules: readonly OrderRule[]): void {
  const keys = [...byKey.keys()];
  for (const rule of rules)
    for (const then of keys.filter((k) => kindOf(k) === rule.then))
      for (const first of keys.filter((k) => kindOf(k) === rule.first)) {
        if (first === then || (rule.sameTarget && targetOf(first) !== targetOf(then))) continue;
        const deps = byKey.get(then)!.dependsOn;
        if (!deps.has(first)) deps.set(first, rule.why);
      }
}

/**
 * Kahn's algorithm with a stable tie-break: of the actions whose dependencies are all placed, the
 * one that appeared first in the findings goes next. What is left unplaced lies on or behind a
 * cycle, which is then named.
 */
function order(byKey: Map<string, Gathered>): string[] {
  const keys = [...byKey.keys()];
  const position = new Map(keys.map((k, i) => [k, i]));
  const placed = new Set<string>();
  const result: string[] = [];
  while (result.length < keys.length) {
    const next = keys.find((k) => !placed.has(k) && [...byKey.get(k)!.dependsOn.keys()].every((d) => placed.has(d)));
    if (next === undefined) throw new PlanCycleError(findCycle(byKey, placed, position));
    placed.add(next);
    result.push(next);
  }
  return result;
}

/** One cycle among the unplaced actions, as keys with the first repeated at the end. */
function findCycle(byKey: Map<string, Gathered>, placed: Set<string>, position: Map<string, number>): string[] {
  const start = [...byKey.keys()].find((k) => !placed.has(k))!;
  const path: string[] = [];
  let at = start;
  // Every unplaced action has an unplaced dependency, so walking them must revisit a key.
  while (!path.includes(at)) {
    path.push(at);
    const deps = [...byKey.get(at)!.dependsOn.keys()].filter((d) => !placed.has(d));
    deps.sort((a, b) => position.get(a)! - position.get(b)!);
    at = deps[0]!;
  }
  const cycle = path.slice(path.indexOf(at));
  return [...cycle, cycle[0]!];
}

/**
 * The plan of a run: the distinct actions the findings to act on contribute, each with the
 * findings it resolves and its dependencies on other actions of the plan, in an order where every
 * action comes after those it depends on. Dependencies on keys not in the plan are dropped.
 * Throws PlanCycleError when the dependencies form a cycle.
 */
export function buildPlan(findings: readonly Finding[], rules: readonly OrderRule[] = ORDER_RULES): Plan {
  const byKey = gather(findings);
  for (const entry of byKey.values())
    for (const key of entry.dependsOn.keys()) if (!byKey.has(key)) entry.dependsOn.delete(key);
  applyRules(byKey, rules);
  const actions = order(byKey).map((key): PlannedAction => {
    const { action, resolves, dependsOn } = byKey.get(key)!;
    const deps: ActionDependency[] = [...dependsOn].map(([k, why]) => ({ key: k, why }));
    return { ...action, dependsOn: deps, resolves };
  });
  return { actions };
}

/** The plan, or, when the contributed dependencies form a cycle, an empty plan that says why. */
export function planOf(findings: readonly Finding[]): Plan {
  try {
    return buildPlan(findings);
  } catch (error) {
    if (error instanceof PlanCycleError) return { actions: [], error: error.message };
    throw error;
  }
}
