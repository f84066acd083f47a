/**
 * The storage checks through `clusterprobe validate --only 'storage.*'` against a real tgt:
 * reachability, logins as each node identity (ACL, CHAP), and the LUN inventory.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startTgt, type TgtLab } from '../lab/tgt.ts';
import { runCli, tempFiles } from '../helpers/cli.ts';
import type { Report } from '../../src/engine/report.ts';

const HV01 = 'iqn.1991-05.com.microsoft:hv01.lab.example.test';
const HV02 = 'iqn.1991-05.com.microsoft:hv02.lab.example.test';
const T_OPEN = 'iqn.2026-11.test:storage-open';
const T_ACL = 'iqn.2026-11.test:storage-acl';
const T_CHAP = 'iqn.2026-11.test:storage-chap';

let lab: TgtLab;
let closedPort: number;

before(async () => {
  lab = await startTgt();
  const open = await lab.addTarget(T_OPEN);
  await lab.addLun(open, 1, { sizeMiB: 32 });
  await lab.addLun(open, 2, { sizeMiB: 8, deviceType: 'cd' });
  await lab.bindAll(open);
  const acl = await lab.addTarget(T_ACL);
  await lab.addLun(acl, 1, { sizeMiB: 8 });
  await lab.bindInitiator(acl, HV01);
  const chap = await lab.addTarget(T_CHAP);
  await lab.addLun(chap, 1, { sizeMiB: 8 });
  await lab.bindAll(chap);
  await lab.addChap(chap, 'csvuser', 'storage-secret-42');
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
});

after(async () => {
  await lab?.stop();
});

function spec(): string {
  return `nodes:
  - { name: hv01, fqdn: hv01.lab.example.test, iqn: ${HV01} }
  - { name: hv02, fqdn: hv02.lab.example.test }
storage:
  iscsi:
    - portal: ${lab.portal}
      targets: [${T_OPEN}, ${T_ACL}]
    - portal: ${lab.portal}
      targets: [${T_CHAP}]
      chap: { user: csvuser, secret: env:CP_STORAGE_CHAP }
    - portal: 127.0.0.1:${closedPort}
`;
}

async function validate(env: Record<string, string>): Promise<{ code: number | null; report: Report; stderr: string }> {
  const dir = await tempFiles({ 'cluster.yaml': spec() });
  const r = await runCli(['validate', '--config', join(dir, 'cluster.yaml'), '--only', 'storage.*', '--json'], { env });
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}

const pick = (report: Report, checkId: string) =>
  report.findings.filter((f) => f.checkId === checkId).map((f) => [f.subject, f.status, f.messageId]);

test('reachability, logins per node identity and the LUN inventory, as tgt really answers', async () => {
  const { code, report, stderr } = await validate({ CP_STORAGE_CHAP: 'storage-secret-42' });
  assert.equal(code, 3, stderr);
  assert.deepEqual(pick(report, 'storage.portal.reachable'), [
    [lab.portal, 'pass', 'reachable'],
    [lab.portal, 'pass', 'reachable'],
    [`127.0.0.1:${closedPort}`, 'fail', 'refused'],
  ]);
  assert.deepEqual(pick(report, 'storage.target.login'), [
    [`${T_OPEN} hv01`, 'pass', 'loggedIn'],
    [`${T_OPEN} hv02`, 'pass', 'loggedIn'],
    [`${T_ACL} hv01`, 'pass', 'loggedIn'],
    [`${T_ACL} hv02`, 'fail', 'aclMissing'],
    [`${T_CHAP} hv01`, 'pass', 'loggedIn'],
    [`${T_CHAP} hv02`, 'pass', 'loggedIn'],
  ]);
  const acl = report.findings.find((f) => f.messageId === 'aclMissing')!;
  assert.equal(acl.data.initiator, HV02, 'the derived Windows default name');
  assert.equal(acl.data.derived, true);
  assert.deepEqual(pick(report, 'storage.lun.inventory'), [
    [`${T_OPEN} LUN 0`, 'skipped', 'notDisk'],
    [`${T_OPEN} LUN 1`, 'pass', 'disk'],
    [`${T_OPEN} LUN 2`, 'skipped', 'notDisk'],
    [`${T_ACL} LUN 0`, 'skipped', 'notDisk'],
    [`${T_ACL} LUN 1`, 'pass', 'disk'],
    [`${T_CHAP} LUN 0`, 'skipped', 'notDisk'],
    [`${T_CHAP} LUN 1`, 'pass', 'disk'],
  ]);
  assert.equal(report.findings.find((f) => f.subject === `${T_OPEN} LUN 1`)!.data.sizeBytes, 32 * 1024 * 1024);
  // tgt derives NAA identifiers from tid and LUN: distinct here, one tgt host.
  assert.deepEqual(pick(report, 'storage.lun.identity'), [
    [`${T_OPEN} LUN 1`, 'pass', 'unique'],
    [`${T_ACL} LUN 1`, 'pass', 'unique'],
    [`${T_CHAP} LUN 1`, 'pass', 'unique'],
  ]);
  assert.deepEqual(pick(report, 'storage.lun.visibility'), [
    [T_OPEN, 'pass', 'sameDisks'],
    [T_ACL, 'skipped', 'noComparison'],
    [T_CHAP, 'pass', 'sameDisks'],
  ]);
});

test('a wrong CHAP secret fails as chapFailed naming the user; an unset one as secretMissing; neither value is printed', async () => {
  const wrong = await validate({ CP_STORAGE_CHAP: 'not-the-secret-77' });
  assert.deepEqual(
    pick(wrong.report, 'storage.target.login').filter(([s]) => String(s).startsWith(T_CHAP)),
    [
      [`${T_CHAP} hv01`, 'fail', 'chapFailed'],
      [`${T_CHAP} hv02`, 'fail', 'chapFailed'],
    ],
  );
  assert.ok(!JSON.stringify(wrong.report).includes('not-the-secret-77'));
  const unset = await validate({});
  assert.ok(
    pick(unset.report, 'storage.target.login').some(([, status, id]) => status === 'fail' && id === 'secretMissing'),
  );
});

test('without a terminal, progress names each target and identity, and each PR step per LUN, as plain lines', async () => {
  const dir = await tempFiles({ 'cluster.yaml': spec() });
  const r = await runCli(['validate', '--config', join(dir, 'cluster.yaml'), '--only', 'storage.*'], {
    env: { CP_STORAGE_CHAP: 'storage-secret-42', NO_COLOR: '1' },
  });
  assert.match(r.stderr, new RegExp(`\\[OUTPUT\\] ${lab.portal.replace(/\./g, '\\.')}: ${T_ACL} as hv02`));
  assert.match(r.stderr, new RegExp(`\\[OUTPUT\\] ${T_OPEN} LUN 1: B PR OUT / PREEMPT`));
  assert.doesNotMatch(r.stderr, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
});
