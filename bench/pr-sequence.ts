/**
 * The cluster PR sequence, N times, on one LUN of a local tgt, as two node identities in their
 * own sessions: READ KEYS; A REGISTER AND IGNORE; B REGISTER AND IGNORE; A RESERVE type 5;
 * B READ RESERVATION; B PREEMPT A type 5; B RELEASE; B unregister; A unregister; READ KEYS.
 * Prints one JSON line. The same sequence through libiscsi (test/lab/libiscsi/prtool.c) runs
 * against the same target in the same process run, for comparison.
 *
 *   sh scripts/with-node.sh sh test/lab/netns.sh node bench/pr-sequence.ts [ITERATIONS] [ROUNDS]
 *
 * Reports medians over the rounds; each round runs ours, then libiscsi's, on the same LUN.
 */
import { fileURLToPath } from 'node:url';
import { IscsiSession, randomIsid } from '../src/iscsi/index.ts';
import { ScsiDevice } from '../src/scsi/device.ts';
import { PR_TYPE } from '../src/scsi/pr.ts';

export interface SequenceResult {
  readonly tool: 'clusterprobe';
  readonly perSequenceMs: number;
  readonly loginMs: number;
  readonly iterations: number;
  readonly unitAttentions: number;
}

const KEY_A = 0x6370_0000_0000_000an;
const KEY_B = 0x6370_0000_0000_000bn;

export async function prSequence(
  portal: string,
  targetName: string,
  lun: number,
  iterations: number,
): Promise<SequenceResult> {
  const t0 = performance.now();
  const [sa, sb] = await Promise.all([
    IscsiSession.open({
      portal,
      initiatorName: 'iqn.2026-11.bench.clusterprobe:node-a',
      targetName,
      isid: randomIsid(1),
    }),
    IscsiSession.open({
      portal,
      initiatorName: 'iqn.2026-11.bench.clusterprobe:node-b',
      targetName,
      isid: randomIsid(2),
    }),
  ]);
  const loginMs = performance.now() - t0;
  const a = new ScsiDevice(sa, lun);
  const b = new ScsiDevice(sb, lun);
  try {
    // The first command of each session meets the power-on UNIT ATTENTION: not part of the loop.
    await a.testUnitReady();
    await b.testUnitReady();
    const start = performance.now();
    for (let i = 0; i < iterations; i += 1) {
      await a.prReadKeys();
      await a.registerAndIgnore({ saKey: KEY_A });
      await b.registerAndIgnore({ saKey: KEY_B });
      await a.reserve({ key: KEY_A, type: PR_TYPE.WERO });
      const held = await b.prReadReservation();
      if (held.reservationKey !== KEY_A)
        throw new Error(`iteration ${i}: the reservation is held by ${String(held.reservationKey)}, not A`);
      await b.preempt({ key: KEY_B, saKey: KEY_A, type: PR_TYPE.WERO });
      await b.release({ key: KEY_B, type: PR_TYPE.WERO });
      await b.registerAndIgnore({ saKey: 0n });
      await a.registerAndIgnore({ saKey: 0n });
      const left = await a.prReadKeys();
      if (left.keys.length !== 0) throw new Error(`iteration ${i}: keys left behind: ${left.keys.join(', ')}`);
    }
    const perSequenceMs = (performance.now() - start) / iterations;
    return {
      tool: 'clusterprobe',
      perSequenceMs: round(perSequenceMs),
      loginMs: round(loginMs),
      iterations,
      unitAttentions: a.unitAttentions.length + b.unitAttentions.length,
    };
  } finally {
    await Promise.allSettled([sa.logout(), sb.logout()]);
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const iterations = Number(process.argv[2] ?? 1000);
  const rounds = Number(process.argv[3] ?? 5);
  const { startTgt, iscsiUrl } = await import('../test/lab/tgt.ts');
  const { prBench } = await import('../test/lab/libiscsi.ts');
  const lab = await startTgt();
  try {
    const target = 'iqn.2026-11.bench:pr';
    const tid = await lab.addTarget(target);
    await lab.addLun(tid, 1, { sizeMiB: 16 });
    await lab.bindAll(tid);
    // Rounds alternate the two initiators on the same target, so machine noise hits both alike.
    const ours: SequenceResult[] = [];
    const theirs: { perSequenceMs: number; loginMs: number }[] = [];
    for (let r = 0; r < rounds; r += 1) {
      ours.push(await prSequence(lab.portal, target, 1, iterations));
      theirs.push(
        await prBench(iscsiUrl(lab.portal, target, 1), {
          initiatorA: 'iqn.2026-11.bench.libiscsi:node-a',
          initiatorB: 'iqn.2026-11.bench.libiscsi:node-b',
          iterations,
        }),
      );
    }
    const perSequenceMs = median(ours.map((o) => o.perSequenceMs));
    const libiscsiPerSequenceMs = median(theirs.map((t) => t.perSequenceMs));
    process.stdout.write(
      `${JSON.stringify({
        perSequenceMs,
        loginMs: median(ours.map((o) => o.loginMs)),
        iterations,
        rounds,
        libiscsi: { perSequenceMs: libiscsiPerSequenceMs, loginMs: median(theirs.map((t) => t.loginMs)) },
        ratioToLibiscsi: round(perSequenceMs / libiscsiPerSequenceMs),
      })}\n`,
    );
  } finally {
    await lab.stop();
  }
}
