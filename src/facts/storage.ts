/**
 * The `storage.inventory` fact (src/storage/probe.ts): what each configured portal offers to each
 * node identity (reachability, SendTargets, logins, the LUNs read), and the local devices read
 * through sg3_utils (src/storage/local.ts).
 */
import type { SecretProblem } from '../config/secrets.ts';

export interface NodeIdentity {
  readonly node: string;
  readonly initiator: string;
  /** True when the spec gave no iqn and we derived Windows' default from the host name. */
  readonly derived: boolean;
  /** Set when the spec gave no iqn and the node itself reported it (nodes.facts, over PowerShell). */
  readonly source?: 'windows';
}

export type ReachStatus = 'ok' | 'refused' | 'timeout' | 'dns' | 'unreachable' | 'error';
export type LoginStatus =
  | 'ok'
  | 'auth-failed'
  | 'not-authorized'
  | 'not-found'
  | 'timeout'
  | 'refused'
  | 'negotiation'
  | 'error';

/** What a login negotiation failed at: the target proving itself in mutual CHAP, or anything else. */
export type NegotiationFailure = 'mutualChap' | 'other';

export interface LoginFact {
  readonly node: string;
  readonly initiator: string;
  readonly derived: boolean;
  /** As NodeIdentity.source: the initiator name is the one the node reported. */
  readonly source?: 'windows';
  readonly status: LoginStatus;
  readonly statusClass?: number;
  readonly statusDetail?: number;
  readonly message?: string;
  /**
   * Written with status `negotiation`: what could not be agreed. `mutualChap`: the target's
   * answer to our mutual CHAP challenge (none, another name, a wrong response). Absent in facts
   * files written before it existed: `upgradeStorageFacts` derives it when such a file is loaded.
   */
  readonly negotiation?: NegotiationFailure;
  readonly chap: 'none' | 'chap' | 'mutual-chap';
  /** Present when the login worked and the LUNs were read. */
  readonly luns?: InventoryLun[];
}

export interface TargetFact {
  readonly name: string;
  /** Named in the spec's `targets:` (else found by SendTargets). */
  readonly configured: boolean;
  /** Identities whose SendTargets listed it. */
  readonly listedFor: string[];
  /** The spec's `luns:` for this target's portal entry, when it names them. */
  readonly listedLuns?: number[];
  readonly logins: LoginFact[];
}

export interface PortalFact {
  readonly portal: string;
  readonly reach: {
    readonly status: ReachStatus;
    readonly code?: string;
    readonly message?: string;
    readonly ms?: number;
  };
  readonly discovery: {
    readonly initiator: string;
    readonly status: LoginStatus;
    readonly message?: string;
    readonly targets: string[];
  }[];
  readonly targets: TargetFact[];
  readonly chap: 'none' | 'chap' | 'mutual-chap';
  readonly chapUser?: string;
  /** The CHAP secret reference could not be resolved (message names the key, never a value). */
  readonly secretError?: string;
  /** Which reference gave no value and why (a name or a path, never a value), for the fix. */
  readonly secretProblem?: SecretProblem;
}

export interface StorageFacts {
  readonly identities: NodeIdentity[];
  readonly portals: PortalFact[];
  /** `storage.devices` read through sg3_utils (absent in facts saved before they existed). */
  readonly devices?: LocalDeviceFact[];
}

/** notLinux: not read, this machine is not Linux (device nodes and sg3_utils are Linux's). */
export type LocalDeviceStatus = 'ok' | 'toolMissing' | 'deviceFailed' | 'notLinux' | 'error';

export interface LocalDeviceFact {
  readonly path: string;
  readonly status: LocalDeviceStatus;
  readonly message?: string;
  /** What to do about a failure (install sg3-utils, run as root...). */
  readonly remedy?: string;
  /** Present when INQUIRY worked. */
  readonly lun?: InventoryLun;
}

export interface InventoryDesignator {
  readonly type: string;
  readonly naa?: number;
  readonly value: string;
  readonly association: string;
  readonly codeSet: string;
}

export interface InventoryLun {
  readonly lun: number;
  readonly deviceType: number;
  readonly deviceTypeName: string;
  readonly vendor: string | null;
  readonly product: string | null;
  readonly revision: string | null;
  /** SPC version the LUN claims (INQUIRY byte 2): 5 SPC-3, 6 SPC-4. */
  readonly version: number;
  readonly sizeBytes: number | null;
  readonly blockSize: number | null;
  readonly designators: InventoryDesignator[];
  readonly error?: InventoryError;
}

export interface InventoryError {
  readonly code: string;
  readonly message: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A saved `storage.inventory` fact brought to the current shape, at the facts-file boundary.
 * Facts files written before `LoginFact.negotiation` existed said that mutual CHAP failed only
 * in the login's message (src/iscsi/login.ts wrote "...: mutual CHAP: ..."): for a login with
 * status `negotiation` and no `negotiation`, and only for one, the field is derived once, here,
 * from those words. Anything not shaped like the fact is returned unchanged.
 */
export function upgradeStorageFacts(value: unknown): unknown {
  if (!isRecord(value) || !Array.isArray(value.portals)) return value;
  const login = (l: unknown): unknown =>
    isRecord(l) && l.status === 'negotiation' && !('negotiation' in l)
      ? { ...l, negotiation: typeof l.message === 'string' && /mutual CHAP/.test(l.message) ? 'mutualChap' : 'other' }
      : l;
  const target = (t: unknown): unknown =>
    isRecord(t) && Array.isArray(t.logins) ? { ...t, logins: t.logins.map(login) } : t;
  const portal = (p: unknown): unknown =>
    isRecord(p) && Array.isArray(p.targets) ? { ...p, targets: p.targets.map(target) } : p;
  return { ...value, portals: value.portals.map(portal) };
}
