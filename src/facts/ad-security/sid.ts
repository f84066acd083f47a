/**
 * Security identifiers ([MS-DTYP] 2.4.2) and GUIDs ([MS-DTYP] 2.3.4) as Active Directory stores
 * them (objectSid, tokenGroups, the objectType fields of object ACEs), and the typed error every
 * security-data decoder here throws, over the codec's reader (src/codec/bytes.ts).
 */
import { ByteReader, ByteWriter, DecodeError } from '../../codec/bytes.ts';

export type SdDecodeCode =
  /** A field lies past the end of the data (or of the ACE / ACL / SID holding it). */
  | 'truncated'
  /** A revision the layout depends on is not one the spec allows. */
  | 'revision'
  /** A SID says it has more than 15 sub-authorities. */
  | 'sid-sub-authority-count'
  /** An owner, group, SACL or DACL offset points into the 20-byte descriptor header. */
  | 'offset-in-header'
  /** An ACL's AclSize is smaller than its own 8-byte header. */
  | 'acl-size'
  /** An ACL's AclSize reaches past the end of the descriptor. */
  | 'acl-past-buffer'
  /** An ACE's AceSize is smaller than its 4-byte header. */
  | 'ace-size'
  /** An ACE (or the AceCount-th ACE) reaches past the end of its ACL. */
  | 'ace-past-acl'
  /** Bytes left over where the structure must end exactly (a lone objectSid value). */
  | 'trailing-bytes'
  /** The data is larger than any real descriptor. */
  | 'over-cap';

/**
 * Security data from the directory (a security descriptor, a SID, a GUID) that cannot be
 * decoded. Names the structure ('ACE #3', 'DACL', 'owner SID'), the field as [MS-DTYP] names it
 * and the byte offset from the start of the outermost data. The codec's DecodeError, with the
 * [MS-DTYP]-specific code callers switch on.
 */
export class SdDecodeError extends DecodeError {
  override name = 'SdDecodeError';
  override readonly code: SdDecodeCode;
  constructor(
    code: SdDecodeCode,
    structure: string,
    field: string,
    offset: number,
    detail: string,
    needed = 0,
    available = 0,
  ) {
    super(code === 'truncated' || code === 'over-cap' ? code : 'invalid', structure, field, offset, needed, available);
    this.code = code;
    this.message = `${structure}: ${field} at byte ${offset}: ${detail}`;
  }
}

function sdTruncated(structure: string, field: string, offset: number, needed: number, available: number) {
  return new SdDecodeError(
    'truncated',
    structure,
    field,
    offset,
    `needs ${needed} byte(s), ${available} present`,
    needed,
    available,
  );
}

/**
 * A codec reader over security data (little-endian fields: u16le, u32le) whose reads past the
 * end throw SdDecodeError('truncated'); offsets in errors count from the outermost data.
 */
export function sdReader(bytes: Uint8Array, structure: string): ByteReader {
  return new ByteReader(bytes, structure, 0, sdTruncated);
}

/** [MS-DTYP] 2.4.2.2: SubAuthorityCount is at most 15. */
export const SID_MAX_SUB_AUTHORITIES = 15;
const SID_REVISION = 1;
const SID_HEADER = 8;

/**
 * Reads a binary SID ([MS-DTYP] 2.4.2.2: Revision, SubAuthorityCount, 48-bit big-endian
 * IdentifierAuthority, little-endian sub-authorities) at `offset`. Returns its string form and
 * how many bytes it took.
 */
export function readSid(r: ByteReader, offset: number, field = 'SID'): { sid: string; length: number } {
  const revision = r.u8(offset, `${field} Revision`);
  if (revision !== SID_REVISION)
    throw new SdDecodeError(
      'revision',
      r.structure,
      `${field} Revision`,
      r.base + offset,
      `SID revision ${revision}, expected 1`,
    );
  const count = r.u8(offset + 1, `${field} SubAuthorityCount`);
  if (count > SID_MAX_SUB_AUTHORITIES) {
    throw new SdDecodeError(
      'sid-sub-authority-count',
      r.structure,
      `${field} SubAuthorityCount`,
      r.base + offset + 1,
      `${count} sub-authorities, at most ${SID_MAX_SUB_AUTHORITIES}`,
    );
  }
  const length = SID_HEADER + 4 * count;
  r.need(offset, length, `${field} SubAuthority`);
  // IdentifierAuthority is the one big-endian field in a little-endian structure.
  const authority = r.uintBE(offset + 2, 6, `${field} IdentifierAuthority`);
  const subs: number[] = [];
  for (let i = 0; i < count; i++) subs.push(r.u32le(offset + SID_HEADER + 4 * i, `${field} SubAuthority[${i}]`));
  return { sid: formatSid(revision, authority, subs), length };
}

/** A SID value on its own (objectSid, one tokenGroups value): exactly one SID, nothing after it. */
export function decodeSid(bytes: Uint8Array, structure = 'SID'): string {
  return whole(bytes, structure, 'SID', (r) => {
    const { sid, length } = readSid(r, 0);
    return { value: sid, length };
  });
}

/**
 * A value that is one structure and nothing more: `read` decodes it from offset 0 and says how
 * long it was; bytes after it are `trailing-bytes`.
 */
function whole<T>(
  bytes: Uint8Array,
  structure: string,
  what: string,
  read: (r: ByteReader) => { readonly value: T; readonly length: number },
): T {
  const { value, length } = read(sdReader(bytes, structure));
  if (length !== bytes.length)
    throw new SdDecodeError(
      'trailing-bytes',
      structure,
      what,
      length,
      `${bytes.length - length} byte(s) after the ${what}`,
    );
  return value;
}

/** [MS-DTYP] 2.4.2.1: the authority in decimal below 2^32, else as 0x and 12 hex digits. */
function formatSid(revision: number, authority: number, subs: readonly number[]): string {
  const auth = authority < 2 ** 32 ? String(authority) : `0x${authority.toString(16).toUpperCase().padStart(12, '0')}`;
  return `S-${revision}-${auth}${subs.map((s) => `-${s}`).join('')}`;
}

const SID_PATTERN = /^S-1-(\d{1,15}|0x[0-9a-f]{12})((?:-\d{1,10}){0,15})$/i;

/** Whether `text` is a SID string this module can encode. */
export function isSid(text: string): boolean {
  return parseSid(text) !== undefined;
}

function parseSid(text: string): { authority: number; subs: number[] } | undefined {
  const m = SID_PATTERN.exec(text);
  if (!m) return undefined;
  const authority = m[1]!.toLowerCase().startsWith('0x') ? Number.parseInt(m[1]!.slice(2), 16) : Number(m[1]);
  if (!Number.isSafeInteger(authority) || authority >= 2 ** 48) return undefined;
  const subs = m[2] ? m[2].slice(1).split('-').map(Number) : [];
  if (subs.some((s) => s > 0xffff_ffff)) return undefined;
  return { authority, subs };
}

/** The binary form of a `S-1-...` string. Throws RangeError for anything else. */
export function encodeSid(text: string): Uint8Array {
  const parsed = parseSid(text);
  if (!parsed) throw new RangeError(`not a SID: ${JSON.stringify(text)}`);
  const out = new ByteWriter(SID_HEADER + 4 * parsed.subs.length)
    .u8(0, SID_REVISION)
    .u8(1, parsed.subs.length)
    .uintBE(2, 6, parsed.authority);
  parsed.subs.forEach((s, i) => out.u32le(SID_HEADER + 4 * i, s));
  return out.bytes;
}

/** The canonical string of a SID string (authority normalised, case of a hex authority). */
export function normalizeSid(text: string): string {
  const parsed = parseSid(text);
  if (!parsed) throw new RangeError(`not a SID: ${JSON.stringify(text)}`);
  return formatSid(SID_REVISION, parsed.authority, parsed.subs);
}

/** Well-known SIDs ([MS-DTYP] 2.4.2.4) that matter for directory access checks. */
export const WELL_KNOWN_SIDS = {
  everyone: 'S-1-1-0',
  creatorOwner: 'S-1-3-0',
  creatorGroup: 'S-1-3-1',
  ownerRights: 'S-1-3-4',
  network: 'S-1-5-2',
  interactive: 'S-1-5-4',
  anonymous: 'S-1-5-7',
  enterpriseDomainControllers: 'S-1-5-9',
  self: 'S-1-5-10',
  authenticatedUsers: 'S-1-5-11',
  thisOrganization: 'S-1-5-15',
  system: 'S-1-5-18',
  administrators: 'S-1-5-32-544',
  users: 'S-1-5-32-545',
  guests: 'S-1-5-32-546',
  accountOperators: 'S-1-5-32-548',
  serverOperators: 'S-1-5-32-549',
  printOperators: 'S-1-5-32-550',
  backupOperators: 'S-1-5-32-551',
  preWindows2000CompatibleAccess: 'S-1-5-32-554',
} as const;

/** Relative identifiers of well-known domain accounts and groups ([MS-DTYP] 2.4.2.4). */
export const DOMAIN_RIDS = {
  administrator: 500,
  guest: 501,
  readOnlyDomainControllers: 498,
  domainAdmins: 512,
  domainUsers: 513,
  domainGuests: 514,
  domainComputers: 515,
  domainControllers: 516,
  certPublishers: 517,
  schemaAdmins: 518,
  enterpriseAdmins: 519,
  groupPolicyCreatorOwners: 520,
} as const;

/** A SID in a domain: `S-1-5-21-a-b-c` + RID. */
export function domainSid(domain: string, rid: number): string {
  return `${domain}-${rid}`;
}

/** Display names and SDDL aliases ([MS-DTYP] 2.5.1.1) of the SIDs above. */
const SID_NAMES: Readonly<Record<string, { readonly name: string; readonly sddl?: string }>> = {
  'S-1-1-0': { name: 'Everyone', sddl: 'WD' },
  'S-1-3-0': { name: 'CREATOR OWNER', sddl: 'CO' },
  'S-1-3-1': { name: 'CREATOR GROUP', sddl: 'CG' },
  'S-1-3-4': { name: 'OWNER RIGHTS', sddl: 'OW' },
  'S-1-5-2': { name: 'NETWORK', sddl: 'NU' },
  'S-1-5-4': { name: 'INTERACTIVE', sddl: 'IU' },
  'S-1-5-7': { name: 'ANONYMOUS LOGON', sddl: 'AN' },
  'S-1-5-9': { name: 'ENTERPRISE DOMAIN CONTROLLERS', sddl: 'ED' },
  'S-1-5-10': { name: 'SELF', sddl: 'PS' },
  'S-1-5-11': { name: 'Authenticated Users', sddl: 'AU' },
  'S-1-5-15': { name: 'This Organization' },
  'S-1-5-18': { name: 'SYSTEM', sddl: 'SY' },
  'S-1-5-32-544': { name: 'Administrators', sddl: 'BA' },
  'S-1-5-32-545': { name: 'Users', sddl: 'BU' },
  'S-1-5-32-546': { name: 'Guests', sddl: 'BG' },
  'S-1-5-32-548': { name: 'Account Operators', sddl: 'AO' },
  'S-1-5-32-549': { name: 'Server Operators', sddl: 'SO' },
  'S-1-5-32-550': { name: 'Print Operators', sddl: 'PO' },
  'S-1-5-32-551': { name: 'Backup Operators', sddl: 'BO' },
  'S-1-5-32-554': { name: 'Pre-Windows 2000 Compatible Access', sddl: 'RU' },
};

const RID_NAMES: Readonly<Record<number, { readonly name: string; readonly sddl: string }>> = {
  498: { name: 'Enterprise Read-only Domain Controllers', sddl: 'RO' },
  500: { name: 'Administrator', sddl: 'LA' },
  501: { name: 'Guest', sddl: 'LG' },
  512: { name: 'Domain Admins', sddl: 'DA' },
  513: { name: 'Domain Users', sddl: 'DU' },
  514: { name: 'Domain Guests', sddl: 'DG' },
  515: { name: 'Domain Computers', sddl: 'DC' },
  516: { name: 'Domain Controllers', sddl: 'DD' },
  517: { name: 'Cert Publishers', sddl: 'CA' },
  518: { name: 'Schema Admins', sddl: 'SA' },
  519: { name: 'Enterprise Admins', sddl: 'EA' },
  520: { name: 'Group Policy Creator Owners', sddl: 'PA' },
};

const DOMAIN_ACCOUNT = /^(S-1-5-21-\d+-\d+-\d+)-(\d+)$/;

/**
 * The name of a well-known SID, or of a well-known RID in any domain (Domain Admins for
 * S-1-5-21-...-512), else undefined.
 */
export function wellKnownSidName(sid: string): string | undefined {
  const known = SID_NAMES[sid];
  if (known) return known.name;
  const m = DOMAIN_ACCOUNT.exec(sid);
  return m ? RID_NAMES[Number(m[2])]?.name : undefined;
}

/**
 * The SDDL alias of a SID, or the SID itself. Domain-relative aliases (DA, EA...) are used only
 * for SIDs in `domain` (the descriptor's domain SID), as Windows and Samba do.
 */
export function sddlSid(sid: string, domain?: string): string {
  const known = SID_NAMES[sid]?.sddl;
  if (known) return known;
  const m = DOMAIN_ACCOUNT.exec(sid);
  if (m && domain !== undefined && m[1] === domain) return RID_NAMES[Number(m[2])]?.sddl ?? sid;
  return sid;
}

/** "Domain Admins (S-1-5-21-...-512)" for well-known SIDs, the bare SID otherwise. */
export function describeSid(sid: string): string {
  const name = wellKnownSidName(sid);
  return name ? `${name} (${sid})` : sid;
}

const GUID_BYTES = 16;

/**
 * Reads a GUID in its wire form ([MS-DTYP] 2.3.4.2: Data1 u32, Data2 u16, Data3 u16 little-endian,
 * Data4 eight bytes in order) as the lower-case `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` string.
 */
export function readGuid(r: ByteReader, offset: number, field = 'GUID'): string {
  const b = r.slice(offset, GUID_BYTES, field);
  const hex = (i: number) => b[i]!.toString(16).padStart(2, '0');
  const run = (indexes: number[]) => indexes.map(hex).join('');
  return `${run([3, 2, 1, 0])}-${run([5, 4])}-${run([7, 6])}-${run([8, 9])}-${run([10, 11, 12, 13, 14, 15])}`;
}

/** A GUID value on its own (schemaIDGUID, objectGUID): exactly 16 bytes. */
export function decodeGuid(bytes: Uint8Array, structure = 'GUID'): string {
  return whole(bytes, structure, 'GUID', (r) => ({ value: readGuid(r, 0), length: GUID_BYTES }));
}

const GUID_PATTERN = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i;

/** Whether `text` is a GUID string (braces not accepted). */
export function isGuid(text: string): boolean {
  return GUID_PATTERN.test(text);
}

/** The 16 wire bytes of a GUID string. Throws RangeError for anything else. */
export function encodeGuid(text: string): Uint8Array {
  const m = GUID_PATTERN.exec(text);
  if (!m) throw new RangeError(`not a GUID: ${JSON.stringify(text)}`);
  const bytes = (hex: string) => hex.match(/../g)!.map((h) => Number.parseInt(h, 16));
  return Uint8Array.from([
    ...bytes(m[1]!).reverse(),
    ...bytes(m[2]!).reverse(),
    ...bytes(m[3]!).reverse(),
    ...bytes(m[4]!),
    ...bytes(m[5]!),
  ]);
}
