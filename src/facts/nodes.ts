/**
 * The `nodes.facts` fact (src/windows/node-probe.ts): every node read at once over PowerShell
 * remoting, each with its status and, when it answered, what src/windows/node-facts.ts parsed.
 */
import type { WindowsVersion } from '../config/schema.ts';
import type { WindowsErrorCode } from './windows.ts';

export type NodeStatus = 'ok' | WindowsErrorCode;

/** Why a node has no facts: the classified cause, and the record it came from. */
export interface NodeError {
  readonly code: WindowsErrorCode;
  readonly cause: string;
  readonly message?: string;
  readonly fullyQualifiedErrorId?: string;
  readonly exceptionType?: string;
}

export interface NodeEntry {
  /** The node's name in the spec. */
  readonly node: string;
  /** What Invoke-Command connected to: nodes[].fqdn, else the name. */
  readonly computerName: string;
  readonly status: NodeStatus;
  readonly facts?: NodeFacts;
  readonly error?: NodeError;
  /** Error records about this node that came with its facts (it answered nonetheless). */
  readonly remoteErrors?: NodeError[];
}

export interface NodesFact {
  /** ok: PowerShell ran (each node has its own status); skipped: no Windows path here; failed: the run gave no result. */
  readonly status: 'ok' | 'skipped' | 'failed';
  readonly skipped?: { readonly code: 'notWindows' | 'noPowerShell'; readonly reason: string };
  /** Why the run as a whole gave nothing (PowerShell timed out, died or printed something else). */
  readonly failure?: NodeError;
  readonly executable?: string;
  readonly ms?: number;
  /** What PowerShell printed besides the result (a profile, a module), as evidence. */
  readonly noise?: string;
  readonly nodes: NodeEntry[];
  /** Error records that name no node of the spec. */
  readonly unmatched?: NodeError[];
}

export type CpuVendor = 'Intel' | 'AMD' | 'other';
export type PendingRebootIndicator =
  | 'componentBasedServicing'
  | 'windowsUpdate'
  | 'fileRenameOperations'
  | 'computerRename';

export interface NodeOs {
  /** Win32_OperatingSystem.Caption, trimmed (2008 R2 ends it with a space). */
  readonly caption: string;
  /** "6.1.7601", "10.0.17763". */
  readonly version: string;
  readonly buildNumber: string;
  /** Update build revision (the patch level, Windows Server 2016 and later); null before. */
  readonly ubr: number | null;
  /** buildNumber, and ".ubr" when there is one: what differs when nodes are patched differently. */
  readonly build: string;
  /** The Windows Server release the version is, or null for one clusterprobe does not list. */
  readonly release: WindowsVersion | null;
  readonly sku: number | null;
  readonly skuName: string | null;
  /** The registry's EditionID (ServerDatacenter, ServerEnterprise...). */
  readonly editionId: string | null;
  /** What the edition is compared by: EditionID, else the SKU's name, else the caption. */
  readonly edition: string;
  /** "Server", "Server Core" (absent on 2008 R2). */
  readonly installationType: string | null;
  readonly servicePack: number | null;
  /** ISO 8601, UTC. */
  readonly lastBootUpTime: string | null;
}

export interface NodeFeature {
  readonly name: string;
  readonly installed: boolean;
  /** Installed, Available, Removed, InstallPending, UninstallPending (2008 R2: Installed or Available). */
  readonly state: string;
}

export interface NodeProcessor {
  /** Win32_Processor.Manufacturer: GenuineIntel, AuthenticAMD. */
  readonly manufacturer: string;
  readonly vendor: CpuVendor;
  /** The model, whitespace collapsed: "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz". */
  readonly name: string;
  readonly cores: number | null;
  readonly logicalProcessors: number | null;
}

export interface NodeIscsi {
  /** The initiator's iSCSI qualified name, lower case; null when none was found. */
  readonly iqn: string | null;
  readonly source: 'Get-InitiatorPort' | 'MSiSCSIInitiator_MethodClass' | null;
  /** The Microsoft iSCSI Initiator Service (MSiSCSI): Running, Stopped..., null when absent. */
  readonly service: string | null;
}

export interface NodeAdapter {
  /** The connection name (NetConnectionID): "Ethernet 2", "Local Area Connection". */
  readonly name: string;
  readonly description: string | null;
  /** Link speed in bit/s; null when Windows does not know it. */
  readonly speedBps: number | null;
  readonly mac: string | null;
}

export interface NodePendingReboot {
  readonly indicators: PendingRebootIndicator[];
  readonly fileRenameEntries: number;
  readonly activeComputerName: string | null;
  readonly pendingComputerName: string | null;
}

export interface NodeDomain {
  readonly partOfDomain: boolean | null;
  /** The domain's DNS name, or the workgroup's name when not in a domain. */
  readonly domain: string | null;
  readonly role: number | null;
  readonly roleName: string | null;
  readonly dnsHostName: string | null;
}

/** A reading on the node that failed (caught there), by section: os, features, cpu, iscsi, network, reboot, domain. */
export interface NodeProblem {
  readonly section: string;
  readonly message: string;
  readonly id: string;
}

export interface NodeFacts {
  /** $env:COMPUTERNAME on the node. */
  readonly computerName: string;
  /** The node's PowerShell: "2.0" on 2008 R2, "5.1.17763.1" later. */
  readonly psVersion: string | null;
  readonly os: NodeOs | null;
  /** Null when Get-WindowsFeature could not be run (see problems). */
  readonly features: NodeFeature[] | null;
  readonly processors: NodeProcessor[];
  readonly iscsi: NodeIscsi | null;
  readonly adapters: NodeAdapter[];
  readonly pendingReboot: NodePendingReboot | null;
  readonly domain: NodeDomain | null;
  readonly problems: NodeProblem[];
}
