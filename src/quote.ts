/**
 * Quoting for the commands a remediation prints. Values in them often came from a server (a DN,
 * an account name), and an administrator pastes the command into a shell: quote them so that
 * they stay one argument and run nothing, whatever they contain.
 */
/** Where a remediation command runs; `sh` covers appliance CLIs such as tgtadm and samba-tool. */
export const SHELLS = ['powershell', 'cmd', 'sh'] as const;
export type Shell = (typeof SHELLS)[number];

/** A PowerShell single-quoted string: nothing inside is expanded; ' is written twice. */
export function psQuote(s: string): string {
  return `'${s.replace(/['\u2018\u2019\u201A\u201B]/g, (q) => q + q)}'`;
}

/** A POSIX sh single-quoted string: nothing inside is expanded; ' is closed, escaped and reopened. */
export function shQuote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

/**
 * A cmd.exe double-quoted argument (dsacls, netdom). cmd has no escape for " inside quotes, and
 * a stray one would end the quoting and expose & | < > to cmd: it is dropped. (A DN holds one only
 * escaped, and the PowerShell command printed beside takes any value.)
 */
export function cmdQuote(s: string): string {
  return `"${s.replaceAll('"', '')}"`;
}

/** The quoting of `shell` for a value: psQuote, shQuote or cmdQuote. */
export function quoteFor(shell: Shell, s: string): string {
  return shell === 'powershell' ? psQuote(s) : shell === 'sh' ? shQuote(s) : cmdQuote(s);
}

/**
 * A placeholder the user fills in (`<vm name>`), quoted the way `shell` quotes a value, so that the
 * command parses as printed and the value typed in its place stays one argument: `'<vm name>'` in
 * PowerShell and sh, `"<vm name>"` in cmd. Bare, `<` and `>` are redirections (reserved in
 * PowerShell).
 */
export function placeholder(what: string, shell: Shell): string {
  return quoteFor(shell, `<${what}>`);
}
