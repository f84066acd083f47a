import type { Check } from '../../src/engine/contract.ts';
import type { NodeEntry, NodeError } from '../../src/facts/index.ts';
import { windowsFix } from '../shared/lib/windows-fix.ts';
import { NODES_GATE_MESSAGES, nodesViewOrSkip } from './lib/gate.ts';

const messages = {
  reachable: '{node}: WinRM answered as {computerName} (PowerShell {psVersion}, {caption})',
  accessDenied: '{node}: WinRM on {target} refused the connection: access is denied to this account',
  unreachable: '{node}: WinRM on {target} cannot be reached: {cause}',
  timeout: '{node}: {target} did not answer over WinRM within the time limit: {cause}',
  dnsFailed: '{node}: the name {target} does not resolve from here',
  authFailed: '{node}: WinRM could not authenticate to {target}: {cause}',
  remoteError: '{node}: Invoke-Command on {target} failed: {cause}',
  badOutput: '{node}: {target} answered, but not with what clusterprobe asked for: {cause}',
  runFailed: 'PowerShell did not complete the node query ({code}): {cause}',
  notWindows: NODES_GATE_MESSAGES.notWindows,
  noPowerShell: NODES_GATE_MESSAGES.noPowerShell,
  noNodes: NODES_GATE_MESSAGES.noNodes,
} as const;

function evidenceOf(n: NodeEntry): Record<string, unknown> {
  return {
    computerName: n.computerName,
    status: n.status,
    ...(n.error ? { error: n.error } : {}),
    ...(n.remoteErrors ? { remoteErrors: n.remoteErrors } : {}),
  };
}

function fixOf(e: NodeError, target: string) {
  return {
    summary:
      e.code === 'accessDenied'
        ? `Give this account remoting rights on ${target}`
        : e.code === 'dnsFailed'
          ? `Make ${target} resolve`
          : `Make WinRM on ${target} answer`,
    steps: windowsFix({ code: e.code, cause: e.cause }, target),
  };
}

const check = {
  meta: {
    id: 'nodes.reachable',
    title: 'Each node answers PowerShell remoting (WinRM)',
    area: 'nodes',
    description:
      'Runs one Invoke-Command to every node at once (nodes[].fqdn, else the name), as the user running clusterprobe, with a time limit; each node that does not answer is named with the cause translated: access denied, WinRM not reachable (service, firewall, node down), a name that does not resolve, Kerberos/TrustedHosts, time-out.',
    why: 'The other nodes.* checks read the nodes through this connection, and so do New-Cluster and the validation wizard (Test-Cluster): a node without working remoting as the installing account cannot be validated or added.',
    docs: 'docs/checks/nodes.reachable.md',
    severity: 'fail',
    facts: ['nodes.facts', 'spec'],
    messages,
    remediations: [
      'Access denied: run as a domain account that is an administrator on the node, from a domain-joined machine (Kerberos).',
      'Not reachable or timed out: Test-WSMan / Test-NetConnection -Port 5985; Enable-PSRemoting -Force (winrm quickconfig on 2008 R2).',
      'Name does not resolve: list the node by its FQDN or register it in DNS; between untrusted domains, HTTPS and TrustedHosts.',
    ],
  },
  async run(ctx) {
    const view = await nodesViewOrSkip(ctx);
    if (!view) return;
    if (view.failure) {
      const f = view.failure;
      const spec = await ctx.fact('spec');
      const limit = spec.windows?.timeoutSeconds ?? 120;
      const first =
        f.code === 'timeout'
          ? [
              {
                text: `PowerShell gave no result within windows.timeoutSeconds (${limit} s) for all ${view.all.length} node${view.all.length === 1 ? '' : 's'}. Raise it for many or slow nodes; a node that hangs is normally reported on its own at four fifths of the limit, so a time-out here means PowerShell itself did not answer.`,
              },
            ]
          : [];
      ctx.report({
        status: 'error',
        messageId: 'runFailed',
        data: { code: f.code, cause: f.cause },
        evidence: { failure: f, nodes: view.all.map((n) => n.computerName) },
        remediation: {
          summary: 'Make PowerShell answer',
          steps: [...first, ...windowsFix({ code: f.code, cause: f.cause })],
        },
      });
      return;
    }
    for (const n of view.all) {
      const data = { node: n.node, target: n.computerName };
      const evidence = evidenceOf(n);
      if (n.status === 'ok' && n.facts) {
        const f = n.facts;
        ctx.report({
          status: 'pass',
          messageId: 'reachable',
          subject: n.node,
          data: {
            ...data,
            computerName: f.computerName,
            psVersion: f.psVersion ?? '?',
            caption: f.os?.caption ?? 'operating system not read',
            domain: f.domain?.domain ?? null,
            partOfDomain: f.domain?.partOfDomain ?? null,
          },
          evidence: { ...evidence, problems: f.problems, domain: f.domain },
        });
        continue;
      }
      const e = n.error ?? { code: 'other' as const, cause: n.status };
      const failed = { ...data, code: e.code, cause: e.cause };
      const remediation = fixOf(e, n.computerName);
      switch (e.code) {
        case 'accessDenied':
          ctx.report({
            status: 'fail',
            messageId: 'accessDenied',
            subject: n.node,
            data: failed,
            evidence,
            remediation,
          });
          break;
        case 'unreachable':
          ctx.report({
            status: 'fail',
            messageId: 'unreachable',
            subject: n.node,
            data: failed,
            evidence,
            remediation,
          });
          break;
        case 'timeout':
          ctx.report({ status: 'fail', messageId: 'timeout', subject: n.node, data: failed, evidence, remediation });
          break;
        case 'dnsFailed':
          ctx.report({ status: 'fail', messageId: 'dnsFailed', subject: n.node, data: failed, evidence, remediation });
          break;
        case 'authFailed':
          ctx.report({ status: 'fail', messageId: 'authFailed', subject: n.node, data: failed, evidence, remediation });
          break;
        case 'badOutput':
          ctx.report({
            status: 'error',
            messageId: 'badOutput',
            subject: n.node,
            data: failed,
            evidence,
            remediation: {
              summary: 'See what the node answers',
              steps: windowsFix({ code: 'badOutput', cause: e.cause }, n.computerName),
            },
          });
          break;
        default:
          ctx.report({
            status: 'fail',
            messageId: 'remoteError',
            subject: n.node,
            data: failed,
            evidence,
            remediation,
          });
      }
    }
  },
} satisfies Check;

export default check;
