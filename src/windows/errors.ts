/**
 * What a PowerShell ErrorRecord means, and what fixes it: WinRM refusing or not answering, a name
 * that does not resolve, Kerberos or TrustedHosts trouble, a module or cmdlet that is missing.
 * Classified by FullyQualifiedErrorId and exception type first, by message text last (messages
 * are localised; ids are not).
 */
import type { RemediationStep } from '../engine/report.ts';
import { psQuote } from '../quote.ts';
import type { PowerShellError } from './powershell.ts';
import type { PsErrorRecord, WindowsErrorCode } from '../facts/windows.ts';

export type { WindowsErrorCode };

export interface WindowsError {
  readonly code: WindowsErrorCode;
  /** The cause, one sentence, for a finding's message. */
  readonly cause: string;
  /** The module a moduleMissing error names (ActiveDirectory, FailoverClusters...). */
  readonly module?: string;
  readonly record?: PsErrorRecord;
}

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

const RSAT_AD = 'Install-WindowsFeature RSAT-AD-PowerShell';
const RSAT_AD_CLIENT = 'Add-WindowsCapability -Online -Name Rsat.ActiveDirectory.DS-LDS.Tools~~~~0.0.1.0';

/**
 * What fixes it: steps with exact commands, for a node (`node`, the name as the spec or the node
 * gave it: it is quoted here, once, for each shell) or for this machine.
 */
export function windowsFix(e: WindowsError, node?: string): RemediationStep[] {
  const target = node ?? 'the node';
  const ps = psQuote(node ?? '<node>');
  switch (e.code) {
    case 'accessDenied':
      return [
        {
          text: `Run clusterprobe as a domain account that is an administrator on ${target} (or, from Windows Server 2012 on, a member of its Remote Management Users group), from a domain-joined machine so that Kerberos is used:`,
          commands: [
            {
              shell: 'powershell',
              command: `Invoke-Command -ComputerName ${ps} -ScriptBlock { whoami /groups }`,
              runOn: 'this machine',
            },
            {
              shell: 'powershell',
              command: `Add-LocalGroupMember -Group 'Remote Management Users' -Member '<DOMAIN>\\<user>'`,
              runOn: `${target} (Windows Server 2016 and later)`,
            },
            {
              shell: 'cmd',
              command: 'net localgroup Administrators "<DOMAIN>\\<user>" /add',
              runOn: `${target} (any version, Windows Server 2008 R2 included)`,
            },
          ],
        },
      ];
    case 'unreachable':
    case 'timeout':
      return [
        {
          text: `Check that WinRM answers on ${target} (TCP 5985 for HTTP, 5986 for HTTPS):`,
          commands: [
            { shell: 'powershell', command: `Test-WSMan -ComputerName ${ps}`, runOn: 'this machine' },
            {
              shell: 'powershell',
              command: `Test-NetConnection -ComputerName ${ps} -Port 5985`,
              runOn: 'this machine',
            },
          ],
        },
        {
          text: `If it does not, enable remoting on the node (it starts WinRM, sets it to start automatically and opens the firewall for the domain profile):`,
          commands: [
            { shell: 'powershell', command: 'Enable-PSRemoting -Force', runOn: target },
            { shell: 'cmd', command: 'winrm quickconfig -q', runOn: `${target} (Windows Server 2008 R2)` },
          ],
        },
      ];
    case 'dnsFailed':
      return [
        {
          text: `${target} does not resolve from here: use its FQDN in nodes[].fqdn, or register it in the domain's DNS (see ad.dns.node-records).`,
          commands: [{ shell: 'powershell', command: `Resolve-DnsName -Name ${ps}`, runOn: 'this machine' }],
        },
      ];
    case 'authFailed':
      return [
        {
          text: "Kerberos needs the node's domain name, not an IP address: list the node by its FQDN. Between untrusted domains or by IP, WinRM needs HTTPS and TrustedHosts:",
          commands: [
            {
              shell: 'powershell',
              command: `Set-Item WSMan:\\localhost\\Client\\TrustedHosts -Value ${ps} -Concatenate -Force`,
              runOn: 'this machine (only when Kerberos cannot be used)',
            },
          ],
        },
      ];
    case 'moduleMissing':
      return [
        {
          text: `Install the ${e.module ?? 'missing'} PowerShell module on this machine (RSAT):`,
          commands:
            e.module === 'FailoverClusters'
              ? [
                  {
                    shell: 'powershell',
                    command: 'Install-WindowsFeature RSAT-Clustering-PowerShell',
                    runOn: 'this machine (Windows Server)',
                  },
                  {
                    shell: 'powershell',
                    command: 'Add-WindowsCapability -Online -Name Rsat.FailoverCluster.Management.Tools~~~~0.0.1.0',
                    runOn: 'this machine (Windows 10/11)',
                  },
                ]
              : [
                  { shell: 'powershell', command: RSAT_AD, runOn: 'this machine (Windows Server)' },
                  { shell: 'powershell', command: RSAT_AD_CLIENT, runOn: 'this machine (Windows 10/11)' },
                ],
        },
      ];
    case 'commandMissing':
      return [
        {
          text: 'This cmdlet is missing where it ran: the Windows version is older than the cmdlet (for example Get-InitiatorPort came with Windows Server 2012), or its module is not installed.',
        },
      ];
    case 'noPowerShell':
      return [
        {
          text: 'Install PowerShell 7, or point windows.powershell at Windows PowerShell:',
          commands: [
            {
              shell: 'cmd',
              command: 'winget install --id Microsoft.PowerShell --source winget',
              runOn: 'this machine',
            },
          ],
        },
      ];
    case 'badOutput':
    case 'processExited':
      return [
        {
          text: "PowerShell did not return clusterprobe's result. Run again with CLUSTERPROBE_DEBUG=1, and check that no profile or module prints to the console (clusterprobe starts PowerShell with -NoProfile).",
        },
      ];
    default:
      return [{ text: `PowerShell reported: ${e.cause}` }];
  }
}
