import type { Check } from '../../src/engine/contract.ts';
import type { ClusterSpec } from '../../src/config/schema.ts';
import type { Remediation, RemediationStep } from '../../src/engine/report.ts';
import type { AdFacts, ComputerObject, NodeName } from '../../src/ad/probe.ts';
import { cmdQuote, psQuote, shQuote } from '../../src/quote.ts';

/** The host label of a node or cluster name (`hv01` of `hv01.lab.example.test`). */
export function hostLabel(n: NodeName): string {
  return n.name.split('.')[0]!;
}

/** sAMAccountName without the trailing `$` of a computer account. */
export function accountName(c: ComputerObject): string {
  return c.sAMAccountName.replace(/\$$/, '');
}

/**
 * Whether a computer object is this node's (or the cluster's) own account. A dNSHostName, once
 * set (the computer writes it after joining), decides alone. Without one (prestaged, or never
 * started), the sAMAccountName must be the NetBIOS name with `$` and the cn the host name or the
 * NetBIOS name: an object with the same account name and another cn is another computer.
 */
export function isOwnObject(c: ComputerObject, n: NodeName): boolean {
  if (c.dNSHostName !== null) return c.dNSHostName === n.fqdn.toLowerCase();
  if (c.sAMAccountName.toUpperCase() !== `${n.netbios}$`) return false;
  const cn = c.cn.toUpperCase();
  return cn === hostLabel(n).toUpperCase() || cn === n.netbios;
}

/** The objects whose sAMAccountName is this name's NetBIOS name with `$`, whoever they belong to. */
export function holdersOf(n: NodeName, computers: readonly ComputerObject[]): ComputerObject[] {
  return computers.filter((c) => c.sAMAccountName.toUpperCase() === `${n.netbios}$`);
}

/** What the evidence shows of an object: everything the probe read, in one place. */
export function describeObject(c: ComputerObject): Record<string, unknown> {
  return { dn: c.dn, sAMAccountName: c.sAMAccountName, dNSHostName: c.dNSHostName, cn: c.cn, enabled: c.enabled, userAccountControl: c.userAccountControl, operatingSystem: c.operatingSystem, whenCreated: c.whenCreated, objectSid: c.objectSid };
}

/** Windows Server 2008 R2 (or no version given): PowerShell 2.0, no -Restart on Add-Computer. */
export function isLegacy(spec: ClusterSpec): boolean {
  const version = spec.cluster?.windowsVersion;
  return version === undefined || version === '2008R2';
}

/** Checking an object before deleting it, then deleting it: PowerShell and Samba. */
export function removeStaleSteps(c: ComputerObject): RemediationStep[] {
  return [
    {
      text: `Check whether ${c.dn} is still in use: a LastLogonDate weeks or months old and a machine that no longer answers mean a stale account.`,
      commands: [
        { shell: 'powershell', command: `Get-ADComputer -Identity ${psQuote(c.dn)} -Properties LastLogonDate,whenCreated,OperatingSystem,dNSHostName,Description`, runOn: 'a machine with the AD PowerShell module' },
        { shell: 'sh', command: `samba-tool computer show ${shQuote(accountName(c))} --attributes=lastLogonTimestamp,whenCreated,operatingSystem,dNSHostName,description`, runOn: 'a Samba DC' },
      ],
    },
    {
      text: 'If it is stale, delete it (Remove-ADObject -Recursive when it has child objects, such as Hyper-V or BitLocker entries):',
      commands: [
        { shell: 'powershell', command: `Remove-ADComputer -Identity ${psQuote(c.dn)}`, runOn: 'a machine with the AD PowerShell module' },
        { shell: 'powershell', command: `Remove-ADObject -Identity ${psQuote(c.dn)} -Recursive`, runOn: 'a machine with the AD PowerShell module (the object has children)' },
        { shell: 'sh', command: `samba-tool computer delete ${shQuote(accountName(c))}`, runOn: 'a Samba DC' },
      ],
    },
  ];
}

const messages = {
  present: '{node} has one computer object, {dn}, enabled ({operatingSystem})',
  missing: '{node} has no computer object in {domain}: no sAMAccountName {account} and no dNSHostName {fqdn}',
  nameTaken: '{node} has no computer object of its own, and its account name {account} is taken by {dn} (dNSHostName {holderDnsHostName}, created {whenCreated})',
  disabled: '{node}\'s computer object {dn} is disabled (userAccountControl {userAccountControl}): the node cannot authenticate to the domain',
  duplicates: '{node} has {count} computer objects: {dns}',
  noNodes: 'The spec declares no nodes: nothing to check',
  noDirectory: 'The directory could not be read ({reason}): see ad.connect',
  notConfigured: 'The spec has no activeDirectory section: nothing to check',
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
            ? { shell: 'powershell', command: `Add-Computer -DomainName ${facts.domain}${ouArg} -Credential (Get-Credential); Restart-Computer`, runOn: `${n.name} (PowerShell 2.0 on Windows Server 2008 R2 has no -Restart)` }
            : { shell: 'powershell', command: `Add-Computer -DomainName ${facts.domain}${ouArg} -Credential (Get-Credential) -Restart`, runOn: n.name },
          ...(legacy ? [{ shell: 'cmd' as const, command: `netdom join ${hostLabel(n)} /domain:${facts.domain}${ou ? ` /ou:${cmdQuote(ou)}` : ''} /userd:${user} /passwordd:* /reboot:30`, runOn: `${n.name} (netdom: Windows Server 2008 R2 without the PowerShell cmdlets)` }] : []),
        ],
      },
      {
        text: `Or prestage the account first (the installing account then needs no right to create computer objects), and join ${n.name} afterwards with the command above:`,
        commands: [
          { shell: 'powershell', command: `New-ADComputer -Name ${hostLabel(n)} -SamAccountName ${n.netbios} -DNSHostName ${n.fqdn}${ou ? ` -Path ${psQuote(ou)}` : ''} -Enabled $true`, runOn: 'a machine with the AD PowerShell module' },
          { shell: 'sh', command: `samba-tool computer add ${n.netbios}${ou ? ` --computerou=${shQuote(ou)}` : ''} && samba-tool user enable ${shQuote(`${n.netbios}$`)}`, runOn: 'a Samba DC (samba-tool creates computer accounts disabled)' },
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
          { shell: 'powershell', command: `Enable-ADAccount -Identity ${psQuote(c.dn)}`, runOn: 'a machine with the AD PowerShell module' },
          { shell: 'cmd', command: `dsmod computer ${cmdQuote(c.dn)} -disabled no`, runOn: 'a domain controller or a machine with the AD DS tools (no PowerShell module needed)' },
          { shell: 'sh', command: `samba-tool user enable ${shQuote(c.sAMAccountName)}`, runOn: 'a Samba DC (clears ACCOUNTDISABLE, userAccountControl 4098 -> 4096)' },
        ],
      },
    ],
  };
}

function duplicatesRemediation(n: NodeName, objects: readonly ComputerObject[]): Remediation {
  const keep = objects.find((c) => c.sAMAccountName.toUpperCase() === `${n.netbios}$` && c.enabled) ?? objects.find((c) => c.sAMAccountName.toUpperCase() === `${n.netbios}$`);
  const others = objects.filter((c) => c !== keep);
  return {
    summary: keep ? `Keep ${keep.dn} and remove the other ${others.length}` : `Find out which of the ${objects.length} objects ${n.name} uses and remove the others`,
    steps: [
      {
        text: keep
          ? `${n.name} logs on as ${n.netbios}$, so ${keep.dn} is the account it uses. The other objects claim its DNS name (dNSHostName ${n.fqdn}) and make Kerberos service names ambiguous.`
          : `None of the objects has the account name ${n.netbios}$ that ${n.name} logs on with. See which one it uses:`,
        ...(keep ? {} : { commands: [{ shell: 'cmd' as const, command: 'nltest /sc_query:%USERDNSDOMAIN% & hostname', runOn: n.name }] }),
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
      'For every node, the computer objects that are its own: dNSHostName equal to the node\'s FQDN, or (for an object without dNSHostName, such as a prestaged one) sAMAccountName equal to its NetBIOS name with $ and cn equal to its host name or its NetBIOS name. None fails (missing, or its account name taken by another computer), more than one fails (each DN named), a disabled one (userAccountControl bit 0x2) fails.',
    why:
      'A failover cluster node must be a domain member: cluster creation and the cluster service authenticate with the node\'s computer account. A node that is not joined, whose account is disabled, or that has several objects claiming its name fails validation or cluster creation with errors that do not name the object.',
    docs: 'docs/checks/ad.computer.account.md',
    severity: 'fail',
    facts: ['ad.directory', 'spec'],
    messages,
    remediations: [
      'Join a missing node (Add-Computer, or netdom join on Windows Server 2008 R2) or prestage its account (New-ADComputer, samba-tool computer add).',
      'Enable a disabled account (Enable-ADAccount, dsmod computer -disabled no, samba-tool user enable).',
      'Keep the account the node logs on with and remove the other objects after checking LastLogonDate.',
    ],
  },
  async run(ctx) {
    const facts = await ctx.fact<AdFacts | null>('ad.directory');
    if (!facts) {
      ctx.report({ status: 'skipped', messageId: 'notConfigured' });
      return;
    }
    if (!facts.computers) {
      ctx.report({ status: 'skipped', messageId: 'noDirectory', data: { reason: facts.readError ?? 'not connected' } });
      return;
    }
    if (facts.nodes.length === 0) {
      ctx.report({ status: 'skipped', messageId: 'noNodes' });
      return;
    }
    const spec = await ctx.fact<ClusterSpec>('spec');
    const computers = facts.computers;
    for (const [index, n] of facts.nodes.entries()) {
      const own = computers.filter((c) => isOwnObject(c, n));
      const base = { node: n.name, fqdn: n.fqdn, account: `${n.netbios}$`, domain: facts.domain };
      if (own.length === 0) {
        const holder = holdersOf(n, computers)[0];
        if (holder) {
          ctx.report({
            status: 'fail',
            messageId: 'nameTaken',
            subject: n.name,
            data: { ...base, dn: holder.dn, holderDnsHostName: holder.dNSHostName ?? '-', whenCreated: holder.whenCreated ?? '?' },
            evidence: { node: n, holder: describeObject(holder) },
            remediation: {
              summary: `Free the name ${n.netbios} or rename ${n.name}`,
              steps: [
                { text: `${n.name} would join as ${n.netbios}$, which ${holder.dn} already is: the join would fail or take over the other computer's account. ad.netbios.collision gives the renames; if the object is stale, remove it and join ${n.name}.` },
                ...removeStaleSteps(holder),
                ...missingRemediation(n, index, facts, spec).steps.slice(0, 1),
              ],
            },
          });
        } else {
          ctx.report({ status: 'fail', messageId: 'missing', subject: n.name, data: base, evidence: { node: n, searchedFor: { sAMAccountName: `${n.netbios}$`, dNSHostName: n.fqdn } }, remediation: missingRemediation(n, index, facts, spec) });
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
      const data = { ...base, dn: c.dn, operatingSystem: c.operatingSystem ?? 'no operatingSystem recorded', userAccountControl: c.userAccountControl };
      if (!c.enabled) ctx.report({ status: 'fail', messageId: 'disabled', subject: n.name, data, evidence: { node: n, object: describeObject(c) }, remediation: enableRemediation(n, c) });
      else ctx.report({ status: 'pass', messageId: 'present', subject: n.name, data, evidence: { node: n, object: describeObject(c) } });
    }
  },
} satisfies Check;

export default check;
