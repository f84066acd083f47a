/**
 * The `nodes.facts` probe: every node read at once through the run's PowerShell session
 * (Invoke-Command, src/windows/node-facts.ts), each answer and each error record mapped back to
 * its node, each failure classified (src/windows/errors.ts). On Linux and macOS, or without
 * PowerShell, the fact says so and why; the nodes.* checks then skip.
 */
import type { FactProbe } from '../facts/index.ts';
import type { ClusterSpec } from '../config/schema.ts';
import { sharedPowerShell, WINDOWS_DEFAULT_TIMEOUT_S } from './availability.ts';
import { classifyFailure, classifyRecord, type WindowsError } from './errors.ts';
import type { NodeEntry, NodeError, NodeFacts, NodesFact } from '../facts/nodes.ts';
import { PowerShellError, type PsErrorRecord } from './powershell.ts';
import { NODE_TIMEOUT_ERROR_ID, nodeFactsParams, nodeFactsScript, type NodeOutput } from './node-facts.ts';

function toNodeError(e: WindowsError): NodeError {
  const r = e.record;
  return {
    code: e.code,
    cause: e.cause,
    ...(r
      ? { message: r.message, fullyQualifiedErrorId: r.fullyQualifiedErrorId, exceptionType: r.exceptionType }
      : {}),
  };
}

/** Our own record for a node still running at the deadline; the rest through classifyRecord. */
function classifyNodeRecord(r: PsErrorRecord): NodeError {
  if (r.fullyQualifiedErrorId.split(',')[0] === NODE_TIMEOUT_ERROR_ID) {
    return {
      code: 'timeout',
      cause: `the node did not finish answering within the time limit: ${r.message}`,
      message: r.message,
      fullyQualifiedErrorId: r.fullyQualifiedErrorId,
      exceptionType: r.exceptionType,
    };
  }
  return toNodeError(classifyRecord(r));
}

const shortName = (s: string) => s.toLowerCase().replace(/\.$/, '').split('.')[0] ?? '';

/**
 * Which target a name from PowerShell (PSComputerName, an error's computer name) is: the same
 * name ignoring case, else the same first label (HV01 for hv01.lab.example.test) when only one
 * target has it.
 */
export function matchTarget(
  name: string | null | undefined,
  targets: readonly { readonly node: string; readonly computerName: string }[],
): number | undefined {
  if (!name) return undefined;
  const n = name.toLowerCase().replace(/\.$/, '');
  const exact = targets.findIndex(
    (t) => t.computerName.toLowerCase().replace(/\.$/, '') === n || t.node.toLowerCase() === n,
  );
  if (exact >= 0) return exact;
  const short = shortName(n);
  const candidates = targets
    .map((t, i) => [t, i] as const)
    .filter(([t]) => shortName(t.computerName) === short || shortName(t.node) === short);
  return candidates.length === 1 ? candidates[0]![1] : undefined;
}

/** Puts the outputs and error records of one run together, node by node. */
export function assembleNodes(
  targets: readonly { node: string; computerName: string }[],
  outputs: readonly NodeOutput[],
  records: readonly PsErrorRecord[],
): { nodes: NodeEntry[]; unmatched: NodeError[] } {
  const facts = new Map<number, NodeFacts>();
  const problems = new Map<number, string>();
  for (const o of outputs) {
    const i = matchTarget(o.target ?? ('facts' in o ? o.facts.computerName : null), targets);
    if (i === undefined) continue;
    if ('facts' in o) facts.set(i, o.facts);
    else problems.set(i, o.problem);
  }
  const errors = new Map<number, NodeError[]>();
  const unmatched: NodeError[] = [];
  for (const r of records) {
    const i = matchTarget(r.computerName ?? r.targetObject, targets);
    const e = classifyNodeRecord(r);
    if (i === undefined) unmatched.push(e);
    else errors.set(i, [...(errors.get(i) ?? []), e]);
  }
  const nodes = targets.map((t, i): NodeEntry => {
    const f = facts.get(i);
    const errs = errors.get(i) ?? [];
    if (f) return { ...t, status: 'ok', facts: f, ...(errs.length > 0 ? { remoteErrors: errs } : {}) };
    const first = errs[0];
    if (first)
      return { ...t, status: first.code, error: first, ...(errs.length > 1 ? { remoteErrors: errs.slice(1) } : {}) };
    const problem = problems.get(i);
    if (problem !== undefined)
      return {
        ...t,
        status: 'badOutput',
        error: { code: 'badOutput', cause: `the node's answer is not what clusterprobe asked for: ${problem}` },
      };
    return {
      ...t,
      status: 'badOutput',
      error: { code: 'badOutput', cause: 'no answer and no error came back for this node' },
    };
  });
  return { nodes, unmatched };
}

/** Each node of the spec and the name Invoke-Command is given for it. */
export function nodeTargets(spec: Pick<ClusterSpec, 'nodes'>): { node: string; computerName: string }[] {
  return spec.nodes.map((n) => ({ node: n.name, computerName: n.fqdn ?? n.name }));
}

/**
 * The code of the `nodes.facts` probe. src/probes.ts declares the probe (fact, description) and
 * imports this module when the probe first collects.
 */
export const nodesProbe: Pick<FactProbe<'nodes.facts'>, 'collect'> = {
  async collect(ctx) {
    const ps = await sharedPowerShell(ctx);
    if ('skipped' in ps) return { status: 'skipped', skipped: { code: ps.code, reason: ps.skipped }, nodes: [] };
    const targets = nodeTargets(ctx.spec);
    if (targets.length === 0) return { status: 'ok', executable: ps.executable, nodes: [] };
    const timeoutMs = (ctx.spec.windows?.timeoutSeconds ?? WINDOWS_DEFAULT_TIMEOUT_S) * 1000;
    ctx.progress(
      `Invoke-Command on ${targets.length} node${targets.length === 1 ? '' : 's'}: ${targets.map((t) => t.computerName).join(', ')}`,
    );
    try {
      const result = await ps.session.run(
        nodeFactsScript,
        nodeFactsParams(
          targets.map((t) => t.computerName),
          timeoutMs,
        ),
        { signal: ctx.signal },
      );
      const { nodes, unmatched } = assembleNodes(targets, result.value, result.errors);
      return {
        status: 'ok',
        executable: ps.executable,
        ms: result.ms,
        ...(result.noise ? { noise: result.noise } : {}),
        nodes,
        ...(unmatched.length > 0 ? { unmatched } : {}),
      };
    } catch (err) {
      if (!(err instanceof PowerShellError)) throw err;
      const failure = toNodeError(classifyFailure(err));
      return {
        status: 'failed',
        executable: ps.executable,
        failure,
        nodes: targets.map((t) => ({ ...t, status: failure.code, error: failure })),
      };
    }
  },
};

/** The initiator names the nodes reported, by node name (for the storage probe's identities). */
export function reportedInitiators(fact: NodesFact | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of fact?.nodes ?? []) {
    const iqn = n.status === 'ok' ? n.facts?.iscsi?.iqn : undefined;
    if (iqn) out[n.node] = iqn;
  }
  return out;
}
