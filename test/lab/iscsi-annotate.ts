/**
 * A deliberately naive reading of captured iSCSI traffic, independent of src/iscsi and src/scsi:
 * it splits a TCP stream into PDUs and names what each PDU and SCSI command is, so that fixtures
 * built from captures carry readable annotations. Offsets per RFC 7143 section 11 and SPC-4.
 */
import { LOGIN_STATUS_NAMES } from '../../src/iscsi/errors.ts';
import { SCSI_STATUS_NAMES } from '../../src/scsi/status.ts';

export type Direction = 'initiator->target' | 'target->initiator';

export interface RawPdu {
  direction: Direction;
  /** Offset of the PDU in its direction's TCP stream. */
  offset: number;
  bytes: Uint8Array;
  opcode: number;
  immediate: boolean;
  flags: number;
  totalAhsLength: number;
  dataSegmentLength: number;
  itt: number;
  /** The BHS (and AHS) without the header digest. */
  header: Uint8Array;
  data: Uint8Array;
  headerDigest?: Uint8Array;
  dataDigest?: Uint8Array;
}

export const OPCODE_NAMES: Record<number, string> = {
  0x00: 'NOP-Out',
  0x01: 'SCSI Command',
  0x02: 'SCSI Task Management Function Request',
  0x03: 'Login Request',
  0x04: 'Text Request',
  0x05: 'SCSI Data-Out',
  0x06: 'Logout Request',
  0x10: 'SNACK Request',
  0x20: 'NOP-In',
  0x21: 'SCSI Response',
  0x22: 'SCSI Task Management Function Response',
  0x23: 'Login Response',
  0x24: 'Text Response',
  0x25: 'SCSI Data-In',
  0x26: 'Logout Response',
  0x31: 'Ready To Transfer (R2T)',
  0x32: 'Asynchronous Message',
  0x3f: 'Reject',
};

const u32 = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const u16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
export const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export interface Digests {
  header: boolean;
  data: boolean;
}

/**
 * Splits one direction of a connection into PDUs. Digests apply only after the login phase:
 * `digestsFor(pduIndex, opcode)` says whether this PDU carries them.
 */
export function splitPdus(
  stream: Uint8Array,
  direction: Direction,
  digestsFor: (opcode: number) => Digests,
): { pdus: RawPdu[]; rest: number } {
  const pdus: RawPdu[] = [];
  let off = 0;
  while (stream.length - off >= 48) {
    const opcode = stream[off]! & 0x3f;
    const ahs = stream[off + 4]! * 4;
    const dsl = (stream[off + 5]! << 16) | (stream[off + 6]! << 8) | stream[off + 7]!;
    const d = digestsFor(opcode);
    const headerLen = 48 + ahs;
    const hd = d.header ? 4 : 0;
    const padded = (dsl + 3) & ~3;
    const dd = d.data && dsl > 0 ? 4 : 0;
    const total = headerLen + hd + padded + dd;
    if (stream.length - off < total) break;
    const bytes = stream.subarray(off, off + total);
    const pdu: RawPdu = {
      direction,
      offset: off,
      bytes,
      opcode,
      immediate: !!(stream[off]! & 0x40),
      flags: stream[off + 1]!,
      totalAhsLength: stream[off + 4]!,
      dataSegmentLength: dsl,
      itt: u32(bytes, 16),
      header: bytes.subarray(0, headerLen),
      data: bytes.subarray(headerLen + hd, headerLen + hd + dsl),
    };
    if (hd) pdu.headerDigest = bytes.subarray(headerLen, headerLen + 4);
    if (dd) pdu.dataDigest = bytes.subarray(total - 4, total);
    pdus.push(pdu);
    off += total;
  }
  return { pdus, rest: stream.length - off };
}

/** `key=value` pairs of a login or text data segment (NUL separated), in order. */
export function textKeys(data: Uint8Array): [string, string][] {
  const out: [string, string][] = [];
  for (const part of Buffer.from(data).toString('latin1').split('\0')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    out.push(eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)]);
  }
  return out;
}

const STAGES = ['SecurityNegotiation', 'LoginOperationalNegotiation', 'reserved', 'FullFeaturePhase'] as const;

export const LOGIN_STATUS = LOGIN_STATUS_NAMES;

export const SCSI_STATUS = SCSI_STATUS_NAMES;

const SENSE_KEYS = [
  'NO SENSE',
  'RECOVERED ERROR',
  'NOT READY',
  'MEDIUM ERROR',
  'HARDWARE ERROR',
  'ILLEGAL REQUEST',
  'UNIT ATTENTION',
  'DATA PROTECT',
  'BLANK CHECK',
  'VENDOR SPECIFIC',
  'COPY ABORTED',
  'ABORTED COMMAND',
  'reserved',
  'VOLUME OVERFLOW',
  'MISCOMPARE',
  'COMPLETED',
];

const ASC_NAMES: Record<string, string> = {
  '0000': 'no additional sense information',
  '0400': 'logical unit not ready, cause not reportable',
  '1a00': 'parameter list length error',
  '2000': 'invalid command operation code',
  '2100': 'logical block address out of range',
  '2400': 'invalid field in CDB',
  '2500': 'logical unit not supported',
  '2600': 'invalid field in parameter list',
  '2604': 'invalid release of persistent reservation',
  '2900': 'power on, reset, or bus device reset occurred',
  '2907': 'I_T nexus loss occurred',
  '2a03': 'reservations preempted',
  '2a04': 'reservations released',
  '2a05': 'registrations preempted',
  '3a00': 'medium not present',
  '3f0e': 'reported luns data has changed',
  '5504': 'insufficient registration resources',
};

export interface Sense {
  responseCode: number;
  senseKey: number;
  asc: number;
  ascq: number;
  text: string;
}

export function decodeSense(s: Uint8Array): Sense | undefined {
  if (s.length < 4) return undefined;
  const rc = s[0]! & 0x7f;
  let key: number;
  let asc: number;
  let ascq: number;
  if (rc === 0x70 || rc === 0x71) {
    if (s.length < 14) return undefined;
    key = s[2]! & 0x0f;
    asc = s[12]!;
    ascq = s[13]!;
  } else if (rc === 0x72 || rc === 0x73) {
    key = s[1]! & 0x0f;
    asc = s[2]!;
    ascq = s[3]!;
  } else {
    return undefined;
  }
  const h2 = (n: number) => n.toString(16).padStart(2, '0');
  const name = ASC_NAMES[h2(asc) + h2(ascq)] ?? 'unnamed';
  return {
    responseCode: rc,
    senseKey: key,
    asc,
    ascq,
    text: `${h2(key)}/${h2(asc)}/${h2(ascq)} ${SENSE_KEYS[key]}, ${name}`,
  };
}

const PRIN_SA = ['READ KEYS', 'READ RESERVATION', 'REPORT CAPABILITIES', 'READ FULL STATUS'];
const PROUT_SA = [
  'REGISTER',
  'RESERVE',
  'RELEASE',
  'CLEAR',
  'PREEMPT',
  'PREEMPT AND ABORT',
  'REGISTER AND IGNORE EXISTING KEY',
  'REGISTER AND MOVE',
];
const PR_TYPES: Record<number, string> = { 1: 'WE', 3: 'EA', 5: 'WERO', 6: 'EARO', 7: 'WEAR', 8: 'EAAR' };

export function cdbLength(opcode: number): number {
  const group = opcode >> 5;
  return group === 0 ? 6 : group === 1 || group === 2 ? 10 : group === 4 ? 16 : group === 5 ? 12 : 16;
}

/** A short name for a command: kind (for grouping) and a description with its fields. */
export function describeCdb(cdb: Uint8Array): { kind: string; text: string } {
  const op = cdb[0]!;
  const x = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
  switch (op) {
    case 0x00:
      return { kind: 'TEST UNIT READY', text: 'TEST UNIT READY' };
    case 0x03:
      return { kind: 'REQUEST SENSE', text: `REQUEST SENSE alloc=${cdb[4]}` };
    case 0x12: {
      const evpd = cdb[1]! & 1;
      const alloc = u16(cdb, 3);
      return evpd
        ? { kind: `INQUIRY VPD ${x(cdb[2]!)}`, text: `INQUIRY EVPD=1 page=${x(cdb[2]!)} alloc=${alloc}` }
        : { kind: 'INQUIRY', text: `INQUIRY EVPD=0 alloc=${alloc}` };
    }
    case 0x1a:
      return {
        kind: 'MODE SENSE(6)',
        text: `MODE SENSE(6) page=${x(cdb[2]! & 0x3f)} subpage=${x(cdb[3]!)} alloc=${cdb[4]}`,
      };
    case 0x5a:
      return {
        kind: 'MODE SENSE(10)',
        text: `MODE SENSE(10) page=${x(cdb[2]! & 0x3f)} subpage=${x(cdb[3]!)} alloc=${u16(cdb, 7)}`,
      };
    case 0x25:
      return { kind: 'READ CAPACITY(10)', text: 'READ CAPACITY(10)' };
    case 0x9e:
      return (cdb[1]! & 0x1f) === 0x10
        ? { kind: 'READ CAPACITY(16)', text: `READ CAPACITY(16) alloc=${u32(cdb, 10)}` }
        : { kind: `SERVICE ACTION IN(16) ${x(cdb[1]! & 0x1f)}`, text: `SERVICE ACTION IN(16) SA=${x(cdb[1]! & 0x1f)}` };
    case 0xa0:
      return { kind: 'REPORT LUNS', text: `REPORT LUNS select=${cdb[2]} alloc=${u32(cdb, 6)}` };
    case 0xa3:
      return (cdb[1]! & 0x1f) === 0x0c
        ? {
            kind: 'REPORT SUPPORTED OPERATION CODES',
            text: `REPORT SUPPORTED OPERATION CODES options=${cdb[2]! & 7} alloc=${u32(cdb, 6)}`,
          }
        : { kind: `MAINTENANCE IN ${x(cdb[1]! & 0x1f)}`, text: `MAINTENANCE IN SA=${x(cdb[1]! & 0x1f)}` };
    case 0x5e: {
      const sa = cdb[1]! & 0x1f;
      return {
        kind: `PERSISTENT RESERVE IN ${PRIN_SA[sa] ?? 'reserved service action'}`,
        text: `PERSISTENT RESERVE IN ${PRIN_SA[sa] ?? `SA=${x(sa)}`} alloc=${u16(cdb, 7)}`,
      };
    }
    case 0x5f: {
      const sa = cdb[1]! & 0x1f;
      const type = cdb[2]! & 0x0f;
      const scope = cdb[2]! >> 4;
      return {
        kind: `PERSISTENT RESERVE OUT ${PROUT_SA[sa] ?? `SA ${x(sa)}`}`,
        text: `PERSISTENT RESERVE OUT ${PROUT_SA[sa] ?? `SA=${x(sa)}`} scope=${scope} type=${type}${PR_TYPES[type] ? ` (${PR_TYPES[type]})` : ''} paramlen=${u32(cdb, 5)}`,
      };
    }
    case 0x08:
    case 0x28:
    case 0x88:
    case 0xa8: {
      const name = { 0x08: 'READ(6)', 0x28: 'READ(10)', 0x88: 'READ(16)', 0xa8: 'READ(12)' }[op]!;
      return { kind: name, text: `${name} ${lbaAndLength(cdb)}` };
    }
    case 0x0a:
    case 0x2a:
    case 0x8a:
    case 0xaa: {
      const name = { 0x0a: 'WRITE(6)', 0x2a: 'WRITE(10)', 0x8a: 'WRITE(16)', 0xaa: 'WRITE(12)' }[op]!;
      return { kind: name, text: `${name} ${lbaAndLength(cdb)}` };
    }
    case 0x35:
      return { kind: 'SYNCHRONIZE CACHE(10)', text: 'SYNCHRONIZE CACHE(10)' };
    case 0x16:
      return { kind: 'RESERVE(6)', text: 'RESERVE(6)' };
    case 0x17:
      return { kind: 'RELEASE(6)', text: 'RELEASE(6)' };
    case 0x1e:
      return { kind: 'PREVENT ALLOW MEDIUM REMOVAL', text: `PREVENT ALLOW MEDIUM REMOVAL prevent=${cdb[4]! & 3}` };
    case 0x1b:
      return { kind: 'START STOP UNIT', text: 'START STOP UNIT' };
    case 0x4a:
      return { kind: 'GET EVENT STATUS NOTIFICATION', text: 'GET EVENT STATUS NOTIFICATION' };
    case 0x46:
      return { kind: 'GET CONFIGURATION', text: 'GET CONFIGURATION' };
    default:
      return { kind: `opcode ${x(op)}`, text: `opcode ${x(op)}` };
  }
}

function lbaAndLength(cdb: Uint8Array): string {
  const op = cdb[0]!;
  if (op === 0x28 || op === 0x2a) return `lba=${u32(cdb, 2)} blocks=${u16(cdb, 7)}`;
  if (op === 0xa8 || op === 0xaa) return `lba=${u32(cdb, 2)} blocks=${u32(cdb, 6)}`;
  if (op === 0x88 || op === 0x8a) return `lba=${u32(cdb, 2) * 2 ** 32 + u32(cdb, 6)} blocks=${u32(cdb, 10)}`;
  return `lba=${((cdb[1]! & 0x1f) << 16) | u16(cdb, 2)} blocks=${cdb[4] || 256}`;
}

/** A one-line description of a PDU; `cdbOf(pdu)` names the command a Data-In/R2T/response belongs to. */
export function describePdu(p: RawPdu, cdbOf: (pdu: RawPdu) => string | undefined): string {
  const name = OPCODE_NAMES[p.opcode] ?? `opcode 0x${p.opcode.toString(16)}`;
  const b = p.header;
  const f = p.flags;
  const bits = (pairs: [number, string][]) =>
    pairs
      .filter(([m]) => f & m)
      .map(([, s]) => s)
      .join('') || '-';
  switch (p.opcode) {
    case 0x03:
    case 0x23: {
      const csg = (f >> 2) & 3;
      const nsg = f & 3;
      const t = f & 0x80 ? 1 : 0;
      const c = f & 0x40 ? 1 : 0;
      const keys = textKeys(p.data).map(([k]) => k);
      let s = `${name}, CSG=${csg} (${STAGES[csg]}) ${t ? `NSG=${nsg} (${STAGES[nsg]}) ` : ''}T=${t} C=${c}`;
      if (p.opcode === 0x23) {
        const status = u16(b, 36);
        s += `, status 0x${status.toString(16).padStart(4, '0')} (${LOGIN_STATUS[status] ?? 'unknown'})`;
        if (t && nsg === 3 && status === 0) s += `, TSIH ${u16(b, 14)}`;
      }
      if (keys.length) s += `, keys: ${keys.join(' ')}`;
      return s;
    }
    case 0x04:
    case 0x24: {
      const keys = textKeys(p.data);
      const summary =
        keys.length <= 2
          ? keys.map(([k, v]) => `${k}=${v}`).join(' ')
          : `${keys.length} keys (${[...new Set(keys.map(([k]) => k))].join(', ')})`;
      return `${name}, F=${f & 0x80 ? 1 : 0} C=${f & 0x40 ? 1 : 0}, TTT 0x${u32(b, 20).toString(16)}${summary ? `, ${summary}` : ', empty'}`;
    }
    case 0x01: {
      const lun = b[9]!;
      const cdb = b.subarray(32, 32 + cdbLength(b[32]!));
      return `${name} ${describeCdb(cdb).text}, LUN ${lun}, flags ${bits([
        [0x80, 'F'],
        [0x40, 'R'],
        [0x20, 'W'],
      ])} attr ${f & 7}, EDTL ${u32(b, 20)}${p.dataSegmentLength ? `, ${p.dataSegmentLength} bytes immediate data` : ''}`;
    }
    case 0x25:
      return `${name} for ${cdbOf(p) ?? '?'}, flags ${bits([
        [0x80, 'F'],
        [0x40, 'A'],
        [0x04, 'O'],
        [0x02, 'U'],
        [0x01, 'S'],
      ])}${f & 1 ? ` status ${SCSI_STATUS[b[3]!] ?? b[3]}` : ''}, DataSN ${u32(b, 36)}, offset ${u32(b, 40)}, ${p.dataSegmentLength} bytes${f & 6 ? `, residual ${u32(b, 44)}` : ''}`;
    case 0x21: {
      let s = `${name} for ${cdbOf(p) ?? '?'}: ${SCSI_STATUS[b[3]!] ?? `status 0x${b[3]!.toString(16)}`}`;
      if (f & 6) s += `, ${f & 4 ? 'overflow' : 'underflow'} residual ${u32(b, 44)}`;
      if (p.data.length >= 2) {
        const sense = decodeSense(p.data.subarray(2, 2 + u16(p.data, 0)));
        if (sense) s += `, sense ${sense.text}`;
      }
      return s;
    }
    case 0x05:
      return `${name} for ${cdbOf(p) ?? '?'}, F=${f & 0x80 ? 1 : 0}, TTT 0x${u32(b, 20).toString(16)}, DataSN ${u32(b, 36)}, offset ${u32(b, 40)}, ${p.dataSegmentLength} bytes`;
    case 0x31:
      return `${name} for ${cdbOf(p) ?? '?'}, TTT 0x${u32(b, 20).toString(16)}, R2TSN ${u32(b, 36)}, offset ${u32(b, 40)}, desired length ${u32(b, 44)}`;
    case 0x06:
      return `${name}, reason ${f & 0x7f}${p.immediate ? ', immediate' : ''}`;
    case 0x26:
      return `${name}, response ${b[2]}${b[2] === 0 ? ' (connection or session closed successfully)' : ''}`;
    case 0x00:
    case 0x20:
      return `${name}, ITT 0x${p.itt.toString(16)}, TTT 0x${u32(b, 20).toString(16)}${p.immediate ? ', immediate' : ''}${p.dataSegmentLength ? `, ${p.dataSegmentLength} bytes ping data` : ''}`;
    case 0x3f:
      return `${name}, reason 0x${b[2]!.toString(16)}`;
    case 0x32:
      return `${name}, event ${b[36]}`;
    default:
      return name;
  }
}
