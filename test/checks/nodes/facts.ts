/** nodes.facts facts for the nodes checks' table tests, shaped as src/windows/node-probe.ts records them. */
import type { NodeEntry, NodeError, NodeFacts, NodeOs, NodesFact } from '../../../src/facts/index.ts';

export function os2019(over: Partial<NodeOs> = {}): NodeOs {
  return {
    caption: 'Microsoft Windows Server 2019 Datacenter',
    version: '10.0.17763',
    buildNumber: '17763',
    ubr: 5020,
    build: '17763.5020',
    release: '2019',
    sku: 8,
    skuName: 'Datacenter',
    editionId: 'ServerDatacenter',
    edition: 'ServerDatacenter',
    installationType: 'Server',
    servicePack: 0,
    lastBootUpTime: '2026-11-28T05:02:17.487Z',
    ...over,
  };
}

export function os2008r2(over: Partial<NodeOs> = {}): NodeOs {
  return {
    caption: 'Microsoft Windows Server 2008 R2 Enterprise',
    version: '6.1.7601',
    buildNumber: '7601',
    ubr: null,
    build: '7601',
    release: '2008R2',
    sku: 10,
    skuName: 'Enterprise',
    editionId: 'ServerEnterprise',
    edition: 'ServerEnterprise',
    installationType: null,
    servicePack: 1,
    lastBootUpTime: '2026-11-02T03:15:00.500Z',
    ...over,
  };
}

export const XEON_6230 = 'Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz';

export function facts(name: string, over: Partial<NodeFacts> = {}): NodeFacts {
  return {
    computerName: name.toUpperCase(),
    psVersion: '5.1.17763.5020',
    os: os2019(),
    features: [
      { name: 'Failover-Clustering', installed: true, state: 'Installed' },
      { name: 'Hyper-V', installed: true, state: 'Installed' },
      { name: 'Multipath-IO', installed: false, state: 'Available' },
    ],
    processors: [{ manufacturer: 'GenuineIntel', vendor: 'Intel', name: XEON_6230, cores: 20, logicalProcessors: 40 }],
    iscsi: {
      iqn: `iqn.1991-05.com.microsoft:${name}.lab.example.test`,
      source: 'Get-InitiatorPort',
      service: 'Running',
    },
    adapters: [
      {
        name: 'Ethernet',
        description: 'Intel(R) Ethernet Controller X710',
        speedBps: 10_000_000_000,
        mac: '3C:FD:FE:A1:00:01',
      },
    ],
    pendingReboot: {
      indicators: [],
      fileRenameEntries: 0,
      activeComputerName: name.toUpperCase(),
      pendingComputerName: name.toUpperCase(),
    },
    domain: { partOfDomain: true, domain: 'lab.example.test', role: 3, roleName: 'Member Server', dnsHostName: name },
    problems: [],
    ...over,
  };
}

export function ok(name: string, over: Partial<NodeFacts> = {}): NodeEntry {
  return { node: name, computerName: `${name}.lab.example.test`, status: 'ok', facts: facts(name, over) };
}

export function failed(name: string, error: NodeError): NodeEntry {
  return { node: name, computerName: `${name}.lab.example.test`, status: error.code, error };
}

export const ACCESS_DENIED: NodeError = {
  code: 'accessDenied',
  cause: 'WinRM refused the connection: access is denied to this account',
  fullyQualifiedErrorId: 'AccessDenied,PSSessionStateBroken',
};

/** The facts a check reads: nodes.facts with these nodes, and a spec naming them. */
export function nodesFacts(
  nodes: NodeEntry[],
  spec: Record<string, unknown> = {},
): { 'nodes.facts': NodesFact; spec: unknown } {
  return {
    'nodes.facts': { status: 'ok', executable: '/usr/bin/pwsh', ms: 1200, nodes },
    spec: { nodes: nodes.map((n) => ({ name: n.node, fqdn: n.computerName })), ...spec },
  };
}

export const SKIPPED: Record<string, { 'nodes.facts': NodesFact; spec: unknown }> = {
  notWindows: {
    'nodes.facts': {
      status: 'skipped',
      skipped: { code: 'notWindows', reason: 'this machine runs Linux, not Windows' },
      nodes: [],
    },
    spec: { nodes: [{ name: 'hv01' }] },
  },
  noPowerShell: {
    'nodes.facts': {
      status: 'skipped',
      skipped: { code: 'noPowerShell', reason: 'pwsh was not found on PATH' },
      nodes: [],
    },
    spec: { nodes: [{ name: 'hv01' }] },
  },
  noNodes: { 'nodes.facts': { status: 'ok', executable: '/usr/bin/pwsh', nodes: [] }, spec: { nodes: [] } },
};

/** The same three gate cases every nodes.* check reports the same way. */
export const GATE_CASES = [
  {
    facts: SKIPPED.notWindows!,
    expected: {
      status: 'skipped' as const,
      messageId: 'notWindows',
      data: { reason: 'this machine runs Linux, not Windows' },
    },
  },
  {
    facts: SKIPPED.noPowerShell!,
    expected: { status: 'skipped' as const, messageId: 'noPowerShell', data: { reason: 'pwsh was not found on PATH' } },
  },
  { facts: SKIPPED.noNodes!, expected: { status: 'skipped' as const, messageId: 'noNodes' } },
];
