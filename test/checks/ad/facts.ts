/** ad.directory facts for the AD checks' table tests, shaped as src/ad/probe.ts records them. */
import type { AdFacts, ComputerObject, NodeName } from '../../../src/facts/index.ts';

export const DOMAIN_SID = 'S-1-5-21-1000-2000-3000';

export function node(name: string, domain = 'lab.example.test'): NodeName {
  return { name, fqdn: `${name.toLowerCase()}.${domain}`, netbios: name.slice(0, 15).toUpperCase() };
}

export function computer(name: string, over: Partial<ComputerObject> = {}): ComputerObject {
  const sam = `${name.slice(0, 15).toUpperCase()}$`;
  return {
    dn: `CN=${name},OU=HyperV,DC=lab,DC=example,DC=test`,
    sAMAccountName: sam,
    dNSHostName: `${name.toLowerCase()}.lab.example.test`,
    cn: name,
    userAccountControl: 4096,
    enabled: true,
    objectSid: `${DOMAIN_SID}-1${name.length}`,
    operatingSystem: 'Windows Server 2008 R2 Enterprise',
    whenCreated: '20261101000000.0Z',
    ...over,
  };
}

export function adFacts(over: Partial<AdFacts> = {}): { 'ad.directory': AdFacts; spec: unknown } {
  const facts: AdFacts = {
    domain: 'lab.example.test',
    discovery: {
      source: 'srv',
      status: 'ok',
      dcs: [{ host: 'dc1.lab.example.test', port: 389, priority: 0, weight: 100, addresses: ['10.0.0.10'] }],
    },
    attempts: [{ server: 'ldaps://dc1.lab.example.test', status: 'ok', ms: 12 }],
    connection: {
      server: 'ldaps://dc1.lab.example.test',
      tlsMode: 'ldaps',
      boundAs: 'admin@lab.example.test',
      insecure: false,
      dnsHostName: 'dc1.lab.example.test',
    },
    rootDse: {
      currentTime: '20261125120000.0Z',
      domainFunctionality: '4',
      forestFunctionality: '4',
      domainControllerFunctionality: '4',
      defaultNamingContext: 'DC=lab,DC=example,DC=test',
    },
    localTime: '2026-11-25T12:00:00.000Z',
    domainHead: { dn: 'DC=lab,DC=example,DC=test', msDSBehaviorVersion: 4, nTMixedDomain: 0, machineAccountQuota: 10 },
    nodes: [node('hv01'), node('hv02')],
    cluster: node('HVCLUSTER01'),
    computers: [computer('hv01'), computer('hv02')],
    dns: [],
    dnsServers: ['10.0.0.10'],
    operations: 7,
    ...over,
  };
  return {
    'ad.directory': facts,
    spec: {
      nodes: [],
      activeDirectory: { domain: 'lab.example.test', bind: { user: 'admin@lab.example.test', password: 'env:X' } },
    },
  };
}

/**
 * An object prestaged under a node's whole name, as New-ADComputer -Name, ADUC and samba-tool
 * computer add make it: account name NAME$ (up to 20 characters), no dNSHostName, disabled.
 */
export function prestaged(name: string, over: Partial<ComputerObject> = {}): ComputerObject {
  return computer(name, {
    sAMAccountName: `${name.toUpperCase()}$`,
    dNSHostName: null,
    operatingSystem: null,
    userAccountControl: 4098,
    enabled: false,
    ...over,
  });
}
