import type { Check } from '../../src/engine/contract.ts';
import type { ClusterSpec } from '../../src/config/schema.ts';
import type { AdFacts, ComputerObject, NodeName } from '../../src/facts/index.ts';
import type { Remediation } from '../../src/engine/report.ts';
import { cmdQuote, psQuote, shQuote } from '../../src/quote.ts';
import {
  accountName,
  byNameObjects,
  describeObject,
  holdersOf,
  hostLabel,
  isLegacy,
  isOwnObject,
  nameMatchedOn,
  prestagedPlan,
  prestagedSteps,
  removeStaleSteps,
  clusterRenameSuggester,
} from './lib/computer-account.ts';
import { AD_DIRECTORY_MESSAGES, AD_GATE_MESSAGES, adComputersOrSkip } from './lib/gate.ts';

const messages = {
  present: '{node} has one computer object, {dn}, enabled ({operatingSystem})',
  missing:
    '{node} has no computer object in {domain}: no sAMAccountName {account}, no dNSHostName {fqdn}, and none named {host}',
  nameTaken:
    '{node} has no computer object of its own, and its account name {account} is taken by {dn} (dNSHostName {holderDnsHostName}, created {whenCreated})',
  prestagedByName:
    '{node} has no account {account}, but a computer object found by its name, not by its account: {dn}, account name {objectAccount}. Windows will look for {account} when {node} joins, so the join will not use this object',
  prestagedByNameShared:
    '{node} has no account {account}, but a computer object found by its name, not by its account: {dn}, account name {objectAccount}. Windows will look for {account} when {node} joins, the account {sharedWith} would join as too: the join will not use this object, and the nodes collide on one account',
  prestagedByNameTaken:
    '{node} has no account {account}, but a computer object found by its name, not by its account: {dn}, account name {objectAccount}. Windows will look for {account} when {node} joins, which {holder} already holds: the join will not use this object',
  disabled:
    "{node}'s computer object {dn} is disabled (userAccountControl {userAccountControl}): the node cannot authenticate to the domain",
  duplicates: '{node} has {count} computer objects: {dns}',
  noNodes: 'The spec declares no nodes: nothing to check',
  ...AD_DIRECTORY_MESSAGES,
  ...AD_GATE_MESSAGES,
} as const;

/** Joining the domain, or prestaging the account the join will use. */
function missingRemediation(n: NodeName, index: number, facts: AdFacts, spec: ClusterSpec): Remediation {
  const ou = facts.ou?.exists ? facts.ou.dn : spec.activeDirectory?.ou;
  const ouArg = ou ? ` -OUPath ${psQuote(ou)}` : '';
  const user = spec.activeDirectory?.bind?.user ?? `<admin>@${facts.domain}`;
  const legacy = isLegacy(spec);
  return {
    summary: `Join ${n.name} to ${facts.domain}, or prestage its computer account`,
    steps: [
      {
        text: `Check that nodes[${index}] names the right host (${n.name}, FQDN ${n.fqdn}). If it does, join it to the domain${ou ? ` into ${ou}` : ''} and restart it; the join creates the account ${n.netbios}$.`,
        commands: [
          legacy
            ? {
                shell: 'powershell',
                command: `Add-Computer -DomainName ${psQuote(facts.domain)}${ouArg} -Credential (Get-Credential); Restart-Computer`,
                runOn: `${n.name} (PowerShell 2.0 on Windows Server 2008 R2 has no -Restart)`,
              }
            : {
                shell: 'powershell',
                command: `Add-Computer -DomainName ${psQuote(facts.domain)}${ouArg} -Credential (Get-Credential) -Restart`,
                runOn: n.name,
              },
          ...(legacy
            ? [
                {
                  shell: 'cmd' as const,
                  command: `netdom join ${cmdQuote(hostLabel(n))} /domain:${cmdQuote(facts.domain)}${ou ? ` /ou:${cmdQuote(ou)}` : ''} /userd:${cmdQuote(user)} /passwordd:* /reboot:30`,
                  runOn: `${n.name} (netdom: Windows Server 2008 R2 without the PowerShell cmdlets)`,
                },
              ]
            : []),
        ],
      },
      {
        text: `Or prestage the account first (the installing account then needs no right to create computer objects), and join ${n.name} afterwards with the command above:`,
        commands: [
          {
            shell: 'powershell',
            command: `New-ADComputer -Name ${psQuote(hostLabel(n))} -SamAccountName ${psQuote(n.netbios)} -DNSHostName ${psQuote(n.fqdn)}${ou ? ` -Path ${psQuote(ou)}` : ''} -Enabled $true`,
            runOn: 'a machine with the AD PowerShell module',
          },
          {
            shell: 'sh',
            command: `samba-tool computer add ${shQuote(n.netbios)}${ou ? ` --computerou=${shQuote(ou)}` : ''} && samba-tool user enable ${shQuote(`${n.netbios}$`)}`,
            runOn: 'a Samba DC (samba-tool creates computer accounts disabled)',
          },
        ],
      },
    ],
  };
}

function enableRemediation(n: NodeName, c: ComputerObject): Remediation {
  return {
    summary: `Enable ${c.dn}`,
    steps: [
      {
        text: `Enable the account (the ActiveDirectory module has no Enable-ADComputer: Enable-ADAccount takes computers too). If it was disabled on purpose (a decommissioned host), find out why first; if ${n.name} has lost its trust since, reset it on the node after enabling (Test-ComputerSecureChannel -Repair).`,
        commands: [
          {
            shell: 'powershell',
            command: `Enable-ADAccount -Identity ${psQuote(c.dn)}`,
            runOn: 'a machine with the AD PowerShell module',
          },
          {
            shell: 'cmd',
            command: `dsmod computer ${cmdQuote(c.dn)} -disabled no`,
            runOn: 'a domain controller or a machine with the AD DS tools (no PowerShell module needed)',
          },
          {
            shell: 'sh',
            command: `samba-tool user enable ${shQuote(c.sAMAccountName)}`,
            runOn: 'a Samba DC (clears ACCOUNTDISABLE, userAccountControl 4098 -> 4096)',
          },
        ],
      },
    ],
  };
}

function duplicatesRemediation(n: NodeName, objects: readonly ComputerObject[]): Remediation {
  const keep =
    objects.find((c) => c.sAMAccountName.toUpperCase() === `${n.netbios}$` && c.enabled) ??
    objects.find((c) => c.sAMAccountName.toUpperCase() === `${n.netbios}$`);
  const others = objects.filter((c) => c !== keep);
  return {
    summary: keep
      ? `Keep ${keep.dn} and remove the other ${others.length}`
      : `Find out which of the ${objects.length} objects ${n.name} uses and remove the others`,
    steps: [
      {
        text: keep
          ? `${n.name} logs on as ${n.netbios}$, so ${keep.dn} is the account it uses. The other objects claim its DNS name (dNSHostName ${n.fqdn}) and make Kerberos service names ambiguous.`
          : `None of the objects has the account name ${n.netbios}$ that ${n.name} logs on with. See which one it uses:`,
        ...(keep
          ? {}
          : {
              commands: [
                { shell: 'cmd' as const, command: 'nltest /sc_query:%USERDNSDOMAIN% & hostname', runOn: n.name },
              ],
            }),
      },
      ...others.flatMap((c) => removeStaleSteps(c)),
    ],
  };
}

const check = {
  meta: {
    id: 'ad.computer.account',
    title: 'Each node has exactly one enabled computer object',
    area: 'ad',
    description:
      "For every node, the computer objects that are its own: dNSHostName equal to the node's FQDN, or (for an object without dNSHostName, such as a prestaged one) sAMAccountName equal to its NetBIOS name with $ and cn equal to its host name or its NetBIOS name. None fails (missing, or its account name taken by another computer), more than one fails (each DN named), a disabled one (userAccountControl bit 0x2) fails. A node with none of its own but a prestaged object found by its name (cn, or the whole host name with $ as account name: New-ADComputer -Name, ADUC, samba-tool computer add) fails naming that object: Windows joins as the NetBIOS name with $ and will not use it.",
    why: "A failover cluster node must be a domain member: cluster creation and the cluster service authenticate with the node's computer account. A node that is not joined, whose account is disabled, or that has several objects claiming its name fails validation or cluster creation with errors that do not name the object.",
    docs: 'docs/checks/ad.computer.account.md',
    severity: 'fail',
    facts: ['ad.directory', 'spec'],
    messages,
    remediations: [
      'Join a missing node (Add-Computer, or netdom join on Windows Server 2008 R2) or prestage its account (New-ADComputer, samba-tool computer add).',
      'Enable a disabled account (Enable-ADAccount, dsmod computer -disabled no, samba-tool user enable).',
      'Keep the account the node logs on with and remove the other objects after checking LastLogonDate.',
      'Give an object found by name the account name the join will look for (Set-ADComputer -SamAccountName; ldbmodify on Samba), after renaming a host whose name is over 15 characters or collides to a unique one (Rename-Computer).',
    ],
  },
  async run(ctx) {
    const read = await adComputersOrSkip(ctx);
    if (!read) return;
    const { facts, computers } = read;
    if (facts.nodes.length === 0) {
      ctx.report({ status: 'skipped', messageId: 'noNodes' });
      return;
    }
    const spec = await ctx.fact('spec');
    const suggester = clusterRenameSuggester(facts, computers);
    for (const [index, n] of facts.nodes.entries()) {
      const own = computers.filter((c) => isOwnObject(c, n));
      const base = { node: n.name, host: hostLabel(n), fqdn: n.fqdn, account: `${n.netbios}$`, domain: facts.domain };
      const byName = own.length === 0 ? byNameObjects(n, computers) : [];
      const found = byName[0];
      if (found) {
        const plan = prestagedPlan(n, found, facts, suggester);
        const messageId =
          plan.sharedWith.length > 0
            ? 'prestagedByNameShared'
            : plan.holder
              ? 'prestagedByNameTaken'
              : 'prestagedByName';
        ctx.report({
          status: 'fail',
          messageId,
          subject: n.name,
          data: {
            ...base,
            dn: found.dn,
            objectAccount: found.sAMAccountName,
            objectAccountLength: accountName(found).length,
            matchedBy: 'name',
            matchedOn: nameMatchedOn(found, n),
            enabled: found.enabled,
            sharedWith: plan.sharedWith,
            holder: plan.holder?.dn ?? null,
            suggested: plan.target,
            rename: plan.rename,
          },
          evidence: {
            node: n,
            object: describeObject(found),
            ...(byName.length > 1 ? { otherObjectsByName: byName.slice(1).map(describeObject) } : {}),
            ...(plan.holder ? { holder: describeObject(plan.holder) } : {}),
          },
          remediation: {
            summary: plan.rename
              ? `Rename ${n.name} to ${plan.target} and give ${found.dn} the account name ${plan.target}$`
              : `Give ${found.dn} the account name ${n.netbios}$`,
            steps: prestagedSteps(n, index, plan, spec),
          },
        });
        continue;
      }
      if (own.length === 0) {
        const holder = holdersOf(n, computers)[0];
        if (holder) {
          ctx.report({
            status: 'fail',
            messageId: 'nameTaken',
            subject: n.name,
            data: {
              ...base,
              dn: holder.dn,
              holderDnsHostName: holder.dNSHostName ?? '-',
              whenCreated: holder.whenCreated ?? '?',
            },
            evidence: { node: n, holder: describeObject(holder) },
            remediation: {
              summary: `Free the name ${n.netbios} or rename ${n.name}`,
              steps: [
                {
                  text: `${n.name} would join as ${n.netbios}$, which ${holder.dn} already is: the join would fail or take over the other computer's account. ad.netbios.collision gives the renames; if the object is stale, remove it and join ${n.name}.`,
                },
                ...removeStaleSteps(holder),
                ...missingRemediation(n, index, facts, spec).steps.slice(0, 1),
              ],
            },
          });
        } else {
          const host = base.host;
          const searchedFor = {
            sAMAccountName: [...new Set([`${n.netbios}$`, `${host.toUpperCase()}$`])],
            dNSHostName: n.fqdn,
            cn: host,
          };
          ctx.report({
            status: 'fail',
            messageId: 'missing',
            subject: n.name,
            data: base,
            evidence: { node: n, searchedFor },
            remediation: missingRemediation(n, index, facts, spec),
          });
        }
        continue;
      }
      if (own.length > 1) {
        ctx.report({
          status: 'fail',
          messageId: 'duplicates',
          subject: n.name,
          data: { ...base, count: own.length, dns: own.map((c) => c.dn) },
          evidence: { node: n, objects: own.map(describeObject) },
          remediation: duplicatesRemediation(n, own),
        });
        continue;
      }
      const c = own[0]!;
      const data = {
        ...base,
        dn: c.dn,
        operatingSystem: c.operatingSystem ?? 'no operatingSystem recorded',
        userAccountControl: c.userAccountControl,
      };
      if (!c.enabled)
        ctx.report({
          status: 'fail',
          messageId: 'disabled',
          subject: n.name,
          data,
          evidence: { node: n, object: describeObject(c) },
          remediation: enableRemediation(n, c),
        });
      else
        ctx.report({
          status: 'pass',
          messageId: 'present',
          subject: n.name,
          data,
          evidence: { node: n, object: describeObject(c) },
        });
    }
  },
} satisfies Check;

export default check;
