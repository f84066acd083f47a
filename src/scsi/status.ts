/** SCSI status codes (SAM-5 5.3, table 39). */
export const SCSI_STATUS = {
  GOOD: 0x00,
  CHECK_CONDITION: 0x02,
  CONDITION_MET: 0x04,
  BUSY: 0x08,
  RESERVATION_CONFLICT: 0x18,
  TASK_SET_FULL: 0x28,
  ACA_ACTIVE: 0x30,
  TASK_ABORTED: 0x40,
} as const;

export type ScsiStatusCode = (typeof SCSI_STATUS)[keyof typeof SCSI_STATUS];

export const SCSI_STATUS_NAMES: Readonly<Record<number, string>> = {
  0x00: 'GOOD',
  0x02: 'CHECK CONDITION',
  0x04: 'CONDITION MET',
  0x08: 'BUSY',
  0x10: 'INTERMEDIATE', // obsolete
  0x14: 'INTERMEDIATE-CONDITION MET', // obsolete
  0x18: 'RESERVATION CONFLICT',
  0x22: 'COMMAND TERMINATED', // obsolete
  0x28: 'TASK SET FULL',
  0x30: 'ACA ACTIVE',
  0x40: 'TASK ABORTED',
};

export function scsiStatusName(status: number): string {
  return SCSI_STATUS_NAMES[status] ?? `status 0x${status.toString(16).padStart(2, '0')}`;
}
