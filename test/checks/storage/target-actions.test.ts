/**
 * The plan actions of the storage checks (checks/storage/lib/target-actions.ts): which findings
 * contribute `replace-lun:*` and `target-acl:*`, with a script only where INQUIRY says for certain
 * which target software to drive; and that the two checks finding one LUN give the plan one action.
 * runCheck validates every fragment (shellcheck, hostile values).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import inventory from '../../../checks/storage/lun-inventory.ts';
import prSupport from '../../../checks/storage/pr-support.ts';
import targetLogin from '../../../checks/storage/target-login.ts';
import { runCheck } from '../../helpers/run-check.ts';
import { buildPlan } from '../../../src/engine/plan.ts';
import type { Finding } from '../../../src/engine/report.ts';
import type { PrDiskFact } from '../../../src/facts/index.ts';
import { A, B, facts, login, lun, portal, target } from './facts.ts';

const T = 'iqn.2026-11.test:csv1';
const C = { ...B, derived: false };

const cdLun = (vendor: string) =>
  lun(2, { deviceType: 5, deviceTypeName: 'CD/DVD device', sizeBytes: null, vendor, product: 'VIRTUAL-CDROM' });

async function inventoryOf(vendor: string): Promise<Finding> {
  const found = await runCheck(
    inventory,
    facts([portal({ targets: [{ ...target(T, [login(A, { luns: [lun(1), cdLun(vendor)] })]), listedLuns: [1, 2] }] })]),
  );
  return found.find((f) => f.messageId === 'listedNotDisk')!;
}

function prDisk(over: Partial<PrDiskFact>): PrDiskFact {
  return {
    portal: '10.0.0.20:3260',
    target: T,
    lun: 2,
    vendor: 'IET',
    product: 'VIRTUAL-CDROM',
    outcome: 'notImplemented',
    steps: [],
    keysBefore: [],
    keysLeft: [],
    identities: { A: A.initiator, B: C.initiator },
    scsi2: 'notSupported',
    ...over,
  };
}

async function prOf(disks: PrDiskFact[]): Promise<Finding[]> {
  return runCheck(prSupport, { 'storage.pr': { run: '0badcafe', disks } });
}

test('a tgt CD LUN named in luns: contributes replace-lun with the tgt script; the backing store is a parameter without default', async () => {
  const f = await inventoryOf('IET');
  const actions = f.remediation!.actions!;
  assert.deepEqual(
    actions.map((a) => [a.key, a.runsOn, a.disruption, a.restart, a.reversible]),
    [[`replace-lun:${T}:2`, 'storage', 'none', false, true]],
  );
  const script = actions[0]!.script!;
  assert.equal(script.powershell, undefined, 'tgt is driven from its own host: sh only');
  assert.equal(script.sh!.system, 'tgt');
  assert.deepEqual(
    script.params!.map((p) => [p.name, p.default, p.secret]),
    [['LunBackingStoreLun2Td4d62385', undefined, undefined]],
  );
  assert.match(script.sh!.apply, /--device-type disk --backing-store "\$LUN_BACKING_STORE_LUN2_TD4D62385"/);
  assert.match(script.sh!.apply, /--op delete --tid "\$cp_tid" --lun 2/);
  assert.match(script.sh!.test, /"Type:".*grep -qx disk$/);
  assert.doesNotMatch(script.sh!.apply + script.sh!.test, /<[a-z]/, 'no placeholder in a fragment');
});

test('a CD LUN of unknown target software contributes no action: which tool to drive is not certain', async () => {
  const f = await inventoryOf('ACME');
  assert.equal(f.messageId, 'listedNotDisk');
  assert.equal(f.remediation!.actions, undefined);
});

test('storage.pr.support contributes the same replace-lun for a tgt CD LUN, and none for an IET disk, LIO, or a local device', async () => {
  const found = await prOf([
    prDisk({}),
    prDisk({ lun: 1, product: 'VIRTUAL-DISK' }),
    prDisk({ lun: 3, vendor: 'LIO-ORG', product: 'csv3' }),
    prDisk({ portal: 'local', target: '/dev/sde', lun: 0, devices: ['/dev/sde'] }),
  ]);
  assert.deepEqual(
    found.map((f) => [f.subject, f.messageId, (f.remediation?.actions ?? []).map((a) => a.key)]),
    [
      [`${T} LUN 2`, 'notImplemented', [`replace-lun:${T}:2`]],
      [`${T} LUN 1`, 'notImplemented', []],
      [`${T} LUN 3`, 'notImplemented', []],
      ['/dev/sde', 'notImplemented', []],
    ],
  );
  const inv = await inventoryOf('IET');
  assert.deepEqual(found[0]!.remediation!.actions, inv.remediation!.actions, 'one descriptor, whoever contributes it');
});

test('the plan has one replace-lun action resolving both findings of the LUN', async () => {
  const inv = await inventoryOf('IET');
  const [pr] = await prOf([prDisk({})]);
  const plan = buildPlan([inv, pr!]);
  assert.deepEqual(
    plan.actions.map((a) => [a.key, a.resolves.map((r) => [r.finding, r.checkId])]),
    [
      [
        `replace-lun:${T}:2`,
        [
          [0, 'storage.lun.inventory'],
          [1, 'storage.pr.support'],
        ],
      ],
    ],
  );
});

test('an initiator missing from the access list contributes target-acl: tgt or targetcli by what the LUNs say, none for a derived name', async () => {
  const refused = { status: 'not-found' as const, statusClass: 2, statusDetail: 3, luns: undefined };
  const aclOf = async (allowedLuns: ReturnType<typeof lun>[] | undefined, who = C) => {
    const found = await runCheck(
      targetLogin,
      facts([
        portal({ targets: [target(T, [login(A, allowedLuns ? { luns: allowedLuns } : {}), login(who, refused)])] }),
      ]),
    );
    const f = found.find((x) => x.messageId === 'aclMissing')!;
    return f.remediation!.actions;
  };
  // facts.ts's default LUNs are tgt's: LUN 0 a controller answering "IET".
  const tgt = (await aclOf(undefined))!;
  assert.deepEqual(
    tgt.map((a) => [a.key, a.runsOn, a.disruption]),
    [[`target-acl:${T}:${C.initiator}`, 'storage', 'none']],
  );
  assert.equal(tgt[0]!.script!.sh!.system, 'tgt');
  assert.match(tgt[0]!.script!.sh!.apply, new RegExp(`--op bind --tid "\\$cp_tid" --initiator-name '${C.initiator}'`));
  assert.equal(tgt[0]!.script!.params, undefined);

  const lio = (await aclOf([lun(0, { vendor: 'LIO-ORG', product: 'csv0' })]))!;
  assert.equal(lio[0]!.script!.sh!.system, 'targetcli');
  assert.match(lio[0]!.script!.sh!.apply, new RegExp(`^targetcli '/iscsi/${T}/tpg1/acls' create '${C.initiator}'`));

  // "IET" disks alone are tgt or IET (OpenFiler): the tgt form, which skips itself where tgtadm is missing.
  const ietDisks = (await aclOf([lun(1), lun(2)]))!;
  assert.equal(ietDisks[0]!.script!.sh!.system, 'tgt');
  // Another vendor's disks: the action stands, to be done by hand.
  const unknown = (await aclOf([lun(1, { vendor: 'NETAPP', product: 'LUN C-Mode' })]))!;
  assert.equal(unknown[0]!.key, `target-acl:${T}:${C.initiator}`);
  assert.equal(unknown[0]!.script, undefined);

  assert.equal(await aclOf(undefined, B), undefined, 'a derived initiator name may not be the real one');
});
