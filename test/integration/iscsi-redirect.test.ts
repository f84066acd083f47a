/**
 * Login redirects (status 0x0101/0x0102 with TargetAddress). tgt 1.0.85 accepts RedirectAddress
 * on a target but did not redirect logins here, so the redirecting portal is a FAKE: a minimal
 * listener (fakeRedirector below) that answers any Login Request with a redirect. Where it points
 * is a real tgt, so the session that results is real.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { startTgt, type TgtLab } from '../lab/tgt.ts';
import { IscsiSession, IscsiProtocolError } from '../../src/iscsi/index.ts';
import { encodeText } from '../../src/iscsi/text.ts';
import { serializePdu } from '../../src/iscsi/pdu.ts';

const TARGET = 'iqn.2026-11.test:redirected';
let lab: TgtLab;

before(async () => {
  lab = await startTgt();
  const tid = await lab.addTarget(TARGET);
  await lab.addLun(tid, 1, { sizeMiB: 4 });
  await lab.bindAll(tid);
});

after(async () => {
  await lab?.stop();
});

/** FAKE portal: answers the first Login Request with "target moved temporarily" to `address`. */
async function fakeRedirector(address: () => string): Promise<{ server: Server; portal: string }> {
  const server = createServer((socket) => {
    socket.once('data', (chunk) => {
      const bhs = new Uint8Array(48);
      bhs[0] = 0x23; // Login Response
      bhs[1] = chunk[1]! & 0x0c; // CSG echoed, T=0
      bhs.set(chunk.subarray(8, 14), 8); // ISID
      bhs.set(chunk.subarray(16, 20), 16); // ITT
      bhs[36] = 0x01; // status class: redirection
      bhs[37] = 0x01; // temporarily
      socket.end(
        serializePdu({ bhs, ahs: new Uint8Array(0), data: encodeText([['TargetAddress', `${address()},1`]]) }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, portal: `127.0.0.1:${(server.address() as { port: number }).port}` };
}

test('a redirect is followed to the real target, and recorded', async () => {
  const fake = await fakeRedirector(() => lab.portal);
  try {
    const s = await IscsiSession.open({ portal: fake.portal, initiatorName: 'iqn.2026-11.test:r', targetName: TARGET });
    assert.equal(s.portal, lab.portal);
    assert.deepEqual(s.redirects, [lab.portal]);
    await s.execute({ lun: 1, cdb: new Uint8Array(6), dataInLength: 0 }); // the power-on UNIT ATTENTION
    assert.equal((await s.execute({ lun: 1, cdb: new Uint8Array(6), dataInLength: 0 })).status, 0);
    await s.logout();
  } finally {
    fake.server.close();
  }
});

test('a redirect loop is an error naming the hops, not an endless reconnect', async () => {
  let self = '';
  const fake = await fakeRedirector(() => self);
  self = fake.portal;
  try {
    await assert.rejects(
      IscsiSession.open({ portal: fake.portal, initiatorName: 'iqn.2026-11.test:r', targetName: TARGET }),
      (e: unknown) =>
        e instanceof IscsiProtocolError && /redirect loop/.test(e.message) && e.message.includes(fake.portal),
    );
  } finally {
    fake.server.close();
  }
});
