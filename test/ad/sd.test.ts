import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ACE_FLAGS,
  ACE_TYPE,
  ADS_RIGHTS,
  decodeSecurityDescriptor,
  describeAce,
  DS_FULL_CONTROL,
  mapGenericDs,
  MAX_SD_BYTES,
  SCHEMA_GUIDS,
  SD_CONTROL,
  SdDecodeError,
  toSddl,
  type SecurityDescriptor,
} from '../../src/facts/ad-security/sd.ts';
import {
  describeDecision,
  evaluateAccess,
  networkLogonToken,
  type AccessRequest,
} from '../../src/facts/ad-security/access.ts';
// Descriptors come from the naive builder in test/helpers/sd-builder.ts, which shares no code with the decoder.
import { le16, le32, sdBytes, sidBytes, type SdSpec } from '../helpers/sd-builder.ts';
import { mulberry32 } from '../helpers/prng.ts';

const DOMAIN = 'S-1-5-21-1-2-3';
const USER = `${DOMAIN}-1105`;
const GROUP = `${DOMAIN}-1106`;
const OTHER = `${DOMAIN}-1107`;
const DA = `${DOMAIN}-512`;
const COMPUTER = SCHEMA_GUIDS.computer;
const USER_CLASS = SCHEMA_GUIDS.user;
const PROPERTY = '4c164200-20c0-11d0-a768-00aa006e0529';
const { ACCESS_ALLOWED: A, ACCESS_DENIED: D, ACCESS_ALLOWED_OBJECT: OA, ACCESS_DENIED_OBJECT: OD } = ACE_TYPE;
const CC = ADS_RIGHTS.ADS_RIGHT_DS_CREATE_CHILD;
const RP = ADS_RIGHTS.ADS_RIGHT_DS_READ_PROP;
const { CONTAINER_INHERIT_ACE: CI, INHERIT_ONLY_ACE: IO, INHERITED_ACE: ID } = ACE_FLAGS;

test('rights constants are the [MS-ADTS] values; GENERIC_ALL maps to full control 0xF01FF', () => {
  assert.deepEqual(
    [
      ADS_RIGHTS.ADS_RIGHT_DS_CREATE_CHILD,
      ADS_RIGHTS.ADS_RIGHT_DS_DELETE_CHILD,
      ADS_RIGHTS.ADS_RIGHT_ACTRL_DS_LIST,
      ADS_RIGHTS.ADS_RIGHT_DS_SELF,
      ADS_RIGHTS.ADS_RIGHT_DS_READ_PROP,
      ADS_RIGHTS.ADS_RIGHT_DS_WRITE_PROP,
      ADS_RIGHTS.ADS_RIGHT_DS_DELETE_TREE,
      ADS_RIGHTS.ADS_RIGHT_DS_LIST_OBJECT,
      ADS_RIGHTS.ADS_RIGHT_DS_CONTROL_ACCESS,
    ],
    [0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100],
  );
  assert.deepEqual(
    [ADS_RIGHTS.DELETE, ADS_RIGHTS.READ_CONTROL, ADS_RIGHTS.WRITE_DAC, ADS_RIGHTS.WRITE_OWNER],
    [0x10000, 0x20000, 0x40000, 0x80000],
  );
  assert.deepEqual(
    [ADS_RIGHTS.GENERIC_ALL, ADS_RIGHTS.GENERIC_EXECUTE, ADS_RIGHTS.GENERIC_WRITE, ADS_RIGHTS.GENERIC_READ],
    [0x10000000, 0x20000000, 0x40000000, 0x80000000],
  );
  assert.equal(DS_FULL_CONTROL, 0xf01ff);
  assert.equal(mapGenericDs(ADS_RIGHTS.GENERIC_ALL), 0xf01ff);
  assert.equal(mapGenericDs(ADS_RIGHTS.GENERIC_READ), 0x20094);
  assert.equal(mapGenericDs(ADS_RIGHTS.GENERIC_WRITE), 0x20028);
  assert.equal(mapGenericDs(ADS_RIGHTS.GENERIC_EXECUTE), 0x20004);
  assert.equal(mapGenericDs(CC | ADS_RIGHTS.GENERIC_READ), 0x20095);
});

const DECODE_CASES: { name: string; sd: SdSpec; check: (sd: SecurityDescriptor) => void }[] = [
  {
    name: 'a DACL-only descriptor (SD flags 4): owner and group offsets 0',
    sd: { dacl: [{ type: A, mask: DS_FULL_CONTROL, sid: DA }] },
    check: (sd) => {
      assert.equal(sd.revision, 1);
      assert.equal(sd.control, SD_CONTROL.SE_SELF_RELATIVE | SD_CONTROL.SE_DACL_PRESENT);
      assert.equal(sd.owner, undefined);
      assert.equal(sd.group, undefined);
      assert.equal(sd.sacl, undefined);
      assert.equal(sd.daclState, 'present');
      assert.equal(sd.dacl?.revision, 4);
      assert.equal(sd.dacl?.offset, 20);
      assert.equal(sd.dacl?.size, 8 + 4 + 4 + 28);
      assert.deepEqual(sd.dacl?.aces, [
        {
          kind: 'basic',
          index: 0,
          offset: 28,
          type: A,
          typeName: 'ACCESS_ALLOWED',
          flags: 0,
          size: 36,
          mask: 0xf01ff,
          sid: DA,
        },
      ]);
    },
  },
  {
    name: 'owner, group and DACL',
    sd: {
      owner: DA,
      group: `${DOMAIN}-513`,
      dacl: [
        { type: D, mask: CC, sid: USER },
        { type: A, flags: CI | ID, mask: RP, sid: 'S-1-5-11' },
      ],
    },
    check: (sd) => {
      assert.equal(sd.owner, DA);
      assert.equal(sd.group, `${DOMAIN}-513`);
      const [deny, allow] = sd.dacl!.aces;
      assert.equal(deny?.typeName, 'ACCESS_DENIED');
      assert.equal(deny?.kind === 'basic' && deny.sid, USER);
      assert.equal(allow?.flags, CI | ID);
      assert.equal(allow?.kind === 'basic' && allow.mask, RP);
    },
  },
  {
    name: 'object ACEs with object type, with inherited object type only, with both, with neither',
    sd: {
      dacl: [
        { type: OA, mask: CC, objectType: COMPUTER, sid: USER },
        { type: OD, flags: CI | IO, mask: RP, inheritedObjectType: USER_CLASS, sid: OTHER },
        {
          type: OA,
          flags: CI | IO | ID,
          mask: RP,
          objectType: PROPERTY,
          inheritedObjectType: USER_CLASS,
          sid: 'S-1-5-32-554',
        },
        { type: OA, mask: CC, sid: GROUP },
      ],
    },
    check: (sd) => {
      const aces = sd.dacl!.aces;
      assert.deepEqual(
        aces.map((a) => a.kind),
        ['object', 'object', 'object', 'object'],
      );
      assert.deepEqual(
        aces.map((a) => (a.kind === 'object' ? [a.objectFlags, a.objectType, a.inheritedObjectType, a.sid] : [])),
        [
          [1, COMPUTER, undefined, USER],
          [2, undefined, USER_CLASS, OTHER],
          [3, PROPERTY, USER_CLASS, 'S-1-5-32-554'],
          [0, undefined, undefined, GROUP],
        ],
      );
      assert.equal(aces[1]?.typeName, 'ACCESS_DENIED_OBJECT');
      assert.deepEqual(
        aces.map((a) => a.size),
        [4 + 8 + 16 + 28, 4 + 8 + 16 + 28, 4 + 8 + 32 + 16, 4 + 8 + 28],
      );
    },
  },
  {
    name: 'callback and unknown ACE types are kept opaque with their bytes',
    sd: {
      dacl: [
        { type: ACE_TYPE.ACCESS_ALLOWED_CALLBACK, body: [1, 2, 3, 4, 5, 6, 7, 8] },
        { type: 0x42, flags: IO, body: [] },
        { type: A, mask: RP, sid: USER },
      ],
    },
    check: (sd) => {
      const [cb, unknown, last] = sd.dacl!.aces;
      assert.equal(cb?.kind, 'opaque');
      assert.equal(cb?.typeName, 'ACCESS_ALLOWED_CALLBACK');
      assert.deepEqual(cb?.kind === 'opaque' && [...cb.raw], [1, 2, 3, 4, 5, 6, 7, 8]);
      assert.equal(unknown?.typeName, '0x42');
      assert.equal(unknown?.size, 4);
      assert.equal(last?.kind === 'basic' && last.sid, USER);
    },
  },
  {
    name: 'a SACL with an audit object ACE next to the DACL',
    sd: {
      owner: DA,
      sacl: [
        {
          type: ACE_TYPE.SYSTEM_AUDIT_OBJECT,
          flags: CI | ID | 0x40,
          mask: 0x20,
          objectType: PROPERTY,
          inheritedObjectType: SCHEMA_GUIDS.organizationalUnit,
          sid: 'S-1-1-0',
        },
      ],
      dacl: [],
    },
    check: (sd) => {
      assert.equal(sd.sacl?.aces[0]?.typeName, 'SYSTEM_AUDIT_OBJECT');
      assert.deepEqual(sd.dacl?.aces, []);
      assert.equal(sd.daclState, 'present');
    },
  },
  {
    name: 'no DACL: SE_DACL_PRESENT clear',
    sd: {},
    check: (sd) => assert.deepEqual([sd.dacl, sd.daclState], [undefined, 'absent']),
  },
  {
    name: 'a NULL DACL: SE_DACL_PRESENT with OffsetDacl 0',
    sd: { dacl: 'null' },
    check: (sd) => assert.deepEqual([sd.dacl, sd.daclState], [undefined, 'null']),
  },
  {
    name: 'SE_DACL_PRESENT clear: a DACL offset is ignored',
    sd: { control: 0x8000, dacl: [{ type: A, mask: RP, sid: USER }] },
    check: (sd) => assert.deepEqual([sd.dacl, sd.daclState], [undefined, 'absent']),
  },
];

for (const c of DECODE_CASES) {
  test(`decode: ${c.name}`, () => c.check(decodeSecurityDescriptor(sdBytes(c.sd))));
}

function patched(bytes: Uint8Array, at: number, values: number[]): Uint8Array {
  const out = Uint8Array.from(bytes);
  out.set(values, at);
  return out;
}

const ONE_ACE = sdBytes({ dacl: [{ type: A, mask: RP, sid: USER }] }); // DACL at 20, ACE at 28, SID at 36
const OBJECT_ACE = sdBytes({ dacl: [{ type: OA, mask: CC, objectType: COMPUTER, sid: USER }] });

const ERROR_CASES: {
  name: string;
  bytes: Uint8Array;
  code: string;
  structure?: string;
  field?: string;
  offset?: number;
}[] = [
  { name: 'a header cut short', bytes: ONE_ACE.subarray(0, 19), code: 'truncated', field: 'OffsetDacl', offset: 16 },
  { name: 'an empty buffer', bytes: new Uint8Array(0), code: 'truncated', field: 'Revision', offset: 0 },
  { name: 'descriptor revision 2', bytes: patched(ONE_ACE, 0, [2]), code: 'revision', field: 'Revision' },
  {
    name: 'an owner offset inside the header',
    bytes: patched(ONE_ACE, 4, le32(8)),
    code: 'offset-in-header',
    field: 'OffsetOwner',
  },
  {
    name: 'a DACL offset inside the header',
    bytes: patched(ONE_ACE, 16, le32(19)),
    code: 'offset-in-header',
    field: 'OffsetDacl',
  },
  {
    name: 'an owner offset past the end',
    bytes: patched(ONE_ACE, 4, le32(0xffff_fff0)),
    code: 'truncated',
    structure: 'SECURITY_DESCRIPTOR',
    field: 'owner',
  },
  {
    name: 'a group SID cut by the end of the data',
    bytes: patched(Uint8Array.from([...ONE_ACE, 1, 5, 0, 0, 0, 0, 0, 5]), 8, le32(ONE_ACE.length)),
    code: 'truncated',
    structure: 'group SID',
  },
  {
    name: 'a DACL offset past the end',
    bytes: patched(ONE_ACE, 16, le32(ONE_ACE.length + 4)),
    code: 'truncated',
    field: 'OffsetDacl',
  },
  {
    name: 'an ACL header cut by the end of the data',
    bytes: patched(Uint8Array.from([...ONE_ACE, 4, 0, 8, 0]), 16, le32(ONE_ACE.length)),
    code: 'truncated',
    structure: 'DACL',
    field: 'AceCount',
  },
  {
    name: 'ACL revision 3',
    bytes: patched(ONE_ACE, 20, [3]),
    code: 'revision',
    structure: 'DACL',
    field: 'AclRevision',
    offset: 20,
  },
  {
    name: 'AclSize smaller than the ACL header',
    bytes: patched(ONE_ACE, 22, le16(6)),
    code: 'acl-size',
    field: 'AclSize',
    offset: 22,
  },
  {
    name: 'AclSize past the end of the data',
    bytes: patched(ONE_ACE, 22, le16(ONE_ACE.length)),
    code: 'acl-past-buffer',
    field: 'AclSize',
    offset: 22,
  },
  {
    name: 'AceSize 0 (would loop forever)',
    bytes: patched(ONE_ACE, 30, le16(0)),
    code: 'ace-size',
    structure: 'DACL ACE #0',
    field: 'AceSize',
    offset: 30,
  },
  { name: 'AceSize smaller than the ACE header', bytes: patched(ONE_ACE, 30, le16(3)), code: 'ace-size', offset: 30 },
  {
    name: 'AceSize past the end of the ACL',
    bytes: patched(ONE_ACE, 30, le16(40)),
    code: 'ace-past-acl',
    structure: 'DACL ACE #0',
    offset: 30,
  },
  {
    name: 'AceCount larger than the ACEs in the ACL',
    bytes: patched(ONE_ACE, 24, le16(2)),
    code: 'ace-past-acl',
    structure: 'DACL ACE #1',
    offset: 64,
  },
  { name: 'AceCount 65535', bytes: patched(ONE_ACE, 24, le16(0xffff)), code: 'ace-past-acl', structure: 'DACL ACE #1' },
  {
    name: 'an ACE too small for its SID',
    bytes: patched(patched(ONE_ACE, 30, le16(20)), 22, le16(28)),
    code: 'truncated',
    structure: 'DACL ACE #0',
    field: 'SID SubAuthority',
  },
  {
    name: 'a SID with 16 sub-authorities',
    bytes: patched(ONE_ACE, 37, [16]),
    code: 'sid-sub-authority-count',
    structure: 'DACL ACE #0',
    offset: 37,
  },
  {
    name: 'a SID with revision 0',
    bytes: patched(ONE_ACE, 36, [0]),
    code: 'revision',
    structure: 'DACL ACE #0',
    offset: 36,
  },
  {
    name: 'an object ACE too small for its GUID',
    bytes: patched(patched(OBJECT_ACE, 30, le16(20)), 22, le16(28)),
    code: 'truncated',
    structure: 'DACL ACE #0',
    field: 'ObjectType',
  },
  {
    name: 'an object ACE claiming a GUID it has no room for',
    bytes: patched(sdBytes({ dacl: [{ type: OA, mask: CC, sid: 'S-1-1-0' }] }), 36, le32(3)),
    code: 'truncated',
    structure: 'DACL ACE #0',
  },
  { name: 'a descriptor over the cap', bytes: new Uint8Array(MAX_SD_BYTES + 1), code: 'over-cap' },
];

for (const c of ERROR_CASES) {
  test(`decode error: ${c.name} -> SdDecodeError ${c.code}`, () => {
    assert.throws(
      () => decodeSecurityDescriptor(c.bytes),
      (e: unknown) => {
        assert.ok(e instanceof SdDecodeError, `not an SdDecodeError: ${String(e)}`);
        assert.equal(e.code, c.code, e.message);
        if (c.structure !== undefined) assert.equal(e.structure, c.structure, e.message);
        if (c.field !== undefined) assert.ok(e.field.startsWith(c.field), `${e.field}: ${e.message}`);
        if (c.offset !== undefined) assert.equal(e.offset, c.offset, e.message);
        return true;
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// The evaluator.

const WANT_COMPUTER: AccessRequest = { mask: CC, objectType: COMPUTER };

interface EvalCase {
  name: string;
  sd: SdSpec;
  token?: string[];
  want?: AccessRequest;
  allowed: boolean;
  /** Per requested bit: [outcome, reason, deciding ACE index or undefined]. */
  decisions: [number, 'granted' | 'denied', string, number?][];
  unevaluated?: number[];
}

const EVAL_CASES: EvalCase[] = [
  {
    name: 'deny before allow wins',
    sd: {
      dacl: [
        { type: OD, mask: CC, objectType: COMPUTER, sid: USER },
        { type: OA, mask: CC, objectType: COMPUTER, sid: GROUP },
      ],
    },
    allowed: false,
    decisions: [[CC, 'denied', 'ace', 0]],
  },
  {
    name: 'allow then deny does not take the granted bit away',
    sd: {
      dacl: [
        { type: OA, mask: CC, objectType: COMPUTER, sid: GROUP },
        { type: OD, mask: CC, objectType: COMPUTER, sid: USER },
      ],
    },
    allowed: true,
    decisions: [[CC, 'granted', 'ace', 0]],
  },
  {
    name: 'an object type that is not the requested one does not grant',
    sd: { dacl: [{ type: OA, mask: CC, objectType: USER_CLASS, sid: USER }] },
    allowed: false,
    decisions: [[CC, 'denied', 'no-matching-ace']],
  },
  {
    name: 'an object type that is not the requested one does not deny either',
    sd: {
      dacl: [
        { type: OD, mask: CC, objectType: USER_CLASS, sid: USER },
        { type: OA, mask: CC, objectType: COMPUTER, sid: USER },
      ],
    },
    allowed: true,
    decisions: [[CC, 'granted', 'ace', 1]],
  },
  {
    name: 'an object ACE without ACE_OBJECT_TYPE_PRESENT applies to every class',
    sd: { dacl: [{ type: OA, mask: CC, sid: USER }] },
    allowed: true,
    decisions: [[CC, 'granted', 'ace', 0]],
  },
  {
    name: 'a plain deny ACE denies create child of any class',
    sd: {
      dacl: [
        { type: D, mask: CC, sid: 'S-1-1-0' },
        { type: OA, mask: CC, objectType: COMPUTER, sid: USER },
      ],
    },
    token: [USER, 'S-1-1-0'],
    allowed: false,
    decisions: [[CC, 'denied', 'ace', 0]],
  },
  {
    name: 'a group SID in the token grants',
    sd: {
      dacl: [
        { type: A, mask: RP, sid: USER },
        { type: OA, mask: CC, objectType: COMPUTER, sid: GROUP },
      ],
    },
    allowed: true,
    decisions: [[CC, 'granted', 'ace', 1]],
  },
  {
    name: 'an ACE for a SID outside the token does nothing',
    sd: {
      dacl: [
        { type: OD, mask: CC, objectType: COMPUTER, sid: GROUP },
        { type: OA, mask: CC, objectType: COMPUTER, sid: OTHER },
      ],
    },
    token: [USER],
    allowed: false,
    decisions: [[CC, 'denied', 'no-matching-ace']],
  },
  {
    name: 'GENERIC_ALL grants create child',
    sd: { dacl: [{ type: A, mask: ADS_RIGHTS.GENERIC_ALL, sid: GROUP }] },
    allowed: true,
    decisions: [[CC, 'granted', 'ace', 0]],
  },
  {
    name: 'GENERIC_WRITE does not grant create child',
    sd: { dacl: [{ type: A, mask: ADS_RIGHTS.GENERIC_WRITE, sid: GROUP }] },
    allowed: false,
    decisions: [[CC, 'denied', 'no-matching-ace']],
  },
  {
    name: 'a requested GENERIC_READ is mapped and decided bit by bit',
    sd: { dacl: [{ type: A, mask: 0x20094, sid: USER }] },
    want: { mask: ADS_RIGHTS.GENERIC_READ },
    allowed: true,
    decisions: [
      [0x4, 'granted', 'ace', 0],
      [0x10, 'granted', 'ace', 0],
      [0x80, 'granted', 'ace', 0],
      [0x20000, 'granted', 'ace', 0],
    ],
  },
  {
    name: 'an inherit-only ACE is skipped',
    sd: {
      dacl: [
        { type: OD, flags: CI | IO, mask: CC, objectType: COMPUTER, sid: USER },
        { type: OA, flags: CI | IO, mask: CC, objectType: COMPUTER, sid: USER },
      ],
    },
    allowed: false,
    decisions: [[CC, 'denied', 'no-matching-ace']],
  },
  {
    name: 'an inherited ACE counts (after the explicit ones)',
    sd: {
      dacl: [
        { type: A, mask: RP, sid: USER },
        { type: A, flags: CI | ID, mask: DS_FULL_CONTROL, sid: GROUP },
      ],
    },
    allowed: true,
    decisions: [[CC, 'granted', 'ace', 1]],
  },
  {
    name: 'two rights: each bit decided by its own ACE',
    sd: {
      dacl: [
        { type: A, mask: RP, sid: USER },
        { type: OD, mask: CC, objectType: COMPUTER, sid: GROUP },
        { type: A, mask: CC | RP, sid: USER },
      ],
    },
    want: { mask: CC | RP, objectType: COMPUTER },
    allowed: false,
    decisions: [
      [CC, 'denied', 'ace', 1],
      [RP, 'granted', 'ace', 0],
    ],
  },
  {
    name: 'stops when every bit is decided: a later deny is not evidence',
    sd: {
      dacl: [
        { type: A, mask: CC | RP, sid: GROUP },
        { type: D, mask: CC | RP, sid: USER },
      ],
    },
    want: { mask: CC | RP, objectType: COMPUTER },
    allowed: true,
    decisions: [
      [CC, 'granted', 'ace', 0],
      [RP, 'granted', 'ace', 0],
    ],
  },
  {
    name: 'read all properties: a property-specific ACE does not count for the whole object',
    sd: { dacl: [{ type: OA, mask: RP, objectType: PROPERTY, sid: USER }] },
    want: { mask: RP },
    allowed: false,
    decisions: [[RP, 'denied', 'no-matching-ace']],
  },
  {
    name: 'the requested object type is compared without regard to case',
    sd: { dacl: [{ type: OA, mask: CC, objectType: COMPUTER, sid: USER }] },
    want: { mask: CC, objectType: COMPUTER.toUpperCase() },
    allowed: true,
    decisions: [[CC, 'granted', 'ace', 0]],
  },
  { name: 'no DACL allows everything', sd: {}, allowed: true, decisions: [[CC, 'granted', 'no-dacl']] },
  {
    name: 'a NULL DACL allows everything',
    sd: { dacl: 'null' },
    allowed: true,
    decisions: [[CC, 'granted', 'null-dacl']],
  },
  {
    name: 'an empty DACL allows nothing',
    sd: { dacl: [] },
    allowed: false,
    decisions: [[CC, 'denied', 'no-matching-ace']],
  },
  {
    name: 'audit ACEs in a DACL are ignored',
    sd: { dacl: [{ type: ACE_TYPE.SYSTEM_AUDIT, mask: CC, sid: USER }] },
    allowed: false,
    decisions: [[CC, 'denied', 'no-matching-ace']],
  },
  {
    name: 'callback ACEs are listed as not evaluated (unless inherit-only)',
    sd: {
      dacl: [
        { type: ACE_TYPE.ACCESS_DENIED_CALLBACK, body: [1, 0, 0, 0] },
        { type: ACE_TYPE.ACCESS_ALLOWED_CALLBACK, flags: IO, body: [] },
        { type: OA, mask: CC, sid: USER },
      ],
    },
    allowed: true,
    decisions: [[CC, 'granted', 'ace', 2]],
    unevaluated: [0],
  },
];

for (const c of EVAL_CASES) {
  test(`evaluate: ${c.name}`, () => {
    const sd = decodeSecurityDescriptor(sdBytes(c.sd));
    const r = evaluateAccess(sd, c.token ?? [USER, GROUP], c.want ?? WANT_COMPUTER);
    assert.equal(r.allowed, c.allowed);
    assert.deepEqual(
      r.decisions.map((d) => [d.bit, d.outcome, d.reason, d.ace?.index]),
      c.decisions.map(([bit, outcome, reason, index]) => [bit, outcome, reason, index]),
    );
    const granted = c.decisions.filter((d) => d[1] === 'granted').reduce((m, d) => m | d[0], 0);
    assert.equal(r.granted, granted);
    assert.equal(r.denied, r.requested & ~granted);
    assert.deepEqual(
      r.unevaluated.map((u) => u.index),
      c.unevaluated ?? [],
    );
  });
}

test('the evidence names the ACE: index, type, SID, mask, object type, inherited', () => {
  const sd = decodeSecurityDescriptor(
    sdBytes({
      dacl: [
        { type: A, mask: RP, sid: GROUP },
        { type: OD, flags: ID, mask: CC | 0x2, objectType: COMPUTER, sid: USER },
      ],
    }),
  );
  const r = evaluateAccess(sd, [USER, GROUP], WANT_COMPUTER);
  assert.deepEqual(r.decisions[0]?.ace, {
    index: 1,
    type: OD,
    typeName: 'ACCESS_DENIED_OBJECT',
    sid: USER,
    mask: 3,
    objectType: COMPUTER,
    inherited: true,
    description: `deny Create Child, Delete Child (computer) to ${USER}, inherited`,
  });
  assert.equal(
    describeDecision(r.decisions[0]!),
    `Create Child denied by ACE #1: deny Create Child, Delete Child (computer) to ${USER}, inherited`,
  );
});

test('describeAce and describeDecision read like the evidence a finding quotes', () => {
  const sd = decodeSecurityDescriptor(
    sdBytes({
      dacl: [
        { type: OD, mask: CC, objectType: COMPUTER, sid: USER },
        { type: A, flags: CI | ID, mask: DS_FULL_CONTROL, sid: DA },
        {
          type: OA,
          flags: CI | IO | ID,
          mask: RP,
          objectType: PROPERTY,
          inheritedObjectType: USER_CLASS,
          sid: 'S-1-5-32-554',
        },
        { type: A, mask: 0x20094, sid: 'S-1-5-11' },
        { type: ACE_TYPE.ACCESS_ALLOWED_CALLBACK, body: [0, 0, 0, 0] },
      ],
    }),
  );
  assert.deepEqual(sd.dacl!.aces.map(describeAce), [
    `deny Create Child (computer) to ${USER}`,
    `allow Full Control to Domain Admins (${DA}), this object and children, inherited`,
    `allow Read Property (${PROPERTY}) to Pre-Windows 2000 Compatible Access (S-1-5-32-554), on user objects, inherit only, inherited`,
    'allow List Contents, Read Property, List Object, Read Permissions to Authenticated Users (S-1-5-11)',
    'ACCESS_ALLOWED_CALLBACK ACE (4 byte(s), not evaluated)',
  ]);
  const r = evaluateAccess(sd, [USER], WANT_COMPUTER);
  assert.equal(
    describeDecision(r.decisions[0]!),
    `Create Child denied by ACE #0: deny Create Child (computer) to ${USER}`,
  );
  assert.equal(
    describeDecision(evaluateAccess(sd, [OTHER], WANT_COMPUTER).decisions[0]!),
    'Create Child denied: no ACE grants it to the token',
  );
  assert.equal(
    describeDecision(evaluateAccess(decodeSecurityDescriptor(sdBytes({})), [OTHER], WANT_COMPUTER).decisions[0]!),
    'Create Child granted: the security descriptor has no DACL',
  );
});

test('networkLogonToken adds the SIDs every network logon has to the user and its tokenGroups', () => {
  assert.deepEqual(networkLogonToken(USER, [GROUP, `${DOMAIN}-513`, GROUP]), [
    USER,
    GROUP,
    `${DOMAIN}-513`,
    'S-1-1-0',
    'S-1-5-11',
    'S-1-5-2',
    'S-1-5-15',
  ]);
  const sd = decodeSecurityDescriptor(sdBytes({ dacl: [{ type: A, mask: RP, sid: 'S-1-5-11' }] }));
  assert.equal(evaluateAccess(sd, networkLogonToken(USER, []), { mask: RP }).allowed, true);
  assert.equal(evaluateAccess(sd, [USER], { mask: RP }).allowed, false);
});

test('toSddl writes SDDL as samba-tool does', () => {
  const sd = decodeSecurityDescriptor(
    sdBytes({
      control: 0x8000 | 0x1000 | 0x0400 | 0x0004,
      owner: DA,
      group: DA,
      dacl: [
        { type: OD, mask: CC, objectType: COMPUTER, sid: USER },
        { type: A, flags: CI | ID, mask: DS_FULL_CONTROL, sid: 'S-1-5-18' },
        {
          type: OA,
          flags: CI | IO | ID,
          mask: RP,
          objectType: PROPERTY,
          inheritedObjectType: USER_CLASS,
          sid: 'S-1-5-32-554',
        },
        { type: A, mask: 0x0200_0000, sid: OTHER },
      ],
    }),
  );
  assert.equal(
    toSddl(sd, { domainSid: DOMAIN }),
    `O:DAG:DAD:PAI(OD;;CC;${COMPUTER};;${USER})(A;CIID;RPWPCRCCDCLCLORCWOWDSDDTSW;;;SY)(OA;CIIOID;RP;${PROPERTY};${USER_CLASS};RU)(A;;0x02000000;;;${OTHER})`,
  );
  assert.equal(toSddl(decodeSecurityDescriptor(sdBytes({ dacl: 'null' }))), 'D:NO_ACCESS_CONTROL');
});

// ---------------------------------------------------------------------------------------------
// Samba fixtures: bytes recorded from a Samba DC by test/lab/record-samba.ts, described in
// test/fixtures/samba/index.json.

const SAMBA = fileURLToPath(new URL('../fixtures/samba/', import.meta.url));
const haveSamba = existsSync(`${SAMBA}index.json`);

interface AceFact {
  aceType: string;
  mask: number;
  objectType: string;
  trustee: string;
}
interface SambaFile {
  file: string;
  kind: string;
  sdFlags?: number;
  sddlAfterward?: string;
  grants?: AceFact[];
  denies?: AceFact[];
  user?: string;
  userSid?: string;
  sids?: string[];
}
interface SambaIndex {
  domainSid: string;
  computerClassGuid: string;
  files: SambaFile[];
}

function sambaIndex(): SambaIndex {
  return JSON.parse(readFileSync(`${SAMBA}index.json`, 'utf8')) as SambaIndex;
}

function sambaDescriptors(): { f: SambaFile; bytes: Uint8Array }[] {
  return sambaIndex()
    .files.filter((f) => f.kind === 'nTSecurityDescriptor')
    .map((f) => ({ f, bytes: new Uint8Array(readFileSync(`${SAMBA}${f.file}`)) }));
}

const NO_SAMBA = !haveSamba && 'no test/fixtures/samba/index.json';

test(
  'Samba: every recorded descriptor decodes; owner and group are there exactly when the SD flags asked for them',
  { skip: NO_SAMBA },
  () => {
    const sds = sambaDescriptors();
    assert.ok(sds.length >= 1);
    for (const { f, bytes } of sds) {
      const sd = decodeSecurityDescriptor(bytes);
      assert.equal(sd.daclState, 'present', f.file);
      assert.ok(sd.control & SD_CONTROL.SE_SELF_RELATIVE, f.file);
      assert.equal(sd.owner !== undefined, ((f.sdFlags ?? 0) & 1) !== 0, `${f.file}: owner`);
      assert.equal(sd.group !== undefined, ((f.sdFlags ?? 0) & 2) !== 0, `${f.file}: group`);
      assert.equal(sd.sacl, undefined, `${f.file}: no SACL without SD flag 8`);
    }
  },
);

test('Samba: the decoded descriptor renders to the SDDL samba-tool printed for it', { skip: NO_SAMBA }, () => {
  const { domainSid } = sambaIndex();
  for (const { f, bytes } of sambaDescriptors()) {
    if (f.sddlAfterward === undefined) continue;
    const sd = decodeSecurityDescriptor(bytes);
    // samba-tool shows the whole descriptor; only the parts the SD flags asked for were read.
    const owner = /^O:([^:]+?)(?=G:|D:|S:|$)/.exec(f.sddlAfterward)?.[0] ?? '';
    const group = /G:([^:]+?)(?=D:|S:|$)/.exec(f.sddlAfterward)?.[0] ?? '';
    const dacl = /D:.*?(?=S:|$)/.exec(f.sddlAfterward)?.[0] ?? '';
    const expected = `${sd.owner !== undefined ? owner : ''}${sd.group !== undefined ? group : ''}${dacl}`;
    assert.equal(toSddl(sd, { domainSid }), expected, f.file);
  }
});

test('Samba: the delegated and denied ACEs are in the DACL as described', { skip: NO_SAMBA }, () => {
  let facts = 0;
  for (const { f, bytes } of sambaDescriptors()) {
    const aces = decodeSecurityDescriptor(bytes).dacl!.aces;
    for (const [fact, typeName] of [
      ...(f.grants ?? []).map((g) => [g, 'ACCESS_ALLOWED_OBJECT'] as const),
      ...(f.denies ?? []).map((d) => [d, 'ACCESS_DENIED_OBJECT'] as const),
    ]) {
      assert.equal(fact.aceType, `${typeName}_ACE`);
      const found = aces.find(
        (a) =>
          a.kind === 'object' &&
          a.typeName === typeName &&
          a.sid === fact.trustee &&
          a.mask === fact.mask &&
          a.objectType === fact.objectType,
      );
      assert.ok(found, `${f.file}: no ${typeName} for ${fact.trustee} with mask ${fact.mask} on ${fact.objectType}`);
      assert.equal(
        found.flags & (ACE_FLAGS.INHERITED_ACE | ACE_FLAGS.INHERIT_ONLY_ACE),
        0,
        'an explicit ACE for this object',
      );
      facts++;
    }
  }
  assert.ok(facts >= 1, 'the index describes at least one delegated ACE');
});

test('Samba: Create Child (computer) and Read Property for each recorded user on each OU', { skip: NO_SAMBA }, () => {
  const index = sambaIndex();
  const users = index.files.filter((f) => f.kind === 'tokenGroups');
  assert.ok(users.length >= 1);
  const lines: string[] = [];
  for (const { f, bytes } of sambaDescriptors()) {
    const sd = decodeSecurityDescriptor(bytes);
    for (const u of users) {
      const token = networkLogonToken(u.userSid!, u.sids!);
      const grantedBy = (f.grants ?? []).filter((g) => token.includes(g.trustee)).map((g) => g.trustee);
      const deniedBy = (f.denies ?? []).filter((d) => token.includes(d.trustee)).map((d) => d.trustee);
      const r = evaluateAccess(sd, token, { mask: CC, objectType: index.computerClassGuid });
      const d = r.decisions[0]!;
      lines.push(`${f.file} ${u.user}: ${describeDecision(d)}`);
      if (deniedBy.length > 0) {
        assert.equal(d.outcome, 'denied', lines.at(-1));
        assert.ok(deniedBy.includes(d.ace!.sid), lines.at(-1));
      } else if (grantedBy.length > 0) {
        assert.equal(d.outcome, 'granted', lines.at(-1));
        assert.ok(grantedBy.includes(d.ace!.sid), lines.at(-1));
        assert.equal(d.ace!.objectType, index.computerClassGuid);
      } else {
        assert.deepEqual([d.outcome, d.reason], ['denied', 'no-matching-ace'], lines.at(-1));
      }
      // Samba's default OU DACL lets Authenticated Users read all properties.
      const rp = evaluateAccess(sd, token, { mask: RP }).decisions[0]!;
      assert.equal(rp.outcome, 'granted', `${f.file} ${u.user}: ${describeDecision(rp)}`);
      assert.equal(rp.ace?.sid, 'S-1-5-11');
      assert.equal(evaluateAccess(sd, token, { mask: CC, objectType: index.computerClassGuid }).unevaluated.length, 0);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Fuzzing: mutated descriptors either decode or throw SdDecodeError, never anything else and
// never hang. Seeded so a failure reproduces: FUZZ_SEED=<n> to try another seed.

const SEED = Number(process.env.FUZZ_SEED ?? 0x5d5eed);
const ITERATIONS = 4000;
const CODES = new Set([
  'truncated',
  'revision',
  'sid-sub-authority-count',
  'offset-in-header',
  'acl-size',
  'acl-past-buffer',
  'ace-size',
  'ace-past-acl',
  'trailing-bytes',
  'over-cap',
]);

const FUZZ_BASES: Uint8Array[] = [
  ONE_ACE,
  OBJECT_ACE,
  sdBytes({
    owner: DA,
    group: `${DOMAIN}-513`,
    sacl: [
      {
        type: ACE_TYPE.SYSTEM_AUDIT_OBJECT,
        flags: CI | ID | 0x40,
        mask: 0x20,
        objectType: PROPERTY,
        inheritedObjectType: USER_CLASS,
        sid: 'S-1-1-0',
      },
    ],
    dacl: [
      { type: OD, mask: CC, objectType: COMPUTER, sid: USER },
      { type: OA, mask: CC, objectType: COMPUTER, sid: GROUP },
      { type: A, flags: CI | ID, mask: DS_FULL_CONTROL, sid: DA },
      {
        type: OA,
        flags: CI | IO | ID,
        mask: RP,
        objectType: PROPERTY,
        inheritedObjectType: USER_CLASS,
        sid: 'S-1-5-32-554',
      },
      { type: ACE_TYPE.ACCESS_ALLOWED_CALLBACK, body: [...le32(CC), ...sidBytes(USER), 0x61, 0x72, 0x74, 0x78] },
      { type: OA, mask: CC, sid: OTHER },
    ],
  }),
  ...(haveSamba ? sambaDescriptors().map((s) => s.bytes) : []),
];

/** Decodes and uses the result; returns an error message when the outcome is not allowed. */
function exercise(bytes: Uint8Array, seen?: Map<string, number>): string | undefined {
  let sd: SecurityDescriptor;
  try {
    sd = decodeSecurityDescriptor(bytes);
  } catch (e) {
    if (!(e instanceof SdDecodeError)) return `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    if (!CODES.has(e.code)) return `unknown code ${e.code}`;
    if (!Number.isInteger(e.offset) || e.offset < 0) return `bad offset ${e.offset}`;
    seen?.set(e.code, (seen.get(e.code) ?? 0) + 1);
    return undefined;
  }
  seen?.set('decoded', (seen.get('decoded') ?? 0) + 1);
  try {
    for (const acl of [sd.dacl, sd.sacl]) {
      if (!acl) continue;
      if (acl.offset + acl.size > bytes.length) return 'an ACL reaches past the data';
      for (const ace of acl.aces) {
        if (ace.offset + ace.size > acl.offset + acl.size) return `ACE #${ace.index} reaches past its ACL`;
        describeAce(ace);
      }
    }
    toSddl(sd, { domainSid: DOMAIN });
    evaluateAccess(sd, [USER, GROUP, 'S-1-1-0', 'S-1-5-11'], { mask: CC | RP, objectType: COMPUTER });
  } catch (e) {
    return `using a decoded descriptor threw ${String(e)}`;
  }
  return undefined;
}

test('fuzz: every truncation of every base descriptor decodes or throws SdDecodeError', () => {
  for (const [b, base] of FUZZ_BASES.entries()) {
    for (let n = 0; n <= base.length; n++) {
      const problem = exercise(base.subarray(0, n));
      assert.equal(problem, undefined, `base ${b} truncated to ${n} byte(s): ${problem}`);
    }
    assert.equal(exercise(base), undefined);
    assert.doesNotThrow(() => decodeSecurityDescriptor(base), `base ${b} decodes whole`);
  }
});

test(`fuzz: ${ITERATIONS} random mutations (seed ${SEED}) decode or throw SdDecodeError`, { timeout: 60_000 }, () => {
  const rand = mulberry32(SEED);
  const int = (n: number) => Math.floor(rand() * n);
  // Fields whose values steer the parse: the header offsets, then (per base) ACL and ACE headers.
  const interesting = (bytes: Uint8Array) => [
    2,
    4,
    5,
    8,
    12,
    16,
    17,
    20,
    22,
    24,
    28,
    29,
    30,
    32,
    36,
    37,
    40,
    44,
    int(Math.max(1, bytes.length)),
  ];
  const started = Date.now();
  const seen = new Map<string, number>();
  for (let i = 0; i < ITERATIONS; i++) {
    const base = FUZZ_BASES[int(FUZZ_BASES.length)]!;
    let bytes = Uint8Array.from(base);
    const ops = 1 + int(4);
    const log: string[] = [];
    for (let k = 0; k < ops; k++) {
      const op = int(7);
      const at = int(Math.max(1, bytes.length));
      if (op === 0 && bytes.length > 0) {
        const bit = int(8);
        bytes[at] = bytes[at]! ^ (1 << bit);
        log.push(`flip ${at}:${bit}`);
      } else if (op === 1 && bytes.length > 0) {
        bytes[at] = int(256);
        log.push(`set ${at}`);
      } else if (op === 2) {
        const pos = interesting(bytes)[int(19)]!;
        const value = [
          0,
          1,
          3,
          4,
          7,
          8,
          15,
          16,
          19,
          20,
          255,
          0xffff,
          bytes.length,
          bytes.length - 1,
          bytes.length + 1,
          int(0x10000),
        ][int(16)]!;
        if (pos + 2 <= bytes.length) bytes.set(le16(value), pos);
        log.push(`u16 ${pos}=${value}`);
      } else if (op === 3) {
        const pos = [4, 8, 12, 16][int(4)]!;
        const value = [
          0,
          1,
          19,
          20,
          bytes.length - 4,
          bytes.length - 8,
          bytes.length,
          0xffff_ffff,
          int(bytes.length + 64),
        ][int(9)]!;
        if (pos + 4 <= bytes.length) bytes.set(le32(value), pos);
        log.push(`u32 ${pos}=${value}`);
      } else if (op === 4) {
        bytes = bytes.subarray(0, at);
        log.push(`cut ${at}`);
      } else if (op === 5) {
        const extra = Array.from({ length: int(64) }, () => int(256));
        bytes = Uint8Array.from([...bytes, ...extra]);
        log.push(`append ${extra.length}`);
      } else {
        bytes = Uint8Array.from({ length: int(128) }, () => int(256));
        if (bytes.length > 0 && rand() < 0.5) bytes[0] = 1;
        log.push(`random ${bytes.length}`);
      }
    }
    const t0 = Date.now();
    const problem = exercise(bytes, seen);
    assert.equal(
      problem,
      undefined,
      `seed ${SEED} iteration ${i} (${log.join(', ')}): ${problem}\n${Buffer.from(bytes).toString('hex')}`,
    );
    assert.ok(Date.now() - t0 < 1000, `seed ${SEED} iteration ${i} took ${Date.now() - t0} ms`);
  }
  assert.ok(Date.now() - started < 60_000);
  // The mutations reach both sides and most of the checks (not a fuzzer that only hits 'truncated').
  assert.ok((seen.get('decoded') ?? 0) > ITERATIONS / 20, JSON.stringify([...seen]));
  assert.ok(seen.size >= 6, JSON.stringify([...seen]));
});
