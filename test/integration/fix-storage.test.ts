/**
 * The storage actions' sh fragments round-trip against a real tgt: the plan of a report
 * (`validate --only 'storage.*'`) names `target-acl:*` and `replace-lun:*`; each fragment's `test`
 * says "not done", `apply` (as `clusterprobe fix` runs it: `set -eu`, the parameters in the
 * environment) changes tgt, `test` then says "done", and validating again passes the findings the
 * actions resolved. libiscsi (an initiator independent of ours) confirms the new disk's
 * persistent reservations.
 *
 * The fragments call plain `tgtadm`, as on a tgt host; the lab's tgtd listens on its own control
 * port, so a `tgtadm` first on PATH adds `-C <port>` (the only difference from a real host).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTool, iscsiUrl, startTgt, type TgtLab } from '../lab/tgt.ts';
import { prBench } from '../lab/libiscsi.ts';
import { runCli, tempFiles } from '../helpers/cli.ts';
import { shVariable } from '../../src/engine/action.ts';
import type { PlannedAction, Report } from '../../src/engine/report.ts';
import { targetAclAction } from '../../checks/storage/lib/target-actions.ts';

const HV01 = 'iqn.1991-05.com.microsoft:hv01.lab.example.test';
const HV02 = 'iqn.1991-05.com.microsoft:hv02.lab.example.test';
const T_CD = 'iqn.2026-11.test:fix-cd';
const T_ACL = 'iqn.2026-11.test:fix-acl';

let lab: TgtLab;
let bin: string;
let newDisk: string;

before(async () => {
  lab = await startTgt();
  const cd = await lab.addTarget(T_CD);
  await lab.addLun(cd, 1, { sizeMiB: 8 });
  await lab.addLun(cd, 2, { sizeMiB: 8, deviceType: 'cd' });
  await lab.bindInitiator(cd, HV01);
  await lab.bindInitiator(cd, HV02);
  const acl = await lab.addTarget(T_ACL);
  await lab.addLun(acl, 1, { sizeMiB: 8 });
  await lab.bindInitiator(acl, HV01);
  bin = await mkdtemp(join(tmpdir(), 'cp-fix-storage-'));
  await writeFile(join(bin, 'tgtadm'), `#!/bin/sh\nexec ${findTool('tgtadm')} -C ${lab.controlPort} "$@"\n`);
  await chmod(join(bin, 'tgtadm'), 0o755);
  newDisk = join(lab.dir, 'new-disk.img');
  await writeFile(newDisk, Buffer.alloc(0));
  spawnSync('truncate', ['-s', '16M', newDisk]);
});

after(async () => {
  await lab?.stop();
  if (bin) await rm(bin, { recursive: true, force: true });
});

function spec(): string {
  return `nodes:
  - { name: hv01, iqn: ${HV01} }
  - { name: hv02, iqn: ${HV02} }
storage:
  iscsi:
    - portal: ${lab.portal}
      targets: [${T_CD}]
      luns: [1, 2]
    - portal: ${lab.portal}
      targets: [${T_ACL}]
`;
}

async function validate(): Promise<{ code: number | null; report: Report; stderr: string }> {
  const dir = await tempFiles({ 'cluster.yaml': spec() });
  const r = await runCli(['validate', '--config', join(dir, 'cluster.yaml'), '--only', 'storage.*', '--json']);
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}

/**
 * Runs a fragment as `clusterprobe fix` does (SCRIPT-CONTRACT.md): `test` as a condition,
 * `apply` under `set -eu`; the parameters in the environment, tgtadm reaching the lab's tgtd.
 */
function run(fragment: string, env: Record<string, string> = {}, strict = false) {
  const r = spawnSync('sh', ['-c', strict ? `set -eu\n${fragment}` : `if ${fragment}\nthen exit 0; else exit 1; fi`], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH}` },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const pick = (report: Report, checkId: string, subject: string) =>
  report.findings.filter((f) => f.checkId === checkId && f.subject === subject).map((f) => [f.status, f.messageId]);

test('the plan of the broken target, applied through its sh fragments, fixes it: ACL first, then the CD LUN becomes a PR-capable disk', async () => {
  const before = await validate();
  assert.equal(before.code, 3, before.stderr);
  assert.deepEqual(pick(before.report, 'storage.lun.inventory', `${T_CD} LUN 2`), [['fail', 'listedNotDisk']]);
  assert.deepEqual(pick(before.report, 'storage.pr.support', `${T_CD} LUN 2`), [['fail', 'notImplemented']]);
  assert.deepEqual(pick(before.report, 'storage.target.login', `${T_ACL} hv02`), [['fail', 'aclMissing']]);

  const actions = before.report.plan!.actions;
  assert.deepEqual(
    actions.map((a) => [a.key, a.resolves.map((r) => r.checkId)]),
    [
      [`target-acl:${T_ACL}:${HV02}`, ['storage.target.login']],
      [`replace-lun:${T_CD}:2`, ['storage.lun.inventory', 'storage.pr.support']],
    ],
  );

  const roundTrip = (action: PlannedAction, env: Record<string, string>) => {
    const sh = action.script!.sh!;
    assert.equal(sh.system, 'tgt');
    const t0 = run(sh.test);
    assert.equal(t0.code, 1, `${action.key}: test says "not done" before apply\n${t0.out}`);
    const applied = run(sh.apply, env, true);
    assert.equal(applied.code, 0, `${action.key}: apply\n${applied.out}`);
    const t1 = run(sh.test);
    assert.equal(t1.code, 0, `${action.key}: test says "done" after apply\n${t1.out}`);
  };

  roundTrip(actions[0]!, {});
  const [param] = actions[1]!.script!.params!;
  assert.equal(param!.default, undefined);
  // Without the parameter (set -u), or naming no file, apply stops before it deletes anything.
  const unset = run(actions[1]!.script!.sh!.apply, {}, true);
  assert.notEqual(unset.code, 0);
  const missing = run(actions[1]!.script!.sh!.apply, { [shVariable(param!.name)]: join(lab.dir, 'absent.img') }, true);
  assert.notEqual(missing.code, 0);
  assert.match(missing.out, /no such file or device for LUN 2: .*absent\.img/);
  assert.match(await lab.show(), /Type: cd\/dvd/, 'nothing was deleted when the backing store was not named');
  roundTrip(actions[1]!, { [shVariable(param!.name)]: newDisk });
  assert.match(await lab.show(), new RegExp(`Backing store path: ${newDisk.replace(/[.]/g, '\\.')}`));

  // Applying again: the generator's test says done, so apply is skipped; the ACL bind, run again anyway, is harmless.
  assert.equal(run(actions[0]!.script!.sh!.test).code, 0);
  assert.equal(run(actions[1]!.script!.sh!.test).code, 0);
  const again = run(actions[0]!.script!.sh!.apply, {}, true);
  assert.equal(again.code, 0, again.out);
  const showBefore = await lab.show();
  const replaceAgain = run(actions[1]!.script!.sh!.apply, { [shVariable(param!.name)]: newDisk }, true);
  assert.equal(replaceAgain.code, 0, replaceAgain.out);
  assert.equal(await lab.show(), showBefore, 'a LUN that is a disk already is left alone');

  const afterFix = await validate();
  assert.equal(
    afterFix.code,
    0,
    afterFix.stderr + JSON.stringify(afterFix.report.findings.filter((f) => f.status !== 'pass')),
  );
  assert.deepEqual(pick(afterFix.report, 'storage.lun.inventory', `${T_CD} LUN 2`), [['pass', 'disk']]);
  assert.deepEqual(pick(afterFix.report, 'storage.pr.support', `${T_CD} LUN 2`), [['pass', 'supported']]);
  assert.deepEqual(pick(afterFix.report, 'storage.target.login', `${T_ACL} hv02`), [['pass', 'loggedIn']]);
  assert.deepEqual(afterFix.report.plan!.actions, []);

  // An initiator of our own choosing runs the PR sequence on the new disk through libiscsi.
  const bench = await prBench(iscsiUrl(lab.portal, T_CD, 2), { initiatorA: HV01, initiatorB: HV02, iterations: 1 });
  assert.equal(bench.iterations, 1);
});

test('apply names the target when this tgt does not have it, and stops there', async () => {
  const apply = targetAclAction('iqn.2026-11.test:absent', HV02, 'tgt', [{ text: 'x' }]).script!.sh!.apply;
  const r = run(`${apply}\necho reached`, {}, true);
  assert.notEqual(r.code, 0);
  assert.match(r.out, /no target named iqn\.2026-11\.test:absent/);
  assert.doesNotMatch(r.out, /reached/);
});
