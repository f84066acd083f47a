import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PduFramer } from '../../src/iscsi/framer.ts';
import { serializePdu, buildScsiCommand, buildTextRequest } from '../../src/iscsi/pdu.ts';
import { crc32c } from '../../src/iscsi/crc32c.ts';
import { IscsiProtocolError } from '../../src/iscsi/errors.ts';
import { ascii, be32, fields, naivePdu } from './support/naive.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Three PDUs back to back: no data, data needing padding, data already aligned. */
function stream(): Uint8Array[] {
  return [
    naivePdu(
      fields([
        [0, [0x20, 0x80]],
        [16, be32(0xffffffff)],
        [20, be32(9)],
      ]),
    ),
    naivePdu(
      fields([
        [0, [0x24, 0x80]],
        [16, be32(2)],
      ]),
      ascii('TargetName=iqn.2026-11.test:disk1\0TargetAddress=127.0.0.1:3260,1\0'),
    ),
    naivePdu(
      fields([
        [0, [0x25, 0x81]],
        [16, be32(3)],
      ]),
      [1, 2, 3, 4, 5, 6, 7, 8],
    ),
  ];
}

test('reassembles PDUs split at every byte offset, in one or two pieces', () => {
  const pdus = stream();
  const all = Uint8Array.from(pdus.flatMap((p) => [...p]));
  for (let cut = 0; cut <= all.length; cut += 1) {
    const framer = new PduFramer();
    const got = [...framer.push(all.subarray(0, cut)), ...framer.push(all.subarray(cut))];
    assert.equal(got.length, 3, `cut at ${cut}`);
    assert.equal(framer.buffered, 0);
    assert.equal(
      hex(got[1]!.data),
      hex(Uint8Array.from(ascii('TargetName=iqn.2026-11.test:disk1\0TargetAddress=127.0.0.1:3260,1\0'))),
    );
    assert.equal(hex(got[2]!.data), '0102030405060708');
  }
});

test('reassembles a byte at a time', () => {
  const all = Uint8Array.from(stream().flatMap((p) => [...p]));
  const framer = new PduFramer();
  const got = [...all].flatMap((b) => framer.push(Uint8Array.of(b)));
  assert.equal(got.length, 3);
});

test('property: any chunking of a stream yields the same PDUs', () => {
  const all = Uint8Array.from(stream().flatMap((p) => [...p]));
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: all.length }), { maxLength: 20 }), (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      const framer = new PduFramer();
      let last = 0;
      const got = [];
      for (const p of [...points, all.length]) {
        got.push(...framer.push(all.subarray(last, p)));
        last = p;
      }
      return got.length === 3 && framer.buffered === 0;
    }),
  );
});

test('a DataSegmentLength over the limit is refused before any allocation', () => {
  const head = naivePdu(fields([[0, [0x25]]]));
  head[5] = 0xff;
  head[6] = 0xff;
  head[7] = 0xff;
  assert.throws(() => new PduFramer(65536).push(head.subarray(0, 48)), IscsiProtocolError);
});

test('digests: a good stream passes, one flipped bit in header or data is caught', () => {
  const digests = { headerDigest: true, dataDigest: true };
  const cmd = buildScsiCommand({
    final: true,
    read: true,
    write: false,
    lun: 1,
    initiatorTaskTag: 1,
    expectedDataTransferLength: 96,
    cmdSN: 1,
    expStatSN: 1,
    cdb: Uint8Array.of(0x12, 0, 0, 0, 96, 0),
  });
  const text = buildTextRequest(
    {
      final: true,
      continue: false,
      initiatorTaskTag: 2,
      targetTransferTag: 0xffffffff,
      cmdSN: 1,
      expStatSN: 1,
      immediate: true,
    },
    Uint8Array.from(ascii('SendTargets=All\0')),
  );
  const bytes = Uint8Array.from([...serializePdu(cmd, digests), ...serializePdu(text, digests)]);
  const framer = new PduFramer();
  framer.setDigests(digests);
  assert.equal(framer.push(bytes).length, 2);
  for (const flip of [10, 48 + 4 + 52 + 3]) {
    const bad = bytes.slice();
    bad[flip]! ^= 0x01;
    const f = new PduFramer();
    f.setDigests(digests);
    assert.throws(() => f.push(bad), IscsiProtocolError, `flip at ${flip}`);
  }
});

test('CRC32C matches the RFC 3720 B.4 vectors', () => {
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
});

test('fuzz: random bytes never make the framer throw anything but IscsiProtocolError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, digests) => {
      const f = new PduFramer(4096);
      f.setDigests({ headerDigest: digests, dataDigest: digests });
      try {
        f.push(bytes);
      } catch (err) {
        return err instanceof IscsiProtocolError;
      }
      return true;
    }),
    { numRuns: 2000 },
  );
});
