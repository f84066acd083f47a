/**
 * The ad.* checks end to end: `validate --only 'ad.*'` against a real Samba AD DC
 * (test/lab/samba.ts) set up like the review's lab, the password passed through the environment.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { startSamba, type SambaLab } from '../lab/samba.ts';
import { runCli, tempFiles } from '../helpers/cli.ts';
import type { Report } from '../../src/engine/report.ts';
import type { AdFacts } from '../../src/facts/index.ts';

let lab: SambaLab;

before(async () => {
  lab = await startSamba();
  await lab.addOu('OU=HyperV,OU=Servers');
  await lab.addComputer('HV01', { ou: 'OU=HyperV,OU=Servers', enabled: true });
  await lab.addComputer('HV02', { ou: 'OU=HyperV,OU=Servers', enabled: true });
  await lab.addDnsA('hv01', '127.0.0.61');
  await lab.addDnsA('hv02', '127.0.0.62');
});

after(async () => {
  await lab?.stop();
});

function spec(extra = ''): string {
  return [
    'cluster: { name: HVCLUSTER01, windowsVersion: "2008R2" }',
    'nodes:',
    '  - { name: hv01 }',
    '  - { name: hv02 }',
    'activeDirectory:',
    `  domain: ${lab.domain}`,
    `  dnsServers: [${lab.dnsServer}]`,
    `  tls: { caFile: ${lab.caFile} }`,
    `  bind: { user: ${lab.adminUpn}, password: env:CP_AD_PASSWORD }`,
    extra,
  ].join('\n');
}

test('the probe finds the DC through SRV, binds over LDAPS and reads everything in a handful of operations', async () => {
  const dir = await tempFiles({ 'c.yaml': spec() });
  const facts = join(dir, 'facts.json');
  const r = await runCli(
    ['validate', '--config', join(dir, 'c.yaml'), '--only', 'ad.*', '--json', '--save-facts', facts],
    { env: { CP_AD_PASSWORD: lab.adminPassword } },
  );
  const report = JSON.parse(r.stdout) as Report;
  const connect = report.findings.find((f) => f.checkId === 'ad.connect')!;
  assert.deepEqual([connect.status, connect.messageId, connect.data.tlsMode], ['pass', 'connected', 'LDAPS'], r.stderr);
  const saved = JSON.parse(await readFile(facts, 'utf8')) as { facts: Record<string, unknown> };
  const ad = saved.facts['ad.directory'] as AdFacts;
  assert.equal(ad.discovery.source, 'srv');
  assert.deepEqual(ad.computers?.map((c) => c.sAMAccountName).sort(), ['HV01$', 'HV02$']);
  assert.equal(ad.ou?.dn, lab.dn('OU=HyperV,OU=Servers'));
  assert.ok((ad.ou?.securityDescriptor?.length ?? 0) > 100, 'the OU DACL was read');
  assert.ok(
    ad.bindIdentity && 'tokenGroups' in ad.bindIdentity && ad.bindIdentity.tokenGroups.some((s) => s.endsWith('-512')),
    'Domain Admins in the token',
  );
  assert.deepEqual(
    ad.dns.map((d) => d.addresses),
    [['127.0.0.61'], ['127.0.0.62']],
  );
  assert.ok(ad.operations <= 8, `operations: ${ad.operations}`);
  assert.ok(!JSON.stringify(saved).includes(lab.adminPassword), 'no password in the facts file');
  assert.ok(!r.stdout.includes(lab.adminPassword) && !r.stderr.includes(lab.adminPassword));
});

test('a wrong password fails ad.connect with the data code, and the password is not printed', async () => {
  const dir = await tempFiles({ 'c.yaml': spec() });
  const r = await runCli(['validate', '--config', join(dir, 'c.yaml'), '--only', 'ad.connect', '--json'], {
    env: { CP_AD_PASSWORD: 'Wrong-password-42' },
  });
  assert.equal(r.code, 3, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.deepEqual(
    report.findings.map((f) => [f.status, f.messageId, f.data.dataCode]),
    [['fail', 'invalidCredentials', '52e']],
  );
  assert.ok(!r.stdout.includes('Wrong-password-42'));
});

test('tls.insecureSkipVerify: a warning on stderr and an insecure finding in the report, and the bind still works', async () => {
  const dir = await tempFiles({
    'c.yaml': [
      'nodes:',
      '  - { name: hv01 }',
      'activeDirectory:',
      `  domain: ${lab.domain}`,
      `  servers: [ldaps://${lab.host}]`,
      '  tls: { insecureSkipVerify: true }',
      `  bind: { user: ${lab.adminUpn}, password: env:CP_AD_PASSWORD }`,
    ].join('\n'),
  });
  const r = await runCli(['validate', '--config', join(dir, 'c.yaml'), '--only', 'ad.connect', '--json'], {
    env: { CP_AD_PASSWORD: lab.adminPassword },
  });
  assert.match(r.stderr, /insecureSkipVerify/);
  const report = JSON.parse(r.stdout) as Report;
  assert.deepEqual(
    report.findings.map((f) => [f.status, f.messageId]),
    [
      ['pass', 'connected'],
      ['warn', 'insecure'],
    ],
  );
});

test('StartTLS through the spec (tls.startTls on an ldap:// server found by SRV)', async () => {
  const dir = await tempFiles({
    'c.yaml': spec().replace(`tls: { caFile: ${lab.caFile} }`, `tls: { caFile: ${lab.caFile}, startTls: true }`),
  });
  const r = await runCli(['validate', '--config', join(dir, 'c.yaml'), '--only', 'ad.connect', '--json'], {
    env: { CP_AD_PASSWORD: lab.adminPassword },
  });
  const report = JSON.parse(r.stdout) as Report;
  assert.deepEqual(
    report.findings.map((f) => [f.status, f.messageId, f.data.tlsMode]),
    [['pass', 'connected', 'StartTLS']],
    r.stderr,
  );
});

test("a healthy lab passes every ad.* check; the only warning is the lab's single DC", async () => {
  const dir = await tempFiles({ 'c.yaml': spec() });
  const r = await runCli(['validate', '--config', join(dir, 'c.yaml'), '--only', 'ad.*', '--json'], {
    env: { CP_AD_PASSWORD: lab.adminPassword },
  });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  const notPass = report.findings.filter((f) => f.status !== 'pass').map((f) => [f.checkId, f.status, f.messageId]);
  assert.deepEqual(notPass, [['ad.dc.discovery', 'warn', 'singleDc']]);
  const checks = new Set(report.findings.map((f) => f.checkId));
  for (const id of [
    'ad.connect',
    'ad.time.skew',
    'ad.domain.functional-level',
    'ad.computer.account',
    'ad.netbios.name',
    'ad.netbios.collision',
    'ad.ou.placement',
    'ad.cno.readiness',
    'ad.dns.node-records',
  ])
    assert.ok(checks.has(id), `${id} reported`);
  const byId = (id: string) => report.findings.filter((f) => f.checkId === id).map((f) => [f.messageId, f.subject]);
  assert.deepEqual(byId('ad.domain.functional-level'), [['levels', lab.domain]]);
  assert.deepEqual(byId('ad.cno.readiness'), [['canCreate', 'HVCLUSTER01']]);
  assert.deepEqual(byId('ad.ou.placement'), [['sameOu', lab.dn('OU=HyperV,OU=Servers')]]);
  assert.deepEqual(byId('ad.dns.node-records'), [
    ['resolves', 'hv01'],
    ['resolves', 'hv02'],
  ]);
});

test('a second DC in the SRV record that does not answer: ad.dc.discovery names it, and the first DC still serves every check', async () => {
  await lab.sambaTool([
    'dns',
    'add',
    lab.host,
    `_msdcs.${lab.domain}`,
    '_ldap._tcp.dc',
    'SRV',
    `dc2.${lab.domain} 636 0 100`,
  ]);
  await lab.addDnsA('dc2', '127.0.0.253');
  try {
    const dir = await tempFiles({ 'c.yaml': spec() });
    const r = await runCli(['validate', '--config', join(dir, 'c.yaml'), '--only', 'ad.*', '--json'], {
      env: { CP_AD_PASSWORD: lab.adminPassword },
    });
    const report = JSON.parse(r.stdout) as Report;
    const discovery = report.findings
      .filter((f) => f.checkId === 'ad.dc.discovery')
      .map((f) => [f.status, f.messageId, f.subject]);
    assert.deepEqual(
      discovery,
      [
        ['warn', 'unreachable', `dc2.${lab.domain}`],
        ['pass', 'found', lab.domain],
      ],
      r.stderr,
    );
    const dc2 = report.findings.find((f) => f.messageId === 'unreachable')!;
    assert.deepEqual([dc2.data.address, dc2.data.port, dc2.data.status], ['127.0.0.253', 636, 'refused']);
    assert.equal(report.findings.find((f) => f.messageId === 'found')!.data.reachableCount, 1);
    assert.deepEqual(
      report.findings.filter((f) => f.status === 'fail' || f.status === 'error').map((f) => f.checkId),
      [],
    );
  } finally {
    await lab.sambaTool([
      'dns',
      'delete',
      lab.host,
      `_msdcs.${lab.domain}`,
      '_ldap._tcp.dc',
      'SRV',
      `dc2.${lab.domain} 636 0 100`,
    ]);
    await lab.deleteDnsA('dc2', '127.0.0.253');
  }
});

test('the first DC listed refuses: ad.connect warns naming it, binds to the next, and every other check runs', async () => {
  const dir = await tempFiles({
    'c.yaml': spec().replace(
      `  dnsServers: [${lab.dnsServer}]`,
      `  dnsServers: [${lab.dnsServer}]\n  servers: [ldaps://127.0.0.252, ldaps://${lab.certName}]`,
    ),
  });
  const r = await runCli(['validate', '--config', join(dir, 'c.yaml'), '--only', 'ad.*', '--json'], {
    env: { CP_AD_PASSWORD: lab.adminPassword },
  });
  const report = JSON.parse(r.stdout) as Report;
  const connect = report.findings
    .filter((f) => f.checkId === 'ad.connect')
    .map((f) => [f.status, f.messageId, f.subject]);
  assert.deepEqual(
    connect,
    [
      ['warn', 'refused', 'ldaps://127.0.0.252'],
      ['pass', 'connected', `ldaps://${lab.certName}`],
    ],
    r.stderr,
  );
  assert.deepEqual(
    report.findings.filter((f) => f.status === 'fail' || f.status === 'error').map((f) => f.checkId),
    [],
  );
  assert.deepEqual(
    report.findings.filter((f) => f.checkId === 'ad.dc.discovery').map((f) => f.messageId),
    ['notNeeded'],
  );
});
