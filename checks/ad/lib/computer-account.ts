/**
 * What several ad.* checks share about computer objects: which object is a node's, the names that
 * collide with it, rename suggestions, and the remediation steps that set an account name, use a
 * prestaged object or remove a stale one (ad.computer-account, ad.cno-readiness, ad.netbios.*).
 */
import type { ClusterSpec } from '../../../src/config/schema.ts';
import type { RemediationStep } from '../../../src/engine/report.ts';
import type { AdFacts, ComputerObject, NodeName } from '../../../src/facts/index.ts';
import { matchesByName } from '../../../src/facts/ad-names.ts';
import { netbiosName, suggestNames, NETBIOS_MAX } from '../../../src/netbios.ts';
import { psQuote, shQuote } from '../../../src/quote.ts';

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

/**
 * The renameSuggester of the spec's names: every node's host label, then the cluster's. Each ad.*
 * check takes it from here, so that the same host gets the same suggestion in every finding.
 */
export function clusterRenameSuggester(facts: AdFacts, computers: readonly ComputerObject[]): RenameSuggester {
  return renameSuggester(
    [...facts.nodes.map(hostLabel), ...(facts.cluster ? [hostLabel(facts.cluster)] : [])],
    computers,
  );
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
