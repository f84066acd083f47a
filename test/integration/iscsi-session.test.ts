/**
 * The iSCSI initiator against a real tgt (test/lab/tgt.ts) in the run's private network
 * namespace: discovery, login variants, CHAP, ACLs, data paths chosen by negotiation, digests,
 * NOP-In pings, several sessions doing a PR round, and failures (killed target, silent listener).
 * CDBs are written out by hand here (SPC-4 tables) to stay independent of src/scsi.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { startTgt, iscsiLs, type TgtLab } from '../lab/tgt.ts';
import {
  IscsiSession,
  sendTargets,
  randomIsid,
  IscsiLoginError,
  IscsiTimeoutError,
  IscsiConnectionError,
  IscsiNegotiationError,
} from '../../src/iscsi/index.ts';
import type { ScsiResponse } from '../../src/scsi/transport.ts';

const INITIATOR_A = 'iqn.2026-11.test.clusterprobe:node-a';
const INITIATOR_B = 'iqn.2026-11.test.clusterprobe:node-b';
const T_OPEN = 'iqn.2026-11.test:open';
const T_CHAP = 'iqn.2026-11.test:chap';
const T_MUTUAL = 'iqn.2026-11.test:mutual';
const T_ACL = 'iqn.2026-11.test:acl';
const T_MANY = 'iqn.2026-11.test:many';

const inquiry = (alloc = 96) => Uint8Array.of(0x12, 0, 0, 0, alloc, 0);
const reportLuns = (alloc: number) =>
  Uint8Array.of(
    0xa0,
    0,
    0,
    0,
    0,
    0,
    (alloc >>> 24) & 0xff,
    (alloc >>> 16) & 0xff,
    (alloc >>> 8) & 0xff,
    alloc & 0xff,
    0,
    0,
  );
const prIn = (sa: number, alloc = 512) => Uint8Array.of(0x5e, sa, 0, 0, 0, 0, 0, (alloc >> 8) & 0xff, alloc & 0xff, 0);
const prOut = (sa: number, type = 0) => Uint8Array.of(0x5f, sa, type, 0, 0, 0, 0, 0, 24, 0);
/** PROUT parameter list (SPC-4 6.16.3): RESERVATION KEY at 0, SERVICE ACTION RESERVATION KEY at 8
 * (the new key for REGISTER AND IGNORE EXISTING KEY, the key to preempt for PREEMPT). */
function prParams(key: bigint, saKey = 0n): Uint8Array {
  const p = new Uint8Array(24);
  const v = new DataView(p.buffer);
  v.setBigUint64(0, key);
  v.setBigUint64(8, saKey);
  return p;
}
const SA = {
  readKeys: 0,
  readReservation: 1,
  register: 0,
  reserve: 1,
  release: 2,
  preempt: 4,
  registerAndIgnore: 6,
} as const;
const WERO = 5;

/** Runs a command, retrying UNIT ATTENTION (sense key 6) the way the SCSI layer does. */
async function run(
  session: IscsiSession,
  lun: number,
  cdb: Uint8Array,
  dataInLength: number,
  dataOut?: Uint8Array,
): Promise<ScsiResponse> {
  for (let i = 0; ; i += 1) {
    const r = await session.execute({ lun, cdb, dataInLength, ...(dataOut ? { dataOut } : {}) });
    const senseKey = r.sense ? (r.sense[0]! >= 0x72 ? r.sense[1]! & 0x0f : r.sense[2]! & 0x0f) : undefined;
    if (r.status === 2 && senseKey === 6 && i < 3) continue;
    return r;
  }
}

function readKeys(data: Uint8Array): bigint[] {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const length = v.getUint32(4);
  return Array.from({ length: length / 8 }, (_, i) => v.getBigUint64(8 + i * 8));
}

let lab: TgtLab;

before(async () => {
  lab = await startTgt();
  const open = await lab.addTarget(T_OPEN);
  await lab.addLun(open, 1, { sizeMiB: 64 });
  await lab.addLun(open, 2, { sizeMiB: 16, deviceType: 'cd' });
  await lab.bindAll(open);
  const chap = await lab.addTarget(T_CHAP);
  await lab.addLun(chap, 1, { sizeMiB: 8 });
  await lab.bindAll(chap);
  await lab.addChap(chap, 'csvuser', 'chap-secret-0123');
  const mutual = await lab.addTarget(T_MUTUAL);
  await lab.addLun(mutual, 1, { sizeMiB: 8 });
  await lab.bindAll(mutual);
  await lab.addChap(mutual, 'mutualuser', 'initiator-secret-1');
  await lab.addMutualChap(mutual, 'targetuser', 'target-secret-22');
  const acl = await lab.addTarget(T_ACL);
  await lab.addLun(acl, 1, { sizeMiB: 8 });
  await lab.bindInitiator(acl, INITIATOR_A);
  const many = await lab.addTarget(T_MANY);
  for (let lun = 1; lun <= 70; lun += 1) await lab.addLun(many, lun, { sizeMiB: 1 });
  await lab.bindAll(many);
});

after(async () => {
  await lab?.stop();
});

describe('discovery', () => {
  test('SendTargets lists every target, the same set iscsi-ls reports', async () => {
    const ours = await sendTargets({ portal: lab.portal, initiatorName: INITIATOR_A });
    const names = ours.map((t) => t.name).sort();
    for (const t of [T_ACL, T_CHAP, T_MANY, T_MUTUAL, T_OPEN]) assert.ok(names.includes(t), t);
    for (const t of ours)
      assert.ok(
        t.addresses.some((a) => a.startsWith(`${lab.portal},`)),
        JSON.stringify(t),
      );
    const theirs = (await iscsiLs(lab.portal, { initiatorName: INITIATOR_A }))
      .match(/Target:(\S+)/g)!
      .map((m) => m.slice(7))
      .sort();
    assert.deepEqual(names, [...new Set(theirs)].sort());
  });
});

describe('discovery continued over several PDUs', () => {
  test('with a 512-byte MaxRecvDataSegmentLength the SendTargets answer arrives in pieces (C=1) and still parses whole', async () => {
    for (let i = 0; i < 40; i += 1)
      await lab.bindAll(
        await lab.addTarget(`iqn.2026-11.test:filler-with-a-deliberately-long-name-${String(i).padStart(3, '0')}`),
      );
    const small = await sendTargets({ portal: lab.portal, initiatorName: INITIATOR_A, maxRecvDataSegmentLength: 512 });
    const big = await sendTargets({ portal: lab.portal, initiatorName: INITIATOR_A });
    assert.ok(small.length >= 45, `${small.length} targets`);
    assert.deepEqual(small, big, 'pairs split across PDUs are joined before parsing');
  });
});

describe('login and commands', () => {
  test('login, INQUIRY, the first-command UNIT ATTENTION, TEST UNIT READY, logout', async () => {
    const s = await IscsiSession.open({ portal: lab.portal, initiatorName: INITIATOR_A, targetName: T_OPEN });
    assert.ok(s.tsih > 0);
    const first = await s.execute({ lun: 1, cdb: new Uint8Array(6), dataInLength: 0 });
    assert.equal(first.status, 2, 'tgt reports power on/reset on the first command of a session');
    assert.deepEqual([first.sense![2]! & 0x0f, first.sense![12], first.sense![13]], [6, 0x29, 0x00]);
    assert.equal((await s.execute({ lun: 1, cdb: new Uint8Array(6), dataInLength: 0 })).status, 0);
    const inq = await run(s, 1, inquiry(), 96);
    assert.equal(inq.status, 0);
    assert.equal(inq.data[0]! & 0x1f, 0x00, 'disk');
    assert.equal((await run(s, 2, inquiry(), 96)).data[0]! & 0x1f, 0x05, 'CD/DVD');
    await s.logout();
    assert.equal(s.closed, true);
  });

  test('two logouts at once (a cleanup handler and a finally block): both settle and the session closes', async () => {
    const s = await IscsiSession.open({ portal: lab.portal, initiatorName: INITIATOR_A, targetName: T_OPEN });
    const settled = await Promise.race([
      Promise.allSettled([s.logout(), s.logout()]),
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 8000).unref()),
    ]);
    assert.notEqual(settled, 'hung', 'the first logout was left waiting for a response the second took');
    assert.deepEqual(
      (settled as PromiseSettledResult<void>[]).map((r) => r.status),
      ['fulfilled', 'fulfilled'],
    );
    assert.equal(s.closed, true);
    await s.logout(); // a third, after the session closed, returns at once
  });

  test('Data-In split over several PDUs when we declare a small MaxRecvDataSegmentLength; residual on a short reply', async () => {
    const s = await IscsiSession.open({
      portal: lab.portal,
      initiatorName: INITIATOR_A,
      targetName: T_MANY,
      maxRecvDataSegmentLength: 512,
    });
    const r = await run(s, 0, reportLuns(4096), 4096);
    assert.equal(r.status, 0);
    const listLength = new DataView(r.data.buffer, r.data.byteOffset).getUint32(0);
    assert.equal(listLength, 71 * 8, 'LUN 0 plus 70 disks');
    assert.equal(r.data.length, 8 + 71 * 8);
    assert.equal(r.residual, 4096 - r.data.length);
    await s.logout();
  });

  for (const [label, params] of [
    ['immediate data', { InitialR2T: 'Yes', ImmediateData: 'Yes' }],
    ['R2T-driven Data-Out', { InitialR2T: 'Yes', ImmediateData: 'No' }],
    ['unsolicited Data-Out', { InitialR2T: 'No', ImmediateData: 'No' }],
  ] as const) {
    test(`PR OUT parameter data by ${label}`, async () => {
      const tid = await lab.addTarget(`iqn.2026-11.test:path-${label.replace(/\W+/g, '-')}`);
      await lab.addLun(tid, 1, { sizeMiB: 4 });
      await lab.bindAll(tid);
      for (const [k, v] of Object.entries(params)) await lab.setParam(tid, k, v);
      const s = await IscsiSession.open({
        portal: lab.portal,
        initiatorName: INITIATOR_A,
        targetName: `iqn.2026-11.test:path-${label.replace(/\W+/g, '-')}`,
      });
      assert.equal(s.parameters.initialR2T, params.InitialR2T === 'Yes');
      assert.equal(s.parameters.immediateData, params.ImmediateData === 'Yes');
      assert.equal((await run(s, 1, prOut(SA.registerAndIgnore), 0, prParams(0n, 0xc1a5_7e00_0000_0001n))).status, 0);
      assert.deepEqual(readKeys((await run(s, 1, prIn(SA.readKeys), 512)).data), [0xc1a5_7e00_0000_0001n]);
      assert.equal((await run(s, 1, prOut(SA.registerAndIgnore), 0, prParams(0n))).status, 0);
      assert.deepEqual(readKeys((await run(s, 1, prIn(SA.readKeys), 512)).data), []);
      await s.logout();
    });
  }

  test('CRC32C header and data digests when the target requires them', async () => {
    const tid = await lab.addTarget('iqn.2026-11.test:digests');
    await lab.addLun(tid, 1, { sizeMiB: 4 });
    await lab.bindAll(tid);
    await lab.setParam(tid, 'HeaderDigest', 'CRC32C');
    await lab.setParam(tid, 'DataDigest', 'CRC32C');
    const s = await IscsiSession.open({
      portal: lab.portal,
      initiatorName: INITIATOR_A,
      targetName: 'iqn.2026-11.test:digests',
      digests: 'require',
    });
    assert.deepEqual([s.parameters.headerDigest, s.parameters.dataDigest], [true, true]);
    assert.equal((await run(s, 1, inquiry(), 96)).status, 0);
    assert.equal((await run(s, 1, prOut(SA.registerAndIgnore), 0, prParams(0n, 7n))).status, 0);
    assert.equal((await run(s, 1, prOut(SA.registerAndIgnore), 0, prParams(0n))).status, 0);
    await s.logout();
  });

  test('NOP-In pings from the target are answered: the session survives idle time', async () => {
    const tid = await lab.addTarget('iqn.2026-11.test:nop');
    await lab.addLun(tid, 1, { sizeMiB: 4 });
    await lab.bindAll(tid);
    await lab.setParam(tid, 'nop_interval', 1);
    await lab.setParam(tid, 'nop_count', 2);
    const s = await IscsiSession.open({
      portal: lab.portal,
      initiatorName: INITIATOR_A,
      targetName: 'iqn.2026-11.test:nop',
    });
    await new Promise((r) => setTimeout(r, 3500));
    assert.equal(s.closed, false, 'tgt drops a session whose pings go unanswered');
    assert.equal((await run(s, 1, inquiry(), 96)).status, 0);
    await s.logout();
  });
});

describe('authentication and access', () => {
  test('one-way CHAP: the right secret logs in, a wrong one is an authentication failure naming the user', async () => {
    const ok = await IscsiSession.open({
      portal: lab.portal,
      initiatorName: INITIATOR_A,
      targetName: T_CHAP,
      chap: { user: 'csvuser', secret: Buffer.from('chap-secret-0123') },
    });
    assert.equal(ok.login.authenticated, 'chap');
    await ok.logout();
    await assert.rejects(
      IscsiSession.open({
        portal: lab.portal,
        initiatorName: INITIATOR_A,
        targetName: T_CHAP,
        chap: { user: 'csvuser', secret: Buffer.from('wrong-secret-999') },
      }),
      (e: unknown) =>
        e instanceof IscsiLoginError &&
        e.statusClass === 2 &&
        e.statusDetail === 1 &&
        e.message.includes('csvuser') &&
        !e.message.includes('wrong-secret-999'),
    );
    await assert.rejects(
      IscsiSession.open({ portal: lab.portal, initiatorName: INITIATOR_A, targetName: T_CHAP }),
      (e: unknown) =>
        e instanceof IscsiLoginError && e.statusName === 'authentication failure' && /configure chap/.test(e.message),
    );
  });

  test('mutual CHAP: the target proves itself; a wrong mutual secret is caught by us', async () => {
    const chap = {
      user: 'mutualuser',
      secret: Buffer.from('initiator-secret-1'),
      mutual: { user: 'targetuser', secret: Buffer.from('target-secret-22') },
    };
    const ok = await IscsiSession.open({ portal: lab.portal, initiatorName: INITIATOR_A, targetName: T_MUTUAL, chap });
    assert.equal(ok.login.authenticated, 'mutual-chap');
    await ok.logout();
    await assert.rejects(
      IscsiSession.open({
        portal: lab.portal,
        initiatorName: INITIATOR_A,
        targetName: T_MUTUAL,
        chap: { ...chap, mutual: { user: 'targetuser', secret: Buffer.from('not-the-target-secret') } },
      }),
      (e: unknown) => e instanceof IscsiNegotiationError && /mutual CHAP/.test(e.message),
    );
  });

  test('an initiator missing from the ACL gets "target not found" and the hint says it may be the ACL', async () => {
    const ok = await IscsiSession.open({ portal: lab.portal, initiatorName: INITIATOR_A, targetName: T_ACL });
    await ok.logout();
    await assert.rejects(
      IscsiSession.open({ portal: lab.portal, initiatorName: INITIATOR_B, targetName: T_ACL }),
      (e: unknown) =>
        e instanceof IscsiLoginError &&
        e.statusDetail === 3 &&
        e.message.includes(INITIATOR_B) &&
        /ACL/.test(e.message),
    );
  });

  test('a target name that does not exist is "target not found"', async () => {
    await assert.rejects(
      IscsiSession.open({ portal: lab.portal, initiatorName: INITIATOR_A, targetName: 'iqn.2026-11.test:nope' }),
      (e: unknown) => e instanceof IscsiLoginError && e.statusName === 'target not found',
    );
  });
});

describe('two node identities', () => {
  test('register, reserve, read reservation, preempt, release, unregister: keys seen by both sessions', async () => {
    const a = await IscsiSession.open({
      portal: lab.portal,
      initiatorName: INITIATOR_A,
      targetName: T_OPEN,
      isid: randomIsid(1),
    });
    const b = await IscsiSession.open({
      portal: lab.portal,
      initiatorName: INITIATOR_B,
      targetName: T_OPEN,
      isid: randomIsid(2),
    });
    const KA = 0x636c7573_74657201n;
    const KB = 0x636c7573_74657202n;
    try {
      assert.deepEqual(readKeys((await run(a, 1, prIn(SA.readKeys), 512)).data), []);
      assert.equal((await run(a, 1, prOut(SA.registerAndIgnore), 0, prParams(0n, KA))).status, 0);
      assert.equal((await run(b, 1, prOut(SA.registerAndIgnore), 0, prParams(0n, KB))).status, 0);
      assert.deepEqual(readKeys((await run(b, 1, prIn(SA.readKeys), 512)).data).sort(), [KA, KB].sort());
      assert.equal((await run(a, 1, prOut(SA.reserve, WERO), 0, prParams(KA))).status, 0);
      const rr = (await run(b, 1, prIn(SA.readReservation), 512)).data;
      const rv = new DataView(rr.buffer, rr.byteOffset, rr.byteLength);
      assert.equal(rv.getUint32(4), 16, 'a reservation is held');
      assert.equal(rv.getBigUint64(8), KA);
      assert.equal(rr[21]! & 0x0f, WERO);
      assert.equal((await run(b, 1, prOut(SA.preempt, WERO), 0, prParams(KB, KA))).status, 0);
      assert.deepEqual(readKeys((await run(b, 1, prIn(SA.readKeys), 512)).data), [KB]);
      const after = (await run(b, 1, prIn(SA.readReservation), 512)).data;
      assert.equal(new DataView(after.buffer, after.byteOffset).getBigUint64(8), KB);
      assert.equal((await run(b, 1, prOut(SA.release, WERO), 0, prParams(KB))).status, 0);
    } finally {
      await run(b, 1, prOut(SA.registerAndIgnore), 0, prParams(0n));
      await run(a, 1, prOut(SA.registerAndIgnore), 0, prParams(0n));
      assert.deepEqual(readKeys((await run(a, 1, prIn(SA.readKeys), 512)).data), []);
      await a.logout();
      await b.logout();
    }
  });

  test('PERSISTENT RESERVE IN on a CD LUN: CHECK CONDITION invalid command operation code (PR not implemented)', async () => {
    const s = await IscsiSession.open({ portal: lab.portal, initiatorName: INITIATOR_A, targetName: T_OPEN });
    const r = await run(s, 2, prIn(SA.readKeys), 512);
    assert.equal(r.status, 2);
    assert.deepEqual([r.sense![2]! & 0x0f, r.sense![12], r.sense![13]], [5, 0x20, 0x00]);
    await s.logout();
  });
});

describe('failures never hang', () => {
  test('a listener that accepts and never answers: the login times out naming the step', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    await assert.rejects(
      IscsiSession.open({
        portal: `127.0.0.1:${port}`,
        initiatorName: INITIATOR_A,
        targetName: T_OPEN,
        timeouts: { loginMs: 500 },
      }),
      (e: unknown) => e instanceof IscsiTimeoutError && e.step === 'login' && e.message.includes(`127.0.0.1:${port}`),
    );
    assert.ok(Date.now() - started < 3000);
    silent.close();
  });

  test('nothing listening: connection refused, named', async () => {
    const probe: Server = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await assert.rejects(
      IscsiSession.open({ portal: `127.0.0.1:${port}`, initiatorName: INITIATOR_A, targetName: T_OPEN }),
      (e: unknown) => e instanceof IscsiConnectionError && e.step === 'connect' && /refused/.test(e.message),
    );
  });

  test('a frozen target times out the command; killing it fails the session at once', async () => {
    const own = await startTgt();
    try {
      const tid = await own.addTarget('iqn.2026-11.test:doomed');
      await own.addLun(tid, 1, { sizeMiB: 4 });
      await own.bindAll(tid);
      const s = await IscsiSession.open({
        portal: own.portal,
        initiatorName: INITIATOR_A,
        targetName: 'iqn.2026-11.test:doomed',
        timeouts: { commandMs: 700 },
      });
      await run(s, 1, new Uint8Array(6), 0);
      process.kill(own.pid, 'SIGSTOP');
      await assert.rejects(
        s.execute({ lun: 1, cdb: inquiry(), dataInLength: 96 }),
        (e: unknown) => e instanceof IscsiTimeoutError && e.step === 'command' && /INQUIRY/.test(e.message),
      );
      const started = Date.now();
      const pending = assert.rejects(
        s.execute({ lun: 1, cdb: inquiry(), dataInLength: 96 }),
        (e: unknown) => e instanceof IscsiConnectionError && e.step === 'command' && e.message.includes(own.portal),
      );
      await own.kill();
      await pending;
      assert.ok(Date.now() - started < 700, 'the reset fails the command before its own timeout');
      assert.equal(s.closed, true);
    } finally {
      await own.stop();
    }
  });
});

describe('connect time limit', () => {
  test('a portal whose accept queue is full (SYNs dropped) times out at the connect step', async () => {
    const { spawn } = await import('node:child_process');
    // A listener that never accepts, with a backlog of 0: after two connections fill the queue,
    // the kernel drops further SYNs, which is what a firewall that drops port 3260 looks like.
    const py = spawn(
      'python3',
      [
        '-c',
        'import socket,sys,time\ns=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(0); print(s.getsockname()[1], flush=True); time.sleep(30)',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const port = Number(
        await new Promise<string>((r) => py.stdout!.once('data', (d: Buffer) => r(d.toString().trim()))),
      );
      const fillers = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')];
      for (const f of fillers) f.on('error', () => undefined);
      await new Promise((r) => setTimeout(r, 200));
      const started = Date.now();
      await assert.rejects(
        IscsiSession.open({
          portal: `127.0.0.1:${port}`,
          initiatorName: INITIATOR_A,
          targetName: T_OPEN,
          timeouts: { connectMs: 800 },
        }),
        (e: unknown) =>
          e instanceof IscsiTimeoutError && e.step === 'connect' && e.message.includes(`127.0.0.1:${port}`),
      );
      assert.ok(Date.now() - started < 3000);
      for (const f of fillers) f.destroy();
    } finally {
      py.kill('SIGKILL');
    }
  });
});

describe('asynchronous messages', () => {
  /**
   * tgt never sends an Async Message by itself, so a FAKE hop sits between us and the real tgt:
   * a TCP proxy (injectingProxy) that forwards both ways and can slip a PDU of its own into the
   * target-to-initiator stream while the session is idle.
   */
  async function injectingProxy(target: string) {
    const [host, port] = [target.split(':')[0]!, Number(target.split(':')[1])];
    let toInitiator: Socket | undefined;
    const s = createServer((client) => {
      toInitiator = client;
      const upstream = connect(port, host);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return {
      portal: `127.0.0.1:${(s.address() as { port: number }).port}`,
      inject: (bytes: Uint8Array) => toInitiator!.write(bytes),
      close: () => s.close(),
    };
  }

  test('a logout request (AsyncEvent 1) makes the session log out and refuse new commands', async () => {
    const proxy = await injectingProxy(lab.portal);
    try {
      const s = await IscsiSession.open({ portal: proxy.portal, initiatorName: INITIATOR_A, targetName: T_OPEN });
      await run(s, 1, new Uint8Array(6), 0);
      const async = new Uint8Array(48);
      async[0] = 0x32; // Async Message
      async[1] = 0x80;
      async.fill(0xff, 16, 20); // ITT reserved
      async[36] = 1; // AsyncEvent: target requests logout
      async[43] = 2; // Parameter3: Time2Wait
      proxy.inject(async);
      const started = Date.now();
      while (!s.closed && Date.now() - started < 3000) await new Promise((r) => setTimeout(r, 20));
      assert.equal(s.closed, true, 'the session logged out');
      assert.deepEqual(
        s.asyncEvents.map((e) => e.event),
        [1],
      );
      await assert.rejects(s.execute({ lun: 1, cdb: new Uint8Array(6), dataInLength: 0 }));
    } finally {
      proxy.close();
    }
  });
});
