/**
 * The shapes of the names and addresses a cluster spec holds, as pure functions: each returns
 * `undefined` for a good value, or one sentence saying what was expected and what it got. The
 * spec schema (schema.ts) and the `init` wizard (wizard.ts) judge with these same functions, so
 * a value init accepts is a value validate loads, and the other way round.
 *
 * Host names follow RFC 1123 2.1 (letters, digits, hyphen; labels of 1 to 63 characters, no
 * hyphen at either end; at most 253 characters), with one exception: the underscore is accepted.
 * Windows lets a computer be named `hv_01` (it warns, and Microsoft DNS serves the name), and
 * `config.netbios.name` reports such a name as a warning with the rename command: the loader
 * must let the spec describe the hosts as they are for that finding to exist. Every other
 * character (quote, space, `$`, backtick, `.` inside a node name, non-ASCII...) is refused here,
 * so no such value reaches a check or a command line.
 */
import { isIP } from 'node:net';
import { splitRdns } from '../dn.ts';

/** A problem sentence, or undefined when the value is good. */
export type Problem = string | undefined;

/** RFC 1123 2.1 / RFC 1035 2.3.4. */
export const LABEL_MAX = 63;
export const DNS_NAME_MAX = 253;
/** RFC 7143 4.2.7.1: an iSCSI name is at most 223 bytes (UTF-8). */
export const ISCSI_NAME_MAX = 223;
/** A failover cluster has at most 64 nodes (Windows Server 2012 and later; 16 on 2008 R2). */
export const MAX_NODES = 64;

const NAME_EXAMPLE = 'e.g. hv01';
const DNS_EXAMPLE = 'e.g. hv01.lab.example.test';

/** A character as a user can recognise it in a message, whatever it is (never raw control bytes). */
export function describeCharacter(c: string): string {
  const named: Record<string, string> = {
    "'": "a quote (')",
    '"': 'a double quote (")',
    '`': 'a backtick (`)',
    ' ': 'a space',
    '.': 'a period',
    ',': 'a comma',
    ':': 'a colon',
    ';': 'a semicolon',
    $: 'a dollar sign ($)',
    '\\': 'a backslash',
    '/': 'a slash',
    '\t': 'a tab',
    '\n': 'a line break',
    '\r': 'a carriage return',
  };
  if (named[c]) return named[c];
  const cp = c.codePointAt(0) ?? 0;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0)) return `the control character ${hex}`;
  if (cp > 0x7e) return `${JSON.stringify(c)} (${hex}, not ASCII)`;
  return `"${c}"`;
}

/** The value as a message may show it: quoted, control characters escaped, long ones cut. */
function shown(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

/** The first character of `value` that `allowed` refuses. */
function firstBad(value: string, allowed: RegExp): string | undefined {
  for (const c of value) if (!allowed.test(c)) return c;
  return undefined;
}

/** What is wrong with one DNS label, as the end of a sentence; undefined when it is fine. */
function labelProblem(label: string): string | undefined {
  if (label === '') return 'an empty label (two dots in a row, or a dot at the start)';
  const bad = firstBad(label, /[A-Za-z0-9_-]/);
  if (bad !== undefined) return describeCharacter(bad);
  if (label.length > LABEL_MAX)
    return `a label of ${label.length} characters ("${label.slice(0, 20)}…"): at most ${LABEL_MAX}`;
  if (label.startsWith('-')) return `a label starting with a hyphen ("${label}")`;
  if (label.endsWith('-')) return `a label ending with a hyphen ("${label}")`;
  return undefined;
}

/**
 * A computer name: the host name of a node, or the cluster name (its CNO). One DNS label:
 * letters, digits, hyphens (and underscores, see above), 1 to 63 characters. NetBIOS rules
 * (15 characters, not only digits) are the `config.netbios.*` checks' business, not a load error.
 */
export function hostNameProblem(value: string, what: 'node' | 'cluster' = 'node'): Problem {
  const expected = `expected a host name (letters, digits and hyphens, ${what === 'node' ? NAME_EXAMPLE : 'e.g. HVCLUSTER01'})`;
  if (value === '') return `${expected}; got an empty string`;
  if (isIP(value) !== 0) {
    return what === 'node'
      ? `expected the node's host name (${NAME_EXAMPLE}); got the IP address ${value}: an IP address is not a host name: put it in fqdn (to reach the node by address) and give the host name in name`
      : `expected the cluster name (e.g. HVCLUSTER01); got the IP address ${value}: an IP address is not a name; the cluster's own address is not part of the spec`;
  }
  if (value.includes('.') && labelProblem(value.replace(/\./g, '')) === undefined) {
    return what === 'node'
      ? `expected the node's host name without its domain (${NAME_EXAMPLE}); got ${shown(value)}: a host name is one label, and the full DNS name goes in fqdn`
      : `expected the cluster name without a domain (e.g. HVCLUSTER01); got ${shown(value)}: the cluster name object is one label`;
  }
  const problem = labelProblem(value);
  return problem === undefined ? undefined : `${expected}; got ${problem} in ${shown(value)}`;
}

/**
 * A DNS name: a node's FQDN, the domain, a DC or certificate name, a portal's host. Labels as in
 * hostNameProblem, at most 253 characters, an optional final dot. A name whose last label is all
 * digits is not a host name (RFC 1123 2.1): it is a malformed IPv4 address, or one where a name
 * was asked for.
 */
export function dnsNameProblem(value: string, example = DNS_EXAMPLE): Problem {
  const expected = `expected a DNS name (letters, digits and hyphens, dot-separated, ${example})`;
  if (value === '') return `${expected}; got an empty string`;
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  if (name.length > DNS_NAME_MAX)
    return `${expected}; got ${value.length} characters: a DNS name has at most ${DNS_NAME_MAX}`;
  for (const label of name.split('.')) {
    const problem = labelProblem(label);
    if (problem !== undefined) return `${expected}; got ${problem} in ${shown(value)}`;
  }
  if (/^\d+$/.test(name.split('.').pop() ?? ''))
    return isIP(name) === 4
      ? `${expected}; got the IP address ${value}`
      : `${expected}; got ${shown(value)}, which is neither a DNS name nor an IPv4 address`;
  return undefined;
}

/**
 * A node's `fqdn`: what Invoke-Command and the DNS checks address it by. Its DNS name, or, for a
 * node reached by address (WinRM then needs TrustedHosts, which nodes.reachable explains), an IP
 * address.
 */
export function fqdnProblem(value: string): Problem {
  return hostProblem(value, "e.g. hv01.lab.example.test, or the node's IP address");
}

/** A host named or given by address: a DNS name, or an IP address (v4 or v6). */
export function hostProblem(value: string, example: string): Problem {
  return isIP(value) !== 0 ? undefined : dnsNameProblem(value, example);
}

/** A host that may also be an address: an IPv4 address, or a DNS name. (IPv6 in brackets is the caller's.) */
function hostOrIpv4Problem(host: string, example: string): Problem {
  if (isIP(host) === 4) return undefined;
  if (/^[\d.]+$/.test(host))
    return `expected an IPv4 address or a DNS name (${example}); got ${shown(host)}, which is not an IPv4 address (four numbers 0..255)`;
  return dnsNameProblem(host, example);
}

/** `PORT` of `HOST:PORT`: 1..65535. */
export function portProblem(port: string, example: string): Problem {
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)
    return `expected a port 1..65535 after the colon (${example}); got ${shown(port)}`;
  return undefined;
}

/**
 * `host[:port]`, the shape of portals and DNS servers: `10.0.0.20`, `10.0.0.20:3260`,
 * `san1.lab.example.test:3260`, `[fd00::20]:3260`, `fd00::20` (no port without brackets).
 * `ipOnly`: the host must be an IP address (a DNS server cannot be found through DNS).
 */
export function hostPortProblem(value: string, example: string, ipOnly = false): Problem {
  const expected = `expected ${ipOnly ? 'IP[:PORT]' : 'HOST[:PORT]'} (${example})`;
  if (value === '') return `${expected}; got an empty string`;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(value);
  if (bracketed) {
    if (isIP(bracketed[1]!) !== 6)
      return `${expected}; got ${shown(`[${bracketed[1]}]`)}, which is not an IPv6 address`;
    return bracketed[2] === undefined ? undefined : portProblem(bracketed[2], example);
  }
  if (isIP(value) === 6) return undefined;
  const colons = value.split(':').length - 1;
  if (colons > 1)
    return `${expected}; got ${shown(value)}: an IPv6 address with a port goes in brackets, e.g. [fd00::20]:3260`;
  const [host, port] =
    colons === 1 ? [value.slice(0, value.indexOf(':')), value.slice(value.indexOf(':') + 1)] : [value, undefined];
  if (host === '') return `${expected}; got nothing before the colon`;
  if (ipOnly && isIP(host) === 0) return `${expected}; got ${shown(host)}, which is not an IP address`;
  const hostProblem = hostOrIpv4Problem(host, example);
  if (hostProblem !== undefined) return hostProblem;
  return port === undefined ? undefined : portProblem(port, example);
}

/** An iSCSI portal: HOST[:PORT], the port 1..65535 (3260 when absent). */
export function portalProblem(value: string): Problem {
  return hostPortProblem(value, 'e.g. 10.0.0.20:3260 or [fd00::20]:3260');
}

/** A resolver: an IP address, optionally with a port. */
export function dnsServerProblem(value: string): Problem {
  return hostPortProblem(value, 'e.g. 10.0.0.10, 10.0.0.10:53 or [fd00::10]:53', true);
}

/** `ldap://HOST[:PORT]` or `ldaps://HOST[:PORT]`, with an optional final slash. */
export function ldapUrlProblem(value: string): Problem {
  const example = 'e.g. ldaps://dc1.lab.example.test or ldap://10.0.0.10:389';
  const m = /^(ldaps?):\/\/([^/]*)\/?$/.exec(value);
  if (!m) return `expected an LDAP URL (${example}); got ${shown(value)}`;
  return m[2] === '' ? `expected an LDAP URL (${example}); got no host` : hostPortProblem(m[2]!, example);
}

/**
 * An iSCSI name (RFC 7143 4.2.7, formerly RFC 3720 3.2.6): at most 223 bytes of letters (the
 * stringprep profile of RFC 3722 folds case, so upper case is the same name), digits, `-`, `.`
 * and `:`, in one of three forms:
 * - `iqn.YYYY-MM.reversed.domain[:anything]`, YYYY-MM the month the naming authority owned the domain;
 * - `eui.` and 16 hexadecimal digits (an EUI-64);
 * - `naa.` and 16 or 32 hexadecimal digits (RFC 3980).
 */
export function iqnProblem(value: string): Problem {
  const example = 'e.g. iqn.1991-05.com.microsoft:hv01.lab.example.test';
  if (value === '') return `expected an iSCSI name (${example}); got an empty string`;
  const bad = firstBad(value, /[A-Za-z0-9.:-]/);
  if (bad !== undefined)
    return `expected an iSCSI name: letters, digits, "-", "." and ":" only (RFC 7143 4.2.7.2, ${example}); got ${describeCharacter(bad)} in ${shown(value)}`;
  if (value.length > ISCSI_NAME_MAX)
    return `expected an iSCSI name of at most ${ISCSI_NAME_MAX} characters (RFC 7143 4.2.7.1); got ${value.length}`;
  const lower = value.toLowerCase();
  if (lower.startsWith('eui.'))
    return /^eui\.[0-9a-f]{16}$/.test(lower)
      ? undefined
      : `expected eui. and 16 hexadecimal digits (an EUI-64, e.g. eui.02004567A425678D); got ${shown(value)}`;
  if (lower.startsWith('naa.'))
    return /^naa\.(?:[0-9a-f]{16}|[0-9a-f]{32})$/.test(lower)
      ? undefined
      : `expected naa. and 16 or 32 hexadecimal digits (RFC 3980, e.g. naa.52004567BA64678D); got ${shown(value)}`;
  if (!lower.startsWith('iqn.'))
    return `expected an iSCSI name starting iqn., eui. or naa. (${example}); got ${shown(value)}`;
  const m = /^iqn\.(\d{4})-(\d{2})\.([^:]*)(?::(.*))?$/.exec(lower);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12)
    return `expected iqn. then the year and month the naming authority owned its domain, iqn.YYYY-MM. (${example}); got ${shown(value)}`;
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/.test(m[3]!)) {
    return `expected the naming authority's domain, reversed, after iqn.${m[1]}-${m[2]}. (com.microsoft in ${example}); got ${shown(m[3]!)}`;
  }
  if (m[4] === '') return `expected something after the colon of ${shown(value)}, or no colon (${example})`;
  return undefined;
}

/**
 * A distinguished name, cheaply: comma-separated `attribute=value` pairs (RFC 4514), the
 * attribute a name or an OID, the value not empty; a `\` escapes the next character.
 */
export function dnProblem(value: string): Problem {
  const expected = 'expected a distinguished name (e.g. OU=HyperV,OU=Servers,DC=lab,DC=example,DC=test)';
  if (value.trim() === '') return `${expected}; got an empty string`;
  const rdns = splitRdns(value);
  for (const rdn of rdns) {
    const m = /^\s*([A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)\s*=(.*)$/s.exec(rdn);
    if (!m) return `${expected}; got ${shown(rdn.trim())}, which is not ATTRIBUTE=value, in ${shown(value)}`;
    if (m[2]!.trim() === '') return `${expected}; got ${m[1]}= with no value in ${shown(value)}`;
  }
  return undefined;
}
