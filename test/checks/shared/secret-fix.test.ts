import { test } from 'node:test';
import assert from 'node:assert/strict';
import { secretFix, suggestedVariable } from '../../../checks/shared/lib/secret-fix.ts';
import { SecretStore, SecretUnavailable, type SecretProblem } from '../../../src/config/secrets.ts';
import { commandsOf } from '../../helpers/run-check.ts';

/** The problem the real store reports for `ref`. */
async function problemOf(
  ref: string,
  key: string,
  options: { env?: NodeJS.ProcessEnv; baseDir?: string } = {},
): Promise<SecretProblem> {
  const store = new SecretStore({ baseDir: options.baseDir ?? '/nonexistent-dir', env: options.env ?? {} });
  try {
    await store.resolve(ref, key);
  } catch (err) {
    assert.ok(err instanceof SecretUnavailable, String(err));
    return err.problem;
  }
  assert.fail(`${ref} resolved`);
}

const remediationOf = (problem: SecretProblem) => ({
  finding: {
    checkId: 'x',
    area: 'x',
    status: 'fail' as const,
    messageId: 'x',
    message: 'x',
    data: {},
    remediation: secretFix(problem),
  },
});

test('an unset env: reference: the commands set that variable, in PowerShell and sh, never another one', async () => {
  const problem = await problemOf('env:MY_VAR', 'activeDirectory.bind.password');
  assert.deepEqual([problem.reason, problem.variable], ['unset', 'MY_VAR']);
  const { finding } = remediationOf(problem);
  const ps = commandsOf(finding, 'powershell');
  const sh = commandsOf(finding, 'sh');
  assert.equal(ps.length, 1);
  assert.equal(sh.length, 1);
  assert.match(ps[0]!, /^\$env:MY_VAR = /);
  assert.match(ps[0]!, /Read-Host -AsSecureString/);
  assert.match(sh[0]!, /read -r MY_VAR; .*export MY_VAR$/);
  assert.doesNotMatch(JSON.stringify(finding.remediation), /CLUSTERPROBE_AD_PASSWORD/);
});

test('a file: reference: the commands write that file (resolved against the spec directory), or fix its permissions', async () => {
  const missing = await problemOf('file:secrets/ad pw.txt', 'activeDirectory.bind.password', { baseDir: '/srv/lab' });
  assert.deepEqual(
    [missing.reason, missing.path, missing.errno],
    ['unreadable', '/srv/lab/secrets/ad pw.txt', 'ENOENT'],
  );
  const cmds = commandsOf(remediationOf(missing).finding);
  assert.ok(
    cmds.some((c) => c.startsWith("Set-Content -LiteralPath '/srv/lab/secrets/ad pw.txt' ")),
    cmds.join('\n'),
  );
  assert.ok(
    cmds.some((c) => c.includes("> '/srv/lab/secrets/ad pw.txt' )")),
    cmds.join('\n'),
  );
  const denied = secretFix({
    key: 'storage.iscsi[0].chap.secret',
    ref: 'file:/etc/chap',
    reason: 'unreadable',
    path: '/etc/chap',
    errno: 'EACCES',
  });
  assert.match(denied.summary, /readable/);
  assert.ok(
    commandsOf(
      remediationOf({ key: 'k', ref: 'file:/etc/chap', reason: 'unreadable', path: '/etc/chap', errno: 'EACCES' })
        .finding,
      'sh',
    ).includes("ls -l '/etc/chap'; chmod 600 '/etc/chap'"),
  );
  const empty = secretFix({ key: 'k', ref: 'file:/x', reason: 'empty', path: "/it's" });
  assert.ok(
    empty.steps[0]!.commands!.some((c) => c.shell === 'sh' && c.command.includes("> '/it'\\''s' )")),
    'a quote in the path stays inside the quoting',
  );
});

test('prompt without a terminal: switch to an environment variable named after the key', async () => {
  const problem = await problemOf('prompt', 'storage.iscsi[1].chap.secret');
  assert.equal(problem.reason, 'noTerminal');
  const fix = secretFix(problem);
  assert.match(fix.summary, /env:CLUSTERPROBE_CHAP_SECRET/);
  assert.equal(suggestedVariable('activeDirectory.bind.password'), 'CLUSTERPROBE_AD_PASSWORD');
  assert.equal(suggestedVariable('storage.iscsi[0].chap.mutualSecret'), 'CLUSTERPROBE_CHAP_MUTUAL_SECRET');
});
