/**
 * `clusterprobe validate --only 'ad.*'` against a real Samba AD DC holding 10,000 computer
 * objects, for a cluster of 64 nodes: wall time of the whole command (median of runs) and the
 * LDAP operations it sent (from its facts), against ldap-utils' `ldapsearch` fetching the same 64
 * node objects with the same filter. Filling the directory takes a minute or two; it is not timed.
 *
 *   sh scripts/with-node.sh sh test/lab/netns.sh node bench/ad.ts [RUNS] [OBJECTS]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSamba } from '../test/lab/samba.ts';
import { computerFilter, nodeNames } from '../src/ad/probe.ts';
import type { ClusterSpec } from '../src/config/schema.ts';

const runs = Number(process.argv[2] ?? 5);
const objects = Number(process.argv[3] ?? 10_000);
const NODES = 64;
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

const lab = await startSamba();
try {
  await lab.addOu('OU=Bulk');
  await lab.addOu('OU=HyperV,OU=Servers');
  const fillStarted = performance.now();
  for (let i = 0; i < objects; i += 2000)
    await lab.addComputersBulk(
      Array.from({ length: Math.min(2000, objects - i) }, (_, k) => `WS${String(i + k).padStart(6, '0')}`),
      'OU=Bulk',
    );
  const nodes = Array.from({ length: NODES }, (_, i) => `HV${String(i + 1).padStart(2, '0')}`);
  await lab.addComputersBulk(nodes, 'OU=HyperV,OU=Servers');
  const fillMs = Math.round(performance.now() - fillStarted);

  const dir = mkdtempSync(join(tmpdir(), 'cp-bench-ad-'));
  const specText = [
    'cluster: { name: HVCLUSTER01, windowsVersion: "2019" }',
    'nodes:',
    ...nodes.map((n) => `  - { name: ${n.toLowerCase()} }`),
    'activeDirectory:',
    `  domain: ${lab.domain}`,
    `  dnsServers: [${lab.dnsServer}]`,
    `  tls: { caFile: ${lab.caFile} }`,
    `  bind: { user: ${lab.adminUpn}, password: env:CP_BENCH_AD_PASSWORD }`,
  ].join('\n');
  writeFileSync(join(dir, 'cluster.yaml'), specText);
  const env = { ...process.env, CP_BENCH_AD_PASSWORD: lab.adminPassword };

  const wall: number[] = [];
  let operations = 0;
  let computersFound = 0;
  for (let i = 0; i < runs; i += 1) {
    const facts = join(dir, `facts-${i}.json`);
    const t = performance.now();
    const r = spawnSync(
      process.execPath,
      [bin, 'validate', '--config', join(dir, 'cluster.yaml'), '--only', 'ad.*', '--json', '--save-facts', facts],
      { encoding: 'utf8', env, maxBuffer: 64 << 20 },
    );
    wall.push(performance.now() - t);
    if (r.status !== 0 && r.status !== 3 && r.status !== 4)
      throw new Error(`validate exited ${r.status}: ${r.stderr.slice(-500)}`);
    const ad = (
      JSON.parse(readFileSync(facts, 'utf8')) as {
        facts: Record<string, { operations: number; computers?: unknown[] }>;
      }
    ).facts['ad.directory']!;
    operations = ad.operations;
    computersFound = ad.computers?.length ?? 0;
  }
  if (computersFound < NODES) throw new Error(`the probe found ${computersFound} of ${NODES} node objects`);

  // ldapsearch: the same filter and attributes, one process per run, like validate.
  const spec = {
    nodes: nodes.map((n) => ({ name: n.toLowerCase() })),
    activeDirectory: { domain: lab.domain },
  } as unknown as ClusterSpec;
  const filter = computerFilter(nodeNames(spec).nodes);
  const theirs: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const t = performance.now();
    const ldif = await lab.ldapsearch([
      '-b',
      lab.baseDn,
      filter,
      'sAMAccountName',
      'dNSHostName',
      'cn',
      'userAccountControl',
      'objectSid',
    ]);
    theirs.push(performance.now() - t);
    if ((ldif.match(/^dn: /gm) ?? []).length < NODES) throw new Error('ldapsearch found fewer node objects');
  }
  process.stdout.write(
    `${JSON.stringify({ objects, nodes: NODES, runs, fillMs, wallMs: Math.round(median(wall)), ldapOperations: operations, ldapsearchMs: Math.round(median(theirs)) })}\n`,
  );
} finally {
  await lab.stop();
}
