/**
 * The `nodes.facts` script: one Invoke-Command to every node at once, and the parser that turns
 * what it printed into NodeFacts.
 *
 * The remote script block runs in the node's own PowerShell, which on Windows Server 2008 R2 is
 * Windows PowerShell 2.0: it uses Get-WmiObject (not Get-CimInstance), New-Object PSObject (not
 * [pscustomobject]), no [ordered], no -in, no $using:, no simplified Where-Object. It catches
 * every error itself and returns it in `Problems`, so that an error record coming back from a
 * node always means the connection or the node, never one reading that failed.
 *
 * Remoting serialises a returned object to depth 1: a property holding another object would come
 * back as its ToString ("System.Collections.Hashtable"). Hashtables and arrays are containers and
 * are serialised whole, so each node returns one PSObject whose properties are primitives,
 * hashtables and arrays of hashtables.
 *
 * The parser accepts both shapes the management host's ConvertTo-Json writes: Windows PowerShell
 * 5.1 (dates as "\/Date(ms)\/", or as {value, DisplayHint, DateTime} when the DateTime is wrapped
 * in a PSObject; an array wrapped in a PSObject as {value, Count}) and pwsh 7 (ISO 8601 dates).
 * Both write enums as numbers, a one-element pipeline output as the object itself, and the
 * properties remoting adds (PSComputerName, RunspaceId, PSShowComputerName). Dates and lists are
 * read by src/windows/ps-json.ts, under its zone rule: a boot time without a zone is no instant.
 */
import { z } from 'zod';
import { PsOutputError, type PsScript } from './powershell.ts';
import { isPsInvalid, psInstant, psList, type PsInvalid } from './ps-json.ts';
import type { WindowsVersion } from '../config/schema.ts';
import type { CpuVendor, NodeFacts, NodeOs, PendingRebootIndicator } from '../facts/nodes.ts';

/** The features the node checks read: clustering itself, the Hyper-V role, and MPIO for iSCSI. */
export const FEATURE_NAMES = ['Failover-Clustering', 'Hyper-V', 'Multipath-IO'] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

/**
 * Runs on each node (Windows PowerShell 2.0 and later). Reads nothing from the management host:
 * no `$p`, no `$using:`.
 */
export const REMOTE_BLOCK = String.raw`
$ErrorActionPreference = 'Stop'
$cpProblems = New-Object System.Collections.ArrayList
function cpSection([string]$section, [scriptblock]$block) {
  try { & $block } catch { [void]$cpProblems.Add(@{ Section = $section; Message = [string]$_.Exception.Message; Id = [string]$_.FullyQualifiedErrorId }) }
}
$os = cpSection 'os' { Get-WmiObject -Class Win32_OperatingSystem }
$cv = cpSection 'os' { Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion' }
$boot = $null
if ($os -and $os.LastBootUpTime) { $boot = cpSection 'os' { [System.Management.ManagementDateTimeConverter]::ToDateTime($os.LastBootUpTime) } }
$osInfo = $null
if ($os) {
  $osInfo = @{
    Caption = [string]$os.Caption
    Version = [string]$os.Version
    BuildNumber = [string]$os.BuildNumber
    OperatingSystemSKU = $os.OperatingSystemSKU
    ServicePackMajorVersion = $os.ServicePackMajorVersion
    EditionID = $cv.EditionID
    InstallationType = $cv.InstallationType
    UBR = $cv.UBR
    LastBootUpTime = $boot
  }
}
$features = cpSection 'features' {
  if (-not (Get-Command -Name Get-WindowsFeature -ErrorAction SilentlyContinue)) { Import-Module ServerManager }
  foreach ($f in @(Get-WindowsFeature -Name 'Failover-Clustering', 'Hyper-V', 'Multipath-IO')) {
    $state = 'Available'
    if ($f.PSObject.Properties['InstallState']) { $state = [string]$f.InstallState } elseif ($f.Installed) { $state = 'Installed' }
    @{ Name = [string]$f.Name; Installed = [bool]$f.Installed; InstallState = $state }
  }
}
$featuresRead = $true
foreach ($problem in $cpProblems) { if ($problem.Section -eq 'features') { $featuresRead = $false } }
$processors = cpSection 'cpu' {
  foreach ($c in @(Get-WmiObject -Class Win32_Processor)) {
    @{ Manufacturer = [string]$c.Manufacturer; Name = [string]$c.Name; NumberOfCores = $c.NumberOfCores; NumberOfLogicalProcessors = $c.NumberOfLogicalProcessors }
  }
}
$iscsi = cpSection 'iscsi' {
  $iqn = $null
  $source = $null
  if (Get-Command -Name Get-InitiatorPort -ErrorAction SilentlyContinue) {
    foreach ($port in @(Get-InitiatorPort)) {
      $type = [string]$port.ConnectionType
      if (($type -eq 'iSCSI' -or $type -eq '2') -and -not $iqn) { $iqn = [string]$port.NodeAddress; $source = 'Get-InitiatorPort' }
    }
  }
  if (-not $iqn) {
    $initiator = @(Get-WmiObject -Namespace 'root\wmi' -Class MSiSCSIInitiator_MethodClass)
    if ($initiator.Count -gt 0 -and $initiator[0].iSCSINodeName) { $iqn = [string]$initiator[0].iSCSINodeName; $source = 'MSiSCSIInitiator_MethodClass' }
  }
  $service = $null
  $svc = Get-Service -Name MSiSCSI -ErrorAction SilentlyContinue
  if ($svc) { $service = [int]$svc.Status }
  @{ NodeAddress = $iqn; Source = $source; ServiceStatus = $service }
}
$adapters = cpSection 'network' {
  foreach ($a in @(Get-WmiObject -Class Win32_NetworkAdapter -Filter 'NetConnectionStatus = 2')) {
    @{ Name = [string]$a.NetConnectionID; Description = [string]$a.Name; Speed = $a.Speed; MACAddress = [string]$a.MACAddress }
  }
}
$reboot = cpSection 'reboot' {
  $cbs = Test-Path -Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'
  $wu = Test-Path -Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired'
  $renames = 0
  $sm = Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -Name PendingFileRenameOperations -ErrorAction SilentlyContinue
  if ($sm -and $sm.PendingFileRenameOperations) { $renames = @($sm.PendingFileRenameOperations | Where-Object { $_ }).Count }
  $active = (Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName\ActiveComputerName').ComputerName
  $next = (Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName').ComputerName
  @{ ComponentBasedServicing = [bool]$cbs; WindowsUpdate = [bool]$wu; PendingFileRenameOperations = $renames; ActiveComputerName = [string]$active; PendingComputerName = [string]$next }
}
$domain = cpSection 'domain' {
  $cs = Get-WmiObject -Class Win32_ComputerSystem
  @{ PartOfDomain = $cs.PartOfDomain; Domain = [string]$cs.Domain; DomainRole = $cs.DomainRole; DNSHostName = [string]$cs.DNSHostName }
}
New-Object PSObject -Property @{
  ComputerName = [string]$env:COMPUTERNAME
  PSVersion = [string]$PSVersionTable.PSVersion
  OS = $osInfo
  Features = $features
  FeaturesRead = $featuresRead
  Processors = $processors
  Iscsi = $iscsi
  Adapters = $adapters
  PendingReboot = $reboot
  Domain = $domain
  Problems = $cpProblems.ToArray()
}
`;

/**
 * Runs on the management host. Invoke-Command as a job so that a node that hangs does not hide
 * the others: after `waitSeconds` the finished nodes' output is received and each child job
 * still running is recorded as an error naming its node (CpNodeTimeout). Such a job is left to
 * the process, which the run ends: stopping a job whose node hangs can itself hang.
 */
const BODY = String.raw`
$cpOption = New-PSSessionOption -OpenTimeout ([int]$p.openTimeoutMs) -OperationTimeout ([int]$p.operationTimeoutMs)
$cpJob = Invoke-Command -ComputerName $p.nodes -ThrottleLimit 32 -SessionOption $cpOption -ErrorAction SilentlyContinue -AsJob -ScriptBlock {${REMOTE_BLOCK}}
$null = Wait-Job -Job $cpJob -Timeout ([int]$p.waitSeconds)
Receive-Job -Job $cpJob -ErrorAction SilentlyContinue
$cpLate = 0
foreach ($cpChild in @($cpJob.ChildJobs)) {
  if ($cpChild.State -ne 'Completed' -and $cpChild.State -ne 'Failed') {
    $cpLate++
    Write-Error -Message ('{0} did not answer within {1} s: Invoke-Command on it was still running' -f [string]$cpChild.Location, [int]$p.waitSeconds) -Category OperationTimeout -ErrorId 'CpNodeTimeout' -TargetObject ([string]$cpChild.Location) -ErrorAction SilentlyContinue
  }
}
if ($cpLate -eq 0) { Remove-Job -Job $cpJob -Force -ErrorAction SilentlyContinue }
`;

/** The FullyQualifiedErrorId of the record the body writes for a node still running at the deadline. */
export const NODE_TIMEOUT_ERROR_ID = 'CpNodeTimeout';
/** The id of the problem recorded for a time that names no instant (see ps-json.ts's zone rule). */
export const BAD_TIME_ID = 'CpTimeNotRead';

export interface NodeFactsParams {
  /** What Invoke-Command connects to: each node's FQDN when the spec gives one, else its name. */
  readonly nodes: readonly string[];
  readonly openTimeoutMs: number;
  readonly operationTimeoutMs: number;
  /** How long to wait for every node before the late ones are recorded as timed out. */
  readonly waitSeconds: number;
}

/**
 * The parameters for one run whose whole time limit is `timeoutMs` (the session's): the nodes'
 * deadline leaves a fifth of it to receive, convert and print the result.
 */
export function nodeFactsParams(computerNames: readonly string[], timeoutMs: number): NodeFactsParams {
  return {
    nodes: [...computerNames],
    openTimeoutMs: Math.max(1000, Math.min(30_000, Math.floor(timeoutMs / 4))),
    operationTimeoutMs: Math.max(1000, Math.min(180_000, Math.floor(timeoutMs / 2))),
    waitSeconds: Math.max(1, Math.floor((timeoutMs * 0.8) / 1000)),
  };
}

/** One object Invoke-Command returned: who it came from (PSComputerName) and what it said. */
export type NodeOutput =
  | { readonly target: string | null; readonly facts: NodeFacts }
  | { readonly target: string | null; readonly problem: string };

/** Windows Server releases by build number (10.0.x). */
const BUILD_RELEASES: Readonly<Record<string, WindowsVersion>> = {
  '14393': '2016',
  '17763': '2019',
  '20348': '2022',
  '26100': '2025',
};
const VERSION_RELEASES: Readonly<Record<string, WindowsVersion>> = { '6.1': '2008R2', '6.2': '2012', '6.3': '2012R2' };

/** The Windows Server release a Win32_OperatingSystem.Version is, or null. */
export function windowsRelease(version: string, buildNumber?: string): WindowsVersion | null {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (!m) return null;
  const majorMinor = `${m[1]}.${m[2]}`;
  if (majorMinor === '10.0') return BUILD_RELEASES[m[3] ?? buildNumber ?? ''] ?? null;
  return VERSION_RELEASES[majorMinor] ?? null;
}

/** OperatingSystemSKU values of the server editions (GetProductInfo's PRODUCT_* constants). */
const SKU_NAMES: Readonly<Record<number, string>> = {
  7: 'Standard',
  8: 'Datacenter',
  10: 'Enterprise',
  12: 'Datacenter (Server Core)',
  13: 'Standard (Server Core)',
  14: 'Enterprise (Server Core)',
  17: 'Web',
  29: 'Web (Server Core)',
  42: 'Hyper-V Server',
  79: 'Standard Evaluation',
  80: 'Datacenter Evaluation',
};

/** ServiceControllerStatus, as ConvertTo-Json writes it (a number). */
const SERVICE_STATUS: Readonly<Record<number, string>> = {
  1: 'Stopped',
  2: 'StartPending',
  3: 'StopPending',
  4: 'Running',
  5: 'ContinuePending',
  6: 'PausePending',
  7: 'Paused',
};
/** Win32_ComputerSystem.DomainRole. */
const DOMAIN_ROLES: Readonly<Record<number, string>> = {
  0: 'Standalone Workstation',
  1: 'Member Workstation',
  2: 'Standalone Server',
  3: 'Member Server',
  4: 'Backup Domain Controller',
  5: 'Primary Domain Controller',
};

/** Win32_NetworkAdapter.Speed when Windows does not know the speed (2^63 - 1) reads as at least this. */
const UNKNOWN_SPEED = 2 ** 62;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const text = z.preprocess((v) => (typeof v === 'string' ? v.replace(/\s+/g, ' ').trim() : v), z.string());
const optionalText = z.preprocess(
  (v) => (v === undefined || v === null ? null : typeof v === 'string' ? v.replace(/\s+/g, ' ').trim() || null : v),
  z.string().nullable(),
);
const optionalNumber = z.preprocess((v) => (v === undefined ? null : v), z.number().nullable());
const optionalBool = z.preprocess((v) => (v === undefined ? null : v), z.boolean().nullable());
const list = <T extends z.ZodType>(item: T) => z.preprocess(psList, z.array(item));
/**
 * A DateTime as ISO 8601 UTC, by ps-json.ts's zone rule. A value that names no instant (no zone,
 * or garbage) is kept as the refusal: the node's time is then null and the refusal one of its
 * problems (section os), the rest of its facts unaffected.
 */
const date = z.unknown().transform((v): string | null | PsInvalid => {
  const ms = psInstant(v);
  return ms === null || isPsInvalid(ms) ? ms : new Date(ms).toISOString();
});
/** An enum value: ConvertTo-Json writes the number; -EnumsAsStrings (pwsh 7) or [string] the name. */
const enumValue = (names: Readonly<Record<number, string>>) =>
  z
    .union([z.number(), z.string(), z.null(), z.undefined()])
    .transform((v) =>
      v === null || v === undefined || v === '' ? null : typeof v === 'number' ? (names[v] ?? `unknown (${v})`) : v,
    );

const RawOs = z.object({
  Caption: text,
  Version: text,
  BuildNumber: text,
  OperatingSystemSKU: optionalNumber,
  ServicePackMajorVersion: optionalNumber,
  EditionID: optionalText,
  InstallationType: optionalText,
  UBR: optionalNumber,
  LastBootUpTime: date,
});

const RawFeature = z.object({
  Name: text,
  Installed: z.boolean(),
  InstallState: z.union([z.string(), z.number()]).optional(),
});
const RawProcessor = z.object({
  Manufacturer: optionalText,
  Name: optionalText,
  NumberOfCores: optionalNumber,
  NumberOfLogicalProcessors: optionalNumber,
});
const RawIscsi = z.object({
  NodeAddress: optionalText,
  Source: z.enum(['Get-InitiatorPort', 'MSiSCSIInitiator_MethodClass']).nullable().optional(),
  ServiceStatus: enumValue(SERVICE_STATUS),
});
const RawAdapter = z.object({
  Name: optionalText,
  Description: optionalText,
  Speed: optionalNumber,
  MACAddress: optionalText,
});
const RawReboot = z.object({
  ComponentBasedServicing: z.boolean(),
  WindowsUpdate: z.boolean(),
  PendingFileRenameOperations: z.number(),
  ActiveComputerName: optionalText,
  PendingComputerName: optionalText,
});
const RawDomain = z.object({
  PartOfDomain: optionalBool,
  Domain: optionalText,
  DomainRole: optionalNumber,
  DNSHostName: optionalText,
});
const RawProblem = z.object({ Section: text, Message: text, Id: optionalText });

const RawNode = z.object({
  ComputerName: text,
  PSVersion: optionalText,
  OS: RawOs.nullable().optional(),
  Features: list(RawFeature),
  FeaturesRead: z.boolean().optional(),
  Processors: list(RawProcessor),
  Iscsi: RawIscsi.nullable().optional(),
  Adapters: list(RawAdapter),
  PendingReboot: RawReboot.nullable().optional(),
  Domain: RawDomain.nullable().optional(),
  Problems: list(RawProblem),
});

/** GenuineIntel / AuthenticAMD, as CPUID's vendor string (Win32_Processor.Manufacturer) says. */
export function cpuVendor(manufacturer: string): CpuVendor {
  if (/intel/i.test(manufacturer)) return 'Intel';
  if (/amd/i.test(manufacturer)) return 'AMD';
  return 'other';
}

function normaliseOs(raw: z.output<typeof RawOs>): NodeOs {
  const release = windowsRelease(raw.Version, raw.BuildNumber);
  const skuName =
    raw.OperatingSystemSKU === null ? null : (SKU_NAMES[raw.OperatingSystemSKU] ?? `SKU ${raw.OperatingSystemSKU}`);
  return {
    caption: raw.Caption,
    version: raw.Version,
    buildNumber: raw.BuildNumber,
    ubr: raw.UBR,
    build: raw.UBR !== null ? `${raw.BuildNumber}.${raw.UBR}` : raw.BuildNumber,
    release,
    sku: raw.OperatingSystemSKU,
    skuName,
    editionId: raw.EditionID,
    edition: raw.EditionID ?? skuName ?? raw.Caption,
    installationType: raw.InstallationType,
    servicePack: raw.ServicePackMajorVersion,
    lastBootUpTime: isPsInvalid(raw.LastBootUpTime) ? null : raw.LastBootUpTime,
  };
}

function normalise(raw: z.output<typeof RawNode>): NodeFacts {
  const problems = raw.Problems.map((p) => ({ section: p.Section, message: p.Message, id: p.Id ?? '' }));
  if (raw.OS && isPsInvalid(raw.OS.LastBootUpTime))
    problems.push({ section: 'os', message: `LastBootUpTime: ${raw.OS.LastBootUpTime.message}`, id: BAD_TIME_ID });
  const featuresRead = raw.FeaturesRead ?? !problems.some((p) => p.section === 'features');
  const reboot = raw.PendingReboot;
  const indicators: PendingRebootIndicator[] = [];
  if (reboot?.ComponentBasedServicing) indicators.push('componentBasedServicing');
  if (reboot?.WindowsUpdate) indicators.push('windowsUpdate');
  if (reboot && reboot.PendingFileRenameOperations > 0) indicators.push('fileRenameOperations');
  if (
    reboot?.ActiveComputerName &&
    reboot.PendingComputerName &&
    reboot.ActiveComputerName.toLowerCase() !== reboot.PendingComputerName.toLowerCase()
  )
    indicators.push('computerRename');
  return {
    computerName: raw.ComputerName,
    psVersion: raw.PSVersion,
    os: raw.OS ? normaliseOs(raw.OS) : null,
    features: featuresRead
      ? raw.Features.map((f) => ({
          name: f.Name,
          installed: f.Installed,
          state:
            typeof f.InstallState === 'string' && f.InstallState !== ''
              ? f.InstallState
              : f.Installed
                ? 'Installed'
                : 'Available',
        }))
      : null,
    processors: raw.Processors.map((c) => ({
      manufacturer: c.Manufacturer ?? '',
      vendor: cpuVendor(c.Manufacturer ?? ''),
      name: c.Name ?? '',
      cores: c.NumberOfCores,
      logicalProcessors: c.NumberOfLogicalProcessors,
    })),
    iscsi: raw.Iscsi
      ? {
          iqn: raw.Iscsi.NodeAddress?.toLowerCase() ?? null,
          source: raw.Iscsi.NodeAddress ? (raw.Iscsi.Source ?? null) : null,
          service: raw.Iscsi.ServiceStatus,
        }
      : null,
    adapters: raw.Adapters.map((a) => ({
      name: a.Name ?? a.Description ?? '',
      description: a.Description,
      speedBps: a.Speed !== null && a.Speed > 0 && a.Speed < UNKNOWN_SPEED ? a.Speed : null,
      mac: a.MACAddress,
    })),
    pendingReboot: reboot
      ? {
          indicators,
          fileRenameEntries: reboot.PendingFileRenameOperations,
          activeComputerName: reboot.ActiveComputerName,
          pendingComputerName: reboot.PendingComputerName,
        }
      : null,
    domain: raw.Domain
      ? {
          partOfDomain: raw.Domain.PartOfDomain,
          domain: raw.Domain.Domain,
          role: raw.Domain.DomainRole,
          roleName:
            raw.Domain.DomainRole === null
              ? null
              : (DOMAIN_ROLES[raw.Domain.DomainRole] ?? `role ${raw.Domain.DomainRole}`),
          dnsHostName: raw.Domain.DNSHostName,
        }
      : null,
    problems,
  };
}

function issueText(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/**
 * The body's output: one object per node that answered. A value that is not objects at all is
 * refused (PsOutputError); one object that does not have the expected shape becomes a problem
 * for its node alone.
 */
export function parseNodeFacts(value: unknown): NodeOutput[] {
  const items = psList(value);
  return items.map((item, i) => {
    if (!isRecord(item))
      throw new PsOutputError(
        `item ${i} is ${item === null ? 'null' : typeof item}, not a node's object: ${JSON.stringify(item).slice(0, 80)}`,
      );
    const target = typeof item.PSComputerName === 'string' && item.PSComputerName !== '' ? item.PSComputerName : null;
    const parsed = RawNode.safeParse(item);
    if (!parsed.success) return { target, problem: issueText(parsed.error) };
    return { target, facts: normalise(parsed.data) };
  });
}

export const nodeFactsScript: PsScript<NodeOutput[]> = {
  name: 'nodes.facts',
  body: BODY,
  depth: 8,
  parse: parseNodeFacts,
};
