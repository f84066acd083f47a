/**
 * SendTargets discovery (RFC 7143 Appendix C): a Discovery session, a Text request
 * `SendTargets=All`, continued while the target sets C with a TTT, then logout.
 */
import { randomBytes } from 'node:crypto';
import {
  buildLogoutRequest,
  buildTextRequest,
  decodeLogoutResponse,
  decodeTextResponse,
  LOGOUT_REASON,
  RESERVED_TAG,
} from './pdu.ts';
import { encodeText, parseText, type TextPairs } from './text.ts';
import { IscsiConnection, parsePortal, type Portal } from './connection.ts';
import { login, type ChapCredentials } from './login.ts';
import { IscsiProtocolError } from './errors.ts';
import { DEFAULT_TIMEOUTS, randomIsid, type Timeouts } from './session.ts';

export interface DiscoveredTarget {
  readonly name: string;
  /** `host:port,tpgt` as the target reported them. */
  readonly addresses: string[];
}

export interface DiscoveryOptions {
  readonly portal: Portal | string;
  readonly initiatorName: string;
  readonly chap?: ChapCredentials;
  readonly timeouts?: Partial<Timeouts>;
  readonly signal?: AbortSignal;
  /** What we accept per Text Response PDU (declared to the target); default 262144. */
  readonly maxRecvDataSegmentLength?: number;
}

const MAX_TEXT_ROUNDS = 256;
const TEXT_ITT = 0x00000002;

export function parseSendTargets(pairs: TextPairs): DiscoveredTarget[] {
  const targets: DiscoveredTarget[] = [];
  for (const [key, value] of pairs) {
    if (key === 'TargetName') targets.push({ name: value, addresses: [] });
    else if (key === 'TargetAddress') {
      const current = targets[targets.length - 1];
      if (!current) throw new IscsiProtocolError('SendTargets reply has a TargetAddress before any TargetName');
      current.addresses.push(value);
    }
  }
  return targets;
}

export async function sendTargets(options: DiscoveryOptions): Promise<DiscoveredTarget[]> {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const portal = typeof options.portal === 'string' ? parsePortal(options.portal) : options.portal;
  const conn = await IscsiConnection.connect(portal, {
    timeoutMs: timeouts.connectMs,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  try {
    const cmdSN = randomBytes(4).readUInt32BE(0);
    const result = await login(conn, {
      initiatorName: options.initiatorName,
      sessionType: 'Discovery',
      isid: randomIsid(),
      ...(options.chap ? { chap: options.chap } : {}),
      initialCmdSN: cmdSN,
      timeoutMs: timeouts.loginMs,
      digests: 'none',
      ...(options.maxRecvDataSegmentLength ? { maxRecvDataSegmentLength: options.maxRecvDataSegmentLength } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    conn.setMaxRecvDataSegment(result.parameters.maxRecvDataSegmentLength);
    let expStatSN = (result.statSN + 1) >>> 0;
    let ttt = RESERVED_TAG;
    let data = encodeText([['SendTargets', 'All']]);
    // A key=value pair may span PDUs (RFC 7143 6.1): keep the bytes, parse once complete.
    const chunks: Uint8Array[] = [];
    for (let round = 0; ; round += 1) {
      if (round > MAX_TEXT_ROUNDS)
        throw new IscsiProtocolError(`${conn.label}: SendTargets reply did not end after ${MAX_TEXT_ROUNDS} PDUs`);
      conn.send(
        buildTextRequest(
          {
            final: true,
            continue: false,
            initiatorTaskTag: TEXT_ITT,
            targetTransferTag: ttt,
            cmdSN,
            expStatSN,
            immediate: true,
          },
          data,
        ),
      );
      const response = decodeTextResponse(await conn.receive('discovery', timeouts.commandMs, options.signal));
      expStatSN = (response.statSN + 1) >>> 0;
      chunks.push(response.data);
      if (response.final && !response.continue) break;
      // More follows: an empty Text request echoing the target's TTT asks for it.
      ttt = response.targetTransferTag;
      data = new Uint8Array(0);
    }
    conn.send(
      buildLogoutRequest({
        reason: LOGOUT_REASON.CloseSession,
        initiatorTaskTag: TEXT_ITT + 1,
        cid: 0,
        cmdSN,
        expStatSN,
      }),
    );
    try {
      decodeLogoutResponse(await conn.receive('logout', timeouts.logoutMs, options.signal));
    } catch {
      // The targets are known; a sloppy logout does not undo that.
    }
    return parseSendTargets(parseText(Buffer.concat(chunks)));
  } finally {
    conn.close();
  }
}
