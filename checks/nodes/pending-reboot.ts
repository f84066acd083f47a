import type { Check } from '../../src/engine/contract.ts';
import type { NodePendingReboot, PendingRebootIndicator } from '../../src/facts/index.ts';
import { NODES_GATE_MESSAGES, nodesViewOrSkip, readOrReportNotRead, reportUnreadable } from './lib/gate.ts';
import { psName } from './lib/ps-name.ts';

const messages = {
  noRebootPending: '{node}: no restart is pending',
  rebootPending: '{node}: a restart is pending ({which})',
  unreadable: '{node}: whether a restart is pending could not be read: {error}',
  ...NODES_GATE_MESSAGES,
} as const;

/** Where each indicator is, in words. */
export function indicatorText(i: PendingRebootIndicator, r: NodePendingReboot): string {
  switch (i) {
    case 'componentBasedServicing':
      return 'Component Based Servicing: RebootPending (an update, role or feature was installed or removed)';
    case 'windowsUpdate':
      return 'Windows Update: RebootRequired';
    case 'fileRenameOperations':
      return `Session Manager: PendingFileRenameOperations (${r.fileRenameEntries} entr${r.fileRenameEntries === 1 ? 'y' : 'ies'}: files replaced at restart)`;
    case 'computerRename':
      return `the computer is renamed from ${r.activeComputerName ?? '?'} to ${r.pendingComputerName ?? '?'} at restart`;
  }
}

const check = {
  meta: {
    id: 'nodes.pending-reboot',
    title: 'No node waits for a restart',
    area: 'nodes',
    description:
      "Reads on each node the usual restart indicators: the Component Based Servicing RebootPending key, Windows Update's RebootRequired key, Session Manager's PendingFileRenameOperations, and a computer rename waiting for a restart; names each one found.",
    why: 'Validation (Test-Cluster) and New-Cluster on a node with a pending restart see a half-installed update or feature: Failover Clustering or Hyper-V installed but not active, files about to be replaced, or a new computer name that is not in effect yet. Restart first.',
    docs: 'docs/checks/nodes.pending-reboot.md',
    severity: 'warn',
    facts: ['nodes.facts'],
    messages,
    remediations: ['Restart the node (Restart-Computer), then run clusterprobe again.'],
  },
  async run(ctx) {
    const view = await nodesViewOrSkip(ctx);
    if (!view) return;
    for (const n of view.all) {
      if (!readOrReportNotRead(ctx, n)) continue;
      const r = n.facts.pendingReboot;
      if (!r) {
        reportUnreadable(ctx, n, 'reboot');
        continue;
      }
      const evidence = { pendingReboot: r, lastBootUpTime: n.facts.os?.lastBootUpTime ?? null };
      const data = { node: n.node, indicators: r.indicators, lastBootUpTime: n.facts.os?.lastBootUpTime ?? null };
      if (r.indicators.length === 0) {
        ctx.report({ status: 'pass', messageId: 'noRebootPending', subject: n.node, data, evidence });
        continue;
      }
      const target = psName(n.computerName);
      ctx.report({
        status: 'warn',
        messageId: 'rebootPending',
        subject: n.node,
        data: { ...data, which: r.indicators.map((i) => indicatorText(i, r)).join('; ') },
        evidence,
        remediation: {
          summary: `Restart ${n.computerName}`,
          steps: [
            {
              text: `Restart ${n.computerName} before validating or creating the cluster${r.indicators.length === 1 && r.indicators[0] === 'fileRenameOperations' ? ' (PendingFileRenameOperations alone is often left by an installer or antivirus update; it still means files change at the next restart)' : ''}:`,
              commands: [
                {
                  shell: 'powershell',
                  command: `Restart-Computer -ComputerName ${target} -Wait -For PowerShell -Timeout 1800`,
                  runOn: 'this machine',
                },
                { shell: 'cmd', command: 'shutdown /r /t 0', runOn: n.computerName },
              ],
            },
          ],
        },
      });
    }
  },
} satisfies Check;

export default check;
