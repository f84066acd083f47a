/**
 * Typed Active Directory errors. Each names the server and the step it failed at and carries
 * the facts a remediation needs (the result code and AD's data code of a failed bind, the names
 * on a certificate that did not match); messages never contain a password.
 */

export type AdStep = 'discovery' | 'connect' | 'tls' | 'starttls' | 'bind' | 'search';

export type AdErrorCode =
  /** No SRV records, or the DNS server did not answer. */
  | 'dnsFailed'
  | 'refused'
  | 'timeout'
  | 'unreachable'
  /** The certificate chain is not trusted (no or wrong tls.caFile). */
  | 'untrustedCertificate'
  /** The certificate does not name the server (tls.serverName or the URL's host). */
  | 'nameMismatch'
  /** Any other TLS failure (protocol, handshake). */
  | 'tlsFailed'
  /** A simple bind on plain LDAP was refused or the connection reset: the DC wants TLS or signing. */
  | 'strongAuthRequired'
  /** Result 49; the data code says why. */
  | 'invalidCredentials'
  /** The connection dropped after it was set up. */
  | 'connectionLost'
  | 'protocol'
  | 'error';

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
  readonly certificate?: { readonly subject?: string; readonly altNames?: string; readonly issuer?: string };
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
