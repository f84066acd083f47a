import type { Check } from '../../src/engine/contract.ts';
import type { Remediation } from '../../src/engine/report.ts';
import type { AdFacts, DiscoveredDc, ResolverFailure } from '../../src/facts/index.ts';
import { srvName } from '../../src/facts/ad-names.ts';
import { describeResolverFailure, resolverSteps, resolverSummary } from './lib/resolver-fix.ts';
import { cmdQuote, psQuote, shQuote } from '../../src/quote.ts';
import { AD_GATE_MESSAGES, adFactsOrSkip } from './lib/gate.ts';

const messages = {
  found: '{count} domain controllers registered for {domain} ({reachableCount} reachable from here): {dcList}',
  singleDc:
    'Only one domain controller is registered for {domain} ({host}): when it is down, the cluster cannot authenticate or manage its computer objects',
  srvLookupFailed: 'The SRV record {record} could not be read via {dnsServers}: {error}',
  resolverFailed: 'The SRV record {record} could not be read: {resolver}',
  noAddress: 'DC {host} is listed in {record} but its name has no address via {dnsServers}',
  unreachable: 'DC {host} ({address}) is not reachable on TCP {port}: {reason}',
  notNeeded:
    'activeDirectory.servers names the DCs ({servers}): SRV discovery was not used, so the number of DCs was not checked',
  ...AD_GATE_MESSAGES,
} as const;

const REACH_REASONS: Readonly<Record<string, string>> = {
  refused: 'the connection was refused (nothing listens on the port)',
  timeout: 'no answer within the time limit (a firewall dropping the port, or the host is down)',
  unreachable: 'no route to the host',
  error: 'the connection failed',
};

/** The usable state of one DC: its name resolves and, when tested, TCP reached it. */
function usable(dc: DiscoveredDc): boolean {
  return dc.addresses.length > 0 && (dc.reachable === undefined || dc.reachable.status === 'ok');
}

/** The resolvers discovery asked: the configured ones, else this machine's (never the node-record servers). */
function dnsServersOf(facts: AdFacts, spec: { activeDirectory?: { dnsServers?: string[] } }): string[] {
  const configured = spec.activeDirectory?.dnsServers;
  return configured?.length ? configured : (facts.discovery.dnsServers ?? []);
}

function srvFix(domain: string, record: string, dnsServers: readonly string[]): Remediation {
  const server = dnsServers[0];
  return {
    summary: `Make ${record} resolvable through the DNS the nodes use`,
    steps: [
      {
        text: `The nodes (and this machine) must use the domain's DNS servers, usually the DCs themselves; a public or ISP resolver does not know ${record}. Check which DNS servers each node uses:`,
        commands: [
          {
            shell: 'powershell',
            command: 'Get-DnsClientServerAddress -AddressFamily IPv4',
            runOn: 'each node (Windows Server 2012 and later)',
          },
          { shell: 'cmd', command: 'ipconfig /all', runOn: 'each node (Windows Server 2008 R2)' },
        ],
      },
      {
        text: `Query the record directly${server ? ` at ${server}` : ''}:`,
        commands: [
          {
            shell: 'powershell',
            command: `Resolve-DnsName -Type SRV ${psQuote(record)}${server ? ` -Server ${psQuote(server)}` : ''}`,
            runOn: 'a node',
          },
          {
            shell: 'cmd',
            command: `nslookup -type=SRV ${cmdQuote(record)}${server ? ` ${cmdQuote(server)}` : ''}`,
            runOn: 'a node (Windows Server 2008 R2)',
          },
          {
            shell: 'sh',
            command: `dig +short SRV ${shQuote(record)}${server ? ` @${shQuote(server)}` : ''}`,
            runOn: 'this machine (Linux)',
          },
        ],
      },
      {
        text: `If the DC's DNS lacks the record, make each DC register its SRV records again (Netlogon writes them), then check the DNS test of dcdiag:`,
        commands: [
          { shell: 'cmd', command: 'nltest /dsregdns', runOn: 'each DC' },
          { shell: 'powershell', command: 'Restart-Service Netlogon', runOn: 'each DC' },
          { shell: 'cmd', command: `dcdiag /test:dns /dnsdomain:${cmdQuote(domain)} /v`, runOn: 'a DC' },
          { shell: 'sh', command: 'samba_dnsupdate --verbose', runOn: 'each Samba DC (as root)' },
        ],
      },
      {
        text: "If this machine cannot use the domain's DNS, name it in activeDirectory.dnsServers, or list the DCs in activeDirectory.servers (ldaps://dc1.example.com).",
      },
    ],
  };
}

function resolverFix(record: string, failure: ResolverFailure): Remediation {
  return {
    summary: resolverSummary(failure, record),
    steps: [
      ...resolverSteps(failure, { type: 'SRV', name: record }),
      {
        text: "Or skip discovery: list the DCs in activeDirectory.servers (ldaps://dc1.example.com, or ldaps://<address> with activeDirectory.tls.serverName set to the name in the DC's certificate).",
      },
    ],
  };
}

function addressFix(dc: DiscoveredDc, dnsServers: readonly string[]): Remediation {
  const server = dnsServers[0];
  return {
    summary: `Register the address of ${dc.host}`,
    steps: [
      {
        text: `The SRV record names ${dc.host}, but ${dc.host} has no A/AAAA record${server ? ` at ${server}` : ''}. A DC registers its own host record: make it do so again.`,
        commands: [
          { shell: 'cmd', command: 'ipconfig /registerdns', runOn: dc.host },
          { shell: 'powershell', command: 'Restart-Service Netlogon', runOn: dc.host },
          { shell: 'sh', command: 'samba_dnsupdate --verbose', runOn: `${dc.host} (Samba, as root)` },
        ],
      },
      {
        text: 'Check it resolves now:',
        commands: [
          {
            shell: 'powershell',
            command: `Resolve-DnsName ${psQuote(dc.host)}${server ? ` -Server ${psQuote(server)}` : ''}`,
            runOn: 'a node',
          },
        ],
      },
      {
        text: `If ${dc.host} was decommissioned, its SRV records are stale: remove the DC's metadata (ntdsutil "metadata cleanup", or the Active Directory Sites and Services console) and its DNS records.`,
      },
    ],
  };
}

function reachFix(dc: DiscoveredDc, address: string, port: number): Remediation {
  return {
    summary: `Make ${dc.host} reachable on TCP ${port}`,
    steps: [
      {
        text: `Check that the directory service runs on ${dc.host}:`,
        commands: [
          { shell: 'powershell', command: 'Get-Service NTDS, Netlogon, DNS', runOn: dc.host },
          { shell: 'sh', command: 'systemctl status samba-ad-dc', runOn: `${dc.host} (Samba)` },
        ],
      },
      {
        text: `Open TCP ${port} (LDAPS 636, LDAP 389; the nodes also need 88 Kerberos, 53 DNS, 135 and the RPC range, 445 SMB, 464) on ${dc.host} and every firewall between it and the nodes. On a Windows DC the rules come with the role:`,
        commands: [
          {
            shell: 'powershell',
            command:
              "Get-NetFirewallRule -DisplayGroup 'Active Directory Domain Services' | Select-Object DisplayName, Enabled, Action",
            runOn: dc.host,
          },
          {
            shell: 'powershell',
            command: "Enable-NetFirewallRule -DisplayGroup 'Active Directory Domain Services'",
            runOn: dc.host,
          },
        ],
      },
      {
        text: 'This was tested from the machine running clusterprobe; test from each node too:',
        commands: [
          {
            shell: 'powershell',
            command: `Test-NetConnection -ComputerName ${psQuote(address)} -Port ${port}`,
            runOn: 'each node',
          },
        ],
      },
    ],
  };
}

function secondDcFix(domain: string, host: string): Remediation {
  return {
    summary: 'Promote a second domain controller',
    steps: [
      {
        text: `Add a second DC for ${domain} on a server that is not a cluster node (and not a virtual machine on this cluster's own storage), so that logons and the cluster's computer-object operations survive the loss of ${host}.`,
        commands: [
          {
            shell: 'powershell',
            command: 'Install-WindowsFeature AD-Domain-Services -IncludeManagementTools',
            runOn: 'the new DC (Windows Server 2012 and later)',
          },
          {
            shell: 'powershell',
            command: `Install-ADDSDomainController -DomainName ${psQuote(domain)} -InstallDns -Credential (Get-Credential)`,
            runOn: 'the new DC',
          },
          {
            shell: 'sh',
            command: `samba-tool domain join ${shQuote(domain)} DC -U Administrator --dns-backend=SAMBA_INTERNAL`,
            runOn: 'the new DC (Samba, as root)',
          },
        ],
      },
      {
        text: 'On Windows Server 2008 R2 the promotion is dcpromo (the ADDSDeployment module came with 2012).',
        commands: [{ shell: 'cmd', command: 'dcpromo', runOn: 'the new DC (Windows Server 2008 R2)' }],
      },
      {
        text: "Make it a global catalog and point the nodes' DNS client at both DCs.",
        commands: [
          {
            shell: 'powershell',
            command:
              "Set-DnsClientServerAddress -InterfaceAlias '<interface>' -ServerAddresses '<dc1 address>', '<dc2 address>'",
            runOn: 'each node',
          },
        ],
      },
    ],
  };
}

const check = {
  meta: {
    id: 'ad.dc.discovery',
    title: "The domain's SRV records list reachable domain controllers, more than one",
    area: 'ad',
    description:
      "Reads _ldap._tcp.dc._msdcs.<domain> (SRV) through activeDirectory.dnsServers or the system's resolver, resolves each DC named there, and tests TCP to it on the LDAPS port (389 with StartTLS). One finding per DC that cannot be used, and one for the set: pass listing the DCs, or a warning when there is only one.",
    why: 'Windows finds DCs the same way: a node that cannot read the SRV record cannot join, log on or create the cluster name object. A single DC is a single point of failure for the cluster: while it is down, nodes cannot authenticate new sessions and the cluster cannot create or repair its computer objects.',
    docs: 'docs/checks/ad.dc.discovery.md',
    severity: 'fail',
    facts: ['ad.directory', 'spec'],
    messages,
    remediations: [
      "Point the nodes at the domain's DNS servers; re-register the DC records (nltest /dsregdns, Restart-Service Netlogon, samba_dnsupdate --verbose).",
      'Open LDAP/LDAPS and the other DC ports in the firewalls; start NTDS or samba-ad-dc.',
      'Promote a second DC (Install-ADDSDomainController -DomainName <domain> -InstallDns, or samba-tool domain join <domain> DC).',
    ],
  },
  async run(ctx) {
    const facts = await adFactsOrSkip(ctx);
    if (!facts) return;
    const spec = await ctx.fact('spec');
    const { domain, discovery } = facts;
    const record = srvName(domain);
    const dnsServers = dnsServersOf(facts, spec);
    const via = dnsServers.length > 0 ? dnsServers.join(', ') : "the system's DNS servers";
    const evidence = { discovery, dnsServers };

    if (discovery.source === 'config') {
      const servers = spec.activeDirectory?.servers ?? [];
      ctx.report({
        status: 'skipped',
        messageId: 'notNeeded',
        subject: domain,
        data: { domain, servers, count: servers.length },
        evidence,
      });
      return;
    }
    if (discovery.status === 'failed' && discovery.resolverFailure) {
      const failure = discovery.resolverFailure;
      ctx.report({
        status: 'fail',
        messageId: 'resolverFailed',
        subject: record,
        data: {
          domain,
          record,
          dnsServers: via,
          resolver: describeResolverFailure(failure),
          code: failure.code,
          failures: failure.failures,
        },
        evidence,
        remediation: resolverFix(record, failure),
      });
      return;
    }
    if (discovery.status === 'failed' || discovery.dcs.length === 0) {
      const error = discovery.status === 'failed' ? (discovery.message ?? 'lookup failed') : 'the record lists no DC';
      ctx.report({
        status: 'fail',
        messageId: 'srvLookupFailed',
        subject: record,
        data: { domain, record, dnsServers: via, error },
        evidence,
        remediation: srvFix(domain, record, dnsServers),
      });
      return;
    }

    const anyUsable = discovery.dcs.some(usable);
    const problem = anyUsable ? 'warn' : 'fail';
    for (const dc of discovery.dcs) {
      const dcEvidence = { dc, dnsServers };
      if (dc.addresses.length === 0 || dc.reachable?.status === 'noAddress') {
        ctx.report({
          status: problem,
          messageId: 'noAddress',
          subject: dc.host,
          data: { host: dc.host, record, dnsServers: via },
          evidence: dcEvidence,
          remediation: addressFix(dc, dnsServers),
        });
      } else if (dc.reachable && dc.reachable.status !== 'ok') {
        const address = dc.addresses[0]!;
        const reason = REACH_REASONS[dc.reachable.status] ?? dc.reachable.status;
        ctx.report({
          status: problem,
          messageId: 'unreachable',
          subject: dc.host,
          data: {
            host: dc.host,
            address,
            port: dc.reachable.port,
            status: dc.reachable.status,
            reason:
              dc.reachable.message && dc.reachable.status === 'error' ? `${reason}: ${dc.reachable.message}` : reason,
          },
          evidence: dcEvidence,
          remediation: reachFix(dc, address, dc.reachable.port),
        });
      }
    }

    const dcs = discovery.dcs.map((dc) => ({
      host: dc.host,
      port: dc.port,
      priority: dc.priority,
      weight: dc.weight,
      addresses: dc.addresses,
      reachable: dc.reachable?.status ?? 'untested',
      ms: dc.reachable?.ms,
    }));
    if (discovery.dcs.length === 1) {
      const host = discovery.dcs[0]!.host;
      ctx.report({
        status: 'warn',
        messageId: 'singleDc',
        subject: domain,
        data: { domain, host, count: 1, dcs },
        evidence,
        remediation: secondDcFix(domain, host),
      });
      return;
    }
    const reachableCount = discovery.dcs.filter(usable).length;
    if (reachableCount === 0) return; // each DC already failed above
    const dcList = discovery.dcs.map((dc) => `${dc.host}${usable(dc) ? '' : ' (not usable)'}`).join(', ');
    ctx.report({
      status: 'pass',
      messageId: 'found',
      subject: domain,
      data: { domain, count: discovery.dcs.length, reachableCount, dcList, dcs },
      evidence,
    });
  },
} satisfies Check;

export default check;
