/**
 * Self-relative security descriptors ([MS-DTYP] 2.4.6) as Active Directory returns them in
 * nTSecurityDescriptor: the header, owner and group SIDs, the SACL and DACL ([MS-DTYP] 2.4.5) and
 * their ACEs ([MS-DTYP] 2.4.4). Every offset and size read from the data is checked; anything
 * malformed throws SdDecodeError. Callback and other rare ACE types are kept opaque.
 */
import type { ByteReader } from '../../codec/bytes.ts';
import { SdDecodeError, describeSid, readGuid, readSid, sddlSid, sdReader } from './sid.ts';

export { SdDecodeError } from './sid.ts';
export type { SdDecodeCode } from './sid.ts';

/** SECURITY_DESCRIPTOR Control bits ([MS-DTYP] 2.4.6). */
export const SD_CONTROL = {
  SE_OWNER_DEFAULTED: 0x0001,
  SE_GROUP_DEFAULTED: 0x0002,
  SE_DACL_PRESENT: 0x0004,
  SE_DACL_DEFAULTED: 0x0008,
  SE_SACL_PRESENT: 0x0010,
  SE_SACL_DEFAULTED: 0x0020,
  SE_DACL_TRUSTED: 0x0040,
  SE_SERVER_SECURITY: 0x0080,
  SE_DACL_AUTO_INHERIT_REQ: 0x0100,
  SE_SACL_AUTO_INHERIT_REQ: 0x0200,
  SE_DACL_AUTO_INHERITED: 0x0400,
  SE_SACL_AUTO_INHERITED: 0x0800,
  SE_DACL_PROTECTED: 0x1000,
  SE_SACL_PROTECTED: 0x2000,
  SE_RM_CONTROL_VALID: 0x4000,
  SE_SELF_RELATIVE: 0x8000,
} as const;

/** AceType values ([MS-DTYP] 2.4.4.1). */
export const ACE_TYPE = {
  ACCESS_ALLOWED: 0x00,
  ACCESS_DENIED: 0x01,
  SYSTEM_AUDIT: 0x02,
  SYSTEM_ALARM: 0x03,
  ACCESS_ALLOWED_COMPOUND: 0x04,
  ACCESS_ALLOWED_OBJECT: 0x05,
  ACCESS_DENIED_OBJECT: 0x06,
  SYSTEM_AUDIT_OBJECT: 0x07,
  SYSTEM_ALARM_OBJECT: 0x08,
  ACCESS_ALLOWED_CALLBACK: 0x09,
  ACCESS_DENIED_CALLBACK: 0x0a,
  ACCESS_ALLOWED_CALLBACK_OBJECT: 0x0b,
  ACCESS_DENIED_CALLBACK_OBJECT: 0x0c,
  SYSTEM_AUDIT_CALLBACK: 0x0d,
  SYSTEM_ALARM_CALLBACK: 0x0e,
  SYSTEM_AUDIT_CALLBACK_OBJECT: 0x0f,
  SYSTEM_ALARM_CALLBACK_OBJECT: 0x10,
  SYSTEM_MANDATORY_LABEL: 0x11,
  SYSTEM_RESOURCE_ATTRIBUTE: 0x12,
  SYSTEM_SCOPED_POLICY_ID: 0x13,
} as const;

export type AceTypeName = keyof typeof ACE_TYPE;

const ACE_TYPE_NAMES: ReadonlyMap<number, AceTypeName> = new Map(
  Object.entries(ACE_TYPE).map(([name, value]) => [value, name as AceTypeName]),
);

/** The [MS-DTYP] name of an AceType, or `0x..` for a value it does not define. */
export function aceTypeName(type: number): AceTypeName | `0x${string}` {
  return ACE_TYPE_NAMES.get(type) ?? `0x${type.toString(16).padStart(2, '0')}`;
}

/** AceFlags bits ([MS-DTYP] 2.4.4.1). */
export const ACE_FLAGS = {
  OBJECT_INHERIT_ACE: 0x01,
  CONTAINER_INHERIT_ACE: 0x02,
  NO_PROPAGATE_INHERIT_ACE: 0x04,
  INHERIT_ONLY_ACE: 0x08,
  INHERITED_ACE: 0x10,
  SUCCESSFUL_ACCESS_ACE_FLAG: 0x40,
  FAILED_ACCESS_ACE_FLAG: 0x80,
} as const;

/** The Flags field of object ACEs ([MS-DTYP] 2.4.4.3). */
export const OBJECT_ACE_FLAGS = {
  ACE_OBJECT_TYPE_PRESENT: 0x1,
  ACE_INHERITED_OBJECT_TYPE_PRESENT: 0x2,
} as const;

/** ACCESS_MASK bits for directory objects ([MS-ADTS] 5.1.3.2, [MS-DTYP] 2.4.3). */
export const ADS_RIGHTS = {
  ADS_RIGHT_DS_CREATE_CHILD: 0x0000_0001,
  ADS_RIGHT_DS_DELETE_CHILD: 0x0000_0002,
  ADS_RIGHT_ACTRL_DS_LIST: 0x0000_0004,
  ADS_RIGHT_DS_SELF: 0x0000_0008,
  ADS_RIGHT_DS_READ_PROP: 0x0000_0010,
  ADS_RIGHT_DS_WRITE_PROP: 0x0000_0020,
  ADS_RIGHT_DS_DELETE_TREE: 0x0000_0040,
  ADS_RIGHT_DS_LIST_OBJECT: 0x0000_0080,
  ADS_RIGHT_DS_CONTROL_ACCESS: 0x0000_0100,
  DELETE: 0x0001_0000,
  READ_CONTROL: 0x0002_0000,
  WRITE_DAC: 0x0004_0000,
  WRITE_OWNER: 0x0008_0000,
  ACCESS_SYSTEM_SECURITY: 0x0100_0000,
  MAXIMUM_ALLOWED: 0x0200_0000,
  GENERIC_ALL: 0x1000_0000,
  GENERIC_EXECUTE: 0x2000_0000,
  GENERIC_WRITE: 0x4000_0000,
  GENERIC_READ: 0x8000_0000,
} as const;

const R = ADS_RIGHTS;

/** What "Full Control" on a directory object is: every DS right plus the standard rights. */
export const DS_FULL_CONTROL = 0x000f_01ff;

/**
 * The generic mapping for directory objects ([MS-ADTS] 5.1.3.3.1 / the DS GENERIC_MAPPING):
 * what each GENERIC_* bit stands for.
 */
export const DS_GENERIC_MAPPING = {
  GENERIC_READ: R.READ_CONTROL | R.ADS_RIGHT_ACTRL_DS_LIST | R.ADS_RIGHT_DS_READ_PROP | R.ADS_RIGHT_DS_LIST_OBJECT,
  GENERIC_WRITE: R.READ_CONTROL | R.ADS_RIGHT_DS_SELF | R.ADS_RIGHT_DS_WRITE_PROP,
  GENERIC_EXECUTE: R.READ_CONTROL | R.ADS_RIGHT_ACTRL_DS_LIST,
  GENERIC_ALL: DS_FULL_CONTROL,
} as const;

/** A mask with its GENERIC_* bits replaced by the DS rights they stand for. */
export function mapGenericDs(mask: number): number {
  let out = mask & ~(R.GENERIC_ALL | R.GENERIC_EXECUTE | R.GENERIC_WRITE | R.GENERIC_READ);
  if (mask & R.GENERIC_READ) out |= DS_GENERIC_MAPPING.GENERIC_READ;
  if (mask & R.GENERIC_WRITE) out |= DS_GENERIC_MAPPING.GENERIC_WRITE;
  if (mask & R.GENERIC_EXECUTE) out |= DS_GENERIC_MAPPING.GENERIC_EXECUTE;
  if (mask & R.GENERIC_ALL) out |= DS_GENERIC_MAPPING.GENERIC_ALL;
  return out >>> 0;
}

/** Schema GUIDs the readiness checks name ([MS-ADSC] schemaIDGUID values). */
export const SCHEMA_GUIDS = {
  computer: 'bf967a86-0de6-11d0-a285-00aa003049e2',
  user: 'bf967aba-0de6-11d0-a285-00aa003049e2',
  group: 'bf967a9c-0de6-11d0-a285-00aa003049e2',
  contact: '5cb41ed0-0e4c-11d0-a286-00aa003049e2',
  organizationalUnit: 'bf967aa5-0de6-11d0-a285-00aa003049e2',
  printQueue: 'bf967aa8-0de6-11d0-a285-00aa003049e2',
  inetOrgPerson: '4828cc14-1437-45bc-9b07-ad6f015e5f28',
  msDSManagedServiceAccount: 'ce206244-5827-4a86-ba1c-1c0c386c1b64',
  msDSGroupManagedServiceAccount: '7b8b558a-93a5-4af7-adca-c017e67f1057',
} as const;

const SCHEMA_GUID_NAMES: ReadonlyMap<string, string> = new Map(
  Object.entries(SCHEMA_GUIDS).map(([name, guid]) => [guid, name]),
);

interface AceCommon {
  /** Position in its ACL, from 0. */
  readonly index: number;
  /** Byte offset of the ACE in the descriptor. */
  readonly offset: number;
  readonly type: number;
  readonly typeName: AceTypeName | `0x${string}`;
  /** AceFlags (ACE_FLAGS). */
  readonly flags: number;
  /** AceSize. */
  readonly size: number;
}

/** ACCESS_ALLOWED, ACCESS_DENIED, SYSTEM_AUDIT, SYSTEM_ALARM, mandatory label, scoped policy. */
export interface BasicAce extends AceCommon {
  readonly kind: 'basic';
  readonly mask: number;
  readonly sid: string;
}

/** The *_OBJECT_ACE types ([MS-DTYP] 2.4.4.3). */
export interface ObjectAce extends AceCommon {
  readonly kind: 'object';
  readonly mask: number;
  /** The object ACE Flags field (OBJECT_ACE_FLAGS). */
  readonly objectFlags: number;
  /** Present when ACE_OBJECT_TYPE_PRESENT: a class, property, property set or extended right. */
  readonly objectType?: string;
  /** Present when ACE_INHERITED_OBJECT_TYPE_PRESENT: the class of objects that inherit it. */
  readonly inheritedObjectType?: string;
  readonly sid: string;
}

/** Callback, compound and resource-attribute ACEs, and types [MS-DTYP] does not define. */
export interface OpaqueAce extends AceCommon {
  readonly kind: 'opaque';
  /** The ACE body after its 4-byte header (a view into the descriptor). */
  readonly raw: Uint8Array;
}

export type Ace = BasicAce | ObjectAce | OpaqueAce;

export interface Acl {
  /** AclRevision: 2 (ACL_REVISION) or 4 (ACL_REVISION_DS). */
  readonly revision: number;
  /** AclSize. */
  readonly size: number;
  /** Byte offset of the ACL in the descriptor. */
  readonly offset: number;
  readonly aces: readonly Ace[];
}

export interface SecurityDescriptor {
  readonly revision: number;
  /** Sbz1, the resource-manager control byte when SE_RM_CONTROL_VALID. */
  readonly sbz1: number;
  /** Control (SD_CONTROL bits). */
  readonly control: number;
  /** Absent when OffsetOwner is 0 (SD flags without OWNER_SECURITY_INFORMATION). */
  readonly owner?: string;
  readonly group?: string;
  readonly sacl?: Acl;
  /**
   * The DACL. Undefined when SE_DACL_PRESENT is clear (not requested, or no DACL) or when it is
   * set with OffsetDacl 0 (a NULL DACL): see `daclState`.
   */
  readonly dacl?: Acl;
  readonly daclState: 'absent' | 'null' | 'present';
}

/** The largest descriptor accepted: two ACLs of at most 64 KiB each, SIDs and a header. */
export const MAX_SD_BYTES = 0x3_0000;
const SD_HEADER = 20;
const ACL_HEADER = 8;
const ACE_HEADER = 4;
const ACL_REVISIONS: readonly number[] = [2, 4];

const BASIC_TYPES: ReadonlySet<number> = new Set([
  ACE_TYPE.ACCESS_ALLOWED,
  ACE_TYPE.ACCESS_DENIED,
  ACE_TYPE.SYSTEM_AUDIT,
  ACE_TYPE.SYSTEM_ALARM,
  ACE_TYPE.SYSTEM_MANDATORY_LABEL,
  ACE_TYPE.SYSTEM_SCOPED_POLICY_ID,
]);
const OBJECT_TYPES: ReadonlySet<number> = new Set([
  ACE_TYPE.ACCESS_ALLOWED_OBJECT,
  ACE_TYPE.ACCESS_DENIED_OBJECT,
  ACE_TYPE.SYSTEM_AUDIT_OBJECT,
  ACE_TYPE.SYSTEM_ALARM_OBJECT,
]);

/**
 * Decodes a self-relative SECURITY_DESCRIPTOR ([MS-DTYP] 2.4.6). Throws SdDecodeError, and only
 * SdDecodeError, for anything malformed.
 */
export function decodeSecurityDescriptor(bytes: Uint8Array): SecurityDescriptor {
  const r = sdReader(bytes, 'SECURITY_DESCRIPTOR');
  if (bytes.length > MAX_SD_BYTES)
    throw new SdDecodeError('over-cap', r.structure, 'length', 0, `${bytes.length} bytes, at most ${MAX_SD_BYTES}`);
  const revision = r.u8(0, 'Revision');
  if (revision !== 1)
    throw new SdDecodeError('revision', r.structure, 'Revision', 0, `revision ${revision}, expected 1`);
  const sbz1 = r.u8(1, 'Sbz1');
  const control = r.u16le(2, 'Control');
  const offsets = {
    OffsetOwner: r.u32le(4, 'OffsetOwner'),
    OffsetGroup: r.u32le(8, 'OffsetGroup'),
    OffsetSacl: r.u32le(12, 'OffsetSacl'),
    OffsetDacl: r.u32le(16, 'OffsetDacl'),
  };
  for (const [field, value] of Object.entries(offsets)) {
    if (value !== 0 && value < SD_HEADER)
      throw new SdDecodeError(
        'offset-in-header',
        r.structure,
        field,
        4,
        `offset ${value} is inside the ${SD_HEADER}-byte header`,
      );
  }
  const sid = (offset: number, what: string) =>
    offset === 0 ? undefined : readSid(r.rest(offset, what, `${what} SID`), 0).sid;
  const owner = sid(offsets.OffsetOwner, 'owner');
  const group = sid(offsets.OffsetGroup, 'group');
  const sacl =
    control & SD_CONTROL.SE_SACL_PRESENT && offsets.OffsetSacl !== 0
      ? decodeAcl(r, offsets.OffsetSacl, 'SACL')
      : undefined;
  const daclPresent = (control & SD_CONTROL.SE_DACL_PRESENT) !== 0;
  const dacl = daclPresent && offsets.OffsetDacl !== 0 ? decodeAcl(r, offsets.OffsetDacl, 'DACL') : undefined;
  const daclState = !daclPresent ? 'absent' : dacl ? 'present' : 'null';
  return {
    revision,
    sbz1,
    control,
    ...(owner !== undefined && { owner }),
    ...(group !== undefined && { group }),
    ...(sacl && { sacl }),
    ...(dacl && { dacl }),
    daclState,
  };
}

/** An ACL ([MS-DTYP] 2.4.5) at `offset` of the descriptor. */
function decodeAcl(sd: ByteReader, offset: number, name: 'SACL' | 'DACL'): Acl {
  const header = sd.rest(offset, `Offset${name === 'DACL' ? 'Dacl' : 'Sacl'}`, name);
  const revision = header.u8(0, 'AclRevision');
  if (!ACL_REVISIONS.includes(revision))
    throw new SdDecodeError('revision', name, 'AclRevision', offset, `revision ${revision}, expected 2 or 4`);
  const size = header.u16le(2, 'AclSize');
  const aceCount = header.u16le(4, 'AceCount');
  header.need(6, 2, 'Sbz2');
  if (size < ACL_HEADER)
    throw new SdDecodeError(
      'acl-size',
      name,
      'AclSize',
      offset + 2,
      `AclSize ${size} is smaller than the ${ACL_HEADER}-byte ACL header`,
    );
  if (offset + size > sd.length)
    throw new SdDecodeError(
      'acl-past-buffer',
      name,
      'AclSize',
      offset + 2,
      `AclSize ${size} at offset ${offset} reaches byte ${offset + size}, the descriptor has ${sd.length}`,
    );
  const acl = sd.sub(offset, size, 'AclSize', name);
  const aces: Ace[] = [];
  let at = ACL_HEADER;
  for (let index = 0; index < aceCount; index++) {
    const structure = `${name} ACE #${index}`;
    if (at + ACE_HEADER > size)
      throw new SdDecodeError(
        'ace-past-acl',
        structure,
        'ACE_HEADER',
        acl.base + at,
        `ACE ${index + 1} of ${aceCount} starts at ACL byte ${at}, past AclSize ${size}`,
      );
    const aceSize = acl.u16le(at + 2, 'AceSize');
    if (aceSize < ACE_HEADER)
      throw new SdDecodeError(
        'ace-size',
        structure,
        'AceSize',
        acl.base + at + 2,
        `AceSize ${aceSize} is smaller than the ${ACE_HEADER}-byte ACE header`,
      );
    if (at + aceSize > size)
      throw new SdDecodeError(
        'ace-past-acl',
        structure,
        'AceSize',
        acl.base + at + 2,
        `AceSize ${aceSize} at ACL byte ${at} reaches past AclSize ${size}`,
      );
    aces.push(decodeAce(acl.sub(at, aceSize, 'AceSize', structure), index));
    at += aceSize;
  }
  return { revision, size, offset, aces };
}

function decodeAce(r: ByteReader, index: number): Ace {
  const type = r.u8(0, 'AceType');
  const common = {
    index,
    offset: r.base,
    type,
    typeName: aceTypeName(type),
    flags: r.u8(1, 'AceFlags'),
    size: r.length,
  };
  if (BASIC_TYPES.has(type)) {
    return { kind: 'basic', ...common, mask: r.u32le(4, 'Mask'), sid: readSid(r, 8, 'SID').sid };
  }
  if (OBJECT_TYPES.has(type)) {
    const mask = r.u32le(4, 'Mask');
    const objectFlags = r.u32le(8, 'Flags');
    let at = 12;
    let objectType: string | undefined;
    let inheritedObjectType: string | undefined;
    if (objectFlags & OBJECT_ACE_FLAGS.ACE_OBJECT_TYPE_PRESENT) {
      objectType = readGuid(r, at, 'ObjectType');
      at += 16;
    }
    if (objectFlags & OBJECT_ACE_FLAGS.ACE_INHERITED_OBJECT_TYPE_PRESENT) {
      inheritedObjectType = readGuid(r, at, 'InheritedObjectType');
      at += 16;
    }
    const sid = readSid(r, at, 'SID').sid;
    return {
      kind: 'object',
      ...common,
      mask,
      objectFlags,
      ...(objectType !== undefined && { objectType }),
      ...(inheritedObjectType !== undefined && { inheritedObjectType }),
      sid,
    };
  }
  return { kind: 'opaque', ...common, raw: r.bytes.subarray(ACE_HEADER) };
}

/** Whether the ACE is inherit-only: it is there for children and does not apply to this object. */
export function isInheritOnly(ace: Ace): boolean {
  return (ace.flags & ACE_FLAGS.INHERIT_ONLY_ACE) !== 0;
}

export function isInherited(ace: Ace): boolean {
  return (ace.flags & ACE_FLAGS.INHERITED_ACE) !== 0;
}

/** Names of the rights in a mask, in bit order; full control and generic bits named as such. */
export function rightNames(mask: number): string[] {
  if ((mask & DS_FULL_CONTROL) === DS_FULL_CONTROL) {
    const rest = mask & ~DS_FULL_CONTROL;
    return ['Full Control', ...(rest ? rightNames(rest) : [])];
  }
  const names: string[] = [];
  for (let i = 0; i < 32; i++) {
    const bit = 2 ** i;
    if ((mask >>> i) & 1) names.push(RIGHT_NAMES.get(bit) ?? `0x${bit.toString(16)}`);
  }
  return names;
}

const RIGHT_NAMES: ReadonlyMap<number, string> = new Map([
  [R.ADS_RIGHT_DS_CREATE_CHILD, 'Create Child'],
  [R.ADS_RIGHT_DS_DELETE_CHILD, 'Delete Child'],
  [R.ADS_RIGHT_ACTRL_DS_LIST, 'List Contents'],
  [R.ADS_RIGHT_DS_SELF, 'Validated Write'],
  [R.ADS_RIGHT_DS_READ_PROP, 'Read Property'],
  [R.ADS_RIGHT_DS_WRITE_PROP, 'Write Property'],
  [R.ADS_RIGHT_DS_DELETE_TREE, 'Delete Tree'],
  [R.ADS_RIGHT_DS_LIST_OBJECT, 'List Object'],
  [R.ADS_RIGHT_DS_CONTROL_ACCESS, 'Control Access'],
  [R.DELETE, 'Delete'],
  [R.READ_CONTROL, 'Read Permissions'],
  [R.WRITE_DAC, 'Modify Permissions'],
  [R.WRITE_OWNER, 'Modify Owner'],
  [R.ACCESS_SYSTEM_SECURITY, 'Access System Security'],
  [R.MAXIMUM_ALLOWED, 'Maximum Allowed'],
  [R.GENERIC_ALL, 'Generic All'],
  [R.GENERIC_EXECUTE, 'Generic Execute'],
  [R.GENERIC_WRITE, 'Generic Write'],
  [R.GENERIC_READ, 'Generic Read'],
]);

/** A schema GUID's class name when it is one of SCHEMA_GUIDS, else the GUID. */
export function describeGuid(guid: string): string {
  return SCHEMA_GUID_NAMES.get(guid) ?? guid;
}

const VERBS: Readonly<Record<number, string>> = {
  [ACE_TYPE.ACCESS_ALLOWED]: 'allow',
  [ACE_TYPE.ACCESS_ALLOWED_OBJECT]: 'allow',
  [ACE_TYPE.ACCESS_DENIED]: 'deny',
  [ACE_TYPE.ACCESS_DENIED_OBJECT]: 'deny',
  [ACE_TYPE.SYSTEM_AUDIT]: 'audit',
  [ACE_TYPE.SYSTEM_AUDIT_OBJECT]: 'audit',
  [ACE_TYPE.SYSTEM_ALARM]: 'alarm',
  [ACE_TYPE.SYSTEM_ALARM_OBJECT]: 'alarm',
};

/**
 * One line for people: "deny Create Child (computer) to S-1-5-21-...-1105", with
 * ", inherited", ", inherit only" and "for <class> objects" when they apply.
 */
export function describeAce(ace: Ace): string {
  if (ace.kind === 'opaque') return `${ace.typeName} ACE (${ace.raw.length} byte(s), not evaluated)`;
  const verb = VERBS[ace.type] ?? ace.typeName;
  const rights = rightNames(ace.mask).join(', ') || 'no rights';
  const object = ace.kind === 'object' && ace.objectType !== undefined ? ` (${describeGuid(ace.objectType)})` : '';
  const notes: string[] = [];
  if (ace.kind === 'object' && ace.inheritedObjectType !== undefined)
    notes.push(`on ${describeGuid(ace.inheritedObjectType)} objects`);
  if (isInheritOnly(ace)) notes.push('inherit only');
  else if (ace.flags & (ACE_FLAGS.CONTAINER_INHERIT_ACE | ACE_FLAGS.OBJECT_INHERIT_ACE))
    notes.push('this object and children');
  if (isInherited(ace)) notes.push('inherited');
  return `${verb} ${rights}${object} to ${describeSid(ace.sid)}${notes.length ? `, ${notes.join(', ')}` : ''}`;
}

// SDDL ([MS-DTYP] 2.5.1), in the order Samba's encoder writes the tokens.
const SDDL_ACE_TYPES: Readonly<Record<number, string>> = {
  [ACE_TYPE.ACCESS_ALLOWED]: 'A',
  [ACE_TYPE.ACCESS_DENIED]: 'D',
  [ACE_TYPE.SYSTEM_AUDIT]: 'AU',
  [ACE_TYPE.SYSTEM_ALARM]: 'AL',
  [ACE_TYPE.ACCESS_ALLOWED_OBJECT]: 'OA',
  [ACE_TYPE.ACCESS_DENIED_OBJECT]: 'OD',
  [ACE_TYPE.SYSTEM_AUDIT_OBJECT]: 'OU',
  [ACE_TYPE.SYSTEM_ALARM_OBJECT]: 'OL',
  [ACE_TYPE.SYSTEM_MANDATORY_LABEL]: 'ML',
  [ACE_TYPE.SYSTEM_SCOPED_POLICY_ID]: 'SP',
};
const SDDL_ACE_FLAGS = [
  ['OI', 0x01],
  ['CI', 0x02],
  ['NP', 0x04],
  ['IO', 0x08],
  ['ID', 0x10],
  ['SA', 0x40],
  ['FA', 0x80],
] as const;
const SDDL_RIGHTS = [
  ['RP', R.ADS_RIGHT_DS_READ_PROP],
  ['WP', R.ADS_RIGHT_DS_WRITE_PROP],
  ['CR', R.ADS_RIGHT_DS_CONTROL_ACCESS],
  ['CC', R.ADS_RIGHT_DS_CREATE_CHILD],
  ['DC', R.ADS_RIGHT_DS_DELETE_CHILD],
  ['LC', R.ADS_RIGHT_ACTRL_DS_LIST],
  ['LO', R.ADS_RIGHT_DS_LIST_OBJECT],
  ['RC', R.READ_CONTROL],
  ['WO', R.WRITE_OWNER],
  ['WD', R.WRITE_DAC],
  ['SD', R.DELETE],
  ['DT', R.ADS_RIGHT_DS_DELETE_TREE],
  ['SW', R.ADS_RIGHT_DS_SELF],
  ['GA', R.GENERIC_ALL],
  ['GR', R.GENERIC_READ],
  ['GW', R.GENERIC_WRITE],
  ['GX', R.GENERIC_EXECUTE],
] as const;

function sddlFlags(table: readonly (readonly [string, number])[], value: number): string | undefined {
  let rest = value;
  let out = '';
  for (const [token, bit] of table) {
    if (value & bit) {
      out += token;
      rest &= ~bit;
    }
  }
  return rest === 0 ? out : undefined;
}

function sddlAce(ace: Ace, domain: string | undefined): string {
  if (ace.kind === 'opaque') return `(${ace.typeName};${sddlFlags(SDDL_ACE_FLAGS, ace.flags) ?? ''};;;;)`;
  const type = SDDL_ACE_TYPES[ace.type] ?? ace.typeName;
  const flags = sddlFlags(SDDL_ACE_FLAGS, ace.flags) ?? `0x${ace.flags.toString(16)}`;
  const rights = sddlFlags(SDDL_RIGHTS, ace.mask) ?? `0x${ace.mask.toString(16).padStart(8, '0')}`;
  const objectType = ace.kind === 'object' ? (ace.objectType ?? '') : '';
  const inheritedObjectType = ace.kind === 'object' ? (ace.inheritedObjectType ?? '') : '';
  return `(${type};${flags};${rights};${objectType};${inheritedObjectType};${sddlSid(ace.sid, domain)})`;
}

function sddlAcl(acl: Acl | undefined, control: number, which: 'D' | 'S', domain: string | undefined): string {
  const c = SD_CONTROL;
  const [protectedBit, requestBit, inheritedBit] =
    which === 'D'
      ? [c.SE_DACL_PROTECTED, c.SE_DACL_AUTO_INHERIT_REQ, c.SE_DACL_AUTO_INHERITED]
      : [c.SE_SACL_PROTECTED, c.SE_SACL_AUTO_INHERIT_REQ, c.SE_SACL_AUTO_INHERITED];
  const flags = `${control & protectedBit ? 'P' : ''}${control & requestBit ? 'AR' : ''}${control & inheritedBit ? 'AI' : ''}`;
  return `${which}:${flags}${acl ? acl.aces.map((a) => sddlAce(a, domain)).join('') : 'NO_ACCESS_CONTROL'}`;
}

/**
 * SDDL-like text of a descriptor ([MS-DTYP] 2.5.1), for reports and for comparing with
 * `samba-tool dsacl get` / `Get-Acl`. `domainSid` turns that domain's well-known RIDs into their
 * aliases (DA, EA...). Opaque ACEs are written as `(<type name>;flags;;;;)`: not valid SDDL.
 */
export function toSddl(sd: SecurityDescriptor, options: { domainSid?: string } = {}): string {
  const domain = options.domainSid;
  let out = '';
  if (sd.owner !== undefined) out += `O:${sddlSid(sd.owner, domain)}`;
  if (sd.group !== undefined) out += `G:${sddlSid(sd.group, domain)}`;
  if (sd.control & SD_CONTROL.SE_DACL_PRESENT) out += sddlAcl(sd.dacl, sd.control, 'D', domain);
  if (sd.control & SD_CONTROL.SE_SACL_PRESENT) out += sddlAcl(sd.sacl, sd.control, 'S', domain);
  return out;
}
