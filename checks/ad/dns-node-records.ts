import type { Check } from '../../src/engine/contract.ts';
import type { Action, RemediationStep } from '../../src/engine/report.ts';
import { actionKey, psParam, shParam, shVariable } from '../../src/engine/action.ts';
import { psQuote, shQuote } from '../../src/quote.ts';
import { isIP } from 'node:net';
import type { AdFacts } from '../../src/facts/index.ts';
import { describeResolverFailure, resolverSteps, resolverSummary } from './lib/resolver-fix.ts';
import { AD_GATE_MESSAGES, adFactsOrSkip } from './lib/gate.ts';
import { nodeParamName } from '../shared/lib/script-params.ts';

const messages = {
  resolves: '{fqdn} resolves to {addresses} through {dnsServers}',
  noRecord: '{fqdn} ({node}) has no A or AAAA record on {dnsServers}',
  lookupFailed: '{fqdn} ({node}) could not be looked up on {dnsServers}: {error}',
  resolverFailed: '{fqdn} ({node}) could not be looked up: {resolver}',
  sharedAddress: '{nodes} all resolve to {address}: each node needs its own address',
  noNodes: 'The spec lists no nodes: nothing to resolve',
  ...AD_GATE_MESSAGES,
} as const;

type DnsFact = AdFacts['dns'][number];

/** One spelling per address, so that fd00::21 and fd00:0:0:0:0:0:0:21 are seen as the same. */
export function canonicalAddress(address: string): string {
  if (!address.includes(':')) return address;
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address.toLowerCase();
  }
}

/** The zone and the record name of an FQDN: hv01.lab.example.test -> lab.example.test, hv01. */
function splitFqdn(fqdn: string): { zone: string; name: string } {
  const dot = fqdn.indexOf('.');
  return dot < 0 ? { zone: '', name: fqdn } : { zone: fqdn.slice(dot + 1), name: fqdn.slice(0, dot) };
}

function verifyStep(d: DnsFact, server: string): RemediationStep {
  return {
    text: `Check that ${d.fqdn} resolves through the domain's DNS:`,
    commands: [
      {
        shell: 'powershell',
        command: `Resolve-DnsName ${psQuote(d.fqdn)} -Server ${psQuote(server)}`,
        runOn: 'this machine or a node',
      },
      { shell: 'sh', command: `host ${shQuote(d.fqdn)} ${shQuote(server)}`, runOn: 'this machine' },
    ],
  };
}

function addRecordSteps(d: DnsFact, server: string): RemediationStep[] {
  const { zone, name } = splitFqdn(d.fqdn);
  const ip = `<IPv4 address of ${d.node}>`;
  return [
    {
      text: `Let ${d.node} register its own record (its network connection must have "Register this connection's addresses in DNS" on, and the zone must allow secure dynamic updates):`,
      commands: [{ shell: 'cmd', command: 'ipconfig /registerdns', runOn: d.node }],
    },
    {
      text: `Or add the record by hand on the DNS server (${server}), with ${d.node}'s address on the cluster's public network:`,
      commands: [
        {
          shell: 'powershell',
          command: `Add-DnsServerResourceRecordA -ComputerName ${psQuote(server)} -ZoneName ${psQuote(zone)} -Name ${psQuote(name)} -IPv4Address ${psQuote(ip)}`,
          runOn:
            'a machine with the DnsServer PowerShell module (Windows Server 2012 or later; on 2008 R2: dnscmd <server> /RecordAdd <zone> <name> A <address>)',
        },
        {
          shell: 'sh',
          command: `samba-tool dns add ${shQuote(server)} ${shQuote(zone)} ${shQuote(name)} A ${shQuote(ip)} -U Administrator`,
          runOn: 'a Samba DC',
        },
      ],
    },
    verifyStep(d, server),
  ];
}

/** A DNS server as the RPC tools name it: `10.0.0.10:53` is `10.0.0.10`, `[fd00::10]:53` is `fd00::10`. */
function rpcHost(server: string): string {
  const bracketed = /^\[([^\]]+)\](:\d+)?$/.exec(server);
  if (bracketed) return bracketed[1]!;
  return /^[^:]+:\d+$/.test(server) ? server.slice(0, server.lastIndexOf(':')) : server;
}

/**
 * The script parameter with a node's IPv4 address: `Ipv4Hv01`. A name that is not a plain host
 * name is named by a hash instead (a parameter name is code, not a quoted value).
 */
export function ipv4Param(node: string): string {
  return nodeParamName('Ipv4', node);
}

/**
 * The plan's action for a node without a record: `dns-record:<fqdn>`, an A record in the zone of
 * its FQDN. Scripted only when the server asked is the domain's DNS (the spec's
 * activeDirectory.dnsServers, or the DC connected to), not this machine's resolver, and the FQDN
 * is a name in a zone; the address is a parameter without default (the spec has none).
 */
function dnsRecordAction(d: DnsFact, facts: AdFacts, steps: RemediationStep[]): Action[] {
  const { zone, name } = splitFqdn(d.fqdn);
  if (zone === '' || isIP(d.fqdn) !== 0) return [];
  const action: Action = {
    key: actionKey('dns-record', d.fqdn),
    title: `Add the A record of ${d.fqdn}`,
    runsOn: 'dc',
    steps,
    restart: false,
    reversible: true,
    disruption: 'none',
  };
  const asked = facts.dnsServers[0];
  if (asked === undefined || (facts.dnsSource !== 'config' && facts.dnsSource !== 'dc')) return [action];
  const server = rpcHost(asked);
  const param = ipv4Param(d.node);
  const where = `-ComputerName ${psQuote(server)} -ZoneName ${psQuote(zone)} -Name ${psQuote(name)}`;
  const samba = `${shQuote(server)} ${shQuote(zone)} ${shQuote(name)} A`;
  return [
    {
      ...action,
      script: {
        params: [
          {
            name: param,
            description: `The IPv4 address of ${d.node} (${d.fqdn}) on the cluster's public network`,
          },
        ],
        powershell: {
          test: [
            `try { $records = @(Get-DnsServerResourceRecord ${where} -RRType A -ErrorAction Stop) } catch { $records = @() }`,
            `[bool]($records | Where-Object { $_.RecordData.IPv4Address.IPAddressToString -eq ${psParam(param)} })`,
          ].join('\n'),
          apply: `Add-DnsServerResourceRecordA ${where} -IPv4Address ${psParam(param)}`,
          legacy: `dnscmd ${server} /RecordAdd ${zone} ${name} A <address> (Windows Server 2008 R2: no DnsServer module)`,
        },
        // -P: the DC's machine account, which root on the DC can use (the zone lets it add records).
        sh: {
          system: 'samba',
          test: `samba-tool dns query ${samba} -P 2>/dev/null | grep -qF -- "A: $${shVariable(param)} ("`,
          apply: `samba-tool dns add ${samba} ${shParam(param)} -P`,
        },
      },
    },
  ];
}

const check = {
  meta: {
    id: 'ad.dns.node-records',
    title: "Every node's FQDN resolves through the domain's DNS, to an address of its own",
    area: 'ad',
    description:
      "Looks up each node's FQDN (A and AAAA) on the domain's DNS servers (activeDirectory.dnsServers, else the DC clusterprobe connected to). Fails for a node without a record, for a lookup that failed, and for two or more nodes that resolve to the same address, naming them all.",
    why: "Cluster validation, node joins and the nodes' own communication use DNS names; Kerberos needs them to match. A missing record makes cluster creation fail to reach the node; two nodes resolving to one address (a stale record, a copied VM) send one node's traffic to the other.",
    docs: 'docs/checks/ad.dns.node-records.md',
    severity: 'fail',
    facts: ['ad.directory'],
    messages,
    remediations: [
      'ipconfig /registerdns on the node, or Add-DnsServerResourceRecordA (samba-tool dns add) on the DNS server; remove or correct stale records that give two nodes one address; verify with Resolve-DnsName <fqdn> -Server <dns>.',
    ],
  },
  async run(ctx) {
    const facts = await adFactsOrSkip(ctx);
    if (!facts) return;
    if (facts.dns.length === 0) {
      ctx.report({ status: 'skipped', messageId: 'noNodes' });
      return;
    }
    const servers = facts.dnsServers;
    const server = servers[0] ?? '<DNS server>';
    const dnsServers = servers.length > 0 ? servers.join(', ') : 'the system resolver';

    // Grouped by one spelling of each address; a finding names it as the first node's record has it.
    const byAddress = new Map<string, { address: string; ds: DnsFact[] }>();
    for (const d of facts.dns) {
      const mine = new Map(d.addresses.map((a) => [canonicalAddress(a), a]));
      for (const [key, address] of mine) {
        const group = byAddress.get(key) ?? { address, ds: [] };
        group.ds.push(d);
        byAddress.set(key, group);
      }
    }
    const shared = [...byAddress.values()].filter((g) => g.ds.length > 1).map((g) => [g.address, g.ds] as const);
    const sharing = new Set(shared.flatMap(([, ds]) => ds.map((d) => d.node)));

    for (const d of facts.dns) {
      const data = { node: d.node, fqdn: d.fqdn, addresses: d.addresses, dnsServers };
      const evidence = { lookup: d, dnsServers: servers };
      if (d.resolverFailure) {
        const failure = d.resolverFailure;
        ctx.report({
          status: 'fail',
          messageId: 'resolverFailed',
          subject: d.node,
          data: {
            ...data,
            error: d.error ?? failure.code,
            resolver: describeResolverFailure(failure),
            code: failure.code,
            failures: failure.failures,
          },
          evidence,
          remediation: {
            summary: resolverSummary(failure, d.fqdn),
            steps: resolverSteps(failure, { type: 'A', name: d.fqdn }),
          },
        });
      } else if (d.error !== undefined) {
        ctx.report({
          status: 'fail',
          messageId: 'lookupFailed',
          subject: d.node,
          data: { ...data, error: d.error },
          evidence,
          remediation: {
            summary: `Make the domain's DNS answer for ${d.fqdn}`,
            steps: [
              {
                text: `The DNS server did not answer properly (${d.error}). Check that the DNS service runs on ${server} and that UDP 53 is reachable, or set activeDirectory.dnsServers to the domain's DNS servers.`,
                commands: [{ shell: 'powershell', command: 'Get-Service DNS', runOn: server }],
              },
              verifyStep(d, server),
            ],
          },
        });
      } else if (d.addresses.length === 0) {
        ctx.report({
          status: 'fail',
          messageId: 'noRecord',
          subject: d.node,
          data,
          evidence,
          remediation: (() => {
            const steps = addRecordSteps(d, server);
            const actions = dnsRecordAction(d, facts, steps);
            return { summary: `Register ${d.fqdn} in DNS`, steps, ...(actions.length > 0 ? { actions } : {}) };
          })(),
        });
      } else if (!sharing.has(d.node)) {
        ctx.report({ status: 'pass', messageId: 'resolves', subject: d.node, data, evidence });
      }
    }

    for (const [address, ds] of shared) {
      const nodes = ds.map((d) => d.node);
      ctx.report({
        status: 'fail',
        messageId: 'sharedAddress',
        subject: address,
        data: { address, nodes, fqdns: ds.map((d) => d.fqdn), dnsServers },
        evidence: { lookups: ds, dnsServers: servers },
        remediation: {
          summary: `Give ${nodes.join(' and ')} records with their own addresses`,
          steps: [
            {
              text: `At most one of ${nodes.join(', ')} really has ${address}. On each node, see its own addresses, then remove the wrong record from the DNS server and let the node register again:`,
              commands: [
                {
                  shell: 'powershell',
                  command: 'Get-NetIPAddress -AddressFamily IPv4 | Format-Table InterfaceAlias, IPAddress',
                  runOn: 'each of them (ipconfig on 2008 R2)',
                },
              ],
            },
            ...ds.flatMap((d): RemediationStep[] => {
              const { zone, name } = splitFqdn(d.fqdn);
              const type = address.includes(':') ? 'AAAA' : 'A';
              return [
                {
                  text: `If ${address} is not ${d.node}'s address:`,
                  commands: [
                    {
                      shell: 'powershell',
                      command: `Remove-DnsServerResourceRecord -ComputerName ${psQuote(server)} -ZoneName ${psQuote(zone)} -RRType ${type} -Name ${psQuote(name)} -RecordData ${psQuote(address)} -Force`,
                      runOn: 'a machine with the DnsServer PowerShell module',
                    },
                    {
                      shell: 'sh',
                      command: `samba-tool dns delete ${shQuote(server)} ${shQuote(zone)} ${shQuote(name)} ${type} ${shQuote(address)} -U Administrator`,
                      runOn: 'a Samba DC',
                    },
                    { shell: 'cmd', command: 'ipconfig /registerdns', runOn: d.node },
                  ],
                },
              ];
            }),
            ...ds.map((d) => verifyStep(d, server)),
          ],
        },
      });
    }
  },
} satisfies Check;

export default check;
