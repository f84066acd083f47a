/**
 * The PowerShell fix script (`clusterprobe fix --shell powershell`): one script, run on a Windows
 * management host, that applies the plan's actions that have a PowerShell form, in plan order.
 *
 * - `[CmdletBinding(SupportsShouldProcess)]`: `-WhatIf` checks every action and shows what it
 *   would change without changing anything; `-Confirm` asks before each action.
 * - Every value the user must supply is a parameter (mandatory when it has no default); a secret
 *   is a `[PSCredential]` parameter, asked for when an action needs it and none was given.
 * - Each action first runs its test and does nothing when it is done already; after a change
 *   (that needs no restart) the test must say done.
 * - `$ErrorActionPreference = 'Stop'`: the first failure stops the script, naming the action.
 * - Windows PowerShell 5.1 and PowerShell 7 (`#Requires -Version 5.1`); the actions that need
 *   Windows Server 2008 R2's older tools say which, in the help and beside the action.
 */
import { psQuote } from '../quote.ts';
import type { Report, ScriptParam } from '../engine/report.ts';
import {
  actionHead,
  commentText,
  type FixEntry,
  FixError,
  hostLabel,
  scriptParams,
  sections,
  stepLines,
} from './fix-script.ts';

const CREDENTIAL = '[System.Management.Automation.PSCredential]';

/** Indented for reading, unless a here-string's end (which must start its line) could move. */
function indent(code: string, by: string): string {
  if (/@'|@"/.test(code)) return code;
  return code
    .split(/\r\n|\r|\n/)
    .map((l) => (l.trim() === '' ? '' : by + l))
    .join('\n');
}

function sentence(text: string): string {
  return /[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

function paramDeclaration(p: ScriptParam): string {
  if (p.secret) return `    ${CREDENTIAL}$${p.name} = ${CREDENTIAL}::Empty`;
  if (p.default !== undefined) return `    [string]$${p.name} = ${psQuote(p.default)}`;
  return `    [Parameter(Mandatory = $true)][string]$${p.name}`;
}

function references(code: string, name: string): boolean {
  return new RegExp(`\\$${name}(?![A-Za-z0-9_])`, 'i').test(code);
}

/** The lines that ask for the secrets `code` uses, when none was given. */
function askSecrets(secrets: readonly ScriptParam[], code: string, by: string): string[] {
  return secrets
    .filter((s) => references(code, s.name))
    .map(
      (s) =>
        `${by}if ($${s.name} -eq ${CREDENTIAL}::Empty) { $script:${s.name} = Get-Credential -Message ${psQuote(commentText(s.description))} }`,
    );
}

function actionBlock(entry: FixEntry, total: number, secrets: readonly ScriptParam[]): string[] {
  const { action, number } = entry;
  const label = `[${number}/${total}] ${action.key}`;
  const head = actionHead(entry, label);
  const ps = action.script?.powershell;
  if (!ps) {
    const other = action.script?.sh
      ? `it runs with sh on ${hostLabel(action.runsOn)}: clusterprobe fix --shell sh`
      : 'it has no script form: do it by hand, as its steps say';
    return [
      ...head,
      `# Not in this script: ${commentText(other)}.`,
      ...stepLines(action).map((l) => `#   ${l}`),
      `Write-Host ${psQuote(`${label}: not in this script: ${other}.`)}`,
      `$fixNotHere += ${psQuote(action.key)}`,
      '',
    ];
  }
  const what = action.reversible ? action.title : `${action.title} (cannot be undone)`;
  const after = action.restart
    ? [`    Write-Host ${psQuote(`${label}: done; it takes effect when ${hostLabel(action.runsOn)} has restarted.`)}`]
    : [
        `    if (-not (Test-FixAction ${psQuote(label)} {`,
        indent(ps.test, '        '),
        '    })) {',
        `        throw ${psQuote(`${label} ran without an error, but its check still says it is not done. The script stopped here: the actions after it were not run.`)}`,
        '    }',
        `    Write-Host ${psQuote(`${label}: done.`)}`,
      ];
  return [
    ...head,
    ...(ps.legacy
      ? [
          /2008 R2/.test(ps.legacy)
            ? `# ${commentText(ps.legacy)}`
            : `# Windows Server 2008 R2 (PowerShell 2.0): ${commentText(ps.legacy)}`,
        ]
      : []),
    ...askSecrets(secrets, ps.test, ''),
    `if (Test-FixAction ${psQuote(label)} {`,
    indent(ps.test, '    '),
    '}) {',
    `    Write-Host ${psQuote(`${label}: already done, nothing to change.`)}`,
    `} elseif ($PSCmdlet.ShouldProcess(${psQuote(hostLabel(action.runsOn))}, ${psQuote(what)})) {`,
    ...askSecrets(secrets, ps.apply, '    '),
    '    try {',
    indent(ps.apply, '        '),
    '    } catch {',
    `        throw ("{0} failed: {1} The script stopped here: the actions after it were not run." -f ${psQuote(label)}, $_.Exception.Message)`,
    '    }',
    ...after,
    '}',
    '',
  ];
}

/** The PowerShell script of the plan's `entries` (see the module comment). */
export function renderPowerShellFix(report: Report, entries: readonly FixEntry[], source?: string): string {
  const total = report.plan?.actions.length ?? 0;
  const here = entries.filter((e) => e.action.script?.powershell);
  // A parameter only the sh form uses is not this script's.
  const params = scriptParams(here).filter((p) =>
    here.some(
      (e) =>
        references(e.action.script!.powershell!.test, p.name) || references(e.action.script!.powershell!.apply, p.name),
    ),
  );
  for (const p of params)
    if (p.name.toLowerCase() === 'whatif' || p.name.toLowerCase() === 'confirm' || p.name.toLowerCase() === 'verbose')
      throw new FixError(`the parameter ${p.name} is one of PowerShell's common parameters`);
  const secrets = params.filter((p) => p.secret);
  const legacy = here.filter((e) => e.action.script!.powershell!.legacy);
  const cluster = report.cluster.name ?? report.cluster.nodes.join(', ');
  const help = [
    '<#',
    '.SYNOPSIS',
    commentText(
      `Applies the clusterprobe plan for ${cluster || 'the cluster'}: ${here.length} of ${entries.length} action${entries.length === 1 ? '' : 's'} in this script (report of ${report.startedAt}).`,
    ),
    '',
    '.DESCRIPTION',
    commentText(
      `Written by clusterprobe ${report.tool.version} (clusterprobe fix${source ? ` --from ${source}` : ''}). Run it with -WhatIf first: it checks every action and shows what it would change, and changes nothing. -Confirm asks before each action. Each action first checks whether it is already done and then changes nothing, so running the script again is harmless. The first action that fails stops the script, naming it. It runs the commands of the report it was written from: read it before running it, as -WhatIf runs each action's read-only check.`,
    ),
    '',
    commentText(
      'Run it on a domain-joined Windows management host, with Windows PowerShell 5.1 or PowerShell 7 and the ActiveDirectory module (RSAT), as an account allowed to make the changes. The actions reach the domain controller and the nodes over the network.',
    ),
    ...(legacy.length > 0
      ? [
          '',
          commentText(
            'Windows Server 2008 R2 (PowerShell 2.0) cannot run this script; these actions need its older tools there:',
          ),
          ...legacy.map((e) => commentText(`  ${e.action.key}: ${e.action.script!.powershell!.legacy!}`)),
        ]
      : []),
    ...(entries.length > here.length
      ? [
          '',
          commentText('Not in this script (another shell, or by hand):'),
          ...entries
            .filter((e) => !e.action.script?.powershell)
            .map((e) => commentText(`  ${e.action.key}: ${e.action.title}`)),
        ]
      : []),
    ...params.flatMap((p) => [
      '',
      `.PARAMETER ${p.name}`,
      commentText(
        p.secret
          ? `${sentence(p.description)} A credential: asked for when an action needs it, if not given.`
          : p.default === undefined
            ? `${sentence(p.description)} Required.`
            : `${sentence(p.description)} Default: ${p.default}`,
      ),
    ]),
    '#>',
  ];
  const body = sections(entries).flatMap((s) => [
    `# ====== On ${commentText(hostLabel(s.runsOn))} ======`,
    '',
    ...s.entries.flatMap((e) => actionBlock(e, total, secrets)),
  ]);
  return [
    ...help,
    '#Requires -Version 5.1',
    '[CmdletBinding(SupportsShouldProcess = $true)]',
    'param(',
    params.map(paramDeclaration).join(',\n'),
    ')',
    '',
    "$ErrorActionPreference = 'Stop'",
    '$fixNotHere = @()',
    '',
    '# Whether an action is done already: its check, which only reads. A check that fails stops the script.',
    'function Test-FixAction([string]$FixLabel, [scriptblock]$FixCheck) {',
    '    try {',
    '        return [bool](& $FixCheck | Select-Object -Last 1)',
    '    } catch {',
    '        throw ("{0}: could not check whether it is done: {1} The script stopped here." -f $FixLabel, $_.Exception.Message)',
    '    }',
    '}',
    '',
    ...body,
    'if ($fixNotHere.Count -gt 0) {',
    `    Write-Warning ("Not in this script, to be done apart: " + ($fixNotHere -join ', '))`,
    '}',
    '',
  ].join('\n');
}
