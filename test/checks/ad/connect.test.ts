import { test } from 'node:test';
import assert from 'node:assert/strict';
import check from '../../../checks/ad/connect.ts';
import { runCheck, commandsOf } from '../../helpers/run-check.ts';
import { adFacts } from './facts.ts';

test('bound over LDAPS: pass naming the server, TLS mode and account', async () => {
  const [f] = await runCheck(check, adFacts());
  assert.deepEqual(
    [f!.status, f!.messageId, f!.data.tlsMode, f!.data.user],
    ['pass', 'connected', 'LDAPS', 'admin@lab.example.test'],
  );
});

test('every failed DC is a finding: fail when none worked, warn when another did', async () => {
  const attempts = [
    { server: 'ldap://dc1.lab.example.test', status: 'strongAuthRequired' as const, step: 'bind' as const, ms: 3 },
    {
      server: 'ldaps://dc2.lab.example.test',
      status: 'invalidCredentials' as const,
      step: 'bind' as const,
      resultCode: 49,
      dataCode: '775',
      ms: 5,
    },
    {
      server: 'ldaps://dc3.lab.example.test',
      status: 'untrustedCertificate' as const,
      step: 'tls' as const,
      certificate: { subject: 'CN=DC3', issuer: 'CN=Lab CA' },
      ms: 4,
    },
  ];
  const failed = await runCheck(check, adFacts({ attempts, connection: undefined }));
  assert.deepEqual(
    failed.map((f) => [f.subject, f.status, f.messageId]),
    [
      ['ldap://dc1.lab.example.test', 'fail', 'strongAuthRequired'],
      ['ldaps://dc2.lab.example.test', 'fail', 'invalidCredentials'],
      ['ldaps://dc3.lab.example.test', 'fail', 'untrustedCertificate'],
    ],
  );
  assert.equal(failed[1]!.data.reason, 'the account is locked out');
  assert.match(commandsOf(failed[1]!).join('\n'), /Unlock-ADAccount -Identity 'admin'/);
  assert.match(JSON.stringify(failed[0]!.remediation), /startTls: true/);
  assert.match(JSON.stringify(failed[2]!.remediation), /Lab CA/);
  const partly = await runCheck(
    check,
    adFacts({ attempts: [attempts[0]!, { server: 'ldaps://dc1.lab.example.test', status: 'ok', ms: 4 }] }),
  );
  assert.deepEqual(
    partly.map((f) => [f.status, f.messageId]),
    [
      ['warn', 'strongAuthRequired'],
      ['pass', 'connected'],
    ],
  );
});

test('no DC found, no credentials, verification off, and no activeDirectory section', async () => {
  const none = await runCheck(check, adFacts({ attempts: [], connection: undefined }));
  assert.deepEqual([none[0]!.status, none[0]!.messageId], ['fail', 'noServer']);
  const anon = await runCheck(
    check,
    adFacts({
      connection: { server: 'ldaps://dc1', tlsMode: 'ldaps', boundAs: null, insecure: true, dnsHostName: null },
    }),
  );
  assert.deepEqual(
    anon.map((f) => [f.status, f.messageId]),
    [
      ['warn', 'anonymous'],
      ['warn', 'insecure'],
    ],
  );
  const off = await runCheck(check, { 'ad.directory': null, spec: { nodes: [] } });
  assert.deepEqual([off[0]!.status, off[0]!.messageId], ['skipped', 'notConfigured']);
});

test('a bind password that does not resolve, or an unreadable CA file: setupFailed naming the key, nothing sent', async () => {
  const found = await runCheck(
    check,
    adFacts({
      attempts: [],
      connection: undefined,
      setupError: { key: 'activeDirectory.bind.password', message: 'environment variable CP_PW is not set' },
    }),
  );
  assert.deepEqual(
    found.map((f) => [f.status, f.messageId, f.subject]),
    [['fail', 'setupFailed', 'activeDirectory.bind.password']],
  );
  assert.match(JSON.stringify(found[0]!.remediation), /env:X/);
});

test('a DC host name the resolver could not resolve: resolverFailed names the resolver, what it did and the commands; without that fact, dnsFailed', async () => {
  const resolver = {
    source: 'system' as const,
    servers: ['192.0.2.53'],
    code: 'ENETUNREACH' as const,
    failures: [{ server: '192.0.2.53', code: 'ENETUNREACH' as const, detail: 'no route to the DNS server' }],
  };
  const attempts = [
    { server: 'ldaps://dc1.lab.example.test', status: 'dnsFailed' as const, step: 'connect' as const, ms: 3, resolver },
  ];
  const [f] = await runCheck(check, adFacts({ attempts, connection: undefined }));
  assert.deepEqual([f!.status, f!.messageId, f!.data.host], ['fail', 'resolverFailed', 'dc1.lab.example.test']);
  assert.match(
    f!.message,
    /dc1\.lab\.example\.test could not be resolved: this machine's resolver .*192\.0\.2\.53 cannot be reached: no route/,
  );
  const commands = commandsOf(f);
  assert.ok(
    commands.includes("Resolve-DnsName -Server '192.0.2.53' -Type A 'dc1.lab.example.test'"),
    JSON.stringify(commands),
  );
  assert.ok(commands.includes("dig @'192.0.2.53' -t A 'dc1.lab.example.test' +time=2 +tries=1"));
  assert.ok(commands.includes("ip route get '192.0.2.53'"));
  assert.match(JSON.stringify(f!.remediation), /activeDirectory\.dnsServers/);
  const [plain] = await runCheck(
    check,
    adFacts({ attempts: [{ ...attempts[0]!, resolver: undefined }], connection: undefined }),
  );
  assert.deepEqual([plain!.messageId, commandsOf(plain)], ['dnsFailed', ["Resolve-DnsName 'dc1.lab.example.test'"]]);
});
