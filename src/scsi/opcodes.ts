/**
 * REPORT SUPPORTED OPERATION CODES, one-command parameter data (SPC-4 6.35.3, table 300): byte 1
 * CTDP (bit 7) and SUPPORT (bits 2-0), bytes 2-3 CDB SIZE, then the CDB USAGE DATA (a mask of the
 * bits the device server looks at, byte 0 being the opcode itself).
 */
import { scsiReader, toHex } from './bytes.ts';

/** SUPPORT field (table 301). */
export const OPCODE_SUPPORT_NAMES: Readonly<Record<number, string>> = {
  0b000: 'data not currently available',
  0b001: 'not supported',
  0b011: 'supported as the standard defines it',
  0b101: 'supported in a vendor-specific manner',
};

export interface OneCommandSupport {
  readonly support: number;
  readonly supportName: string;
  /** SUPPORT 011b or 101b. */
  readonly supported: boolean;
  readonly cdbSize: number;
  /** CDB USAGE DATA, hex (as much as arrived). */
  readonly usageData: string;
  /** Command timeouts descriptor present (CTDP). */
  readonly ctdp: boolean;
  /** 4 + CDB SIZE (+ 12 with CTDP). */
  readonly needed: number;
  readonly complete: boolean;
}

export function decodeOneCommandSupport(bytes: Uint8Array): OneCommandSupport {
  const r = scsiReader(bytes, 'REPORT SUPPORTED OPERATION CODES one-command data');
  const flags = r.u8(1, 'SUPPORT');
  const support = flags & 0x07;
  const ctdp = (flags & 0x80) !== 0;
  const cdbSize = r.u16(2, 'CDB SIZE');
  const needed = 4 + cdbSize + (ctdp ? 12 : 0);
  const usage = bytes.subarray(4, Math.min(bytes.length, 4 + cdbSize));
  return {
    support,
    supportName: OPCODE_SUPPORT_NAMES[support] ?? `reserved (${support})`,
    supported: support === 0b011 || support === 0b101,
    cdbSize,
    usageData: toHex(usage),
    ctdp,
    needed,
    complete: bytes.length >= needed,
  };
}
