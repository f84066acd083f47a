/**
 * How a LUN is named and shown, from what INQUIRY and VPD 0x83 returned: pure functions the
 * storage probe, the storage checks and the inventory renderer share. The parameters are
 * structural (the designators and device type a LUN fact carries), so this file imports no probe.
 */

/** A VPD 0x83 designator as a LUN fact carries it. */
export interface DesignatorLike {
  readonly type: string;
  readonly naa?: number;
  readonly value: string;
  readonly association: string;
}

/** What the identifier functions read of a LUN. */
export interface IdentifiedLun {
  readonly designators: readonly DesignatorLike[];
}

export interface DiskIdentifier {
  readonly identifier: string;
  readonly kind: string;
  /** A locally assigned NAA: unique within one storage system only. */
  readonly local: boolean;
}

/**
 * Which VPD 0x83 designator names a disk, the way Windows keys cluster disks on it: a registered
 * NAA (types 6, 5, 2), then EUI-64, then a SCSI name string, and a locally assigned NAA (type 3)
 * only when nothing else is there. Only logical-unit designators count (not port or target ones).
 */
export function strongestIdentifier(lun: IdentifiedLun): DiskIdentifier | undefined {
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

/** The disk's identifier for display: the one the storage checks key disks on, or '-'. */
export function primaryIdentifier(l: IdentifiedLun): string {
  return strongestIdentifier(l)?.identifier ?? '-';
}

/** A size in binary units (`1.0 GiB`), `-` when unknown. */
export function formatBytes(n: number | null): string {
  if (n === null) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

export interface LocalDisk<L> {
  /** The device nodes that reach this disk, in the order the spec lists them. */
  readonly paths: string[];
  readonly lun: L;
  readonly identifier: string | undefined;
}

/**
 * Candidate disks among the devices read: nodes with the same VPD 0x83 identifier are paths to
 * one disk (multipath); a node without an identifier is a disk of its own.
 */
export function localDisks<L extends IdentifiedLun & { readonly deviceType: number }>(
  devices: readonly { readonly path: string; readonly status: string; readonly lun?: L }[],
): LocalDisk<L>[] {
  const disks = new Map<string, { paths: string[]; lun: L; identifier: string | undefined }>();
  for (const d of devices) {
    if (d.status !== 'ok' || !d.lun || d.lun.deviceType !== 0) continue;
    const identifier = strongestIdentifier(d.lun)?.identifier;
    const key = identifier ?? `path:${d.path}`;
    const known = disks.get(key);
    if (known) known.paths.push(d.path);
    else disks.set(key, { paths: [d.path], lun: d.lun, identifier });
  }
  return [...disks.values()];
}
