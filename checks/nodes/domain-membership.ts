import type { Check } from '../../src/engine/contract.ts';
import type { RemediationStep } from '../../src/engine/report.ts';
import { NODES_GATE_MESSAGES, nodesViewOrSkip, readOrReportNotRead, reportUnreadable } from './lib/gate.ts';
import { cmdQuote, placeholder, psQuote } from '../../src/quote.ts';

const messages = {
  member: '{node} is a member of {domain}',
  workgroup: '{node} is not in a domain (workgroup {workgroup}): a failover cluster node must be a domain member',
  otherDomain: '{node} is a member of {domain}, not of {expected} (activeDirectory.domain)',
  domainsDiffer: 'The nodes are in different domains: {domains}; all nodes of a cluster must be in the same domain',
  domainController:
    '{node} is a domain controller ({roleName}): Microsoft advises against making a domain controller a cluster node',
  unreadable: '{node}: its domain membership could not be read: {error}',
  ...NODES_GATE_MESSAGES,
} as const;

function joinSteps(node: string, computerName: string, domain: string, legacy: boolean): RemediationStep[] {
  return [
    {
      text: `Join ${node} to ${domain} (as a domain account allowed to join computers; the node restarts):`,
      commands: [
        {
          shell: 'powershell',
          command: `Add-Computer -DomainName ${psQuote(domain)} -Credential (Get-Credential) -Restart`,
          runOn: computerName,
        },
        ...(legacy
          ? [
              {
                shell: 'cmd' as const,
                command: `netdom join %COMPUTERNAME% /domain:${cmdQuote(domain)} /userd:${placeholder('DOMAIN\\admin', 'cmd')} /passwordd:* /reboot:30`,
                runOn: `${computerName} (Windows Server 2008 R2)`,
              },
            ]
          : []),
      ],
    },
    {
      text: 'Then run clusterprobe again: ad.computer.account checks the computer object the join created, ad.ou.placement where it went.',
    },
  ];
}

const check = {
  meta: {
    id: 'nodes.domain.membership',
    title: "Every node is a member of the cluster's domain",
    area: 'nodes',
    description:
      "Reads each node's Win32_ComputerSystem (PartOfDomain, Domain, DomainRole): a node in a workgroup fails, a node in another domain than activeDirectory.domain fails (without activeDirectory.domain: nodes in different domains fail), a node that is a domain controller warns.",
    why: "Every node of a failover cluster must be a member of the same Active Directory domain: the cluster name object, the nodes' computer accounts and the cluster service's Kerberos all live there. Validation refuses nodes from different domains and workgroup nodes (except for the special workgroup clusters of Windows Server 2016 and later, which Hyper-V live migration and CSV setups like the review's do not use). Microsoft advises against domain controllers as cluster nodes.",
    docs: 'docs/checks/nodes.domain.membership.md',
    severity: 'fail',
    facts: ['nodes.facts', 'spec'],
    messages,
    remediations: [
      'Join the node to the domain (Add-Computer -DomainName <domain> -Credential (Get-Credential) -Restart; netdom join on Windows Server 2008 R2), or correct activeDirectory.domain.',
      'Build the cluster from member servers rather than domain controllers.',
    ],
  },
  async run(ctx) {
    const view = await nodesViewOrSkip(ctx);
    if (!view) return;
    const spec = await ctx.fact('spec');
    const expected = spec.activeDirectory?.domain.toLowerCase();
    const legacy = (spec.cluster?.windowsVersion ?? '2008R2') === '2008R2';
    const members: { node: string; domain: string }[] = [];
    for (const n of view.all) {
      if (!readOrReportNotRead(ctx, n)) continue;
      const d = n.facts.domain;
      if (!d || d.partOfDomain === null || d.domain === null) {
        reportUnreadable(ctx, n, 'domain', 'no answer for this reading', { domain: d });
        continue;
      }
      const domain = d.domain.toLowerCase();
      const data = {
        node: n.node,
        domain,
        partOfDomain: d.partOfDomain,
        role: d.role,
        roleName: d.roleName,
        expected: expected ?? null,
      };
      const evidence = { domain: d };
      if (!d.partOfDomain) {
        const target = expected ?? '<domain>';
        ctx.report({
          status: 'fail',
          messageId: 'workgroup',
          subject: n.node,
          data: { ...data, workgroup: d.domain },
          evidence,
          remediation: {
            summary: `Join ${n.node} to ${target}`,
            steps: joinSteps(n.node, n.computerName, target, legacy),
          },
        });
        continue;
      }
      members.push({ node: n.node, domain });
      if (expected && domain !== expected) {
        ctx.report({
          status: 'fail',
          messageId: 'otherDomain',
          subject: n.node,
          data,
          evidence,
          remediation: {
            summary: `Move ${n.node} to ${expected}, or correct activeDirectory.domain`,
            steps: [
              {
                text: `If ${expected} is right, take ${n.node} out of ${domain} and join it to ${expected}:`,
                commands: [
                  {
                    shell: 'powershell',
                    command: `Add-Computer -DomainName ${psQuote(expected)} -UnjoinDomainCredential (Get-Credential) -Credential (Get-Credential) -Restart`,
                    runOn: n.computerName,
                  },
                ],
              },
              { text: `If ${domain} is the cluster's domain, set activeDirectory.domain to it.` },
            ],
          },
        });
        continue;
      }
      if (d.role === 4 || d.role === 5) {
        ctx.report({
          status: 'warn',
          messageId: 'domainController',
          subject: n.node,
          data,
          evidence,
          remediation: {
            summary: `Use member servers as nodes, not ${n.node}`,
            steps: [
              {
                text: `A domain controller as a cluster node mixes the two roles' failures and security boundaries, and every node would need to be one. Build the cluster from member servers; if ${n.node} must stay a node, move the DC role to another server:`,
                commands: [
                  {
                    shell: 'powershell',
                    command: `Uninstall-ADDSDomainController -Credential (Get-Credential)`,
                    runOn: `${n.computerName} (after another DC holds its roles: Move-ADDirectoryServerOperationMasterRole)`,
                  },
                ],
              },
            ],
          },
        });
        continue;
      }
      ctx.report({ status: 'pass', messageId: 'member', subject: n.node, data, evidence });
    }
    // Without activeDirectory.domain, the nodes must at least agree with each other.
    const domains = [...new Set(members.map((m) => m.domain))];
    if (!expected && domains.length > 1) {
      const byDomain = Object.fromEntries(
        domains.map((dom) => [dom, members.filter((m) => m.domain === dom).map((m) => m.node)]),
      );
      ctx.report({
        status: 'fail',
        messageId: 'domainsDiffer',
        subject: domains.join(', '),
        data: { domains: domains.map((dom) => `${dom} (${byDomain[dom]!.join(', ')})`).join('; '), byDomain },
        evidence: { members },
        remediation: {
          summary: 'Put every node in one domain, and name it in activeDirectory.domain',
          steps: [
            {
              text: 'Decide which domain the cluster belongs to, set activeDirectory.domain to it (clusterprobe then also checks the directory), and rejoin the other nodes to it:',
              commands: [
                {
                  shell: 'powershell',
                  command: `Add-Computer -DomainName ${placeholder('domain', 'powershell')} -UnjoinDomainCredential (Get-Credential) -Credential (Get-Credential) -Restart`,
                  runOn: 'each node outside it',
                },
              ],
            },
          ],
        },
      });
    }
  },
} satisfies Check;

export default check;
