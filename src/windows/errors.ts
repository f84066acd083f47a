/**
 * What a PowerShell ErrorRecord means, and what fixes it: WinRM refusing or not answering, a name
 * that does not resolve, Kerberos or TrustedHosts trouble, a module or cmdlet that is missing.
 * Classified by FullyQualifiedErrorId and exception type first, by message text last (messages
 * are localised; ids are not).
 */
import type { PowerShellError } from './powershell.ts';
import type { PsErrorRecord, WindowsError, WindowsErrorCode } from '../facts/windows.ts';

export type { WindowsError };

export type { WindowsErrorCode };

const ACCESS_DENIED = /AccessDenied|UnauthorizedAccess/i;
const MODULE_NOT_FOUND = /Modules_ModuleNotFound|ModuleNotFound/i;
const COMMAND_NOT_FOUND = /CommandNotFoundException/i;

export function classifyRecord(r: PsErrorRecord): WindowsError {
  const id = r.fullyQualifiedErrorId;
  const text = `${id} ${r.exceptionType} ${r.message}`;
  if (MODULE_NOT_FOUND.test(id)) {
    const module = /module '([^']+)'/i.exec(r.message)?.[1] ?? /'([^']+)'/.exec(r.message)?.[1];
    return {
      code: 'moduleMissing',
      cause: `the PowerShell module ${module ?? '(named in the error)'} is not installed here`,
      ...(module ? { module } : {}),
      record: r,
    };
  }
  if (COMMAND_NOT_FOUND.test(id) || /CommandNotFound/i.test(r.exceptionType))
    return { code: 'commandMissing', cause: `a cmdlet is not available: ${r.message}`, record: r };
  if (/PSSessionStateBroken|PSRemotingTransport|WinRM/i.test(text)) {
    if (ACCESS_DENIED.test(id) || /Access is denied/i.test(r.message))
      return {
        code: 'accessDenied',
        cause: 'WinRM refused the connection: access is denied to this account',
        record: r,
      };
    if (
      /cannot be resolved|could not be resolved|name resolution|ERROR_WINRM_NAME_NOT_RESOLVED|2150859046/i.test(
        r.message,
      )
    )
      return { code: 'dnsFailed', cause: "the node's name does not resolve", record: r };
    if (/TrustedHosts|Kerberos|Negotiate|authentication/i.test(r.message) && !/timed out/i.test(r.message))
      return {
        code: 'authFailed',
        cause:
          "WinRM could not authenticate (Kerberos needs the node's name in the domain; an IP address needs TrustedHosts and HTTPS)",
        record: r,
      };
    if (/timed out|Timeout/i.test(text))
      return { code: 'timeout', cause: 'the node did not answer WinRM within the time limit', record: r };
    return {
      code: 'unreachable',
      cause: 'WinRM on the node cannot be reached (service stopped, firewall, or the node is down)',
      record: r,
    };
  }
  if (ACCESS_DENIED.test(id) || /UnauthorizedAccessException/.test(r.exceptionType))
    return { code: 'accessDenied', cause: `access is denied: ${r.message}`, record: r };
  return { code: 'other', cause: r.message, record: r };
}

/** A failed run as a WindowsError: its terminating record when it has one, else its code. */
export function classifyFailure(err: PowerShellError): WindowsError {
  if (err.code === 'scriptFailed' && err.record) return classifyRecord(err.record);
  const code: WindowsErrorCode = err.code === 'aborted' || err.code === 'scriptFailed' ? 'other' : err.code;
  return { code, cause: err.message };
}
