/**
 * `clusterprobe validate --only 'storage.*'` on 64 disk LUNs over 4 targets of a local tgt, two
 * node identities: wall time and peak RSS (GNU time's %M) of the whole command, median of runs.
 *
 *   sh scripts/with-node.sh sh test/lab/netns.sh node bench/storage.ts [RUNS]
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTgt } from '../test/lab/tgt.ts';

const runs = Number(process.argv[2] ?? 5);
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const lab = await startTgt();
try {
  const targets: string[] = [];
  for (let t = 1; t <= 4; t += 1) {
    const name = `iqn.2026-11.bench:storage${t}`;
    const tid = await lab.addTarget(name);
    for (let lun = 1; lun <= 16; lun += 1) await lab.addLun(tid, lun, { sizeMiB: 1 });
    await lab.bindAll(tid);
    targets.push(name);
  }
  const dir = mkdtempSync(join(tmpdir(), 'cp-bench-'));
  const spec = join(dir, 'cluster.yaml');
  writeFileSync(
    spec,
    `nodes:\n  - { name: hv01, iqn: iqn.1991-05.com.microsoft:hv01 }\n  - { name: hv02, iqn: iqn.1991-05.com.microsoft:hv02 }\nstorage:\n  iscsi:\n    - portal: ${lab.portal}\n      targets: [${targets.join(', ')}]\n`,
  );
  const wall: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const t = performance.now();
    const r = spawnSync(
      '/usr/bin/time',
      ['-f', '%M', process.execPath, bin, 'validate', '--config', spec, '--only', 'storage.*', '--json'],
      { encoding: 'utf8', maxBuffer: 64 << 20 },
    );
    wall.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`validate exited ${r.status}: ${r.stderr.slice(-500)}`);
    const report = JSON.parse(r.stdout) as { summary: Record<string, number> };
    if ((report.summary.pass ?? 0) < 64)
      throw new Error(`expected every disk to pass: ${JSON.stringify(report.summary)}`);
    rss.push(Number(r.stderr.trim().split('\n').at(-1)));
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  process.stdout.write(
    `${JSON.stringify({ luns: 64, targets: 4, identities: 2, runs, wallMs: Math.round(median(wall)), peakRssKiB: median(rss) })}\n`,
  );
} finally {
  await lab.stop();
}
