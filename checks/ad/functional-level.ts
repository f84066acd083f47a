import type { Check } from '../../src/engine/contract.ts';
import type { Action, ActionScript, Remediation, RemediationStep } from '../../src/engine/report.ts';
import { psParam } from '../../src/engine/action.ts';
import { psQuote, shQuote } from '../../src/quote.ts';
import { DOMAIN_CREDENTIAL } from '../shared/lib/script-params.ts';
import { AD_GATE_MESSAGES, adFactsOrSkip } from './lib/gate.ts';

const messages = {
  levels:
    'Domain functional level {domainLevelName} ({domainLevel}), forest {forestLevelName} ({forestLevel}), native mode: nothing here stops {nodesOs} (functional levels set no minimum for member servers)',
  mixedMode:
    'Domain {domain} is in mixed mode (nTMixedDomain=1, domain level {domainLevelName} ({domainLevel}), forest {forestLevelName} ({forestLevel})): it still admits Windows NT 4.0 backup DCs',
  legacyLevel:
    'Domain {domain} runs at {lowest}, which still admits {admits} (domain {domainLevelName} ({domainLevel}), forest {forestLevelName} ({forestLevel}))',
  unreadable: 'The functional levels of {domain} could not be read: {missing}',
  notRead: 'The directory was not read (see ad.connect): the functional levels are unknown',
  ...AD_GATE_MESSAGES,
} as const;

interface Level {
  readonly name: string;
  /** Set-ADDomainMode -DomainMode / Set-ADForestMode -ForestMode (ADDomainMode, ADForestMode). */
  readonly domainMode: string;
  readonly forestMode: string;
  /** samba-tool domain level raise --domain-level / --forest-level, where Samba has it. */
  readonly samba?: string;
}

/** msDS-Behavior-Version / domainFunctionality (MS-ADTS 6.1.4.3, 6.1.4.4); 2019 and 2022 added none. */
export const FUNCTIONAL_LEVELS: Readonly<Record<number, Level>> = {
  0: { name: 'Windows 2000', domainMode: 'Windows2000Domain', forestMode: 'Windows2000Forest' },
  1: {
    name: 'Windows Server 2003 interim',
    domainMode: 'Windows2003InterimDomain',
    forestMode: 'Windows2003InterimForest',
  },
  2: { name: 'Windows Server 2003', domainMode: 'Windows2003Domain', forestMode: 'Windows2003Forest', samba: '2003' },
  3: { name: 'Windows Server 2008', domainMode: 'Windows2008Domain', forestMode: 'Windows2008Forest', samba: '2008' },
  4: {
    name: 'Windows Server 2008 R2',
    domainMode: 'Windows2008R2Domain',
    forestMode: 'Windows2008R2Forest',
    samba: '2008_R2',
  },
  5: { name: 'Windows Server 2012', domainMode: 'Windows2012Domain', forestMode: 'Windows2012Forest', samba: '2012' },
  6: {
    name: 'Windows Server 2012 R2',
    domainMode: 'Windows2012R2Domain',
    forestMode: 'Windows2012R2Forest',
    samba: '2012_R2',
  },
  7: { name: 'Windows Server 2016', domainMode: 'Windows2016Domain', forestMode: 'Windows2016Forest', samba: '2016' },
  10: { name: 'Windows Server 2025', domainMode: 'Windows2025Domain', forestMode: 'Windows2025Forest' },
};

/** The lowest level that leaves mixed mode and Windows 2000 DCs behind. */
const WIN2003 = 2;

export function levelName(level: number, mixed?: number | null): string {
  if (level === 0 && mixed === 1) return 'Windows 2000 mixed';
  if (level === 0 && mixed === 0) return 'Windows 2000 native';
  return FUNCTIONAL_LEVELS[level]?.name ?? `unknown level ${level}`;
}

function intOf(value: string | string[] | undefined): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : null;
}

/** DC=lab,DC=example,DC=test -> lab.example.test */
function dnsNameOf(dn: string): string | null {
  const parts = dn.split(',').map((p) => /^\s*DC=(.+)$/i.exec(p)?.[1]);
  return parts.length > 0 && parts.every((p) => p !== undefined) ? parts.join('.').toLowerCase() : null;
}

interface Levels {
  readonly domain: string;
  readonly domainDn: string;
  readonly forestRoot: string;
  readonly domainLevel: number;
  readonly forestLevel: number | null;
  readonly mixed: number | null;
}

/** How `samba-tool domain level show` names each level (Samba 4.17, netcmd/domain.py); above 6 it says "higher than 2012 R2". */
const SAMBA_SHOW: Readonly<Record<number, string>> = {
  2: '2003',
  3: '2008',
  4: '2008 R2',
  5: '2012',
  6: '2012 R2',
};

/** A grep -Ex pattern for the `show` line of `what` (Forest, Domain) at `level` or above. */
function sambaShowAtLeast(what: 'Forest' | 'Domain', level: number): string {
  const names = Object.entries(SAMBA_SHOW)
    .filter(([l]) => Number(l) >= level)
    .map(([, n]) => n);
  return `${what} function level: \\(Windows\\) (${[...names, 'higher than 2012 R2'].join('|')})`;
}

/**
 * The script form of raising the levels (ARCHITECTURE.md, "The plan"). PowerShell reads and writes
 * on the PDC emulator, so that the test after the change reads what the change wrote. On Samba,
 * `samba-tool domain level show` does not say whether a domain above the Windows 2000 level is in
 * mixed mode (the demo's 2003 domain shows as plain "2003"), so the sh test also reads
 * nTMixedDomain from the DC's sam.ldb with ldbsearch (Debian package ldb-tools); `raise` refuses a
 * domain level "equal to the actual one" once the domain is native, so each raise is guarded by
 * its part of the test, and the apply is harmless to run again.
 */
function raiseScript(l: Levels, raiseDomain: boolean, raiseForest: boolean, target: number): ActionScript {
  const cred = psParam('DomainCredential');
  const forestTarget = FUNCTIONAL_LEVELS[WIN2003]!;
  const domainMode = (FUNCTIONAL_LEVELS[target] ?? FUNCTIONAL_LEVELS[WIN2003]!).domainMode;
  const pdc = `$pdc = (Get-ADDomain -Identity ${psQuote(l.domain)} -Credential ${cred}).PDCEmulator`;
  const readHead = `Get-ADObject -Identity ${psQuote(l.domainDn)} -Properties 'msDS-Behavior-Version', 'nTMixedDomain' -Server $pdc -Credential ${cred}`;
  const forestMode = `[int](Get-ADForest -Identity ${psQuote(l.forestRoot)} -Server $pdc -Credential ${cred}).ForestMode`;
  const psDone = [
    ...(raiseDomain ? [`([int]$d.'msDS-Behavior-Version' -ge ${target})`, '([int]$d.nTMixedDomain -eq 0)'] : []),
    ...(raiseForest ? [`(${forestMode} -ge ${WIN2003})`] : []),
  ].join(' -and ');
  const powershell = {
    test: [pdc, ...(raiseDomain ? [`$d = ${readHead}`] : []), psDone].join('\n'),
    apply: [
      pdc,
      ...(raiseDomain
        ? [
            `$d = ${readHead}`,
            `if ([int]$d.'msDS-Behavior-Version' -lt ${target}) { Set-ADDomainMode -Identity ${psQuote(l.domain)} -DomainMode ${domainMode} -Server $pdc -Credential ${cred} -Confirm:$false }`,
            // Windows may leave nTMixedDomain at 1 when the level was already the target (KB 322692).
            `if ([int](${readHead}).nTMixedDomain -ne 0) { Set-ADObject -Identity ${psQuote(l.domainDn)} -Replace @{ nTMixedDomain = 0 } -Server $pdc -Credential ${cred} }`,
          ]
        : []),
      ...(raiseForest
        ? [
            `if (${forestMode} -lt ${WIN2003}) { Set-ADForestMode -Identity ${psQuote(l.forestRoot)} -ForestMode ${forestTarget.forestMode} -Server $pdc -Credential ${cred} -Confirm:$false }`,
          ]
        : []),
    ].join('\n'),
  };
  const params = [DOMAIN_CREDENTIAL];
  const domainSamba = FUNCTIONAL_LEVELS[target]?.samba;
  if ((raiseDomain && domainSamba === undefined) || (raiseDomain && l.domainDn === '')) return { params, powershell };
  const show = 'samba-tool domain level show 2>/dev/null';
  const domainDone = `${show} | grep -Eqx ${shQuote(sambaShowAtLeast('Domain', target))}`;
  const nativeDone = `ldbsearch -H "$(samba-tool testparm --suppress-prompt --parameter-name='private dir' 2>/dev/null)/sam.ldb" -s base -b ${shQuote(l.domainDn)} nTMixedDomain 2>/dev/null | grep -qx 'nTMixedDomain: 0'`;
  const forestDone = `${show} | grep -Eqx ${shQuote(sambaShowAtLeast('Forest', WIN2003))}`;
  const sh = {
    system: 'samba' as const,
    test: [...(raiseDomain ? [domainDone, nativeDone] : []), ...(raiseForest ? [forestDone] : [])].join(' && '),
    apply: [
      ...(raiseDomain
        ? [
            "command -v ldbsearch >/dev/null 2>&1 || { echo 'ldbsearch is missing (Debian package ldb-tools): it reads nTMixedDomain, which samba-tool domain level show does not show' >&2; false; }",
            `if ! { ${domainDone} && ${nativeDone}; }; then samba-tool domain level raise --domain-level=${domainSamba}; fi`,
          ]
        : []),
      ...(raiseForest
        ? [`if ! ${forestDone}; then samba-tool domain level raise --forest-level=${forestTarget.samba}; fi`]
        : []),
    ].join('\n'),
  };
  return { params, powershell, sh };
}

function raiseFix(l: Levels, leaveMixed: boolean): Remediation {
  const target = Math.max(WIN2003, l.domainLevel);
  const domainTarget = FUNCTIONAL_LEVELS[target] ?? FUNCTIONAL_LEVELS[WIN2003]!;
  const raiseForest = l.forestLevel !== null && l.forestLevel < WIN2003;
  // Only the forest may be low: then the domain stays as it is (samba-tool refuses a domain level
  // "smaller than or equal to the actual one" in native mode, and would not reach the forest).
  const raiseDomain = leaveMixed || l.domainLevel < WIN2003;
  const pdc = `(Get-ADDomain -Identity ${psQuote(l.domain)}).PDCEmulator`;
  const adModule = 'a machine with the AD PowerShell module, as a Domain Admin';
  const sambaArgs = [
    raiseDomain && domainTarget.samba ? `--domain-level=${domainTarget.samba}` : undefined,
    raiseForest ? `--forest-level=${FUNCTIONAL_LEVELS[WIN2003]!.samba}` : undefined,
  ].filter((a) => a !== undefined);
  const steps: RemediationStep[] = [
    {
      text: `Prerequisites: no Windows NT 4.0 backup DC may be left (it stops replicating the moment the domain leaves mixed mode), and every DC must run Windows Server 2003 or later before the level can be ${domainTarget.name}. List every DC account with its operating system:`,
      commands: [
        {
          shell: 'powershell',
          command:
            "Get-ADComputer -LDAPFilter '(userAccountControl:1.2.840.113556.1.4.803:=8192)' -Properties OperatingSystem, OperatingSystemVersion | Select-Object Name, OperatingSystem, OperatingSystemVersion",
          runOn: adModule,
        },
        { shell: 'cmd', command: 'netdom query dc', runOn: 'a DC' },
        { shell: 'sh', command: 'samba-tool domain level show', runOn: 'a Samba DC (as root)' },
      ],
    },
  ];
  if (raiseDomain) {
    steps.push({
      text: `Raise the domain functional level to ${domainTarget.name}${leaveMixed ? ' (this also switches the domain to native mode)' : ''}. It cannot be undone: going back needs a forest recovery from backup. The GUI way is Active Directory Domains and Trusts (domain.msc), right-click the domain, "Raise Domain Functional Level".`,
      commands: [
        {
          shell: 'powershell',
          command: `Set-ADDomainMode -Identity ${psQuote(l.domain)} -DomainMode ${domainTarget.domainMode} -Server ${pdc}`,
          runOn: adModule,
        },
      ],
    });
  }
  if (leaveMixed && l.domainLevel >= WIN2003) {
    steps.push({
      text: `The domain already says ${levelName(l.domainLevel)} yet nTMixedDomain is 1, which MS-ADTS 6.1.4.3 does not allow; Windows may refuse to "raise" to the level it already has. Then set the attribute itself on the PDC emulator (the manual method of Microsoft KB 322692):`,
      commands: [
        {
          shell: 'powershell',
          command: `Set-ADObject -Identity ${psQuote(l.domainDn)} -Replace @{nTMixedDomain=0} -Server ${pdc}`,
          runOn: adModule,
        },
      ],
    });
  }
  if (raiseForest) {
    steps.push({
      text: `Then raise the forest functional level (it can never exceed the lowest domain level in the forest, and it cannot be undone either) to ${FUNCTIONAL_LEVELS[WIN2003]!.name}:`,
      commands: [
        {
          shell: 'powershell',
          command: `Set-ADForestMode -Identity ${psQuote(l.forestRoot)} -ForestMode ${FUNCTIONAL_LEVELS[WIN2003]!.forestMode}`,
          runOn: adModule,
        },
      ],
    });
  }
  if (sambaArgs.length > 0) {
    steps.push({
      text: `On a Samba DC, on the DC itself (Samba refuses the change over LDAP); ${leaveMixed ? 'raising clears nTMixedDomain as well' : 'the same prerequisites apply'}:`,
      commands: [
        {
          shell: 'sh',
          command: `samba-tool domain level raise ${sambaArgs.join(' ')}`,
          runOn: 'the Samba DC (as root)',
        },
      ],
    });
  }
  steps.push({
    text: 'Raise further, to the highest level every DC supports, whenever you like: the cluster does not need it, but nothing in the cluster is hurt by it either.',
  });
  const summary = leaveMixed
    ? `Leave mixed mode: raise ${l.domain} to ${domainTarget.name} (irreversible)`
    : raiseDomain
      ? `Raise ${l.domain} to ${domainTarget.name} once no Windows 2000 DC is left (irreversible)`
      : `Raise the forest ${l.forestRoot} to ${FUNCTIONAL_LEVELS[WIN2003]!.name} once no Windows 2000 DC is left (irreversible)`;
  const action: Action = {
    key: raiseDomain ? 'raise-domain-mode' : 'raise-forest-mode',
    title: summary,
    runsOn: 'dc',
    steps,
    restart: false,
    reversible: false,
    disruption: 'none',
    script: raiseScript(l, raiseDomain, raiseForest, domainTarget === FUNCTIONAL_LEVELS[target] ? target : WIN2003),
  };
  return { summary, steps, actions: [action] };
}

const check = {
  meta: {
    id: 'ad.domain.functional-level',
    title: 'The domain is in native mode at a functional level the cluster can live with',
    area: 'ad',
    description:
      "Reads the domain and forest functional levels (rootDSE domainFunctionality/forestFunctionality, msDS-Behavior-Version on the domain head) and nTMixedDomain, and names them next to cluster.windowsVersion. Mixed mode fails; a level that still admits Windows 2000 DCs (or NT 4.0 backup DCs, at the 2003 interim level) warns. Microsoft documents no minimum domain or forest functional level for member servers of any Windows Server version (the minimums it documents are for adding domain controllers), so the nodes' version alone fails no level.",
    why: "A domain in mixed mode still admits Windows NT 4.0 backup DCs, which know nothing of Kerberos, and lacks what later cluster tooling takes for granted (universal and nested groups, constrained delegation at 2003). The review's 2008 R2 lab was blocked by a Windows Server 2003 domain still in mixed mode.",
    docs: 'docs/checks/ad.domain.functional-level.md',
    severity: 'fail',
    facts: ['ad.directory', 'spec'],
    messages,
    remediations: [
      'Check that no NT 4.0 (or Windows 2000) DC is left, then Set-ADDomainMode -Identity <domain> -DomainMode Windows2003Domain (or higher) and Set-ADForestMode; on Samba samba-tool domain level raise --domain-level=2003. Irreversible.',
    ],
  },
  async run(ctx) {
    const facts = await adFactsOrSkip(ctx);
    if (!facts) return;
    const { domain } = facts;
    if (!facts.rootDse && !facts.domainHead) {
      ctx.report({ status: 'skipped', messageId: 'notRead', subject: domain, evidence: { attempts: facts.attempts } });
      return;
    }
    const spec = await ctx.fact('spec');
    const windowsVersion = spec.cluster?.windowsVersion;
    const root = facts.rootDse ?? {};
    const head = facts.domainHead;
    const rootDomainLevel = intOf(root.domainFunctionality);
    // An absent msDS-Behavior-Version means 0 (MS-ADTS 6.1.4.3), but only when the head was read.
    const headLevel = head ? (head.msDSBehaviorVersion ?? 0) : null;
    const domainLevel = rootDomainLevel ?? headLevel;
    const forestLevel = intOf(root.forestFunctionality);
    const dcLevel = intOf(root.domainControllerFunctionality);
    const mixed = head?.nTMixedDomain ?? null;
    const evidence = {
      rootDse: {
        domainFunctionality: root.domainFunctionality ?? null,
        forestFunctionality: root.forestFunctionality ?? null,
        domainControllerFunctionality: root.domainControllerFunctionality ?? null,
      },
      domainHead: head ?? null,
      ...(facts.readError ? { readError: facts.readError } : {}),
    };

    // From the Windows Server 2003 level on, nTMixedDomain is 0 (MS-ADTS 6.1.4.3): only below it must it be read.
    const missing = [
      domainLevel === null ? 'the domain level (rootDSE domainFunctionality, msDS-Behavior-Version)' : undefined,
      mixed === null && (domainLevel ?? 0) < WIN2003 ? 'nTMixedDomain on the domain head' : undefined,
    ].filter((m) => m !== undefined);
    if (mixed !== 1 && missing.length > 0) {
      ctx.report({
        status: 'warn',
        messageId: 'unreadable',
        subject: domain,
        data: { domain, missing: missing.join(', ') },
        evidence,
        remediation: {
          summary: 'Read the levels by hand',
          steps: [
            {
              text: 'See the levels and the mode directly:',
              commands: [
                {
                  shell: 'powershell',
                  command: `Get-ADDomain -Identity ${psQuote(domain)} | Select-Object DomainMode; Get-ADForest | Select-Object ForestMode`,
                  runOn: 'a machine with the AD PowerShell module',
                },
                { shell: 'sh', command: 'samba-tool domain level show', runOn: 'a Samba DC (as root)' },
              ],
            },
          ],
        },
      });
      return;
    }

    const domLevel = domainLevel ?? 0;
    const data = {
      domain,
      domainLevel: domLevel,
      domainLevelName: levelName(domLevel, mixed),
      forestLevel: forestLevel ?? '?',
      forestLevelName: forestLevel === null ? 'unknown' : levelName(forestLevel),
      dcLevel,
      dcLevelName: dcLevel === null ? null : levelName(dcLevel),
      nTMixedDomain: mixed,
      windowsVersion: windowsVersion ?? null,
      nodesOs: windowsVersion
        ? `Windows Server ${windowsVersion.replace(/R2$/, ' R2')} nodes`
        : 'the nodes (cluster.windowsVersion is not set)',
      ...(rootDomainLevel !== null && headLevel !== null && rootDomainLevel !== headLevel ? { headLevel } : {}),
    };
    const levels: Levels = {
      domain,
      domainDn: head?.dn ?? String(root.defaultNamingContext ?? ''),
      forestRoot: dnsNameOf(String(root.rootDomainNamingContext ?? '')) ?? domain,
      domainLevel: domLevel,
      forestLevel,
      mixed,
    };
    if (mixed === 1) {
      ctx.report({
        status: 'fail',
        messageId: 'mixedMode',
        subject: domain,
        data,
        evidence,
        remediation: raiseFix(levels, true),
      });
      return;
    }
    const forLevel = forestLevel ?? WIN2003;
    if (domLevel < WIN2003 || forLevel < WIN2003) {
      const low = Math.min(domLevel, forLevel);
      const lowest =
        domLevel <= forLevel ? `domain level ${levelName(domLevel, mixed)}` : `forest level ${levelName(forLevel)}`;
      // MS-ADTS 6.1.4.3/6.1.4.4: level 0 allows Windows 2000 DCs; 1 (interim) allows NT 4.0 backup DCs in its domains.
      const admits =
        low === 0
          ? 'Windows 2000 domain controllers'
          : 'Windows NT 4.0 backup domain controllers (the Windows Server 2003 interim level)';
      ctx.report({
        status: 'warn',
        messageId: 'legacyLevel',
        subject: domain,
        data: { ...data, lowest, admits },
        evidence,
        remediation: raiseFix(levels, false),
      });
      return;
    }
    ctx.report({ status: 'pass', messageId: 'levels', subject: domain, data, evidence });
  },
} satisfies Check;

export default check;
