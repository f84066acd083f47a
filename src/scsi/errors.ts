/**
 * Typed SCSI errors. Each has a `code` and the facts a remediation needs: the command, the
 * status, the sense key and additional sense code with their names, the raw sense bytes.
 */
import { scsiStatusName } from './status.ts';
import type { Sense } from './sense.ts';

export { ScsiDecodeError, type ScsiDecodeReason } from './bytes.ts';

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0').toUpperCase();
}

/**
 * The target answered CHECK CONDITION. The sense fields are undefined when the target sent no
 * sense data, or sense too short to hold them.
 */
export class ScsiCheckCondition extends Error {
  readonly code: string = 'ESCSICHECK';
  override name = 'ScsiCheckCondition';
  readonly status = 0x02;
  readonly statusName = 'CHECK CONDITION';
  /** e.g. 'PERSISTENT RESERVE OUT (REGISTER)'. */
  readonly command: string;
  readonly senseKey: number | undefined;
  readonly senseKeyName: string | undefined;
  readonly asc: number | undefined;
  readonly ascq: number | undefined;
  readonly ascName: string | undefined;
  /** The decoded sense data, when it could be decoded. */
  readonly sense: Sense | undefined;
  /** The sense bytes as received, lowercase hex ('' when none). */
  readonly senseHex: string;
  constructor(command: string, senseBytes: Uint8Array | undefined, sense: Sense | undefined) {
    const triple =
      sense === undefined
        ? 'no usable sense data'
        : `${sense.senseKeyName}${sense.ascName !== undefined ? `, ${sense.ascName}` : ''} (${hex2(sense.senseKey)}/${sense.asc !== undefined ? hex2(sense.asc) : '--'}/${sense.ascq !== undefined ? hex2(sense.ascq) : '--'})`;
    super(`${command}: CHECK CONDITION, ${triple}`);
    this.command = command;
    this.sense = sense;
    this.senseKey = sense?.senseKey;
    this.senseKeyName = sense?.senseKeyName;
    this.asc = sense?.asc;
    this.ascq = sense?.ascq;
    this.ascName = sense?.ascName;
    this.senseHex = senseBytes
      ? Buffer.from(senseBytes.buffer, senseBytes.byteOffset, senseBytes.byteLength).toString('hex')
      : '';
  }
}

/** Still UNIT ATTENTION after the bounded number of retries. */
export class ScsiUnitAttentionError extends ScsiCheckCondition {
  override readonly code = 'ESCSIUNITATTENTION';
  override name = 'ScsiUnitAttentionError';
  readonly attempts: number;
  constructor(command: string, senseBytes: Uint8Array | undefined, sense: Sense | undefined, attempts: number) {
    super(command, senseBytes, sense);
    this.attempts = attempts;
    this.message += ` after ${attempts} attempt(s)`;
  }
}

/** A status other than GOOD and CHECK CONDITION: RESERVATION CONFLICT, BUSY, TASK SET FULL... */
export class ScsiStatusError extends Error {
  readonly code = 'ESCSISTATUS';
  override name = 'ScsiStatusError';
  readonly command: string;
  readonly status: number;
  readonly statusName: string;
  constructor(command: string, status: number) {
    const statusName = scsiStatusName(status);
    super(`${command}: ${statusName} (status 0x${hex2(status)})`);
    this.command = command;
    this.status = status;
    this.statusName = statusName;
  }
}
