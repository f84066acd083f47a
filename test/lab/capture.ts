/**
 * Regenerates the byte fixtures in test/fixtures/tgt/ from real traffic: starts tgt (test/lab/tgt.ts),
 * runs libiscsi's tools against it while tcpdump records loopback, then splits the TCP streams into
 * iSCSI PDUs and SCSI exchanges and writes annotated JSON plus raw per-direction streams.
 *
 *   sh scripts/with-node.sh sh test/lab/netns.sh node test/lab/capture.ts [--out DIR] [--pcap FILE] [--list]
 *
 * --out   where to write (default test/fixtures/tgt)
 * --pcap  also keep the raw capture there
 * --list  print every captured PDU (a transcript) to stdout
 *
 * Needs root (or a user namespace from netns.sh) for tcpdump; see test/fixtures/tgt/README.md.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile, mkdir, rm, copyFile, readdir, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  startTgt,
  runTool,
  findTool,
  track,
  iscsiUrl,
  LabError,
  type TgtLab,
  type DeviceType,
  type RunResult,
} from './tgt.ts';
import { readPcap, tcpConnections, segmentAt, type TcpConnection } from './pcap.ts';
import {
  splitPdus,
  describePdu,
  describeCdb,
  decodeSense,
  textKeys,
  hex,
  cdbLength,
  SCSI_STATUS,
  OPCODE_NAMES,
  type RawPdu,
  type Digests,
} from './iscsi-annotate.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const IQN = 'iqn.2026-11.test.clusterprobe';
const INITIATOR = `${IQN}:capture-initiator`;
const NODE_A = `${IQN}:node-a`;
const NODE_B = `${IQN}:node-b`;
const CHAP = { user: 'labuser', secret: 'lab-secret-0123' };
const TARGET_CHAP = { user: 'tgtuser', secret: 'tgt-secret-4567' };

interface LunSpec {
  lun: number;
  sizeMiB: number;
  deviceType: DeviceType;
}

interface TargetSpec {
  key: string;
  iqn: string;
  luns: LunSpec[];
  chap?: boolean;
  mutual?: boolean;
  allow?: string;
  params?: [string, string][];
  what: string;
}

/** Targets present from the start. More are added by later steps (see `lateTargets`). */
const TARGETS: TargetSpec[] = [
  {
    key: 'main',
    iqn: `${IQN}:capture`,
    luns: [
      { lun: 1, sizeMiB: 64, deviceType: 'disk' },
      { lun: 2, sizeMiB: 20, deviceType: 'disk' },
      { lun: 3, sizeMiB: 8, deviceType: 'cd' },
    ],
    what: 'no authentication, all initiators',
  },
  {
    key: 'chap',
    iqn: `${IQN}:capture-chap`,
    luns: [{ lun: 1, sizeMiB: 16, deviceType: 'disk' }],
    chap: true,
    what: `one-way CHAP, account ${CHAP.user}`,
  },
  {
    key: 'mutual',
    iqn: `${IQN}:capture-mutual`,
    luns: [{ lun: 1, sizeMiB: 4, deviceType: 'disk' }],
    chap: true,
    mutual: true,
    what: `CHAP account ${CHAP.user}, outgoing (mutual) account ${TARGET_CHAP.user}`,
  },
  {
    key: 'acl',
    iqn: `${IQN}:capture-acl`,
    luns: [{ lun: 1, sizeMiB: 4, deviceType: 'disk' }],
    allow: NODE_A,
    what: `initiator ACL: only ${NODE_A}`,
  },
];

const lateTargets: TargetSpec[] = [
  {
    key: 'tape',
    iqn: `${IQN}:capture-tape`,
    luns: [{ lun: 1, sizeMiB: 4, deviceType: 'tape' }],
    what: 'a tape LUN (--device-type tape, plain file)',
  },
  {
    key: 'r2t',
    iqn: `${IQN}:capture-r2t`,
    luns: [{ lun: 1, sizeMiB: 4, deviceType: 'disk' }],
    params: [['ImmediateData', 'No']],
    what: 'ImmediateData=No, InitialR2T=Yes: write data only after R2T',
  },
  {
    key: 'unsolicited',
    iqn: `${IQN}:capture-unsolicited`,
    luns: [{ lun: 1, sizeMiB: 4, deviceType: 'disk' }],
    params: [
      ['ImmediateData', 'No'],
      ['InitialR2T', 'No'],
    ],
    what: 'ImmediateData=No, InitialR2T=No: unsolicited Data-Out',
  },
  {
    key: 'digest',
    iqn: `${IQN}:capture-digest`,
    luns: [{ lun: 1, sizeMiB: 4, deviceType: 'disk' }],
    params: [
      ['HeaderDigest', 'CRC32C,None'],
      ['DataDigest', 'CRC32C,None'],
    ],
    what: 'HeaderDigest/DataDigest CRC32C,None',
  },
  {
    key: 'mrdsl',
    iqn: `${IQN}:capture-mrdsl`,
    luns: [{ lun: 1, sizeMiB: 4, deviceType: 'disk' }],
    params: [['MaxRecvDataSegmentLength', '65536']],
    what: 'MaxRecvDataSegmentLength=65536 set on the target',
  },
  {
    key: 'nop',
    iqn: `${IQN}:capture-nop`,
    luns: [{ lun: 1, sizeMiB: 4, deviceType: 'disk' }],
    params: [
      ['nop_interval', '1'],
      ['nop_count', '5'],
    ],
    what: 'nop_interval=1: tgt pings with NOP-In every second',
  },
];

interface Step {
  id: string;
  /** What the step shows, for notes. */
  note: string;
  tool: string;
  args: string[];
  env?: Record<string, string>;
  /** Failure expected (login refused...). */
  expectFailure?: boolean;
  before?: (lab: TgtLab) => Promise<void>;
  timeoutMs?: number;
}

function steps(lab: TgtLab, addTargets: (specs: TargetSpec[]) => Promise<void>): Step[] {
  const t = (key: string) => [...TARGETS, ...lateTargets].find((x) => x.key === key)!.iqn;
  const url = (key: string, lun: number, chap?: { user: string; secret: string }) =>
    iscsiUrl(lab.portal, t(key), lun, chap);
  const inq = (id: string, note: string, u: string, extra: string[] = [], initiator = INITIATOR): Step => ({
    id,
    note,
    tool: 'iscsi-inq',
    args: ['-i', initiator, ...extra, u],
  });
  // iscsi-test-cu exits 1 when a test fails; the failures on tgt are known (see LAB.md).
  const cu = (id: string, note: string, test: string, u: string, expectFailure = false): Step => ({
    id,
    note,
    expectFailure,
    tool: 'iscsi-test-cu',
    args: ['--dataloss', '-i', NODE_A, '-I', NODE_B, '-t', test, u],
    timeoutMs: 60_000,
  });
  const out: Step[] = [
    {
      id: 'discovery',
      note: 'iscsi-ls: discovery session, SendTargets=All (the ACL target is hidden from this initiator)',
      tool: 'iscsi-ls',
      args: ['-i', INITIATOR, iscsiUrl(lab.portal)],
    },
    {
      id: 'discovery-acl',
      note: `iscsi-ls as ${NODE_A}: SendTargets also lists the ACL target`,
      tool: 'iscsi-ls',
      args: ['-i', NODE_A, iscsiUrl(lab.portal)],
    },
  ];
  for (const lun of [0, 1, 2, 3])
    out.push(inq(`inquiry-lun${lun}`, `iscsi-inq: standard INQUIRY of LUN ${lun}`, url('main', lun)));
  for (const [lun, pages] of [
    [1, [0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2]],
    [0, [0x00, 0x80, 0x83]],
    [3, [0x00, 0x80, 0x83]],
  ] as const) {
    for (const page of pages) {
      const p = `0x${page.toString(16).padStart(2, '0')}`;
      out.push(
        inq(`vpd-${p}-lun${lun}`, `iscsi-inq -e 1 -c ${p}: VPD page ${p} of LUN ${lun}`, url('main', lun), [
          '-e',
          '1',
          '-c',
          String(page),
        ]),
      );
    }
  }
  out.push(
    inq(
      'vpd-0x83-chap-lun1',
      'iscsi-inq -e 1 -c 0x83 on the second target (tid 2): NAA ids derive from tid and LUN',
      url('chap', 1, CHAP),
      ['-e', '1', '-c', String(0x83)],
    ),
  );
  for (const lun of [1, 2])
    out.push({
      id: `readcapacity16-lun${lun}`,
      note: `iscsi-readcapacity16 on LUN ${lun}`,
      tool: 'iscsi-readcapacity16',
      args: ['-i', INITIATOR, url('main', lun)],
    });
  out.push({
    id: 'ls-luns',
    note: 'iscsi-ls -s with CHAP credentials: discovery, then a normal session per target (TEST UNIT READY, INQUIRY, READ CAPACITY(10), REPORT LUNS); no logout from the normal sessions',
    tool: 'iscsi-ls',
    args: ['-s', '-i', INITIATOR, iscsiUrl(lab.portal, undefined, undefined, CHAP)],
  });
  out.push(
    inq('chap', 'iscsi-inq with one-way CHAP, right secret', url('chap', 1, CHAP)),
    {
      ...inq(
        'chap-wrong-secret',
        'iscsi-inq with a wrong CHAP secret: Login Response 0x0201',
        url('chap', 1, { user: CHAP.user, secret: 'wrong-secret-000' }),
      ),
      expectFailure: true,
    },
    {
      ...inq('chap-no-credentials', 'iscsi-inq without credentials to a CHAP target', url('chap', 1)),
      expectFailure: true,
    },
    inq(
      'mutual-chap',
      'iscsi-inq with mutual CHAP (target_user/target_password URL arguments)',
      `${url('mutual', 1, CHAP)}?target_user=${TARGET_CHAP.user}&target_password=${TARGET_CHAP.secret}`,
    ),
    inq(
      'mutual-chap-not-asked',
      'iscsi-inq with one-way CHAP to a target that has an outgoing account: tgt does not insist on mutual CHAP',
      url('mutual', 1, CHAP),
    ),
    {
      ...inq(
        'mutual-chap-wrong-target-secret',
        'iscsi-inq expecting another target secret: the initiator rejects the CHAP_R of the target and drops the connection',
        `${url('mutual', 1, CHAP)}?target_user=${TARGET_CHAP.user}&target_password=not-the-secret-0`,
      ),
      expectFailure: true,
    },
    inq('acl-allowed', `iscsi-inq as ${NODE_A}, allowed by the ACL`, url('acl', 1), [], NODE_A),
    {
      ...inq(
        'acl-refused',
        `iscsi-inq as ${NODE_B}, not in the ACL: tgt answers 0x0203 target not found`,
        url('acl', 1),
        [],
        NODE_B,
      ),
      expectFailure: true,
    },
    {
      ...inq(
        'no-such-target',
        'iscsi-inq to a target name tgt does not have: 0x0203',
        iscsiUrl(lab.portal, `${IQN}:does-not-exist`, 1),
      ),
      expectFailure: true,
    },
    cu('pr-read-keys', 'iscsi-test-cu ALL.PrinReadKeys.Simple (disk LUN 1)', 'ALL.PrinReadKeys.Simple', url('main', 1)),
    cu(
      'pr-read-keys-truncate',
      'iscsi-test-cu ALL.PrinReadKeys.Truncate (disk LUN 1)',
      'ALL.PrinReadKeys.Truncate',
      url('main', 1),
    ),
    cu(
      'pr-report-capabilities',
      'iscsi-test-cu ALL.PrinReportCapabilities.Simple (disk LUN 1)',
      'ALL.PrinReportCapabilities.Simple',
      url('main', 1),
    ),
    cu(
      'pr-in-service-actions',
      'iscsi-test-cu ALL.PrinServiceactionRange.Range: PRIN SA 0-3 and reserved ones (READ FULL STATUS is refused)',
      'ALL.PrinServiceactionRange.Range',
      url('main', 1),
      true,
    ),
    cu(
      'pr-register',
      'iscsi-test-cu ALL.ProutRegister.Simple (disk LUN 1)',
      'ALL.ProutRegister.Simple',
      url('main', 1),
    ),
    cu('pr-reserve', 'iscsi-test-cu ALL.ProutReserve.Simple (disk LUN 1)', 'ALL.ProutReserve.Simple', url('main', 1)),
    cu(
      'pr-access-wero',
      'iscsi-test-cu ALL.ProutReserve.AccessWERO: two initiators, RESERVATION CONFLICT for the unregistered one',
      'ALL.ProutReserve.AccessWERO',
      url('main', 1),
    ),
    cu(
      'pr-ownership-wero',
      'iscsi-test-cu ALL.ProutReserve.OwnershipWERO: fails on tgt with UNIT ATTENTION 2A/04',
      'ALL.ProutReserve.OwnershipWERO',
      url('main', 1),
      true,
    ),
    cu(
      'pr-preempt',
      'iscsi-test-cu ALL.ProutPreempt.RemoveRegistration (disk LUN 1)',
      'ALL.ProutPreempt.RemoveRegistration',
      url('main', 1),
    ),
    cu('pr-clear', 'iscsi-test-cu ALL.ProutClear.Simple (disk LUN 1)', 'ALL.ProutClear.Simple', url('main', 1)),
    cu(
      'pr-cd',
      'iscsi-test-cu ALL.PrinReadKeys.Simple on the CD LUN: its probe gets PERSISTENT RESERVE IN refused (05/20/00) and skips',
      'ALL.PrinReadKeys.Simple',
      url('main', 3),
    ),
    {
      ...inq('inquiry-tape', 'iscsi-inq: standard INQUIRY of a tape LUN', url('tape', 1)),
      before: () => addTargets(lateTargets),
    },
    cu(
      'pr-register-r2t',
      'iscsi-test-cu ALL.ProutRegister.Simple with ImmediateData=No: PROUT parameter data after an R2T',
      'ALL.ProutRegister.Simple',
      url('r2t', 1),
    ),
    cu(
      'pr-register-unsolicited',
      'iscsi-test-cu ALL.ProutRegister.Simple with ImmediateData=No, InitialR2T=No: unsolicited Data-Out',
      'ALL.ProutRegister.Simple',
      url('unsolicited', 1),
    ),
    inq(
      'header-digest',
      'iscsi-inq with header_digest=crc32c to a target offering CRC32C: every PDU after login carries a header digest',
      `${url('digest', 1)}?header_digest=crc32c`,
    ),
    inq(
      'login-mrdsl',
      'iscsi-inq to a target whose MaxRecvDataSegmentLength was raised to 65536: does tgt declare it in the login response?',
      url('mrdsl', 1),
    ),
    {
      id: 'nop',
      note: 'iscsi-perf for 2.5 s on a target with nop_interval=1: tgt sends NOP-In pings, libiscsi answers with NOP-Out',
      tool: 'iscsi-perf',
      args: ['-i', INITIATOR, '-m', '1', '-b', '1', '-t', '2', url('nop', 1)],
      timeoutMs: 20_000,
    },
    {
      id: 'discovery-many',
      note: 'iscsi-ls discovery with 150 targets of long names: the SendTargets answer exceeds 8192 bytes',
      tool: 'iscsi-ls',
      args: ['-i', INITIATOR, iscsiUrl(lab.portal)],
      before: async () => {
        const many: TargetSpec[] = [];
        for (let i = 0; i < 150; i++)
          many.push({
            key: `many${i}`,
            iqn: `${IQN}:a-long-target-name-to-fill-the-sendtargets-answer-${String(i).padStart(3, '0')}`,
            luns: [],
            what: 'filler',
          });
        await addTargets(many);
      },
    },
  );
  return out;
}

// ---------------------------------------------------------------------------------------------

interface StepRun {
  step: Step;
  startMicros: number;
  endMicros: number;
  result: RunResult;
}

interface Session {
  id: string;
  step: StepRun;
  conn: TcpConnection;
  sessionType: string;
  target?: string;
  initiator?: string;
  digests: Digests;
  pdus: RawPdu[];
  exchanges: Exchange[];
  /** Bytes left over at the end of a direction (a PDU cut off by the connection closing). */
  rest: { toTarget: number; toInitiator: number };
}

interface Exchange {
  session: Session;
  lun: number;
  itt: number;
  cdb: Uint8Array;
  command: { kind: string; text: string };
  edtl: number;
  dataOut: Uint8Array[];
  dataOutHow: Set<string>;
  dataIn: { offset: number; data: Uint8Array }[];
  status?: number;
  sense?: Uint8Array;
  residual?: { kind: 'underflow' | 'overflow'; count: number };
  pdus: RawPdu[];
}

const micros = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function startTcpdump(port: number, file: string): Promise<{ stop: () => Promise<string> }> {
  const path = findTool('tcpdump');
  const child = track(
    spawn(
      path,
      [
        '-i',
        'lo',
        '-n',
        '-s',
        '0',
        '--immediate-mode',
        '-B',
        '131072',
        '-U',
        '-Z',
        'root',
        '-w',
        file,
        `tcp port ${port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    ),
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 10_000;
  while (!/listening on/.test(stderr)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new LabError(
        'LAB_TCPDUMP',
        `tcpdump did not start (capturing needs root or CAP_NET_RAW; run through test/lab/netns.sh):\n${stderr}`,
      );
    }
    await sleep(20);
  }
  return {
    async stop() {
      // --immediate-mode hands each packet over at once; still give the last FIN/ACK a moment.
      await sleep(300);
      child.kill('SIGINT');
      await exited;
      return stderr;
    },
  };
}

function merge(conn: TcpConnection, up: RawPdu[], down: RawPdu[]): RawPdu[] {
  const order = (p: RawPdu) => {
    const flow = p.direction === 'initiator->target' ? conn.toServer : conn.toClient;
    return segmentAt(flow, p.offset + p.bytes.length - 1)?.packetIndex ?? Number.MAX_SAFE_INTEGER;
  };
  return [...up.map((p) => ({ p, k: order(p) })), ...down.map((p) => ({ p, k: order(p) }))]
    .sort((a, b) => a.k - b.k || a.p.offset - b.p.offset)
    .map((x) => x.p);
}

const u32 = (b: Uint8Array, o: number) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).readUInt32BE(o);

function buildSession(id: string, step: StepRun, conn: TcpConnection): Session {
  if (conn.toServer.gaps || conn.toClient.gaps)
    throw new LabError(
      'LAB_CAPTURE_GAP',
      `connection ${id} has gaps in its TCP stream: packets were lost by the capture`,
    );
  // Login PDUs never carry digests; the target's login responses say whether later PDUs do.
  const negotiated: Record<string, string> = {};
  const none: Digests = { header: false, data: false };
  for (const p of splitPdus(conn.toClient.bytes, 'target->initiator', () => none).pdus) {
    if (p.opcode !== 0x23) break;
    for (const [k, val] of textKeys(p.data)) negotiated[k] = val;
  }
  const digests: Digests = { header: negotiated.HeaderDigest === 'CRC32C', data: negotiated.DataDigest === 'CRC32C' };
  const afterLogin = (loginOpcode: number) => {
    let inFfp = false;
    return (opcode: number): Digests => {
      if (opcode !== loginOpcode) inFfp = true;
      return inFfp ? digests : none;
    };
  };
  const down = splitPdus(conn.toClient.bytes, 'target->initiator', afterLogin(0x23));
  const up = splitPdus(conn.toServer.bytes, 'initiator->target', afterLogin(0x03));
  const pdus = merge(conn, up.pdus, down.pdus);
  const loginKeys = new Map<string, string>();
  for (const p of up.pdus) if (p.opcode === 0x03) for (const [k, v] of textKeys(p.data)) loginKeys.set(k, v);
  const session: Session = {
    id,
    step,
    conn,
    sessionType: loginKeys.get('SessionType') ?? 'Normal',
    target: loginKeys.get('TargetName'),
    initiator: loginKeys.get('InitiatorName'),
    digests,
    pdus,
    exchanges: [],
    rest: { toTarget: up.rest, toInitiator: down.rest },
  };
  const open = new Map<number, Exchange>();
  for (const p of pdus) {
    const b = p.header;
    switch (p.opcode) {
      case 0x01: {
        const cdb = b.slice(32, 32 + cdbLength(b[32]!));
        const ex: Exchange = {
          session,
          lun: b[9]!,
          itt: p.itt,
          cdb,
          command: describeCdb(cdb),
          edtl: u32(b, 20),
          dataOut: [],
          dataOutHow: new Set(),
          dataIn: [],
          pdus: [p],
        };
        if (p.data.length) {
          ex.dataOut.push(p.data);
          ex.dataOutHow.add('immediate data');
        }
        open.set(p.itt, ex);
        session.exchanges.push(ex);
        break;
      }
      case 0x05: {
        const ex = open.get(p.itt);
        if (!ex) break;
        ex.pdus.push(p);
        ex.dataOut.push(p.data);
        ex.dataOutHow.add(u32(b, 20) === 0xffffffff ? 'unsolicited Data-Out' : 'Data-Out after R2T');
        break;
      }
      case 0x31:
        open.get(p.itt)?.pdus.push(p);
        break;
      case 0x25: {
        const ex = open.get(p.itt);
        if (!ex) break;
        ex.pdus.push(p);
        ex.dataIn.push({ offset: u32(b, 40), data: p.data });
        if (p.flags & 0x01) {
          ex.status = b[3]!;
          if (p.flags & 0x06) ex.residual = { kind: p.flags & 0x04 ? 'overflow' : 'underflow', count: u32(b, 44) };
        }
        break;
      }
      case 0x21: {
        const ex = open.get(p.itt);
        if (!ex) break;
        ex.pdus.push(p);
        ex.status = b[3]!;
        if (p.flags & 0x06) ex.residual = { kind: p.flags & 0x04 ? 'overflow' : 'underflow', count: u32(b, 44) };
        if (p.data.length >= 2) ex.sense = p.data.slice(2, 2 + ((p.data[0]! << 8) | p.data[1]!));
        open.delete(p.itt);
        break;
      }
    }
  }
  return session;
}

function concatIn(ex: Exchange): Uint8Array {
  const parts = [...ex.dataIn].sort((a, b) => a.offset - b.offset);
  const end = parts.reduce((m, p) => Math.max(m, p.offset + p.data.length), 0);
  const out = new Uint8Array(end);
  for (const p of parts) out.set(p.data, p.offset);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts.map((p) => Buffer.from(p))));
}

// ---------------------------------------------------------------------------------------------

interface Versions {
  tgt: string;
  libiscsi: string;
  tgtPackage: string;
  libiscsiPackage: string;
}

async function versions(): Promise<Versions> {
  const pkg = async (name: string) =>
    (
      await runTool('dpkg-query', ['-W', '-f', '${Version}', name], { allowFailure: true }).catch(() => null)
    )?.stdout.trim() || 'unknown';
  const tgt = (await runTool('tgtd', ['--version'], { allowFailure: true })).stdout.trim() || 'unknown';
  const libiscsiPackage = await pkg('libiscsi-bin');
  return { tgt, tgtPackage: await pkg('tgt'), libiscsi: libiscsiPackage.replace(/-[^-]+$/, ''), libiscsiPackage };
}

function lunWhat(spec: TargetSpec | undefined, lun: number): string {
  if (!spec) return `LUN ${lun}`;
  if (lun === 0) return `controller LUN 0 of ${spec.iqn}`;
  const l = spec.luns.find((x) => x.lun === lun);
  if (!l) return `LUN ${lun} of ${spec.iqn}`;
  const kind = { disk: 'disk', cd: 'CD (--device-type cd)', tape: 'tape (--device-type tape)' }[l.deviceType];
  return `${kind} LUN ${lun} of ${spec.iqn}, ${l.sizeMiB} MiB sparse file backing`;
}

function shortLun(spec: TargetSpec | undefined, lun: number): string {
  if (lun === 0) return 'controller LUN 0';
  const l = spec?.luns.find((x) => x.lun === lun);
  return l ? `${{ disk: 'disk', cd: 'CD', tape: 'tape' }[l.deviceType]} LUN ${lun}` : `LUN ${lun}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, pcap: { type: 'string' }, list: { type: 'boolean' } },
  });
  const outDir = resolve(values.out ?? join(ROOT, 'test/fixtures/tgt'));
  if (process.env.CLUSTERPROBE_NETNS !== '1')
    process.stderr.write("capture: not inside test/lab/netns.sh; capturing on the machine's own loopback\n");
  findTool('tcpdump');
  const v = await versions();
  const work = await mkdtemp(join(tmpdir(), 'clusterprobe-capture-'));
  const pcapFile = join(work, 'capture.pcap');
  try {
    await captureInto(work, pcapFile, outDir, v, values);
  } catch (e) {
    process.stderr.write(
      `capture: failed; the work directory ${work} (tgtd log, capture.pcap) is kept for inspection\n`,
    );
    throw e;
  }
  await rm(work, { recursive: true, force: true });
}

async function captureInto(
  work: string,
  pcapFile: string,
  outDir: string,
  v: Versions,
  values: { pcap?: string; list?: boolean },
): Promise<void> {
  const lab = await startTgt({ dir: work });
  const specs = new Map<string, TargetSpec>();
  const addTargets = async (list: TargetSpec[]) => {
    for (const s of list) {
      const tid = await lab.addTarget(s.iqn);
      specs.set(s.iqn, s);
      for (const l of s.luns) await lab.addLun(tid, l.lun, { sizeMiB: l.sizeMiB, deviceType: l.deviceType });
      if (s.allow) await lab.bindInitiator(tid, s.allow);
      else await lab.bindAll(tid);
      if (s.chap) await lab.addChap(tid, CHAP.user, CHAP.secret);
      if (s.mutual) await lab.addMutualChap(tid, TARGET_CHAP.user, TARGET_CHAP.secret);
      for (const [n, val] of s.params ?? []) await lab.setParam(tid, n, val);
    }
  };
  const runs: StepRun[] = [];
  const tcpdump = { stats: '' };
  try {
    await addTargets(TARGETS);
    const dump = await startTcpdump(lab.port, pcapFile);
    try {
      for (const step of steps(lab, addTargets)) {
        await step.before?.(lab);
        await sleep(30);
        const startMicros = micros();
        const result = await runTool(step.tool, step.args, {
          allowFailure: true,
          timeoutMs: step.timeoutMs ?? 15_000,
          env: step.env,
        });
        await sleep(30);
        const endMicros = micros();
        runs.push({ step, startMicros, endMicros, result });
        const failed = result.exitCode !== 0;
        if (failed !== !!step.expectFailure) {
          throw new LabError(
            'LAB_CAPTURE_STEP',
            `step ${step.id}: ${result.command} ${failed ? `failed (${result.exitCode})` : 'succeeded'} unexpectedly\n${result.stderr}\n${result.stdout}`,
          );
        }
        process.stderr.write(`capture: ${step.id} (${Math.round((endMicros - startMicros) / 1000)} ms)\n`);
      }
    } finally {
      tcpdump.stats = await dump.stop();
    }
  } finally {
    await lab.stop();
  }
  const dropped = /(\d+) packets? dropped by kernel/.exec(tcpdump.stats);
  if (dropped && dropped[1] !== '0')
    throw new LabError('LAB_CAPTURE_DROPPED', `tcpdump dropped packets: ${tcpdump.stats}`);

  const packets = readPcap(await readFile(pcapFile));
  const captured = /(\d+) packets? captured/.exec(tcpdump.stats);
  if (captured && Number(captured[1]) !== packets.length)
    throw new LabError(
      'LAB_CAPTURE_COUNT',
      `tcpdump says ${captured[1]} packets captured, the file holds ${packets.length}`,
    );
  const conns = tcpConnections(packets).filter((c) => c.server.port === lab.port);
  const sessions: Session[] = [];
  for (const run of runs) {
    const mine = conns.filter((c) => c.startMicros >= run.startMicros && c.startMicros <= run.endMicros);
    mine.forEach((c, i) =>
      sessions.push(buildSession(mine.length > 1 ? `${run.step.id}#${i + 1}` : run.step.id, run, c)),
    );
  }
  const orphans = conns.filter((c) => !sessions.some((s) => s.conn === c));
  if (orphans.length)
    throw new LabError('LAB_CAPTURE_ORPHAN', `${orphans.length} connection(s) fall outside every step window`);
  for (const s of sessions) {
    if (s.rest.toTarget || s.rest.toInitiator)
      process.stderr.write(
        `capture: ${s.id}: ${s.rest.toTarget}/${s.rest.toInitiator} trailing bytes not a whole PDU\n`,
      );
  }

  if (values.list) {
    for (const s of sessions) {
      process.stdout.write(
        `\n== ${s.id} (${s.sessionType}${s.target ? ` ${s.target}` : ''}, initiator ${s.initiator}, digests ${JSON.stringify(s.digests)})\n`,
      );
      const cdbOf = cdbNamer(s);
      for (const p of s.pdus)
        process.stdout.write(
          `${p.direction === 'initiator->target' ? ' I->T' : ' T->I'} ${String(p.bytes.length).padStart(6)}  ${describePdu(p, cdbOf)}\n`,
        );
    }
  }

  await mkdir(outDir, { recursive: true });
  for (const f of await readdir(outDir))
    if (/^stream-.*\.bin$/.test(f) || /\.json$/.test(f)) await unlink(join(outDir, f));
  const written = await writeFixtures(outDir, sessions, specs, v);
  if (values.pcap) await copyFile(pcapFile, resolve(values.pcap));
  process.stderr.write(
    `capture: ${packets.length} packets, ${sessions.length} sessions, wrote ${written.join(', ')} to ${outDir}\n`,
  );
}

/** Names Data-In, R2T, Data-Out and responses by the command they belong to (ITTs get reused). */
function cdbNamer(s: Session): (p: RawPdu) => string | undefined {
  const names = new Map<RawPdu, string>();
  for (const ex of s.exchanges) for (const p of ex.pdus) names.set(p, ex.command.text);
  return (p) => names.get(p);
}

// ---------------------------------------------------------------------------------------------

interface ScsiEntry {
  name: string;
  command: string;
  target: string;
  lun: number;
  cdb: string;
  dataOut?: string;
  dataOutTransfer?: string;
  dataIn?: string;
  /** Only for long data-in before a non-GOOD status (see STALE_DATA_IN_LIMIT). */
  dataInLength?: number;
  dataInHead?: string;
  status: string;
  statusCode: number;
  sense?: string;
  senseDecoded?: string;
  residual?: { kind: 'underflow' | 'overflow'; count: number };
  expectedDataTransferLength: number;
  session: string;
  notes: string;
}

/** Longer data-in before a non-GOOD status is summarised, not stored. */
const STALE_DATA_IN_LIMIT = 1024;
/** Exchanges whose PDUs add up to more than this are left out of pdus.json (they stay in the streams). */
const PDU_EXCHANGE_LIMIT = 8192;

interface PduEntry {
  name: string;
  direction: string;
  hex: string;
  session: string;
  notes: string;
}

async function writeFixtures(
  outDir: string,
  sessions: Session[],
  specs: Map<string, TargetSpec>,
  v: Versions,
): Promise<string[]> {
  const written: string[] = [];
  const source = {
    tgt: `${v.tgt} (Debian package tgt ${v.tgtPackage})`,
    libiscsi: `${v.libiscsi} (Debian package libiscsi-bin ${v.libiscsiPackage})`,
    generatedBy: 'test/lab/capture.ts (see README.md)',
  };
  const via = (s: Session) => `tgt ${v.tgt} via ${s.step.step.tool} (libiscsi ${v.libiscsi})`;
  const scsiEntry = (ex: Exchange): ScsiEntry => {
    const spec = ex.session.target ? specs.get(ex.session.target) : undefined;
    const dataIn = concatIn(ex);
    const sense = ex.sense && ex.sense.length ? decodeSense(ex.sense) : undefined;
    const statusName =
      ex.status === undefined ? 'no response captured' : (SCSI_STATUS[ex.status] ?? `0x${ex.status.toString(16)}`);
    const e: ScsiEntry = {
      name: `${ex.command.kind}, ${shortLun(spec, ex.lun)}${spec && spec.key !== 'main' ? ` of ${spec.iqn.slice(IQN.length + 1)}` : ''}${ex.status !== 0 ? `: ${statusName}${sense ? ` ${sense.text.split(' ')[0]}` : ''}` : ''}`,
      command: ex.command.text,
      target: ex.session.target ?? '',
      lun: ex.lun,
      cdb: hex(ex.cdb),
      status: statusName,
      statusCode: ex.status ?? -1,
      expectedDataTransferLength: ex.edtl,
      session: ex.session.id,
      notes: `${via(ex.session)}; ${lunWhat(spec, ex.lun)}; step: ${ex.session.step.step.note}`,
    };
    if (ex.dataOut.length) {
      e.dataOut = hex(concat(ex.dataOut));
      e.dataOutTransfer = [...ex.dataOutHow].join(' + ');
    }
    if (dataIn.length > STALE_DATA_IN_LIMIT && ex.status !== 0) {
      // tgt sometimes sends a whole allocation length of stale buffer contents before a CHECK CONDITION.
      e.dataInLength = dataIn.length;
      e.dataInHead = hex(dataIn.subarray(0, 64));
      e.notes += `; tgt sent ${dataIn.length} bytes of Data-In (stale buffer contents, F=1 without S) before the CHECK CONDITION: only the first 64 are kept here, the full exchange is in the capture`;
    } else if (dataIn.length) {
      e.dataIn = hex(dataIn);
    }
    if (ex.sense && ex.sense.length) {
      e.sense = hex(ex.sense);
      if (sense) e.senseDecoded = sense.text;
    }
    if (ex.residual) e.residual = ex.residual;
    return e;
  };

  const allExchanges = sessions.flatMap((s) => s.exchanges);
  /**
   * Exact duplicates dropped, then at most `max` entries per command kind, target, LUN, outcome
   * and visible shape (data length, how data-out travelled, PROUT's and READ RESERVATION's
   * scope/type byte). A short read that is kept keeps its re-issue right after it.
   */
  const uniq = (list: Exchange[], max = 1000) => {
    const seen = new Set<string>();
    const perKind = new Map<string, number>();
    const kept = new Set<Exchange>();
    const inList = new Set(list);
    const fullKey = (ex: Exchange) =>
      [
        ex.session.target,
        ex.lun,
        hex(ex.cdb),
        hex(concat(ex.dataOut)),
        hex(concatIn(ex)),
        ex.status,
        ex.sense ? hex(ex.sense) : '',
      ].join('|');
    for (const ex of list) {
      const key = fullKey(ex);
      if (seen.has(key)) continue;
      const dataIn = concatIn(ex);
      const shape = [
        dataIn.length,
        [...ex.dataOutHow].join('+'),
        ex.cdb[0] === 0x5f ? ex.cdb[2] : '',
        ex.cdb[0] === 0x5e && (ex.cdb[1]! & 0x1f) === 1 ? dataIn[21] : '',
      ].join('|');
      const k = [
        ex.command.kind,
        ex.session.target,
        ex.lun,
        ex.status,
        ex.sense ? decodeSense(ex.sense)?.text : '',
        shape,
      ].join('|');
      if ((perKind.get(k) ?? 0) >= max) continue;
      seen.add(key);
      perKind.set(k, (perKind.get(k) ?? 0) + 1);
      kept.add(ex);
      const next = ex.session.exchanges[ex.session.exchanges.indexOf(ex) + 1];
      if (
        next &&
        inList.has(next) &&
        next.command.kind === ex.command.kind &&
        next.edtl > ex.edtl &&
        dataIn.length === ex.edtl &&
        !seen.has(fullKey(next))
      ) {
        seen.add(fullKey(next));
        kept.add(next);
      }
    }
    return list.filter((ex) => kept.has(ex)).map(scsiEntry);
  };
  const write = async (file: string, description: string, entries: unknown[]) => {
    await writeFile(join(outDir, file), `${JSON.stringify({ description, source, entries }, null, 2)}\n`);
    written.push(`${file} (${entries.length})`);
  };
  const kindIs = (re: RegExp) => allExchanges.filter((ex) => re.test(ex.command.kind));

  await write(
    'inquiry.json',
    'Standard INQUIRY (EVPD=0): CDB and data-in as tgt answered, per device type and allocation length.',
    uniq(
      kindIs(/^INQUIRY$/).filter((ex) => ex.session.step.step.tool !== 'iscsi-ls'),
      2,
    ),
  );
  await write(
    'vpd.json',
    'INQUIRY with EVPD=1: VPD pages 0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2 (and whatever else the tools asked), per LUN.',
    uniq(kindIs(/^INQUIRY VPD/), 2),
  );
  await write(
    'report-luns.json',
    'REPORT LUNS: a 16-byte first read (list longer than the allocation) and the re-issue with the full length.',
    uniq(kindIs(/^REPORT LUNS$/), 2),
  );
  await write(
    'read-capacity.json',
    'READ CAPACITY(10) and READ CAPACITY(16) (SERVICE ACTION IN(16) SA 0x10).',
    uniq(kindIs(/^READ CAPACITY/), 2),
  );
  await write(
    'test-unit-ready.json',
    'TEST UNIT READY: GOOD, and the UNIT ATTENTION 29/00 tgt gives on the first command to each LUN of a session.',
    uniq(kindIs(/^TEST UNIT READY$/), 2),
  );
  await write(
    'persistent-reserve-in.json',
    'PERSISTENT RESERVE IN: READ KEYS, READ RESERVATION, REPORT CAPABILITIES with and without registrations; READ FULL STATUS and reserved service actions refused; PR IN on a CD LUN refused.',
    uniq(kindIs(/^PERSISTENT RESERVE IN/), 2),
  );
  await write(
    'persistent-reserve-out.json',
    'PERSISTENT RESERVE OUT with its 24-byte parameter list (dataOut), sent as immediate data, after R2T, or as unsolicited Data-Out.',
    uniq(kindIs(/^PERSISTENT RESERVE OUT/), 2),
  );
  const checkConditions = uniq(
    allExchanges.filter((ex) => ex.status !== undefined && ex.status !== 0),
    2,
  );
  await write(
    'sense.json',
    'Every distinct non-GOOD completion seen: CHECK CONDITION with its sense bytes (fixed format), RESERVATION CONFLICT without sense.',
    checkConditions,
  );
  const other = uniq(
    allExchanges.filter(
      (ex) =>
        ex.status === 0 &&
        !/^(INQUIRY|REPORT LUNS|READ CAPACITY|TEST UNIT READY|PERSISTENT RESERVE)/.test(ex.command.kind),
    ),
    2,
  );
  await write(
    'other-commands.json',
    'Other commands libiscsi sent while probing, completed GOOD (MODE SENSE, REPORT SUPPORTED OPERATION CODES, READ/WRITE of one block...); their failures are in sense.json.',
    other,
  );

  // Whole PDUs.
  // Chosen PDUs with the reason; written afterwards in capture order.
  const taken = new Map<RawPdu, string>();
  const addPdu = (_s: Session, p: RawPdu, why: string) => {
    if (!taken.has(p)) taken.set(p, why);
  };
  const byId = (id: string) => sessions.find((s) => s.id === id);
  const wholeSessions: [string, string][] = [
    ['discovery', 'discovery session: login, SendTargets, logout'],
    ['inquiry-lun1', 'normal session without authentication: login, INQUIRY, logout'],
    ['chap', 'one-way CHAP login'],
    ['chap-wrong-secret', 'CHAP login with a wrong secret'],
    ['chap-no-credentials', 'login without credentials to a CHAP target'],
    ['mutual-chap', 'mutual CHAP login'],
    ['mutual-chap-wrong-target-secret', 'mutual CHAP where the initiator rejects the target'],
    ['acl-refused', 'login refused by the initiator ACL'],
    ['no-such-target', 'login to a missing target'],
    ['header-digest', 'session with CRC32C header digests'],
    ['login-mrdsl', 'login where tgt answers T=0 once (it declares MaxRecvDataSegmentLength when set away from 8192)'],
  ];
  for (const [id, why] of wholeSessions) {
    const s = byId(id);
    if (!s) throw new LabError('LAB_CAPTURE_MISSING', `no session captured for step ${id}`);
    for (const p of s.pdus) addPdu(s, p, why);
  }
  // One exchange per command kind and outcome: its Command, R2T, Data-Out, Data-In and Response PDUs.
  const kinds = new Set<string>();
  for (const ex of allExchanges) {
    const sense = ex.sense && ex.sense.length ? decodeSense(ex.sense)?.text.split(' ')[0] : '';
    const k = `${ex.command.kind}|${ex.status}|${sense}|${[...ex.dataOutHow].join('+')}|${ex.session.digests.header}`;
    if (kinds.has(k)) continue;
    if (ex.pdus.reduce((n, p) => n + p.bytes.length, 0) > PDU_EXCHANGE_LIMIT) continue;
    kinds.add(k);
    for (const p of ex.pdus) addPdu(ex.session, p, `${ex.command.kind} exchange`);
  }
  // Everything else by opcode and flags the first time it appears: NOP-In/Out, logout, Text continuation, Reject, Async.
  const seenShape = new Set<string>();
  for (const s of sessions) {
    for (const p of s.pdus) {
      if (p.opcode === 0x01 || p.opcode === 0x25 || p.opcode === 0x21 || p.opcode === 0x05 || p.opcode === 0x31)
        continue;
      const shape = `${p.opcode}|${p.flags}|${p.immediate}|${p.opcode === 0x20 || p.opcode === 0x00 ? u32(p.header, 20) === 0xffffffff : ''}`;
      if (seenShape.has(shape)) continue;
      seenShape.add(shape);
      addPdu(s, p, `first ${OPCODE_NAMES[p.opcode] ?? 'PDU'} of this shape`);
    }
  }
  const textMany = byId('discovery-many');
  if (textMany)
    for (const p of textMany.pdus)
      if (p.opcode === 0x04 || p.opcode === 0x24) addPdu(textMany, p, 'SendTargets with 150 long target names');
  const pduEntries: PduEntry[] = [];
  for (const s of sessions) {
    const cdbOf = cdbNamer(s);
    for (const p of s.pdus) {
      const why = taken.get(p);
      if (why === undefined) continue;
      pduEntries.push({
        name: describePdu(p, cdbOf),
        direction: p.direction,
        hex: hex(p.bytes),
        session: s.id,
        notes: `${why}; ${via(s)}${s.digests.header || s.digests.data ? `; digests ${JSON.stringify(s.digests)}` : ''}; step: ${s.step.step.note}`,
      });
    }
  }
  await write(
    'pdus.json',
    'Whole iSCSI PDUs (BHS + AHS + digests + padded data segment) as captured, in capture order per session. Header/data digests only where the session negotiated them.',
    pduEntries,
  );

  // Raw streams per direction for framer tests.
  const streamSpecs: [string, string][] = [
    ['discovery', 'discovery session: login, SendTargets=All, logout'],
    [
      'inquiry-lun1',
      'normal session: login, TEST UNIT READY (UNIT ATTENTION 29/00, retried), INQUIRY 64 then 66 bytes, logout',
    ],
    [
      'ls-luns#4',
      'iscsi-ls -s normal session: security stage (AuthMethod=None), REPORT LUNS 16 then 40 bytes, per LUN TEST UNIT READY/INQUIRY/READ CAPACITY(10); closed without logout',
    ],
    ['chap', 'one-way CHAP login, INQUIRY, logout'],
    ['mutual-chap', 'mutual CHAP login, INQUIRY, logout'],
    [
      'pr-reserve#2',
      'iscsi-test-cu ALL.ProutReserve.Simple: PROUT with immediate data, PR IN READ RESERVATION for every type',
    ],
    ['pr-register-r2t#2', 'PROUT parameter data after R2T (ImmediateData=No)'],
    ['pr-register-unsolicited#2', 'PROUT parameter data as unsolicited Data-Out (ImmediateData=No, InitialR2T=No)'],
    [
      'pr-cd#1',
      'CD LUN: CHECK CONDITION 05/20/00 for PR IN, READ CAPACITY(16), REPORT SUPPORTED OPERATION CODES (a 65535-byte Data-In of stale bytes first, padded to 65536) and MODE SENSE',
    ],
    ['header-digest', 'CRC32C header digests after login'],
    [
      'login-mrdsl',
      'operational stage in two rounds: tgt answers T=0 with MaxRecvDataSegmentLength=65536, then T=1 with no keys',
    ],
    ['discovery-many', 'SendTargets answer of 19 KiB in one Text Response'],
  ];
  const index: unknown[] = [];
  for (const [id, what] of streamSpecs) {
    const s = byId(id) ?? byId(id.replace(/#\d+$/, ''));
    if (!s) throw new LabError('LAB_CAPTURE_MISSING', `no session ${id} to save as a stream`);
    const base = `stream-${s.id.replace(/#/, '-')}`;
    const pdus = s.pdus;
    await writeFile(join(outDir, `${base}.initiator-to-target.bin`), s.conn.toServer.bytes);
    await writeFile(join(outDir, `${base}.target-to-initiator.bin`), s.conn.toClient.bytes);
    const cdbOf = cdbNamer(s);
    index.push({
      name: base,
      what,
      files: {
        'initiator->target': `${base}.initiator-to-target.bin`,
        'target->initiator': `${base}.target-to-initiator.bin`,
      },
      target: s.target ?? null,
      sessionType: s.sessionType,
      digests: s.digests,
      notes: `${via(s)}; step: ${s.step.step.note}`,
      pdus: pdus.map((p) => ({
        direction: p.direction,
        offset: p.offset,
        length: p.bytes.length,
        opcode: p.opcode,
        name: describePdu(p, cdbOf),
      })),
    });
    written.push(`${base}.*.bin`);
  }
  await writeFile(
    join(outDir, 'streams.json'),
    `${JSON.stringify({ description: 'Raw TCP payload of whole sessions, one file per direction, with the PDU boundaries (offset, length) and capture order.', source, streams: index }, null, 2)}\n`,
  );
  written.push('streams.json');
  return written;
}

await main();
