/** Storage facts for the storage checks' table tests, shaped as src/storage/probe.ts records them. */
import type {
  InventoryLun,
  LocalDeviceFact,
  LoginFact,
  PortalFact,
  StorageFacts,
  TargetFact,
} from '../../../src/facts/index.ts';

export const A = { node: 'hv01', initiator: 'iqn.1991-05.com.microsoft:hv01.lab.example.test', derived: false };
export const B = { node: 'hv02', initiator: 'iqn.1991-05.com.microsoft:hv02.lab.example.test', derived: true };

export function lun(n: number, over: Partial<InventoryLun> = {}): InventoryLun {
  return {
    lun: n,
    deviceType: 0,
    deviceTypeName: 'direct access block device',
    vendor: 'IET',
    product: 'VIRTUAL-DISK',
    revision: '0001',
    version: 5,
    sizeBytes: 64 << 20,
    blockSize: 512,
    designators: [
      {
        type: 'NAA',
        naa: 6,
        value: `600000000000000000e0000000001000${n}`,
        association: 'logical-unit',
        codeSet: 'binary',
      },
    ],
    ...over,
  };
}

export function login(id: typeof A, over: Partial<LoginFact> = {}): LoginFact {
  return {
    ...id,
    status: 'ok',
    chap: 'none',
    luns: [lun(0, { deviceType: 12, deviceTypeName: 'storage array controller device', sizeBytes: null }), lun(1)],
    ...over,
  };
}

export function target(name: string, logins: LoginFact[]): TargetFact {
  return {
    name,
    configured: false,
    listedFor: logins.filter((l) => l.status === 'ok').map((l) => l.initiator),
    logins,
  };
}

export function portal(over: Partial<PortalFact> = {}): PortalFact {
  return {
    portal: '10.0.0.20:3260',
    reach: { status: 'ok', ms: 1 },
    discovery: [],
    targets: [],
    chap: 'none',
    ...over,
  };
}

export function facts(portals: PortalFact[], devices?: LocalDeviceFact[]): { 'storage.inventory': StorageFacts } {
  return { 'storage.inventory': { identities: [A, B], portals, ...(devices ? { devices } : {}) } };
}
