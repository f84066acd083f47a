import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cleanups } from '../../src/engine/cleanup.ts';

test('handlers run last-registered first; a failing or slow one does not stop the others', async () => {
  const order: string[] = [];
  const cleanups = new Cleanups();
  cleanups.add('first', () => {
    order.push('first');
  });
  cleanups.add('fails', () => {
    throw new Error('nope');
  });
  cleanups.add('slow', () => new Promise(() => {}));
  cleanups.add('last', async () => {
    order.push('last');
  });
  const outcomes = await cleanups.runAll(50);
  assert.deepEqual(order, ['last', 'first']);
  assert.deepEqual(
    outcomes.map((o) => [o.label, o.status]),
    [
      ['last', 'ok'],
      ['slow', 'timeout'],
      ['fails', 'failed'],
      ['first', 'ok'],
    ],
  );
  assert.equal(outcomes[2]!.error, 'nope');
});

test('a second runAll awaits the first and runs handlers added since, each handler once', async () => {
  const cleanups = new Cleanups();
  let runs = 0;
  cleanups.add('a', async () => {
    await new Promise((r) => setTimeout(r, 20));
    runs += 1;
  });
  const first = cleanups.runAll();
  cleanups.add('b', () => {
    runs += 10;
  });
  const second = cleanups.runAll();
  assert.deepEqual((await second).map((o) => o.label).sort(), ['a', 'b']);
  assert.ok((await first).length <= 2);
  assert.equal(runs, 11);
  assert.deepEqual(cleanups.pending, []);
});
