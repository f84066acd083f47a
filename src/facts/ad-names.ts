/**
 * Names in the directory: LDAP filter escaping, DN parents, which computer object is a node's, the
 * DC locator's SRV name. Pure functions the AD probe and the ad.* checks share, over the fact types.
 */
import type { ComputerObject, MatchedBy, NodeMatch, NodeName } from './ad.ts';

export type { MatchedBy, NodeMatch };

/** An LDAP filter assertion value (RFC 4515 3): \\ * ( ) and NUL as \\XX. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A container (CN=Computers...) rather than an organizational unit: no Group Policy links to it. */
export function isContainer(dn: string): boolean {
  return /^\s*cn\s*=/i.test(dn);
}

/** The parent of a DN (everything after the first unescaped comma). */
export function parentDn(dn: string): string {
  for (let i = 0; i < dn.length; i += 1) {
    if (dn[i] === '\\') i += 1;
    else if (dn[i] === ',') return dn.slice(i + 1);
  }
  return '';
}

/**
 * Whether `c` is found for the node only by its name: no dNSHostName, an account name other than
 * the NetBIOS name and `$`, and the host name as cn or (a name over 15 characters) as the account
 * name. New-ADComputer -Name, ADUC and samba-tool computer add prestage such objects; Windows
 * joins as the NetBIOS name and will not use them.
 */
export function matchesByName(c: ComputerObject, node: NodeName): boolean {
  if (c.dNSHostName !== null) return false;
  const sam = c.sAMAccountName.toUpperCase();
  if (sam === `${node.netbios}$`) return false;
  const host = node.name.split('.')[0]!.toUpperCase();
  return c.cn.toUpperCase() === host || sam === `${host}$`;
}

/**
 * A node's own computer object and how it was found: its account name with no other host's
 * dNSHostName, else its dNSHostName, else (a prestaged object) its name (matchesByName). An
 * object holding the account name for another host is not the node's (the ad.* checks report it
 * as a collision) and places nothing.
 */
export function nodeMatch(node: NodeName, computers: readonly ComputerObject[]): NodeMatch | undefined {
  const sam = `${node.netbios}$`;
  const byAccount = computers.find(
    (c) => c.sAMAccountName.toUpperCase() === sam && (c.dNSHostName === null || c.dNSHostName === node.fqdn),
  );
  if (byAccount) return { object: byAccount, by: 'account' };
  const byDns = computers.find((c) => c.dNSHostName === node.fqdn);
  if (byDns) return { object: byDns, by: 'dnsHostName' };
  const byName = computers.find((c) => matchesByName(c, node));
  return byName ? { object: byName, by: 'name' } : undefined;
}

/** The DC locator's SRV record for a domain (`_ldap._tcp.dc._msdcs.<domain>`). */
export function srvName(domain: string): string {
  return `_ldap._tcp.dc._msdcs.${domain.toLowerCase().replace(/\.$/, '')}`;
}
