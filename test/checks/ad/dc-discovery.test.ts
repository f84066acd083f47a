import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import check from '../../../checks/ad/dc-discovery.ts';
import type { Finding } from '../../../src/engine/report.ts';
import { assertFindings, commandsOf, runCheck, type ExpectedFinding } from '../../helpers/run-check.ts';
import { adFacts } from './facts.ts';
import type { AdFacts, DiscoveredDc } from '../../../src/facts/index.ts';

interface Case {
  readonly name: string;
  readonly facts: Readonly<Record<string, unknown>>;
  readonly expected: readonly ExpectedFinding[];
}

const DOMAIN = 'lab.example.test';
const RECORD = '_ldap._tcp.dc._msdcs.lab.example.test';

/** A DC as discoverDcs returns it with reachPort 636: the SRV target, its addresses, TCP tested. */
function dc(
  n: number,
  reachable: DiscoveredDc['reachable'] | null = { port: 636, status: 'ok', ms: 3 },
  addresses = [`10.0.0.${10 + n}`],
): DiscoveredDc {
  return {
    host: `dc${n}.${DOMAIN}`,
    port: 389,
    priority: 0,
    weight: 100,
    addresses,
    ...(reachable ? { reachable } : {}),
  };
}

/** Discovery asked this machine's resolver, 10.0.0.10; node records went to the DC (10.0.0.99). */
function srv(...dcs: DiscoveredDc[]) {
  return adFacts({
    discovery: { source: 'srv', status: 'ok', dcs, dnsServers: ['10.0.0.10'] },
    dnsServers: ['10.0.0.99'],
  });
}

/** The facts with the spec's activeDirectory section extended by `ad`. */
function withSpec(facts: ReturnType<typeof adFacts>, ad: Readonly<Record<string, unknown>>) {
  const spec = facts.spec as { activeDirectory: Record<string, unknown> };
  return { ...facts, spec: { ...spec, activeDirectory: { ...spec.activeDirectory, ...ad } } };
}

const srvFailed = (over: Partial<AdFacts> = {}) =>
  adFacts({
    discovery: {
      source: 'srv',
      status: 'failed',
      message: `SRV ${RECORD} via the system's DNS servers (10.0.0.10): no such record`,
      dcs: [],
      dnsServers: ['10.0.0.10'],
    },
    dnsServers: ['10.0.0.99'],
    connection: undefined,
    attempts: [],
    ...over,
  });

const cases: readonly Case[] = [
  {
    name: 'activeDirectory.servers names the DCs: SRV discovery not used, skipped',
    facts: withSpec(adFacts({ discovery: { source: 'config', status: 'ok', dcs: [] } }), {
      servers: ['ldaps://dc1.lab.example.test', 'ldaps://dc2.lab.example.test'],
    }),
    expected: [
      {
        status: 'skipped',
        messageId: 'notNeeded',
        subject: DOMAIN,
        data: { domain: DOMAIN, servers: ['ldaps://dc1.lab.example.test', 'ldaps://dc2.lab.example.test'], count: 2 },
      },
    ],
  },
  {
    name: "the SRV lookup failed: fail on the record, with the probe's error and the DNS server",
    facts: srvFailed(),
    expected: [
      {
        status: 'fail',
        messageId: 'srvLookupFailed',
        subject: RECORD,
        data: {
          domain: DOMAIN,
          record: RECORD,
          dnsServers: '10.0.0.10',
          error: `SRV ${RECORD} via the system's DNS servers (10.0.0.10): no such record`,
        },
      },
    ],
  },
  {
    name: 'the SRV record lists no DC: the same failure',
    facts: srv(),
    expected: [
      {
        status: 'fail',
        messageId: 'srvLookupFailed',
        subject: RECORD,
        data: { domain: DOMAIN, record: RECORD, dnsServers: '10.0.0.10' },
      },
    ],
  },
  {
    name: "activeDirectory.dnsServers is what the failure names, not the facts' resolver",
    facts: withSpec(srvFailed(), { dnsServers: ['10.0.0.53', '10.0.0.54'] }),
    expected: [
      {
        status: 'fail',
        messageId: 'srvLookupFailed',
        subject: RECORD,
        data: { record: RECORD, dnsServers: '10.0.0.53, 10.0.0.54' },
      },
    ],
  },
  {
    name: "the SRV lookup failed because this machine's resolver is silent: resolverFailed naming it and what it did",
    facts: srvFailed({
      discovery: {
        source: 'srv',
        status: 'failed',
        message: 'x',
        dcs: [],
        dnsServers: ['10.0.0.10'],
        resolverFailure: {
          source: 'system',
          servers: ['10.0.0.10'],
          code: 'ETIMEOUT',
          failures: [{ server: '10.0.0.10', code: 'ETIMEOUT', detail: 'no answer in time' }],
        },
      },
    }),
    expected: [
      {
        status: 'fail',
        messageId: 'resolverFailed',
        subject: RECORD,
        data: {
          domain: DOMAIN,
          record: RECORD,
          code: 'ETIMEOUT',
          resolver:
            "this machine's resolver (/etc/resolv.conf, or the network adapter's DNS servers on Windows): 10.0.0.10 gave no answer within the time limit",
        },
      },
    ],
  },
  {
    name: 'one DC, reachable: warn singleDc naming it',
    facts: srv(dc(1)),
    expected: [
      {
        status: 'warn',
        messageId: 'singleDc',
        subject: DOMAIN,
        data: { domain: DOMAIN, host: 'dc1.lab.example.test', count: 1 },
      },
    ],
  },
  {
    name: 'one DC, unreachable: it fails, and the set still warns that it is alone',
    facts: srv(dc(1, { port: 636, status: 'refused', message: 'connect ECONNREFUSED 10.0.0.11:636' })),
    expected: [
      {
        status: 'fail',
        messageId: 'unreachable',
        subject: 'dc1.lab.example.test',
        data: { host: 'dc1.lab.example.test', address: '10.0.0.11', port: 636, status: 'refused' },
      },
      { status: 'warn', messageId: 'singleDc', subject: DOMAIN, data: { host: 'dc1.lab.example.test', count: 1 } },
    ],
  },
  {
    name: 'several DCs, all reachable: pass found with the count and reachableCount',
    facts: srv(dc(1), dc(2), dc(3)),
    expected: [
      { status: 'pass', messageId: 'found', subject: DOMAIN, data: { domain: DOMAIN, count: 3, reachableCount: 3 } },
    ],
  },
  {
    name: 'several DCs, TCP not tested: usable, all counted as reachable',
    facts: srv(dc(1, null), dc(2, null)),
    expected: [{ status: 'pass', messageId: 'found', subject: DOMAIN, data: { count: 2, reachableCount: 2 } }],
  },
  {
    name: 'one DC times out while another is fine: warn unreachable naming host, address and port, then pass',
    facts: srv(dc(1), dc(2, { port: 636, status: 'timeout' })),
    expected: [
      {
        status: 'warn',
        messageId: 'unreachable',
        subject: 'dc2.lab.example.test',
        data: { host: 'dc2.lab.example.test', address: '10.0.0.12', port: 636, status: 'timeout' },
      },
      { status: 'pass', messageId: 'found', subject: DOMAIN, data: { count: 2, reachableCount: 1 } },
    ],
  },
  {
    name: 'StartTLS (port 389) unreachable: the port reported is the one tested',
    facts: srv(
      dc(1, { port: 389, status: 'ok' }),
      dc(2, { port: 389, status: 'unreachable', message: 'connect EHOSTUNREACH' }),
    ),
    expected: [
      {
        status: 'warn',
        messageId: 'unreachable',
        subject: 'dc2.lab.example.test',
        data: { port: 389, status: 'unreachable' },
      },
      { status: 'pass', messageId: 'found', subject: DOMAIN, data: { count: 2, reachableCount: 1 } },
    ],
  },
  {
    name: 'every DC unreachable: each fails, and there is no pass',
    facts: srv(dc(1, { port: 636, status: 'timeout' }), dc(2, { port: 636, status: 'refused' })),
    expected: [
      {
        status: 'fail',
        messageId: 'unreachable',
        subject: 'dc1.lab.example.test',
        data: { address: '10.0.0.11', status: 'timeout' },
      },
      {
        status: 'fail',
        messageId: 'unreachable',
        subject: 'dc2.lab.example.test',
        data: { address: '10.0.0.12', status: 'refused' },
      },
    ],
  },
  {
    name: 'a DC whose name has no address (as the probe records it): warn noAddress while another is fine',
    facts: srv(dc(1), dc(2, { port: 636, status: 'noAddress' }, [])),
    expected: [
      {
        status: 'warn',
        messageId: 'noAddress',
        subject: 'dc2.lab.example.test',
        data: { host: 'dc2.lab.example.test', record: RECORD, dnsServers: '10.0.0.10' },
      },
      { status: 'pass', messageId: 'found', subject: DOMAIN, data: { count: 2, reachableCount: 1 } },
    ],
  },
  {
    name: 'a DC without address and not TCP-tested is noAddress too',
    facts: srv(dc(1, null), dc(2, null, [])),
    expected: [
      { status: 'warn', messageId: 'noAddress', subject: 'dc2.lab.example.test' },
      { status: 'pass', messageId: 'found', subject: DOMAIN, data: { count: 2, reachableCount: 1 } },
    ],
  },
  {
    name: 'no DC usable, one without address and one unreachable: both fail, no pass',
    facts: srv(dc(1, { port: 636, status: 'noAddress' }, []), dc(2, { port: 636, status: 'timeout' })),
    expected: [
      { status: 'fail', messageId: 'noAddress', subject: 'dc1.lab.example.test' },
      { status: 'fail', messageId: 'unreachable', subject: 'dc2.lab.example.test' },
    ],
  },
  {
    name: 'no activeDirectory section',
    facts: { 'ad.directory': null, spec: { nodes: [] } },
    expected: [{ status: 'skipped', messageId: 'notConfigured' }],
  },
];

describe('ad.dc.discovery', () => {
  for (const c of cases) it(c.name, async () => assertFindings(await runCheck(check, c.facts), c.expected));

  it('every declared messageId is reached by a case', async () => {
    const reached = new Set<string>();
    for (const c of cases) for (const f of await runCheck(check, c.facts)) reached.add(f.messageId);
    assert.deepEqual([...reached].sort(), Object.keys(check.meta.messages).sort());
  });
});

function commandOn(finding: Finding | undefined, command: string): string | undefined {
  return finding?.remediation?.steps.flatMap((s) => s.commands ?? []).find((c) => c.command === command)?.runOn;
}

test('srvLookupFailed: query the record at the DNS server, re-register it with nltest and samba_dnsupdate', async () => {
  const [f] = await runCheck(check, srvFailed());
  const commands = commandsOf(f);
  assert.ok(commands.includes(`Resolve-DnsName -Type SRV '${RECORD}' -Server '10.0.0.10'`), JSON.stringify(commands));
  assert.ok(commands.includes(`nslookup -type=SRV "${RECORD}" "10.0.0.10"`));
  assert.ok(commands.includes(`dig +short SRV '${RECORD}' @'10.0.0.10'`));
  assert.ok(commands.includes('nltest /dsregdns'));
  assert.ok(commands.includes(`dcdiag /test:dns /dnsdomain:"${DOMAIN}" /v`));
  assert.equal(commandOn(f, 'nltest /dsregdns'), 'each DC');
  assert.ok(commandsOf(f, 'sh').includes('samba_dnsupdate --verbose'));
});

test('srvLookupFailed: the configured DNS server is queried; with none known, the query names no server', async () => {
  const [configured] = await runCheck(check, withSpec(srvFailed(), { dnsServers: ['10.0.0.53'] }));
  assert.ok(commandsOf(configured).includes(`Resolve-DnsName -Type SRV '${RECORD}' -Server '10.0.0.53'`));
  const failed = srvFailed()['ad.directory'];
  const [none] = await runCheck(check, srvFailed({ discovery: { ...failed.discovery, dnsServers: [] } }));
  assert.equal(none!.messageId, 'srvLookupFailed');
  assert.notEqual(none!.data.dnsServers, '');
  assert.ok(commandsOf(none).includes(`Resolve-DnsName -Type SRV '${RECORD}'`));
  assert.ok(!commandsOf(none).some((c) => c.includes('-Server')), 'no empty -Server argument');
});

test('singleDc: promote a second DC (Install-ADDSDomainController, samba-tool domain join, dcpromo)', async () => {
  const [f] = await runCheck(check, srv(dc(1)));
  const commands = commandsOf(f);
  assert.ok(
    commands.some((c) => c.startsWith(`Install-ADDSDomainController -DomainName '${DOMAIN}' -InstallDns`)),
    JSON.stringify(commands),
  );
  assert.ok(commands.includes('Install-WindowsFeature AD-Domain-Services -IncludeManagementTools'));
  assert.ok(commands.some((c) => c.startsWith(`samba-tool domain join '${DOMAIN}' DC`)));
  assert.ok(commands.includes('dcpromo'));
});

test("unreachable: a reason is given for each status, the probe's message kept for a plain error", async () => {
  const statuses = ['refused', 'timeout', 'unreachable', 'error'] as const;
  for (const status of statuses) {
    const findings = await runCheck(check, srv(dc(1), dc(2, { port: 636, status, message: 'read ECONNRESET' })));
    const [f] = findings;
    assertFindings(findings, [
      { status: 'warn', messageId: 'unreachable', subject: 'dc2.lab.example.test', data: { status } },
      { status: 'pass', messageId: 'found', subject: DOMAIN },
    ]);
    assert.equal(typeof f!.data.reason, 'string');
    assert.ok((f!.data.reason as string).length > 0, status);
    assert.equal((f!.data.reason as string).includes('read ECONNRESET'), status === 'error', status);
  }
});

test("unreachable: test the port from each node, look at the DC's services and firewall", async () => {
  const [f] = await runCheck(check, srv(dc(1), dc(2, { port: 636, status: 'timeout' })));
  const commands = commandsOf(f);
  assert.ok(commands.includes("Test-NetConnection -ComputerName '10.0.0.12' -Port 636"), JSON.stringify(commands));
  assert.equal(commandOn(f, 'Get-Service NTDS, Netlogon, DNS'), 'dc2.lab.example.test');
  assert.ok(commands.includes("Enable-NetFirewallRule -DisplayGroup 'Active Directory Domain Services'"));
  assert.ok(commands.includes('systemctl status samba-ad-dc'));
});

test('noAddress: the DC registers its host record again, then it is resolved at the DNS server', async () => {
  const [f] = await runCheck(check, srv(dc(1), dc(2, { port: 636, status: 'noAddress' }, [])));
  const commands = commandsOf(f);
  assert.equal(commandOn(f, 'ipconfig /registerdns'), 'dc2.lab.example.test');
  assert.ok(commands.includes("Resolve-DnsName 'dc2.lab.example.test' -Server '10.0.0.10'"), JSON.stringify(commands));
  assert.ok(commandsOf(f, 'sh').includes('samba_dnsupdate --verbose'));
});

test('found: the data lists each DC with its reachability', async () => {
  const [f] = await runCheck(check, srv(dc(1), dc(2, null)));
  assert.deepEqual(
    (f!.data.dcs as { host: string; reachable: string; addresses: string[] }[]).map((d) => [
      d.host,
      d.reachable,
      d.addresses,
    ]),
    [
      ['dc1.lab.example.test', 'ok', ['10.0.0.11']],
      ['dc2.lab.example.test', 'untested', ['10.0.0.12']],
    ],
  );
});

test('resolverFailed: ask the resolver directly for the SRV record, then set activeDirectory.dnsServers or name the DCs', async () => {
  const failures = [
    { server: '192.0.2.53', code: 'ENETUNREACH' as const, detail: 'no route' },
    { server: '127.0.53.1', code: 'ECONNREFUSED' as const, detail: 'refused' },
  ];
  const [f] = await runCheck(
    check,
    srvFailed({
      discovery: {
        source: 'srv',
        status: 'failed',
        message: 'x',
        dcs: [],
        dnsServers: ['192.0.2.53', '127.0.53.1'],
        resolverFailure: { source: 'system', servers: ['192.0.2.53', '127.0.53.1'], code: 'ECONNREFUSED', failures },
      },
    }),
  );
  assert.equal(
    f!.message,
    `The SRV record ${RECORD} could not be read: this machine's resolver (/etc/resolv.conf, or the network adapter's DNS servers on Windows): 192.0.2.53 cannot be reached: no route to it from this machine; 127.0.53.1 refused the query: nothing listens on UDP port 53 there (ICMP port unreachable)`,
  );
  const commands = commandsOf(f);
  for (const server of ['192.0.2.53', '127.0.53.1']) {
    assert.ok(commands.includes(`Resolve-DnsName -Server '${server}' -Type SRV '${RECORD}'`), JSON.stringify(commands));
    assert.ok(commands.includes(`dig @'${server}' -t SRV '${RECORD}' +time=2 +tries=1`));
  }
  assert.ok(
    commands.includes('cat /etc/resolv.conf') && commands.includes('Get-DnsClientServerAddress -AddressFamily IPv4'),
  );
  const texts = f!.remediation!.steps.map((s) => s.text).join('\n');
  assert.match(texts, /set activeDirectory\.dnsServers/);
  assert.match(texts, /activeDirectory\.servers/);
  assert.match(f!.remediation!.summary, /192\.0\.2\.53, 127\.0\.53\.1 cannot be used/);
});
