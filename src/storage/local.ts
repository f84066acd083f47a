/**
 * Local Linux SCSI devices (`storage.devices`): the readings taken of iSCSI LUNs (INQUIRY,
 * VPD 0x83, READ CAPACITY) and, in pr-probe.ts, the reservation sequence, through sg3_utils
 * (SgTransport) instead of an iSCSI session. A device node is one logical unit as one I_T nexus of
 * this host; two nodes of the same disk through different initiators (multipath members) are two
 * nexuses, which is what the two-node sequence needs. Needs sg3-utils and read/write access to
 * the node (root or the disk group), unlike the iSCSI path.
 */
import { describeLun, toInventoryError } from '../iscsi/inventory.ts';
import type { InventoryLun, LocalDeviceFact, LocalDeviceStatus } from '../facts/storage.ts';
import { ScsiDevice } from '../scsi/device.ts';
import { SgTransport, SgTransportError } from '../scsi/sg-transport.ts';
import type { LocalDisk as FactsLocalDisk } from '../facts/lun-identity.ts';

/** Per tool invocation; sg3_utils' own SCSI command timeout is 60 s. */
const TOOL_TIMEOUT_MS = 30_000;

export function localDevice(path: string): ScsiDevice {
  return new ScsiDevice(new SgTransport({ device: path, timeoutMs: TOOL_TIMEOUT_MS }), 0);
}

function failure(path: string, err: unknown): LocalDeviceFact {
  if (err instanceof SgTransportError) {
    const status: LocalDeviceStatus =
      err.code === 'ESGTOOLMISSING' ? 'toolMissing' : err.code === 'ESGDEVICE' ? 'deviceFailed' : 'error';
    return { path, status, message: err.message, remedy: err.remedy };
  }
  return { path, status: 'error', message: toInventoryError(err).message };
}

/** Reads one device node; on a platform other than Linux (the Windows executable) says so and runs nothing. */
export async function readLocalDevice(
  path: string,
  signal?: AbortSignal,
  platform: NodeJS.Platform = process.platform,
): Promise<LocalDeviceFact> {
  if (platform !== 'linux')
    return {
      path,
      status: 'notLinux',
      message: `storage.devices names Linux device nodes, read through sg3_utils; this machine runs ${platform === 'win32' ? 'Windows' : platform === 'darwin' ? 'macOS' : platform}`,
    };
  try {
    return { path, status: 'ok', lun: await describeLun(localDevice(path), 0, signal) };
  } catch (err) {
    return failure(path, err);
  }
}

/** A candidate disk among the local devices read (see localDisks). */
export type LocalDisk = FactsLocalDisk<InventoryLun>;

export { localDisks } from '../facts/lun-identity.ts';
