import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretStore } from '../../src/config/secrets.ts';
import { UsageError } from '../../src/engine/errors.ts';

test('env: and file: references resolve; the value only comes out through reveal()', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cp-secrets-'));
  await writeFile(join(dir, 'chap.txt'), 'file-secret-123\n');
  const store = new SecretStore({ baseDir: dir, env: { AD_PW: 'env-secret-456' } });
  const fromEnv = await store.resolve('env:AD_PW', 'activeDirectory.bind.password');
  const fromFile = await store.resolve('file:chap.txt', 'storage.iscsi[0].chap.secret');
  assert.equal(fromEnv.reveal(), 'env-secret-456');
  assert.equal(fromFile.reveal(), 'file-secret-123');
  for (const s of [fromEnv, fromFile]) {
    assert.equal(String(s), '[secret]');
    assert.equal(JSON.stringify({ s }), '{"s":"[secret]"}');
    assert.equal(inspect(s), '[secret]');
    assert.ok(!`${s}`.includes(s.reveal()));
  }
  assert.equal(store.scrub('a env-secret-456 b file-secret-123'), 'a [secret] b [secret]');
  assert.deepEqual(store.scrubDeep({ x: ['env-secret-456'] }), { x: ['[secret]'] });
});

test('missing env var, unreadable file and prompt without a terminal are usage errors naming the key, not the value', async () => {
  const store = new SecretStore({ baseDir: '/nonexistent', env: {} });
  await assert.rejects(
    store.resolve('env:NOPE', 'activeDirectory.bind.password'),
    (e: unknown) =>
      e instanceof UsageError &&
      /activeDirectory\.bind\.password: environment variable NOPE is not set/.test(e.message),
  );
  await assert.rejects(
    store.resolve('file:missing', 'k'),
    (e: unknown) => e instanceof UsageError && /cannot read secret file .*missing \(ENOENT\)/.test(e.message),
  );
  await assert.rejects(
    store.resolve('prompt', 'k'),
    (e: unknown) => e instanceof UsageError && /interactive terminal/.test(e.message),
  );
  await assert.rejects(
    store.resolve('literal-password', 'k'),
    (e: unknown) => e instanceof UsageError && !e.message.includes('literal-password'),
  );
});

test('prompt asks once per reference and caches the answer', async () => {
  let asked = 0;
  const store = new SecretStore({
    baseDir: '.',
    prompt: async () => {
      asked += 1;
      return 'typed-secret';
    },
  });
  const [a, b] = await Promise.all([store.resolve('prompt', 'k'), store.resolve('prompt', 'k')]);
  assert.equal(asked, 1);
  assert.equal(a.reveal(), 'typed-secret');
  assert.equal(b, a);
});

test('prompt at two different keys asks twice: the AD password is not reused as the CHAP secret', async () => {
  const answers = ['ad-password', 'chap-secret'];
  const store = new SecretStore({ baseDir: '.', prompt: async () => answers.shift()! });
  const ad = await store.resolve('prompt', 'activeDirectory.bind.password');
  const chap = await store.resolve('prompt', 'storage.iscsi[0].chap.secret');
  assert.equal(ad.reveal(), 'ad-password');
  assert.equal(chap.reveal(), 'chap-secret');
});
