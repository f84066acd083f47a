/**
 * What the SCSI layer needs from a transport (iSCSI today; a local sg device or PowerShell later):
 * carry one CDB to one LUN, with optional data out, and bring back the status, data in and sense.
 * The SCSI layer knows nothing else of the transport; the transport knows nothing of CDB content.
 */

export interface ScsiRequest {
  /** The logical unit number (0..16383 flat/peripheral addressing). */
  readonly lun: number;
  /** 6, 10, 12 or 16 bytes. */
  readonly cdb: Uint8Array;
  /** Bytes the initiator can accept from the target (the CDB's allocation length); 0 for none. */
  readonly dataInLength: number;
  /** Parameter data sent to the target (e.g. the 24-byte PROUT parameter list). */
  readonly dataOut?: Uint8Array;
  readonly signal?: AbortSignal;
}

export interface ScsiResponse {
  /** SCSI status byte: 0x00 GOOD, 0x02 CHECK CONDITION, 0x18 RESERVATION CONFLICT... */
  readonly status: number;
  /** Data in, as much as the target sent (at most dataInLength). */
  readonly data: Uint8Array;
  /** Sense data when the target returned any (CHECK CONDITION). */
  readonly sense?: Uint8Array;
  /** Bytes of the expected transfer the target did not send (underflow), from the transport. */
  readonly residual: number;
}

export interface ScsiTransport {
  execute(request: ScsiRequest): Promise<ScsiResponse>;
}
