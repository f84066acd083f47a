/**
 * The built CLI, end to end: remediation commands carry the facts of this run (the variable or
 * file the spec references, the portal's own port, the FQDN the domain implies), not a default
 * that points the wrong way. Nothing listens on 127.0.0.1:1 inside the test namespace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, tempFiles } from '../helpers/cli.ts';
import type { Finding, Report } from '../../src/engine/report.ts';

const spec = (password: string) => `
cluster: { name: HVCLUSTER01 }
nodes:
  - name: hv01
  - name: hv02
activeDirectory:
  domain: lab.example.test
  servers: [ldaps://127.0.0.1:1]
  dnsServers: [127.0.0.1]
  bind: { user: admin@lab.example.test, password: ${password} }
storage:
  iscsi:
    - portal: 127.0.0.1:1
`;

async function validate(
  password: string,
  env: Record<string, string | undefined> = {},
): Promise<{ report: Report; dir: string; stderr: string }> {
  const dir = await tempFiles({ 'cluster.yaml': spec(password) });
  const r = await runCli(
    ['validate', '--config', join(dir, 'cluster.yaml'), '--json', '--only', 'ad.connect,storage.portal.reachable'],
    { env: { MY_VAR: undefined, ...env } },
  );
  assert.equal(r.code, 3, r.stderr);
  return { report: JSON.parse(r.stdout) as Report, dir, stderr: r.stderr };
}

const commands = (f: Finding | undefined, shell: string) =>
  (f?.remediation?.steps ?? [])
    .flatMap((s) => s.commands ?? [])
    .filter((c) => c.shell === shell)
    .map((c) => c.command);

test('an unset env: reference: the fix sets that variable, in PowerShell and sh', async () => {
  const { report } = await validate('env:MY_VAR');
  const f = report.findings.find((x) => x.checkId === 'ad.connect');
  assert.equal(f?.messageId, 'setupFailed');
  assert.match(f!.message, /MY_VAR/);
  assert.ok(
    commands(f, 'powershell').some((c) => c.startsWith('$env:MY_VAR = ')),
    JSON.stringify(f!.remediation),
  );
  assert.ok(
    commands(f, 'sh').some((c) => c.endsWith('export MY_VAR')),
    JSON.stringify(f!.remediation),
  );
  assert.doesNotMatch(JSON.stringify(f), /CLUSTERPROBE_AD_PASSWORD/);
});

test('a missing file: reference: the fix writes that file, resolved next to the spec', async () => {
  const { report, dir } = await validate('file:ad-password.txt');
  const f = report.findings.find((x) => x.checkId === 'ad.connect');
  assert.equal(f?.messageId, 'setupFailed');
  const path = join(dir, 'ad-password.txt');
  assert.ok(
    commands(f, 'sh').some((c) => c.includes(`> '${path}'`)),
    JSON.stringify(f!.remediation),
  );
  assert.ok(
    commands(f, 'powershell').some((c) => c.startsWith(`Set-Content -LiteralPath '${path}'`)),
    JSON.stringify(f!.remediation),
  );
  assert.doesNotMatch(JSON.stringify(f), /CLUSTERPROBE_AD_PASSWORD/);
});

test('a portal refused on port 1: the finding and its fix speak of port 1, not 3260', async () => {
  const { report } = await validate('env:MY_VAR');
  const f = report.findings.find((x) => x.checkId === 'storage.portal.reachable');
  assert.equal(f?.messageId, 'refused');
  assert.equal(f!.data.port, 1);
  assert.doesNotMatch(JSON.stringify(f), /3260/);
  assert.ok(commands(f, 'sh').includes("ss -ltnp 'sport = :1'"), JSON.stringify(f!.remediation));
  assert.ok(
    commands(f, 'powershell').includes("Test-NetConnection -ComputerName '127.0.0.1' -Port 1"),
    JSON.stringify(f!.remediation),
  );
});
