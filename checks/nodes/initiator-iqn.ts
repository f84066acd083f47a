import type { Check } from '../../src/engine/contract.ts';
import type { Command } from '../../src/engine/report.ts';
import { cmdQuote, psQuote } from '../../src/quote.ts';
import { NODES_GATE_MESSAGES, nodesViewOrSkip, readOrReportNotRead } from './lib/gate.ts';

const messages = {
  found: '{node}: its iSCSI initiator name is {iqn} ({source}); the storage checks log in as it',
  matchesSpec: '{node}: its iSCSI initiator name is {iqn}, as nodes[].iqn says',
  differsFromSpec: '{node}: its iSCSI initiator name is {iqn}, but nodes[].iqn says {configured}',
  notFound: '{node}: no iSCSI initiator name was found (the Microsoft iSCSI Initiator Service is {service})',
  unreadable: '{node}: the iSCSI initiator could not be read: {error}',
  ...NODES_GATE_MESSAGES,
} as const;

function renameCommands(found: string, wanted: string, node: string): Command[] {
  return [
    {
      shell: 'powershell',
      command: `Set-InitiatorPort -NodeAddress ${psQuote(found)} -NewNodeAddress ${psQuote(wanted)}`,
      runOn: `${node} (Windows Server 2012 or later)`,
    },
    { shell: 'cmd', command: `iscsicli NodeName ${cmdQuote(wanted)}`, runOn: `${node} (Windows Server 2008 R2)` },
  ];
}

const check = {
  meta: {
    id: 'nodes.initiator.iqn',
    title: "Each node's iSCSI initiator name is known, and is the one the spec names",
    area: 'nodes',
    description:
      "Reads the iSCSI initiator name on each node: Get-InitiatorPort (the port whose ConnectionType is iSCSI), or on 2008 R2 the WMI class MSiSCSIInitiator_MethodClass (iSCSINodeName). Reports it; compares it with nodes[].iqn when the spec gives one (IQNs compare ignoring case). For a node without nodes[].iqn, the storage checks log in as the name found here instead of Windows' default derived from the host name.",
    why: 'The storage allows LUNs to initiator names: the ACL on the target must list the name each node really logs in with. A spec that names a different one tests the wrong identity, and a target configured from it refuses the node.',
    docs: 'docs/checks/nodes.initiator.iqn.md',
    severity: 'fail',
    facts: ['nodes.facts', 'spec'],
    messages,
    remediations: [
      "A different name: put the node's name in nodes[].iqn (and the target's ACL), or give the node the spec's name (Set-InitiatorPort -NodeAddress ... -NewNodeAddress ...; iscsicli NodeName on 2008 R2).",
      'No name: start the Microsoft iSCSI Initiator Service (Set-Service MSiSCSI -StartupType Automatic; Start-Service MSiSCSI).',
    ],
  },
  async run(ctx) {
    const view = await nodesViewOrSkip(ctx);
    if (!view) return;
    const spec = await ctx.fact('spec');
    for (const n of view.all) {
      if (!readOrReportNotRead(ctx, n)) continue;
      const configured = spec.nodes?.find((s) => s.name === n.node)?.iqn ?? null;
      const iscsi = n.facts.iscsi;
      if (!iscsi) {
        ctx.report({
          status: 'warn',
          messageId: 'unreadable',
          subject: n.node,
          data: {
            node: n.node,
            configured,
            error: n.facts.problems.find((p) => p.section === 'iscsi')?.message ?? 'no answer for this reading',
          },
          evidence: { problems: n.facts.problems },
        });
        continue;
      }
      const evidence = { iscsi, configured, psVersion: n.facts.psVersion };
      if (!iscsi.iqn) {
        const service = iscsi.service ?? 'not installed';
        ctx.report({
          status: 'warn',
          messageId: 'notFound',
          subject: n.node,
          data: { node: n.node, service, configured },
          evidence,
          remediation: {
            summary: `Start the iSCSI initiator on ${n.computerName}`,
            steps: [
              {
                text: 'The initiator port (and its name) exists while the Microsoft iSCSI Initiator Service runs. Start it and make it start with Windows, then read the name:',
                commands: [
                  {
                    shell: 'powershell',
                    command:
                      "Set-Service -Name MSiSCSI -StartupType Automatic; Start-Service -Name MSiSCSI; (Get-InitiatorPort | Where-Object ConnectionType -eq 'iSCSI').NodeAddress",
                    runOn: `${n.computerName} (Windows Server 2012 or later)`,
                  },
                  {
                    shell: 'cmd',
                    command: 'sc config MSiSCSI start= auto && net start MSiSCSI',
                    runOn: `${n.computerName} (Windows Server 2008 R2)`,
                  },
                  {
                    shell: 'powershell',
                    command:
                      'Get-WmiObject -Namespace root\\wmi -Class MSiSCSIInitiator_MethodClass | Select-Object iSCSINodeName',
                    runOn: `${n.computerName} (Windows Server 2008 R2)`,
                  },
                ],
              },
            ],
          },
        });
        continue;
      }
      const data = { node: n.node, iqn: iscsi.iqn, source: iscsi.source ?? '?', configured };
      if (configured === null) {
        ctx.report({ status: 'pass', messageId: 'found', subject: n.node, data, evidence });
      } else if (configured.toLowerCase() === iscsi.iqn.toLowerCase()) {
        ctx.report({ status: 'pass', messageId: 'matchesSpec', subject: n.node, data, evidence });
      } else {
        ctx.report({
          status: 'fail',
          messageId: 'differsFromSpec',
          subject: n.node,
          data,
          evidence,
          remediation: {
            summary: `Make nodes[].iqn of ${n.node} and the node agree`,
            steps: [
              {
                text: `If the node's name is the one to keep: set nodes[].iqn of ${n.node} to ${iscsi.iqn} in the spec, and allow ${iscsi.iqn} (not ${configured}) on the targets (see storage.target.login for the commands).`,
              },
              {
                text: `If the spec's name is the one the storage was set up for: give the node that name (disconnect its iSCSI sessions first):`,
                commands: renameCommands(iscsi.iqn, configured, n.computerName),
              },
            ],
          },
        });
      }
    }
  },
} satisfies Check;

export default check;
