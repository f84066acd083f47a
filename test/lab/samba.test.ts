/**
 * The Samba lab harness itself against a real Samba AD DC (test/lab/samba.ts): provisioning,
 * its own loopback address, the directory helpers, DNS, delegation, and clean stops.
 *
 *   sh scripts/with-node.sh sh test/lab/netns.sh node --test --test-timeout=180000 test/lab/samba.test.ts
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { LabCommandError } from './tgt.ts';
import { COMPUTER_CLASS_GUID, ldifText, ldifValues, parseLdif, startSamba, type SambaLab } from './samba.ts';

let lab: SambaLab;

before(async () => {
  lab = await startSamba({ functionLevel: '2008_R2' });
});

after(async () => {
  await lab?.stop();
});

/** Inodes and local addresses of the TCP sockets listening in this network namespace. */
async function listeners(): Promise<{ address: string; port: number; inode: string }[]> {
  const out: { address: string; port: number; inode: string }[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue;
      const [hex = '', portHex = ''] = (f[1] ?? '').split(':');
      const address =
        hex.length === 8
          ? [3, 2, 1, 0].map((i) => Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.')
          : `[${hex}]`;
      out.push({ address, port: Number.parseInt(portHex, 16), inode: f[9] ?? '' });
    }
  }
  return out;
}

/** Pids whose process group is `pgid` (samba and its helpers), zombies excluded. */
async function groupMembers(pgid: number): Promise<number[]> {
  const { readdir } = await import('node:fs/promises');
  const pids: number[] = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const stat = await readFile(`/proc/${d}/stat`, 'utf8').catch(() => '');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // state ppid pgrp ...
    if (rest[0] !== 'Z' && Number(rest[2]) === pgid) pids.push(Number(d));
  }
  return pids;
}

test('rootDSE over LDAPS shows the functional levels, currentTime and the DC name', async () => {
  const [root] = parseLdif(
    await lab.ldapsearch([
      '-b',
      '',
      '-s',
      'base',
      'domainFunctionality',
      'forestFunctionality',
      'domainControllerFunctionality',
      'currentTime',
      'dnsHostName',
      'defaultNamingContext',
    ]),
  );
  assert.equal(ldifText(root, 'domainFunctionality'), '4');
  assert.equal(ldifText(root, 'forestFunctionality'), '4');
  assert.equal(ldifText(root, 'defaultNamingContext'), lab.baseDn);
  assert.equal(ldifText(root, 'dnsHostName'), lab.dcHostName);
  const time = ldifText(root, 'currentTime') ?? '';
  assert.match(time, /^\d{14}\.0Z$/);
  const dc = Date.UTC(
    +time.slice(0, 4),
    +time.slice(4, 6) - 1,
    +time.slice(6, 8),
    +time.slice(8, 10),
    +time.slice(10, 12),
    +time.slice(12, 14),
  );
  assert.ok(Math.abs(dc - Date.now()) < 60_000, `DC time ${time} is within a minute of ours`);
  assert.equal(lab.domain, 'lab.example.test');
  assert.equal(lab.netbiosDomain, 'LAB');
  assert.equal(lab.certName, 'DC1.lab.example.test');
  assert.equal(lab.caFile, `${lab.dir}/private/tls/ca.pem`);
  assert.match(lab.host, /^127\.0\.0\.\d+$/);
});

test('every socket Samba listens on is bound to the lab address only', async () => {
  const { readdir, readlink } = await import('node:fs/promises');
  const mine = new Set<string>();
  for (const pid of await groupMembers(lab.pid)) {
    for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
      const m = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/${pid}/fd/${fd}`).catch(() => ''));
      if (m?.[1]) mine.add(m[1]);
    }
  }
  const ours = (await listeners()).filter((l) => mine.has(l.inode));
  const ports = new Set(ours.map((l) => l.port));
  for (const p of [53, 88, 389, 636, 3268]) assert.ok(ports.has(p), `samba listens on ${p}: ${[...ports].join(', ')}`);
  assert.deepEqual([...new Set(ours.map((l) => l.address))], [lab.host]);
});

test('an admin password never shows in a failed command', async () => {
  await assert.rejects(lab.ldapsearch(['-b', 'DC=nowhere,DC=invalid', '-s', 'base']), (e: unknown) => {
    assert.ok(e instanceof LabCommandError);
    assert.equal(e.exitCode, 32); // noSuchObject
    assert.ok(!e.message.includes(lab.adminPassword) && !e.command.includes(lab.adminPassword));
    return true;
  });
  await assert.rejects(lab.sambaTool(['ou', 'add', 'OU=Bad,DC=nowhere,DC=invalid']), (e: unknown) => {
    assert.ok(e instanceof LabCommandError);
    assert.match(e.command, /samba-tool ou add/);
    assert.ok(!e.message.includes(lab.adminPassword) && !e.command.includes(lab.adminPassword), e.message);
    return true;
  });
});

test('an OU tree and an 18-character computer land where asked; enable and disable', async () => {
  const ou = await lab.addOu('OU=HyperV,OU=Servers');
  assert.equal(ou, `OU=HyperV,OU=Servers,${lab.baseDn}`);
  assert.equal(await lab.addOu('OU=Servers'), `OU=Servers,${lab.baseDn}`, 'adding an existing OU is fine');
  const dn = await lab.addComputer('HYPERVHOSTNODE-01A', { ou: 'OU=HyperV,OU=Servers', description: 'node A' });
  assert.equal(dn, `CN=HYPERVHOSTNODE-01A,${ou}`);
  const read = async () =>
    parseLdif(
      await lab.ldapsearch([
        '-b',
        ou,
        '(objectClass=computer)',
        'sAMAccountName',
        'dNSHostName',
        'userAccountControl',
        'description',
      ]),
    );
  let [c] = await read();
  assert.equal(c?.dn, dn);
  assert.equal(ldifText(c, 'sAMAccountName'), 'HYPERVHOSTNODE-01A$');
  assert.equal(ldifText(c, 'dNSHostName'), 'hypervhostnode-01a.lab.example.test');
  assert.equal(ldifText(c, 'description'), 'node A');
  assert.equal(ldifText(c, 'userAccountControl'), '4098', 'Samba creates computer accounts disabled');
  await lab.setComputerEnabled('HYPERVHOSTNODE-01A', true);
  [c] = await read();
  assert.equal(ldifText(c, 'userAccountControl'), '4096');
  await lab.setComputerEnabled('HYPERVHOSTNODE-01A', false);
  [c] = await read();
  assert.equal(ldifText(c, 'userAccountControl'), '4098');
  const plain = await lab.addComputer('PLAIN01', { enabled: true, dnsHostName: null });
  assert.equal(plain, `CN=PLAIN01,CN=Computers,${lab.baseDn}`);
  const [p] = parseLdif(await lab.ldapsearch(['-b', plain, '-s', 'base', 'userAccountControl', 'dNSHostName']));
  assert.equal(ldifText(p, 'userAccountControl'), '4096');
  assert.equal(ldifText(p, 'dNSHostName'), undefined);
});

test('bulk computers are valid computer objects', async () => {
  await lab.addOu('OU=Bulk');
  const names = Array.from({ length: 200 }, (_, i) => `BULKNODE${String(i).padStart(4, '0')}`);
  await lab.addComputersBulk(names, 'OU=Bulk');
  const entries = parseLdif(
    await lab.ldapsearch([
      '-b',
      lab.dn('OU=Bulk'),
      '-E',
      'pr=100/noprompt',
      '(objectClass=computer)',
      'sAMAccountName',
      'dNSHostName',
      'objectSid',
      'sAMAccountType',
      'userAccountControl',
    ]),
  );
  assert.equal(entries.length, 200);
  const e = entries.find((x) => ldifText(x, 'sAMAccountName') === 'BULKNODE0199$');
  assert.equal(ldifText(e, 'dNSHostName'), 'bulknode0199.lab.example.test');
  assert.equal(ldifText(e, 'sAMAccountType'), '805306369'); // SAM_MACHINE_ACCOUNT
  assert.equal(ldifText(e, 'userAccountControl'), '4096');
  assert.equal(ldifValues(e, 'objectSid')[0]?.length, 28);
});

test('mixed mode toggles nTMixedDomain on the domain head', async () => {
  const read = async () =>
    ldifText(parseLdif(await lab.ldapsearch(['-b', lab.baseDn, '-s', 'base', 'nTMixedDomain']))[0], 'nTMixedDomain');
  assert.equal(await read(), '0');
  await lab.setMixedMode(true);
  assert.equal(await read(), '1');
  await lab.setMixedMode(false);
  assert.equal(await read(), '0');
});

test("an A record added is resolved through the DC's DNS by Node's Resolver", async () => {
  const r = new Resolver({ timeout: 2000, tries: 2 });
  r.setServers([lab.dnsServer]);
  await assert.rejects(r.resolve4(`hv01.${lab.domain}`), /ENOTFOUND|ENODATA/);
  await lab.addDnsA('hv01', '127.0.0.41');
  assert.deepEqual(await r.resolve4(`hv01.${lab.domain}`), ['127.0.0.41']);
  assert.deepEqual(await r.resolve4(lab.dcHostName), [lab.host], 'the DC record follows the lab address');
  await lab.deleteDnsA('hv01', '127.0.0.41');
  await assert.rejects(r.resolve4(`hv01.${lab.domain}`), /ENOTFOUND|ENODATA/);
});

test('the granted user can create a computer in the OU, a plain user cannot', async () => {
  const ou = await lab.addOu('OU=Cluster,OU=Servers');
  await lab.addUser('cnoadmin', 'Cno-pass-12345', { ou: 'OU=Servers' });
  await lab.addUser('plainuser', 'Plain-pass-12345');
  const ace = await lab.grantCreateComputer('cnoadmin', ou);
  const sid = await lab.sidOf('cnoadmin');
  assert.equal(ace, `(OA;;CC;${COMPUTER_CLASS_GUID};;${sid})`);
  assert.ok((await lab.sddl(ou)).toLowerCase().includes(ace.toLowerCase()));
  const entry = (name: string) =>
    `dn: CN=${name},${ou}\nobjectClass: computer\nsAMAccountName: ${name}$\nuserAccountControl: 4096\n`;
  await lab.add(entry('CLUSTER-CNO'), { bindDn: `cnoadmin@${lab.domain}`, password: 'Cno-pass-12345' });
  const [c] = parseLdif(await lab.ldapsearch(['-b', `CN=CLUSTER-CNO,${ou}`, '-s', 'base', 'sAMAccountName']));
  assert.equal(ldifText(c, 'sAMAccountName'), 'CLUSTER-CNO$');
  await assert.rejects(
    lab.add(entry('CLUSTER-CN2'), { bindDn: `plainuser@${lab.domain}`, password: 'Plain-pass-12345' }),
    (e: unknown) => {
      assert.ok(e instanceof LabCommandError);
      assert.equal(e.exitCode, 50, e.message); // insufficientAccessRights
      assert.ok(!e.message.includes('Plain-pass-12345'));
      return true;
    },
  );
});

test('two labs run side by side on their own addresses', async () => {
  const other = await startSamba({ functionLevel: '2003' });
  try {
    assert.notEqual(other.host, lab.host);
    assert.notEqual(other.dir, lab.dir);
    const [a] = parseLdif(await lab.ldapsearch(['-b', '', '-s', 'base', 'domainFunctionality']));
    const [b] = parseLdif(await other.ldapsearch(['-b', '', '-s', 'base', 'domainFunctionality']));
    assert.equal(ldifText(a, 'domainFunctionality'), '4');
    assert.equal(ldifText(b, 'domainFunctionality'), '2');
    await other.addOu('OU=OnlyInOther');
    await assert.rejects(
      lab.ldapsearch(['-b', lab.dn('OU=OnlyInOther'), '-s', 'base']),
      (e: unknown) => e instanceof LabCommandError && e.exitCode === 32,
    );
    await other.raiseLevel({ domain: '2008', forest: '2008' });
    const [c] = parseLdif(
      await other.ldapsearch(['-b', '', '-s', 'base', 'domainFunctionality', 'forestFunctionality']),
    );
    assert.equal(ldifText(c, 'domainFunctionality'), '3');
    assert.equal(ldifText(c, 'forestFunctionality'), '3');
  } finally {
    await other.stop();
  }
});

test('kill() stops the DC mid-run; stop() leaves no samba process and no directory', async () => {
  const l = await startSamba({ functionLevel: '2008_R2' });
  assert.ok((await groupMembers(l.pid)).length >= 1);
  await l.kill();
  assert.deepEqual(await groupMembers(l.pid), []);
  await assert.rejects(l.ldapsearch(['-b', '', '-s', 'base']), /not running/);
  assert.ok(existsSync(l.dir), 'kill keeps the directory');
  await l.stop();
  assert.ok(!existsSync(l.dir));
  const l2 = await startSamba();
  const pid = l2.pid;
  await l2.stop();
  assert.deepEqual(await groupMembers(pid), []);
  assert.equal((await listeners()).filter((x) => x.address === l2.host).length, 0);
});
