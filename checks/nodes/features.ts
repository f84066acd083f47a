import type { Check } from '../../src/engine/contract.ts';
import type { Command, Remediation } from '../../src/engine/report.ts';
import type { NodeFacts } from '../../src/facts/index.ts';
import { NODES_GATE_MESSAGES, nodesViewOrSkip, readOrReportNotRead } from './lib/gate.ts';
import { psName } from './lib/ps-name.ts';

const messages = {
  installed: '{node}: {feature} is installed',
  missing: '{node}: {feature} is not installed ({state}){why}',
  installPending: '{node}: {feature} is installed but waits for a restart to finish',
  notOffered: '{node}: {feature} is not offered on {caption}: this edition cannot {purpose}',
  unreadable: '{node}: the installed features could not be listed: {error}',
  ...NODES_GATE_MESSAGES,
} as const;

const PURPOSE: Readonly<Record<string, string>> = {
  'Failover-Clustering': 'be a failover cluster node',
  'Hyper-V': 'run Hyper-V',
};

/**
 * Which install cmdlet the node has: Add-WindowsFeature on Windows Server 2008 R2 (whatever
 * PowerShell it has), Install-WindowsFeature from 2012 on; unknown when the OS was not read.
 */
function installForm(f: NodeFacts): 'legacy' | 'current' | 'unknown' {
  const release = f.os?.release ?? null;
  if (release === '2008R2') return 'legacy';
  if (release !== null) return 'current';
  if (f.psVersion) return /^[12]\./.test(f.psVersion) ? 'legacy' : 'current';
  return 'unknown';
}

/** The install commands for one feature on one node, in the form its Windows version takes. */
export function installCommands(feature: string, target: string, facts: NodeFacts): Command[] {
  const restart = feature === 'Hyper-V' ? ' -Restart' : '';
  const legacy: Command[] = [
    {
      shell: 'powershell',
      command:
        feature === 'Failover-Clustering'
          ? 'Import-Module ServerManager; Add-WindowsFeature Failover-Clustering, RSAT-Clustering'
          : `Import-Module ServerManager; Add-WindowsFeature ${feature}${restart}`,
      runOn: `${target} (Windows Server 2008 R2)`,
    },
  ];
  const current: Command[] = [
    {
      shell: 'powershell',
      command: `Install-WindowsFeature -Name ${feature} -IncludeManagementTools${restart}`,
      runOn: target,
    },
    {
      shell: 'powershell',
      command: `Install-WindowsFeature -Name ${feature} -IncludeManagementTools${restart} -ComputerName ${psName(target)}`,
      runOn: 'this machine (Windows Server 2012 or later, with RSAT)',
    },
  ];
  const form = installForm(facts);
  return form === 'legacy' ? legacy : form === 'current' ? current : [...current, ...legacy];
}

function installFix(feature: string, target: string, facts: NodeFacts, state: string): Remediation {
  const removed = state === 'Removed';
  return {
    summary: `Install ${feature} on ${target}`,
    steps: [
      {
        text: removed
          ? `${feature}'s files were removed from ${target} (Features on Demand): install it from the installation media, giving its \\sources\\sxs folder or install.wim as -Source:`
          : `Install ${feature}${feature === 'Hyper-V' ? ' (the node restarts)' : ''}:`,
        commands: removed
          ? installCommands(feature, target, facts).map((c) =>
              c.command.startsWith('Install-WindowsFeature')
                ? { ...c, command: `${c.command} -Source D:\\sources\\sxs` }
                : c,
            )
          : installCommands(feature, target, facts),
      },
      {
        text: 'Check it afterwards:',
        commands: [{ shell: 'powershell', command: `Get-WindowsFeature -Name ${feature}`, runOn: target }],
      },
    ],
  };
}

const check = {
  meta: {
    id: 'nodes.features',
    title: 'Failover Clustering (and, for Hyper-V clusters, Hyper-V) is installed on every node',
    area: 'nodes',
    description:
      'Reads Get-WindowsFeature on each node (ServerManager imported first on 2008 R2) for Failover-Clustering, Hyper-V and Multipath-IO. Failover-Clustering is required on every node; Hyper-V too when cluster.role is hyperv (the default). A feature waiting for a restart warns; one the edition does not offer (2008 R2 Standard and Web have no Failover Clustering) fails. Multipath-IO is reported as evidence only.',
    why: 'New-Cluster and Test-Cluster need the Failover Clustering feature on every node, and a Hyper-V cluster needs the Hyper-V role on every node it may fail a virtual machine over to.',
    docs: 'docs/checks/nodes.features.md',
    severity: 'fail',
    facts: ['nodes.facts', 'spec'],
    messages,
    remediations: [
      'Install-WindowsFeature -Name Failover-Clustering -IncludeManagementTools (and -Name Hyper-V -IncludeManagementTools -Restart); on 2008 R2: Import-Module ServerManager; Add-WindowsFeature Failover-Clustering, RSAT-Clustering.',
      'A feature waiting for a restart: Restart-Computer.',
      'A feature the edition does not offer: Enterprise or Datacenter on 2008 R2.',
    ],
  },
  async run(ctx) {
    const view = await nodesViewOrSkip(ctx);
    if (!view) return;
    const spec = await ctx.fact('spec');
    const role = spec.cluster?.role ?? 'hyperv';
    const required = role === 'hyperv' ? ['Failover-Clustering', 'Hyper-V'] : ['Failover-Clustering'];
    for (const n of view.all) {
      if (!readOrReportNotRead(ctx, n)) continue;
      const facts = n.facts;
      if (facts.features === null) {
        const error =
          facts.problems.find((p) => p.section === 'features')?.message ?? 'Get-WindowsFeature gave nothing';
        ctx.report({
          status: 'warn',
          messageId: 'unreadable',
          subject: n.node,
          data: { node: n.node, error },
          evidence: { problems: facts.problems },
          remediation: {
            summary: 'Look by hand',
            steps: [
              {
                text: 'Get-WindowsFeature is part of Server Manager on Windows Server (not on client Windows). See the features on the node:',
                commands: [
                  {
                    shell: 'powershell',
                    command: `Import-Module ServerManager; Get-WindowsFeature -Name ${required.join(', ')}`,
                    runOn: n.computerName,
                  },
                ],
              },
            ],
          },
        });
        continue;
      }
      const evidence = { features: facts.features, role, caption: facts.os?.caption ?? null };
      for (const feature of required) {
        const subject = `${n.node} ${feature}`;
        const f = facts.features.find((x) => x.name.toLowerCase() === feature.toLowerCase());
        const data = { node: n.node, feature, role, state: f?.state ?? 'absent' };
        if (!f) {
          ctx.report({
            status: 'fail',
            messageId: 'notOffered',
            subject,
            data: {
              ...data,
              caption: facts.os?.caption ?? 'this Windows',
              purpose: PURPOSE[feature] ?? `have ${feature}`,
            },
            evidence,
            remediation: {
              summary: `Use an edition with ${feature}`,
              steps: [
                {
                  text:
                    feature === 'Failover-Clustering'
                      ? 'On Windows Server 2008 R2 only the Enterprise and Datacenter editions (and Hyper-V Server 2008 R2) have Failover Clustering; from 2012 on, Standard and Datacenter both do. Upgrade the edition (DISM /Online /Set-Edition) or reinstall the node.'
                      : `Install an edition that includes ${feature}, or set cluster.role: general when the cluster will not host virtual machines.`,
                  commands: [{ shell: 'cmd', command: 'DISM /Online /Get-TargetEditions', runOn: n.computerName }],
                },
              ],
            },
          });
        } else if (f.state === 'InstallPending') {
          ctx.report({
            status: 'warn',
            messageId: 'installPending',
            subject,
            data,
            evidence,
            remediation: {
              summary: `Restart ${n.computerName}`,
              steps: [
                {
                  text: `Restart the node to finish installing ${feature}:`,
                  commands: [
                    {
                      shell: 'powershell',
                      command: `Restart-Computer -ComputerName ${psName(n.computerName)} -Wait -For PowerShell`,
                      runOn: 'this machine',
                    },
                  ],
                },
              ],
            },
          });
        } else if (f.installed && f.state !== 'UninstallPending') {
          ctx.report({ status: 'pass', messageId: 'installed', subject, data, evidence });
        } else {
          const why =
            f.state === 'UninstallPending'
              ? ': it is being removed at the next restart'
              : feature === 'Hyper-V'
                ? ' and cluster.role is hyperv'
                : '';
          ctx.report({
            status: 'fail',
            messageId: 'missing',
            subject,
            data: { ...data, why },
            evidence,
            remediation: installFix(feature, n.computerName, facts, f.state),
          });
        }
      }
    }
  },
} satisfies Check;

export default check;
