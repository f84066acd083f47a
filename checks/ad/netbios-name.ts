import type { Check } from '../../src/engine/contract.ts';
import type { ClusterSpec } from '../../src/config/schema.ts';
import type { Remediation } from '../../src/engine/report.ts';
import { nameProblems, NETBIOS_MAX } from '../../src/netbios.ts';
import { renameRemediation, type DeclaredName } from '../config/lib/names.ts';
import {
  accountName,
  byNameObjects,
  describeObject,
  hostLabel,
  isOwnObject,
  prestagedPlan,
  prestagedSteps,
  removeStaleSteps,
  clusterRenameSuggester,
} from './lib/computer-account.ts';
import type { ComputerObject, NodeName } from '../../src/facts/index.ts';
import { AD_DIRECTORY_MESSAGES, AD_GATE_MESSAGES, adComputersOrSkip } from './lib/gate.ts';

const messages = {
  matches: "{node}'s computer account {account}$ matches its host name",
  truncated:
    '{node} is {length} characters long: its computer account is the truncated {account}$, so other machines know it by a name that is not its host name',
  different:
    "{node}'s computer object {dn} (dNSHostName {dnsHostName}) has the account name {account}$, not {expected}$: the host was renamed without its account, or the object is stale",
  longAccountName:
    "{node}'s computer object {dn} has the account name {account}$ ({accountLength} characters): Windows logs on as {expected}$ and will not use it",
  longAccountNameByName:
    '{node} has no account {expected}$; its computer object was found by its name, not by its account: {dn}, account name {account}$ ({accountLength} characters, over {max}). Windows will look for {expected}$ when {node} joins and will not use this object',
  differentByName:
    '{node} has no account {expected}$; its computer object was found by its name, not by its account: {dn}, account name {account}$. Windows will look for {expected}$ when {node} joins and will not use this object',
  noAccount: '{node} has no computer object to compare with (see ad.computer.account)',
  clusterNameValid: 'The cluster name {name} is a valid NetBIOS name for its cluster name object',
  clusterNameInvalid:
    'The cluster name {name} is not a valid NetBIOS name ({problem}): New-Cluster creates the cluster name object {netbiosName}$ from it',
  ...AD_DIRECTORY_MESSAGES,
  ...AD_GATE_MESSAGES,
} as const;

/** The object a node logs on with when it has several: the one that bears its NetBIOS name. */
function primaryObject(n: NodeName, own: readonly ComputerObject[]): ComputerObject | undefined {
  return own.find((c) => c.sAMAccountName.toUpperCase() === `${n.netbios}$`) ?? own[0];
}

function renameNode(
  n: NodeName,
  index: number,
  suggested: string,
  nodeNames: readonly string[],
  spec: ClusterSpec,
): Remediation {
  const declared: DeclaredName = { name: n.name, kind: 'node', path: `nodes[${index}].name` };
  return renameRemediation(declared, suggested, nodeNames, spec);
}

function differentRemediation(n: NodeName, index: number, c: ComputerObject): Remediation {
  const account = accountName(c);
  return {
    summary: `Find out whether ${n.name} is really named ${account}`,
    steps: [
      {
        text: `On ${n.name}, see its name and the account its secure channel uses:`,
        commands: [{ shell: 'cmd', command: 'hostname & nltest /sc_query:%USERDNSDOMAIN%', runOn: n.name }],
      },
      { text: `If the host is ${account}, the spec is wrong: set nodes[${index}].name: ${account} (and its fqdn).` },
      {
        text: `If the host is ${hostLabel(n)}, ${c.dn} is a stale object that still claims its DNS name; remove it, then make sure ${n.name} has its own account (ad.computer.account):`,
        commands: removeStaleSteps(c).flatMap((s) => s.commands ?? []),
      },
    ],
  };
}

const check = {
  meta: {
    id: 'ad.netbios.name',
    title: "Each node's computer account bears its host name, and the cluster name is a valid NetBIOS name",
    area: 'ad',
    description:
      'For every node, its own computer object (as ad.computer.account finds it): the sAMAccountName without $ must be the host name. A host name over 15 characters gives a truncated account name (warn); an account name that is another name altogether, or over 15 characters, fails. A node with no object of its own but a prestaged one found by its name (cn, or the whole host name as account name) fails the same way, saying it was matched by name: Windows will join as the NetBIOS name and not use it. The cluster name must be a valid NetBIOS name, since New-Cluster creates a computer object with it.',
    why: "The sAMAccountName is the name the node authenticates with and that NetBIOS and NTLM know it by. When it is a truncated host name, other machines resolve a name that is not the host's, and two such hosts collide: the intermittent network failures of the review's lab. An account name that differs entirely means a renamed host or a stale object claiming the node's DNS name.",
    docs: 'docs/checks/ad.netbios.name.md',
    severity: 'fail',
    facts: ['ad.directory', 'spec'],
    messages,
    remediations: [
      'Rename a node whose name is over 15 characters with Rename-Computer (netdom renamecomputer on Windows Server 2008 R2): the account is renamed with it.',
      'For an account name that differs, check the host name on the node; fix the spec, or remove the stale object.',
      'For a prestaged object found by name: give it the account name the join looks for (Set-ADComputer -SamAccountName), renaming a host over 15 characters or colliding to a unique name first.',
      'Choose a cluster name of at most 15 valid characters for New-Cluster.',
    ],
  },
  async run(ctx) {
    const read = await adComputersOrSkip(ctx);
    if (!read) return;
    const { facts, computers } = read;
    const spec = await ctx.fact('spec');
    const suggester = clusterRenameSuggester(facts, computers);
    const suggestions = suggester.suggestions;
    const nodeNames = facts.nodes.map((n) => suggestions.get(hostLabel(n)) ?? hostLabel(n));

    for (const [index, n] of facts.nodes.entries()) {
      const own = computers.filter((c) => isOwnObject(c, n));
      const c = primaryObject(n, own);
      const host = hostLabel(n);
      const found = c ? undefined : byNameObjects(n, computers)[0];
      if (found) {
        const account = accountName(found);
        const plan = prestagedPlan(n, found, facts, suggester);
        ctx.report({
          status: 'fail',
          messageId: account.length > NETBIOS_MAX ? 'longAccountNameByName' : 'differentByName',
          subject: n.name,
          data: {
            node: n.name,
            host,
            length: host.length,
            account,
            accountLength: account.length,
            max: NETBIOS_MAX,
            expected: n.netbios,
            dn: found.dn,
            matchedBy: 'name',
            sharedWith: plan.sharedWith,
            suggested: plan.target,
            rename: plan.rename,
          },
          evidence: { node: n, object: describeObject(found) },
          remediation: {
            summary: plan.rename
              ? `Rename ${n.name} to ${plan.target} and give ${found.dn} the account name ${plan.target}$`
              : `Give ${found.dn} the account name ${n.netbios}$`,
            steps: prestagedSteps(n, index, plan, spec),
          },
        });
        continue;
      }
      if (!c) {
        ctx.report({ status: 'skipped', messageId: 'noAccount', subject: n.name, data: { node: n.name } });
        continue;
      }
      const account = accountName(c);
      const data = {
        node: n.name,
        host,
        length: host.length,
        account,
        accountLength: account.length,
        expected: n.netbios,
        dn: c.dn,
        dnsHostName: c.dNSHostName ?? '-',
        suggested: suggestions.get(host),
      };
      const evidence = {
        node: n,
        object: describeObject(c),
        ...(own.length > 1 ? { otherObjects: own.filter((o) => o !== c).map((o) => o.dn) } : {}),
      };
      if (account.length > NETBIOS_MAX) {
        const target = suggestions.get(host) ?? n.netbios;
        const rename = host.length > NETBIOS_MAX ? renameNode(n, index, target, nodeNames, spec) : undefined;
        ctx.report({
          status: 'fail',
          messageId: 'longAccountName',
          subject: n.name,
          data,
          evidence,
          remediation: {
            summary: `Give ${n.name} an account name of at most ${NETBIOS_MAX} characters`,
            steps: [
              {
                text: `Windows derives the account name from the first ${NETBIOS_MAX} characters of the host name, so ${c.dn} (created by a tool that allows longer names, such as samba-tool) is not the account ${n.name} logs on with.`,
              },
              ...(rename?.steps ?? []),
              ...removeStaleSteps(c),
            ],
            ...(rename?.actions ? { actions: rename.actions } : {}),
          },
        });
      } else if (account.toUpperCase() === host.toUpperCase()) {
        ctx.report({ status: 'pass', messageId: 'matches', subject: n.name, data, evidence });
      } else if (host.length > NETBIOS_MAX && account.toUpperCase() === n.netbios) {
        ctx.report({
          status: 'warn',
          messageId: 'truncated',
          subject: n.name,
          data,
          evidence,
          remediation: renameNode(n, index, suggestions.get(host) ?? n.netbios, nodeNames, spec),
        });
      } else {
        ctx.report({
          status: 'fail',
          messageId: 'different',
          subject: n.name,
          data,
          evidence,
          remediation: differentRemediation(n, index, c),
        });
      }
    }

    if (facts.cluster) {
      const name = hostLabel(facts.cluster);
      const problems = nameProblems(name);
      const data = { name, length: name.length, netbiosName: facts.cluster.netbios, max: NETBIOS_MAX };
      const first = problems[0];
      if (!first) {
        ctx.report({ status: 'pass', messageId: 'clusterNameValid', subject: name, data });
      } else {
        const suggested = suggestions.get(name) ?? facts.cluster.netbios;
        ctx.report({
          status: 'fail',
          messageId: 'clusterNameInvalid',
          subject: name,
          data: { ...data, problem: first.kind, suggested },
          evidence: { cluster: facts.cluster, problems },
          remediation: renameRemediation({ name, kind: 'cluster', path: 'cluster.name' }, suggested, nodeNames, spec),
        });
      }
    }
  },
} satisfies Check;

export default check;
