/**
 * A small DNS client (RFC 1035) for the lookups the AD checks need: SRV (RFC 2782), A and AAAA,
 * over UDP to given servers, each query bounded by a timeout and retried on the next server.
 * Node's resolver (c-ares, Node 24) rejects Samba 4.17's SRV answers with EBADRESP (their target
 * names use compression, which RFC 2782 forbids but every resolver accepts), so the discovery of
 * domain controllers cannot rely on it. Names are read with compression pointers followed
 * strictly backwards and a hop limit; every length is bounds-checked; garbage is a DnsError.
 */
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { isIPv6 } from 'node:net';

export const DNS_TYPE = { A: 1, AAAA: 28, SRV: 33 } as const;
type DnsType = (typeof DNS_TYPE)[keyof typeof DNS_TYPE];

/** RCODE (RFC 1035 4.1.1). */
const RCODE_NAMES: Readonly<Record<number, string>> = { 1: 'format error', 2: 'server failure', 3: 'no such name', 4: 'not implemented', 5: 'refused' };

export type DnsErrorCode = 'ENOTFOUND' | 'ENODATA' | 'ETIMEOUT' | 'ESERVFAIL' | 'EREFUSED' | 'EBADRESP' | 'ETRUNCATED' | 'ECONNREFUSED';

export class DnsError extends Error {
  override name = 'DnsError';
  readonly code: DnsErrorCode;
  readonly query: string;
  readonly server: string | undefined;
  /** What went wrong, without the query and server. */
  readonly detail: string;
  constructor(code: DnsErrorCode, query: string, server: string | undefined, detail: string) {
    super(`${query}${server ? ` via ${server}` : ''}: ${detail}`);
    this.detail = detail;
    this.code = code;
    this.query = query;
    this.server = server;
  }
}

export interface SrvRecord {
  readonly name: string;
  readonly port: number;
  readonly priority: number;
  readonly weight: number;
}

export interface DnsOptions {
  /** `ip` or `ip:port` / `[ipv6]:port`. */
  readonly servers: readonly string[];
  /** Per try; default 2000 ms. */
  readonly timeoutMs?: number;
  /** Tries per server; default 2. */
  readonly tries?: number;
}

// ---------------------------------------------------------------------------------------------
// Wire format

export function encodeQuery(id: number, name: string, type: DnsType): Buffer {
  const labels = name.replace(/\.$/, '').split('.');
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4); // QDCOUNT
  parts.push(header);
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length === 0 || bytes.length > 63) throw new RangeError(`bad DNS label in ${name}`);
    parts.push(Buffer.of(bytes.length), bytes);
  }
  parts.push(Buffer.of(0), Buffer.of(type >> 8, type & 0xff, 0, 1)); // QTYPE, QCLASS IN
  return Buffer.concat(parts);
}

const MAX_POINTER_HOPS = 32;

/** Reads a (possibly compressed) name at `offset`; returns it and the offset after it in place. */
export function readName(msg: Uint8Array, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let at = offset;
  let next = -1;
  let hops = 0;
  let length = 0;
  for (;;) {
    if (at >= msg.length) throw new RangeError(`name runs past the end at ${at}`);
    const len = msg[at]!;
    if (len === 0) {
      if (next < 0) next = at + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (at + 1 >= msg.length) throw new RangeError('truncated compression pointer');
      const target = ((len & 0x3f) << 8) | msg[at + 1]!;
      if (next < 0) next = at + 2;
      // Only backwards, and a bounded number of times: no loops.
      if (target >= at || ++hops > MAX_POINTER_HOPS) throw new RangeError(`bad compression pointer at ${at}`);
      at = target;
      continue;
    }
    if ((len & 0xc0) !== 0) throw new RangeError(`reserved label type at ${at}`);
    if (at + 1 + len > msg.length) throw new RangeError(`label runs past the end at ${at}`);
    length += len + 1;
    if (length > 255) throw new RangeError('name longer than 255 bytes');
    labels.push(Buffer.from(msg.subarray(at + 1, at + 1 + len)).toString('latin1'));
    at += 1 + len;
  }
  return { name: labels.join('.'), next };
}

export interface DnsAnswer {
  readonly id: number;
  readonly rcode: number;
  readonly truncated: boolean;
  readonly records: { readonly name: string; readonly type: number; readonly data: Uint8Array; readonly offset: number }[];
}

export function decodeResponse(msg: Uint8Array): DnsAnswer {
  if (msg.length < 12) throw new RangeError('shorter than a DNS header');
  const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const id = view.getUint16(0);
  const flags = view.getUint16(2);
  if ((flags & 0x8000) === 0) throw new RangeError('not a response');
  const qd = view.getUint16(4);
  const an = view.getUint16(6);
  let at = 12;
  for (let i = 0; i < qd; i += 1) at = readName(msg, at).next + 4;
  const records: DnsAnswer['records'][number][] = [];
  for (let i = 0; i < an; i += 1) {
    const { name, next } = readName(msg, at);
    if (next + 10 > msg.length) throw new RangeError('truncated resource record');
    const type = view.getUint16(next);
    const rdlength = view.getUint16(next + 8);
    const start = next + 10;
    if (start + rdlength > msg.length) throw new RangeError('RDATA runs past the end');
    records.push({ name: name.toLowerCase(), type, data: msg.subarray(start, start + rdlength), offset: start });
    at = start + rdlength;
  }
  return { id, rcode: flags & 0x0f, truncated: (flags & 0x0200) !== 0, records };
}

function decodeSrv(msg: Uint8Array, record: DnsAnswer['records'][number]): SrvRecord {
  if (record.data.length < 7) throw new RangeError('SRV RDATA too short');
  const d = record.data;
  return { priority: (d[0]! << 8) | d[1]!, weight: (d[2]! << 8) | d[3]!, port: (d[4]! << 8) | d[5]!, name: readName(msg, record.offset + 6).name.toLowerCase() };
}

function decodeAddress(record: DnsAnswer['records'][number]): string {
  const d = record.data;
  if (record.type === DNS_TYPE.A && d.length === 4) return Array.from(d).join('.');
  if (record.type === DNS_TYPE.AAAA && d.length === 16) {
    const words: string[] = [];
    for (let i = 0; i < 16; i += 2) words.push(((d[i]! << 8) | d[i + 1]!).toString(16));
    return words.join(':');
  }
  throw new RangeError(`bad ${record.type === DNS_TYPE.A ? 'A' : 'AAAA'} RDATA length ${d.length}`);
}

// ---------------------------------------------------------------------------------------------
// Transport

function parseServer(server: string): { host: string; port: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(server);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : 53 };
  if (isIPv6(server)) return { host: server, port: 53 };
  const [host, port] = server.split(':');
  return { host: host!, port: port ? Number(port) : 53 };
}

function queryOnce(server: string, packet: Buffer, id: number, timeoutMs: number): Promise<Uint8Array> {
  const { host, port } = parseServer(server);
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    const done = (err: Error | undefined, msg?: Uint8Array) => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(msg!);
    };
    const timer = setTimeout(() => done(Object.assign(new Error('timeout'), { code: 'ETIMEOUT' })), timeoutMs);
    socket.on('error', (err) => done(err));
    socket.on('message', (msg) => {
      // Not ours (wrong id): keep waiting for the answer until the timeout.
      if (msg.length >= 2 && msg.readUInt16BE(0) === id) done(undefined, msg);
    });
    // A connected socket hears ICMP port unreachable as ECONNREFUSED instead of waiting it out.
    socket.connect(port, host, () => {
      socket.send(packet, (err) => {
        if (err) done(err);
      });
    });
  });
}

async function query(name: string, type: DnsType, options: DnsOptions): Promise<{ msg: Uint8Array; answer: DnsAnswer; server: string }> {
  const label = `${type === DNS_TYPE.SRV ? 'SRV' : type === DNS_TYPE.A ? 'A' : 'AAAA'} ${name}`;
  // Not ENOTFOUND: that means "no such name" to callers, and nothing was asked here.
  if (options.servers.length === 0) throw new DnsError('EREFUSED', label, undefined, 'no DNS server to ask (none configured, and this machine has none)');
  let last: DnsError | undefined;
  for (const server of options.servers) {
    for (let attempt = 0; attempt < (options.tries ?? 2); attempt += 1) {
      const id = randomBytes(2).readUInt16BE(0);
      let msg: Uint8Array;
      try {
        msg = await queryOnce(server, encodeQuery(id, name, type), id, options.timeoutMs ?? 2000);
      } catch (err) {
        const code = (err as { code?: string }).code;
        last = new DnsError(code === 'ECONNREFUSED' ? 'ECONNREFUSED' : 'ETIMEOUT', label, server, code === 'ECONNREFUSED' ? 'the DNS server refused the connection (nothing listens on its port 53)' : 'no answer in time');
        if (code === 'ECONNREFUSED') break;
        continue;
      }
      let answer: DnsAnswer;
      try {
        answer = decodeResponse(msg);
      } catch (err) {
        last = new DnsError('EBADRESP', label, server, `malformed answer: ${(err as Error).message}`);
        break;
      }
      if (answer.rcode === 3) throw new DnsError('ENOTFOUND', label, server, 'no such name');
      if (answer.rcode !== 0) {
        last = new DnsError(answer.rcode === 5 ? 'EREFUSED' : 'ESERVFAIL', label, server, RCODE_NAMES[answer.rcode] ?? `RCODE ${answer.rcode}`);
        break;
      }
      if (answer.truncated && answer.records.length === 0) {
        last = new DnsError('ETRUNCATED', label, server, 'the answer did not fit in UDP and came back empty');
        break;
      }
      return { msg, answer, server };
    }
  }
  throw last!;
}

/** SRV records of `name`; none is ENODATA. */
export async function lookupSrv(name: string, options: DnsOptions): Promise<SrvRecord[]> {
  const { msg, answer, server } = await query(name, DNS_TYPE.SRV, options);
  try {
    const records = answer.records.filter((r) => r.type === DNS_TYPE.SRV).map((r) => decodeSrv(msg, r));
    if (records.length === 0) throw new DnsError('ENODATA', `SRV ${name}`, server, 'no SRV record');
    return records;
  } catch (err) {
    if (err instanceof DnsError) throw err;
    throw new DnsError('EBADRESP', `SRV ${name}`, server, `malformed SRV record: ${(err as Error).message}`);
  }
}

/** A and AAAA addresses of `name` (CNAMEs in the same answer are followed by taking every address record). */
export async function lookupAddresses(name: string, options: DnsOptions): Promise<string[]> {
  const out: string[] = [];
  let firstError: DnsError | undefined;
  for (const type of [DNS_TYPE.A, DNS_TYPE.AAAA]) {
    try {
      const { answer } = await query(name, type, options);
      for (const r of answer.records) if (r.type === type) out.push(decodeAddress(r));
    } catch (err) {
      if (!(err instanceof DnsError)) throw new DnsError('EBADRESP', `${type === DNS_TYPE.A ? 'A' : 'AAAA'} ${name}`, undefined, (err as Error).message);
      firstError ??= err;
    }
  }
  if (out.length === 0 && firstError && firstError.code !== 'ENOTFOUND') throw firstError;
  return out;
}
