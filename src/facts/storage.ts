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

export type LocalDeviceStatus = 'ok' | 'toolMissing' | 'deviceFailed' | 'error';

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
