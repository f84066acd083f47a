/**
 * The sh fix script (`clusterprobe fix --shell sh`): the plan's Samba, tgt and targetcli (LIO)
 * actions, for root on the machines they run on.
 *
 * - `--dry-run` (the default) runs each action's test and shows what it would change; `--apply`
 *   changes. Parameters come from the environment, checked before the first change; a secret is
 *   read from the environment or a hidden prompt, never written into the script.
 * - Sections per host, in plan order; an action whose system this machine does not run (`serves`:
 *   samba-tool and a sam.ldb, tgtadm reaching tgtd, targetcli reading LIO) is skipped with a line
 *   saying where to run it.
 * - Each action's test runs first, and a done action is left alone; after a change the test must
 *   say done. `set -eu`, and the change runs outside any condition, so the first failing command
 *   stops the script; the EXIT trap names the action.
 * - Actions that need Windows are listed as not in this script.
 * POSIX sh (dash, bash, busybox ash); `sh -n` and shellcheck pass on every script.
 */
import { shVariable, type ShSystem } from '../engine/action.ts';
import { shQuote } from '../quote.ts';
import type { Report, ScriptParam } from '../engine/report.ts';
import { actionHead, commentText, type FixEntry, hostLabel, scriptParams, sections, stepLines } from './fix-script.ts';

/** Where to run a section of `system`, in words. */
const WHERE: Record<ShSystem, string> = {
  samba: 'the Samba domain controller',
  tgt: 'the tgt iSCSI target host',
  targetcli: 'the LIO (targetcli) iSCSI target host',
};

/** Indented for reading, unless a here-document's end (which must start its line) could move. */
function indent(code: string, by: string): string {
  if (code.includes('<<')) return code;
  return code
    .split(/\r\n|\r|\n/)
    .map((l) => (l.trim() === '' ? '' : by + l))
    .join('\n');
}

/** Whether sh `code` refers to parameter `name` (`$NAME` or `${NAME}`). */
export function references(code: string, name: string): boolean {
  return new RegExp(`\\$\\{?${shVariable(name)}(?![A-Za-z0-9_])`).test(code);
}

/** The lines that make sure the parameters `code` uses are set (a secret is asked for when it is not). */
function need(params: readonly ScriptParam[], code: string, by: string): string[] {
  return params
    .filter((p) => p.default === undefined && references(code, p.name))
    .map((p) =>
      p.secret
        ? `${by}ask_secret ${shVariable(p.name)} ${shQuote(commentText(p.description))}`
        : `${by}require ${shVariable(p.name)} "$${shVariable(p.name)}" ${shQuote(commentText(p.description))}`,
    );
}

function actionBlock(entry: FixEntry, total: number, params: readonly ScriptParam[]): string[] {
  const { action, number } = entry;
  const label = `[${number}/${total}] ${action.key}`;
  const head = actionHead(entry, label);
  const sh = action.script?.sh;
  if (!sh) {
    const other = action.script?.powershell
      ? `it needs Windows (${hostLabel(action.runsOn)}): clusterprobe fix --shell powershell`
      : 'it has no script form: do it by hand, as its steps say';
    return [
      ...head,
      `# Not in this script: ${commentText(other)}.`,
      ...stepLines(action).map((l) => `#   ${l}`),
      `not_here ${shQuote(`${label}: not in this script: ${other}.`)}`,
      '',
    ];
  }
  const fn = `action_${number}`;
  const applyLines = sh.apply.split(/\r\n|\r|\n/);
  return [
    ...head,
    `${fn}_test() {`,
    indent(sh.test, '  '),
    '}',
    `${fn}_apply() {`,
    ...need(params, sh.apply, '  '),
    indent(sh.apply, '  '),
    '}',
    `${fn}_show() {`,
    `  printf '      %s\\n' ${applyLines.map((l) => shQuote(l)).join(' ')}`,
    '}',
    // A secret the check needs is asked for before it, where the check can run.
    ...need(
      params.filter((p) => p.secret),
      sh.test,
      '  ',
    ).flatMap((l) => [`if serves ${sh.system}; then`, l, 'fi']),
    `run_action ${shQuote(label)} ${shQuote(commentText(action.title))} ${sh.system} ${shQuote(WHERE[sh.system])} ${fn} ${action.restart ? 'restart' : 'verify'}`,
    '',
  ];
}

const PRELUDE = String.raw`set -eu

mode=dry-run
for arg in "$@"; do
  case $arg in
    --apply) mode=apply ;;
    --dry-run) mode=dry-run ;;
    -h | --help)
      sed -n '3,/^$/s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
    *)
      printf 'clusterprobe fix: unknown option %s (expected --dry-run or --apply)\n' "$arg" >&2
      exit 2
      ;;
  esac
done

current=''
why=''
changed=0
already=0
would=0
elsewhere=0
nothere=0
# The change that failed, named: set -e ends the script at the failing command.
on_exit() {
  status=$?
  if [ "$status" -ne 0 ] && [ -n "$current" ]; then
    printf 'clusterprobe fix: %s failed (exit status %s). The script stopped here: the actions after it were not run.\n' "$current" "$status" >&2
  fi
}
trap on_exit EXIT

# A parameter the change needs: set in the environment, or the script stops before changing anything.
require() {
  if [ -z "$2" ]; then
    printf 'clusterprobe fix: %s is not set: %s. Set it in the environment: %s=... sh %s --apply\n' "$1" "$3" "$1" "$0" >&2
    exit 2
  fi
}

# A secret: from the environment, or asked for without echo; never written anywhere.
ask_secret() {
  eval "ask_secret_value=\${$1-}"
  if [ -n "$ask_secret_value" ]; then
    return 0
  fi
  if [ ! -t 0 ]; then
    printf 'clusterprobe fix: %s is not set: %s. Set it in the environment (never on the command line).\n' "$1" "$2" >&2
    exit 2
  fi
  printf '%s (%s): ' "$1" "$2" >&2
  stty -echo
  IFS= read -r "$1" || true
  stty echo
  printf '\n' >&2
}

not_here() {
  printf '%s\n' "$1"
  nothere=$((nothere + 1))
}

# A required parameter a dry run finds unset: said, since --apply will stop on it.
note_unset() {
  if [ -z "$2" ]; then
    printf 'note: %s is not set: %s. --apply needs it (in the environment).\n' "$1" "$3"
  fi
}

# Whether this machine runs the system an action changes; why not, in $why. The tool alone is not
# enough: without its daemon or database every check fails, which would read as "not done".
serves() {
  case $1 in
    samba)
      if ! command -v samba-tool >/dev/null 2>&1; then
        why='samba-tool is not on this machine'
        return 1
      fi
      serves_dir=$(samba-tool testparm --suppress-prompt --parameter-name='private dir' 2>/dev/null) || serves_dir=''
      if [ -z "$serves_dir" ] || [ ! -f "$serves_dir/sam.ldb" ]; then
        why='this machine is not a Samba domain controller (no sam.ldb)'
        return 1
      fi
      ;;
    tgt)
      if ! command -v tgtadm >/dev/null 2>&1; then
        why='tgtadm is not on this machine'
        return 1
      fi
      if ! tgtadm --lld iscsi --mode sys --op show >/dev/null 2>&1; then
        why='tgtd is not running on this machine (tgtadm cannot reach it)'
        return 1
      fi
      ;;
    targetcli)
      if ! command -v targetcli >/dev/null 2>&1; then
        why='targetcli is not on this machine'
        return 1
      fi
      if ! targetcli ls / >/dev/null 2>&1; then
        why='targetcli cannot read the LIO configuration on this machine'
        return 1
      fi
      ;;
  esac
}

# run_action LABEL TITLE SYSTEM WHERE FUNCTION verify|restart
run_action() {
  if ! serves "$3"; then
    printf '%s: skipped: %s; run this script on %s.\n' "$1" "$why" "$4"
    elsewhere=$((elsewhere + 1))
    return 0
  fi
  if "$5_test"; then
    printf '%s: already done, nothing to change.\n' "$1"
    already=$((already + 1))
    return 0
  fi
  if [ "$mode" = dry-run ]; then
    printf '%s: would change: %s, with\n' "$1" "$2"
    "$5_show"
    would=$((would + 1))
    return 0
  fi
  printf '%s: %s\n' "$1" "$2"
  current="$1 ($2)"
  "$5_apply"
  current=''
  if [ "$6" = verify ] && ! "$5_test"; then
    printf 'clusterprobe fix: %s ran without an error, but its check still says it is not done. The script stopped here: the actions after it were not run.\n' "$1" >&2
    exit 1
  fi
  printf '%s: done.\n' "$1"
  changed=$((changed + 1))
}
`;

const SUMMARY = String.raw`if [ "$mode" = dry-run ]; then
  printf 'clusterprobe fix (dry run, nothing changed): %s would change, %s already done, %s for another machine, %s not in this script. Run with --apply to change.\n' "$would" "$already" "$elsewhere" "$nothere"
else
  printf 'clusterprobe fix: %s changed, %s already done, %s for another machine, %s not in this script.\n' "$changed" "$already" "$elsewhere" "$nothere"
fi
`;

/** The sh script of the plan's `entries` (see the module comment). */
export function renderShFix(report: Report, entries: readonly FixEntry[], source?: string): string {
  const total = report.plan?.actions.length ?? 0;
  const here = entries.filter((e) => e.action.script?.sh);
  // A parameter only the PowerShell form uses (a credential) is not this script's.
  const params = scriptParams(here).filter((p) =>
    here.some((e) => references(e.action.script!.sh!.test, p.name) || references(e.action.script!.sh!.apply, p.name)),
  );
  const cluster = report.cluster.name ?? report.cluster.nodes.join(', ');
  const header = [
    '#!/bin/sh',
    // A shellcheck directive before the first command applies to the whole script.
    '# shellcheck disable=SC2016 # the labels and commands it prints are printed as they are, not expanded',
    commentText(
      `# clusterprobe fix: the plan for ${cluster || 'the cluster'}, its Samba, tgt and targetcli (LIO) actions: ${here.length} of ${entries.length} action${entries.length === 1 ? '' : 's'} (report of ${report.startedAt}).`,
    ),
    commentText(
      `# Written by clusterprobe ${report.tool.version} (clusterprobe fix --shell sh${source ? ` --from ${source}` : ''}).`,
    ),
    '#',
    '# Usage: sh THIS-FILE [--dry-run | --apply]',
    '#   --dry-run  (the default) checks each action and shows what it would change; changes nothing',
    '#   --apply    makes the changes',
    '# Run it as root on the machine each section names (the Samba DC, the iSCSI target host): a',
    '# section whose tool is not on this machine is skipped, saying where to run it. Each action',
    '# first checks whether it is already done and then changes nothing, so running it again is',
    '# harmless. The first action that fails stops the script, naming it. It runs the commands of',
    '# the report it was written from: read it before running it (a dry run runs the checks).',
    ...(params.length > 0
      ? [
          '#',
          '# Parameters, from the environment (NAME=value sh THIS-FILE --apply):',
          ...params.map(
            (p) =>
              `#   ${shVariable(p.name)}  ${commentText(p.secret ? `(secret: from the environment, or asked for; never written) ${p.description}` : p.default === undefined ? `(required for --apply) ${p.description}` : `(default: ${p.default}) ${p.description}`)}`,
          ),
        ]
      : []),
    ...(entries.length > here.length
      ? [
          '#',
          '# Not in this script (Windows: clusterprobe fix --shell powershell; or by hand):',
          ...entries
            .filter((e) => !e.action.script?.sh)
            .map((e) => `#   ${commentText(`${e.action.key}: ${e.action.title}`)}`),
        ]
      : []),
    '',
  ];
  const assignments = params.map((p) =>
    p.default !== undefined
      ? `${shVariable(p.name)}=\${${shVariable(p.name)}-${shQuote(p.default)}}`
      : `${shVariable(p.name)}=\${${shVariable(p.name)}-}`,
  );
  // Required parameters are checked before the first change, for the actions this machine runs.
  // Required parameters are checked before the first change, for the actions this machine runs;
  // a dry run says which are unset.
  const preflight = here.flatMap((e) => {
    const lines = need(
      params.filter((p) => !p.secret),
      `${e.action.script!.sh!.apply}\n${e.action.script!.sh!.test}`,
      '    ',
    );
    if (lines.length === 0) return [];
    const notes = lines.map((l) => l.replace(/^(\s*)require /, '$1note_unset '));
    return [
      `if serves ${e.action.script!.sh!.system}; then`,
      '  if [ "$mode" = apply ]; then',
      ...lines,
      '  else',
      ...notes,
      '  fi',
      'fi',
    ];
  });
  const body = sections(entries).flatMap((s) => [
    `# ====== On ${commentText(hostLabel(s.runsOn))} ======`,
    '',
    ...s.entries.flatMap((e) => actionBlock(e, total, params)),
  ]);
  return [
    ...header,
    PRELUDE,
    ...(assignments.length > 0 ? ['# Parameters (see the top).', ...assignments, ''] : []),
    ...(preflight.length > 0 ? [...preflight, ''] : []),
    ...body,
    SUMMARY,
  ].join('\n');
}
