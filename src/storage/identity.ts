/**
 * Which VPD 0x83 designator names a disk. The function is pure and shared with the storage checks:
 * it lives in src/facts/lun-identity.ts, re-exported here for the storage probe's callers.
 */
export { strongestIdentifier, type DiskIdentifier } from '../facts/lun-identity.ts';
