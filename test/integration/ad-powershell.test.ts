/**
 * The ad.* checks through the ActiveDirectory-module path, end to end: `validate --only 'ad.*'`
 * by the built CLI, a spec without activeDirectory.bind, and CLUSTERPROBE_POWERSHELL naming
 * test/fakes/fake-pwsh, a FAKE PowerShell that speaks node-powershell's process protocol and
 * replays the hand-written recordings of test/fixtures/powershell/ad/ (PowerShell cannot be
 * installed here: this path is verified only against recordings). SRV discovery and the node
 * records go through clusterprobe's own DNS client to a small fake DNS server, and discovery tests
 * TCP to the DC's ADWS port on a listener standing in for it.
 *
 * Then, against a real Samba DC: without CLUSTERPROBE_POWERSHELL on Linux, a spec without bind
 * takes the LDAP path anonymously, as it always did; with bind, the LDAP path even when a
 * PowerShell is named. The fake is never started in either.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, tempFiles } from '../helpers/cli.ts';
import { startFakeDns, type FakeDns } from '../helpers/fake-dns.ts';
import { startSamba, type SambaLab } from '../lab/samba.ts';
import type { Finding, Report } from '../../src/engine/report.ts';
import type { AdFacts } from '../../src/facts/index.ts';

const FAKE = fileURLToPath(new URL('../fakes/fake-pwsh', import.meta.url));
const RECORDINGS = fileURLToPath(new URL('../fixtures/powershell/ad/', import.meta.url));
const DC_ADDRESS = '127.0.0.10';

let dns: FakeDns;
let adws: Server;

before(async () => {
  dns = await startFakeDns({
    srv: { '_ldap._tcp.dc._msdcs.lab.example.test': [{ target: 'dc1.lab.example.test', port: 389 }] },
    a: {
      'dc1.lab.example.test': [DC_ADDRESS],
      'hv01.lab.example.test': ['127.0.0.61'],
      'hv02.lab.example.test': ['127.0.0.62'],
    },
  });
  // Stands in for Active Directory Web Services: discovery only opens and closes a TCP connection.
  adws = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => adws.listen(9389, DC_ADDRESS, resolve));
});

after(async () => {
  await dns?.close();
  await new Promise<void>((resolve) => (adws ? adws.close(() => resolve()) : resolve()));
});

interface Run {
  readonly code: number | null;
  readonly stderr: string;
  readonly report: Report;
  readonly facts: AdFacts;
  /** Every command the fake received, split. */
  readonly commands: string[];
  of(checkId: string): [string, string, string | undefined][];
  find(checkId: string, messageId: string): Finding;
}

async function validate(testCase: string, lines: readonly string[]): Promise<Run> {
  const dir = await tempFiles({ 'cluster.yaml': lines.join('\n') });
  const log = join(dir, 'pwsh.log');
  const factsFile = join(dir, 'facts.json');
  const r = await runCli(
    ['validate', '--config', join(dir, 'cluster.yaml'), '--only', 'ad.*', '--json', '--save-facts', factsFile],
    {
      env: {
        CLUSTERPROBE_POWERSHELL: FAKE,
        FAKE_PWSH_RECORDINGS: RECORDINGS,
        FAKE_PWSH_CASE: testCase,
        FAKE_PWSH_LOG: log,
      },
    },
  );
  let report: Report;
  try {
    report = JSON.parse(r.stdout) as Report;
  } catch {
    assert.fail(`no JSON report (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  }
  const facts = (JSON.parse(await readFile(factsFile, 'utf8')) as { facts: Record<string, unknown> }).facts[
    'ad.directory'
  ] as AdFacts;
  const commands = existsSync(log)
    ? (await readFile(log, 'utf8')).split('\n----\n').filter((c) => c.trim() !== '')
    : [];
  return {
    code: r.code,
    stderr: r.stderr,
    report,
    facts,
    commands,
    of: (id) => report.findings.filter((f) => f.checkId === id).map((f) => [f.status, f.messageId, f.subject]),
    find: (id, messageId) => {
      const f = report.findings.find((x) => x.checkId === id && x.messageId === messageId);
      assert.ok(
        f,
        `${id} ${messageId} in ${JSON.stringify(report.findings.map((x) => [x.checkId, x.status, x.messageId, x.subject]))}`,
      );
      return f;
    },
  };
}

const commandsOf = (f: Finding) =>
  (f.remediation?.steps ?? []).flatMap((s) => (s.commands ?? []).map((c) => c.command));

const healthySpec = (extra: string[] = []) => [
  'cluster: { name: HVCLUSTER01, windowsVersion: "2008R2" }',
  'nodes:',
  '  - { name: hv01 }',
  '  - { name: hv02 }',
  'activeDirectory:',
  '  domain: lab.example.test',
  `  dnsServers: ["${dns.server}"]`,
  ...extra,
];

test('no bind, a PowerShell named: the ActiveDirectory module reads the directory as the logged-in user, and every ad.* check runs on it', async () => {
  const r = await validate('healthy-7', healthySpec());
  assert.equal(r.code, 0, r.stderr);
  const connect = r.find('ad.connect', 'kerberos');
  assert.deepEqual(
    [connect.status, connect.subject, connect.data.user, connect.data.tlsMode],
    ['pass', 'dc1.lab.example.test', 'fxgranted@lab.example.test', 'Kerberos'],
  );
  assert.equal(
    connect.message,
    'Read as fxgranted@lab.example.test through the ActiveDirectory module (Kerberos) from dc1.lab.example.test',
  );
  assert.deepEqual(
    r.report.findings.filter((f) => f.status !== 'pass').map((f) => [f.checkId, f.status, f.messageId]),
    [['ad.dc.discovery', 'warn', 'singleDc']],
  );
  assert.deepEqual(r.of('ad.cno.readiness'), [['pass', 'canCreate', 'HVCLUSTER01']]);
  assert.deepEqual(
    r.of('ad.dns.node-records').map(([s, m]) => [s, m]),
    [
      ['pass', 'resolves'],
      ['pass', 'resolves'],
    ],
  );
  assert.deepEqual(r.of('ad.time.skew'), [['pass', 'inSync', 'dc1.lab.example.test']]);

  // The facts: the PowerShell source, discovery by SRV tested on the ADWS port, records through the domain's DNS.
  assert.equal(r.facts.source, 'powershell');
  assert.equal(r.facts.powershell?.executable, FAKE);
  assert.equal(r.facts.connection?.tlsMode, 'kerberos');
  assert.deepEqual(
    r.facts.discovery.dcs.map((d) => [d.host, d.addresses, d.reachable?.status, d.reachable?.port]),
    [['dc1.lab.example.test', [DC_ADDRESS], 'ok', 9389]],
  );
  assert.deepEqual(
    r.facts.dns.map((d) => d.addresses),
    [['127.0.0.61'], ['127.0.0.62']],
  );
  assert.equal(r.facts.operations, 6);

  // Two runs in one PowerShell process: the directory, then the OU it pointed at.
  assert.deepEqual(
    r.commands.map((c) => /^# CLUSTERPROBE-SCRIPT:(\S+)/m.exec(c)?.[1]),
    ['ad.directory', 'ad.security'],
  );
  const payload = (c: string) =>
    JSON.parse(
      Buffer.from(/FromBase64String\('([A-Za-z0-9+/=]*)'\)/.exec(c)![1]!, 'base64').toString('utf8'),
    ) as Record<string, unknown>;
  assert.deepEqual(payload(r.commands[0]!), {
    domain: 'lab.example.test',
    servers: [],
    filter:
      '(&(objectClass=computer)(|(sAMAccountName=HV01$)(dNSHostName=hv01.lab.example.test)(cn=hv01)(sAMAccountName=HV02$)(dNSHostName=hv02.lab.example.test)(cn=hv02)(sAMAccountName=HVCLUSTER01$)(dNSHostName=hvcluster01.lab.example.test)(cn=HVCLUSTER01)))',
  });
  assert.deepEqual(payload(r.commands[1]!), {
    server: 'dc1.lab.example.test',
    ou: "OU=R&D's Hyper-V,OU=Servers,DC=lab,DC=example,DC=test",
    cno: null,
  });
});

test("the review's directory in 5.1's shape, two configured DCs, the first without ADWS: every wall found, ad.connect warns and names the source", async () => {
  const r = await validate('review-5.1', [
    'cluster: { name: HVCLUSTER01, windowsVersion: "2008R2" }',
    'nodes:',
    ...['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B', 'hv03', 'hv04', 'hv05'].map((n) => `  - { name: ${n} }`),
    'activeDirectory:',
    '  domain: lab.example.test',
    '  servers: [ldaps://dc0.lab.example.test, ldaps://dc1.lab.example.test]',
    `  dnsServers: ["${dns.server}"]`,
  ]);
  assert.equal(r.code, 3, r.stderr);
  assert.deepEqual(r.of('ad.connect'), [
    ['warn', 'adwsUnreachable', 'dc0.lab.example.test'],
    ['pass', 'kerberos', 'dc1.lab.example.test'],
  ]);
  assert.ok(
    commandsOf(r.find('ad.connect', 'adwsUnreachable')).includes(
      "Test-NetConnection -ComputerName 'dc0.lab.example.test' -Port 9389",
    ),
  );
  assert.deepEqual(r.of('ad.dc.discovery'), [['skipped', 'notNeeded', 'lab.example.test']]);
  assert.equal(r.find('ad.domain.functional-level', 'mixedMode').status, 'fail');
  assert.equal(r.find('ad.netbios.collision', 'namesCollide').subject, 'HYPERVHOSTNODE-');
  assert.equal(r.find('ad.ou.placement', 'inContainer').subject, 'hv03');
  assert.equal(r.find('ad.computer.account', 'disabled').subject, 'hv04');
  assert.equal(r.find('ad.cno.readiness', 'prestagedNoFullControl').data.user, 'fxplain@lab.example.test');
  assert.equal(r.find('ad.time.skew', 'skewed').data.absSeconds, 90);
  assert.deepEqual(
    JSON.parse(
      Buffer.from(/FromBase64String\('([A-Za-z0-9+/=]*)'\)/.exec(r.commands[0]!)![1]!, 'base64').toString('utf8'),
    ).servers,
    ['dc0.lab.example.test', 'dc1.lab.example.test'],
  );
});

test('the ActiveDirectory module missing: ad.connect fails with the RSAT commands, the other checks stand aside, exit 3', async () => {
  const r = await validate('moduleMissing-5.1', healthySpec());
  assert.equal(r.code, 3, r.stderr);
  const missing = r.find('ad.connect', 'moduleMissing');
  assert.equal(missing.status, 'fail');
  assert.match(missing.message, /ActiveDirectory PowerShell module is not installed/);
  const commands = commandsOf(missing);
  assert.ok(commands.includes('Install-WindowsFeature RSAT-AD-PowerShell'), commands.join('\n'));
  assert.ok(
    commands.includes('Add-WindowsCapability -Online -Name Rsat.ActiveDirectory.DS-LDS.Tools~~~~0.0.1.0'),
    commands.join('\n'),
  );
  for (const id of [
    'ad.time.skew',
    'ad.domain.functional-level',
    'ad.computer.account',
    'ad.netbios.name',
    'ad.netbios.collision',
    'ad.ou.placement',
    'ad.cno.readiness',
  ]) {
    assert.ok(
      r.of(id).every(([s]) => s === 'skipped'),
      `${id}: ${JSON.stringify(r.of(id))}`,
    );
  }
  assert.deepEqual(
    r.commands.map((c) => /^# CLUSTERPROBE-SCRIPT:(\S+)/m.exec(c)?.[1]),
    ['ad.directory'],
    'nothing more is tried',
  );
});

test('hostile names and OU reach PowerShell as data only: none of them is in the command text', async () => {
  // Names no host may have are refused by the spec loader (issue 11): they never reach PowerShell.
  const node = '$(calc)';
  const hostile = await tempFiles({
    'cluster.yaml': [
      'nodes:',
      `  - { name: '${node}' }`,
      '  - { name: hv01 }',
      'cluster: { name: "`$(Stop-Computer)" }',
      'activeDirectory:',
      '  domain: lab.example.test',
    ].join('\n'),
  });
  const log = join(hostile, 'pwsh.log');
  const refused = await runCli(['validate', '--config', join(hostile, 'cluster.yaml'), '--only', 'ad.*'], {
    env: {
      CLUSTERPROBE_POWERSHELL: FAKE,
      FAKE_PWSH_RECORDINGS: RECORDINGS,
      FAKE_PWSH_CASE: 'ouMissing',
      FAKE_PWSH_LOG: log,
    },
  });
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /cluster\.yaml:2:\d+ nodes\[0\]\.name: expected a host name .*got a dollar sign/);
  assert.match(refused.stderr, /cluster\.yaml:4:\d+ cluster\.name: expected a host name .*got a backtick/);
  assert.ok(!existsSync(log), 'PowerShell was not started');
  // An OU is a distinguished name, and a DN value may hold quotes and semicolons: that one still
  // goes to PowerShell, as data.
  const ou = "OU=x'; Remove-Item C:\\ -Recurse; ',DC=lab,DC=example,DC=test";
  const r = await validate('ouMissing', [
    'nodes:',
    '  - { name: hv01 }',
    '  - { name: hv02 }',
    'cluster: { name: HVCLUSTER01 }',
    'activeDirectory:',
    '  domain: lab.example.test',
    `  dnsServers: ["${dns.server}"]`,
    `  ou: "${ou.replaceAll('\\', '\\\\')}"`,
  ]);
  assert.equal(r.commands.length, 2, r.stderr);
  for (const c of r.commands)
    for (const value of [ou, "x'; Remove-Item", 'Remove-Item'])
      assert.ok(!c.includes(value), `${value} in the command`);
  const payload = JSON.parse(
    Buffer.from(/FromBase64String\('([A-Za-z0-9+/=]*)'\)/.exec(r.commands[1]!)![1]!, 'base64').toString('utf8'),
  ) as { ou: string };
  assert.equal(payload.ou, ou, 'the OU arrives intact');
  // The recording answers that the OU does not exist: the checks say so.
  assert.equal(r.find('ad.cno.readiness', 'ouMissing').status, 'fail');
});

test('no DC found by the module, and credentials rejected: ad.connect says which, with the fix', async () => {
  const noDc = await validate('noDc', healthySpec());
  assert.deepEqual(noDc.of('ad.connect'), [['fail', 'moduleNoDc', 'lab.example.test']]);
  assert.ok(commandsOf(noDc.find('ad.connect', 'moduleNoDc')).includes('nltest /dsgetdc:"lab.example.test"'));
  const rejected = await validate('rejected', healthySpec(['  servers: [ldaps://dc1.lab.example.test]']));
  assert.deepEqual(rejected.of('ad.connect'), [['fail', 'kerberosRejected', 'dc1.lab.example.test']]);
});

// ---------------------------------------------------------------------------------------------
// Linux without a PowerShell: as before.

let lab: SambaLab | undefined;

after(async () => {
  await lab?.stop();
});

async function sambaRun(
  env: Record<string, string | undefined>,
  bind: boolean,
): Promise<{ report: Report; facts: AdFacts; log: string; stderr: string }> {
  lab ??= await startSamba();
  const dir = await tempFiles({
    'c.yaml': [
      'nodes:',
      '  - { name: hv01 }',
      'activeDirectory:',
      `  domain: ${lab.domain}`,
      `  dnsServers: [${lab.dnsServer}]`,
      `  tls: { caFile: ${lab.caFile} }`,
      ...(bind ? [`  bind: { user: ${lab.adminUpn}, password: env:CP_AD_PASSWORD }`] : []),
    ].join('\n'),
  });
  const log = join(dir, 'pwsh.log');
  const facts = join(dir, 'facts.json');
  const r = await runCli(
    ['validate', '--config', join(dir, 'c.yaml'), '--only', 'ad.connect', '--json', '--save-facts', facts],
    {
      env: {
        CP_AD_PASSWORD: lab.adminPassword,
        FAKE_PWSH_RECORDINGS: RECORDINGS,
        FAKE_PWSH_CASE: 'healthy-7',
        FAKE_PWSH_LOG: log,
        ...env,
      },
    },
  );
  const saved = JSON.parse(await readFile(facts, 'utf8')) as { facts: Record<string, unknown> };
  return {
    report: JSON.parse(r.stdout) as Report,
    facts: saved.facts['ad.directory'] as AdFacts,
    log,
    stderr: r.stderr,
  };
}

test(
  'Linux, no CLUSTERPROBE_POWERSHELL, no bind: the LDAP path connects anonymously, as before; no PowerShell is started',
  { skip: process.platform !== 'linux' },
  async () => {
    const r = await sambaRun({ CLUSTERPROBE_POWERSHELL: undefined }, false);
    assert.deepEqual(
      r.report.findings.map((f) => [f.status, f.messageId, f.data.tlsMode]),
      [['warn', 'anonymous', 'LDAPS']],
      r.stderr,
    );
    assert.equal(r.facts.source, undefined);
    assert.equal(r.facts.connection?.tlsMode, 'ldaps');
    assert.equal(r.facts.connection?.boundAs, null);
    assert.ok(!existsSync(r.log), 'the fake PowerShell never ran');
  },
);

test('with activeDirectory.bind the LDAP path binds, even when a PowerShell is named', async () => {
  const r = await sambaRun({ CLUSTERPROBE_POWERSHELL: FAKE }, true);
  assert.deepEqual(
    r.report.findings.map((f) => [f.status, f.messageId, f.data.tlsMode]),
    [['pass', 'connected', 'LDAPS']],
    r.stderr,
  );
  assert.equal(r.facts.source, undefined);
  assert.ok(!existsSync(r.log), 'the fake PowerShell never ran');
});
