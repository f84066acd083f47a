/**
 * The `dns-record:*` action's sh fragment round-trips against a real Samba DC: a node without an
 * A record fails ad.dns.node-records, the plan names `dns-record:<fqdn>`; its `test` says "not
 * done", `apply` (run as root on the DC, as `clusterprobe fix` runs it: `set -eu`, the address in
 * the environment) adds the record with the DC's machine account (`-P`), `test` then says "done",
 * and validating again passes the node.
 *
 * The fragments call plain `samba-tool`, as on a DC; the lab's DC has its own smb.conf, so a
 * `samba-tool` first on PATH adds `-s <smb.conf>` (the only difference from a real DC).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSamba, type SambaLab } from '../lab/samba.ts';
import { findTool } from '../lab/tgt.ts';
import { runCli, tempFiles } from '../helpers/cli.ts';
import { shVariable } from '../../src/engine/action.ts';
import type { Report } from '../../src/engine/report.ts';

let lab: SambaLab;
let bin: string;

before(async () => {
  lab = await startSamba();
  await lab.addDnsA('hv01', '127.0.0.61');
  bin = await mkdtemp(join(tmpdir(), 'cp-fix-dns-'));
  await writeFile(
    join(bin, 'samba-tool'),
    `#!/bin/sh\nexec ${findTool('samba-tool')} "$@" -s ${join(lab.dir, 'etc', 'smb.conf')}\n`,
  );
  await chmod(join(bin, 'samba-tool'), 0o755);
});

after(async () => {
  await lab?.stop();
  if (bin) await rm(bin, { recursive: true, force: true });
});

function spec(): string {
  return [
    'nodes:',
    '  - { name: hv01 }',
    '  - { name: hv02 }',
    'activeDirectory:',
    `  domain: ${lab.domain}`,
    `  dnsServers: [${lab.dnsServer}]`,
    `  tls: { caFile: ${lab.caFile} }`,
    `  bind: { user: ${lab.adminUpn}, password: env:CP_AD_PASSWORD }`,
  ].join('\n');
}

async function validate(): Promise<Report> {
  const dir = await tempFiles({ 'c.yaml': spec() });
  const r = await runCli(['validate', '--config', join(dir, 'c.yaml'), '--only', 'ad.dns.node-records', '--json'], {
    env: { CP_AD_PASSWORD: lab.adminPassword },
  });
  return JSON.parse(r.stdout) as Report;
}

/** As `clusterprobe fix` runs a fragment: `test` as a condition, `apply` under `set -eu`. */
function run(fragment: string, env: Record<string, string> = {}, strict = false) {
  const r = spawnSync('sh', ['-c', strict ? `set -eu\n${fragment}` : `if ${fragment}\nthen exit 0; else exit 1; fi`], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH}` },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test("a node's missing A record, added through the action's Samba fragment with the DC's machine account, resolves", async () => {
  const before = await validate();
  assert.deepEqual(
    before.findings.map((f) => [f.subject, f.status, f.messageId]),
    [
      ['hv01', 'pass', 'resolves'],
      ['hv02', 'fail', 'noRecord'],
    ],
  );
  const [action, ...rest] = before.plan!.actions;
  assert.equal(rest.length, 0);
  assert.equal(action!.key, `dns-record:hv02.${lab.domain}`);
  const sh = action!.script!.sh!;
  assert.equal(sh.system, 'samba');
  const env = { [shVariable(action!.script!.params![0]!.name)]: '127.0.0.62' };

  const t0 = run(sh.test, env);
  assert.equal(t0.code, 1, t0.out);
  const applied = run(sh.apply, env, true);
  assert.equal(applied.code, 0, applied.out);
  assert.equal(run(sh.test, env).code, 0, 'test says done after apply');
  // Another address is not this record: test stays "not done" for it.
  assert.equal(run(sh.test, { [Object.keys(env)[0]!]: '127.0.0.63' }).code, 1);

  const after = await validate();
  assert.deepEqual(
    after.findings.map((f) => [f.subject, f.status, f.messageId, f.data.addresses]),
    [
      ['hv01', 'pass', 'resolves', ['127.0.0.61']],
      ['hv02', 'pass', 'resolves', ['127.0.0.62']],
    ],
  );
  assert.deepEqual(after.plan!.actions, []);
});
