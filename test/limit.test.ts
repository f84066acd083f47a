import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapLimited } from '../src/limit.ts';

test('mapLimited keeps input order and never runs more than the limit at once', async () => {
  let running = 0;
  let peak = 0;
  const delays = [30, 5, 20, 1, 15, 2, 25, 3];
  const out = await mapLimited(delays, 3, async (ms, i) => {
    running += 1;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, ms));
    running -= 1;
    return `${i}:${ms}`;
  });
  assert.deepEqual(
    out,
    delays.map((ms, i) => `${i}:${ms}`),
  );
  assert.equal(peak, 3);
});

test('mapLimited with fewer items than the limit, and with none', async () => {
  assert.deepEqual(await mapLimited([1, 2], 8, async (x) => x * 2), [2, 4]);
  assert.deepEqual(await mapLimited([], 4, async (x: number) => x), []);
});

test('mapLimited rejects when one item rejects', async () => {
  await assert.rejects(
    mapLimited([1, 2, 3], 2, async (x) => {
      if (x === 2) throw new Error('two');
      return x;
    }),
    /two/,
  );
});
