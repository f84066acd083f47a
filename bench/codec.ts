/**
 * The byte codec in the hot paths, without I/O: SCSI Command PDUs built and serialised, Data-In
 * and SCSI Response PDUs decoded, standard INQUIRY data, PR OUT CDBs and parameter lists, SIDs
 * decoded and encoded, a security descriptor recorded from Samba. Prints one JSON line of
 * operations per CPU-second for each: the best round, the estimate least disturbed by other
 * processes on a shared machine.
 *
 *   sh scripts/with-node.sh node bench/codec.ts [ITERATIONS] [ROUNDS]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeSecurityDescriptor } from '../src/facts/ad-security/sd.ts';
import { decodeSid, encodeSid } from '../src/facts/ad-security/sid.ts';
import {
  buildScsiCommand,
  decodeDataIn,
  decodeScsiResponse,
  OPCODE,
  serializePdu,
  type Pdu,
} from '../src/iscsi/pdu.ts';
import { buildPersistentReserveOutCdb } from '../src/scsi/cdb.ts';
import { decodeStandardInquiry } from '../src/scsi/inquiry.ts';
import { buildProutParameterList } from '../src/scsi/pr.ts';

const iterations = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 9);

/** Bytes set by hand (not through the codec under test), so the bench runs against any version. */
function bhs(opcode: number, fields: Record<number, number>): Uint8Array {
  const b = new Uint8Array(48);
  b[0] = opcode;
  for (const [offset, value] of Object.entries(fields)) {
    const o = Number(offset);
    b[o] = value >>> 24;
    b[o + 1] = value >>> 16;
    b[o + 2] = value >>> 8;
    b[o + 3] = value;
  }
  return b;
}

const inquiry = new Uint8Array(96);
inquiry.set([0x00, 0x00, 0x06, 0x12, 91, 0x00, 0x00, 0x02]);
inquiry.set(new TextEncoder().encode('IET     VIRTUAL-DISK    0001'), 8);

const dataIn: Pdu = {
  bhs: bhs(OPCODE.DataIn, { 16: 7, 20: 0xffffffff, 24: 42, 28: 43, 32: 170, 36: 0, 40: 0, 44: 0 }),
  ahs: new Uint8Array(0),
  data: inquiry,
};
dataIn.bhs[1] = 0x81;
const sense = Uint8Array.of(0, 18, 0x70, 0, 0x06, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x2a, 0x03, 0, 0, 0, 0);
const response: Pdu = {
  bhs: bhs(OPCODE.ScsiResponse, { 16: 7, 24: 42, 28: 43, 32: 170, 36: 0, 44: 0 }),
  ahs: new Uint8Array(0),
  data: sense,
};
response.bhs[3] = 0x02;
const sidBytes = encodeSid('S-1-5-21-3623811015-3361044348-30300820-1013');
const sd = readFileSync(fileURLToPath(new URL('../test/fixtures/samba/sd-ou-default-dacl.bin', import.meta.url)));

let sink = 0;
const cases: Record<string, () => void> = {
  'pdu.scsiCommand.encode': () => {
    const pdu = buildScsiCommand({
      final: true,
      read: true,
      write: false,
      lun: 1,
      initiatorTaskTag: 7,
      expectedDataTransferLength: 96,
      cmdSN: 41,
      expStatSN: 42,
      cdb: Uint8Array.of(0x12, 0, 0, 0, 96, 0),
    });
    sink += serializePdu(pdu).length;
  },
  'pdu.dataIn.decode': () => {
    sink += decodeDataIn(dataIn).statSN;
  },
  'pdu.scsiResponse.decode': () => {
    sink += decodeScsiResponse(response).sense!.length;
  },
  'scsi.inquiry.decode': () => {
    sink += decodeStandardInquiry(inquiry).peripheralDeviceType;
  },
  'scsi.prOut.encode': () => {
    sink += buildPersistentReserveOutCdb({ serviceAction: 6, parameterListLength: 24 }).length;
    sink += buildProutParameterList({ reservationKey: 0x6370n, serviceActionReservationKey: 0x6371n }).length;
  },
  'ad.sid.decode': () => {
    sink += decodeSid(sidBytes).length;
  },
  'ad.sid.encode': () => {
    sink += encodeSid('S-1-5-21-3623811015-3361044348-30300820-1013').length;
  },
  'ad.sd.decode': () => {
    sink += decodeSecurityDescriptor(sd).dacl!.aces.length;
  },
};

const opsPerSec: Record<string, number> = {};
for (const [name, run] of Object.entries(cases)) {
  const n = name === 'ad.sd.decode' ? Math.ceil(iterations / 20) : iterations;
  for (let i = 0; i < n; i++) run(); // warm-up: let the JIT settle before timing
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // CPU time, not wall time: other processes on a shared machine stretch the wall clock.
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) run();
    const used = process.cpuUsage(t0);
    rates.push(n / ((used.user + used.system) / 1e6));
  }
  opsPerSec[name] = Math.round(Math.max(...rates));
}
console.log(JSON.stringify({ bench: 'codec', iterations, rounds, opsPerSec, sink: sink > 0 }));
