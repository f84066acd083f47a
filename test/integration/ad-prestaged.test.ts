/**
 * Computer objects prestaged under a node's whole name, in a real Samba AD DC (test/lab/samba.ts),
 * found by `validate --only 'ad.*'`: `samba-tool computer add` with an 18-character name (account
 * name NAME$, no dNSHostName, as New-ADComputer -Name and ADUC make them), objects added with
 * ldapmodify (a long cn with another account name; a 20-character account name with another cn),
 * and two nodes that share their first 15 characters. Windows joins as the NetBIOS name with $,
 * so none of these objects is the account a join uses: the checks find them by name, say so, and
 * print the fix, which is then applied (the printed Samba command) and found by account.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startSamba, type SambaLab } from '../lab/samba.ts';
import { validateAd, type AdRun } from '../helpers/ad-validate.ts';
import type { Finding } from '../../src/engine/report.ts';

let lab: SambaLab;
const USER_PASSWORD = 'Cluster-adm-12345';

before(async () => {
  lab = await startSamba({});
  await lab.addOu('OU=Prestaged,OU=Servers');
  await lab.addUser('clusteradm', USER_PASSWORD, { ou: 'OU=Servers' });
});

after(async () => {
  await lab?.stop();
});

function validate(cluster: string, nodes: readonly string[]): Promise<AdRun> {
  const lines = [
    `cluster: { name: ${cluster}, windowsVersion: "2019" }`,
    'nodes:',
    ...nodes.map((n) => `  - { name: ${n} }`),
  ];
  return validateAd(lab, lines, { user: `clusteradm@${lab.domain}`, password: USER_PASSWORD });
}

function commands(f: Finding, shell?: string): string[] {
  return (f.remediation?.steps ?? []).flatMap((s) =>
    (s.commands ?? []).filter((c) => !shell || c.shell === shell).map((c) => c.command),
  );
}

/** Runs a printed Samba command on the lab's DC: its sam.ldb instead of the default path. */
async function runOnDc(command: string): Promise<void> {
  assert.match(command, /\| ldbmodify -H \/var\/lib\/samba\/private\/sam\.ldb$/);
  await promisify(execFile)(
    'sh',
    ['-c', command.replace('/var/lib/samba/private/sam.ldb', join(lab.dir, 'private', 'sam.ldb'))],
    { timeout: 30_000 },
  );
}

test('samba-tool computer add with an 18-character name: found by name, the join will not use it; every check judges it; the printed fix makes it the account', async () => {
  const ou = 'OU=Prestaged,OU=Servers';
  const dn = await lab.addComputer('CONTOSO-HV-NODE-A1', { ou, dnsHostName: null });
  const r = await validate('CONTOSOCLU1', ['CONTOSO-HV-NODE-A1']);
  assert.equal(r.code, 3);

  const account = r.find('ad.computer.account', 'prestagedByName', 'CONTOSO-HV-NODE-A1');
  assert.equal(account.status, 'fail');
  assert.deepEqual(
    [account.data.dn, account.data.objectAccount, account.data.account, account.data.matchedBy],
    [dn, 'CONTOSO-HV-NODE-A1$', 'CONTOSO-HV-NODE$', 'name'],
  );
  const target = String(account.data.suggested);
  assert.ok(target.length <= 15 && target !== 'CONTOSO-HV-NODE', target);
  assert.ok(
    commands(account).includes(
      `Set-ADComputer -Identity '${dn}' -SamAccountName '${target}$' -PassThru | Rename-ADObject -NewName '${target}'`,
    ),
    commands(account).join('\n'),
  );
  assert.ok(commands(account).includes(`Rename-Computer -NewName '${target}' -Restart`));
  // A unique long name may also keep its name and give the object the truncated account name.
  assert.ok(
    commands(account).includes(`Set-ADComputer -Identity '${dn}' -SamAccountName 'CONTOSO-HV-NODE$'`),
    commands(account).join('\n'),
  );

  assert.deepEqual(
    r.of('ad.netbios.name').filter(([, , s]) => s === 'CONTOSO-HV-NODE-A1'),
    [['fail', 'longAccountNameByName', 'CONTOSO-HV-NODE-A1']],
  );
  assert.equal(
    r.find('ad.netbios.name', 'longAccountNameByName').data.suggested,
    target,
    'the same rename as ad.computer.account',
  );
  // Placed, not skipped: the object is in OU=Prestaged, and the cluster name goes there.
  assert.deepEqual(r.of('ad.ou.placement'), [['pass', 'sameOu', lab.dn(ou)]]);
  assert.deepEqual(r.find('ad.ou.placement', 'sameOu').data.matchedByName, ['CONTOSO-HV-NODE-A1']);
  const cno = r.find('ad.cno.readiness', 'cannotCreate');
  assert.equal(cno.data.ou, lab.dn(ou));
  assert.deepEqual(cno.data.nodesMatchedByName, ['CONTOSO-HV-NODE-A1']);

  // The printed Samba fix, run on the DC: the object now bears the new name as its account and cn.
  const fix = commands(account, 'sh').find((c) => c.includes(`'${target}$'`));
  assert.ok(fix, commands(account, 'sh').join('\n'));
  await runOnDc(fix);
  const after = await validate('CONTOSOCLU1', [target]);
  assert.deepEqual(
    after.of('ad.computer.account'),
    [['fail', 'disabled', target]],
    'found by account now (samba-tool creates it disabled)',
  );
  assert.equal(after.find('ad.computer.account', 'disabled').data.dn, lab.dn(`CN=${target},${ou}`));
  assert.deepEqual(
    after.of('ad.netbios.name').filter(([, , s]) => s === target),
    [['pass', 'matches', target]],
  );
  assert.deepEqual(after.find('ad.ou.placement', 'sameOu').data.matchedByName, []);
});

test('ldapmodify: a long cn with another account name, and a 20-character account name with another cn, are both found by name', async () => {
  const parent = lab.dn('OU=Prestaged,OU=Servers');
  const byCn = `CN=FABRIKAM-HV-NODE-B1,${parent}`;
  const bySam = `CN=PRESTAGED-C19,${parent}`;
  await lab.add(`dn: ${byCn}\nobjectClass: computer\nsAMAccountName: FABHVB1-OLD$\nuserAccountControl: 4098\n`);
  await lab.add(
    `dn: ${bySam}\nobjectClass: computer\nsAMAccountName: NORTHWND-HV-NODE-C1$\nuserAccountControl: 4098\n`,
  );
  assert.equal('NORTHWND-HV-NODE-C1$'.length, 20);

  const r = await validate('FABCLU1', ['FABRIKAM-HV-NODE-B1', 'NORTHWND-HV-NODE-C1']);
  const b1 = r.find('ad.computer.account', 'prestagedByName', 'FABRIKAM-HV-NODE-B1');
  assert.deepEqual([b1.data.dn, b1.data.objectAccount, b1.data.account], [byCn, 'FABHVB1-OLD$', 'FABRIKAM-HV-NOD$']);
  const c1 = r.find('ad.computer.account', 'prestagedByName', 'NORTHWND-HV-NODE-C1');
  assert.deepEqual(
    [c1.data.dn, c1.data.objectAccount, c1.data.objectAccountLength, c1.data.account],
    [bySam, 'NORTHWND-HV-NODE-C1$', 19, 'NORTHWND-HV-NOD$'],
  );
  // The object's cn is not the host name: the fix renames it too, so that the next run finds it by account.
  assert.ok(
    commands(c1).includes(
      `Set-ADComputer -Identity '${bySam}' -SamAccountName 'NORTHWND-HV-NOD$' -PassThru | Rename-ADObject -NewName 'NORTHWND-HV-NODE-C1'`,
    ),
    commands(c1).join('\n'),
  );

  assert.deepEqual(
    r.of('ad.netbios.name').filter(([s]) => s !== 'pass'),
    [
      ['fail', 'differentByName', 'FABRIKAM-HV-NODE-B1'],
      ['fail', 'longAccountNameByName', 'NORTHWND-HV-NODE-C1'],
    ],
  );
  assert.deepEqual(r.of('ad.ou.placement'), [['pass', 'sameOu', parent]]);
  assert.deepEqual(r.find('ad.ou.placement', 'sameOu').data.matchedByName, [
    'FABRIKAM-HV-NODE-B1',
    'NORTHWND-HV-NODE-C1',
  ]);

  // Keeping the long name: the printed fix gives C1's object the truncated account name and its host name as cn.
  const keep = commands(c1, 'sh').find((c) => c.includes("'NORTHWND-HV-NOD$'"));
  assert.ok(keep, commands(c1, 'sh').join('\n'));
  await runOnDc(keep);
  const after = await validate('FABCLU1', ['FABRIKAM-HV-NODE-B1', 'NORTHWND-HV-NODE-C1']);
  assert.deepEqual(
    after.of('ad.computer.account').filter(([, , s]) => s === 'NORTHWND-HV-NODE-C1'),
    [['fail', 'disabled', 'NORTHWND-HV-NODE-C1']],
  );
  assert.equal(after.find('ad.computer.account', 'disabled').data.dn, `CN=NORTHWND-HV-NODE-C1,${parent}`);
  assert.deepEqual(
    after.of('ad.netbios.name').filter(([, , s]) => s === 'NORTHWND-HV-NODE-C1'),
    [['warn', 'truncated', 'NORTHWND-HV-NODE-C1']],
  );
});

test('two nodes prestaged under names that share their first 15 characters: both objects found, the collision on one account named', async () => {
  const ou = 'OU=Prestaged,OU=Servers';
  const x1 = await lab.addComputer('ADVENTUREHVNODE-X1', { ou, dnsHostName: null });
  const x2 = await lab.addComputer('ADVENTUREHVNODE-X2', { ou, dnsHostName: null });
  const r = await validate('ADVCLU1', ['ADVENTUREHVNODE-X1', 'ADVENTUREHVNODE-X2']);
  assert.equal(r.code, 3);

  assert.deepEqual(r.of('ad.computer.account'), [
    ['fail', 'prestagedByNameShared', 'ADVENTUREHVNODE-X1'],
    ['fail', 'prestagedByNameShared', 'ADVENTUREHVNODE-X2'],
  ]);
  const f1 = r.find('ad.computer.account', 'prestagedByNameShared', 'ADVENTUREHVNODE-X1');
  const f2 = r.find('ad.computer.account', 'prestagedByNameShared', 'ADVENTUREHVNODE-X2');
  assert.deepEqual([f1.data.dn, f1.data.account, f1.data.sharedWith], [x1, 'ADVENTUREHVNODE$', ['ADVENTUREHVNODE-X2']]);
  assert.deepEqual([f2.data.dn, f2.data.account, f2.data.sharedWith], [x2, 'ADVENTUREHVNODE$', ['ADVENTUREHVNODE-X1']]);
  // Each gets its own unique name; no "keep the name" option, since the two would still collide.
  assert.notEqual(f1.data.suggested, f2.data.suggested);
  for (const f of [f1, f2]) {
    assert.ok(!commands(f).some((c) => c.includes("-SamAccountName 'ADVENTUREHVNODE$'")), commands(f).join('\n'));
    assert.ok(
      commands(f).some((c) =>
        c.startsWith(`Set-ADComputer -Identity '${f.data.dn}' -SamAccountName '${f.data.suggested}$'`),
      ),
    );
  }

  const collision = r.find('ad.netbios.collision', 'namesCollide');
  assert.deepEqual(
    [collision.subject, collision.data.hosts],
    ['ADVENTUREHVNODE', ['ADVENTUREHVNODE-X1', 'ADVENTUREHVNODE-X2']],
  );
  assert.deepEqual(collision.data.prestagedByName, [
    { host: 'ADVENTUREHVNODE-X1', dn: x1, sAMAccountName: 'ADVENTUREHVNODE-X1$' },
    { host: 'ADVENTUREHVNODE-X2', dn: x2, sAMAccountName: 'ADVENTUREHVNODE-X2$' },
  ]);
  assert.deepEqual(
    collision.data.suggestions,
    { 'ADVENTUREHVNODE-X1': f1.data.suggested, 'ADVENTUREHVNODE-X2': f2.data.suggested },
    'the same renames in both checks',
  );
  assert.deepEqual(
    r.of('ad.netbios.name').filter(([s]) => s !== 'pass'),
    [
      ['fail', 'longAccountNameByName', 'ADVENTUREHVNODE-X1'],
      ['fail', 'longAccountNameByName', 'ADVENTUREHVNODE-X2'],
    ],
  );
  assert.deepEqual(r.of('ad.ou.placement'), [['pass', 'sameOu', lab.dn(ou)]]);
});

test('a cluster name object prestaged under another account name (cn = cluster name): New-Cluster will not use it; the printed fix makes it the prestaged CNO', async () => {
  const ou = 'OU=Prestaged,OU=Servers';
  await lab.addComputer('CLU2NODE1', { ou, enabled: true });
  const cnoDn = `CN=CONTOSOCLU2,${lab.dn(ou)}`;
  await lab.add(`dn: ${cnoDn}\nobjectClass: computer\nsAMAccountName: CLU2-OLD$\nuserAccountControl: 4098\n`);
  const r = await validate('CONTOSOCLU2', ['clu2node1']);
  assert.deepEqual(r.of('ad.cno.readiness'), [
    ['fail', 'prestagedByName', 'CONTOSOCLU2'],
    ['fail', 'cannotCreate', 'CONTOSOCLU2'],
  ]);
  const f = r.find('ad.cno.readiness', 'prestagedByName');
  assert.deepEqual([f.data.dn, f.data.account, f.data.expected], [cnoDn, 'CLU2-OLD$', 'CONTOSOCLU2$']);
  assert.ok(
    commands(f).includes(`Set-ADComputer -Identity '${cnoDn}' -SamAccountName 'CONTOSOCLU2$'`),
    commands(f).join('\n'),
  );

  const fix = commands(f, 'sh').find((c) => c.includes('ldbmodify'));
  assert.ok(fix, commands(f, 'sh').join('\n'));
  await runOnDc(fix);
  const after = await validate('CONTOSOCLU2', ['clu2node1']);
  // Now the prestaged cluster name object, found by account: clusteradm has no Full Control on it yet.
  assert.deepEqual(after.of('ad.cno.readiness'), [['fail', 'prestagedNoFullControl', 'CONTOSOCLU2']]);
  assert.equal(after.find('ad.cno.readiness', 'prestagedNoFullControl').data.dn, cnoDn);
});
