/**
 * Finding the domain controllers: `_ldap._tcp.dc._msdcs.<domain>` SRV records (RFC 2782 order:
 * priority, then weight), through the configured DNS servers (else the machine's), and each
 * target's address through the same servers (the machine's resolver may not know the domain's
 * zone). Queries go through our own DNS client (dns.ts), each bounded by a timeout.
 */
import { getServers } from 'node:dns';
import { connect } from 'node:net';
import { AdError } from './errors.ts';
import { DnsError, lookupAddresses, lookupSrv, type DnsOptions } from './dns.ts';
import type { DiscoveredDc } from '../facts/ad.ts';
import { srvName } from '../facts/ad-names.ts';

/** A TCP connection to `address:port`, closed at once: nothing is sent. */
export function tcpReach(
  address: string | undefined,
  port: number,
  timeoutMs = 3000,
): Promise<NonNullable<DiscoveredDc['reachable']>> {
  if (!address) return Promise.resolve({ port, status: 'noAddress' });
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const done = (r: NonNullable<DiscoveredDc['reachable']>) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ port, status: 'timeout' }), timeoutMs);
    socket.once('connect', () => done({ port, status: 'ok', ms: Math.round(performance.now() - started) }));
    // on, not once: a second error after the first (or after destroy) must not be an unhandled 'error' event.
    socket.on('error', (err: NodeJS.ErrnoException) =>
      done({
        port,
        status:
          err.code === 'ECONNREFUSED'
            ? 'refused'
            : err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH'
              ? 'unreachable'
              : 'error',
        message: err.message,
      }),
    );
  });
}

export interface DiscoveryOptions {
  readonly domain: string;
  /** Test TCP to each DC on this port (636 for LDAPS, 389 for StartTLS); absent: not tested. */
  readonly reachPort?: number;
  /** Resolver addresses (`ip` or `ip:port`); default the system's. */
  readonly dnsServers?: readonly string[];
  /** Per query; default 3000 ms, 2 tries. */
  readonly timeoutMs?: number;
}

export { srvName } from '../facts/ad-names.ts';

export function dnsOptions(options: Pick<DiscoveryOptions, 'dnsServers' | 'timeoutMs'>): DnsOptions {
  return {
    servers: options.dnsServers?.length ? [...options.dnsServers] : getServers(),
    timeoutMs: options.timeoutMs ?? 2000,
    tries: 2,
  };
}

/** Addresses of a host; none (or no such name) is an empty list, other failures a DnsError. */
export function resolveAddresses(options: DnsOptions, host: string): Promise<string[]> {
  return lookupAddresses(host, options);
}

/** The domain's DCs in the order to try them; throws AdError 'dnsFailed' naming the record and the DNS servers. */
export async function discoverDcs(options: DiscoveryOptions): Promise<DiscoveredDc[]> {
  const dns = dnsOptions(options);
  const name = srvName(options.domain);
  let records: { name: string; port: number; priority: number; weight: number }[];
  try {
    records = await lookupSrv(name, dns);
  } catch (err) {
    const code = err instanceof DnsError ? err.code : 'EBADRESP';
    const via = options.dnsServers?.length
      ? `DNS server ${options.dnsServers.join(', ')}`
      : `the system's DNS servers (${dns.servers.join(', ') || 'none'})`;
    const what =
      code === 'ENOTFOUND' || code === 'ENODATA'
        ? 'no such record'
        : err instanceof DnsError
          ? err.detail
          : err instanceof Error
            ? err.message
            : String(err);
    // The DnsError stays as the cause: it says which server failed how (src/ad/resolver.ts).
    throw Object.assign(
      new AdError('dnsFailed', options.domain, 'discovery', `SRV ${name} via ${via}: ${what}`, { causeCode: code }),
      { cause: err },
    );
  }
  const sorted = [...records].sort(
    (a, b) => a.priority - b.priority || b.weight - a.weight || a.name.localeCompare(b.name),
  );
  return Promise.all(
    sorted.map(async (r) => {
      const addresses = await resolveAddresses(dns, r.name).catch(() => [] as string[]);
      const dc = { host: r.name, port: r.port, priority: r.priority, weight: r.weight, addresses };
      return options.reachPort === undefined
        ? dc
        : { ...dc, reachable: await tcpReach(addresses[0], options.reachPort) };
    }),
  );
}
