/**
 * clusterprobe's reservation keys, and their removal. A key is ours when its top three bytes
 * are "CPR" (0x435052); the rest is a run id and a node number. Removal never touches any other
 * key and never uses CLEAR.
 */
import type { ScsiDevice } from '../scsi/device.ts';
import { PR_TYPE, type PrType } from '../scsi/pr.ts';

export const KEY_PREFIX = 0x435052n;

export function makeKey(run: number, node: number): bigint {
  return (KEY_PREFIX << 40n) | (BigInt(run >>> 0) << 8n) | BigInt(node & 0xff);
}

export function isClusterprobeKey(key: bigint): boolean {
  return key >> 40n === KEY_PREFIX;
}

export function keyHex(key: bigint): string {
  return `0x${key.toString(16).padStart(16, '0')}`;
}

/**
 * Removes registrations with the given keys (all must be ours) from a LUN through `device`,
 * whose I_T nexus need not be the one that registered them (tgt orphans a key when its session
 * ends): register a temporary key of ours, PREEMPT each leftover (taking over a reservation one
 * of them holds, with its type), RELEASE if we now hold it, unregister the temporary key.
 * Returns the keys of ours still registered afterwards.
 */
export async function removeOurKeys(
  device: ScsiDevice,
  leftovers: readonly bigint[],
  tempKey: bigint,
  signal?: AbortSignal,
): Promise<bigint[]> {
  const options = signal ? { signal } : {};
  const targets = leftovers.filter(isClusterprobeKey);
  if (targets.length === 0 || !isClusterprobeKey(tempKey)) return [];
  await device.registerAndIgnore({ saKey: tempKey }, options);
  try {
    for (const key of targets) {
      const reservation = await device.prReadReservation(options);
      const type = (reservation.present && reservation.type ? reservation.type : PR_TYPE.WERO) as PrType;
      await device.preempt({ key: tempKey, saKey: key, type }, options);
    }
    const after = await device.prReadReservation(options);
    if (after.present && after.reservationKey === tempKey && after.type)
      await device.release({ key: tempKey, type: after.type as PrType }, options);
  } finally {
    await device.registerAndIgnore({ saKey: 0n }, options);
  }
  const keys = await device.prReadKeys(options);
  return keys.keys.filter((k) => targets.includes(k) || k === tempKey);
}
