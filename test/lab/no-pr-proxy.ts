/**
 * A FAKE hop in front of the real tgt that makes its disk LUNs answer like the review's IET
 * (OpenFiler) target: no SCSI-3 persistent reservations, SCSI-2 RESERVE(6)/RELEASE(6) still there.
 * tgt has no switch to turn PR off on a disk LUN, so this TCP proxy rewrites the operation code
 * of every SCSI Command PDU carrying PERSISTENT RESERVE IN (0x5E) or OUT (0x5F) to 0xC5, an
 * unassigned code: tgt itself then answers CHECK CONDITION, ILLEGAL REQUEST, INVALID COMMAND
 * OPERATION CODE (05/20/00), and REPORT SUPPORTED OPERATION CODES still reports RESERVE(6).
 * Everything else passes through untouched, both ways.
 *
 * Framing (RFC 7143 11.2): a 48-byte BHS, TotalAHSLength (byte 4) words of AHS, then
 * DataSegmentLength (bytes 5-7) bytes padded to 4. No digests: the initiator must not negotiate
 * HeaderDigest/DataDigest through this proxy (clusterprobe offers None first).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

const SCSI_COMMAND = 0x01;
const CDB_OFFSET = 32;
const PR_IN = 0x5e;
const PR_OUT = 0x5f;
const UNASSIGNED = 0xc5;

export interface NoPrProxy {
  readonly portal: string;
  /** PR commands rewritten so far. */
  readonly rewritten: () => number;
  close(): Promise<void>;
}

/** Splits the initiator's byte stream into PDUs and rewrites PR opcodes; returns the bytes to forward. */
function rewriter(onRewrite: () => void): (chunk: Buffer) => Buffer {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    const out: Buffer[] = [];
    while (pending.length >= 48) {
      const ahs = pending[4]! * 4;
      const dsl = pending.readUIntBE(5, 3);
      const total = 48 + ahs + ((dsl + 3) & ~3);
      if (pending.length < total) break;
      const pdu = Buffer.from(pending.subarray(0, total));
      if ((pdu[0]! & 0x3f) === SCSI_COMMAND && (pdu[CDB_OFFSET] === PR_IN || pdu[CDB_OFFSET] === PR_OUT)) {
        pdu[CDB_OFFSET] = UNASSIGNED;
        onRewrite();
      }
      out.push(pdu);
      pending = pending.subarray(total);
    }
    return Buffer.concat(out);
  };
}

export async function startNoPrProxy(targetPortal: string): Promise<NoPrProxy> {
  const [host, port] = [targetPortal.split(':')[0]!, Number(targetPortal.split(':')[1])];
  let count = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, host);
    sockets.add(client).add(upstream);
    const rewrite = rewriter(() => (count += 1));
    client.on('data', (chunk: Buffer) => upstream.write(rewrite(chunk)));
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    portal: `127.0.0.1:${(server.address() as { port: number }).port}`,
    rewritten: () => count,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
