/**
 * The DNS client's socket lifecycle (src/ad/dns.ts queryOnce, lookupSrv, lookupAddresses): every
 * way a query can end settles one promise, closes the socket once, clears the timer and never
 * sends on a closed or unconnected socket; nothing throws out of a socket callback. Run inside the
 * lab's network namespace (`sh test/lab/netns.sh`), where 192.0.2.53 has no route.
 * Garbage answers are fuzzed with fast-check from a UDP server on 127.0.0.1.
 */
import { after, afterEach, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { DnsError, encodeQuery, lookupAddresses, lookupSrv, queryOnce } from '../../src/ad/dns.ts';
import { GARBAGE } from '../lab/resolvers.ts';

// Every uncaught exception or unhandled rejection while these tests run is a failure of the client.
const escaped: unknown[] = [];
const onEscape = (err: unknown) => escaped.push(err);
before(() => {
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
});
after(() => {
  process.off('uncaughtException', onEscape);
  process.off('unhandledRejection', onEscape);
});

// Spies on the dgram prototype: what was sent, on which socket state; restored after each test.
const originalSend = Socket.prototype.send;
const originalConnect = Socket.prototype.connect;
const originalClose = Socket.prototype.close;
let sends: { closed: boolean }[] = [];
let closes = 0;
const closedSockets = new WeakSet<Socket>();
beforeEach(() => {
  sends = [];
  closes = 0;
  escaped.length = 0;
  Socket.prototype.send = function (this: Socket, ...args: unknown[]) {
    sends.push({ closed: closedSockets.has(this) });
    return (originalSend as (...a: unknown[]) => void).apply(this, args);
  } as typeof Socket.prototype.send;
  Socket.prototype.close = function (this: Socket, ...args: unknown[]) {
    closes += 1;
    closedSockets.add(this);
    return (originalClose as (...a: unknown[]) => Socket).apply(this, args);
  } as typeof Socket.prototype.close;
});
afterEach(() => {
  Socket.prototype.send = originalSend;
  Socket.prototype.connect = originalConnect;
  Socket.prototype.close = originalClose;
});

/** Lets pending callbacks, ticks and short timers run. */
const settle = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));

/** The UDP sockets and timers this process holds now. */
function resources(): { udp: number; timers: number } {
  const info = process.getActiveResourcesInfo();
  return { udp: info.filter((r) => r === 'UDPWrap').length, timers: info.filter((r) => r === 'Timeout').length };
}

/** No more sockets or timers than before (sockets of earlier tests may still be closing then). */
function assertNoMore(now: ReturnType<typeof resources>, before: ReturnType<typeof resources>, message?: string): void {
  assert.ok(
    now.udp <= before.udp && now.timers <= before.timers,
    `${message ?? 'resources'}: ${JSON.stringify({ now, before })}`,
  );
}

const QUERY = encodeQuery(0x4242, 'hv01.lab.example.test', 1);

test('a socket closed by the timer never sends, even when the connect callback comes after', async () => {
  // The race the crash came from: the connect callback runs after the timer closed the socket.
  // Node itself drops the callback of a socket closed before it connected; a callback that comes
  // late anyway (another runtime, a future Node) must find the query settled and send nothing.
  Socket.prototype.connect = function (this: Socket, _port: number, _address: string, callback?: () => void) {
    setTimeout(() => callback?.(), 80);
  } as typeof Socket.prototype.connect;
  await settle();
  const before = resources();
  await assert.rejects(
    queryOnce('127.0.0.1:9', QUERY, 0x4242, 10),
    (err: NodeJS.ErrnoException) => err.code === 'ETIMEOUT',
  );
  await settle(150);
  assert.deepEqual(sends, [], 'nothing sent');
  assert.equal(closes, 1, 'closed once');
  assert.deepEqual(escaped, []);
  assertNoMore(resources(), before, 'no socket or timer left');
});

test('a connect error (no route: 192.0.2.53 in the lab namespace) rejects with its code and sends nothing', async () => {
  await settle();
  const before = resources();
  await assert.rejects(
    queryOnce('192.0.2.53', QUERY, 0x4242, 2000),
    (err: NodeJS.ErrnoException) => err.code === 'ENETUNREACH' || err.code === 'EHOSTUNREACH',
  );
  await settle();
  assert.deepEqual(sends, []);
  assert.equal(closes, 1);
  assert.deepEqual(escaped, []);
  assertNoMore(resources(), before);
  // Through the lookups: a DnsError naming the server and what happened; AAAA is not asked again.
  const err = await lookupAddresses('hv01.lab.example.test', {
    servers: ['192.0.2.53'],
    timeoutMs: 2000,
    tries: 2,
  }).then(
    () => assert.fail('resolved'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof DnsError);
  assert.equal(err.code, 'ENETUNREACH');
  assert.equal(err.server, '192.0.2.53');
  assert.match(err.message, /^A hv01\.lab\.example\.test via 192\.0\.2\.53: no route to the DNS server/);
  assert.deepEqual(
    err.failures.map((f) => [f.server, f.code]),
    [['192.0.2.53', 'ENETUNREACH']],
  );
  assert.equal(closes, 2, 'one socket for A, none for AAAA');
});

test('a connect error passed to the callback (any errno) is the rejection, not a send on an unconnected socket', async () => {
  Socket.prototype.connect = function (
    this: Socket,
    _port: number,
    _address: string,
    callback?: (err?: Error) => void,
  ) {
    process.nextTick(() => callback?.(Object.assign(new Error('connect EHOSTUNREACH'), { code: 'EHOSTUNREACH' })));
  } as typeof Socket.prototype.connect;
  await assert.rejects(
    queryOnce('127.0.0.1:9', QUERY, 0x4242, 1000),
    (err: NodeJS.ErrnoException) => err.code === 'EHOSTUNREACH',
  );
  await settle();
  assert.deepEqual([sends, closes, escaped], [[], 1, []]);
  const err = await lookupSrv('_ldap._tcp.dc._msdcs.lab.example.test', {
    servers: ['127.0.0.1:9', '127.0.0.1:10'],
    timeoutMs: 500,
    tries: 2,
  }).catch((e: unknown) => e);
  assert.ok(err instanceof DnsError);
  assert.equal(err.code, 'EHOSTUNREACH');
  assert.deepEqual(
    err.failures.map((f) => f.server),
    ['127.0.0.1:9', '127.0.0.1:10'],
    'each server once, then the next',
  );
  assert.match(
    err.message,
    /127\.0\.0\.1:9: no route to the DNS server \(host unreachable\); 127\.0\.0\.1:10: no route/,
  );
});

test('send throwing, or failing in its callback, rejects; a bad server string rejects; each closes once', async () => {
  Socket.prototype.send = function () {
    throw Object.assign(new Error('boom'), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
  } as typeof Socket.prototype.send;
  await assert.rejects(queryOnce('127.0.0.1:9', QUERY, 0x4242, 1000), /boom/);
  Socket.prototype.send = function (this: Socket, _msg: unknown, callback?: (err: Error | null) => void) {
    process.nextTick(() => callback?.(Object.assign(new Error('send EPERM'), { code: 'EPERM' })));
  } as typeof Socket.prototype.send;
  await assert.rejects(
    queryOnce('127.0.0.1:9', QUERY, 0x4242, 1000),
    (err: NodeJS.ErrnoException) => err.code === 'EPERM',
  );
  const eperm = await lookupAddresses('hv01.lab.example.test', { servers: ['127.0.0.1:9'], timeoutMs: 500 }).catch(
    (e: unknown) => e,
  );
  assert.ok(eperm instanceof DnsError);
  assert.deepEqual([eperm.code, eperm.detail], ['ESOCKET', 'the query could not be sent (EPERM)']);
  Socket.prototype.send = originalSend;
  await assert.rejects(
    queryOnce('127.0.0.1:99999', QUERY, 0x4242, 1000),
    (err: NodeJS.ErrnoException) => err.code === 'ERR_SOCKET_BAD_PORT',
  );
  await settle();
  assert.equal(closes, 4);
  assert.deepEqual(escaped, []);
});

test('nothing on the port: ECONNREFUSED at once (ICMP port unreachable), the server named', async () => {
  const started = performance.now();
  const err = await lookupSrv('_ldap._tcp.dc._msdcs.lab.example.test', {
    servers: ['127.0.0.1:9'],
    timeoutMs: 3000,
  }).catch((e: unknown) => e);
  assert.ok(err instanceof DnsError);
  assert.deepEqual([err.code, err.server], ['ECONNREFUSED', '127.0.0.1:9']);
  assert.ok(performance.now() - started < 1000, 'no wait for the timeout');
  assert.deepEqual(escaped, []);
});

/** A UDP server on 127.0.0.1 that answers each query with what `answer` makes of it. */
async function udpServer(
  answer: (query: Buffer) => readonly Buffer[],
): Promise<{ server: string; close: () => Promise<void> }> {
  const socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    for (const d of answer(msg)) socket.send(d, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return {
    server: `127.0.0.1:${(socket.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

test('silent server: both tries time out, one failure for the server, no socket or timer left', async () => {
  const silent = await udpServer(() => []);
  try {
    await settle();
    await settle();
    const before = resources();
    const err = await lookupAddresses('hv01.lab.example.test', {
      servers: [silent.server],
      timeoutMs: 100,
      tries: 2,
    }).catch((e: unknown) => e);
    assert.ok(err instanceof DnsError);
    assert.deepEqual([err.code, err.failures.length], ['ETIMEOUT', 1]);
    assert.equal(sends.length, 2, 'A twice, AAAA not asked');
    await settle();
    assertNoMore(resources(), before);
  } finally {
    await silent.close();
  }
});

test("the lab garbage resolver's answers: each is EBADRESP naming the server, never a throw", async () => {
  const codes = new Set<string>();
  for (const variant of GARBAGE) {
    const garbage = await udpServer((q) => [Buffer.alloc(0), Buffer.of(q[0]!), variant.make(q)]);
    try {
      for (const lookup of [
        () => lookupSrv('_ldap._tcp.dc._msdcs.lab.example.test', { servers: [garbage.server], timeoutMs: 300 }),
        () => lookupAddresses('hv01.lab.example.test', { servers: [garbage.server], timeoutMs: 300 }),
      ]) {
        const outcome = await lookup().then(
          (r: unknown[]) => r,
          (e: unknown) => e,
        );
        // Garbage gives no data: an empty list at most (an SRV record is not an address), else a DnsError.
        if (Array.isArray(outcome)) assert.deepEqual(outcome, [], variant.name);
        else {
          assert.ok(outcome instanceof DnsError, `${variant.name}: ${String(outcome)}`);
          assert.equal(outcome.server, garbage.server, variant.name);
          codes.add(outcome.code);
        }
      }
      assert.ok(codes.has('EBADRESP'), `${variant.name}: ${[...codes].join(', ')}`);
      codes.clear();
    } finally {
      await garbage.close();
    }
  }
  assert.deepEqual(escaped, []);
});

/** A DNS-shaped datagram: a header (any flags, small counts) then names, pointers and random bytes. */
const dnsish = (id: number) =>
  fc
    .tuple(
      fc.integer({ min: 0, max: 0xffff }),
      fc.tuple(fc.nat(3), fc.nat(5), fc.nat(2), fc.nat(2)),
      fc.array(
        fc.oneof(
          fc.constant(Buffer.of(0)),
          fc.integer({ min: 0, max: 0x3fff }).map((o) => Buffer.of(0xc0 | (o >> 8), o & 0xff)),
          fc.string({ maxLength: 70 }).map((l) => Buffer.concat([Buffer.of(l.length), Buffer.from(l, 'latin1')])),
          fc.constantFrom(1, 28, 33, 5).map((type) => Buffer.of(0, type, 0, 1, 0, 0, 0, 60)),
          fc.integer({ min: 0, max: 0xffff }).map((n) => Buffer.of(n >> 8, n & 0xff)),
          fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
        ),
        { maxLength: 20 },
      ),
    )
    .map(([flags, [qd, an, ns, ar], parts]) => {
      const h = Buffer.alloc(12);
      h.writeUInt16BE(id, 0);
      h.writeUInt16BE(flags | 0x8000, 2);
      h.writeUInt16BE(qd, 4);
      h.writeUInt16BE(an, 6);
      h.writeUInt16BE(ns, 8);
      h.writeUInt16BE(ar, 10);
      return Buffer.concat([h, ...parts]);
    });

type Part = 'dnsish' | { readonly kind: 'rightId' | 'wrongId' | 'raw'; readonly body: Buffer };

/** What the server sends for one query: DNS-shaped garbage with the query's id, bytes after the right or a wrong id, runts. */
const reply: fc.Arbitrary<Part[]> = fc.array<Part>(
  fc.oneof(
    { weight: 3, arbitrary: fc.constant('dnsish' as const) },
    {
      weight: 2,
      arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => ({ kind: 'rightId' as const, body: Buffer.from(b) })),
    },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => ({ kind: 'wrongId' as const, body: Buffer.from(b) })),
    },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ maxLength: 3 }).map((b) => ({ kind: 'raw' as const, body: Buffer.from(b) })),
    },
  ),
  { maxLength: 4 },
);

test('fuzz: any garbage answer resolves or rejects with a DnsError naming the server, never throws outside the promise', async () => {
  let plan: { parts: Part[]; seed: number } = { parts: [], seed: 0 };
  const server = await udpServer((q) => {
    if (q.length < 2) return [];
    const id = q.readUInt16BE(0);
    return plan.parts.map((p, i) => {
      if (p === 'dnsish') return fc.sample(dnsish(id), { seed: plan.seed + i, numRuns: 1 })[0]!;
      const { kind, body } = p;
      if (kind === 'raw') return body;
      const idBytes = Buffer.alloc(2);
      idBytes.writeUInt16BE(kind === 'rightId' ? id : id ^ 0x5a5a);
      return Buffer.concat([idBytes, body]);
    });
  });
  Socket.prototype.send = originalSend;
  Socket.prototype.close = originalClose;
  try {
    await settle();
    await settle();
    const before = resources();
    await fc.assert(
      fc.asyncProperty(reply, fc.integer(), fc.boolean(), async (parts, seed, srv) => {
        plan = { parts, seed };
        const options = { servers: [server.server], timeoutMs: 60, tries: 1 };
        try {
          const result = srv
            ? await lookupSrv('_ldap._tcp.dc._msdcs.lab.example.test', options)
            : await lookupAddresses('hv01.lab.example.test', options);
          assert.ok(Array.isArray(result));
        } catch (err) {
          assert.ok(err instanceof DnsError, `not a DnsError: ${String(err)}`);
          assert.equal(err.server, server.server);
        }
        assert.deepEqual(escaped, []);
      }),
      { numRuns: 300 },
    );
    await settle(100);
    assertNoMore(resources(), before, 'every socket closed, every timer cleared');
  } finally {
    await server.close();
  }
});
