/**
 * The sh script forms of the AD actions, for real: a Samba AD DC (test/lab/samba.ts) broken the
 * way the demo's is (a 2003 domain in mixed mode, a node in CN=Computers, a long-named node that
 * is renamed and misplaced), `validate --only 'ad.*'` as a user runs it, and the fragments of the
 * plan's actions (raise-domain-mode, move-ou:<node>) run as root on the DC the way `clusterprobe
 * fix` runs them: `test` in a condition, `apply` under `set -eu`. Each test says "not done"
 * before, the apply succeeds, the test then says "done", applying again changes nothing, and
 * validate passes afterwards. The PowerShell fragments cannot run here (no Windows): the check
 * tests parse them with the PowerShell grammar.
 *
 * The lab's smb.conf is not /etc/samba/smb.conf: samba-tool and the fragments' `samba-tool
 * testparm` find it through SMB_CONF_PATH, which samba-tool reads (samba/getopt.py) as a DC's
 * root would its /etc/samba/smb.conf.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startSamba, type SambaLab } from '../lab/samba.ts';
import { runCli, tempFiles } from '../helpers/cli.ts';
import { shVariable } from '../../src/engine/action.ts';
import type { PlannedAction, Report } from '../../src/engine/report.ts';

const OU = 'OU=HyperV,OU=Servers';
const LONG = 'HYPERVHOSTNODE-01A';
const RENAMED = 'HYPERVHOSTN-01A';

let lab: SambaLab;

before(async () => {
  lab = await startSamba({ functionLevel: '2003' });
  await lab.setMixedMode(true);
  await lab.addOu(OU);
  await lab.addComputer('HV01', { ou: OU, enabled: true });
  await lab.addComputer('HV03', { enabled: true });
  await lab.addComputer(LONG, { enabled: true });
  await lab.addDnsA('hv01', '127.0.0.61');
  await lab.addDnsA('hv03', '127.0.0.63');
  await lab.addDnsA(LONG.toLowerCase(), '127.0.0.64');
  await lab.addDnsA(RENAMED.toLowerCase(), '127.0.0.64');
});

after(async () => {
  await lab?.stop();
});

async function validate(nodes: readonly string[]): Promise<Report> {
  const dir = await tempFiles({
    'c.yaml': [
      'cluster: { name: HVCLUSTER01, windowsVersion: "2019" }',
      'nodes:',
      ...nodes.map((n) => `  - { name: ${n} }`),
      'activeDirectory:',
      `  domain: ${lab.domain}`,
      `  dnsServers: [${lab.dnsServer}]`,
      `  tls: { caFile: ${lab.caFile} }`,
      `  bind: { user: ${lab.adminUpn}, password: env:CP_AD_PASSWORD }`,
    ].join('\n'),
  });
  const r = await runCli(['validate', '--config', join(dir, 'c.yaml'), '--only', 'ad.*', '--json'], {
    env: { CP_AD_PASSWORD: lab.adminPassword },
  });
  return JSON.parse(r.stdout) as Report;
}

/** The environment the fragments run in: root on the DC, the lab's smb.conf, the script's parameters. */
function env(params: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SMB_CONF_PATH: join(lab.dir, 'etc', 'smb.conf'),
    ...Object.fromEntries(Object.entries(params).map(([k, v]) => [shVariable(k), v])),
  };
}

/** Runs an action's `test` as the generator does (a function used as an `if` condition): true when done. */
function done(action: PlannedAction, params?: Readonly<Record<string, string>>): boolean {
  const script = `set -eu\nt() {\n${action.script!.sh!.test}\n}\nif t; then exit 0; else exit 1; fi\n`;
  const r = spawnSync('sh', ['-c', script], { env: env(params), encoding: 'utf8', timeout: 60_000 });
  assert.ok(r.status === 0 || r.status === 1, `test of ${action.key} crashed: ${r.status} ${r.stderr}`);
  return r.status === 0;
}

/** Runs an action's `apply` as the generator does (a function called under `set -eu`); asserts it succeeded. */
function apply(action: PlannedAction, params?: Readonly<Record<string, string>>): string {
  const script = `set -eu\na() {\n${action.script!.sh!.apply}\n}\na\n`;
  const r = spawnSync('sh', ['-c', script], { env: env(params), encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `apply of ${action.key} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** What `clusterprobe fix` does with one action: nothing when its test says done, else apply and test again. */
function fix(action: PlannedAction, params?: Readonly<Record<string, string>>): 'already done' | 'applied' {
  if (done(action, params)) return 'already done';
  apply(action, params);
  assert.ok(done(action, params), `${action.key}: the test still says "not done" after the apply`);
  return 'applied';
}

async function mixed(): Promise<string> {
  const out = await lab.ldapsearch(['-b', lab.baseDn, '-s', 'base', 'nTMixedDomain']);
  return /nTMixedDomain: (\d)/.exec(out)?.[1] ?? '?';
}

test('raise-domain-mode and move-ou: test, apply, test, apply again, then validate passes', async () => {
  const before = await validate(['hv01', 'hv03', LONG]);
  const level = before.findings.find((f) => f.checkId === 'ad.domain.functional-level')!;
  assert.deepEqual([level.status, level.messageId], ['fail', 'mixedMode']);
  const keys = before.plan!.actions.map((a) => a.key);
  for (const key of [
    'raise-domain-mode',
    'move-ou:hv03',
    `move-ou:${LONG.toLowerCase()}`,
    `rename-node:${LONG.toLowerCase()}`,
  ])
    assert.ok(keys.includes(key), `${key} in the plan: ${keys.join(', ')}`);
  const action = (key: string) => before.plan!.actions.find((a) => a.key === key)!;
  const raise = action('raise-domain-mode');
  const moveHv03 = action('move-ou:hv03');
  const moveLong = action(`move-ou:${LONG.toLowerCase()}`);
  const rename = action(`rename-node:${LONG.toLowerCase()}`);
  assert.equal(raise.script?.sh?.system, 'samba');
  assert.equal(rename.script?.sh, undefined, 'no sh fragment renames a Windows machine');
  assert.ok(keys.indexOf(rename.key) < keys.indexOf(moveLong.key), 'the move comes after the rename');

  // The functional level: at 2003 in mixed mode `samba-tool domain level show` says plain "2003";
  // the test reads nTMixedDomain and says "not done".
  assert.equal(await mixed(), '1');
  assert.equal(done(raise), false);
  apply(raise);
  assert.equal(await mixed(), '0');
  assert.equal(done(raise), true);
  // Applied again (a direct re-run, not through the test): samba-tool would refuse "a level equal
  // to the actual one"; the guarded apply does nothing and succeeds.
  apply(raise);
  assert.equal(done(raise), true);

  // HV03 from CN=Computers into the OU.
  assert.equal(done(moveHv03), false);
  assert.match(apply(moveHv03), /Moved computer "HV03\$"/);
  assert.equal(await lab.dnOf('HV03'), `CN=HV03,${lab.dn(OU)}`);
  assert.equal(done(moveHv03), true);
  apply(moveHv03);
  assert.equal(done(moveHv03), true);

  // The long-named node: Windows renames it first (rename-node; simulated here as Windows does it
  // to the account: sAMAccountName and dNSHostName), then the move finds it under its new name.
  const newName = rename.script!.params!.find((p) => p.name.startsWith('NewName'))!;
  assert.equal(newName.default, RENAMED);
  assert.deepEqual(
    moveLong.script!.params!.find((p) => p.name === newName.name),
    newName,
    'the move names the same parameter as the rename',
  );
  const params = { [newName.name]: RENAMED };
  const longDn = await lab.dnOf(LONG);
  await lab.modify(
    `dn: ${longDn}\nchangetype: modify\nreplace: sAMAccountName\nsAMAccountName: ${RENAMED}$\n-\nreplace: dNSHostName\ndNSHostName: ${RENAMED.toLowerCase()}.${lab.domain}\n-\n`,
  );
  assert.equal(done(moveLong, params), false);
  assert.match(apply(moveLong, params), new RegExp(`Moved computer "${RENAMED}"`));
  assert.equal(await lab.dnOf(RENAMED), `CN=${LONG},${lab.dn(OU)}`);
  assert.equal(done(moveLong, params), true);
  apply(moveLong, params);
  assert.equal(done(moveLong, params), true);

  // The whole plan's sh part once more, as `clusterprobe fix --apply` run a second time: every
  // action is already done, nothing is changed.
  assert.deepEqual(
    [fix(raise), fix(moveHv03), fix(moveLong, params)],
    ['already done', 'already done', 'already done'],
  );

  // Validate again with the spec updated the way the plan says (the renamed node's new name).
  const after = await validate(['hv01', 'hv03', RENAMED]);
  const outcome = (id: string) => after.findings.filter((f) => f.checkId === id).map((f) => [f.status, f.messageId]);
  assert.deepEqual(outcome('ad.domain.functional-level'), [['pass', 'levels']]);
  assert.deepEqual(outcome('ad.ou.placement'), [['pass', 'sameOu']]);
  assert.deepEqual(
    after.plan!.actions.map((a) => a.key).filter((k) => /^(raise|move-ou|rename-node)/.test(k)),
    [],
    'nothing left of these actions in the plan',
  );
});

test('a move whose node was not renamed (yet) falls back to the current account name', async () => {
  await lab.addComputer('HV05', { enabled: true });
  await lab.addDnsA('hv05', '127.0.0.65');
  const report = await validate(['hv01', 'hv05']);
  const move = report.plan!.actions.find((a) => a.key === 'move-ou:hv05')!;
  assert.ok(move.script?.sh, 'move-ou:hv05 has an sh fragment');
  assert.equal(done(move), false);
  apply(move);
  assert.equal(await lab.dnOf('HV05'), `CN=HV05,${lab.dn(OU)}`);
  assert.equal(fix(move), 'already done');
});
