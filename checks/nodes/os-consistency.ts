import type { Check } from '../../src/engine/contract.ts';
import type { Command, Remediation } from '../../src/engine/report.ts';
import type { NodeOs } from '../../src/facts/index.ts';
import { NODES_GATE_MESSAGES, nodesViewOrSkip, reportNotRead, reportUnreadable } from './lib/gate.ts';
import { psName } from './lib/ps-name.ts';
import { groupBy, reportAgreement } from './lib/groups.ts';

const messages = {
  sameVersion: 'All {count} nodes that answered run {version}',
  versionsDiffer: 'The nodes run different Windows Server versions: {groups}',
  sameBuild: 'All nodes are at build {build}',
  buildsDiffer: 'The nodes run {version} at different builds (update levels): {groups}',
  sameEdition: 'All nodes run the {edition} edition',
  editionsDiffer: 'The nodes run different editions: {groups}',
  matchesSpec: 'The nodes run Windows Server {expected}, as cluster.windowsVersion says',
  specMismatch: 'cluster.windowsVersion is {expected}, but {groups}',
  unreadable: '{node}: the operating system could not be read: {error}',
  ...NODES_GATE_MESSAGES,
} as const;

type OsNode = { readonly node: string; readonly computerName: string; readonly os: NodeOs };

/**
 * What "the same version" means: the release ("Windows Server 2008 R2", whatever its service pack
 * or build), or for a release clusterprobe does not list, the caption and the whole version.
 */
export function versionLabel(os: NodeOs): string {
  return os.release
    ? `Windows Server ${os.release.replace(/R2$/, ' R2')}`
    : `${os.caption || 'Windows'} (${os.version})`;
}

/** The nodes grouped by a value, biggest group first, and in words: "A on hv01, hv02; B on hv03". */
function perNode(nodes: readonly OsNode[], command: (target: string) => string): Command[] {
  return nodes.map((n) => ({ shell: 'powershell', command: command(psName(n.computerName)), runOn: 'this machine' }));
}

function versionFix(nodes: readonly OsNode[]): Remediation {
  return {
    summary: 'Install one Windows Server version on every node',
    steps: [
      {
        text: "A failover cluster's nodes run one Windows Server version. Reinstall or upgrade the odd nodes to the version the cluster is meant to run (cluster.windowsVersion), then run clusterprobe again. (Cluster OS Rolling Upgrade, from 2012 R2 onwards, mixes two versions only while an existing cluster is upgraded, not for a new one.)",
      },
      {
        text: 'See what each node runs:',
        commands: perNode(
          nodes,
          (t) =>
            `Invoke-Command -ComputerName ${t} -ScriptBlock { Get-WmiObject Win32_OperatingSystem | Select-Object Caption, Version, BuildNumber }`,
        ),
      },
    ],
  };
}

function buildFix(nodes: readonly OsNode[], version: string): Remediation {
  const first = nodes[0]?.computerName ?? '<node1>';
  const second = nodes[1]?.computerName ?? '<node2>';
  return {
    summary: 'Bring every node to the same update level',
    steps: [
      {
        text: `Install the same updates (and, on 2008 R2, Service Pack 1: build 7601) on every node of ${version}, then restart them. Compare what is installed:`,
        commands: [
          {
            shell: 'powershell',
            command: `Compare-Object (Get-HotFix -ComputerName ${psName(first)}).HotFixID (Get-HotFix -ComputerName ${psName(second)}).HotFixID`,
            runOn: 'this machine',
          },
        ],
      },
      {
        text: 'Then update the nodes that are behind (sconfig option 6, Windows Update, or your WSUS); once the cluster exists, Cluster-Aware Updating keeps them together.',
        commands: [{ shell: 'cmd', command: 'sconfig', runOn: 'each node that is behind' }],
      },
    ],
  };
}

function editionFix(): Remediation {
  return {
    summary: 'Use one edition on every node',
    steps: [
      {
        text: 'Mixed editions can form a cluster from Windows Server 2012 on, but differ in what they allow (Standard licenses two VMs per license, Datacenter unlimited; evaluation editions expire). Windows Server 2008 R2 clusters only on Enterprise and Datacenter. Convert the odd nodes (DISM /Online /Set-Edition, where the edition allows it) or reinstall them.',
        commands: [
          { shell: 'cmd', command: 'DISM /Online /Get-TargetEditions', runOn: 'each node whose edition differs' },
        ],
      },
    ],
  };
}

function specFix(expected: string, actual: string): Remediation {
  return {
    summary: 'Make cluster.windowsVersion and the nodes agree',
    steps: [
      {
        text: `If the nodes are what the cluster will run, set cluster.windowsVersion: "${actual}" in the spec: the other checks give their advice for that version. If the spec is right, install Windows Server ${expected} on the nodes.`,
      },
    ],
  };
}

const check = {
  meta: {
    id: 'nodes.os.consistency',
    title: 'The nodes run the same Windows Server version, build and edition',
    area: 'nodes',
    description:
      "Compares Win32_OperatingSystem (Caption, Version, BuildNumber, OperatingSystemSKU) and the registry's EditionID and UBR across the nodes that answered: different versions (releases) fail, different builds within a version (update levels) warn, different editions warn; and the release against cluster.windowsVersion when the spec gives it.",
    why: 'Every node of a failover cluster runs the same Windows Server version; nodes at different update levels fail validation\'s "Validate Software Update Levels" and behave differently under failover; an edition difference changes what the cluster may host.',
    docs: 'docs/checks/nodes.os.consistency.md',
    severity: 'fail',
    facts: ['nodes.facts', 'spec'],
    messages,
    remediations: [
      'Different versions: reinstall or upgrade the odd nodes; or correct cluster.windowsVersion.',
      'Different builds: install the same updates everywhere (Compare-Object of Get-HotFix), then keep them together with Cluster-Aware Updating.',
      'Different editions: DISM /Online /Set-Edition or reinstall.',
    ],
  },
  async run(ctx) {
    const view = await nodesViewOrSkip(ctx);
    if (!view) return;
    for (const n of view.unread) reportNotRead(ctx, n);
    const nodes: OsNode[] = [];
    for (const n of view.read) {
      const os = n.facts.os;
      if (os && os.version !== '') nodes.push({ node: n.node, computerName: n.computerName, os });
      else reportUnreadable(ctx, n, 'os', 'no operating system data');
    }
    if (nodes.length === 0) return;
    const evidence = { nodes: Object.fromEntries(nodes.map((n) => [n.node, n.os])) };

    const releaseOf = (n: OsNode) => n.os.release ?? n.os.version;
    const versions = reportAgreement(ctx, nodes, (n) => versionLabel(n.os), {
      subject: 'version',
      evidence,
      same: { messageId: 'sameVersion', data: (version) => ({ count: nodes.length, version }) },
      differ: { status: 'fail', messageId: 'versionsDiffer', values: 'versions', remediation: versionFix(nodes) },
    });
    if (versions.length === 1) {
      const version = versions[0]!.value;
      reportAgreement(ctx, nodes, (n) => n.os.build, {
        subject: 'build',
        evidence,
        same: { messageId: 'sameBuild', data: (build) => ({ build }) },
        differ: {
          status: 'warn',
          messageId: 'buildsDiffer',
          values: 'builds',
          data: { version },
          remediation: buildFix(nodes, version),
        },
      });
    }
    reportAgreement(ctx, nodes, (n) => n.os.edition, {
      subject: 'edition',
      evidence,
      same: { messageId: 'sameEdition', data: (edition) => ({ edition }) },
      differ: { status: 'warn', messageId: 'editionsDiffer', values: 'editions', remediation: editionFix() },
    });

    const spec = await ctx.fact('spec');
    const expected = spec.cluster?.windowsVersion;
    if (expected === undefined) return;
    const off = nodes.filter((n) => releaseOf(n) !== expected);
    if (off.length === 0) {
      ctx.report({
        status: 'pass',
        messageId: 'matchesSpec',
        subject: 'cluster.windowsVersion',
        data: { expected },
        evidence,
      });
      return;
    }
    const offGroups = groupBy(off, (n) => versionLabel(n.os));
    const words = offGroups
      .map((g) => `${g.nodes.join(', ')} run${g.nodes.length === 1 ? 's' : ''} ${g.value}`)
      .join('; ');
    ctx.report({
      status: 'fail',
      messageId: 'specMismatch',
      subject: 'cluster.windowsVersion',
      data: { expected, groups: words, nodes: off.map((n) => n.node), actual: off.map((n) => releaseOf(n)) },
      evidence,
      remediation: specFix(expected, releaseOf(off[0]!)),
    });
  },
} satisfies Check;

export default check;
