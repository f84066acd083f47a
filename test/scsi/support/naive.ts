/**
 * A deliberately naive, independent encoder for expected bytes: CDBs, parameter lists and
 * target data written as plain arrays of numbers straight from the SPC-4/SBC-3 tables, using
 * none of src/scsi's helpers. Keys go through hex strings rather than DataView on purpose.
 */

export function be16(n: number): number[] {
  return [Math.floor(n / 0x100) % 0x100, n % 0x100];
}

export function be32(n: number): number[] {
  return [Math.floor(n / 0x1000000) % 0x100, Math.floor(n / 0x10000) % 0x100, Math.floor(n / 0x100) % 0x100, n % 0x100];
}

export function be64(key: bigint): number[] {
  const hex = key.toString(16).padStart(16, '0');
  const out: number[] = [];
  for (let i = 0; i < 16; i += 2) out.push(parseInt(hex.slice(i, i + 2), 16));
  return out;
}

export function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

/** Space-padded fixed-width ASCII field (SPC-4 4.3.1). */
export function padded(text: string, width: number): number[] {
  return ascii(text.padEnd(width, ' ').slice(0, width));
}

export function zeros(n: number): number[] {
  return new Array<number>(n).fill(0);
}

/** Hex with '#' comments and whitespace: the annotated fixture format. */
export function hexBytes(annotated: string): Uint8Array {
  const clean = annotated
    .split('\n')
    .map((line) => line.replace(/#.*$/u, ''))
    .join('')
    .replace(/\s+/gu, '');
  if (clean.length % 2 !== 0) throw new Error('odd number of hex digits in fixture');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function hex(b: Uint8Array | number[]): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

// ---- CDBs, from the SPC-4 / SBC-3 tables ------------------------------------------------

/** SPC-4 6.47 table 224. */
export const naiveTestUnitReady = (): number[] => [0x00, 0, 0, 0, 0, 0];

/** SPC-4 6.6.1 table 141: OPERATION CODE, EVPD, PAGE CODE, ALLOCATION LENGTH (2), CONTROL. */
export const naiveInquiry = (evpd: boolean, pageCode: number, allocationLength: number): number[] => [
  0x12,
  evpd ? 1 : 0,
  pageCode,
  ...be16(allocationLength),
  0,
];

/** SPC-4 6.33 table 281: OPERATION CODE, reserved, SELECT REPORT, reserved x3, ALLOCATION LENGTH (4), reserved, CONTROL. */
export const naiveReportLuns = (selectReport: number, allocationLength: number): number[] => [
  0xa0,
  0,
  selectReport,
  0,
  0,
  0,
  ...be32(allocationLength),
  0,
  0,
];

/** SBC-3 5.15.1 table 60. */
export const naiveReadCapacity10 = (): number[] => [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/** SBC-3 5.16.1 table 62: 0x9E, SERVICE ACTION 0x10, LBA (8), ALLOCATION LENGTH (4), PMI, CONTROL. */
export const naiveReadCapacity16 = (allocationLength: number): number[] => [
  0x9e,
  0x10,
  ...zeros(8),
  ...be32(allocationLength),
  0,
  0,
];

/** SPC-4 6.15.1 table 168: 0x5E, SERVICE ACTION, reserved x5, ALLOCATION LENGTH (2), CONTROL. */
export const naivePrIn = (serviceAction: number, allocationLength: number): number[] => [
  0x5e,
  serviceAction,
  0,
  0,
  0,
  0,
  0,
  ...be16(allocationLength),
  0,
];

/** SPC-4 6.16.1 table 176: 0x5F, SERVICE ACTION, SCOPE|TYPE, reserved x2, PARAMETER LIST LENGTH (4), CONTROL. */
export const naivePrOut = (
  serviceAction: number,
  scope: number,
  type: number,
  parameterListLength: number,
): number[] => [0x5f, serviceAction, scope * 16 + type, 0, 0, ...be32(parameterListLength), 0];

/** SPC-4 6.16.3 table 179: the 24-byte basic parameter list. */
export function naiveProutParameters(
  key: bigint,
  saKey: bigint,
  specIPT: boolean,
  allTgPt: boolean,
  aptpl: boolean,
): number[] {
  const byte20 = (specIPT ? 8 : 0) + (allTgPt ? 4 : 0) + (aptpl ? 1 : 0);
  return [...be64(key), ...be64(saKey), 0, 0, 0, 0, byte20, 0, 0, 0];
}

/** SPC-4 6.16.4 table 181: REGISTER AND MOVE parameter list. */
export function naiveRegisterAndMove(
  key: bigint,
  saKey: bigint,
  unreg: boolean,
  aptpl: boolean,
  rtpi: number,
  transportId: number[],
): number[] {
  return [
    ...be64(key),
    ...be64(saKey),
    0,
    (unreg ? 2 : 0) + (aptpl ? 1 : 0),
    ...be16(rtpi),
    ...be32(transportId.length),
    ...transportId,
  ];
}

/** SPC-4 7.6.4.6 tables 389/390: iSCSI TransportID, text NUL-terminated, padded to 4, at least 24 bytes. */
export function naiveIscsiTransportId(name: string, isidHex?: string): number[] {
  const text = isidHex === undefined ? name : `${name},i,0x${isidHex}`;
  const body = [...ascii(text), 0];
  while (body.length % 4 !== 0 || body.length < 20) body.push(0);
  return [isidHex === undefined ? 0x05 : 0x45, 0, ...be16(body.length), ...body];
}

// ---- target data -------------------------------------------------------------------------

/** One designation descriptor (SPC-4 7.8.6.1 table 598). */
export function naiveDesignator(
  protocolId: number,
  codeSet: number,
  piv: boolean,
  association: number,
  type: number,
  designator: number[],
): number[] {
  return [protocolId * 16 + codeSet, (piv ? 0x80 : 0) + association * 16 + type, 0, designator.length, ...designator];
}

export function naiveVpdPage(pageCode: number, body: number[], pdt = 0): number[] {
  return [pdt, pageCode, ...be16(body.length), ...body];
}

/** SPC-4 6.15.2 table 170. */
export function naiveReadKeys(generation: number, keys: bigint[]): number[] {
  return [...be32(generation), ...be32(keys.length * 8), ...keys.flatMap(be64)];
}

/** SPC-4 6.15.3 tables 171/172. */
export function naiveReadReservation(
  generation: number,
  reservation?: { key: bigint; scope: number; type: number },
): number[] {
  if (!reservation) return [...be32(generation), ...be32(0)];
  return [
    ...be32(generation),
    ...be32(16),
    ...be64(reservation.key),
    0,
    0,
    0,
    0,
    0,
    reservation.scope * 16 + reservation.type,
    0,
    0,
  ];
}

/** SPC-4 6.15.5 table 177: one full status descriptor. */
export function naiveFullStatusDescriptor(
  key: bigint,
  allTgPt: boolean,
  rHolder: boolean,
  scope: number,
  type: number,
  rtpi: number,
  transportId: number[],
): number[] {
  return [
    ...be64(key),
    0,
    0,
    0,
    0,
    (allTgPt ? 2 : 0) + (rHolder ? 1 : 0),
    scope * 16 + type,
    0,
    0,
    0,
    0,
    ...be16(rtpi),
    ...be32(transportId.length),
    ...transportId,
  ];
}

export function naiveReadFullStatus(generation: number, descriptors: number[][]): number[] {
  const body = descriptors.flat();
  return [...be32(generation), ...be32(body.length), ...body];
}

/** SPC-4 4.5.3 table 28: fixed format sense, 18 bytes. */
export function naiveFixedSense(
  senseKey: number,
  asc: number,
  ascq: number,
  options: { deferred?: boolean; information?: number; sksv?: number[] } = {},
): number[] {
  const valid = options.information !== undefined ? 0x80 : 0;
  return [
    valid + (options.deferred ? 0x71 : 0x70),
    0,
    senseKey,
    ...be32(options.information ?? 0),
    10,
    0,
    0,
    0,
    0,
    asc,
    ascq,
    0,
    ...(options.sksv ?? [0, 0, 0]),
  ];
}

/** SPC-4 4.5.2 table 25: descriptor format sense header plus descriptors. */
export function naiveDescriptorSense(
  senseKey: number,
  asc: number,
  ascq: number,
  descriptors: number[][] = [],
  deferred = false,
): number[] {
  const body = descriptors.flat();
  return [deferred ? 0x73 : 0x72, senseKey, asc, ascq, 0, 0, 0, body.length, ...body];
}
