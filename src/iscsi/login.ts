/**
 * The login phase (RFC 7143 sections 6 and 11.12-11.13): stage transitions, CHAP in the security
 * stage, operational key negotiation, and the translation of a refused login into a typed error.
 * Rules kept here: every key the target offers gets an answer, NotUnderstood / Irrelevant /
 * Reject are tolerated (the default applies), and no key is ever sent twice in one login.
 */
import { buildLoginRequest, decodeLoginResponse, STAGE, type Stage, type SequenceFields } from './pdu.ts';
import { encodeText, parseText, type TextPairs } from './text.ts';
import { chapResponse, CHAP_MD5, decodeBinary, encodeHex, newMutualChallenge, verifyTargetResponse } from './chap.ts';
import { IscsiLoginError, IscsiMutualChapError, IscsiNegotiationError } from './errors.ts';
import type { IscsiConnection } from './connection.ts';

export interface ChapCredentials {
  readonly user: string;
  /** The secret's bytes; callers pass `Buffer.from(secret.reveal())` at the last moment. */
  readonly secret: Uint8Array;
  /** Mutual CHAP: the name and secret the target must prove. */
  readonly mutual?: { readonly user: string; readonly secret: Uint8Array };
}

export interface LoginOptions {
  readonly initiatorName: string;
  /** Absent for a discovery session. */
  readonly targetName?: string;
  readonly sessionType: 'Normal' | 'Discovery';
  readonly isid: Uint8Array;
  readonly tsih?: number;
  readonly chap?: ChapCredentials;
  readonly initialCmdSN: number;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** What we accept per PDU (declarative). */
  readonly maxRecvDataSegmentLength?: number;
  /** Offer CRC32C digests after None (the target chooses); `require` offers only CRC32C. */
  readonly digests?: 'offer' | 'require' | 'none';
}

/** The operational parameters in force after login (RFC 7143 section 13). */
export interface NegotiatedParameters {
  readonly headerDigest: boolean;
  readonly dataDigest: boolean;
  /** The largest data segment we may send: the target's declaration, or 8192 when it made none. */
  readonly maxSendDataSegmentLength: number;
  readonly maxRecvDataSegmentLength: number;
  readonly initialR2T: boolean;
  readonly immediateData: boolean;
  readonly firstBurstLength: number;
  readonly maxBurstLength: number;
  readonly maxOutstandingR2T: number;
  readonly dataPDUInOrder: boolean;
  readonly dataSequenceInOrder: boolean;
  readonly errorRecoveryLevel: number;
  readonly targetPortalGroupTag?: number;
  readonly targetAlias?: string;
}

export interface LoginResult extends SequenceFields {
  readonly tsih: number;
  readonly parameters: NegotiatedParameters;
  /** Every pair the target sent, in order (for evidence; never contains our secret). */
  readonly targetKeys: TextPairs;
  readonly authenticated: 'none' | 'chap' | 'mutual-chap';
}

/** Thrown for login statuses 0x0101/0x0102: the caller reconnects to `targetAddress`. */
export class IscsiRedirect extends Error {
  readonly code = 'EISCSIREDIRECT';
  override name = 'IscsiRedirect';
  readonly targetAddress: string;
  readonly permanent: boolean;
  constructor(targetAddress: string, permanent: boolean) {
    super(`target moved ${permanent ? 'permanently' : 'temporarily'} to ${targetAddress}`);
    this.targetAddress = targetAddress;
    this.permanent = permanent;
  }
}

const DEFAULT_MAX_RECV = 262144;
const LOGIN_ITT = 0x00000001;
const MAX_EXCHANGES = 16;

/** Keys only declared, never answered (RFC 7143 13.x "Declarative"). */
const DECLARATIVE = new Set([
  'TargetAlias',
  'TargetPortalGroupTag',
  'TargetAddress',
  'MaxRecvDataSegmentLength',
  'InitiatorAlias',
  'TargetName',
  'InitiatorName',
]);

const DEFAULTS = {
  HeaderDigest: 'None',
  DataDigest: 'None',
  InitialR2T: 'Yes',
  ImmediateData: 'Yes',
  FirstBurstLength: '65536',
  MaxBurstLength: '262144',
  MaxOutstandingR2T: '1',
  DataPDUInOrder: 'Yes',
  DataSequenceInOrder: 'Yes',
  ErrorRecoveryLevel: '0',
} as const;

function proposals(options: LoginOptions): [string, string][] {
  const digest = options.digests === 'require' ? 'CRC32C' : options.digests === 'none' ? 'None' : 'None,CRC32C';
  const common: [string, string][] = [
    ['HeaderDigest', digest],
    ['DataDigest', digest],
    ['MaxRecvDataSegmentLength', String(options.maxRecvDataSegmentLength ?? DEFAULT_MAX_RECV)],
  ];
  if (options.sessionType === 'Discovery') return common;
  return [
    ...common,
    ['InitialR2T', 'No'],
    ['ImmediateData', 'Yes'],
    ['MaxBurstLength', '262144'],
    ['FirstBurstLength', '65536'],
    ['MaxOutstandingR2T', '1'],
    ['MaxConnections', '1'],
    ['DefaultTime2Wait', '2'],
    ['DefaultTime2Retain', '0'],
    ['DataPDUInOrder', 'Yes'],
    ['DataSequenceInOrder', 'Yes'],
    ['ErrorRecoveryLevel', '0'],
  ];
}

/** Our answer to a key the target offered without our having sent it. */
function answerFor(key: string, value: string, ours: ReadonlyMap<string, string>): string {
  const first = value.split(',')[0] ?? value;
  switch (key) {
    case 'HeaderDigest':
    case 'DataDigest':
      return value.split(',').includes('None') ? 'None' : first;
    case 'InitialR2T':
    case 'ImmediateData':
    case 'DataPDUInOrder':
    case 'DataSequenceInOrder':
      return value === 'Yes' || value === 'No' ? value : 'Reject';
    case 'MaxBurstLength':
    case 'FirstBurstLength':
    case 'MaxOutstandingR2T':
    case 'MaxConnections':
    case 'DefaultTime2Wait':
    case 'DefaultTime2Retain':
    case 'ErrorRecoveryLevel': {
      const n = Number(value);
      const mine = Number(ours.get(key) ?? value);
      return Number.isFinite(n) ? String(Math.min(n, mine)) : 'Reject';
    }
    default:
      return 'NotUnderstood';
  }
}

function isSpecial(value: string | undefined): boolean {
  return value === undefined || value === 'NotUnderstood' || value === 'Irrelevant' || value === 'Reject';
}

function negotiated(theirs: ReadonlyMap<string, string>, options: LoginOptions): NegotiatedParameters {
  const get = (key: keyof typeof DEFAULTS) => {
    const v = theirs.get(key);
    return isSpecial(v) ? DEFAULTS[key] : v!;
  };
  const num = (key: keyof typeof DEFAULTS, cap: number) => {
    const n = Number(get(key));
    return Number.isInteger(n) && n > 0 ? Math.min(n, cap) : Number(DEFAULTS[key]);
  };
  const declaredRecv = Number(theirs.get('MaxRecvDataSegmentLength'));
  const tpgt = Number(theirs.get('TargetPortalGroupTag'));
  const alias = theirs.get('TargetAlias');
  return {
    headerDigest: get('HeaderDigest') === 'CRC32C',
    dataDigest: get('DataDigest') === 'CRC32C',
    // RFC 7143 13.12: without a declaration the default, 8192, applies.
    maxSendDataSegmentLength:
      Number.isInteger(declaredRecv) && declaredRecv >= 512 ? Math.min(declaredRecv, 16777215) : 8192,
    maxRecvDataSegmentLength: options.maxRecvDataSegmentLength ?? DEFAULT_MAX_RECV,
    initialR2T: get('InitialR2T') !== 'No',
    immediateData: get('ImmediateData') === 'Yes',
    firstBurstLength: num('FirstBurstLength', 65536),
    maxBurstLength: num('MaxBurstLength', 262144),
    maxOutstandingR2T: num('MaxOutstandingR2T', 1),
    dataPDUInOrder: get('DataPDUInOrder') !== 'No',
    dataSequenceInOrder: get('DataSequenceInOrder') !== 'No',
    errorRecoveryLevel: Number(get('ErrorRecoveryLevel')) || 0,
    ...(Number.isInteger(tpgt) ? { targetPortalGroupTag: tpgt } : {}),
    ...(alias !== undefined ? { targetAlias: alias } : {}),
  };
}

/**
 * Runs the login phase on a fresh connection. Resolves with the negotiated parameters and the
 * sequence numbers to continue with; rejects with IscsiLoginError (status translated),
 * IscsiRedirect, IscsiNegotiationError, or a connection/timeout error naming the step.
 */
export async function login(conn: IscsiConnection, options: LoginOptions): Promise<LoginResult> {
  const sent = new Set<string>();
  const theirs = new Map<string, string>();
  const targetKeys: TextPairs = [];
  let expStatSN = 0;
  let tsih = options.tsih ?? 0;
  let authenticated: LoginResult['authenticated'] = 'none';

  const exchange = async (csg: Stage, nsg: Stage, transit: boolean, pairs: [string, string][]) => {
    for (const [k] of pairs) {
      if (sent.has(k)) throw new IscsiNegotiationError(`internal: key ${k} would be sent twice in one login`);
      sent.add(k);
    }
    let data = encodeText(pairs);
    // A key=value pair may span PDUs when the target continues (C=1): parse once complete.
    const chunks: Uint8Array[] = [];
    for (let round = 0; ; round += 1) {
      if (round > MAX_EXCHANGES)
        throw new IscsiNegotiationError(
          `${conn.label}: the target kept the login text open for more than ${MAX_EXCHANGES} PDUs`,
        );
      conn.send(
        buildLoginRequest(
          {
            transit,
            continue: false,
            csg,
            nsg,
            isid: options.isid,
            tsih,
            initiatorTaskTag: LOGIN_ITT,
            cid: 0,
            cmdSN: options.initialCmdSN,
            expStatSN,
          },
          data,
        ),
      );
      const response = decodeLoginResponse(await conn.receive('login', options.timeoutMs, options.signal));
      if (response.statusClass !== 0) {
        const keys = parseTextSafe(response.data);
        if (response.statusClass === 1) {
          const address = keys.find(([k]) => k === 'TargetAddress')?.[1];
          if (!address)
            throw new IscsiNegotiationError(`${conn.label}: the target redirected the login but gave no TargetAddress`);
          throw new IscsiRedirect(address, response.statusDetail === 0x02);
        }
        throw new IscsiLoginError(
          conn.label,
          options.targetName,
          options.initiatorName,
          response.statusClass,
          response.statusDetail,
          loginHint(response.statusClass, response.statusDetail, options),
        );
      }
      if (response.initiatorTaskTag !== LOGIN_ITT)
        throw new IscsiNegotiationError(
          `${conn.label}: login response for another task (ITT 0x${response.initiatorTaskTag.toString(16)})`,
        );
      expStatSN = (response.statSN + 1) >>> 0;
      chunks.push(response.data);
      if (response.continue) {
        // The target has more text for this step: ask for the rest with an empty request.
        data = new Uint8Array(0);
        transit = false;
        continue;
      }
      if (response.tsih !== 0) tsih = response.tsih;
      const collected = parseText(Buffer.concat(chunks));
      for (const pair of collected) {
        targetKeys.push(pair);
        theirs.set(pair[0], pair[1]);
      }
      return { response, pairs: collected };
    }
  };

  const identity: [string, string][] = [
    ['InitiatorName', options.initiatorName],
    ...(options.targetName ? ([['TargetName', options.targetName]] as [string, string][]) : []),
    ['SessionType', options.sessionType],
  ];

  let stage: Stage;
  if (options.chap) {
    // Security stage: offer CHAP, then CHAP_A, then CHAP_N/CHAP_R (RFC 7143 12.1.3).
    const first = await exchange(STAGE.Security, STAGE.LoginOperational, false, [
      ...identity,
      ['AuthMethod', 'CHAP,None'],
    ]);
    const method = new Map(first.pairs).get('AuthMethod');
    if (method === 'CHAP') {
      const second = await exchange(STAGE.Security, STAGE.LoginOperational, false, [['CHAP_A', CHAP_MD5]]);
      const keys = new Map(second.pairs);
      if (keys.get('CHAP_A') !== CHAP_MD5)
        throw new IscsiNegotiationError(
          `${conn.label}: the target chose CHAP algorithm ${keys.get('CHAP_A') ?? '(none)'}; only MD5 (5) is supported`,
        );
      const id = Number(keys.get('CHAP_I'));
      const challengeText = keys.get('CHAP_C');
      if (!Number.isInteger(id) || id < 0 || id > 255 || challengeText === undefined)
        throw new IscsiNegotiationError(`${conn.label}: the target sent no valid CHAP_I/CHAP_C`);
      const challenge = decodeBinary(challengeText, 'CHAP_C');
      const answer: [string, string][] = [
        ['CHAP_N', options.chap.user],
        ['CHAP_R', encodeHex(chapResponse(id, options.chap.secret, challenge))],
      ];
      const mutual = options.chap.mutual ? newMutualChallenge() : undefined;
      if (mutual) answer.push(['CHAP_I', String(mutual.identifier)], ['CHAP_C', encodeHex(mutual.challenge)]);
      const third = await exchange(STAGE.Security, STAGE.LoginOperational, true, answer);
      if (mutual && options.chap.mutual) {
        const t = new Map(third.pairs);
        const name = t.get('CHAP_N');
        const response = t.get('CHAP_R');
        if (name === undefined || response === undefined)
          throw new IscsiMutualChapError(
            `${conn.label}: mutual CHAP: the target did not answer our challenge (is its outgoing account configured?)`,
          );
        if (name !== options.chap.mutual.user)
          throw new IscsiMutualChapError(
            `${conn.label}: mutual CHAP: the target identified as "${name}", expected "${options.chap.mutual.user}"`,
          );
        if (!verifyTargetResponse(mutual, options.chap.mutual.secret, decodeBinary(response, 'CHAP_R'))) {
          throw new IscsiMutualChapError(
            `${conn.label}: mutual CHAP: the target's response is wrong: it does not know the mutual secret configured here (or it is not the target you meant)`,
          );
        }
        authenticated = 'mutual-chap';
      } else authenticated = 'chap';
      stage = third.response.transit ? (third.response.nsg as Stage) : STAGE.Security;
      if (stage === STAGE.Security) {
        const more = await exchange(STAGE.Security, STAGE.LoginOperational, true, []);
        stage = more.response.transit ? (more.response.nsg as Stage) : STAGE.Security;
      }
    } else if (method === 'None') {
      stage = first.response.transit ? (first.response.nsg as Stage) : STAGE.Security;
      if (stage === STAGE.Security) {
        const next = await exchange(STAGE.Security, STAGE.LoginOperational, true, []);
        stage = next.response.transit ? (next.response.nsg as Stage) : STAGE.Security;
      }
    } else {
      throw new IscsiNegotiationError(
        `${conn.label}: the target offered AuthMethod=${method ?? '(nothing)'}; clusterprobe speaks CHAP and None`,
      );
    }
    if (stage === STAGE.Security)
      throw new IscsiNegotiationError(`${conn.label}: the target did not leave the security stage`);
  } else {
    stage = STAGE.LoginOperational;
  }

  let response;
  if (stage === STAGE.LoginOperational) {
    const ours = proposals(options);
    const ourMap = new Map(ours);
    const firstPairs = options.chap ? ours : [...identity, ...ours];
    let round = await exchange(STAGE.LoginOperational, STAGE.FullFeature, true, firstPairs);
    for (let i = 0; !round.response.transit; i += 1) {
      if (i > MAX_EXCHANGES) throw new IscsiNegotiationError(`${conn.label}: operational negotiation did not converge`);
      const answers: [string, string][] = round.pairs
        .filter(([k]) => !sent.has(k) && !DECLARATIVE.has(k))
        .map(([k, v]) => [k, answerFor(k, v, ourMap)]);
      round = await exchange(STAGE.LoginOperational, STAGE.FullFeature, true, answers);
    }
    // Keys the target offered in its final answer still get ours: RFC 7143 6.2 requires it,
    // but a final response ends the login, so an unanswerable offer can only be logged.
    response = round.response;
  } else {
    // The target went straight to full feature from security (all defaults).
    response = (await exchange(STAGE.LoginOperational, STAGE.FullFeature, true, [])).response;
  }
  if (response.nsg !== STAGE.FullFeature)
    throw new IscsiNegotiationError(
      `${conn.label}: the target ended the login in stage ${response.nsg}, not full feature`,
    );
  if (options.sessionType === 'Normal' && tsih === 0)
    throw new IscsiNegotiationError(`${conn.label}: the final login response carried no TSIH`);
  return {
    tsih,
    statSN: response.statSN,
    expCmdSN: response.expCmdSN,
    maxCmdSN: response.maxCmdSN,
    parameters: negotiated(theirs, options),
    targetKeys,
    authenticated,
  };
}

function parseTextSafe(data: Uint8Array): TextPairs {
  try {
    return parseText(data);
  } catch {
    return [];
  }
}

function loginHint(statusClass: number, statusDetail: number, options: LoginOptions): string {
  const code = (statusClass << 8) | statusDetail;
  switch (code) {
    case 0x0201:
      return options.chap
        ? `the target refused CHAP user "${options.chap.user}": wrong secret, or the account is not bound to this target${options.chap.mutual ? " (mutual CHAP configured: check the target's outgoing account too)" : ''}`
        : 'the target requires authentication: configure chap (user and secret) for this portal';
    case 0x0202:
      return `initiator ${options.initiatorName} is not authorized for this target: add it to the target's ACL`;
    case 0x0203:
      return options.targetName
        ? `either no target named ${options.targetName} exists on this portal, or (on tgt and others) initiator ${options.initiatorName} is not in its ACL`
        : 'the target does not accept discovery sessions from this initiator';
    case 0x0205:
      return 'the target does not speak iSCSI version 0 (RFC 7143)';
    case 0x0206:
      return 'the target allows no more connections for this session';
    case 0x0301:
    case 0x0302:
      return 'the target is busy or out of resources: retry later';
    default:
      return '';
  }
}
