/**
 * Security descriptors as bytes, for tests: a deliberately naive builder written from [MS-DTYP]
 * 2.4.2.2, 2.4.4, 2.4.5 and 2.4.6 that shares no code with src/facts/ad-security/sd.ts, so the decoder and the
 * checks are tested against an independent encoding. Everything is little-endian except the SID
 * authority.
 */

export const le16 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff];
export const le32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

export function sidBytes(text: string): number[] {
  const parts = text.split('-').slice(1).map(Number);
  const subs = parts.slice(2);
  return [parts[0]!, subs.length, 0, 0, 0, 0, 0, parts[1]!, ...subs.flatMap(le32)];
}

export function guidBytes(text: string): number[] {
  const hex = text.replaceAll('-', '');
  const b = Array.from({ length: 16 }, (_, i) => Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16));
  return [b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!, ...b.slice(8)];
}

export interface AceSpec {
  type: number;
  flags?: number;
  mask?: number;
  sid?: string;
  objectType?: string;
  inheritedObjectType?: string;
  /** The whole body after the header, for opaque ACEs. */
  body?: number[];
}

export function aceBytes(a: AceSpec): number[] {
  let body: number[];
  if (a.body) body = a.body;
  else if (a.type >= 0x05 && a.type <= 0x08) {
    const objectFlags = (a.objectType ? 1 : 0) | (a.inheritedObjectType ? 2 : 0);
    body = [
      ...le32(a.mask!),
      ...le32(objectFlags),
      ...(a.objectType ? guidBytes(a.objectType) : []),
      ...(a.inheritedObjectType ? guidBytes(a.inheritedObjectType) : []),
      ...sidBytes(a.sid!),
    ];
  } else body = [...le32(a.mask!), ...sidBytes(a.sid!)];
  return [a.type, a.flags ?? 0, ...le16(4 + body.length), ...body];
}

export function aclBytes(aces: AceSpec[], revision = 4): number[] {
  const body = aces.flatMap(aceBytes);
  return [revision, 0, ...le16(8 + body.length), ...le16(aces.length), 0, 0, ...body];
}

export interface SdSpec {
  control?: number;
  owner?: string;
  group?: string;
  sacl?: AceSpec[];
  /** ACEs, or 'null' for SE_DACL_PRESENT with OffsetDacl 0, or undefined for no DACL. */
  dacl?: AceSpec[] | 'null';
}

export function sdBytes(s: SdSpec): Uint8Array {
  const parts: { owner?: number[]; group?: number[]; sacl?: number[]; dacl?: number[] } = {};
  if (s.owner) parts.owner = sidBytes(s.owner);
  if (s.group) parts.group = sidBytes(s.group);
  if (s.sacl) parts.sacl = aclBytes(s.sacl);
  if (Array.isArray(s.dacl)) parts.dacl = aclBytes(s.dacl);
  const offsets = { owner: 0, group: 0, sacl: 0, dacl: 0 };
  let at = 20;
  const tail: number[] = [];
  for (const k of ['owner', 'group', 'sacl', 'dacl'] as const) {
    const p = parts[k];
    if (!p) continue;
    offsets[k] = at;
    tail.push(...p);
    at += p.length;
  }
  const control = s.control ?? 0x8000 | (s.dacl ? 0x0004 : 0) | (s.sacl ? 0x0010 : 0);
  return Uint8Array.from([
    1,
    0,
    ...le16(control),
    ...le32(offsets.owner),
    ...le32(offsets.group),
    ...le32(offsets.sacl),
    ...le32(offsets.dacl),
    ...tail,
  ]);
}

/** A descriptor as the AD probe keeps it in its facts (nTSecurityDescriptor, base64). */
export function sdBase64(s: SdSpec): string {
  return Buffer.from(sdBytes(s)).toString('base64');
}
