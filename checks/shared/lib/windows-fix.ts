/**
 * The fix for a failed PowerShell or WinRM run (a WindowsError the Windows path classified): steps
 * with exact commands for the node or for this machine. Shared by the nodes.* and ad.* checks.
 */
import type { RemediationStep } from '../../../src/engine/report.ts';
import { psQuote } from '../../../src/quote.ts';
import type { WindowsError } from '../../../src/facts/index.ts';

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
