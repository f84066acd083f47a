/**
 * The capture tooling (pcap reader, TCP reassembly, PDU splitting) on synthetic input, and the
 * fixtures it wrote (test/fixtures/tgt) for internal consistency: stream files split into exactly
 * the PDUs streams.json lists, every PDU in pdus.json is one whole PDU, CHAP responses verify.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readPcap, tcpConnections } from './pcap.ts';
import { splitPdus, textKeys, decodeSense, describeCdb } from './iscsi-annotate.ts';

// ---------------------------------------------------------------------------------------------
// A naive pcap writer: Ethernet + IPv4 + TCP, no checksums (the reader ignores them).

interface Seg {
  from: 'c' | 's';
  seq: number;
  flags: number;
  data?: number[];
}

function pcapFile(segs: Seg[]): Uint8Array {
  const out: number[] = [];
  const u32le = (n: number) => out.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
  const u16le = (n: number) => out.push(n & 0xff, n >>> 8);
  u32le(0xa1b2c3d4);
  u16le(2);
  u16le(4);
  u32le(0);
  u32le(0);
  u32le(262144);
  u32le(1);
  segs.forEach((s, i) => {
    const data = s.data ?? [];
    const tcp = [
      ...(s.from === 'c' ? [0xc0, 0x00, 0x0c, 0xbc] : [0x0c, 0xbc, 0xc0, 0x00]), // ports 49152 <-> 3260
      (s.seq >>> 24) & 0xff,
      (s.seq >>> 16) & 0xff,
      (s.seq >>> 8) & 0xff,
      s.seq & 0xff,
      0,
      0,
      0,
      0,
      0x50,
      s.flags,
      0xff,
      0xff,
      0,
      0,
      0,
      0,
      ...data,
    ];
    const ipLen = 20 + tcp.length;
    const ip = [
      0x45,
      0,
      ipLen >> 8,
      ipLen & 0xff,
      0,
      0,
      0x40,
      0,
      64,
      6,
      0,
      0,
      127,
      0,
      0,
      s.from === 'c' ? 1 : 2,
      127,
      0,
      0,
      s.from === 'c' ? 2 : 1,
    ];
    const frame = [...Array(12).fill(0), 0x08, 0x00, ...ip, ...tcp];
    u32le(1_700_000_000 + i);
    u32le(0);
    u32le(frame.length);
    u32le(frame.length);
    out.push(...frame);
  });
  return Uint8Array.from(out);
}

const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x18;
const FIN = 0x11;

test('pcap: TCP reassembly puts out-of-order segments in place and drops retransmissions', () => {
  const file = pcapFile([
    { from: 'c', seq: 1000, flags: SYN },
    { from: 's', seq: 5000, flags: SYN | ACK },
    { from: 'c', seq: 1004, flags: PSH, data: [5, 6, 7] }, // arrives before its predecessor
    { from: 'c', seq: 1001, flags: PSH, data: [1, 2, 3] },
    { from: 'c', seq: 1001, flags: PSH, data: [1, 2, 3] }, // retransmission
    { from: 's', seq: 5001, flags: PSH, data: [9, 8] },
    { from: 'c', seq: 1007, flags: FIN },
  ]);
  const packets = readPcap(file);
  assert.equal(packets.length, 7);
  const conns = tcpConnections(packets);
  assert.equal(conns.length, 1);
  const [c] = conns;
  assert.deepEqual(c!.client, { addr: '127.0.0.1', port: 49152 });
  assert.deepEqual(c!.server, { addr: '127.0.0.2', port: 3260 });
  assert.deepEqual([...c!.toServer.bytes], [1, 2, 3, 5, 6, 7]);
  assert.deepEqual([...c!.toClient.bytes], [9, 8]);
  assert.equal(c!.toServer.gaps, 0);
  assert.equal(c!.partial, false);
});

test('pcap: a missing segment is reported as a gap, a new SYN starts a new connection', () => {
  const file = pcapFile([
    { from: 'c', seq: 10, flags: SYN },
    { from: 'c', seq: 14, flags: PSH, data: [4] },
    { from: 'c', seq: 15, flags: FIN },
    { from: 'c', seq: 900, flags: SYN },
    { from: 'c', seq: 901, flags: PSH, data: [7] },
  ]);
  const conns = tcpConnections(readPcap(file));
  assert.equal(conns.length, 2);
  assert.equal(conns[0]!.toServer.gaps, 1);
  assert.deepEqual([...conns[1]!.toServer.bytes], [7]);
});

test('pcap: refuses pcapng and garbage', () => {
  assert.throws(() => readPcap(Uint8Array.from([0x0a, 0x0d, 0x0d, 0x0a, ...Array(40).fill(0)])), /pcapng/);
  assert.throws(() => readPcap(Uint8Array.from(Array(40).fill(7))), /not a pcap/);
});

test('splitPdus: BHS + AHS + header digest + padded data + data digest', () => {
  const bhs = (opcode: number, ahsWords: number, dsl: number) => {
    const b = new Uint8Array(48);
    b[0] = opcode;
    b[4] = ahsWords;
    b[5] = (dsl >> 16) & 0xff;
    b[6] = (dsl >> 8) & 0xff;
    b[7] = dsl & 0xff;
    return [...b];
  };
  const login = [...bhs(0x23, 0, 5), 1, 2, 3, 4, 5, 0, 0, 0];
  const cmd = [...bhs(0x21, 1, 2), 0xa, 0xa, 0xa, 0xa, 0xd, 0xd, 0xd, 0xd, 7, 7, 0, 0, 0xe, 0xe, 0xe, 0xe];
  const stream = Uint8Array.from([...login, ...cmd, 1, 2]);
  const { pdus, rest } = splitPdus(stream, 'target->initiator', (op) =>
    op === 0x23 ? { header: false, data: false } : { header: true, data: true },
  );
  assert.equal(pdus.length, 2);
  assert.equal(rest, 2);
  assert.deepEqual([...pdus[0]!.data], [1, 2, 3, 4, 5]);
  assert.equal(pdus[1]!.header.length, 52);
  assert.deepEqual([...pdus[1]!.headerDigest!], [0xd, 0xd, 0xd, 0xd]);
  assert.deepEqual([...pdus[1]!.data], [7, 7]);
  assert.deepEqual([...pdus[1]!.dataDigest!], [0xe, 0xe, 0xe, 0xe]);
});

test('annotate: sense and CDB names', () => {
  const fixed = new Uint8Array(18);
  fixed[0] = 0x70;
  fixed[2] = 0x05;
  fixed[12] = 0x20;
  assert.match(decodeSense(fixed)!.text, /^05\/20\/00 ILLEGAL REQUEST, invalid command operation code$/);
  assert.equal(
    decodeSense(Uint8Array.from([0x72, 0x06, 0x2a, 0x04]))!.text,
    '06/2a/04 UNIT ATTENTION, reservations released',
  );
  assert.equal(
    describeCdb(Uint8Array.from([0x5e, 0x03, 0, 0, 0, 0, 0, 0x40, 0, 0])).text,
    'PERSISTENT RESERVE IN READ FULL STATUS alloc=16384',
  );
});

// ---------------------------------------------------------------------------------------------
// The captured fixtures.

const dir = new URL('../fixtures/tgt/', import.meta.url);
const noFixtures =
  !existsSync(new URL('streams.json', dir)) && 'no captures in test/fixtures/tgt (run test/lab/capture.ts)';
const readJson = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as T;

interface StreamIndex {
  streams: {
    name: string;
    files: Record<'initiator->target' | 'target->initiator', string>;
    digests: { header: boolean; data: boolean };
    pdus: { direction: 'initiator->target' | 'target->initiator'; offset: number; length: number; opcode: number }[];
  }[];
}

test('fixtures: every stream splits into exactly the PDUs streams.json lists', { skip: noFixtures }, () => {
  const index = readJson<StreamIndex>('streams.json');
  assert.ok(index.streams.length >= 8);
  for (const s of index.streams) {
    for (const direction of ['initiator->target', 'target->initiator'] as const) {
      const bytes = new Uint8Array(readFileSync(new URL(s.files[direction], dir)));
      const loginOpcode = direction === 'initiator->target' ? 0x03 : 0x23;
      let ffp = false;
      const { pdus, rest } = splitPdus(bytes, direction, (op) => {
        if (op !== loginOpcode) ffp = true;
        return ffp ? s.digests : { header: false, data: false };
      });
      assert.equal(rest, 0, `${s.name} ${direction}: trailing bytes`);
      const listed = s.pdus.filter((p) => p.direction === direction);
      assert.deepEqual(
        pdus.map((p) => [p.offset, p.bytes.length, p.opcode]),
        listed.map((p) => [p.offset, p.length, p.opcode]),
        `${s.name} ${direction}`,
      );
    }
  }
});

interface PduEntry {
  name: string;
  direction: string;
  hex: string;
  session: string;
  notes: string;
}

test('fixtures: each pdus.json entry is one whole PDU', { skip: noFixtures }, () => {
  const { entries } = readJson<{ entries: PduEntry[] }>('pdus.json');
  assert.ok(entries.length > 50);
  for (const e of entries) {
    const b = Buffer.from(e.hex, 'hex');
    const digests = /digests \{"header":true/.test(e.notes) && b[0]! % 0x40 !== 0x03 && b[0]! % 0x40 !== 0x23;
    const dsl = b.readUIntBE(5, 3);
    const expected = 48 + b[4]! * 4 + (digests ? 4 : 0) + ((dsl + 3) & ~3);
    assert.equal(b.length, expected, `${e.session}: ${e.name}`);
  }
  const opcodes = new Set(entries.map((e) => Buffer.from(e.hex, 'hex')[0]! & 0x3f));
  for (const op of [0x00, 0x01, 0x03, 0x04, 0x05, 0x06, 0x20, 0x21, 0x23, 0x24, 0x25, 0x26, 0x31])
    assert.ok(opcodes.has(op), `opcode 0x${op.toString(16)} captured`);
});

test('fixtures: CHAP responses in the captured logins verify with the lab secrets', { skip: noFixtures }, () => {
  const { entries } = readJson<{ entries: PduEntry[] }>('pdus.json');
  const keysOf = (session: string) =>
    entries
      .filter((e) => e.session === session && /^Login/.test(e.name))
      .map((e) => {
        const b = Buffer.from(e.hex, 'hex');
        return new Map(textKeys(b.subarray(48, 48 + b.readUIntBE(5, 3))));
      });
  const md5 = (id: string, secret: string, challenge: string) =>
    createHash('md5')
      .update(Buffer.concat([Buffer.from([Number(id)]), Buffer.from(secret), Buffer.from(challenge.slice(2), 'hex')]))
      .digest('hex');
  for (const session of ['chap', 'mutual-chap']) {
    const keys = keysOf(session);
    const challenge = keys.find((k) => k.has('CHAP_C') && k.has('CHAP_A'))!;
    const answer = keys.find((k) => k.get('CHAP_N') === 'labuser')!;
    assert.equal(
      answer.get('CHAP_R')!.slice(2).toLowerCase(),
      md5(challenge.get('CHAP_I')!, 'lab-secret-0123', challenge.get('CHAP_C')!),
      session,
    );
  }
  const mutual = keysOf('mutual-chap');
  const asked = mutual.find((k) => k.get('CHAP_N') === 'labuser')!;
  const targetAnswer = mutual.find((k) => k.get('CHAP_N') === 'tgtuser')!;
  assert.equal(
    targetAnswer.get('CHAP_R')!.slice(2).toLowerCase(),
    md5(asked.get('CHAP_I')!, 'tgt-secret-4567', asked.get('CHAP_C')!),
  );
});

test('fixtures: SCSI exchange files carry cdb, status and decodable sense', { skip: noFixtures }, () => {
  for (const file of [
    'inquiry.json',
    'vpd.json',
    'report-luns.json',
    'read-capacity.json',
    'test-unit-ready.json',
    'persistent-reserve-in.json',
    'persistent-reserve-out.json',
    'sense.json',
    'other-commands.json',
  ]) {
    const { entries } = readJson<{
      entries: { name: string; cdb: string; statusCode: number; sense?: string; senseDecoded?: string }[];
    }>(file);
    assert.ok(entries.length > 0, file);
    for (const e of entries) {
      assert.match(e.cdb, /^([0-9a-f]{2}){6,16}$/, `${file}: ${e.name}`);
      assert.ok([0, 2, 0x18].includes(e.statusCode), `${file}: ${e.name} status ${e.statusCode}`);
      if (e.statusCode === 2)
        assert.equal(decodeSense(Buffer.from(e.sense ?? '', 'hex'))?.text, e.senseDecoded, `${file}: ${e.name}`);
    }
  }
});
