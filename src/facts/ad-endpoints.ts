/**
 * Where a domain controller answers: LDAP URLs (`ldaps://host[:port]`) and the Active Directory Web
 * Services port. Pure, shared by the AD probe, the Windows AD path and the ad.* checks.
 */

/** Active Directory Web Services: what the ActiveDirectory module talks to on a DC (not LDAP). */
export const ADWS_PORT = 9389;

export interface ParsedLdapUrl {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
}

/** `ldaps://host[:port]` or `ldap://host[:port]` (IPv6 in brackets); RangeError otherwise. */
export function parseLdapUrl(url: string): ParsedLdapUrl {
  const m = /^(ldaps?):\/\/(\[[^\]]+\]|[^:/\s]+)(?::(\d{1,5}))?\/?$/i.exec(url.trim());
  if (!m) throw new RangeError(`not an LDAP URL: ${url} (expected ldaps://host[:port] or ldap://host[:port])`);
  const secure = m[1]!.toLowerCase() === 'ldaps';
  const port = m[3] ? Number(m[3]) : secure ? 636 : 389;
  if (port < 1 || port > 65535) throw new RangeError(`port out of range in ${url}`);
  return { secure, host: m[2]!.replace(/^\[|\]$/g, ''), port };
}
