/**
 * NetBIOS computer-name rules (Microsoft, "Naming conventions in Active Directory for computers,
 * domains, sites, and OUs"): 1 to 15 characters (the 16th byte is the service type), none of
 * \ / : * ? " < > |, not only digits, no leading period. A longer host name is silently truncated
 * to its first 15 characters, upper-cased: two such hosts collide.
 */

export const NETBIOS_MAX = 15;
export const NETBIOS_FORBIDDEN = ['\\', '/', ':', '*', '?', '"', '<', '>', '|'] as const;

export type NameProblem =
  | { readonly kind: 'tooLong'; readonly length: number }
  | { readonly kind: 'forbiddenCharacters'; readonly characters: readonly string[] }
  | { readonly kind: 'allDigits' }
  | { readonly kind: 'leadingPeriod' }
  | { readonly kind: 'empty' };

/** The NetBIOS name Windows derives from a host name (not an FQDN): its first 15 characters, upper-cased. */
export function netbiosName(hostName: string): string {
  return hostName.slice(0, NETBIOS_MAX).toUpperCase();
}

export function nameProblems(name: string): NameProblem[] {
  if (name.length === 0) return [{ kind: 'empty' }];
  const problems: NameProblem[] = [];
  if (name.length > NETBIOS_MAX) problems.push({ kind: 'tooLong', length: name.length });
  const forbidden = NETBIOS_FORBIDDEN.filter((c) => name.includes(c));
  if (forbidden.length > 0) problems.push({ kind: 'forbiddenCharacters', characters: forbidden });
  if (/^\d+$/.test(name)) problems.push({ kind: 'allDigits' });
  if (name.startsWith('.')) problems.push({ kind: 'leadingPeriod' });
  return problems;
}

/**
 * Characters NetBIOS accepts but a DNS host label does not (RFC 1123: letters, digits, hyphen).
 * Windows warns about these at rename time; a cluster node needs a DNS-resolvable name.
 */
export function dnsIncompatibleCharacters(name: string): string[] {
  return [
    ...new Set(
      name.split('').filter((c) => !/[A-Za-z0-9-]/.test(c) && !(NETBIOS_FORBIDDEN as readonly string[]).includes(c)),
    ),
  ];
}

/**
 * Suggests, for every name that breaks a rule or collides, a replacement that is itself valid,
 * DNS-safe, and unique (case-insensitively, on its NetBIOS form) among all the names given and
 * all other suggestions. Names that need no change are absent from the result.
 *
 * Shortening keeps the distinguishing end of a name: `HYPERVHOSTNODE-01A` -> `HYPERVHOSTN-01A`.
 */
export function suggestNames(names: readonly string[]): Map<string, string> {
  const byNetbios = new Map<string, Set<string>>();
  for (const n of names) {
    const key = netbiosName(n);
    byNetbios.set(key, (byNetbios.get(key) ?? new Set()).add(n));
  }
  const needsChange = (n: string) =>
    nameProblems(n).length > 0 ||
    dnsIncompatibleCharacters(n).length > 0 ||
    (n.length > NETBIOS_MAX && (byNetbios.get(netbiosName(n))?.size ?? 0) > 1);
  const taken = new Set(names.filter((n) => !needsChange(n)).map(netbiosName));
  const out = new Map<string, string>();
  for (const n of names) {
    if (out.has(n) || !needsChange(n)) continue;
    const base = sanitise(n);
    let candidate = shorten(base);
    for (let i = 2; taken.has(netbiosName(candidate)); i += 1) candidate = shorten(base, String(i));
    taken.add(netbiosName(candidate));
    out.set(n, candidate);
  }
  return out;
}

function sanitise(name: string): string {
  // No hyphen at either end: RFC 1123 host names (and so the spec loader) refuse one.
  let s = name
    .replace(/[^A-Za-z0-9-]/g, '')
    .replace(/^-+/, '')
    .replace(/-+$/, '');
  if (s === '') s = 'NODE';
  if (/^\d+$/.test(s)) s = `N${s}`;
  return s;
}

/**
 * Fits `name` plus an optional disambiguating number into 15 characters. A short tail after the
 * last dash (`-01A`) is kept and the number goes before it: `HYPERVHOSTNODE-01A`, 2 ->
 * `HYPERVHOST2-01A`.
 */
function shorten(name: string, number = ''): string {
  const dash = name.lastIndexOf('-');
  const tail = dash > 0 && name.length - dash - 1 <= 6 ? name.slice(dash) : '';
  const head = tail ? name.slice(0, dash) : name;
  if (head.length + number.length + tail.length <= NETBIOS_MAX) return `${head}${number}${tail}`;
  const room = NETBIOS_MAX - number.length - tail.length;
  return `${head.slice(0, room).replace(/-+$/, '')}${number}${tail}`;
}
