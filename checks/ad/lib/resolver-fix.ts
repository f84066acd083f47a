/**
 * What the ad.* checks say about a resolver failure (src/ad/resolver.ts): one line naming every
 * DNS server and what it did, the remediation summary, and steps to ask each server directly and
 * to fix the setting that chose it.
 */
import type { RemediationStep } from '../../../src/engine/report.ts';
import { psQuote, shQuote } from '../../../src/quote.ts';
import type { DnsServerFailure } from '../../../src/facts/index.ts';
import type { ResolverFailure, ResolverSource } from '../../../src/facts/index.ts';

/** What happened at one server, as a phrase after its address. */
export function failurePhrase(f: Pick<DnsServerFailure, 'code' | 'detail'>): string {
  switch (f.code) {
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return 'cannot be reached: no route to it from this machine';
    case 'ECONNREFUSED':
      return 'refused the query: nothing listens on UDP port 53 there (ICMP port unreachable)';
    case 'ETIMEOUT':
      return 'gave no answer within the time limit';
    case 'EBADRESP':
    case 'ETRUNCATED':
      return `answered garbage, not a valid DNS answer (${f.detail})`;
    case 'EREFUSED':
      return 'refused to answer (RCODE REFUSED: it does not serve this domain or does not recurse for this machine)';
    case 'ESERVFAIL':
      return `answered with an error (${f.detail.replace(/^the DNS server answered /, '')})`;
    default:
      return f.detail;
  }
}

/** "this machine's resolver" / "activeDirectory.dnsServers" / "the DC's DNS": whose servers these were. */
export function sourceText(source: ResolverSource): string {
  return source === 'system'
    ? "this machine's resolver (/etc/resolv.conf, or the network adapter's DNS servers on Windows)"
    : source === 'config'
      ? 'activeDirectory.dnsServers'
      : 'the DNS server of the DC clusterprobe connected to';
}

/** One line naming every resolver and what it did: `this machine's resolver (...): 192.0.2.53 cannot be reached: ...`. */
export function describeResolverFailure(r: ResolverFailure): string {
  const what =
    r.failures.length > 0
      ? r.failures.map((f) => `${f.server} ${failurePhrase(f)}`).join('; ')
      : 'no DNS server to ask';
  return `${sourceText(r.source)}: ${what}`;
}

/** The remediation summary for a failed lookup of `name`. */
export function resolverSummary(r: ResolverFailure, name: string): string {
  const servers = r.failures.map((f) => f.server);
  if (servers.length === 0)
    return `Tell clusterprobe which DNS server to ask for ${name}: ${r.source === 'system' ? 'this machine has none configured' : 'none was given'}`;
  return `Ask a DNS server that can answer for ${name}: ${servers.join(', ')} cannot be used from here`;
}

function splitServer(server: string): { host: string; port: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(server);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : 53 };
  if (server.split(':').length > 2) return { host: server, port: 53 };
  const [host, port] = server.split(':');
  return { host: host!, port: port ? Number(port) : 53 };
}

/**
 * Steps to see and fix a resolver failure for the query `type name`: ask each failed server
 * directly (Resolve-DnsName, dig), what its kind of failure means, then which setting to change.
 */
export function resolverSteps(
  r: ResolverFailure,
  query: { readonly type: 'SRV' | 'A'; readonly name: string },
): RemediationStep[] {
  const steps: RemediationStep[] = [];
  for (const f of r.failures.slice(0, 3)) {
    const { host, port } = splitServer(f.server);
    steps.push({
      text: `${f.server} ${failurePhrase(f)}. Ask it directly, as clusterprobe did:`,
      commands: [
        ...(port === 53
          ? [
              {
                shell: 'powershell' as const,
                command: `Resolve-DnsName -Server ${psQuote(host)} -Type ${query.type} ${psQuote(query.name)}`,
                runOn: 'this machine (Windows)',
              },
            ]
          : []),
        {
          shell: 'sh',
          command: `dig @${shQuote(host)}${port === 53 ? '' : ` -p ${port}`} -t ${query.type} ${shQuote(query.name)} +time=2 +tries=1`,
          runOn: 'this machine',
        },
      ],
    });
    switch (f.code) {
      case 'ENETUNREACH':
      case 'EHOSTUNREACH':
        steps.push({
          text: `This machine has no route to ${host}: connect the VPN or the network that reaches it (a laptop off the VPN, a CI runner in a sealed network cannot), or fix the routing. See the route:`,
          commands: [
            { shell: 'sh', command: `ip route get ${shQuote(host)}`, runOn: 'this machine (Linux)' },
            {
              shell: 'powershell',
              command: `Find-NetRoute -RemoteIPAddress ${psQuote(host)}`,
              runOn: 'this machine (Windows Server 2012 / Windows 8 and later)',
            },
          ],
        });
        break;
      case 'ECONNREFUSED':
        steps.push({
          text: `Nothing listens on UDP ${port} at ${host}: it is not (or no longer) a DNS server. Start the DNS service there, or use another DNS server.`,
          commands: [
            { shell: 'powershell', command: 'Get-Service DNS', runOn: `${host} (a Windows DNS server)` },
            { shell: 'sh', command: `ss -lunp 'sport = :${port}'`, runOn: `${host} (Linux)` },
          ],
        });
        break;
      case 'ETIMEOUT':
        steps.push({
          text: `${host} does not answer: the server is down, or a firewall on the way drops UDP ${port}. Check the DNS service on it and the firewalls between here and it.`,
          commands: [{ shell: 'powershell', command: 'Get-Service DNS', runOn: `${host} (a Windows DNS server)` }],
        });
        break;
      case 'EBADRESP':
      case 'ETRUNCATED':
        steps.push({
          text: `What ${host} sends back is not a DNS answer clusterprobe (or Windows) can use: it is not a DNS server, or a device on the way (a captive portal, a DNS-rewriting firewall) mangles the answers. Ask the domain's DNS servers directly instead.`,
        });
        break;
      case 'EREFUSED':
      case 'ESERVFAIL':
        steps.push({
          text: `${host} answers, but not for this domain: a public or ISP resolver does not know an Active Directory zone, and a DNS server that does not recurse for this machine refuses. Use the domain's DNS servers (usually the DCs).`,
        });
        break;
      default:
        break;
    }
  }
  if (r.source === 'config') {
    steps.push({
      text: `activeDirectory.dnsServers names ${r.servers.join(', ')}: correct it to the domain's DNS servers (usually the DCs, e.g. dnsServers: [10.0.0.10]), or remove it to use this machine's resolver.`,
    });
  } else if (r.source === 'dc') {
    steps.push({
      text: `clusterprobe asked the DC it connected to (${r.servers.join(', ')}), because activeDirectory.dnsServers is not set: set activeDirectory.dnsServers to the domain's DNS servers.`,
    });
  } else {
    steps.push({
      text: `Tell clusterprobe which DNS to ask: set activeDirectory.dnsServers in the spec to the domain's DNS servers (usually the DCs, e.g. dnsServers: [10.0.0.10]), or fix this machine's resolver (${r.servers.join(', ') || 'none configured'}): /etc/resolv.conf on Linux, the adapter's DNS servers on Windows. See which it uses:`,
      commands: [
        { shell: 'sh', command: 'cat /etc/resolv.conf', runOn: 'this machine (Linux)' },
        {
          shell: 'powershell',
          command: 'Get-DnsClientServerAddress -AddressFamily IPv4',
          runOn: 'this machine (Windows)',
        },
      ],
    });
  }
  return steps;
}
