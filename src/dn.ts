/**
 * Distinguished names (RFC 4514), as far as clusterprobe needs them: split into their RDNs at
 * the commas that are not escaped with `\`.
 */

/** The RDNs of `dn`, left to right, as written (escapes kept, spaces not trimmed). */
export function splitRdns(dn: string): string[] {
  const rdns: string[] = [];
  let current = '';
  for (let i = 0; i < dn.length; i += 1) {
    const c = dn[i]!;
    if (c === '\\' && i + 1 < dn.length) {
      current += c + dn[i + 1]!;
      i += 1;
    } else if (c === ',') {
      rdns.push(current);
      current = '';
    } else current += c;
  }
  rdns.push(current);
  return rdns;
}
