/**
 * `clusterprobe iscsi discover` against `iscsi-ls -s` on a target with 64 disk LUNs, wall time
 * including process start-up, median of N runs each (alternating).
 *
 *   sh scripts/with-node.sh sh test/lab/netns.sh node bench/discover.ts [RUNS]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTgt, iscsiUrl } from '../test/lab/tgt.ts';

const runs = Number(process.argv[2] ?? 7);
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));

function timed(command: string, args: string[]): number {
  const t = performance.now();
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

const lab = await startTgt();
try {
  const target = 'iqn.2026-11.bench:luns64';
  const tid = await lab.addTarget(target);
  for (let lun = 1; lun <= 64; lun += 1) await lab.addLun(tid, lun, { sizeMiB: 1 });
  await lab.bindAll(tid);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    ours.push(timed(process.execPath, [bin, 'iscsi', 'discover', '--portal', lab.portal, '--json']));
    theirs.push(timed('iscsi-ls', ['-s', iscsiUrl(lab.portal)]));
  }
  const clusterprobeMs = Math.round(median(ours));
  const iscsiLsMs = Math.round(median(theirs));
  const startup = Math.round(median(Array.from({ length: runs }, () => timed(process.execPath, [bin, '--version']))));
  process.stdout.write(
    `${JSON.stringify({ luns: 64, runs, clusterprobeMs, iscsiLsMs, ratio: Math.round((clusterprobeMs / iscsiLsMs) * 100) / 100, clusterprobeStartupMs: startup })}\n`,
  );
} finally {
  await lab.stop();
}
