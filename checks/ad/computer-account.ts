import type { Check } from '../../src/engine/contract.ts';
import type { ClusterSpec } from '../../src/config/schema.ts';
import type { Remediation, RemediationStep } from '../../src/engine/report.ts';
import { matchesByName } from '../../src/ad/probe.ts';
import { netbiosName, suggestNames, NETBIOS_MAX } from '../../src/netbios.ts';
import { cmdQuote, psQuote, shQuote } from '../../src/quote.ts';
import type { AdFacts, ComputerObject, NodeName } from '../../src/facts/index.ts';

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

/** How an object found by name (matchesByName) names the node: its cn is the host name, or its account name is the whole host name with $. */
export function nameMatchedOn(c: ComputerObject, n: NodeName): 'cn' | 'sAMAccountName' {
  return c.cn.toUpperCase() === hostLabel(n).toUpperCase() ? 'cn' : 'sAMAccountName';
}

/** The objects found for this node only by its name (matchesByName): prestaged, with an account name Windows will not join with. */
export function byNameObjects(n: NodeName, computers: readonly ComputerObject[]): ComputerObject[] {
  return computers.filter((c) => matchesByName(c, n));
}

/**
 * Picks a NetBIOS-valid name for `name` that is not in `taken` (upper-case NetBIOS names):
 * the name itself shortened, with `-2`, `-3`... at the end.
 */
function freeName(name: string, taken: ReadonlySet<string>): string {
  const base = name.replace(/[^A-Za-z0-9-]/g, '') || 'NODE';
  for (let i = 2; ; i += 1) {
    const suffix = `-${i}`;
    const candidate = `${base.slice(0, NETBIOS_MAX - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!taken.has(netbiosName(candidate))) return candidate;
  }
}

/** New names for the cluster's names that collide with nothing: see renameSuggester. */
export interface RenameSuggester {
  /** suggestNames' choices, and every name suggest() has given out since. */
  readonly suggestions: Map<string, string>;
  /** The new name for `name`: suggestNames' choice, else a free one (shortened, with -2, -3...). */
  suggest(name: string): string;
}

/**
 * Renames for the declared node and cluster names (host labels) that collide with nothing: not
 * with each other, not with any account name of 15 characters or fewer that the directory holds
 * (the named entries' own objects included: an account name other than its host's is held too).
 * The ad.* checks share it, so that they suggest the same name for the same host.
 */
export function renameSuggester(declared: readonly string[], computers: readonly ComputerObject[]): RenameSuggester {
  const directoryAccounts = computers.map(accountName).filter((a) => a.length <= NETBIOS_MAX);
  const suggestions = suggestNames([...declared, ...directoryAccounts]);
  const taken = new Set([...declared.map(netbiosName), ...directoryAccounts.map((a) => a.toUpperCase())]);
  for (const s of suggestions.values()) taken.add(netbiosName(s));
  return {
    suggestions,
    suggest(name) {
      const s = suggestions.get(name);
      if (s) return s;
      const free = freeName(name, taken);
      taken.add(netbiosName(free));
      suggestions.set(name, free);
      return free;
    },
  };
}

/** An RDN value (RFC 4514 2.4): , + " \\ < > ; = escaped, and a leading # or space, a trailing space. */
function rdnValue(value: string): string {
  return value
    .replace(/[,+"\\<>;=]/g, (c) => `\\${c}`)
    .replace(/^([# ])/, '\\$1')
    .replace(/ $/, '\\ ');
}

/**
 * Giving a prestaged object the account name `account` (without `$`) and, when its cn differs,
 * the name `cn`: Set-ADComputer (piped to Rename-ADObject), and ldbmodify on a Samba DC's
 * sam.ldb (samba-tool has no command that renames a computer account).
 */
export function setAccountNameCommands(
  c: ComputerObject,
  account: string,
  cn: string,
): NonNullable<RemediationStep['commands']> {
  const renameCn = c.cn.toUpperCase() !== cn.toUpperCase();
  const ps = `Set-ADComputer -Identity ${psQuote(c.dn)} -SamAccountName ${psQuote(`${account}$`)}${renameCn ? ` -PassThru | Rename-ADObject -NewName ${psQuote(cn)}` : ''}`;
  const modify = 'dn: %s\\nchangetype: modify\\nreplace: sAMAccountName\\nsAMAccountName: %s\\n';
  const modrdn = '\\ndn: %s\\nchangetype: modrdn\\nnewrdn: %s\\ndeleteoldrdn: 1\\n';
  const sh = `printf '${modify}${renameCn ? modrdn : ''}' ${shQuote(c.dn)} ${shQuote(`${account}$`)}${renameCn ? ` ${shQuote(c.dn)} ${shQuote(`CN=${rdnValue(cn)}`)}` : ''} | ldbmodify -H /var/lib/samba/private/sam.ldb`;
  return [
    { shell: 'powershell', command: ps, runOn: 'a machine with the AD PowerShell module' },
    {
      shell: 'sh',
      command: sh,
      runOn:
        "a Samba DC, as root (samba-tool cannot rename a computer account; the path is Samba's default private directory)",
    },
  ];
}

/** What a node with only an object found by its name would join as, and what to give that object instead. */
export interface PrestagedPlan {
  /** The object found by name. */
  readonly object: ComputerObject;
  /** Other nodes (host names) that share the node's NetBIOS name: all would join as one account. */
  readonly sharedWith: string[];
  /** Another object that already holds the account Windows will look for. */
  readonly holder?: ComputerObject;
  /** The account name (without $) to give the object; the new host name too when `rename`. */
  readonly target: string;
  /** The host must be renamed first: its name is over 15 characters, or its NetBIOS name collides. */
  readonly rename: boolean;
  /** A long host name whose NetBIOS name collides with nothing: the object can also take that truncated name. */
  readonly keepNameOption: boolean;
}

export function prestagedPlan(
  n: NodeName,
  object: ComputerObject,
  facts: AdFacts,
  suggester: RenameSuggester,
): PrestagedPlan {
  const host = hostLabel(n);
  const sharedWith = facts.nodes
    .filter((m) => m !== n && m.netbios === n.netbios && hostLabel(m).toUpperCase() !== host.toUpperCase())
    .map(hostLabel);
  const holder = holdersOf(n, facts.computers ?? []).find((c) => c !== object && !isOwnObject(c, n));
  const free = sharedWith.length === 0 && !holder;
  if (free && host.length <= NETBIOS_MAX)
    return { object, sharedWith, target: n.netbios, rename: false, keepNameOption: false };
  return {
    object,
    sharedWith,
    ...(holder ? { holder } : {}),
    target: suggester.suggest(host),
    rename: true,
    keepNameOption: free,
  };
}

/** The explanation and the fixes for a node whose only object was found by its name. */
export function prestagedSteps(n: NodeName, index: number, plan: PrestagedPlan, spec: ClusterSpec): RemediationStep[] {
  const c = plan.object;
  const host = hostLabel(n);
  const how =
    nameMatchedOn(c, n) === 'cn' ? `its cn is ${c.cn}` : `its account name is the whole host name with $ (cn ${c.cn})`;
  const why = [
    `${c.dn} was found by ${host}'s name (${how}), not by the account Windows joins with: its account name is ${c.sAMAccountName}. When ${host} joins the domain, Windows looks for the account ${n.netbios}$ (the first ${NETBIOS_MAX} characters of its name, upper-cased)`,
    plan.sharedWith.length > 0
      ? `, the account ${plan.sharedWith.join(', ')} would join as too: the nodes collide on one account`
      : '',
    plan.holder ? `, which ${plan.holder.dn} already holds` : '',
    ', so the join will not use the prestaged object.',
  ].join('');
  const steps: RemediationStep[] = [{ text: why }];
  if (plan.holder)
    steps.push({
      text: `${plan.holder.dn} holds ${n.netbios}$ today (ad.netbios.collision reports it, with the commands that check and remove it). If it is stale, removing it frees that name instead.`,
    });
  if (plan.rename) {
    const t = plan.target;
    steps.push(
      {
        text: `Rename ${host} to ${t} (at most ${NETBIOS_MAX} characters, unique in the cluster and in the directory) before it joins, and restart it:`,
        commands: isLegacy(spec)
          ? [
              {
                shell: 'powershell',
                command: `$null = (Get-WmiObject -Class Win32_ComputerSystem).Rename(${psQuote(t)}); Restart-Computer`,
                runOn: `${host} (PowerShell 2.0 on Windows Server 2008 R2 has no Rename-Computer)`,
              },
            ]
          : [{ shell: 'powershell', command: `Rename-Computer -NewName ${psQuote(t)} -Restart`, runOn: host }],
      },
      {
        text: `Give the prestaged object the account name ${t}$ and the name ${t}, so that the join finds and uses it:`,
        commands: setAccountNameCommands(c, t, t),
      },
      {
        text: `Update the spec: nodes[${index}].name: ${t} (and its fqdn and iqn if they carry the old name), then run clusterprobe again.`,
      },
    );
  }
  if (!plan.rename || plan.keepNameOption) {
    steps.push({
      text: plan.rename
        ? `Or keep the name ${host}: give the object the account name Windows will look for, ${n.netbios}$ (a truncated name: ad.netbios.name then warns):`
        : `Give the object the account name Windows will look for, ${n.netbios}$:`,
      commands: setAccountNameCommands(c, n.netbios, host),
    });
  }
  return steps;
}

/** What the evidence shows of an object: everything the probe read, in one place. */
export function describeObject(c: ComputerObject): Record<string, unknown> {
  return {
    dn: c.dn,
    sAMAccountName: c.sAMAccountName,
    dNSHostName: c.dNSHostName,
    cn: c.cn,
    enabled: c.enabled,
    userAccountControl: c.userAccountControl,
    operatingSystem: c.operatingSystem,
    whenCreated: c.whenCreated,
    objectSid: c.objectSid,
  };
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
        {
          shell: 'powershell',
          command: `Get-ADComputer -Identity ${psQuote(c.dn)} -Properties LastLogonDate,whenCreated,OperatingSystem,dNSHostName,Description`,
          runOn: 'a machine with the AD PowerShell module',
        },
        {
          shell: 'sh',
          command: `samba-tool computer show ${shQuote(accountName(c))} --attributes=lastLogonTimestamp,whenCreated,operatingSystem,dNSHostName,description`,
          runOn: 'a Samba DC',
        },
      ],
    },
    {
      text: 'If it is stale, delete it (Remove-ADObject -Recursive when it has child objects, such as Hyper-V or BitLocker entries):',
      commands: [
        {
          shell: 'powershell',
          command: `Remove-ADComputer -Identity ${psQuote(c.dn)}`,
          runOn: 'a machine with the AD PowerShell module',
        },
        {
          shell: 'powershell',
          command: `Remove-ADObject -Identity ${psQuote(c.dn)} -Recursive`,
          runOn: 'a machine with the AD PowerShell module (the object has children)',
        },
        { shell: 'sh', command: `samba-tool computer delete ${shQuote(accountName(c))}`, runOn: 'a Samba DC' },
      ],
    },
  ];
}

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
    const facts = await ctx.fact('ad.directory');
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
    const spec = await ctx.fact('spec');
    const computers = facts.computers;
    const suggester = renameSuggester(
      [...facts.nodes.map(hostLabel), ...(facts.cluster ? [hostLabel(facts.cluster)] : [])],
      computers,
    );
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
