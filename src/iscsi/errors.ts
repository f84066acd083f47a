/**
 * Typed iSCSI errors. Each carries the facts a remediation needs (the portal, the step, the
 * login status) and a `code`; messages say what happened and where, never a secret.
 */

export type IscsiStep = 'connect' | 'login' | 'discovery' | 'command' | 'logout' | 'nop';

/** A wire-format or sequencing violation by the target (garbage, lengths over the caps...). */
export class IscsiProtocolError extends Error {
  readonly code: string = 'EISCSIPROTO';
  override name = 'IscsiProtocolError';
}

export class IscsiTimeoutError extends Error {
  readonly code = 'EISCSITIMEOUT';
  override name = 'IscsiTimeoutError';
  readonly portal: string;
  readonly step: IscsiStep;
  readonly timeoutMs: number;
  constructor(portal: string, step: IscsiStep, timeoutMs: number, detail = '') {
    super(`${portal}: ${step} did not complete within ${timeoutMs / 1000} s${detail ? ` (${detail})` : ''}`);
    this.portal = portal;
    this.step = step;
    this.timeoutMs = timeoutMs;
  }
}

/** TCP-level failures: refused, reset, DNS, closed by the target. */
export class IscsiConnectionError extends Error {
  readonly code: string;
  override name = 'IscsiConnectionError';
  readonly portal: string;
  readonly step: IscsiStep;
  /** The Node error code (ECONNREFUSED, ENOTFOUND, ECONNRESET...) or 'EOF'. */
  readonly cause_code: string;
  constructor(portal: string, step: IscsiStep, causeCode: string, detail: string) {
    super(`${portal}: ${step} failed: ${detail}`);
    this.code = 'EISCSICONN';
    this.portal = portal;
    this.step = step;
    this.cause_code = causeCode;
  }
}

/** Login status classes and details, RFC 7143 11.13.5. */
export const LOGIN_STATUS_NAMES: Readonly<Record<number, string>> = {
  0x0000: 'success',
  0x0101: 'target moved temporarily',
  0x0102: 'target moved permanently',
  0x0200: 'initiator error',
  0x0201: 'authentication failure',
  0x0202: 'authorization failure',
  0x0203: 'target not found',
  0x0204: 'target removed',
  0x0205: 'unsupported version',
  0x0206: 'too many connections',
  0x0207: 'missing parameter',
  0x0208: "can't include in session",
  0x0209: 'session type not supported',
  0x020a: 'session does not exist',
  0x020b: 'invalid during login',
  0x0300: 'target error',
  0x0301: 'service unavailable',
  0x0302: 'out of resources',
};

export function loginStatusName(statusClass: number, statusDetail: number): string {
  return (
    LOGIN_STATUS_NAMES[(statusClass << 8) | statusDetail] ??
    `status class 0x${statusClass.toString(16)} detail 0x${statusDetail.toString(16)}`
  );
}

export class IscsiLoginError extends Error {
  readonly code = 'EISCSILOGIN';
  override name = 'IscsiLoginError';
  readonly portal: string;
  readonly targetName: string | undefined;
  readonly initiatorName: string;
  readonly statusClass: number;
  readonly statusDetail: number;
  readonly statusName: string;
  constructor(
    portal: string,
    targetName: string | undefined,
    initiatorName: string,
    statusClass: number,
    statusDetail: number,
    hint = '',
  ) {
    const statusName = loginStatusName(statusClass, statusDetail);
    super(
      `${portal}: login${targetName ? ` to ${targetName}` : ''} as ${initiatorName} refused: ${statusName} (0x${((statusClass << 8) | statusDetail).toString(16).padStart(4, '0')})${hint ? `; ${hint}` : ''}`,
    );
    this.portal = portal;
    this.targetName = targetName;
    this.initiatorName = initiatorName;
    this.statusClass = statusClass;
    this.statusDetail = statusDetail;
    this.statusName = statusName;
  }
}

/** Negotiation that cannot succeed: the target wants CHAP and none is configured, bad CHAP from the target... */
export class IscsiNegotiationError extends IscsiProtocolError {
  override readonly code = 'EISCSINEGOTIATION';
  override name = 'IscsiNegotiationError';
}

/** Mutual CHAP: the target did not prove itself (no answer to our challenge, another name, a wrong response). */
export class IscsiMutualChapError extends IscsiNegotiationError {
  override name = 'IscsiMutualChapError';
}

/** The target rejected a PDU (Reject PDU, RFC 7143 11.17). */
export class IscsiRejectError extends IscsiProtocolError {
  override readonly code = 'EISCSIREJECT';
  override name = 'IscsiRejectError';
  readonly reason: number;
  constructor(message: string, reason: number) {
    super(message);
    this.reason = reason;
  }
}
