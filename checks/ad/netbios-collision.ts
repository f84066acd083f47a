import type { Check } from '../../src/engine/contract.ts';
import type { ClusterSpec } from '../../src/config/schema.ts';
import type { Remediation, RemediationStep } from '../../src/engine/report.ts';
import { escapeFilterValue } from '../../src/facts/ad-names.ts';
import { netbiosName, NETBIOS_MAX } from '../../src/netbios.ts';
import { renameRemediation, type DeclaredName } from '../config/lib/names.ts';
import {
  byNameObjects,
  describeObject,
  hostLabel,
  holdersOf,
  isOwnObject,
  removeStaleSteps,
  clusterRenameSuggester,
  setAccountNameCommands,
} from './lib/computer-account.ts';
import { psQuote, shQuote } from '../../src/quote.ts';
import type { ComputerObject, NodeName } from '../../src/facts/index.ts';
import { AD_DIRECTORY_MESSAGES, AD_GATE_MESSAGES, adComputersOrSkip } from './lib/gate.ts';

const messages = {
  unique: 'No name of the cluster collides with another name or with another computer object in {domain}',
  namesCollide: '{count} names share the NetBIOS name {netbiosName}: {hosts}',
  objectCollision:
    "{node}'s NetBIOS name {netbiosName} is the account name of another computer object, {dn} (dNSHostName {dnsHostName}, created {whenCreated})",
  clusterNameInUse:
    'The cluster name {name} is taken by {dn} (enabled: {enabled}, dNSHostName {dnsHostName}, created {whenCreated}): New-Cluster would fail with "the name is in use"',
  ...AD_DIRECTORY_MESSAGES,
  ...AD_GATE_MESSAGES,
} as const;

interface Named {
  readonly name: NodeName;
  readonly declared: DeclaredName;
}

function verifyStep(name: string): RemediationStep {
  return {
    text: `clusterprobe only reads the objects that name the cluster's own names: check that "${name}" is free before you use it, then run clusterprobe again with the new name in the spec.`,
    commands: [
      {
        shell: 'powershell',
        command: `Get-ADComputer -LDAPFilter ${psQuote(`(sAMAccountName=${escapeFilterValue(netbiosName(name))}$)`)}`,
        runOn: 'a machine with the AD PowerShell module (no output: free)',
      },
      {
        shell: 'sh',
        command: `samba-tool computer show ${shQuote(netbiosName(name))}`,
        runOn: 'a Samba DC ("Unable to find computer": free)',
      },
    ],
  };
}

function renameTo(n: Named, suggested: string, nodeNames: readonly string[], spec: ClusterSpec): RemediationStep[] {
  return [...renameRemediation(n.declared, suggested, nodeNames, spec).steps, verifyStep(suggested)];
}

function clusterInUseRemediation(
  cluster: Named,
  c: ComputerObject,
  suggested: string,
  nodeNames: readonly string[],
  spec: ClusterSpec,
): Remediation {
  return {
    summary: `Free the name ${cluster.name.netbios}, or name the cluster ${suggested}`,
    steps: [
      {
        text: `If ${c.dn} is the cluster name object you prestaged for this cluster, disable it: New-Cluster uses a prestaged CNO only when it is disabled, which shows that no computer uses it (ad.cno.readiness then checks your rights on it). If this cluster already exists and this is its CNO, this finding can be waived.`,
        commands: [
          {
            shell: 'powershell',
            command: `Disable-ADAccount -Identity ${psQuote(c.dn)}`,
            runOn: 'a machine with the AD PowerShell module',
          },
          { shell: 'sh', command: `samba-tool user disable ${shQuote(c.sAMAccountName)}`, runOn: 'a Samba DC' },
        ],
      },
      { text: 'If it belongs to another computer or cluster that is gone, remove it:' },
      ...removeStaleSteps(c),
      { text: `Otherwise choose another cluster name:` },
      ...renameTo(cluster, suggested, nodeNames, spec),
    ],
  };
}

const check = {
  meta: {
    id: 'ad.netbios.collision',
    title: 'No node or cluster name collides in NetBIOS, among themselves or with computer objects in the domain',
    area: 'ad',
    description:
      "Groups the node names and the cluster name by their NetBIOS name (first 15 characters, upper-cased) and fails for each group of two or more. Then, against the directory: a node whose NetBIOS name is the sAMAccountName of a computer object that is not its own (another dNSHostName, or another cn) fails, naming that object and when it was created; the cluster name fails when a computer object other than a prestaged (disabled) cluster name object has it as its account name or the cluster's FQDN as its dNSHostName.",
    why: "A NetBIOS name is unique in a domain: the sAMAccountName of a computer is its NetBIOS name with $. A node that shares it with another computer takes over that account when it joins, or fails to join, and name resolution answers for whichever host registered last. New-Cluster creates the cluster name object with the cluster's name and fails when an enabled computer already has it.",
    docs: 'docs/checks/ad.netbios.collision.md',
    severity: 'fail',
    facts: ['ad.directory', 'spec'],
    messages,
    remediations: [
      'Rename colliding nodes to the suggested names (Rename-Computer, or netdom renamecomputer on Windows Server 2008 R2), or choose another cluster name.',
      'Remove a stale computer object after checking its LastLogonDate (Remove-ADComputer, samba-tool computer delete).',
      'Disable a prestaged cluster name object so that New-Cluster can use it.',
    ],
  },
  async run(ctx) {
    const read = await adComputersOrSkip(ctx);
    if (!read) return;
    const { facts, computers } = read;
    const spec = await ctx.fact('spec');
    const nodes: Named[] = facts.nodes.map((n, i) => ({
      name: n,
      declared: { name: hostLabel(n), kind: 'node', path: `nodes[${i}].name` },
    }));
    const cluster: Named | undefined = facts.cluster
      ? { name: facts.cluster, declared: { name: hostLabel(facts.cluster), kind: 'cluster', path: 'cluster.name' } }
      : undefined;
    const named = [...nodes, ...(cluster ? [cluster] : [])];

    // Names the directory already holds count as taken, so that no suggestion collides with them.
    const suggester = clusterRenameSuggester(facts, computers);
    const suggestions = suggester.suggestions;
    const suggest = (n: Named): string => suggester.suggest(n.declared.name);
    const nodeNames = () => nodes.map((n) => suggestions.get(n.declared.name) ?? n.declared.name);
    let problems = 0;

    const groups = Map.groupBy(named, (n) => n.name.netbios);
    for (const [truncated, group] of groups) {
      if (group.length < 2) continue;
      problems += 1;
      const holders = computers.filter((c) => c.sAMAccountName.toUpperCase() === `${truncated}$`);
      // Rename those suggestNames marks (the long ones); if none is long, every member but the first.
      const marked = group.filter((g) => suggestions.has(g.declared.name));
      const renames = marked.length > 0 ? marked : group.slice(1);
      const chosen = new Map(renames.map((g) => [g.declared.name, suggest(g)]));
      // Objects prestaged under the whole names (found by name, not by account): none is the account the join looks for.
      const prestaged = group.flatMap((g) =>
        computers.some((c) => isOwnObject(c, g.name))
          ? []
          : byNameObjects(g.name, computers)
              .slice(0, 1)
              .map((c) => ({ g, c })),
      );
      ctx.report({
        status: 'fail',
        messageId: 'namesCollide',
        subject: truncated,
        data: {
          netbiosName: truncated,
          count: group.length,
          hosts: group.map((g) => g.declared.name),
          accountHolders: holders.map((c) => c.dn),
          suggestions: Object.fromEntries(chosen),
          prestagedByName: prestaged.map(({ g, c }) => ({
            host: g.declared.name,
            dn: c.dn,
            sAMAccountName: c.sAMAccountName,
          })),
        },
        evidence: {
          names: group.map((g) => ({
            ...g.declared,
            length: g.declared.name.length,
            netbiosName: g.name.netbios,
            objects: computers.filter((c) => isOwnObject(c, g.name)).map((c) => c.dn),
            objectsByName: byNameObjects(g.name, computers).map((c) => c.dn),
          })),
          accountHolders: holders.map(describeObject),
        },
        remediation: {
          summary: `Give ${group.map((g) => g.declared.name).join(', ')} names that differ within their first ${NETBIOS_MAX} characters`,
          steps: [
            ...(holders.length > 0
              ? [
                  {
                    text: `Only one computer can hold the account ${truncated}$; today it is ${holders.map((c) => `${c.dn} (dNSHostName ${c.dNSHostName ?? '-'})`).join(', ')}.`,
                  },
                ]
              : []),
            ...(prestaged.length > 0
              ? [
                  {
                    text: `Prestaged under their whole names: ${prestaged.map(({ g, c }) => `${c.dn} (${c.sAMAccountName}, for ${g.declared.name})`).join(', ')}. All of these nodes would join as the one account ${truncated}$, so the joins will not use these objects.`,
                  },
                ]
              : []),
            ...renames.flatMap((g) => {
              const object = prestaged.find((p) => p.g === g)?.c;
              const to = chosen.get(g.declared.name)!;
              return [
                ...renameTo(g, to, nodeNames(), spec),
                ...(object
                  ? [
                      {
                        text: `Give ${object.dn} the account name ${to}$ and the name ${to}, so that ${to}'s join uses it:`,
                        commands: setAccountNameCommands(object, to, to),
                      },
                    ]
                  : []),
              ];
            }),
          ],
          actions: renames
            .filter((g) => g.declared.kind === 'node' && !prestaged.some((p) => p.g === g))
            .flatMap(
              (g) => renameRemediation(g.declared, chosen.get(g.declared.name)!, nodeNames(), spec).actions ?? [],
            ),
        },
      });
    }

    const mates = (n: Named) => groups.get(n.name.netbios) ?? [n];
    for (const n of nodes) {
      const foreign = holdersOf(n.name, computers).filter((c) => !mates(n).some((m) => isOwnObject(c, m.name)));
      for (const c of foreign) {
        problems += 1;
        const owner = nodes.find((m) => isOwnObject(c, m.name));
        const suggested = suggest(n);
        ctx.report({
          status: 'fail',
          messageId: 'objectCollision',
          subject: n.declared.name,
          data: {
            node: n.declared.name,
            netbiosName: n.name.netbios,
            dn: c.dn,
            dnsHostName: c.dNSHostName ?? '-',
            cn: c.cn,
            whenCreated: c.whenCreated ?? '?',
            enabled: c.enabled,
            ...(owner ? { owner: owner.declared.name } : {}),
            suggested,
          },
          evidence: { node: n.name, object: describeObject(c) },
          remediation: {
            summary: owner
              ? `Rename ${n.declared.name}: ${owner.declared.name}'s account is ${c.sAMAccountName}`
              : `Remove ${c.dn} if it is stale, or rename ${n.declared.name}`,
            steps: [
              ...(owner
                ? []
                : [
                    {
                      text: `${c.dn} is not ${n.declared.name}'s object (${c.dNSHostName ? `its dNSHostName is ${c.dNSHostName}` : `its cn is ${c.cn}`}). If that computer is gone:`,
                    },
                    ...removeStaleSteps(c),
                    { text: `Otherwise rename ${n.declared.name}:` },
                  ]),
              ...renameTo(n, suggested, nodeNames(), spec),
            ],
          },
        });
      }
    }

    let prestaged: ComputerObject | undefined;
    if (cluster) {
      const fqdn = cluster.name.fqdn.toLowerCase();
      const claiming = computers.filter(
        (c) =>
          (c.sAMAccountName.toUpperCase() === `${cluster.name.netbios}$` || c.dNSHostName === fqdn) &&
          !mates(cluster).some((m) => m !== cluster && isOwnObject(c, m.name)),
      );
      for (const c of claiming) {
        const isPrestaged =
          !c.enabled &&
          c.sAMAccountName.toUpperCase() === `${cluster.name.netbios}$` &&
          (c.dNSHostName === null || c.dNSHostName === fqdn);
        if (isPrestaged) {
          prestaged = c;
          continue;
        }
        problems += 1;
        const suggested = suggest(cluster);
        ctx.report({
          status: 'fail',
          messageId: 'clusterNameInUse',
          subject: cluster.declared.name,
          data: {
            name: cluster.declared.name,
            netbiosName: cluster.name.netbios,
            dn: c.dn,
            enabled: c.enabled,
            dnsHostName: c.dNSHostName ?? '-',
            whenCreated: c.whenCreated ?? '?',
            operatingSystem: c.operatingSystem ?? '-',
            suggested,
          },
          evidence: { cluster: cluster.name, object: describeObject(c) },
          remediation: clusterInUseRemediation(cluster, c, suggested, nodeNames(), spec),
        });
      }
    }

    if (problems === 0) {
      ctx.report({
        status: 'pass',
        messageId: 'unique',
        subject: facts.domain,
        data: {
          domain: facts.domain,
          count: named.length,
          netbiosNames: named.map((n) => n.name.netbios),
          prestagedCno: prestaged?.dn ?? null,
        },
      });
    }
  },
} satisfies Check;

export default check;
