/**
 * Names in the directory: LDAP filter escaping, DN parents, which computer object is a node's, the
 * DC locator's SRV name. Pure functions the AD probe and the ad.* checks share; the parameters are
 * structural (the fields of a computer object and a node name they read), so this imports no probe.
 */

/** What the matching reads of a computer object (ComputerObject in the AD facts). */
export interface ComputerLike {
  readonly sAMAccountName: string;
  /** Lower-case; null when the object has none (prestaged, never joined). */
  readonly dNSHostName: string | null;
  readonly cn: string;
}

/** What the matching reads of a node's names (NodeName in the AD facts). */
export interface NodeNameLike {
  /** As the spec gives it. */
  readonly name: string;
  /** The NetBIOS name Windows joins with, upper-case. */
  readonly netbios: string;
  /** Lower-case. */
  readonly fqdn: string;
}

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
 * How a node's object was found: by the account Windows joins with (`account`: the NetBIOS name
 * and `$`), by its `dnsHostName` (written by the computer once joined), or only by its `name`: a
 * prestaged object without dNSHostName whose cn is the host name, or whose account name is the
 * whole host name and `$`, but whose account name is not the one Windows will look for.
 */
export type MatchedBy = 'account' | 'dnsHostName' | 'name';

export interface NodeMatch<C extends ComputerLike = ComputerLike> {
  readonly object: C;
  readonly by: MatchedBy;
}

/**
 * Whether `c` is found for the node only by its name: no dNSHostName, an account name other than
 * the NetBIOS name and `$`, and the host name as cn or (a name over 15 characters) as the account
 * name. New-ADComputer -Name, ADUC and samba-tool computer add prestage such objects; Windows
 * joins as the NetBIOS name and will not use them.
 */
export function matchesByName(c: ComputerLike, node: NodeNameLike): boolean {
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
export function nodeMatch<C extends ComputerLike>(
  node: NodeNameLike,
  computers: readonly C[],
): NodeMatch<C> | undefined {
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
