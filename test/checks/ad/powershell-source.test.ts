/**
 * The ad.* checks, unchanged, on facts read through the ActiveDirectory module (the PowerShell
 * path, src/windows/ad-facts.ts): the hand-written recordings of test/fixtures/powershell/ad/ are
 * parsed as a real PowerShell's output would be and assembled as the probe assembles them, and
 * every check must give the same findings as on the LDAP facts of the same directory. The two
 * directories are the Samba fixtures' (test/fixtures/samba/: the users' SIDs and tokenGroups, and
 * the OUs' security descriptors, DACL-only as LDAP reads them with the SD flags control, whole as
 * GetSecurityDescriptorBinaryForm() gives them), set up once healthy and once as the review found
 * the lab. ad.connect is the one check whose findings differ by source.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import connect from '../../../checks/ad/connect.ts';
import dcDiscovery from '../../../checks/ad/dc-discovery.ts';
import timeSkew from '../../../checks/ad/time-skew.ts';
import functionalLevel from '../../../checks/ad/functional-level.ts';
import computerAccount from '../../../checks/ad/computer-account.ts';
import netbiosName from '../../../checks/ad/netbios-name.ts';
import netbiosCollision from '../../../checks/ad/netbios-collision.ts';
import ouPlacement from '../../../checks/ad/ou-placement.ts';
import cnoReadiness from '../../../checks/ad/cno-readiness.ts';
import dnsNodeRecords from '../../../checks/ad/dns-node-records.ts';
import { commandsOf, runCheck } from '../../helpers/run-check.ts';
import { powerShellAdFacts } from '../../helpers/ps-recordings.ts';
import { nodeNames } from '../../../src/ad/probe.ts';
import type { Check } from '../../../src/engine/contract.ts';
import type { ClusterSpec } from '../../../src/config/schema.ts';
import type { Finding } from '../../../src/engine/report.ts';
import type { AdFacts, ComputerObject } from '../../../src/facts/index.ts';

const SAMBA = new URL('../../fixtures/samba/', import.meta.url);
const samba = JSON.parse(readFileSync(new URL('index.json', SAMBA), 'utf8')) as {
  domainSid: string;
  principals: Record<string, string>;
  files: { file: string; sids?: string[] }[];
};
const sd = (file: string) => readFileSync(new URL(file, SAMBA)).toString('base64');
const tokenGroups = (file: string) => samba.files.find((f) => f.file === file)!.sids!;

const BASE = 'DC=lab,DC=example,DC=test';
const OU_H = `OU=R&D's Hyper-V,OU=Servers,${BASE}`;
const OU_D = `OU=Default,OU=Fixtures,${BASE}`;
const SID = samba.domainSid;

/** Every ad.* check but ad.connect: these must not be able to tell the sources apart. */
const SAME: readonly Check[] = [
  dcDiscovery,
  timeSkew,
  functionalLevel,
  computerAccount,
  netbiosName,
  netbiosCollision,
  ouPlacement,
  cnoReadiness,
  dnsNodeRecords,
];

function computer(name: string, ou: string, rid: number, over: Partial<ComputerObject> = {}): ComputerObject {
  const uac = over.userAccountControl ?? 4096;
  return {
    dn: `CN=${name},${ou}`,
    sAMAccountName: `${name.toUpperCase()}$`,
    dNSHostName: `${name.toLowerCase()}.lab.example.test`,
    cn: name,
    userAccountControl: uac,
    enabled: (uac & 2) === 0,
    objectSid: `${SID}-${rid}`,
    operatingSystem: 'Windows Server 2008 R2 Enterprise',
    whenCreated: '20261101093000.0Z',
    ...over,
  };
}

const rootDse = (currentTime: string, levels: [string, string, string]) => ({
  currentTime,
  dnsHostName: 'dc1.lab.example.test',
  serverName: `CN=DC1,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,${BASE}`,
  defaultNamingContext: BASE,
  configurationNamingContext: `CN=Configuration,${BASE}`,
  schemaNamingContext: `CN=Schema,CN=Configuration,${BASE}`,
  rootDomainNamingContext: BASE,
  domainFunctionality: levels[0],
  forestFunctionality: levels[1],
  domainControllerFunctionality: levels[2],
});

const records = (pairs: [string, string | null][]): AdFacts['dns'] =>
  pairs.map(([node, address]) => ({
    node,
    fqdn: `${node.toLowerCase()}.lab.example.test`,
    addresses: address ? [address] : [],
  }));

interface Directory {
  readonly spec: ClusterSpec;
  /** The spec of the same cluster for the LDAP path: the same, plus activeDirectory.bind. */
  readonly ldapSpec: ClusterSpec;
  /** What the LDAP probe would have read from that directory. */
  readonly ldap: AdFacts;
  /** The same read through the ActiveDirectory module: the recorded cases. */
  readonly cases: readonly string[];
  /** The probe's own I/O on the PowerShell path: SRV discovery (tested on the ADWS port) and the node records. */
  readonly io: Pick<AdFacts, 'discovery' | 'dns' | 'dnsServers'>;
}

function directory(
  spec: ClusterSpec,
  user: string,
  ldap: Omit<AdFacts, 'domain' | 'nodes' | 'cluster' | 'dns' | 'dnsServers'>,
  io: Directory['io'],
  cases: string[],
): Directory {
  const names = nodeNames(spec);
  const ldapSpec = {
    ...spec,
    activeDirectory: { ...spec.activeDirectory!, bind: { user, password: 'env:CP_AD_PASSWORD' } },
  };
  return {
    spec,
    ldapSpec,
    cases,
    io,
    ldap: {
      domain: 'lab.example.test',
      nodes: names.nodes,
      ...(names.cluster ? { cluster: names.cluster } : {}),
      dns: io.dns,
      dnsServers: io.dnsServers,
      ...ldap,
    },
  };
}

const srv = (port: number): AdFacts['discovery'] => ({
  source: 'srv',
  status: 'ok',
  dcs: [
    {
      host: 'dc1.lab.example.test',
      port: 389,
      priority: 0,
      weight: 100,
      addresses: ['10.0.0.10'],
      reachable: { status: 'ok', port, ms: 1 },
    },
  ],
  dnsServers: ['10.0.0.10'],
});

/** Two nodes in an OU delegated to fxgranted, a free cluster name, the DC found through SRV. */
const HEALTHY = directory(
  {
    cluster: { name: 'HVCLUSTER01', windowsVersion: '2008R2' },
    nodes: [{ name: 'hv01' }, { name: 'hv02' }],
    activeDirectory: { domain: 'lab.example.test', dnsServers: ['10.0.0.10'] },
  },
  'fxgranted@lab.example.test',
  {
    discovery: srv(636),
    attempts: [{ server: 'ldaps://dc1.lab.example.test', status: 'ok', ms: 12 }],
    connection: {
      server: 'ldaps://dc1.lab.example.test',
      tlsMode: 'ldaps',
      boundAs: 'fxgranted@lab.example.test',
      insecure: false,
      dnsHostName: 'dc1.lab.example.test',
    },
    rootDse: rootDse('20261125120003.0Z', ['4', '4', '4']),
    localTime: '2026-11-25T12:00:00.482Z',
    domainHead: { dn: BASE, msDSBehaviorVersion: 4, nTMixedDomain: 0, machineAccountQuota: 10 },
    computers: [computer('HV01', OU_H, 1601), computer('HV02', OU_H, 1602)],
    bindIdentity: {
      dn: `CN=fxgranted,OU=Fixtures,${BASE}`,
      sid: samba.principals.fxgranted!,
      tokenGroups: tokenGroups('tokengroups-granted.bin'),
    },
    ou: {
      dn: OU_H,
      source: 'nodes',
      exists: true,
      objectClass: ['top', 'organizationalUnit'],
      securityDescriptor: sd('sd-ou-granted-dacl.bin'),
    },
    operations: 7,
  },
  {
    discovery: srv(9389),
    dns: records([
      ['hv01', '10.0.0.61'],
      ['hv02', '10.0.0.62'],
    ]),
    dnsServers: ['10.0.0.10'],
  },
  ['healthy-5.1', 'healthy-7', 'raw-5.1'],
);

/**
 * The healthy directory with its first node prestaged under an 18-character name
 * (New-ADComputer -Name CONTOSO-HV-NODE-A1: account CONTOSO-HV-NODE-A1$, no dNSHostName): found
 * by name on both paths.
 */
const PRESTAGED = directory(
  { ...HEALTHY.spec, nodes: [{ name: 'CONTOSO-HV-NODE-A1' }, { name: 'hv02' }] },
  'fxgranted@lab.example.test',
  {
    ...(({ domain: _domain, nodes: _nodes, cluster: _cluster, dns: _dns, dnsServers: _dnsServers, ...read }) => read)(
      HEALTHY.ldap,
    ),
    computers: [
      computer('CONTOSO-HV-NODE-A1', OU_H, 1801, {
        dNSHostName: null,
        userAccountControl: 4098,
        operatingSystem: null,
        whenCreated: '20261120080000.0Z',
      }),
      computer('HV02', OU_H, 1602),
    ],
  },
  {
    discovery: srv(9389),
    dns: records([
      ['CONTOSO-HV-NODE-A1', '10.0.0.61'],
      ['hv02', '10.0.0.62'],
    ]),
    dnsServers: ['10.0.0.10'],
  },
  ['prestaged-5.1'],
);

/**
 * The review's lab: a 2003 domain in mixed mode, two 18-character names sharing their first 15,
 * a node in CN=Computers, a disabled one, one with neither computer object nor DNS record, a
 * prestaged cluster name on which the plain user fxplain has no Full Control, the DC 90 s ahead,
 * and the first of two configured DCs down.
 */
const REVIEW = directory(
  {
    cluster: { name: 'HVCLUSTER01', windowsVersion: '2008R2' },
    nodes: ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B', 'hv03', 'hv04', 'hv05'].map((name) => ({ name })),
    activeDirectory: {
      domain: 'lab.example.test',
      servers: ['ldaps://dc0.lab.example.test', 'ldaps://dc1.lab.example.test'],
      dnsServers: ['10.0.0.10'],
    },
  },
  'fxplain@lab.example.test',
  {
    discovery: { source: 'config', status: 'ok', dcs: [] },
    attempts: [
      {
        server: 'ldaps://dc0.lab.example.test',
        status: 'refused',
        step: 'connect',
        message: 'connect ECONNREFUSED',
        ms: 2,
      },
      { server: 'ldaps://dc1.lab.example.test', status: 'ok', ms: 12 },
    ],
    connection: {
      server: 'ldaps://dc1.lab.example.test',
      tlsMode: 'ldaps',
      boundAs: 'fxplain@lab.example.test',
      insecure: false,
      dnsHostName: 'dc1.lab.example.test',
    },
    rootDse: rootDse('20261125120130.0Z', ['2', '2', '4']),
    localTime: '2026-11-25T12:00:00.100Z',
    domainHead: { dn: BASE, msDSBehaviorVersion: 2, nTMixedDomain: 1, machineAccountQuota: 10 },
    computers: [
      computer('HYPERVHOSTNODE-01A', OU_D, 1701),
      computer('HYPERVHOSTNODE-01B', OU_D, 1702),
      computer('HV03', `CN=Computers,${BASE}`, 1703),
      computer('HV04', OU_D, 1704, { userAccountControl: 4098 }),
      computer('HVCLUSTER01', OU_D, 1705, { userAccountControl: 4098, dNSHostName: null, operatingSystem: null }),
    ],
    bindIdentity: {
      dn: `CN=fxplain,OU=Fixtures,${BASE}`,
      sid: samba.principals.fxplain!,
      tokenGroups: tokenGroups('tokengroups-plain.bin'),
    },
    ou: {
      dn: OU_D,
      source: 'nodes',
      exists: true,
      objectClass: ['top', 'organizationalUnit'],
      securityDescriptor: sd('sd-ou-default-dacl.bin'),
    },
    cnoSecurityDescriptor: sd('sd-ou-default-dacl.bin'),
    operations: 8,
  },
  {
    discovery: { source: 'config', status: 'ok', dcs: [] },
    dns: records([
      ['HYPERVHOSTNODE-01A', '10.0.0.71'],
      ['HYPERVHOSTNODE-01B', '10.0.0.72'],
      ['hv03', '10.0.0.73'],
      ['hv04', '10.0.0.74'],
      ['hv05', null],
    ]),
    dnsServers: ['10.0.0.10'],
  },
  ['review-5.1', 'review-7'],
);

/**
 * What a finding says, without how it was gathered (evidence). One difference is allowed, in the
 * remediation only: netdom's /userd names the spec's bind account on the LDAP path, and a
 * placeholder for the administrator without activeDirectory.bind (the checks read the spec).
 */
const said = (f: Finding) => ({
  checkId: f.checkId,
  status: f.status,
  messageId: f.messageId,
  subject: f.subject,
  data: f.data,
  message: f.message,
  remediation:
    f.remediation &&
    JSON.parse(JSON.stringify(f.remediation).replace(/\/userd:(?:\\".*?\\"|[^ "\\]+)/g, '/userd:<account>')),
});

async function findings(checks: readonly Check[], facts: AdFacts, spec: ClusterSpec): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const check of checks) out.push(...(await runCheck(check, { 'ad.directory': facts, spec })));
  return out;
}

for (const [label, dir] of [
  ['a healthy directory', HEALTHY],
  ["the review's directory", REVIEW],
  ['a node prestaged under its whole name', PRESTAGED],
] as const) {
  describe(`${label}: the ad.* checks on the PowerShell facts give the LDAP facts' findings`, () => {
    for (const name of dir.cases) {
      test(name, async () => {
        const ps = powerShellAdFacts(name, dir.spec, dir.io);
        const ldap = await findings(SAME, dir.ldap, dir.ldapSpec);
        // Discovery is the probe's own on both paths; the port it tests differs (ADWS 9389, LDAPS 636).
        assert.deepEqual((await findings(SAME, ps, dir.spec)).map(said), ldap.map(said));
      });
    }
  });
}

test("the findings compared are the ones that matter: the review's walls are there, the healthy directory passes", async () => {
  const review = await findings(SAME, powerShellAdFacts('review-7', REVIEW.spec, REVIEW.io), REVIEW.spec);
  const of = (id: string) => review.filter((f) => f.checkId === id).map((f) => [f.status, f.messageId, f.subject]);
  assert.deepEqual(
    of('ad.domain.functional-level').map(([s, m]) => [s, m]),
    [['fail', 'mixedMode']],
  );
  assert.deepEqual(of('ad.time.skew'), [['warn', 'skewed', 'dc1.lab.example.test']]);
  assert.deepEqual(of('ad.ou.placement'), [
    ['skipped', 'noComputerObject', 'hv05'],
    ['fail', 'inContainer', 'hv03'],
  ]);
  assert.deepEqual(
    of('ad.computer.account').filter(([s]) => s !== 'pass'),
    [
      ['fail', 'disabled', 'hv04'],
      ['fail', 'missing', 'hv05'],
    ],
  );
  assert.ok(
    of('ad.netbios.collision').some(
      ([s, m, subject]) => s === 'fail' && m === 'namesCollide' && subject === 'HYPERVHOSTNODE-',
    ),
  );
  assert.deepEqual(of('ad.cno.readiness'), [['fail', 'prestagedNoFullControl', 'HVCLUSTER01']]);
  assert.deepEqual(
    of('ad.dns.node-records').filter(([s]) => s !== 'pass'),
    [['fail', 'noRecord', 'hv05']],
  );
  const move = review.find((f) => f.messageId === 'inContainer')!;
  assert.ok(
    commandsOf(move).includes(`Move-ADObject -Identity 'CN=HV03,CN=Computers,${BASE}' -TargetPath '${OU_D}'`),
    commandsOf(move).join('\n'),
  );

  const prestaged = await findings(
    SAME,
    powerShellAdFacts('prestaged-5.1', PRESTAGED.spec, PRESTAGED.io),
    PRESTAGED.spec,
  );
  const ofPrestaged = (id: string) =>
    prestaged.filter((f) => f.checkId === id).map((f) => [f.status, f.messageId, f.subject]);
  assert.deepEqual(ofPrestaged('ad.computer.account'), [
    ['fail', 'prestagedByName', 'CONTOSO-HV-NODE-A1'],
    ['pass', 'present', 'hv02'],
  ]);
  assert.deepEqual(ofPrestaged('ad.ou.placement'), [['pass', 'sameOu', OU_H]]);
  assert.deepEqual(prestaged.find((f) => f.checkId === 'ad.cno.readiness')?.data.nodesMatchedByName, [
    'CONTOSO-HV-NODE-A1',
  ]);

  const healthy = await findings(SAME, powerShellAdFacts('healthy-5.1', HEALTHY.spec, HEALTHY.io), HEALTHY.spec);
  assert.deepEqual(
    healthy.filter((f) => f.status !== 'pass').map((f) => [f.checkId, f.status, f.messageId]),
    [['ad.dc.discovery', 'warn', 'singleDc']],
  );
  const cno = healthy.find((f) => f.checkId === 'ad.cno.readiness')!;
  assert.deepEqual([cno.messageId, cno.data.user, cno.data.ou], ['canCreate', 'fxgranted@lab.example.test', OU_H]);
});

test('ad.connect names the source: read as the user through the ActiveDirectory module (Kerberos) from the DC', async () => {
  const [pass] = await runCheck(connect, {
    'ad.directory': powerShellAdFacts('healthy-7', HEALTHY.spec, HEALTHY.io),
    spec: HEALTHY.spec,
  });
  assert.deepEqual(
    [pass!.status, pass!.messageId, pass!.subject, pass!.data.user, pass!.data.server, pass!.data.tlsMode],
    ['pass', 'kerberos', 'dc1.lab.example.test', 'fxgranted@lab.example.test', 'dc1.lab.example.test', 'Kerberos'],
  );
  assert.equal(
    pass!.message,
    'Read as fxgranted@lab.example.test through the ActiveDirectory module (Kerberos) from dc1.lab.example.test',
  );

  const review = await runCheck(connect, {
    'ad.directory': powerShellAdFacts('review-5.1', REVIEW.spec, REVIEW.io),
    spec: REVIEW.spec,
  });
  assert.deepEqual(
    review.map((f) => [f.status, f.messageId, f.subject]),
    [
      ['warn', 'adwsUnreachable', 'dc0.lab.example.test'],
      ['pass', 'kerberos', 'dc1.lab.example.test'],
    ],
  );
  assert.ok(
    commandsOf(review[0]!).includes("Test-NetConnection -ComputerName 'dc0.lab.example.test' -Port 9389"),
    commandsOf(review[0]!).join('\n'),
  );
  assert.ok(commandsOf(review[0]!).includes('Get-Service ADWS'));
});

test("ad.connect on the PowerShell path's failures: the module missing (RSAT), no DC found, ADWS down, credentials rejected, PowerShell itself", async () => {
  const io = HEALTHY.io;
  const run = async (name: string) =>
    runCheck(connect, {
      'ad.directory': powerShellAdFacts(
        name,
        HEALTHY.spec,
        io,
        'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
      ),
      spec: HEALTHY.spec,
    });

  for (const name of ['moduleMissing-5.1', 'moduleMissing-7']) {
    const found = await run(name);
    assert.deepEqual(
      found.map((f) => [f.status, f.messageId, f.subject]),
      [['fail', 'moduleMissing', 'ActiveDirectory']],
      name,
    );
    const commands = commandsOf(found[0]!);
    assert.ok(
      commands.includes('Install-WindowsFeature RSAT-AD-PowerShell') &&
        commands.includes('Add-WindowsCapability -Online -Name Rsat.ActiveDirectory.DS-LDS.Tools~~~~0.0.1.0'),
      commands.join('\n'),
    );
    assert.match(JSON.stringify(found[0]!.remediation), /activeDirectory\.bind/, 'and the LDAP way round it');
  }
  const noDc = await run('noDc');
  assert.deepEqual(
    noDc.map((f) => [f.status, f.messageId, f.subject]),
    [['fail', 'moduleNoDc', 'lab.example.test']],
  );
  assert.ok(commandsOf(noDc[0]!).includes('nltest /dsgetdc:"lab.example.test"'));
  const down = await run('adwsDown');
  assert.deepEqual(
    down.map((f) => [f.status, f.messageId, f.subject, f.data.port]),
    [['fail', 'adwsUnreachable', 'dc1.lab.example.test', 9389]],
  );
  const rejected = await run('rejected');
  assert.deepEqual(
    rejected.map((f) => [f.status, f.messageId]),
    [['fail', 'kerberosRejected']],
  );
  assert.ok(commandsOf(rejected[0]!).includes('klist'));
  const garbage = await run('garbage');
  assert.deepEqual(
    garbage.map((f) => [f.status, f.messageId, f.data.code]),
    [['fail', 'powershellFailed', 'badOutput']],
  );

  // With nothing read, every other check stands aside, pointing at ad.connect, as on the LDAP path.
  const facts = powerShellAdFacts('moduleMissing-7', HEALTHY.spec, io);
  const rest = await findings(
    SAME.filter((c) => c !== dcDiscovery && c !== dnsNodeRecords),
    facts,
    HEALTHY.spec,
  );
  assert.ok(
    rest.every((f) => f.status === 'skipped'),
    JSON.stringify(rest.map((f) => [f.checkId, f.status, f.messageId])),
  );
});
