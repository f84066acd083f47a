/**
 * Just enough of libpcap's file format and of TCP to turn a loopback capture (`tcpdump -w`) into
 * the byte streams of each connection, for building fixtures from real traffic.
 *
 * Classic pcap only (what `tcpdump -w` writes): a 24-byte file header (magic 0xa1b2c3d4 for
 * microseconds, 0xa1b23c4d for nanoseconds, in the writer's byte order), then per packet a 16-byte
 * record header (ts_sec, ts_frac, incl_len, orig_len) and incl_len bytes. Link types: 1 Ethernet
 * (Linux `lo`), 113 Linux cooked (SLL), 276 SLL2, 0 BSD loopback, 101/228/229 raw IP.
 */

export interface Packet {
  index: number;
  /** Microseconds since the epoch. */
  tsMicros: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: { syn: boolean; ack: boolean; fin: boolean; rst: boolean; psh: boolean };
  payload: Uint8Array;
  /** Bytes of the packet that were not captured (snaplen). */
  truncatedBy: number;
}

export class PcapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PcapError';
  }
}

function ipv4(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

function ipv6(v: DataView, o: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 8; i++) parts.push(v.getUint16(o + i * 2).toString(16));
  return `[${parts.join(':')}]`;
}

/** Every TCP packet of a classic pcap file, in file order. Non-TCP packets are skipped. */
export function readPcap(file: Uint8Array): Packet[] {
  if (file.length < 24) throw new PcapError(`pcap file too short (${file.length} bytes)`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magicBE = view.getUint32(0, false);
  const magicLE = view.getUint32(0, true);
  let le: boolean;
  let nanos: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nanos = magicLE === 0xa1b23c4d;
  } else if (magicBE === 0xa1b2c3d4 || magicBE === 0xa1b23c4d) {
    le = false;
    nanos = magicBE === 0xa1b23c4d;
  } else if (magicLE === 0x0a0d0d0a) {
    throw new PcapError('pcapng is not supported: write the capture with `tcpdump -w` (classic pcap)');
  } else {
    throw new PcapError(`not a pcap file (magic 0x${magicBE.toString(16)})`);
  }
  const linkType = view.getUint32(20, le) & 0x0fffffff;
  const packets: Packet[] = [];
  let off = 24;
  let index = 0;
  while (off + 16 <= file.length) {
    const tsSec = view.getUint32(off, le);
    const tsFrac = view.getUint32(off + 4, le);
    const incl = view.getUint32(off + 8, le);
    const orig = view.getUint32(off + 12, le);
    off += 16;
    if (off + incl > file.length) throw new PcapError(`packet ${index} runs past the end of the file`);
    const frame = file.subarray(off, off + incl);
    off += incl;
    const pkt = decodeFrame(frame, linkType, index);
    if (pkt) {
      pkt.tsMicros = tsSec * 1e6 + (nanos ? Math.floor(tsFrac / 1000) : tsFrac);
      pkt.truncatedBy = orig - incl;
      packets.push(pkt);
    }
    index++;
  }
  return packets;
}

function decodeFrame(frame: Uint8Array, linkType: number, index: number): Packet | null {
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  let l3 = 0;
  let etherType: number;
  switch (linkType) {
    case 1: // Ethernet
      if (frame.length < 14) return null;
      etherType = v.getUint16(12);
      l3 = 14;
      break;
    case 113: // Linux cooked v1
      if (frame.length < 16) return null;
      etherType = v.getUint16(14);
      l3 = 16;
      break;
    case 276: // Linux cooked v2
      if (frame.length < 20) return null;
      etherType = v.getUint16(0);
      l3 = 20;
      break;
    case 0: {
      // BSD loopback: 4-byte address family in host order
      if (frame.length < 4) return null;
      const af = v.getUint32(0, true) > 0xffff ? v.getUint32(0, false) : v.getUint32(0, true);
      etherType = af === 2 ? 0x0800 : 0x86dd;
      l3 = 4;
      break;
    }
    case 101:
    case 228:
    case 229:
      etherType = frame.length > 0 && frame[0]! >> 4 === 6 ? 0x86dd : 0x0800;
      break;
    default:
      throw new PcapError(`unsupported link type ${linkType}`);
  }
  let src: string;
  let dst: string;
  let l4: number;
  let l4End: number;
  if (etherType === 0x0800) {
    if (frame.length < l3 + 20) return null;
    const ihl = (frame[l3]! & 0x0f) * 4;
    if (frame[l3 + 9] !== 6) return null; // not TCP
    const totalLength = v.getUint16(l3 + 2);
    src = ipv4(frame, l3 + 12);
    dst = ipv4(frame, l3 + 16);
    l4 = l3 + ihl;
    // Loopback with TSO may write total length 0; fall back to the frame end then.
    l4End = totalLength === 0 ? frame.length : Math.min(frame.length, l3 + totalLength);
  } else if (etherType === 0x86dd) {
    if (frame.length < l3 + 40) return null;
    if (frame[l3 + 6] !== 6) return null; // no extension headers expected on loopback
    src = ipv6(v, l3 + 8);
    dst = ipv6(v, l3 + 24);
    l4 = l3 + 40;
    const payloadLength = v.getUint16(l3 + 4);
    l4End = payloadLength === 0 ? frame.length : Math.min(frame.length, l4 + payloadLength);
  } else {
    return null;
  }
  if (l4End < l4 + 20) return null;
  const dataOffset = (frame[l4 + 12]! >> 4) * 4;
  const f = frame[l4 + 13]!;
  return {
    index,
    tsMicros: 0,
    src,
    dst,
    srcPort: v.getUint16(l4),
    dstPort: v.getUint16(l4 + 2),
    seq: v.getUint32(l4 + 4),
    ack: v.getUint32(l4 + 8),
    flags: { fin: !!(f & 0x01), syn: !!(f & 0x02), rst: !!(f & 0x04), psh: !!(f & 0x08), ack: !!(f & 0x10) },
    payload: frame.slice(l4 + dataOffset, l4End),
    truncatedBy: 0,
  };
}

/** One direction of a TCP connection: its bytes and which packet carried each byte range. */
export interface TcpFlow {
  bytes: Uint8Array;
  /** Sorted by offset: bytes [offset, offset+length) arrived in packet `packetIndex` at `tsMicros`. */
  segments: { offset: number; length: number; packetIndex: number; tsMicros: number }[];
  /** A gap in the sequence space (a lost or uncaptured segment). */
  gaps: number;
}

export interface TcpConnection {
  /** Order of the connection's first packet in the capture. */
  id: number;
  client: { addr: string; port: number };
  server: { addr: string; port: number };
  /** Time of the SYN (or of the first packet seen). */
  startMicros: number;
  endMicros: number;
  /** Client to server. */
  toServer: TcpFlow;
  /** Server to client. */
  toClient: TcpFlow;
  /** The capture began after the handshake (no SYN seen). */
  partial: boolean;
}

interface FlowBuilder {
  isn: number | null;
  chunks: { rel: number; data: Uint8Array; packetIndex: number; tsMicros: number }[];
}

/**
 * Groups packets into TCP connections (by address/port pair, in order of first appearance; a new
 * SYN on a pair already seen starts a new connection) and reassembles each direction by sequence
 * number, dropping retransmitted bytes.
 */
export function tcpConnections(packets: readonly Packet[]): TcpConnection[] {
  interface Builder {
    conn: Omit<TcpConnection, 'toServer' | 'toClient'>;
    up: FlowBuilder;
    down: FlowBuilder;
    closed: boolean;
  }
  const open = new Map<string, Builder>();
  const all: Builder[] = [];
  const key = (a: string, ap: number, b: string, bp: number) =>
    a + ap < b + bp ? `${a}:${ap}|${b}:${bp}` : `${b}:${bp}|${a}:${ap}`;
  for (const p of packets) {
    if (p.truncatedBy > 0)
      throw new PcapError(
        `packet ${p.index} was truncated by the snaplen (${p.truncatedBy} bytes missing): capture with -s 0`,
      );
    const k = key(p.src, p.srcPort, p.dst, p.dstPort);
    let b = open.get(k);
    const freshSyn = p.flags.syn && !p.flags.ack;
    if (!b || (freshSyn && b.closed) || (freshSyn && b.up.isn !== null && b.up.isn !== p.seq)) {
      b = {
        conn: {
          id: all.length,
          client: freshSyn || !p.flags.syn ? { addr: p.src, port: p.srcPort } : { addr: p.dst, port: p.dstPort },
          server: freshSyn || !p.flags.syn ? { addr: p.dst, port: p.dstPort } : { addr: p.src, port: p.srcPort },
          startMicros: p.tsMicros,
          endMicros: p.tsMicros,
          partial: !p.flags.syn,
        },
        up: { isn: null, chunks: [] },
        down: { isn: null, chunks: [] },
        closed: false,
      };
      open.set(k, b);
      all.push(b);
    }
    b.conn.endMicros = p.tsMicros;
    const fromClient = p.src === b.conn.client.addr && p.srcPort === b.conn.client.port;
    const flow = fromClient ? b.up : b.down;
    if (p.flags.syn) {
      flow.isn = p.seq;
      continue;
    }
    if (p.flags.fin || p.flags.rst) b.closed = true;
    if (p.payload.length === 0) continue;
    // Without a SYN, count from the first byte seen.
    if (flow.isn === null) flow.isn = (p.seq - 1) >>> 0;
    const rel = (p.seq - flow.isn - 1) >>> 0;
    flow.chunks.push({ rel, data: p.payload, packetIndex: p.index, tsMicros: p.tsMicros });
  }
  return all.map((b) => ({ ...b.conn, toServer: assemble(b.up), toClient: assemble(b.down) }));
}

function assemble(f: FlowBuilder): TcpFlow {
  const chunks = [...f.chunks].sort((a, b) => a.rel - b.rel || a.packetIndex - b.packetIndex);
  const parts: Uint8Array[] = [];
  const segments: TcpFlow['segments'] = [];
  let next = 0;
  let gaps = 0;
  for (const c of chunks) {
    const end = c.rel + c.data.length;
    if (end <= next) continue; // retransmission of bytes we have
    if (c.rel > next) {
      // Bytes never captured: zeros keep the offsets right; callers must refuse a flow with gaps.
      gaps++;
      parts.push(new Uint8Array(c.rel - next));
      next = c.rel;
    }
    const fresh = c.data.subarray(next - c.rel);
    parts.push(fresh);
    segments.push({ offset: next, length: fresh.length, packetIndex: c.packetIndex, tsMicros: c.tsMicros });
    next = end;
  }
  const bytes = new Uint8Array(next);
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.length;
  }
  return { bytes, segments, gaps };
}

/** The segment holding byte `offset` of a flow (for ordering messages across directions). */
export function segmentAt(flow: TcpFlow, offset: number): TcpFlow['segments'][number] | undefined {
  let lo = 0;
  let hi = flow.segments.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = flow.segments[mid]!;
    if (offset < s.offset) hi = mid - 1;
    else if (offset >= s.offset + s.length) lo = mid + 1;
    else return s;
  }
  return undefined;
}
