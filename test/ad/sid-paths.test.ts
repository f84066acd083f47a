/**
 * One SID decoder: the LDAP path (sidString in src/ad/probe.ts, over objectSid / tokenGroups
 * values) and the PowerShell path (psSid in src/windows/ad-facts.ts, over the bytes pwsh prints
 * as base64 or 5.1 prints as a number array) give the same string for the same bytes, and agree
 * on what is not a SID. Bytes come from a naive builder and from Samba.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sidString } from '../../src/ad/probe.ts';
import { psSid as psSidOrInvalid } from '../../src/windows/ps-json.ts';

/** The PowerShell path's SID, or null where it refuses the value (a typed PsInvalid). */
const psSid = (value: unknown): string | null => {
  const sid = psSidOrInvalid(value);
  return typeof sid === 'string' ? sid : null;
};

/** [MS-DTYP] 2.4.2.2 byte by byte: revision, count, 48-bit big-endian authority, LE sub-authorities. */
function sidBytes(revision: number, authority: bigint, subs: readonly number[], count = subs.length): number[] {
  const out = [revision, count];
  for (let shift = 40n; shift >= 0n; shift -= 8n) out.push(Number((authority >> shift) & 0xffn));
  for (const s of subs) out.push(s & 0xff, (s >>> 8) & 0xff, (s >>> 16) & 0xff, (s >>> 24) & 0xff);
  return out;
}

const samba = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/samba/${name}`, import.meta.url)));

const fifteen = Array.from({ length: 15 }, (_, i) => (i + 1) * 1_000_003);

const CASES: { name: string; bytes: readonly number[]; sid: string | null }[] = [
  { name: 'sub-authority count 0 (S-1-5, NT AUTHORITY)', bytes: sidBytes(1, 5n, []), sid: 'S-1-5' },
  {
    name: 'sub-authority count 15, the most allowed',
    bytes: sidBytes(1, 5n, fifteen),
    sid: `S-1-5-${fifteen.join('-')}`,
  },
  {
    name: 'sub-authorities with the top bit set stay unsigned',
    bytes: sidBytes(1, 5n, [21, 0xffff_ffff]),
    sid: 'S-1-5-21-4294967295',
  },
  {
    name: 'identifier authority 2^32: hex, as [MS-DTYP] 2.4.2.1 and Windows print it',
    bytes: sidBytes(1, 2n ** 32n, [7]),
    sid: 'S-1-0x000100000000-7',
  },
  { name: 'identifier authority 2^48-1', bytes: sidBytes(1, 2n ** 48n - 1n, []), sid: 'S-1-0xFFFFFFFFFFFF' },
  {
    name: 'identifier authority 2^32-1 stays decimal',
    bytes: sidBytes(1, 2n ** 32n - 1n, [1]),
    sid: 'S-1-4294967295-1',
  },
  { name: 'truncated: a sub-authority cut short', bytes: sidBytes(1, 5n, [21, 42]).slice(0, 14), sid: null },
  { name: 'truncated: count says 2, one present', bytes: sidBytes(1, 5n, [21], 2), sid: null },
  { name: 'truncated: a header cut short', bytes: [1, 1, 0, 0, 0], sid: null },
  { name: 'empty', bytes: [], sid: null },
  { name: 'revision 2 is not a SID', bytes: sidBytes(2, 5n, [32]), sid: null },
  { name: '16 sub-authorities is not a SID', bytes: sidBytes(1, 5n, [...fifteen, 16]), sid: null },
  { name: 'a byte after the SID is not a SID', bytes: [...sidBytes(1, 5n, [18]), 0], sid: null },
];

for (const c of CASES) {
  test(`one SID decoder: ${c.name}`, () => {
    const ldap = sidString(Buffer.from(c.bytes));
    const pwsh7 = psSid(Buffer.from(c.bytes).toString('base64'));
    const pwsh51 = psSid([...c.bytes]);
    assert.equal(ldap, c.sid, 'LDAP path');
    assert.equal(pwsh7, ldap, 'PowerShell 7 (base64) path against the LDAP path');
    assert.equal(pwsh51, ldap, 'Windows PowerShell 5.1 (byte array) path against the LDAP path');
    // A SecurityIdentifier's string form (what Windows prints) reads back as the same SID.
    if (ldap !== null) assert.equal(psSid({ BinaryLength: c.bytes.length, Value: ldap }), ldap);
  });
}

test('one SID decoder: every Samba objectSid decodes, the same on both paths', () => {
  for (const name of ['fxclusteradmins', 'fxdenied', 'fxgranted', 'fxplain']) {
    const bytes = samba(`objectsid-${name}.bin`);
    const ldap = sidString(bytes);
    assert.match(ldap ?? '', /^S-1-5-21-\d+-\d+-\d+-\d+$/, name);
    assert.equal(psSid(bytes.toString('base64')), ldap, name);
  }
});
