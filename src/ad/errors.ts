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

/**
 * AD's data codes in a failed simple bind's diagnostic message ("80090308: LdapErr: DSID-...,
 * comment: AcceptSecurityContext error, data 52e, v4563"): what each means for the account.
 * In `command`, `<user>` is a slot: the caller replaces it with the account, quoted (psQuote), or
 * with a quoted placeholder.
 */
export const BIND_DATA_CODES: Readonly<
  Record<string, { readonly reason: string; readonly fix: string; readonly command?: string }>
> = {
  '525': {
    reason: 'no such user',
    fix: 'Check the bind user principal name (activeDirectory.bind.user): the account does not exist.',
  },
  '52e': {
    reason: 'the password is wrong',
    fix: 'Check the password the secret reference resolves to (activeDirectory.bind.password).',
  },
  '530': {
    reason: 'not permitted to log on at this time (logon hours)',
    fix: 'Allow the account to log on now, or use another account:',
    command: 'Set-ADUser -Identity <user> -Clear logonHours',
  },
  '531': {
    reason: 'not permitted to log on from this workstation',
    fix: "Clear the account's workstation restriction:",
    command: 'Set-ADUser -Identity <user> -LogonWorkstations $null',
  },
  '532': {
    reason: 'the password has expired',
    fix: 'Set a new password (then update the secret):',
    command: 'Set-ADAccountPassword -Identity <user> -Reset',
  },
  '533': { reason: 'the account is disabled', fix: 'Enable it:', command: 'Enable-ADAccount -Identity <user>' },
  '701': {
    reason: 'the account has expired',
    fix: 'Extend or clear its expiry:',
    command: 'Clear-ADAccountExpiration -Identity <user>',
  },
  '773': {
    reason: 'the user must change the password at next logon',
    fix: 'Log on once and change it, or turn the flag off:',
    command: 'Set-ADUser -Identity <user> -ChangePasswordAtLogon $false',
  },
  '775': {
    reason: 'the account is locked out',
    fix: 'Unlock it, then find what keeps sending a wrong password (the Security log of the PDC emulator, event 4740):',
    command: 'Unlock-ADAccount -Identity <user>',
  },
};

/** The data code from a bind diagnostic message, lower-case, if there is one. */
export function bindDataCode(diagnostic: string): string | undefined {
  return /\bdata ([0-9a-f]{3,8})\b/i.exec(diagnostic)?.[1]?.toLowerCase();
}
