/**
 * The fact schemas cannot drift from what the probes produce: a facts file written by
 * `validate --save-facts` against the real lab (a Samba AD DC and tgt, test/lab) holds every
 * built-in fact, each validates against its schema (src/facts/schema), and `--from-facts` loads it
 * and re-evaluates to the same findings. nodes.facts comes through the FAKE PowerShell
 * (test/fakes/fake-pwsh, hand-written recordings): PowerShell cannot run here.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSamba, type SambaLab } from '../lab/samba.ts';
import { startTgt, type TgtLab } from '../lab/tgt.ts';
import { ROOT, runCli, tempFiles } from '../helpers/cli.ts';
import { FACT_SCHEMAS } from '../../src/facts/schema/index.ts';
import { builtinProbes } from '../../src/probes.ts';
import type { Report } from '../../src/engine/report.ts';

const TARGET = 'iqn.2026-11.test:facts-roundtrip';
const HV01 = 'iqn.1991-05.com.microsoft:hv01.lab.example.test';
const HV02 = 'iqn.1991-05.com.microsoft:hv02.lab.example.test';

let samba: SambaLab;
let tgt: TgtLab;

before(async () => {
  [samba, tgt] = await Promise.all([startSamba(), startTgt()]);
  await samba.addOu('OU=HyperV,OU=Servers');
  await samba.addComputer('HV01', { ou: 'OU=HyperV,OU=Servers', enabled: true });
  await samba.addComputer('HV02', { ou: 'OU=HyperV,OU=Servers', enabled: true });
  await samba.addDnsA('hv01', '127.0.0.61');
  await samba.addDnsA('hv02', '127.0.0.62');
  const tid = await tgt.addTarget(TARGET);
  await tgt.addLun(tid, 1, { sizeMiB: 8 });
  await tgt.addLun(tid, 2, { sizeMiB: 8, deviceType: 'cd' });
  await tgt.bindAll(tid);
});

after(async () => {
  await Promise.all([samba?.stop(), tgt?.stop()]);
});

test('a facts file saved against the real lab validates against the schemas and re-evaluates offline', async () => {
  const spec = [
    'cluster: { name: HVCLUSTER01, windowsVersion: "2019" }',
    'nodes:',
    `  - { name: hv01, fqdn: hv01.lab.example.test, iqn: ${HV01} }`,
    `  - { name: hv02, fqdn: hv02.lab.example.test, iqn: ${HV02} }`,
    'activeDirectory:',
    `  domain: ${samba.domain}`,
    `  dnsServers: [${samba.dnsServer}]`,
    '  ou: OU=HyperV,OU=Servers',
    `  tls: { caFile: ${samba.caFile} }`,
    `  bind: { user: ${samba.adminUpn}, password: env:CP_AD_PASSWORD }`,
    'storage:',
    '  iscsi:',
    `    - portal: ${tgt.portal}`,
    `      targets: [${TARGET}]`,
    '',
  ].join('\n');
  const dir = await tempFiles({ 'cluster.yaml': spec });
  const file = join(dir, 'facts.json');
  const env = {
    CP_AD_PASSWORD: samba.adminPassword,
    CLUSTERPROBE_POWERSHELL: join(ROOT, 'test/fakes/fake-pwsh'),
    FAKE_PWSH_RECORDINGS: join(ROOT, 'test/fixtures/powershell/nodes'),
    FAKE_PWSH_CASE: 'feed',
  };
  const live = await runCli(['validate', '--config', join(dir, 'cluster.yaml'), '--json', '--save-facts', file], {
    env,
    timeoutMs: 170_000,
  });
  assert.ok(live.code === 0 || live.code === 3 || live.code === 4, `exit ${live.code}: ${live.stderr}`);
  const saved = JSON.parse(await readFile(file, 'utf8')) as { schemaVersion: number; facts: Record<string, unknown> };
  assert.equal(saved.schemaVersion, 1);
  // Every built-in fact was gathered, and gathered for real: not a probe that failed early.
  assert.deepEqual(Object.keys(saved.facts).sort(), builtinProbes.map((p) => p.fact).sort());
  const pr = saved.facts['storage.pr'] as { disks: { outcome: string; steps: unknown[] }[] };
  assert.deepEqual(
    pr.disks.map((d) => d.outcome),
    ['supported'],
  );
  assert.ok(pr.disks[0]!.steps.length > 10);
  assert.equal((saved.facts['nodes.facts'] as { status: string }).status, 'ok');
  assert.equal((saved.facts['ad.directory'] as { connection?: unknown }).connection !== undefined, true);

  for (const [name, value] of Object.entries(saved.facts)) {
    const result = FACT_SCHEMAS[name]!.safeParse(value);
    assert.ok(
      result.success,
      `${name}: ${result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
    // Nothing the probe wrote is dropped by the schema (an unknown key would be stripped).
    assert.deepEqual(result.data, value, `${name}: the schema keeps every key the probe wrote`);
  }

  const offline = await runCli(['validate', '--from-facts', file, '--json'], { env: { CP_AD_PASSWORD: undefined } });
  assert.equal(offline.code, live.code, offline.stderr);
  const strip = (r: Report) => r.findings.map((f) => [f.checkId, f.subject, f.status, f.messageId]);
  assert.deepEqual(strip(JSON.parse(offline.stdout) as Report), strip(JSON.parse(live.stdout) as Report));
});
