/**
 * `clusterprobe iscsi discover` through the built CLI against a real tgt, cross-checked with
 * libiscsi's iscsi-ls, iscsi-inq and iscsi-readcapacity16 on the same targets.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTgt, iscsiLs, iscsiInq, iscsiReadCapacity16, iscsiUrl, type TgtLab } from '../lab/tgt.ts';
import { runCli } from '../helpers/cli.ts';
import type { Inventory } from '../../src/iscsi/inventory.ts';

const ME = 'iqn.2026-11.test.clusterprobe:discover';
const OTHER = 'iqn.2026-11.test.clusterprobe:someone-else';
const T_DISKS = 'iqn.2026-11.test:disks';
const T_CHAP = 'iqn.2026-11.test:chap';
const T_ACL = 'iqn.2026-11.test:acl';

/** libiscsi's type names for the device types we create. */
const LIBISCSI_TYPES: Record<number, string> = { 0: 'DIRECT_ACCESS', 5: 'MMC', 12: 'STORAGE_ARRAY_CONTROLLER' };

let lab: TgtLab;

before(async () => {
  lab = await startTgt();
  const disks = await lab.addTarget(T_DISKS);
  await lab.addLun(disks, 1, { sizeMiB: 64 });
  await lab.addLun(disks, 2, { sizeMiB: 16 });
  await lab.addLun(disks, 3, { sizeMiB: 8, deviceType: 'cd' });
  await lab.bindAll(disks);
  const chap = await lab.addTarget(T_CHAP);
  await lab.addLun(chap, 1, { sizeMiB: 4 });
  await lab.bindAll(chap);
  await lab.addChap(chap, 'csvuser', 'discover-secret-77');
  const acl = await lab.addTarget(T_ACL);
  await lab.addLun(acl, 1, { sizeMiB: 4 });
  await lab.bindInitiator(acl, OTHER);
});

after(async () => {
  await lab?.stop();
});

async function discover(args: string[], env: Record<string, string> = {}) {
  const r = await runCli(['iscsi', 'discover', '--portal', lab.portal, '--initiator', ME, '--json', ...args], { env });
  return { ...r, inventory: r.stdout ? (JSON.parse(r.stdout) as Inventory) : undefined };
}

test('targets, LUN types and sizes equal what libiscsi reports; a refused target is listed with its translated error', async () => {
  const { code, inventory } = await discover([]);
  assert.equal(code, 3, 'the CHAP target refused us');
  const names = inventory!.targets.map((t) => t.name).sort();
  const listed = [...(await iscsiLs(lab.portal, { initiatorName: ME })).matchAll(/Target:(\S+)/g)]
    .map((m) => m[1]!)
    .sort();
  assert.deepEqual(names, [...new Set(listed)].sort());

  assert.ok(!names.includes(T_ACL), 'tgt hides a target from initiators outside its ACL');
  const chap = inventory!.targets.find((t) => t.name === T_CHAP)!;
  assert.match(chap.error!.message, /authentication failure/);

  const disks = inventory!.targets.find((t) => t.name === T_DISKS)!;
  assert.equal(disks.error, undefined);
  assert.deepEqual(
    disks.luns.map((l) => l.lun),
    [0, 1, 2, 3],
  );
  for (const lun of disks.luns) {
    const url = iscsiUrl(lab.portal, T_DISKS, lun.lun);
    const inq = await iscsiInq(url, { initiatorName: ME });
    assert.equal(/Peripheral Device Type:(\S+)/.exec(inq)![1], LIBISCSI_TYPES[lun.deviceType], `LUN ${lun.lun} type`);
    assert.equal(lun.vendor, /Vendor:(.*)/.exec(inq)![1]!.trim());
    assert.equal(lun.product, /Product:(.*)/.exec(inq)![1]!.trim());
    assert.equal(lun.revision, /Revision:(.*)/.exec(inq)![1]!.trim());
    if (lun.deviceType === 0) {
      const total = Number(/Total size:(\d+)/.exec(await iscsiReadCapacity16(url, { initiatorName: ME }))![1]);
      assert.equal(lun.sizeBytes, total, `LUN ${lun.lun} size`);
      assert.equal(lun.blockSize, 512);
      assert.ok(
        lun.designators.some((d) => d.type === 'NAA' && d.association === 'logical-unit'),
        'an NAA identifier',
      );
    } else {
      assert.equal(lun.sizeBytes, null);
    }
  }
  assert.deepEqual(
    disks.luns.filter((l) => l.deviceType === 0).map((l) => l.sizeBytes),
    [64 * 1024 * 1024, 16 * 1024 * 1024],
  );
});

test('--target limits to one; CHAP from env: logs in, and the secret appears nowhere in the output', async () => {
  const { code, inventory, stdout, stderr } = await discover(
    ['--target', T_CHAP, '--chap-user', 'csvuser', '--chap-secret', 'env:CP_CHAP'],
    { CP_CHAP: 'discover-secret-77' },
  );
  assert.equal(code, 0, stderr);
  assert.deepEqual(
    inventory!.targets.map((t) => [t.name, t.luns.length]),
    [[T_CHAP, 2]],
  );
  assert.ok(!(stdout + stderr).includes('discover-secret-77'));
});

test('a literal CHAP secret on the command line is refused without echoing it', async () => {
  const r = await runCli([
    'iscsi',
    'discover',
    '--portal',
    lab.portal,
    '--chap-user',
    'csvuser',
    '--chap-secret',
    'discover-secret-77',
  ]);
  assert.equal(r.code, 2);
  assert.ok(!(r.stdout + r.stderr).includes('discover-secret-77'));
});

test('--target of a hidden target: the login answer says the initiator is probably not in its ACL', async () => {
  const hidden = await discover(['--target', T_ACL]);
  assert.equal(hidden.code, 3);
  const t = hidden.inventory!.targets[0]!;
  assert.equal(t.error?.code, 'EISCSILOGIN');
  assert.match(t.error!.message, /does not list/);
  assert.match(t.error!.message, /target not found/);
  assert.match(t.error!.message, new RegExp(`${ME.replace(/\./g, '\\.')} is not in its ACL`));
  const allowed = await runCli([
    'iscsi',
    'discover',
    '--portal',
    lab.portal,
    '--initiator',
    OTHER,
    '--target',
    T_ACL,
    '--json',
  ]);
  assert.equal(allowed.code, 0, 'the initiator in the ACL sees it');
});

test('the human table names every LUN', async () => {
  const human = await runCli(['iscsi', 'discover', '--portal', lab.portal, '--initiator', ME, '--target', T_DISKS], {
    env: { NO_COLOR: '1' },
  });
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^Target iqn\.2026-11\.test:disks/m);
  assert.match(
    human.stdout,
    /^\s+1\s+direct access block device\s+IET\s+VIRTUAL-DISK\s+\S+\s+64\.0 MiB\s+naa\.[0-9a-f]+$/m,
  );
});

test('an unreachable portal is a clear error, exit 3', async () => {
  const r = await runCli(['iscsi', 'discover', '--portal', '127.0.0.1:1', '--json', '--timeout', '2']);
  assert.equal(r.code, 3);
  const inv = JSON.parse(r.stdout) as Inventory;
  assert.equal(inv.error?.code, 'EISCSICONN');
  assert.match(inv.error!.message, /127\.0\.0\.1:1: connect failed: connection refused/);
});
