/**
 * The AD connection against a real Samba AD DC (test/lab/samba.ts): LDAPS and StartTLS with the
 * lab CA, the rootDSE read first, and every failure the issue names translated into an AdError
 * with its server, step and the facts a fix needs. The password never appears in an error.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { startSamba, type SambaLab } from '../lab/samba.ts';
import { connectDirectory } from '../../src/ad/connection.ts';
import { discoverDcs } from '../../src/ad/discovery.ts';
import { AdError } from '../../src/ad/errors.ts';
import { Secret } from '../../src/config/secrets.ts';

let lab: SambaLab;
let ca: Buffer;
let password: Secret;

before(async () => {
  lab = await startSamba();
  ca = readFileSync(lab.caFile);
  password = new Secret(lab.adminPassword);
});

after(async () => {
  await lab?.stop();
});

const ldaps = () => `ldaps://${lab.certName}`;

async function failure(promise: Promise<unknown>): Promise<AdError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof AdError, String(err));
    assert.ok(!err.message.includes(lab.adminPassword), 'no password in the message');
    return err;
  }
  assert.fail('expected a failure');
}

test('LDAPS with the lab CA: rootDSE read first, then the bind; operations counted', async () => {
  const s = await connectDirectory({
    url: ldaps(),
    address: lab.host,
    tls: { ca },
    bind: { user: lab.adminUpn, password },
  });
  try {
    assert.equal(s.tlsMode, 'ldaps');
    assert.equal(s.boundAs, lab.adminUpn);
    assert.equal(s.rootDse.dnsHostName, lab.dcHostName);
    assert.equal(s.rootDse.defaultNamingContext, lab.baseDn);
    assert.match(String(s.rootDse.currentTime), /^\d{14}\.0Z$/);
    assert.ok(Math.abs(s.localTimeAtRootDse - Date.now()) < 60_000);
    assert.equal(s.operations, 2);
    const head = await s.search(lab.baseDn, { scope: 'base', attributes: ['msDS-Behavior-Version', 'nTMixedDomain'] });
    assert.equal(head.length, 1);
    assert.equal(s.operations, 3);
  } finally {
    await s.close();
  }
});

test('StartTLS on ldap:// with the lab CA', async () => {
  const s = await connectDirectory({
    url: `ldap://${lab.certName}`,
    address: lab.host,
    tls: { ca, startTls: true },
    bind: { user: lab.adminUpn, password },
  });
  assert.equal(s.tlsMode, 'starttls');
  await s.close();
});

test('a simple bind over plain LDAP: Samba resets it, which means strong authentication is required', async () => {
  const e = await failure(connectDirectory({ url: lab.ldapUrl, bind: { user: lab.adminUpn, password } }));
  assert.deepEqual([e.code, e.step], ['strongAuthRequired', 'bind']);
});

test('a wrong password is invalidCredentials with data code 52e; so is an unknown user on Samba', async () => {
  const wrong = await failure(
    connectDirectory({
      url: ldaps(),
      address: lab.host,
      tls: { ca },
      bind: { user: lab.adminUpn, password: new Secret('Not-the-password-1') },
    }),
  );
  assert.deepEqual(
    [wrong.code, wrong.step, wrong.resultCode, wrong.dataCode],
    ['invalidCredentials', 'bind', 49, '52e'],
  );
  const ghost = await failure(
    connectDirectory({ url: ldaps(), address: lab.host, tls: { ca }, bind: { user: `ghost@${lab.domain}`, password } }),
  );
  assert.equal(ghost.code, 'invalidCredentials');
  // Windows DCs answer 525 for an unknown user; Samba does not tell the two apart.
  assert.ok(['525', '52e'].includes(ghost.dataCode ?? ''), ghost.dataCode);
});

test('no CA given: untrustedCertificate at the TLS step, naming the certificate and its issuer', async () => {
  const e = await failure(
    connectDirectory({ url: ldaps(), address: lab.host, bind: { user: lab.adminUpn, password } }),
  );
  assert.deepEqual([e.code, e.step], ['untrustedCertificate', 'tls']);
  assert.match(e.certificate?.subject ?? '', new RegExp(lab.certName, 'i'));
  assert.match(e.certificate?.issuer ?? '', /CA/);
});

test('a server name the certificate does not carry: nameMismatch with the names it does carry', async () => {
  const e = await failure(
    connectDirectory({ url: ldaps(), address: lab.host, tls: { ca, serverName: 'dc9.wrong.example.test' } }),
  );
  assert.equal(e.code, 'nameMismatch');
  assert.match(e.certificate?.altNames ?? '', new RegExp(`DNS:${lab.certName}`, 'i'));
});

test('nothing listening: refused; a port that accepts and never answers: timeout, both at the connect/TLS step', async () => {
  const refused = await failure(connectDirectory({ url: 'ldaps://127.0.0.1:9', tls: { ca } }));
  assert.deepEqual([refused.code, refused.step], ['refused', 'tls']);
  const sockets: Socket[] = [];
  const silent: Server = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    const t = await failure(
      connectDirectory({
        url: `ldaps://127.0.0.1:${port}`,
        tls: { ca },
        timeouts: { connectMs: 500, operationMs: 500 },
      }),
    );
    assert.equal(t.code, 'timeout');
    assert.ok(Date.now() - started < 5000);
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

test('DC discovery through the domain DNS: SRV _ldap._tcp.dc._msdcs gives the DC and its address', async () => {
  const dcs = await discoverDcs({ domain: lab.domain, dnsServers: [lab.dnsServer] });
  assert.deepEqual(
    dcs.map((d) => [d.host, d.port, d.addresses]),
    [[lab.dcHostName, 389, [lab.host]]],
  );
  const none = await failure(discoverDcs({ domain: 'absent.example.test', dnsServers: [lab.dnsServer] }));
  assert.deepEqual([none.code, none.step], ['dnsFailed', 'discovery']);
  assert.match(none.message, /_ldap\._tcp\.dc\._msdcs\.absent\.example\.test/);
});

test('the DC stopped mid-run: the next search fails as connectionLost or refused, without hanging', async () => {
  const own = await startSamba();
  const s = await connectDirectory({
    url: `ldaps://${own.certName}`,
    address: own.host,
    tls: { ca: readFileSync(own.caFile) },
    bind: { user: own.adminUpn, password: new Secret(own.adminPassword) },
  });
  await own.kill();
  const started = Date.now();
  const e = await failure(s.search(own.baseDn, { scope: 'base', attributes: ['nTMixedDomain'] }));
  assert.equal(e.step, 'search');
  assert.ok(['connectionLost', 'refused', 'timeout'].includes(e.code), e.code);
  assert.ok(Date.now() - started < 20_000);
  await s.close();
  await own.stop();
});
