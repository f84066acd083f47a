/**
 * Our framer and decoders on real bytes: every session captured from tgt and libiscsi
 * (test/fixtures/tgt, see its README), fed whole, split at every offset, and a byte at a time,
 * must yield exactly the PDUs the capture's index lists; every target PDU must decode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PduFramer } from '../../src/iscsi/framer.ts';
import {
  BHS_LENGTH,
  decodeDataIn,
  decodeLoginResponse,
  decodeLogoutResponse,
  decodeNopIn,
  decodeR2T,
  decodeScsiResponse,
  decodeTextResponse,
  OPCODE,
  opcodeOf,
  padded,
  type Pdu,
} from '../../src/iscsi/pdu.ts';
import { parseText } from '../../src/iscsi/text.ts';
import { parseSendTargets } from '../../src/iscsi/discovery.ts';

const DIR = new URL('../fixtures/tgt/', import.meta.url);

interface StreamIndex {
  streams: {
    name: string;
    files: Record<'initiator->target' | 'target->initiator', string>;
    digests: { header: boolean; data: boolean };
    pdus: { direction: string; offset: number; length: number; opcode: number }[];
  }[];
}

const index = JSON.parse(readFileSync(new URL('streams.json', DIR), 'utf8')) as StreamIndex;

/** Is this PDU the last of the login phase in its direction (digests start after it)? */
function endsLogin(pdu: Pdu): boolean {
  const op = opcodeOf(pdu.bhs);
  return (
    (op === OPCODE.LoginRequest || op === OPCODE.LoginResponse) &&
    (pdu.bhs[1]! & 0x80) !== 0 &&
    (pdu.bhs[1]! & 0x03) === 3
  );
}

/** Frames `bytes` fed in the given pieces, switching digests on after the login as a session does. */
function frame(bytes: Uint8Array, cuts: readonly number[], digests: { header: boolean; data: boolean }): Pdu[] {
  const framer = new PduFramer();
  const out: Pdu[] = [];
  let last = 0;
  let loginDone = false;
  for (const end of [...cuts, bytes.length]) {
    // A session switches digests between PDUs; feed the piece PDU by PDU once digests matter.
    const piece = bytes.subarray(last, end);
    last = end;
    if (!digests.header && !digests.data) {
      out.push(...framer.push(piece));
      continue;
    }
    for (let i = 0; i < piece.length; i += 1) {
      for (const pdu of framer.push(piece.subarray(i, i + 1))) {
        out.push(pdu);
        if (!loginDone && endsLogin(pdu)) {
          loginDone = true;
          framer.setDigests({ headerDigest: digests.header, dataDigest: digests.data });
        }
      }
    }
  }
  assert.equal(framer.buffered, 0, 'no bytes left over');
  return out;
}

function lengths(pdus: Pdu[], digests: { header: boolean; data: boolean }): number[] {
  let loginDone = false;
  return pdus.map((p) => {
    const on = loginDone;
    if (endsLogin(p)) loginDone = true;
    return (
      BHS_LENGTH +
      p.ahs.length +
      (on && digests.header ? 4 : 0) +
      padded(p.data.length) +
      (on && digests.data && p.data.length > 0 ? 4 : 0)
    );
  });
}

for (const stream of index.streams) {
  for (const direction of ['initiator->target', 'target->initiator'] as const) {
    test(`${stream.name} ${direction}: framed at every split offset into the indexed PDUs`, () => {
      const bytes = new Uint8Array(readFileSync(new URL(stream.files[direction], DIR)));
      const expected = stream.pdus.filter((p) => p.direction === direction);
      const whole = frame(bytes, [], stream.digests);
      assert.deepEqual(
        whole.map((p) => opcodeOf(p.bhs)),
        expected.map((p) => p.opcode),
      );
      assert.deepEqual(
        lengths(whole, stream.digests),
        expected.map((p) => p.length),
      );
      const step = bytes.length > 4096 ? 97 : 1; // the 64 KiB streams: every 97th offset
      for (let cut = 1; cut < bytes.length; cut += step) {
        const split = frame(bytes, [cut], stream.digests);
        assert.equal(split.length, whole.length, `cut at ${cut}`);
      }
      if (direction === 'target->initiator') {
        for (const pdu of whole) decodeTargetPdu(pdu);
      }
    });
  }
}

function decodeTargetPdu(pdu: Pdu): void {
  switch (opcodeOf(pdu.bhs)) {
    case OPCODE.LoginResponse:
      parseText(decodeLoginResponse(pdu).data);
      return;
    case OPCODE.TextResponse:
      parseSendTargets(parseText(decodeTextResponse(pdu).data));
      return;
    case OPCODE.ScsiResponse:
      decodeScsiResponse(pdu);
      return;
    case OPCODE.DataIn:
      decodeDataIn(pdu);
      return;
    case OPCODE.R2T:
      decodeR2T(pdu);
      return;
    case OPCODE.NopIn:
      decodeNopIn(pdu);
      return;
    case OPCODE.LogoutResponse:
      decodeLogoutResponse(pdu);
      return;
    default:
      assert.fail(`unexpected target opcode 0x${opcodeOf(pdu.bhs).toString(16)}`);
  }
}

test('the large SendTargets answer lists every target with its portal', () => {
  const stream = index.streams.find((s) => s.name === 'stream-discovery-many')!;
  const pdus = frame(new Uint8Array(readFileSync(new URL(stream.files['target->initiator'], DIR))), [], stream.digests);
  const text = pdus
    .filter((p) => opcodeOf(p.bhs) === OPCODE.TextResponse)
    .flatMap((p) => parseText(decodeTextResponse(p).data));
  const targets = parseSendTargets(text);
  assert.ok(targets.length > 150, `${targets.length} targets`);
  assert.ok(targets.every((t) => t.addresses.length >= 1));
});
