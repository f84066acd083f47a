/**
 * What a portal offers: SendTargets, then per target a login, REPORT LUNS, and per LUN
 * INQUIRY, VPD 0x83 and READ CAPACITY, then logout. A target that cannot be logged in to, or a
 * LUN that fails a command, is listed with its error; the rest still appear.
 */
import { hostname } from 'node:os';
import { mapLimited } from '../limit.ts';
import { ScsiDevice } from '../scsi/device.ts';
import { PERIPHERAL_DEVICE_TYPE } from '../scsi/inquiry.ts';
import type { Designator } from '../scsi/vpd.ts';
import { sendTargets, type DiscoveredTarget } from './discovery.ts';
import { IscsiSession, type Timeouts } from './session.ts';
import type { ChapCredentials } from './login.ts';
import type { InventoryDesignator, InventoryError, InventoryLun } from '../facts/storage.ts';

// A LUN's reading is part of the storage.inventory fact (src/facts/storage.ts).
export type { InventoryDesignator, InventoryError, InventoryLun };

/** Our default initiator name: `.invalid` (RFC 2606) because no naming authority backs it. */
export function defaultInitiatorName(): string {
  const host =
    hostname()
      .toLowerCase()
      .replace(/[^a-z0-9.-]/g, '-') || 'host';
  return `iqn.2026-11.invalid.clusterprobe:${host}`;
}

export interface InventoryTarget {
  readonly name: string;
  readonly addresses: string[];
  readonly luns: InventoryLun[];
  readonly error?: InventoryError;
}

export interface Inventory {
  readonly portal: string;
  readonly initiator: string;
  readonly targets: InventoryTarget[];
  readonly error?: InventoryError;
}

export interface InventoryOptions {
  readonly portal: string;
  readonly initiatorName: string;
  readonly chap?: ChapCredentials;
  /** Only this target (still checked against SendTargets). */
  readonly target?: string;
  readonly timeouts?: Partial<Timeouts>;
  /** LUNs queried at once on a session. */
  readonly concurrency?: number;
  /** Only these LUNs (else every LUN REPORT LUNS lists). */
  readonly luns?: readonly number[];
  readonly signal?: AbortSignal;
}

export function toInventoryError(err: unknown): InventoryError {
  if (err instanceof Error) return { code: (err as { code?: string }).code ?? err.name, message: err.message };
  return { code: 'EUNKNOWN', message: String(err) };
}

function designators(list: readonly Designator[]): InventoryDesignator[] {
  return list.map((d) => ({
    type: d.typeName,
    ...(d.naa !== undefined ? { naa: d.naa } : {}),
    value: d.value,
    association: d.association,
    codeSet: d.codeSet,
  }));
}

/** INQUIRY, VPD 0x83 and (for a disk) READ CAPACITY of one LUN, over any transport. */
export async function describeLun(device: ScsiDevice, lun: number, signal?: AbortSignal): Promise<InventoryLun> {
  const options = signal ? { signal } : {};
  const inquiry = await device.inquiry(options);
  const base = {
    lun,
    deviceType: inquiry.peripheralDeviceType,
    deviceTypeName: inquiry.peripheralDeviceTypeName,
    vendor: inquiry.t10VendorIdentification ?? null,
    product: inquiry.productIdentification ?? null,
    revision: inquiry.productRevisionLevel ?? null,
    version: inquiry.version,
  };
  let ids: InventoryDesignator[] = [];
  let error: InventoryError | undefined;
  try {
    ids = designators((await device.deviceIdentification(options)).designators);
  } catch (err) {
    error = toInventoryError(err);
  }
  let sizeBytes: number | null = null;
  let blockSize: number | null = null;
  if (inquiry.peripheralDeviceType === PERIPHERAL_DEVICE_TYPE.DISK) {
    try {
      const capacity = await device.readCapacity(options);
      sizeBytes = capacity.sizeBytesNumber ?? null;
      blockSize = capacity.logicalBlockLength;
    } catch (err) {
      error ??= toInventoryError(err);
    }
  }
  return { ...base, sizeBytes, blockSize, designators: ids, ...(error ? { error } : {}) };
}

export type TargetReading =
  | { readonly luns: InventoryLun[] }
  | { readonly failure: unknown; readonly stage: 'login' | 'report-luns' };

/** The portal, identity, CHAP, timeouts and signal of `options`, as a login or SendTargets takes them. */
function connectionOf(options: InventoryOptions) {
  return {
    portal: options.portal,
    initiatorName: options.initiatorName,
    ...(options.chap ? { chap: options.chap } : {}),
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

/**
 * Logs in to one target, lists and describes its LUNs (only `options.luns` when given), logs
 * out. Login and REPORT LUNS failures come back as the raw error, for callers that classify it.
 */
export async function readTarget(target: DiscoveredTarget, options: InventoryOptions): Promise<TargetReading> {
  let session: IscsiSession;
  try {
    session = await IscsiSession.open({ ...connectionOf(options), targetName: target.name });
  } catch (err) {
    return { failure: err, stage: 'login' };
  }
  try {
    const report = await new ScsiDevice(session, 0).reportLuns(options.signal ? { signal: options.signal } : {});
    const wanted = options.luns ? new Set(options.luns) : undefined;
    const numbers = report.luns
      .map((l) => l.lun)
      .filter((n): n is number => n !== undefined && (!wanted || wanted.has(n)));
    const luns = await mapLimited(numbers, options.concurrency ?? 8, async (lun) => {
      try {
        return await describeLun(new ScsiDevice(session, lun), lun, options.signal);
      } catch (err) {
        return {
          lun,
          deviceType: -1,
          deviceTypeName: 'unknown',
          vendor: null,
          product: null,
          revision: null,
          version: 0,
          sizeBytes: null,
          blockSize: null,
          designators: [],
          error: toInventoryError(err),
        };
      }
    });
    return { luns };
  } catch (err) {
    return { failure: err, stage: 'report-luns' };
  } finally {
    await session.logout().catch(() => session.close());
  }
}

async function inventoryTarget(target: DiscoveredTarget, options: InventoryOptions): Promise<InventoryTarget> {
  const reading = await readTarget(target, options);
  if ('failure' in reading)
    return { name: target.name, addresses: target.addresses, luns: [], error: toInventoryError(reading.failure) };
  return { name: target.name, addresses: target.addresses, luns: reading.luns };
}

export async function inventory(options: InventoryOptions): Promise<Inventory> {
  const base = { portal: options.portal, initiator: options.initiatorName };
  let targets: DiscoveredTarget[];
  try {
    targets = await sendTargets(connectionOf(options));
  } catch (err) {
    return { ...base, targets: [], error: toInventoryError(err) };
  }
  if (options.target) {
    const wanted = targets.filter((t) => t.name === options.target);
    if (wanted.length === 0) {
      // Targets hide from discovery for initiators outside their ACL: try the login anyway, so
      // the answer is the target's own ("target not found" with the ACL hint) or an inventory.
      const attempt = await inventoryTarget({ name: options.target, addresses: [] }, options);
      const note = `SendTargets on ${options.portal} does not list ${options.target} for initiator ${options.initiatorName} (listed: ${targets.map((t) => t.name).join(', ') || 'none'})`;
      return {
        ...base,
        targets: [
          attempt.error
            ? { ...attempt, error: { code: attempt.error.code, message: `${note}; ${attempt.error.message}` } }
            : attempt,
        ],
      };
    }
    targets = wanted;
  }
  return { ...base, targets: await mapLimited(targets, 4, (t) => inventoryTarget(t, options)) };
}
