import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeResponse, encodeQuery, readName } from '../../src/ad/dns.ts';

/** A naive response builder: header, the question, then answers given as raw RDATA. */
function response(
  id: number,
  question: Buffer,
  answers: { name: Buffer; type: number; rdata: Buffer }[],
  rcode = 0,
): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x8180 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const body = answers.map((a) => {
    const fixed = Buffer.alloc(10);
    fixed.writeUInt16BE(a.type, 0);
    fixed.writeUInt16BE(1, 2);
    fixed.writeUInt32BE(600, 4);
    fixed.writeUInt16BE(a.rdata.length, 8);
    return Buffer.concat([a.name, fixed, a.rdata]);
  });
  return Buffer.concat([header, question, ...body]);
}

const pointer = (offset: number) => Buffer.of(0xc0 | (offset >> 8), offset & 0xff);

test('the query: header with RD, one question, QTYPE and class IN', () => {
  const q = encodeQuery(0x1234, '_ldap._tcp.dc._msdcs.lab.example.test', 33);
  assert.equal(q.readUInt16BE(0), 0x1234);
  assert.equal(q.readUInt16BE(2), 0x0100);
  assert.equal(readName(q, 12).name, '_ldap._tcp.dc._msdcs.lab.example.test');
  assert.deepEqual([...q.subarray(-4)], [0, 33, 0, 1]);
  assert.throws(() => encodeQuery(1, 'a..b', 1), RangeError);
});

test('an SRV answer whose target name is compressed (as Samba 4.17 sends it) decodes', () => {
  const question = encodeQuery(7, '_ldap._tcp.dc._msdcs.lab.example.test', 33).subarray(12);
  // "lab.example.test" starts at offset 12 + the length of "_ldap._tcp.dc._msdcs." labels.
  const suffixAt = 12 + 1 + 5 + 1 + 4 + 1 + 2 + 1 + 6;
  const target = Buffer.concat([Buffer.of(3), Buffer.from('dc1'), pointer(suffixAt)]);
  const rdata = Buffer.concat([Buffer.of(0, 0, 0, 100, 1, 0x85), target]);
  const msg = response(7, question, [{ name: pointer(12), type: 33, rdata }]);
  const answer = decodeResponse(msg);
  assert.equal(answer.records.length, 1);
  assert.equal(answer.records[0]!.name, '_ldap._tcp.dc._msdcs.lab.example.test');
  assert.equal(readName(msg, answer.records[0]!.offset + 6).name, 'dc1.lab.example.test');
});

test('pointer loops, forward pointers, reserved label types and truncation are RangeErrors', () => {
  const loop = Buffer.concat([Buffer.alloc(12), pointer(12)]);
  assert.throws(() => readName(loop, 12), /compression pointer/);
  const forward = Buffer.concat([Buffer.alloc(12), pointer(20), Buffer.alloc(8)]);
  assert.throws(() => readName(forward, 12), /compression pointer/);
  assert.throws(() => readName(Buffer.of(0x40, 1, 2), 0), /reserved label type/);
  assert.throws(() => readName(Buffer.of(5, 97, 98), 0), /past the end/);
  assert.throws(() => decodeResponse(Buffer.alloc(5)), /header/);
});

test('fuzz: any mutation of a valid answer decodes or throws RangeError, never anything else', () => {
  const question = encodeQuery(9, 'hv01.lab.example.test', 1).subarray(12);
  const valid = response(9, question, [{ name: pointer(12), type: 1, rdata: Buffer.of(127, 0, 0, 11) }]);
  let seed = 0x2545f491;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 0x1000000;
  for (let i = 0; i < 5000; i += 1) {
    const m = Buffer.from(valid);
    const flips = 1 + Math.floor(rand() * 4);
    for (let f = 0; f < flips; f += 1) m[Math.floor(rand() * m.length)] = Math.floor(rand() * 256);
    const cut = rand() < 0.3 ? m.subarray(0, Math.floor(rand() * m.length)) : m;
    try {
      decodeResponse(cut);
    } catch (err) {
      assert.ok(err instanceof RangeError, `iteration ${i}: ${String(err)}`);
    }
  }
});
