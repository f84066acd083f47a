/**
 * Which VPD 0x83 designator names a disk, the way Windows keys cluster disks on it: a registered
 * NAA (types 6, 5, 2), then EUI-64, then a SCSI name string, and a locally assigned NAA (type 3)
 * only when nothing else is there. Only logical-unit designators count (not port or target ones).
 */
import type { InventoryLun } from '../iscsi/inventory.ts';

export interface DiskIdentifier {
  readonly identifier: string;
  readonly kind: string;
  /** A locally assigned NAA: unique within one storage system only. */
  readonly local: boolean;
}

export function strongestIdentifier(lun: Pick<InventoryLun, 'designators'>): DiskIdentifier | undefined {
  const lu = lun.designators.filter((d) => d.association === 'logical-unit');
  for (const naa of [6, 5, 2]) {
    const d = lu.find((x) => x.type === 'NAA' && x.naa === naa);
    if (d) return { identifier: `naa.${d.value}`, kind: `NAA ${naa}`, local: false };
  }
  const eui = lu.find((d) => d.type === 'EUI-64');
  if (eui) return { identifier: `eui.${eui.value}`, kind: 'EUI-64', local: false };
  const name = lu.find((d) => d.type === 'SCSI name string');
  if (name) return { identifier: name.value, kind: 'SCSI name', local: false };
  const local = lu.find((d) => d.type === 'NAA' && d.naa === 3);
  if (local) return { identifier: `naa.${local.value}`, kind: 'NAA 3 (locally assigned)', local: true };
  return undefined;
}
