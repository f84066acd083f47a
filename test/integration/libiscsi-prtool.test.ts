/**
 * Proves prtool (test/lab/libiscsi/prtool.c, libiscsi as an independent initiator) against a real
 * tgt: READ KEYS and READ RESERVATION on a fresh LUN, the two-session bench sequence, errors as
 * JSON, and that a portal which never answers cannot hang it.
 *
 *   sh scripts/with-node.sh sh test/lab/netns.sh node --test test/integration/libiscsi-prtool.test.ts
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { startTgt, iscsiUrl, type TgtLab } from '../lab/tgt.ts';
import { buildPrTool, prKeys, prReservation, prBench, PrToolError } from '../lab/libiscsi.ts';

const TARGET = 'iqn.2026-11.test.clusterprobe:prtool-disk';
const NODE_A = 'iqn.2026-11.test.clusterprobe:prtool-node-a';
const NODE_B = 'iqn.2026-11.test.clusterprobe:prtool-node-b';

let lab: TgtLab;
let url: string;

before(async () => {
  await buildPrTool();
  lab = await startTgt();
  const tid = await lab.addTarget(TARGET);
  await lab.addLun(tid, 1, { sizeMiB: 16 });
  await lab.bindAll(tid);
  url = iscsiUrl(lab.portal, TARGET, 1);
});

after(async () => {
  await lab?.stop();
});

test('the build is cached by source hash', async () => {
  const first = await buildPrTool();
  assert.equal(await buildPrTool(), first);
  assert.match(first, /clusterprobe-prtool\/[0-9a-f]{16}\/prtool$/);
});

test('READ KEYS on a fresh LUN: no keys', async () => {
  const r = await prKeys(url, NODE_A);
  assert.deepEqual(r.keys, []);
  assert.ok(Number.isInteger(r.generation) && r.generation >= 0, `generation ${r.generation}`);
});

test('READ RESERVATION on a fresh LUN: no reservation', async () => {
  const r = await prReservation(url);
  assert.equal(r.key, null);
  assert.ok(Number.isInteger(r.generation));
});

test('bench, 5 iterations: every command GOOD, and nothing left registered or reserved', async () => {
  const before = await prKeys(url, NODE_A);
  const r = await prBench(url, { initiatorA: NODE_A, initiatorB: NODE_B, iterations: 5 });
  assert.equal(r.tool, 'libiscsi');
  assert.equal(r.iterations, 5);
  assert.ok(r.perSequenceMs > 0, `perSequenceMs ${r.perSequenceMs}`);
  assert.ok(r.loginMs > 0, `loginMs ${r.loginMs}`);
  // tgt 1.0.85 answers the preempted initiator's next command (A's unregister) with UNIT
  // ATTENTION 2A/03, once per PREEMPT; prtool retries it. (The 29/00 after login is eaten by
  // iscsi_full_connect_sync's TEST UNIT READY before the loop starts.)
  assert.equal(r.unitAttentions, 5, 'one unit attention per iteration');

  const keys = await prKeys(url, NODE_A);
  assert.deepEqual(keys.keys, []);
  // Each sequence registers twice, preempts once and unregisters twice.
  assert.ok(keys.generation > before.generation, `generation ${before.generation} -> ${keys.generation}`);
  assert.deepEqual(await prReservation(url, NODE_B).then((x) => x.key), null);
});

test('a failure is a JSON error, not a hang: unknown target', async () => {
  await assert.rejects(
    prKeys(iscsiUrl(lab.portal, 'iqn.2026-11.test.clusterprobe:no-such-target', 1)),
    (e: unknown) => {
      assert.ok(e instanceof PrToolError, String(e));
      assert.equal(e.exitCode, 1);
      assert.match(e.message, /Target not found/);
      return true;
    },
  );
});

test('a LUN without PR (a CD) reports the sense data', async () => {
  const tid = await lab.addTarget(`${TARGET}-cd`);
  await lab.addLun(tid, 1, { sizeMiB: 8, deviceType: 'cd' });
  await lab.bindAll(tid);
  await assert.rejects(prKeys(iscsiUrl(lab.portal, `${TARGET}-cd`, 1)), (e: unknown) => {
    assert.ok(e instanceof PrToolError, String(e));
    assert.match(e.message, /READ KEYS: CHECK CONDITION, sense ILLEGAL_REQUEST \(05\) ASC\/ASCQ 20\/00/);
    return true;
  });
});

test('a portal that accepts TCP and never answers: prtool gives up after its --timeout', async () => {
  const sockets = new Set<Socket>();
  const silent: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  assert.ok(address && typeof address === 'object');
  try {
    const started = Date.now();
    await assert.rejects(
      prKeys(iscsiUrl(`127.0.0.1:${address.port}`, TARGET, 1), undefined, { commandTimeoutS: 1, timeoutMs: 20_000 }),
      (e: unknown) => {
        assert.ok(e instanceof PrToolError, String(e));
        assert.match(e.message, /timed out/);
        return true;
      },
    );
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});
