/**
 * A DNS server that could not be used (no route, refused, silent, garbage, an error RCODE), as a
 * fact the AD checks share: which resolver it was, where it came from (the spec, this machine's
 * resolver configuration, the DC) and what happened. Its wording and remediation steps are the
 * checks' (checks/ad/lib/resolver-fix.ts).
 */
import { DnsError } from './dns.ts';
import type { DnsErrorCode, ResolverFailure, ResolverSource } from '../facts/ad.ts';

/** Codes that say something about the name (it does not exist, has no such record), not about the resolver. */
const NAME_CODES: ReadonlySet<DnsErrorCode> = new Set(['ENOTFOUND', 'ENODATA']);

/** The resolver failure in `err`, when it is one (a DnsError not about the name); else undefined. */
export function resolverFailure(
  err: unknown,
  source: ResolverSource,
  servers: readonly string[],
): ResolverFailure | undefined {
  if (!(err instanceof DnsError) || NAME_CODES.has(err.code)) return undefined;
  const failures =
    err.failures.length > 0
      ? [...err.failures]
      : servers.length === 0
        ? []
        : [{ server: servers.join(', '), code: err.code, detail: err.detail }];
  return { source, servers: [...servers], code: err.code, failures };
}
