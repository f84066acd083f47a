import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import check from '../../../checks/ad/dns-node-records.ts';
import { assertFindings, commandsOf, runCheck, type ExpectedFinding } from '../../helpers/run-check.ts';
import { adFacts, node } from './facts.ts';
import type { AdFacts } from '../../../src/facts/index.ts';

interface Case {
  readonly name: string;
  readonly facts: Readonly<Record<string, unknown>>;
  readonly expected: readonly ExpectedFinding[];
}

type Lookup = AdFacts['dns'][number];

/** One node's lookup as the probe records it; AAAA addresses in its uncompressed form. */
function lookup(name: string, addresses: string[], error?: string): Lookup {
  return { node: name, fqdn: `${name}.lab.example.test`, addresses, ...(error !== undefined ? { error } : {}) };
}

function withDns(...dns: Lookup[]) {
  return adFacts({ nodes: dns.map((d) => node(d.node)), dns });
}

function withDnsServers(dnsServers: string[], ...dns: Lookup[]) {
  return adFacts({ nodes: dns.map((d) => node(d.node)), dns, dnsServers });
}

const V6 = 'fd00:0:0:0:0:0:0:21';
const UNREACHABLE = {
  source: 'system' as const,
  servers: ['192.0.2.53'],
  code: 'ENETUNREACH' as const,
  failures: [{ server: '192.0.2.53', code: 'ENETUNREACH' as const, detail: 'no route to the DNS server' }],
};

const cases: readonly Case[] = [
  {
    name: 'every node resolves to its own address: one pass per node',
    facts: withDns(lookup('hv01', ['10.0.0.21']), lookup('hv02', ['10.0.0.22', 'fd00:0:0:0:0:0:0:22'])),
    expected: [
      {
        status: 'pass',
        messageId: 'resolves',
        subject: 'hv01',
        data: { node: 'hv01', fqdn: 'hv01.lab.example.test', addresses: ['10.0.0.21'], dnsServers: '10.0.0.10' },
      },
      {
        status: 'pass',
        messageId: 'resolves',
        subject: 'hv02',
        data: { fqdn: 'hv02.lab.example.test', addresses: ['10.0.0.22', 'fd00:0:0:0:0:0:0:22'] },
      },
    ],
  },
  {
    name: 'a node without A or AAAA record fails noRecord',
    facts: withDns(lookup('hv01', ['10.0.0.21']), lookup('hv02', [])),
    expected: [
      { status: 'pass', messageId: 'resolves', subject: 'hv01' },
      {
        status: 'fail',
        messageId: 'noRecord',
        subject: 'hv02',
        data: { node: 'hv02', fqdn: 'hv02.lab.example.test', addresses: [], dnsServers: '10.0.0.10' },
      },
    ],
  },
  {
    name: 'a lookup that failed fails lookupFailed with the error',
    facts: withDns(lookup('hv01', [], 'A hv01.lab.example.test: SERVFAIL'), lookup('hv02', ['10.0.0.22'])),
    expected: [
      {
        status: 'fail',
        messageId: 'lookupFailed',
        subject: 'hv01',
        data: { node: 'hv01', fqdn: 'hv01.lab.example.test', error: 'A hv01.lab.example.test: SERVFAIL' },
      },
      { status: 'pass', messageId: 'resolves', subject: 'hv02' },
    ],
  },
  {
    name: 'the resolver could not be used (no route): resolverFailed naming the resolver and what it did',
    facts: withDns({
      ...lookup('hv01', [], 'A hv01.lab.example.test via 192.0.2.53: no route to the DNS server'),
      resolverFailure: UNREACHABLE,
    }),
    expected: [
      {
        status: 'fail',
        messageId: 'resolverFailed',
        subject: 'hv01',
        data: {
          node: 'hv01',
          code: 'ENETUNREACH',
          resolver:
            "this machine's resolver (/etc/resolv.conf, or the network adapter's DNS servers on Windows): 192.0.2.53 cannot be reached: no route to it from this machine",
        },
      },
    ],
  },
  {
    name: 'two nodes on one address: one failure naming both, and neither passes',
    facts: withDns(lookup('hv01', ['10.0.0.21']), lookup('hv02', ['10.0.0.21']), lookup('hv03', ['10.0.0.23'])),
    expected: [
      { status: 'pass', messageId: 'resolves', subject: 'hv03' },
      {
        status: 'fail',
        messageId: 'sharedAddress',
        subject: '10.0.0.21',
        data: {
          address: '10.0.0.21',
          nodes: ['hv01', 'hv02'],
          fqdns: ['hv01.lab.example.test', 'hv02.lab.example.test'],
          dnsServers: '10.0.0.10',
        },
      },
    ],
  },
  {
    name: 'a node with its own address and one it shares gets no pass',
    facts: withDns(lookup('hv01', ['10.0.0.21', '10.0.0.99']), lookup('hv02', ['10.0.0.22', '10.0.0.99'])),
    expected: [{ status: 'fail', messageId: 'sharedAddress', subject: '10.0.0.99', data: { nodes: ['hv01', 'hv02'] } }],
  },
  {
    name: 'two nodes sharing an IPv6 (AAAA) address, whatever its case: one failure, no pass',
    facts: withDns(lookup('hv01', ['10.0.0.21', V6]), lookup('hv02', ['10.0.0.22', V6.toUpperCase()])),
    expected: [
      { status: 'fail', messageId: 'sharedAddress', subject: V6, data: { address: V6, nodes: ['hv01', 'hv02'] } },
    ],
  },
  {
    name: 'three nodes on one address and two on another: one failure per address',
    facts: withDns(
      lookup('hv01', ['10.0.0.21']),
      lookup('hv02', ['10.0.0.21']),
      lookup('hv03', ['10.0.0.21', '10.0.0.23']),
      lookup('hv04', ['10.0.0.23']),
    ),
    expected: [
      { status: 'fail', messageId: 'sharedAddress', subject: '10.0.0.21', data: { nodes: ['hv01', 'hv02', 'hv03'] } },
      { status: 'fail', messageId: 'sharedAddress', subject: '10.0.0.23', data: { nodes: ['hv03', 'hv04'] } },
    ],
  },
  {
    name: 'an address listed twice for one node is not shared',
    facts: withDns(lookup('hv01', ['10.0.0.21', '10.0.0.21'])),
    expected: [{ status: 'pass', messageId: 'resolves', subject: 'hv01' }],
  },
  {
    name: 'several DNS servers: all are named',
    facts: withDnsServers(['10.0.0.10', '10.0.0.11'], lookup('hv01', ['10.0.0.21'])),
    expected: [
      { status: 'pass', messageId: 'resolves', subject: 'hv01', data: { dnsServers: '10.0.0.10, 10.0.0.11' } },
    ],
  },
  {
    name: 'no nodes: nothing to resolve',
    facts: adFacts({ nodes: [], dns: [] }),
    expected: [{ status: 'skipped', messageId: 'noNodes' }],
  },
  {
    name: 'no activeDirectory section',
    facts: { 'ad.directory': null, spec: { nodes: [] } },
    expected: [{ status: 'skipped', messageId: 'notConfigured' }],
  },
];

describe('ad.dns.node-records', () => {
  for (const c of cases) it(c.name, async () => assertFindings(await runCheck(check, c.facts), c.expected));

  it('every declared messageId is reached by a case', async () => {
    const reached = new Set<string>();
    for (const c of cases) for (const f of await runCheck(check, c.facts)) reached.add(f.messageId);
    assert.deepEqual([...reached].sort(), Object.keys(check.meta.messages).sort());
  });
});

test('noRecord: register from the node, or add the A record in the zone by hand (PowerShell and samba-tool)', async () => {
  const [, f] = await runCheck(check, withDns(lookup('hv01', ['10.0.0.21']), lookup('hv02', [])));
  const commands = commandsOf(f);
  const add = commands.find((c) => c.startsWith('Add-DnsServerResourceRecordA '));
  assert.ok(add, JSON.stringify(commands));
  assert.match(add, /-ComputerName '10\.0\.0\.10' -ZoneName 'lab\.example\.test' -Name 'hv02' -IPv4Address /);
  assert.ok(
    commandsOf(f, 'sh').some((c) => c.startsWith("samba-tool dns add '10.0.0.10' 'lab.example.test' 'hv02' A ")),
    JSON.stringify(commands),
  );
  const registerOn = f!
    .remediation!.steps.flatMap((s) => s.commands ?? [])
    .filter((c) => c.command === 'ipconfig /registerdns')
    .map((c) => c.runOn);
  assert.deepEqual(registerOn, ['hv02']);
  assert.ok(commands.includes("Resolve-DnsName 'hv02.lab.example.test' -Server '10.0.0.10'"));
});

test('lookupFailed: look at the DNS service on the server, then resolve again', async () => {
  const [f] = await runCheck(check, withDns(lookup('hv01', [], 'A hv01.lab.example.test: timed out')));
  const commands = commandsOf(f);
  assert.ok(commands.includes('Get-Service DNS'), JSON.stringify(commands));
  assert.equal(
    f!.remediation!.steps.flatMap((s) => s.commands ?? []).find((c) => c.command === 'Get-Service DNS')?.runOn,
    '10.0.0.10',
  );
  assert.ok(commands.includes("Resolve-DnsName 'hv01.lab.example.test' -Server '10.0.0.10'"));
});

test('sharedAddress: remove the wrong A record of each node from the zone, then re-register', async () => {
  const [, f] = await runCheck(
    check,
    withDns(lookup('hv01', ['10.0.0.21']), lookup('hv02', ['10.0.0.21']), lookup('hv03', ['10.0.0.23'])),
  );
  const commands = commandsOf(f);
  for (const name of ['hv01', 'hv02']) {
    assert.ok(
      commands.includes(
        `Remove-DnsServerResourceRecord -ComputerName '10.0.0.10' -ZoneName 'lab.example.test' -RRType A -Name '${name}' -RecordData '10.0.0.21' -Force`,
      ),
      JSON.stringify(commands),
    );
    assert.ok(
      commands.includes(
        `samba-tool dns delete '10.0.0.10' 'lab.example.test' '${name}' A '10.0.0.21' -U Administrator`,
      ),
    );
    assert.ok(commands.includes(`Resolve-DnsName '${name}.lab.example.test' -Server '10.0.0.10'`));
  }
  assert.ok(!commands.some((c) => c.includes('hv03')), 'the node with its own address is left alone');
});

test('no DNS server known: still a finding per node, the commands name a placeholder server', async () => {
  const [f] = await runCheck(check, withDnsServers([], lookup('hv01', [])));
  assert.equal(f!.messageId, 'noRecord');
  assert.equal(typeof f!.data.dnsServers, 'string');
  assert.notEqual(f!.data.dnsServers, '');
  assert.ok(
    commandsOf(f).some((c) => c.startsWith("Add-DnsServerResourceRecordA -ComputerName '<DNS server>' ")),
    JSON.stringify(commandsOf(f)),
  );
});

test('sharedAddress on IPv6: the records removed are AAAA', async () => {
  const [f] = await runCheck(check, withDns(lookup('hv01', ['10.0.0.21', V6]), lookup('hv02', ['10.0.0.22', V6])));
  const commands = commandsOf(f);
  assert.ok(
    commands.includes(
      `Remove-DnsServerResourceRecord -ComputerName '10.0.0.10' -ZoneName 'lab.example.test' -RRType AAAA -Name 'hv01' -RecordData '${V6}' -Force`,
    ),
    JSON.stringify(commands),
  );
  assert.ok(
    commands.includes(`samba-tool dns delete '10.0.0.10' 'lab.example.test' 'hv02' AAAA '${V6}' -U Administrator`),
  );
  assert.ok(!commands.some((c) => c.includes('-RRType A ')));
});

test('IPv6 addresses compare in one spelling: the long and the compressed form of one address are shared', async () => {
  const { canonicalAddress } = await import('../../../checks/ad/dns-node-records.ts');
  assert.equal(canonicalAddress('FD00:0:0:0:0:0:0:21'), 'fd00::21');
  assert.equal(canonicalAddress('10.0.0.5'), '10.0.0.5');
  assert.equal(canonicalAddress('not:an:address::x'), 'not:an:address::x');
  const findings = await runCheck(
    check,
    adFacts({
      dns: [
        { node: 'hv01', fqdn: 'hv01.lab.example.test', addresses: ['fd00::21'] },
        { node: 'hv02', fqdn: 'hv02.lab.example.test', addresses: ['FD00:0:0:0:0:0:0:21'] },
      ],
    }),
  );
  assert.deepEqual(
    findings.map((f) => [f.status, f.messageId, f.subject]),
    [['fail', 'sharedAddress', 'fd00::21']],
  );
});

test('resolverFailed: each kind of resolver failure is said, with the commands to ask that server and the setting to change', async () => {
  const kinds = [
    ['ECONNREFUSED', /refused the query: nothing listens on UDP port 53/, 'Get-Service DNS'],
    ['ETIMEOUT', /gave no answer within the time limit/, 'Get-Service DNS'],
    [
      'EBADRESP',
      /answered garbage, not a valid DNS answer \(malformed answer: bad compression pointer at 12\)/,
      undefined,
    ],
    ['EREFUSED', /refused to answer/, undefined],
    ['ENETUNREACH', /cannot be reached: no route/, "ip route get '192.0.2.53'"],
  ] as const;
  for (const [code, says, command] of kinds) {
    const failure = {
      source: 'config' as const,
      servers: ['192.0.2.53'],
      code,
      failures: [
        {
          server: '192.0.2.53',
          code,
          detail: code === 'EBADRESP' ? 'malformed answer: bad compression pointer at 12' : 'x',
        },
      ],
    };
    const [f] = await runCheck(
      check,
      withDnsServers(['192.0.2.53'], { ...lookup('hv01', [], 'x'), resolverFailure: failure }),
    );
    assert.equal(f!.messageId, 'resolverFailed', code);
    assert.match(f!.message, says, code);
    assert.match(
      f!.message,
      /^hv01\.lab\.example\.test \(hv01\) could not be looked up: activeDirectory\.dnsServers: 192\.0\.2\.53 /,
      code,
    );
    const commands = commandsOf(f);
    assert.ok(
      commands.includes("Resolve-DnsName -Server '192.0.2.53' -Type A 'hv01.lab.example.test'"),
      JSON.stringify(commands),
    );
    assert.ok(commands.includes("dig @'192.0.2.53' -t A 'hv01.lab.example.test' +time=2 +tries=1"));
    if (command) assert.ok(commands.includes(command), `${code}: ${JSON.stringify(commands)}`);
    assert.ok(
      f!.remediation!.steps.some((s) => s.text.startsWith('activeDirectory.dnsServers names 192.0.2.53: correct it')),
      code,
    );
  }
});

test('resolverFailed with no DNS server at all (this machine has none): says so, and says to set activeDirectory.dnsServers', async () => {
  const failure = { source: 'system' as const, servers: [], code: 'EREFUSED' as const, failures: [] };
  const [f] = await runCheck(check, withDnsServers([], { ...lookup('hv01', [], 'x'), resolverFailure: failure }));
  assert.equal(
    f!.message,
    "hv01.lab.example.test (hv01) could not be looked up: this machine's resolver (/etc/resolv.conf, or the network adapter's DNS servers on Windows): no DNS server to ask",
  );
  assert.equal(
    f!.remediation!.summary,
    'Tell clusterprobe which DNS server to ask for hv01.lab.example.test: this machine has none configured',
  );
  assert.match(f!.remediation!.steps[0]!.text, /set activeDirectory\.dnsServers .*none configured/);
});

test('resolverFailed: a server given with a port is asked with dig -p, and no Resolve-DnsName (it has no port option)', async () => {
  const failure = {
    source: 'config' as const,
    servers: ['127.0.0.1:5353'],
    code: 'ETIMEOUT' as const,
    failures: [{ server: '127.0.0.1:5353', code: 'ETIMEOUT' as const, detail: 'x' }],
  };
  const [f] = await runCheck(
    check,
    withDnsServers(['127.0.0.1:5353'], { ...lookup('hv01', [], 'x'), resolverFailure: failure }),
  );
  const commands = commandsOf(f);
  assert.ok(
    commands.includes("dig @'127.0.0.1' -p 5353 -t A 'hv01.lab.example.test' +time=2 +tries=1"),
    JSON.stringify(commands),
  );
  assert.ok(!commands.some((c) => c.startsWith('Resolve-DnsName -Server')));
});

describe('the plan action of a node without a record', () => {
  const noRecord = (over: Partial<AdFacts>) =>
    adFacts({ nodes: [node('hv01'), node('hv02')], dns: [lookup('hv01', ['10.0.0.21']), lookup('hv02', [])], ...over });
  const actionOf = async (facts: Readonly<Record<string, unknown>>) => {
    const found = await runCheck(check, facts);
    return found.find((f) => f.messageId === 'noRecord')!.remediation!.actions;
  };

  it('asked the domain DNS: dns-record:<fqdn> with a PowerShell and a Samba script, the address a parameter without default', async () => {
    const [a, ...rest] = (await actionOf(noRecord({ dnsSource: 'config', dnsServers: ['10.0.0.10:53'] })))!;
    assert.equal(rest.length, 0);
    assert.deepEqual(
      [a!.key, a!.runsOn, a!.disruption, a!.restart, a!.reversible],
      ['dns-record:hv02.lab.example.test', 'dc', 'none', false, true],
    );
    assert.deepEqual(
      a!.script!.params!.map((p) => [p.name, p.default, p.secret]),
      [['Ipv4Hv02', undefined, undefined]],
    );
    assert.equal(
      a!.script!.powershell!.apply,
      "Add-DnsServerResourceRecordA -ComputerName '10.0.0.10' -ZoneName 'lab.example.test' -Name 'hv02' -IPv4Address $Ipv4Hv02",
    );
    assert.match(a!.script!.powershell!.test, /Get-DnsServerResourceRecord -ComputerName '10\.0\.0\.10' .*-RRType A/);
    assert.match(a!.script!.powershell!.legacy!, /^dnscmd 10\.0\.0\.10 \/RecordAdd lab\.example\.test hv02 A/);
    assert.equal(a!.script!.sh!.system, 'samba');
    assert.equal(a!.script!.sh!.apply, `samba-tool dns add '10.0.0.10' 'lab.example.test' 'hv02' A "$IPV4_HV02" -P`);
    assert.match(a!.script!.sh!.test, /^samba-tool dns query '10\.0\.0\.10' 'lab\.example\.test' 'hv02' A -P/);
  });

  it("asked this machine's resolver (maybe not the domain's DNS): the action is a manual step", async () => {
    const actions = (await actionOf(noRecord({ dnsSource: 'system' })))!;
    assert.deepEqual(
      actions.map((a) => [a.key, a.script]),
      [['dns-record:hv02.lab.example.test', undefined]],
    );
  });

  it('a node named by an address has no record to add: no action', async () => {
    const facts = adFacts({
      nodes: [node('hv02')],
      dns: [{ ...lookup('hv02', []), fqdn: '10.0.0.22' }],
      dnsSource: 'dc',
    });
    assert.equal(await actionOf(facts), undefined);
  });
});
