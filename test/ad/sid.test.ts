import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  decodeGuid,
  decodeSid,
  describeSid,
  domainSid,
  DOMAIN_RIDS,
  encodeGuid,
  encodeSid,
  isGuid,
  isSid,
  normalizeSid,
  SdDecodeError,
  sddlSid,
  wellKnownSidName,
  WELL_KNOWN_SIDS,
} from '../../src/facts/ad-security/sid.ts';

/** A deliberately naive SID builder: [MS-DTYP] 2.4.2.2 written out byte by byte. */
function naiveSid(text: string): number[] {
  const [, revision, authority, ...subs] = text.split('-');
  const auth = BigInt(authority!);
  const out = [Number(revision), subs.length];
  for (let shift = 40n; shift >= 0n; shift -= 8n) out.push(Number((auth >> shift) & 0xffn));
  for (const s of subs) {
    const n = Number(s);
    out.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  }
  return out;
}

const SID_CASES: { name: string; sid: string; bytes?: number[] }[] = [
  { name: 'Everyone', sid: 'S-1-1-0', bytes: [1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0] },
  { name: 'Administrators', sid: 'S-1-5-32-544', bytes: [1, 2, 0, 0, 0, 0, 0, 5, 0x20, 0, 0, 0, 0x20, 0x02, 0, 0] },
  { name: 'a domain user', sid: 'S-1-5-21-1464257399-643542031-2427126828-1105' },
  { name: 'no sub-authorities', sid: 'S-1-0' },
  { name: 'sub-authority 0xFFFFFFFF', sid: 'S-1-5-4294967295' },
  { name: '15 sub-authorities', sid: `S-1-5${'-7'.repeat(15)}` },
  { name: 'authority just below 2^32 stays decimal', sid: 'S-1-4294967295-1' },
];

for (const c of SID_CASES) {
  test(`SID ${c.name}: decode, encode and the naive builder agree`, () => {
    const bytes = Uint8Array.from(c.bytes ?? naiveSid(c.sid));
    if (c.bytes) assert.deepEqual([...bytes], naiveSid(c.sid), 'the naive builder matches the hand-written bytes');
    assert.equal(decodeSid(bytes), c.sid);
    assert.deepEqual([...encodeSid(c.sid)], [...bytes]);
    assert.equal(isSid(c.sid), true);
  });
}

test('an identifier authority of 2^32 or more is written as 0x and 12 hex digits ([MS-DTYP] 2.4.2.1)', () => {
  const bytes = Uint8Array.of(1, 1, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 9, 0, 0, 0);
  assert.equal(decodeSid(bytes), 'S-1-0x010203040506-9');
  assert.deepEqual([...encodeSid('S-1-0x010203040506-9')], [...bytes]);
  assert.equal(normalizeSid('s-1-0x010203040506-9'), 'S-1-0x010203040506-9');
  assert.equal(normalizeSid('S-1-1108152157446-9'), 'S-1-0x010203040506-9');
});

const SID_ERRORS: { name: string; bytes: number[]; code: string; field: RegExp; offset: number }[] = [
  { name: 'empty', bytes: [], code: 'truncated', field: /Revision/, offset: 0 },
  { name: 'revision 2', bytes: [2, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0], code: 'revision', field: /Revision/, offset: 0 },
  {
    name: '16 sub-authorities',
    bytes: [1, 16, 0, 0, 0, 0, 0, 5, ...new Array<number>(64).fill(0)],
    code: 'sid-sub-authority-count',
    field: /SubAuthorityCount/,
    offset: 1,
  },
  {
    name: '255 sub-authorities',
    bytes: [1, 255, 0, 0, 0, 0, 0, 5],
    code: 'sid-sub-authority-count',
    field: /SubAuthorityCount/,
    offset: 1,
  },
  {
    name: 'a sub-authority cut short',
    bytes: [1, 2, 0, 0, 0, 0, 0, 5, 0x20, 0, 0, 0, 0x20, 0x02],
    code: 'truncated',
    field: /SubAuthority/,
    offset: 0,
  },
  { name: 'a header cut short', bytes: [1, 1, 0, 0, 0], code: 'truncated', field: /SubAuthority/, offset: 0 },
  { name: 'bytes after the SID', bytes: [...naiveSid('S-1-1-0'), 0], code: 'trailing-bytes', field: /SID/, offset: 12 },
];

for (const c of SID_ERRORS) {
  test(`SID decode error: ${c.name} -> SdDecodeError ${c.code}`, () => {
    assert.throws(
      () => decodeSid(Uint8Array.from(c.bytes), 'objectSid'),
      (e: unknown) =>
        e instanceof SdDecodeError &&
        e.code === c.code &&
        e.structure === 'objectSid' &&
        c.field.test(e.field) &&
        e.offset === c.offset,
    );
  });
}

test('encodeSid refuses text that is not a SID', () => {
  for (const bad of [
    '',
    'S-1',
    'S-2-5-32',
    'S-1-5-x',
    'S-1-5-4294967296',
    `S-1-5${'-1'.repeat(16)}`,
    'S-1-281474976710656-1',
    'hello',
  ]) {
    assert.throws(() => encodeSid(bad), RangeError, bad);
    assert.equal(isSid(bad), false, bad);
  }
});

test('well-known SIDs and domain RIDs have names and SDDL aliases', () => {
  const domain = 'S-1-5-21-1-2-3';
  assert.equal(WELL_KNOWN_SIDS.everyone, 'S-1-1-0');
  assert.equal(WELL_KNOWN_SIDS.authenticatedUsers, 'S-1-5-11');
  assert.equal(WELL_KNOWN_SIDS.self, 'S-1-5-10');
  assert.equal(WELL_KNOWN_SIDS.creatorOwner, 'S-1-3-0');
  assert.equal(WELL_KNOWN_SIDS.accountOperators, 'S-1-5-32-548');
  assert.equal(WELL_KNOWN_SIDS.administrators, 'S-1-5-32-544');
  assert.equal(domainSid(domain, DOMAIN_RIDS.domainAdmins), 'S-1-5-21-1-2-3-512');
  assert.equal(wellKnownSidName('S-1-5-21-1-2-3-512'), 'Domain Admins');
  assert.equal(wellKnownSidName('S-1-5-21-1-2-3-519'), 'Enterprise Admins');
  assert.equal(wellKnownSidName('S-1-5-32-548'), 'Account Operators');
  assert.equal(wellKnownSidName('S-1-5-21-1-2-3-1105'), undefined);
  assert.equal(describeSid('S-1-5-11'), 'Authenticated Users (S-1-5-11)');
  assert.equal(describeSid('S-1-5-21-1-2-3-1105'), 'S-1-5-21-1-2-3-1105');
  assert.equal(sddlSid('S-1-5-21-1-2-3-512', domain), 'DA');
  assert.equal(sddlSid('S-1-5-21-9-9-9-512', domain), 'S-1-5-21-9-9-9-512', 'another domain keeps its SID');
  assert.equal(sddlSid('S-1-5-21-1-2-3-512'), 'S-1-5-21-1-2-3-512', 'no domain given: no domain aliases');
  assert.equal(sddlSid('S-1-5-32-554'), 'RU');
});

const COMPUTER = 'bf967a86-0de6-11d0-a285-00aa003049e2';
const COMPUTER_BYTES = [0x86, 0x7a, 0x96, 0xbf, 0xe6, 0x0d, 0xd0, 0x11, 0xa2, 0x85, 0x00, 0xaa, 0x00, 0x30, 0x49, 0xe2];

test('GUIDs: the computer class in its mixed-endian wire form, both ways', () => {
  assert.equal(decodeGuid(Uint8Array.from(COMPUTER_BYTES)), COMPUTER);
  assert.deepEqual([...encodeGuid(COMPUTER)], COMPUTER_BYTES);
  assert.deepEqual([...encodeGuid(COMPUTER.toUpperCase())], COMPUTER_BYTES);
  const any = '00112233-4455-6677-8899-aabbccddeeff';
  assert.equal(decodeGuid(encodeGuid(any)), any);
  assert.deepEqual(
    [...encodeGuid(any)],
    [0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff],
  );
  assert.equal(isGuid(COMPUTER), true);
  for (const bad of [
    '',
    '{bf967a86-0de6-11d0-a285-00aa003049e2}',
    'bf967a86-0de6-11d0-a285-00aa003049e',
    'bf967a860de611d0a28500aa003049e2',
  ]) {
    assert.throws(() => encodeGuid(bad), RangeError, bad);
    assert.equal(isGuid(bad), false);
  }
  assert.throws(
    () => decodeGuid(Uint8Array.from(COMPUTER_BYTES.slice(0, 15))),
    (e: unknown) => e instanceof SdDecodeError && e.code === 'truncated',
  );
  assert.throws(
    () => decodeGuid(Uint8Array.from([...COMPUTER_BYTES, 0])),
    (e: unknown) => e instanceof SdDecodeError && e.code === 'trailing-bytes',
  );
});

// Bytes recorded from a Samba DC by test/lab/record-samba.ts, described in index.json.
const SAMBA = fileURLToPath(new URL('../fixtures/samba/', import.meta.url));
const haveSamba = existsSync(`${SAMBA}index.json`);
interface SambaFile {
  file: string;
  kind: string;
  sid?: string;
  guid?: string;
  sids?: string[];
}

test(
  'Samba fixtures: objectSid, tokenGroups and schemaIDGUID values decode to what the index says',
  { skip: !haveSamba && 'no test/fixtures/samba/index.json' },
  () => {
    const index = JSON.parse(readFileSync(`${SAMBA}index.json`, 'utf8')) as { files: SambaFile[] };
    let checked = 0;
    for (const f of index.files) {
      const bytes = readFileSync(`${SAMBA}${f.file}`);
      if (f.kind === 'objectSid') {
        assert.equal(decodeSid(bytes), f.sid, f.file);
        checked++;
      } else if (f.kind === 'schemaIDGUID') {
        assert.equal(decodeGuid(bytes), f.guid, f.file);
        assert.equal(f.guid, COMPUTER);
        checked++;
      } else if (f.kind === 'tokenGroups') {
        // The file is each SID prefixed with its length in one byte.
        const sids: string[] = [];
        for (let at = 0; at < bytes.length; at += 1 + bytes[at]!)
          sids.push(decodeSid(bytes.subarray(at + 1, at + 1 + bytes[at]!)));
        assert.deepEqual(sids, f.sids, f.file);
        checked++;
      }
    }
    assert.ok(checked >= 3, `only ${checked} SID/GUID fixtures`);
  },
);
