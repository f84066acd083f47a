/**
 * Typed Active Directory errors. Each names the server and the step it failed at and carries
 * the facts a remediation needs (the result code and AD's data code of a failed bind, the names
 * on a certificate that did not match); messages never contain a password.
 */

import type { AdErrorCode, AdStep, CertificateNames } from '../facts/ad.ts';

export type { AdErrorCode, AdStep };

export class AdError extends Error {
  override name = 'AdError';
  readonly code: AdErrorCode;
  /** ldaps://host:port, or the domain for discovery. */
  readonly server: string;
  readonly step: AdStep;
  /** LDAP result code, when the server sent one. */
  readonly resultCode?: number;
  /** AD's data code from a failed bind's diagnostic message: 52e, 775... */
  readonly dataCode?: string;
  /** The Node error code (ECONNREFUSED, ERR_TLS_CERT_ALTNAME_INVALID...). */
  readonly causeCode?: string;
  /** Subject and alternative names of the certificate the server showed. */
  readonly certificate?: CertificateNames;
  constructor(
    code: AdErrorCode,
    server: string,
    step: AdStep,
    message: string,
    facts: Partial<Pick<AdError, 'resultCode' | 'dataCode' | 'causeCode' | 'certificate'>> = {},
  ) {
    super(`${server}: ${step}: ${message}`);
    this.code = code;
    this.server = server;
    this.step = step;
    if (facts.resultCode !== undefined) this.resultCode = facts.resultCode;
    if (facts.dataCode !== undefined) this.dataCode = facts.dataCode;
    if (facts.causeCode !== undefined) this.causeCode = facts.causeCode;
    if (facts.certificate !== undefined) this.certificate = facts.certificate;
  }
}

/** The data code from a bind diagnostic message, lower-case, if there is one. */
export function bindDataCode(diagnostic: string): string | undefined {
  return /\bdata ([0-9a-f]{3,8})\b/i.exec(diagnostic)?.[1]?.toLowerCase();
}
