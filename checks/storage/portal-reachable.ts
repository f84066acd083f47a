import type { Check } from '../../src/engine/contract.ts';
import { parsePortal } from '../../src/facts/portal.ts';
import { psQuote } from '../../src/quote.ts';
import type { ReachStatus } from '../../src/facts/index.ts';

const messages = {
  reachable: 'Portal {portal} accepts connections ({ms} ms)',
  refused: 'Portal {portal} refused the connection: nothing listens on port {port}',
  timeout: 'Portal {portal} did not answer the TCP connection attempt within the time limit',
  dns: 'Portal host {host} does not resolve',
  unreachable: 'Portal {portal} is unreachable from here (no route)',
  error: 'Portal {portal} could not be reached: {error}',
  noPortals: 'The spec names no iSCSI portal (storage.iscsi): no storage to check',
} as const satisfies Record<Exclude<ReachStatus, 'ok'> | 'reachable' | 'noPortals', string>;

const check = {
  meta: {
    id: 'storage.portal.reachable',
    title: 'Every iSCSI portal accepts TCP connections',
    area: 'storage',
    description:
      'A TCP connection to each portal in storage.iscsi; a refused connection, a timeout, a name that does not resolve and an unreachable network are each named.',
    why: 'Every node must reach the storage portal to see the cluster disks. Windows reports an unreachable portal only as a failed target connection; this says which of the four causes it is.',
    docs: 'docs/checks/storage.portal.reachable.md',
    severity: 'fail',
    facts: ['storage.inventory'],
    messages,
    remediations: [
      'Refused: start the target service and check the portal address and port.',
      "Timeout: open the portal's TCP port (3260 unless the spec names another) in the firewalls between the nodes and the storage.",
      'DNS: fix the name or use the portal IP address.',
    ],
  },
  async run(ctx) {
    const facts = await ctx.fact('storage.inventory');
    if (facts.portals.length === 0) {
      ctx.report({ status: 'skipped', messageId: 'noPortals' });
      return;
    }
    for (const p of facts.portals) {
      const { host, port } = parsePortal(p.portal);
      const data = { portal: p.portal, host, port, ms: p.reach.ms, error: p.reach.message };
      if (p.reach.status === 'ok') {
        ctx.report({ status: 'pass', messageId: 'reachable', subject: p.portal, data });
        continue;
      }
      const test = {
        shell: 'powershell' as const,
        command: `Test-NetConnection -ComputerName ${psQuote(host)} -Port ${port}`,
        runOn: 'each node',
      };
      const steps =
        p.reach.status === 'refused'
          ? [
              {
                text: `Check that the iSCSI target service runs on ${host} and listens on ${port}.`,
                commands: [
                  {
                    shell: 'sh' as const,
                    command: 'systemctl status tgt   # or target (LIO), iscsitarget (IET)',
                    runOn: host,
                  },
                  {
                    shell: 'powershell' as const,
                    command: 'Get-Service WinTarget   # Windows iSCSI Target Server',
                    runOn: host,
                  },
                ],
              },
              {
                text: 'Check the portal address and port in the spec against what the target listens on.',
                commands: [
                  { shell: 'sh' as const, command: `ss -ltnp 'sport = :${port}'`, runOn: host },
                  {
                    shell: 'powershell' as const,
                    command: `Get-NetTCPConnection -State Listen -LocalPort ${port}`,
                    runOn: `${host} (if it is a Windows iSCSI Target Server)`,
                  },
                ],
              },
            ]
          : p.reach.status === 'timeout' || p.reach.status === 'unreachable'
            ? [
                {
                  text: `Allow TCP ${port} from the nodes to ${host} in every firewall on the way (the storage appliance's own included).`,
                  commands: [
                    {
                      shell: 'powershell' as const,
                      command: `New-NetFirewallRule -DisplayName "iSCSI Target" -Direction Inbound -Protocol TCP -LocalPort ${port} -Action Allow`,
                      runOn: `${host} (if it is a Windows iSCSI Target Server)`,
                    },
                  ],
                },
                { text: 'Check the route and VLAN from each node to the portal.', commands: [test] },
              ]
            : p.reach.status === 'dns'
              ? [
                  {
                    text: `Fix the DNS name ${host}, or write the portal's IP address in the spec.`,
                    commands: [
                      {
                        shell: 'powershell' as const,
                        command: `Resolve-DnsName -Name ${psQuote(host)}`,
                        runOn: 'each node',
                      },
                    ],
                  },
                ]
              : [{ text: 'Check the portal from a node.', commands: [test] }];
      ctx.report({
        status: 'fail',
        messageId: p.reach.status,
        subject: p.portal,
        data,
        evidence: { portal: p.portal, status: p.reach.status, code: p.reach.code, message: p.reach.message },
        remediation: {
          summary: `Make ${p.portal} reachable`,
          steps: [...steps, { text: 'Then confirm from every node:', commands: [test] }],
        },
      });
    }
  },
} satisfies Check;

export default check;
