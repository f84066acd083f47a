/**
 * The built-in probes. Each produces one named fact. The spec itself is a fact, so that
 * config-only checks are pure functions of facts like every other check and re-run offline from
 * a facts file. It holds secret references (env:NAME), never secret values.
 *
 * A probe is declared here (its fact and description) and its code, with the protocol client it
 * drives (the iSCSI initiator, LDAP, PowerShell), is imported when it first collects: `checks list`
 * and `checks explain` build the same registry and load none of it (test/cli/startup-modules.test.ts).
 */
import type { Probe } from './engine/contract.ts';
import type { FactName, FactProbe } from './facts/index.ts';

export const specProbe: FactProbe<'spec'> = {
  fact: 'spec',
  description: 'The cluster spec as loaded and validated (secret references only).',
  collect: (ctx) => ctx.spec,
};

/** A probe whose code `load` imports on its first collect (the module system keeps it for later ones). */
function onDemand<K extends FactName>(
  fact: K,
  description: string,
  load: () => Promise<Pick<FactProbe<K>, 'collect'>>,
): FactProbe<K> {
  return { fact, description, collect: async (ctx) => (await load()).collect(ctx) };
}

/** One probe per built-in fact, each typed by its entry of FactMap (a fact without a probe does not compile). */
const BY_FACT: { readonly [K in FactName]: FactProbe<K> } = {
  spec: specProbe,
  'storage.inventory': onDemand(
    'storage.inventory',
    'Per portal: TCP reachability, SendTargets and, per target and node identity, login and the LUNs (INQUIRY, VPD 0x83, READ CAPACITY); the same readings of local devices (storage.devices) through sg3_utils. Read-only.',
    async () => (await import('./storage/probe.ts')).storageProbe,
  ),
  'storage.pr': onDemand(
    'storage.pr',
    'Runs the failover-cluster persistent reservation sequence on every candidate disk as two node identities (local devices: two paths, through sg3_utils), then removes its keys and verifies they are gone. Changes PR state only with its own keys; never touches disks that hold other registrations; never reads or writes data.',
    async () => (await import('./storage/pr-probe.ts')).prProbe,
  ),
  'ad.directory': onDemand(
    'ad.directory',
    "Active Directory over LDAPS/StartTLS: DC discovery, connect and bind, rootDSE, domain head, the computer objects naming the nodes and the cluster, the bind account's groups, the security descriptors of the target OU and of a prestaged cluster name, and the nodes' DNS records. Without activeDirectory.bind, on Windows: the same through the ActiveDirectory PowerShell module as the logged-in user (Kerberos). Read-only.",
    async () => (await import('./ad/probe.ts')).adProbe,
  ),
  'nodes.facts': onDemand(
    'nodes.facts',
    'Every node at once over PowerShell remoting (Invoke-Command, WinRM, as the logged-in user): OS caption, edition, version and build; Failover-Clustering, Hyper-V and Multipath-IO; processors; the iSCSI initiator name; network adapters that are up; pending reboot; domain membership. Read-only. Skipped where there is no Windows PowerShell path.',
    async () => (await import('./windows/node-probe.ts')).nodesProbe,
  ),
};

export const builtinProbes: readonly Probe[] = Object.values(BY_FACT) as Probe[];
