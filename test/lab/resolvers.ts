/**
 * Broken system resolvers for the lab: the four ways the machine's own DNS server (the one
 * /etc/resolv.conf names) fails a user off the VPN or in a sealed network, each on its own
 * address inside the lab's private network namespace (`sh test/lab/netns.sh`):
 * - `unreachable`: 192.0.2.53 (TEST-NET-1): the namespace has only `lo`, so there is no route and
 *   a connected UDP socket gets ENETUNREACH; nothing leaves the namespace.
 * - `refusing`: an address on `lo` with nothing on UDP 53: the kernel answers ICMP port unreachable.
 * - `silent`: a UDP socket on port 53 that reads every query and never answers.
 * - `garbage`: a UDP server on port 53 that answers every query with a burst of garbage: wrong ids,
 *   datagrams shorter than a header, then one message with the right id that is malformed in a way
 *   chosen per query (random bytes, a compression pointer loop, a forward pointer, counts that run
 *   past the end, a query instead of a response, SRV and A data of the wrong length...).
 *
 * The CLI reads the machine's resolvers at start-up (Node's dns.getServers() and glibc's
 * getaddrinfo both read /etc/resolv.conf): `runCliWithResolvConf` runs it in a private mount
 * namespace (`unshare -m`) with a resolv.conf naming one of these bind-mounted over the real one,
 * which no other process sees.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN, runWrapped, tempDir, type CliOptions, type CliResult } from '../helpers/cli.ts';

export type ResolverKind = 'unreachable' | 'refusing' | 'silent' | 'garbage';

export interface BrokenResolvers {
  /** The address of each broken resolver (port 53). */
  readonly servers: Readonly<Record<ResolverKind, string>>;
  /** Queries each listening resolver has received so far. */
  readonly received: Readonly<Record<'silent' | 'garbage', number>>;
  stop(): Promise<void>;
}

/** Loopback addresses outside the Samba lab's 127.0.0.N range. */
const ADDRESSES = {
  unreachable: '192.0.2.53',
  refusing: '127.0.53.1',
  silent: '127.0.53.2',
  garbage: '127.0.53.3',
} as const;

/**
 * The garbage answers, each a function of the query (the id is the query's); `types`: only for
 * queries of these types (an SRV record in answer to an A query is merely no A record).
 */
export const GARBAGE: readonly {
  readonly name: string;
  readonly types?: readonly number[];
  readonly make: (query: Buffer) => Buffer;
}[] = [
  // 65535 questions cannot fit in what follows: always malformed, whatever the random bytes.
  {
    name: 'random bytes after a header claiming 65535 questions',
    make: (q) => Buffer.concat([header(q, { qd: 0xffff, an: 1 }), randomBytes(1 + (q[3]! % 200))]),
  },
  { name: 'the id alone', make: (q) => Buffer.from(q.subarray(0, 2)) },
  { name: 'a header claiming 5 answers and nothing after it', make: (q) => header(q, { an: 5, qd: 0 }) },
  { name: 'a query, not a response', make: (q) => Buffer.from(q) },
  {
    name: 'a pointer loop in the answer name',
    make: (q) => Buffer.concat([header(q, { an: 1, qd: 0 }), Buffer.of(0xc0, 12), rr(1, Buffer.of(127, 0, 0, 1))]),
  },
  {
    name: 'a forward pointer',
    make: (q) =>
      Buffer.concat([
        header(q, { an: 1, qd: 0 }),
        Buffer.of(0xc0, 40),
        rr(1, Buffer.of(127, 0, 0, 1)),
        Buffer.alloc(30),
      ]),
  },
  {
    name: 'a reserved label type',
    make: (q) => Buffer.concat([header(q, { an: 1, qd: 0 }), Buffer.of(0x80, 1, 0), rr(1, Buffer.of(127, 0, 0, 1))]),
  },
  {
    name: 'RDATA longer than the message',
    make: (q) => Buffer.concat([header(q, { an: 1, qd: 0 }), Buffer.of(0), rrHead(33, 400), Buffer.of(0, 0, 0)]),
  },
  {
    name: 'an SRV record of 3 bytes',
    types: [33],
    make: (q) => Buffer.concat([header(q, { an: 1, qd: 0 }), Buffer.of(0), rr(33, Buffer.of(0, 0, 1))]),
  },
  {
    name: 'an SRV target pointing at itself',
    types: [33],
    make: (q) =>
      Buffer.concat([
        header(q, { an: 1, qd: 0 }),
        Buffer.of(0),
        rr(33, Buffer.of(0, 0, 0, 100, 2, 0x7c, 0xc0, 12 + 1 + 10 + 6)),
      ]),
  },
  {
    name: 'an A record of 3 bytes and an AAAA of 5',
    types: [1, 28],
    make: (q) =>
      Buffer.concat([
        header(q, { an: 2, qd: 0 }),
        Buffer.of(0),
        rr(1, Buffer.of(1, 2, 3)),
        Buffer.of(0),
        rr(28, Buffer.of(1, 2, 3, 4, 5)),
      ]),
  },
  {
    name: 'a label of 63 bytes running past the end',
    make: (q) => Buffer.concat([header(q, { an: 1, qd: 0 }), Buffer.of(63, 0x41, 0x41)]),
  },
];

/** QTYPE of a query with one question (0 when it cannot be read). */
function queryType(query: Buffer): number {
  let at = 12;
  while (at < query.length && query[at]! !== 0) at += 1 + query[at]!;
  return at + 3 <= query.length ? query.readUInt16BE(at + 1) : 0;
}

function header(query: Buffer, counts: { qd: number; an: number }): Buffer {
  const h = Buffer.alloc(12);
  if (query.length >= 2) query.copy(h, 0, 0, 2);
  h.writeUInt16BE(0x8180, 2);
  h.writeUInt16BE(counts.qd, 4);
  h.writeUInt16BE(counts.an, 6);
  return h;
}

function rrHead(type: number, rdlength: number): Buffer {
  const b = Buffer.alloc(10);
  b.writeUInt16BE(type, 0);
  b.writeUInt16BE(1, 2);
  b.writeUInt32BE(60, 4);
  b.writeUInt16BE(rdlength, 8);
  return b;
}

function rr(type: number, rdata: Buffer): Buffer {
  return Buffer.concat([rrHead(type, rdata.length), rdata]);
}

function bind(
  address: string,
  onMessage: (socket: Socket, msg: Buffer, from: { address: string; port: number }) => void,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.on('message', (msg, rinfo) => onMessage(socket, msg, rinfo));
    socket.bind(53, address, () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve(socket);
    });
  });
}

/**
 * Starts the silent and the garbage resolver (the other two need nothing running). Needs the
 * lab's network namespace (root there, to bind port 53); Linux answers all of 127/8 on `lo`, so
 * 127.0.53.x needs no address added.
 */
export async function startBrokenResolvers(): Promise<BrokenResolvers> {
  const received = { silent: 0, garbage: 0 };
  let turn = 0;
  const silent = await bind(ADDRESSES.silent, () => {
    received.silent += 1;
  });
  const garbage = await bind(ADDRESSES.garbage, (socket, msg, from) => {
    received.garbage += 1;
    const type = queryType(msg);
    let variant = GARBAGE[turn++ % GARBAGE.length]!;
    while (variant.types && !variant.types.includes(type)) variant = GARBAGE[turn++ % GARBAGE.length]!;
    const wrongId = Buffer.from(msg);
    if (wrongId.length >= 2) wrongId.writeUInt16BE(wrongId.readUInt16BE(0) ^ 0xffff, 0);
    // Noise first (a client must wait past it), then the malformed answer with the right id.
    for (const datagram of [Buffer.alloc(0), Buffer.of(msg[0] ?? 0), wrongId, randomBytes(40), variant.make(msg)])
      socket.send(datagram, from.port, from.address);
  });
  return {
    servers: { ...ADDRESSES },
    received,
    async stop() {
      await Promise.all([silent, garbage].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}

/** A resolv.conf naming `servers` (and a short timeout, so glibc's getaddrinfo gives up quickly), in a fresh temp dir. */
export async function writeResolvConf(servers: readonly string[]): Promise<string> {
  const file = join(await tempDir(), 'resolv.conf');
  await writeFile(file, `${servers.map((s) => `nameserver ${s}`).join('\n')}\noptions timeout:1 attempts:1\n`);
  return file;
}

/**
 * Runs the built CLI (bin/run.js) with `resolvConf` bind-mounted over /etc/resolv.conf in a
 * private mount namespace, so the child (and only it) sees that resolver. Same result shape as
 * runCli.
 */
export function runCliWithResolvConf(
  resolvConf: string,
  args: readonly string[],
  options: CliOptions = {},
): Promise<CliResult> {
  const script = 'mount --bind "$0" /etc/resolv.conf || exit 97; exec "$@"';
  return runWrapped(['unshare', '-m', 'sh', '-c', script, resolvConf, process.execPath, BIN, ...args], {
    timeoutMs: 90_000,
    ...options,
  });
}
