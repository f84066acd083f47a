/**
 * Shared by the config.netbios.* checks: the names a spec declares, with what each one is.
 */
import type { ClusterSpec } from '../../../src/config/schema.ts';
import type { CheckContext } from '../../../src/engine/contract.ts';
import type { Action, ActionScript, Remediation, RemediationStep } from '../../../src/engine/report.ts';
import { actionKey, psParam } from '../../../src/engine/action.ts';
import { cmdQuote, placeholder, psQuote } from '../../../src/quote.ts';
import { NETBIOS_MAX } from '../../../src/netbios.ts';
import { renameSuggester } from '../../ad/lib/computer-account.ts';
import type { AdFacts } from '../../../src/facts/index.ts';
import { DOMAIN_CREDENTIAL, newNameParam, newNameParamOf } from '../../shared/lib/script-params.ts';

export interface DeclaredName {
  readonly name: string;
  readonly kind: 'node' | 'cluster';
  /** Where it is declared in the spec, e.g. `nodes[1].name`. */
  readonly path: string;
}

export function declaredNames(spec: ClusterSpec): DeclaredName[] {
  const names: DeclaredName[] = spec.nodes.map((n, i) => ({ name: n.name, kind: 'node', path: `nodes[${i}].name` }));
  if (spec.cluster?.name !== undefined) names.push({ name: spec.cluster.name, kind: 'cluster', path: 'cluster.name' });
  return names;
}

/**
 * How to rename a node, or name the cluster, to `suggested`; `nodeNames` are the nodes' names
 * after renaming. Windows Server 2008 R2 ships PowerShell 2.0, which has no Rename-Computer and
 * needs the FailoverClusters module imported: for that version (or an unknown one) the
 * remediation also gives the netdom equivalent and the import.
 */
export function renameRemediation(
  declared: DeclaredName,
  suggested: string,
  nodeNames: readonly string[],
  spec: ClusterSpec,
): Remediation {
  const version = spec.cluster?.windowsVersion;
  const legacy = version === undefined || version === '2008R2';
  const bindUser = spec.activeDirectory?.bind?.user;
  const netdom = `netdom renamecomputer ${cmdQuote(declared.name)} /newname:${cmdQuote(suggested)} /userd:${bindUser !== undefined ? cmdQuote(bindUser) : placeholder('DOMAIN\\admin', 'cmd')} /passwordd:* /reboot:30`;
  const steps: RemediationStep[] =
    declared.kind === 'node'
      ? [
          {
            text: `On ${declared.name}, rename the computer to "${suggested}" (at most 15 characters, unique in this cluster) and restart it. A domain-joined node renames its computer account too; run this as a domain account allowed to rename it.`,
            commands: [
              {
                shell: 'powershell',
                command: `Rename-Computer -NewName ${psQuote(suggested)} -DomainCredential (Get-Credential) -Restart`,
                runOn: declared.name,
              },
              ...(legacy
                ? [
                    {
                      shell: 'cmd' as const,
                      command: netdom,
                      runOn: `${declared.name} (Windows Server 2008 R2: PowerShell 2.0 has no Rename-Computer)`,
                    },
                  ]
                : []),
            ],
          },
          {
            text: `Update the spec: ${declared.path}: ${suggested} (and its fqdn and iqn if they carry the old name), then run clusterprobe again.`,
          },
        ]
      : [
          {
            text: `Use "${suggested}" as the cluster name (at most 15 characters, unique among the node names) when you create the cluster; add -StaticAddress with the cluster IP where DHCP is not used.`,
            commands: [
              {
                shell: 'powershell',
                command: `${legacy ? 'Import-Module FailoverClusters; ' : ''}New-Cluster -Name ${psQuote(suggested)} -Node ${nodeNames.map(psQuote).join(',')}`,
                runOn: 'one of the nodes',
              },
            ],
          },
          { text: `Update the spec: ${declared.path}: ${suggested}.` },
        ];
  if (declared.kind === 'cluster') return { summary: `Name the cluster ${suggested}`, steps };
  const summary = `Rename ${declared.name} to ${suggested}`;
  // An empty name names no node to act on: the finding stands without a plan action.
  if (declared.name.trim() === '') return { summary, steps };
  return {
    summary,
    steps,
    actions: [renameNodeAction(declared.name, summary, steps, renameNodeScript(declared.name, suggested, netdom))],
  };
}

/**
 * The script form of renaming `node` (PowerShell only: nothing on a Samba DC renames a Windows
 * machine). Done when the directory holds the account `<new name>$` and its dNSHostName is the new
 * name: Windows renames the account at once and writes dNSHostName after the restart. Not "the
 * old account is gone": two nodes sharing a truncated NetBIOS name share the old account, so it
 * outlives the first rename.
 */
export function renameNodeScript(node: string, suggested: string, netdom: string): ActionScript {
  const name = newNameParam(node);
  const value = psParam(name);
  const cred = psParam('DomainCredential');
  return {
    params: [newNameParamOf(node, suggested), DOMAIN_CREDENTIAL],
    powershell: {
      test: [
        `$c = try { Get-ADComputer -Identity (${value} + '$') -Properties DNSHostName -Credential ${cred} } catch { $null }`,
        `($null -ne $c) -and ([string]$c.DNSHostName).StartsWith(${value} + '.', [StringComparison]::OrdinalIgnoreCase)`,
      ].join('\n'),
      apply: [
        `if (${value}.Length -gt ${NETBIOS_MAX} -or ${value} -notmatch '^[A-Za-z0-9-]+$') { throw ('-${name} ' + ${value} + ': a computer name needs at most ${NETBIOS_MAX} letters, digits and hyphens') }`,
        `Rename-Computer -ComputerName ${psQuote(node)} -NewName ${value} -DomainCredential ${cred} -Restart -Force`,
      ].join('\n'),
      legacy: `Windows Server 2008 R2 (PowerShell 2.0 has no Rename-Computer): ${netdom}`,
    },
  };
}

/**
 * The plan's action for renaming a node (key `rename-node:<name>`): every check that finds the
 * node's name at fault contributes this one key, so that the plan renames it once.
 */
export function renameNodeAction(
  node: string,
  title: string,
  steps: readonly RemediationStep[],
  script?: ActionScript,
): Action {
  return {
    key: actionKey('rename-node', node),
    title,
    runsOn: `node:${node}`,
    steps: [...steps],
    restart: true,
    reversible: true,
    disruption: 'node-restart',
    ...(script ? { script } : {}),
  };
}

/**
 * The new names for the declared names that need one (`names` in the order declaredNames gives
 * them: the nodes, then the cluster). With an activeDirectory section in the spec, the account
 * names the directory holds count as taken, exactly as in the ad.netbios.* checks (the same
 * renameSuggester, the same names in the same order): the plan keeps the first descriptor of
 * `rename-node:<node>`, which is a config.* check's, so it must name what the ad.* checks name.
 * The directory is the `ad.directory` fact the ad.* checks read (once per run); unread (no
 * connection), or not to be had (a facts file saved without it, a probe that failed: the ad.*
 * checks say so), it holds no names and the spec alone decides.
 */
export async function renameSuggestions(
  ctx: CheckContext,
  spec: ClusterSpec,
  names: readonly string[],
): Promise<Map<string, string>> {
  const directory = spec.activeDirectory !== undefined ? await directoryOrNull(ctx) : null;
  return renameSuggester(names, directory?.computers ?? []).suggestions;
}

async function directoryOrNull(ctx: CheckContext): Promise<AdFacts | null> {
  try {
    return await ctx.fact('ad.directory');
  } catch (error) {
    // By name, not instanceof: importing src/engine/facts.ts would load zod into `checks list`.
    if (error instanceof Error && (error.name === 'FactUnavailable' || error.name === 'ProbeFailed')) return null;
    throw error;
  }
}

/** The message of the names gate (declaredNamesOrSkip); a check spreads it into its meta.messages. */
export const NAMES_GATE_MESSAGES = {
  noNames: 'The spec declares no nodes and no cluster name: nothing to check',
} as const;

/**
 * The spec and the names it declares, or undefined after reporting `noNames` (skipped) when it
 * declares none.
 */
export async function declaredNamesOrSkip(
  ctx: CheckContext,
): Promise<{ spec: ClusterSpec; names: DeclaredName[] } | undefined> {
  const spec = await ctx.fact('spec');
  const names = declaredNames(spec);
  if (names.length > 0) return { spec, names };
  ctx.report({ status: 'skipped', messageId: 'noNames' });
  return undefined;
}
