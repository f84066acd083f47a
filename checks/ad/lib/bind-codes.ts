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
