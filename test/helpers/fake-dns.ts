/**
 * A tiny authoritative DNS server on UDP for tests that need a domain's SRV and A records
 * without Samba: a fixed table, answers written by a deliberately naive encoder (uncompressed
 * names), NXDOMAIN for any other name. Written from RFC 1035 4.1 and RFC 2782; it shares no code
 * with src/ad/dns.ts except the query-name reader.
 */
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { readName } from '../../src/ad/dns.ts';

export interface FakeDnsRecords {
  /** Name (lower case) -> IPv4 addresses. */
  readonly a?: Readonly<Record<string, readonly string[]>>;
  /** Name (lower case) -> SRV targets. */
  readonly srv?: Readonly<
    Record<string, readonly { target: string; port: number; priority?: number; weight?: number }[]>
  >;
}

export interface FakeDns {
  /** `127.0.0.1:<port>`, for activeDirectory.dnsServers. */
  readonly server: string;
  close(): Promise<void>;
}

function name(text: string): Buffer {
  return Buffer.concat([
    ...text
      .split('.')
      .filter(Boolean)
      .map((l) => Buffer.concat([Buffer.of(l.length), Buffer.from(l, 'latin1')])),
    Buffer.of(0),
  ]);
}

function rr(owner: string, type: number, rdata: Buffer): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(1, 2);
  fixed.writeUInt32BE(60, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([name(owner), fixed, rdata]);
}

function answer(query: Buffer, records: FakeDnsRecords): Buffer {
  const { name: qname, next } = readName(query, 12);
  const qtype = query.readUInt16BE(next);
  const question = query.subarray(12, next + 4);
  const key = qname.toLowerCase();
  const answers: Buffer[] = [];
  if (qtype === 1)
    for (const ip of records.a?.[key] ?? []) answers.push(rr(key, 1, Buffer.from(ip.split('.').map(Number))));
  if (qtype === 33) {
    for (const s of records.srv?.[key] ?? []) {
      const head = Buffer.alloc(6);
      head.writeUInt16BE(s.priority ?? 0, 0);
      head.writeUInt16BE(s.weight ?? 100, 2);
      head.writeUInt16BE(s.port, 4);
      answers.push(rr(key, 33, Buffer.concat([head, name(s.target)])));
    }
  }
  const known = key in (records.a ?? {}) || key in (records.srv ?? {});
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  header.writeUInt16BE(0x8400 | 0x0100 | (known ? 0 : 3), 2); // QR, AA, RD echoed; NXDOMAIN for an unknown name
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, question, ...answers]);
}

export async function startFakeDns(records: FakeDnsRecords): Promise<FakeDns> {
  const socket = createSocket('udp4');
  socket.on('message', (msg, from) => {
    try {
      socket.send(answer(msg, records), from.port, from.address);
    } catch {
      // a query this server cannot read: no answer, as a real server might
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  return { server: `127.0.0.1:${port}`, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}
