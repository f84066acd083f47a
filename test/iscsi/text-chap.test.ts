import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { encodeText, parseText } from '../../src/iscsi/text.ts';
import {
  chapResponse,
  decodeBinary,
  encodeHex,
  newMutualChallenge,
  verifyTargetResponse,
} from '../../src/iscsi/chap.ts';
import { parseSendTargets } from '../../src/iscsi/discovery.ts';
import { serialLe, serialLt, randomIsid } from '../../src/iscsi/session.ts';
import { IscsiProtocolError, IscsiNegotiationError, loginStatusName } from '../../src/iscsi/errors.ts';
import { parsePortal } from '../../src/iscsi/connection.ts';

test('text pairs round-trip; repeated keys keep their order', () => {
  const pairs: [string, string][] = [
    ['TargetName', 'iqn.a'],
    ['TargetAddress', '10.0.0.1:3260,1'],
    ['TargetAddress', '[fe80::1]:3260,2'],
    ['TargetName', 'iqn.b'],
  ];
  assert.deepEqual(parseText(encodeText(pairs)), pairs);
  assert.deepEqual(parseSendTargets(pairs), [
    { name: 'iqn.a', addresses: ['10.0.0.1:3260,1', '[fe80::1]:3260,2'] },
    { name: 'iqn.b', addresses: [] },
  ]);
  assert.throws(() => parseSendTargets([['TargetAddress', 'x']]), IscsiProtocolError);
});

test('malformed text is a typed error', () => {
  for (const bad of ['novalue\0', '=x\0', `${'K'.repeat(64)}=1\0`, 'bad key=1\0']) {
    assert.throws(() => parseText(new TextEncoder().encode(bad)), IscsiProtocolError, bad);
  }
});

test('fuzz: parseText on arbitrary bytes returns pairs or throws IscsiProtocolError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      try {
        parseText(bytes);
        return true;
      } catch (err) {
        return err instanceof IscsiProtocolError;
      }
    }),
    { numRuns: 3000 },
  );
});

test('CHAP response is MD5(id || secret || challenge), per RFC 1994', () => {
  const secret = Buffer.from('verysecretvalue');
  const challenge = Uint8Array.from({ length: 16 }, (_, i) => i * 7);
  const expected = createHash('md5')
    .update(Buffer.concat([Buffer.of(0x2a), secret, Buffer.from(challenge)]))
    .digest('hex');
  assert.equal(Buffer.from(chapResponse(0x2a, secret, challenge)).toString('hex'), expected);
  const mine = newMutualChallenge();
  assert.equal(verifyTargetResponse(mine, secret, chapResponse(mine.identifier, secret, mine.challenge)), true);
  assert.equal(
    verifyTargetResponse(mine, Buffer.from('other'), chapResponse(mine.identifier, secret, mine.challenge)),
    false,
  );
});

test('CHAP binary values: hex and base64 in, hex out; junk and oversize refused', () => {
  assert.deepEqual([...decodeBinary('0x0a0B', 'CHAP_C')], [10, 11]);
  assert.deepEqual([...decodeBinary('0bAQID', 'CHAP_C')], [1, 2, 3]);
  assert.equal(encodeHex(Uint8Array.of(1, 255)), '0x01ff');
  assert.throws(() => decodeBinary('zz', 'CHAP_C'), IscsiNegotiationError);
  assert.throws(() => decodeBinary(`0x${'00'.repeat(9000)}`, 'CHAP_C'), IscsiNegotiationError);
});

test('serial number arithmetic wraps (RFC 1982)', () => {
  assert.equal(serialLt(1, 2), true);
  assert.equal(serialLt(0xffffffff, 0), true);
  assert.equal(serialLt(0, 0xffffffff), false);
  assert.equal(serialLt(5, 5), false);
  assert.equal(serialLe(5, 5), true);
  assert.equal(serialLt(0x7fffffff, 0xfffffffe), true);
});

test('random ISIDs are of the random type with the qualifier at the end', () => {
  const a = randomIsid(0x0102);
  assert.equal(a.length, 6);
  assert.equal(a[0], 0x80);
  assert.deepEqual([a[4], a[5]], [1, 2]);
  assert.notDeepEqual([...randomIsid()], [...randomIsid()]);
});

test('login status names and portals', () => {
  assert.equal(loginStatusName(2, 1), 'authentication failure');
  assert.equal(loginStatusName(2, 3), 'target not found');
  assert.match(loginStatusName(9, 9), /status class 0x9/);
  assert.deepEqual(parsePortal('10.0.0.20'), { host: '10.0.0.20', port: 3260 });
  assert.deepEqual(parsePortal('san:3261'), { host: 'san', port: 3261 });
  assert.deepEqual(parsePortal('[fe80::1]:3262'), { host: 'fe80::1', port: 3262 });
  assert.deepEqual(parsePortal('fe80::1'), { host: 'fe80::1', port: 3260 });
  assert.throws(() => parsePortal('host:99999'), RangeError);
});
