/**
 * Syntax checks for the remediation commands clusterprobe prints, so that a command an
 * administrator pastes parses in its shell and a value in it stays one quoted argument.
 *
 * - PowerShell: the tree-sitter-powershell grammar (web-tree-sitter, no native build), plus what
 *   it lacks. PowerShell itself cannot run here; the grammar is a stand-in that errs both ways:
 *   - too strict: parameter names with digits (`-IPv4Address`) and bare-word comma lists
 *     (`Format-Table Name, Status`, `-Node a,b`). Before parsing, and only outside strings, the
 *     digits of a parameter name become `x` and each bare word of a comma list becomes a variable
 *     (`$xxxx`) of the same length, so positions still match the command. Nothing else is forgiven:
 *     the grammar also refuses numeric multiplier suffixes (`1GB`, `512MB`), so a command states
 *     the number itself (`1073741824`).
 *   - too tolerant: a quote character (' " and the typographic ‘ ’ ‚ ‛ “ ” „, all quote characters
 *     to PowerShell) or `<` `>` inside a bare word, `$name`, `$(` or a backtick inside a bare word
 *     (PowerShell expands or escapes there), a quote run of odd length inside a string (PowerShell
 *     ends the string there: `'a‘b'`), `<` used as an input redirection (reserved), and `try`
 *     without `catch` or `finally`: each is reported here from a walk of the tree.
 * - sh: `shellcheck -s sh` (Debian package), many commands per run, each in its own function,
 *   plus bare `<placeholder>`s, which sh reads as two redirections (valid, and harmful). A few
 *   shellcheck codes are not problems here (SHELLCHECK_IGNORED).
 * - cmd: a scanner: double quotes balanced; outside them no `<` `>` and no `&` `|` inside a word
 *   (cmd would redirect or start another command), `^` escaping the next character.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';
import type { Shell } from '../../src/engine/report.ts';

/** One command with what is wrong with it (empty: it is fine). */
export interface CommandVerdict {
  readonly shell: Shell;
  readonly command: string;
  readonly problems: readonly string[];
}

const SINGLE_QUOTES = "'\u2018\u2019\u201A\u201B";
const DOUBLE_QUOTES = '"\u201C\u201D\u201E';
const ALL_QUOTES = SINGLE_QUOTES + DOUBLE_QUOTES;

let parser: Promise<Parser> | undefined;

/** The PowerShell parser, loaded once per process. */
export function powershellParser(): Promise<Parser> {
  parser ??= (async () => {
    await Parser.init();
    const dir = dirname(createRequire(import.meta.url).resolve('tree-sitter-powershell/package.json'));
    const p = new Parser();
    p.setLanguage(await Language.load(join(dir, 'tree-sitter-powershell.wasm')));
    return p;
  })();
  return parser;
}

/** Spans of the command that PowerShell reads as strings or comments (by PowerShell's own quote rules). */
function psQuotedSpans(s: string): [number, number][] {
  const spans: [number, number][] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '`') {
      i += 2;
    } else if (c === '<' && s[i + 1] === '#') {
      // A block comment (a script's help): a quote inside it opens nothing.
      const end = s.indexOf('#>', i + 2);
      spans.push([i, end < 0 ? s.length : end + 2]);
      i = end < 0 ? s.length : end + 2;
    } else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]!))) {
      const end = s.indexOf('\n', i);
      spans.push([i, end < 0 ? s.length : end]);
      i = end < 0 ? s.length : end;
    } else if (SINGLE_QUOTES.includes(c)) {
      let j = i + 1;
      while (j < s.length) {
        if (SINGLE_QUOTES.includes(s[j]!)) {
          if (j + 1 < s.length && SINGLE_QUOTES.includes(s[j + 1]!)) j += 2;
          else break;
        } else j++;
      }
      spans.push([i, j + 1]);
      i = j + 1;
    } else if (DOUBLE_QUOTES.includes(c)) {
      let j = i + 1;
      while (j < s.length) {
        if (s[j] === '`') j += 2;
        else if (DOUBLE_QUOTES.includes(s[j]!)) {
          if (j + 1 < s.length && DOUBLE_QUOTES.includes(s[j + 1]!)) j += 2;
          else break;
        } else j++;
      }
      spans.push([i, j + 1]);
      i = j + 1;
    } else i++;
  }
  return spans;
}

/**
 * The command as the grammar gets it: the grammar's two false rejections rewritten outside
 * strings, each character for one (see the module comment).
 */
export function forGrammar(command: string): string {
  const chars = [...command];
  const quoted = psQuotedSpans(command);
  // Indexes below are UTF-16 offsets; only ASCII characters are rewritten, and only when
  // the string has no surrogate pairs (then the spread array and the offsets agree).
  if (chars.length !== command.length) return command;
  const inQuotes = (i: number) => quoted.some(([a, b]) => i >= a && i < b);
  for (const m of command.matchAll(/(?<=^|[\s(;{|])-[A-Za-z][A-Za-z0-9]*\d[A-Za-z0-9]*(?=[\s:)]|$)/g)) {
    if (inQuotes(m.index)) continue;
    for (let k = m.index; k < m.index + m[0].length; k++) if (/\d/.test(chars[k]!)) chars[k] = 'x';
  }
  // A comma list of bare words (`Name, Status`, `a,b`): each word becomes a variable of the same length.
  for (const m of command.matchAll(/(?<=[\s,])[A-Za-z][\w.-]*(?=\s*,)|(?<=,\s*)[A-Za-z][\w.-]*/g)) {
    if (inQuotes(m.index)) continue;
    const before = command.slice(0, m.index).trimEnd();
    if (!before.endsWith(',') && !/[\s]/.test(command[m.index - 1] ?? '')) continue;
    if (!before.endsWith(',') && /^-/.test(m[0])) continue;
    chars[m.index] = '$';
    for (let k = m.index + 1; k < m.index + m[0].length; k++) chars[k] = 'x';
  }
  return chars.join('');
}

function oddRun(text: string, quotes: string, escapes: boolean): string | undefined {
  for (let i = 0; i < text.length; i++) {
    if (escapes && text[i] === '`') {
      i++;
      continue;
    }
    if (!quotes.includes(text[i]!)) continue;
    let j = i;
    while (j < text.length && quotes.includes(text[j]!)) j++;
    if ((j - i) % 2 === 1) return text.slice(i, j);
    i = j - 1;
  }
  return undefined;
}

function where(command: string, index: number): string {
  const from = Math.max(0, index - 20);
  return `at ${index + 1}: …${command.slice(from, index + 25)}…`;
}

/** What is wrong with one PowerShell command or script (empty: it parses). */
export async function powershellProblems(command: string): Promise<string[]> {
  const tree = (await powershellParser()).parse(forGrammar(command));
  if (!tree) return ['the grammar returned no tree'];
  const problems: string[] = [];
  const visit = (n: Node): void => {
    if (n.isError || n.isMissing) {
      problems.push(`does not parse ${where(command, n.startIndex)}`);
      return;
    }
    const text = command.slice(n.startIndex, n.endIndex);
    switch (n.type) {
      case 'generic_token':
      case 'command_name':
      case 'command_parameter': {
        const quote = [...text].find((c) => ALL_QUOTES.includes(c));
        if (quote)
          problems.push(
            `a ${quote} inside the bare word ${text} (PowerShell opens a string there: quote the whole value) ${where(command, n.startIndex)}`,
          );
        if (/[<>]/.test(text))
          problems.push(
            `a bare ${text} (PowerShell reserves < and redirects with >: quote the placeholder) ${where(command, n.startIndex)}`,
          );
        if (/\$[\w{(:?^$]/.test(text))
          problems.push(
            `$ inside the bare word ${text} (PowerShell expands it: quote the value) ${where(command, n.startIndex)}`,
          );
        if (text.includes('`'))
          problems.push(
            `a backtick inside the bare word ${text} (PowerShell escapes with it: quote the value) ${where(command, n.startIndex)}`,
          );
        break;
      }
      case 'file_redirection_operator':
        if (text.startsWith('<'))
          problems.push(`< as a redirection (reserved in PowerShell) ${where(command, n.startIndex)}`);
        break;
      case 'verbatim_string_characters': {
        const run = oddRun(text.slice(1, -1), SINGLE_QUOTES, false);
        if (run)
          problems.push(
            `the quote ${run} ends the string ${text} early in PowerShell (double it) ${where(command, n.startIndex)}`,
          );
        break;
      }
      case 'expandable_string_literal': {
        let inner = text.slice(1, -1);
        for (const c of n.namedChildren) {
          if (c && c.type === 'sub_expression')
            inner =
              inner.slice(0, c.startIndex - n.startIndex - 1) +
              ' '.repeat(c.endIndex - c.startIndex) +
              inner.slice(c.endIndex - n.startIndex - 1);
        }
        const run = oddRun(inner, DOUBLE_QUOTES, true);
        if (run)
          problems.push(`the quote ${run} ends the string ${text} early in PowerShell ${where(command, n.startIndex)}`);
        break;
      }
      case 'try_statement':
        if (
          !n.namedChildren.some(
            (c) => c?.type === 'catch_clauses' || c?.type === 'catch_clause' || c?.type === 'finally_clause',
          )
        )
          problems.push(`try without catch or finally ${where(command, n.startIndex)}`);
        break;
    }
    for (const c of n.children) if (c) visit(c);
  };
  visit(tree.rootNode);
  if (tree.rootNode.hasError && problems.length === 0) problems.push('does not parse');
  tree.delete();
  return problems;
}

/** Spans of a sh command that are single-quoted or a comment: where nothing expands. */
export function shLiteralSpans(s: string): { literal: [number, number][]; unterminated: boolean } {
  const literal: [number, number][] = [];
  let i = 0;
  let dq = false;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '\\') i += 2;
    else if (dq) {
      if (c === '"') dq = false;
      i++;
    } else if (c === '"') {
      dq = true;
      i++;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) return { literal, unterminated: true };
      literal.push([i, end + 1]);
      i = end + 1;
    } else if (c === '#' && (i === 0 || /[\s;&|]/.test(s[i - 1]!))) {
      const end = s.indexOf('\n', i);
      literal.push([i, end < 0 ? s.length : end]);
      i = end < 0 ? s.length : end;
    } else i++;
  }
  return { literal, unterminated: dq };
}

/** Spans of a cmd command inside double quotes; `unterminated` when a quote is left open. */
export function cmdQuotedSpans(s: string): { quoted: [number, number][]; unterminated: boolean } {
  const quoted: [number, number][] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === '^') i += 2;
    else if (s[i] === '"') {
      const end = s.indexOf('"', i + 1);
      if (end < 0) return { quoted, unterminated: true };
      quoted.push([i, end + 1]);
      i = end + 1;
    } else i++;
  }
  return { quoted, unterminated: false };
}

/** What is wrong with one cmd.exe command (empty: fine). */
export function cmdProblems(command: string): string[] {
  const { quoted, unterminated } = cmdQuotedSpans(command);
  const problems: string[] = [];
  if (unterminated) problems.push('an unbalanced " (cmd would read & | < > after it as operators)');
  const inQuotes = (i: number) => quoted.some(([a, b]) => i >= a && i < b);
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (c === '^') {
      i++;
      continue;
    }
    if (inQuotes(i) || !'<>&|'.includes(c)) continue;
    if (c === '<' || c === '>') {
      problems.push(`a bare ${c} (cmd redirects: quote the placeholder or value) ${where(command, i)}`);
      continue;
    }
    // & && | || as operators stand between spaces; inside a word they come from a value.
    let j = i;
    while (j < command.length && command[j] === c) j++;
    if (!(/\s/.test(command[i - 1] ?? '') && /\s/.test(command[j] ?? '')))
      problems.push(`a bare ${c} inside a word (cmd would run what follows: quote the value) ${where(command, i)}`);
    i = j - 1;
  }
  return problems;
}

/**
 * What shellcheck does not see: a bare `<placeholder>` is valid sh (a redirection from the file
 * `placeholder` and one to the next word), so a pasted command would truncate a file.
 */
function shPlaceholders(command: string): string[] {
  const { literal } = shLiteralSpans(command);
  const problems: string[] = [];
  for (const m of command.matchAll(/<[A-Za-z][^<>'"\n]*>/g)) {
    if (literal.some(([a, b]) => m.index >= a && m.index < b)) continue;
    problems.push(`a bare ${m[0]} (sh redirects with < and >: quote the placeholder) ${where(command, m.index)}`);
  }
  return problems;
}

/**
 * shellcheck codes that are not problems for a remediation command: SC2016, a quoted value is
 * meant to stay literal; SC1110-SC1112, typographic quotes are ordinary characters to sh (a
 * warning for hand-typed scripts; here they come from a value, quoted like any other character);
 * SC1003, a value with a backslash before a quote (a DN's `\,`): shQuote writes `\'\''`, and sh
 * takes that backslash literally inside single quotes, as intended.
 */
export const SHELLCHECK_IGNORED = new Set([2016, 1110, 1111, 1112, 1003]);

export interface ShellcheckComment {
  readonly line: number;
  readonly code: number;
  readonly level: string;
  readonly message: string;
}

/** shellcheck's comments on an sh script. */
export function shellcheck(script: string): ShellcheckComment[] {
  const dir = mkdtempSync(join(tmpdir(), 'cp-shellcheck-'));
  try {
    const file = join(dir, 'commands.sh');
    writeFileSync(file, script);
    const r = spawnSync('shellcheck', ['-s', 'sh', '-f', 'json1', file], { encoding: 'utf8', timeout: 60_000 });
    if (r.error)
      throw new Error(
        `shellcheck could not run (${r.error.message}): install the Debian package shellcheck (scripts/bootstrap.sh does)`,
      );
    return (JSON.parse(r.stdout || '{"comments":[]}') as { comments: ShellcheckComment[] }).comments;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What shellcheck says of each sh command, many commands per shellcheck run: each command is the
 * body of its own function. A parse error stops shellcheck for the whole file, so a batch with
 * one is checked again command by command; a command with a quote left open is checked alone.
 */
export function shProblems(commands: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const distinct = [...new Set(commands)];
  if (distinct.length === 0) return out;
  const run = (batch: readonly string[]): boolean => {
    const lines: string[] = [];
    const owner: number[] = [];
    batch.forEach((c, i) => {
      lines.push(`f${i}() {`);
      owner.push(-1);
      for (const l of c.split('\n')) {
        lines.push(l);
        owner.push(i);
      }
      lines.push('}');
      owner.push(-1);
    });
    const comments = shellcheck(lines.join('\n') + '\n');
    const parseError = comments.some((c) => c.code >= 1000 && c.code < 2000 && c.level === 'error');
    if (parseError && batch.length > 1) return false;
    batch.forEach((c) => out.set(c, shPlaceholders(c)));
    for (const c of comments) {
      if (SHELLCHECK_IGNORED.has(c.code)) continue;
      const i = owner[c.line - 1] ?? -1;
      const cmd = i >= 0 ? batch[i]! : batch[0]!;
      out.get(cmd)!.push(`shellcheck SC${c.code} (${c.level}): ${c.message}`);
    }
    return true;
  };
  // A quote left open would run on into the next command's function: such a command goes alone.
  const open = distinct.filter((c) => shLiteralSpans(c).unterminated);
  const closed = distinct.filter((c) => !open.includes(c));
  for (const c of open) run([c]);
  if (closed.length && !run(closed)) for (const c of closed) run([c]);
  return out;
}

/** Checks commands of every shell; sh commands in one shellcheck run. */
export async function checkCommands(
  commands: readonly { readonly shell: Shell; readonly command: string }[],
): Promise<CommandVerdict[]> {
  const sh = shProblems(commands.filter((c) => c.shell === 'sh').map((c) => c.command));
  const out: CommandVerdict[] = [];
  for (const c of commands) {
    const problems =
      c.shell === 'powershell'
        ? await powershellProblems(c.command)
        : c.shell === 'cmd'
          ? cmdProblems(c.command)
          : (sh.get(c.command) ?? []);
    out.push({ shell: c.shell, command: c.command, problems });
  }
  return out;
}

/**
 * Where a marker (the recognisable part of a hostile value) appears outside a literal string:
 * PowerShell single-quoted strings (or comments), sh single-quoted strings (or comments), cmd
 * double-quoted strings. Each such place is a value that would run as code or split into words.
 */
export async function markerLeaks(shell: Shell, command: string, marker: string): Promise<string[]> {
  const at: number[] = [];
  const lower = command.toLowerCase();
  for (let i = lower.indexOf(marker.toLowerCase()); i >= 0; i = lower.indexOf(marker.toLowerCase(), i + 1)) at.push(i);
  if (at.length === 0) return [];
  let inside: (i: number) => boolean;
  if (shell === 'powershell') {
    const tree = (await powershellParser()).parse(forGrammar(command));
    if (!tree) return ['the grammar returned no tree'];
    const safe: [number, number][] = [];
    const visit = (n: Node): void => {
      // A string's span ends with its closing quote; a comment's with its last character, which
      // may be the marker's (so its span is widened by one, like a string's).
      if (n.type === 'verbatim_string_characters' || n.type === 'verbatim_here_string_characters')
        safe.push([n.startIndex, n.endIndex]);
      else if (n.type === 'comment') safe.push([n.startIndex, n.endIndex + 1]);
      else for (const c of n.children) if (c) visit(c);
    };
    visit(tree.rootNode);
    tree.delete();
    inside = (i) => safe.some(([a, b]) => i > a && i + marker.length < b);
  } else if (shell === 'sh') {
    const { literal } = shLiteralSpans(command);
    inside = (i) => literal.some(([a, b]) => i > a && i + marker.length <= b);
  } else {
    const { quoted } = cmdQuotedSpans(command);
    inside = (i) => quoted.some(([a, b]) => i > a && i + marker.length < b);
  }
  return at
    .filter((i) => !inside(i))
    .map((i) => `the hostile value's ${marker} is outside a quoted string ${where(command, i)}`);
}

/**
 * What a script that must run on Windows PowerShell 2.0 (Windows Server 2008 R2) may not use,
 * found on the syntax tree (each with the version that brought it):
 * - type accelerators `[pscustomobject]`, `[ordered]` (3.0) and the CIM types (3.0);
 * - the operators `-in`, `-notin` (and their c/i forms), `-shl`, `-shr` (3.0);
 * - the methods `.ForEach()`, `.Where()` (4.0) and `::new()` (5.0);
 * - the variables `$PSItem`, `$PSScriptRoot`, `$PSCommandPath` and the `$using:` scope (3.0);
 * - the cmdlets ConvertTo-Json, ConvertFrom-Json, Invoke-RestMethod, Invoke-WebRequest and the
 *   CIM cmdlets (Get-CimInstance...: 3.0; 2.0 has WMI only);
 * - the simplified Where-Object / ForEach-Object syntax (`Where-Object State -eq Off`,
 *   `ForEach-Object Name`: 3.0; 2.0 takes a script block);
 * - `-ErrorAction Ignore` (3.0);
 * - `class` and `enum` (5.0), the pipeline chain operators `&&` `||` (7.0).
 * Not seen on a tree, so not checked: member enumeration (`@($a).Name`, 3.0) and `.Count` on a
 * single object (3.0); the scripts use `@(...)` and `foreach` for those.
 */
const PS3_TYPES = new Set([
  'pscustomobject',
  'ordered',
  'ciminstance',
  'cimsession',
  'cimclass',
  'cimtype',
  'cimconverter',
  'microsoft.management.infrastructure.ciminstance',
]);
const PS3_OPERATORS = new Set(['-in', '-notin', '-cin', '-cnotin', '-iin', '-inotin', '-shl', '-shr']);
const PS3_VARIABLES = new Set(['$psitem', '$psscriptroot', '$pscommandpath']);
const PS3_CMDLETS = /^(convertto-json|convertfrom-json|invoke-restmethod|invoke-webrequest|[a-z]+-cim[a-z]*)$/i;
const FILTER_CMDLETS = new Set(['where-object', 'where', '?', 'foreach-object', '%']);
const FILTER_SCRIPT_PARAMETERS = /^-(filterscript|process|begin|end|inputobject)$/i;

/** Constructs newer than PowerShell 2.0 in `script` (see above); empty: none. */
export async function powershell2Problems(script: string): Promise<string[]> {
  const tree = (await powershellParser()).parse(forGrammar(script));
  if (!tree) return ['the grammar returned no tree'];
  const problems: string[] = [];
  const add = (n: Node, what: string) => problems.push(`${what} ${where(script, n.startIndex)}`);
  const visit = (n: Node): void => {
    const text = script.slice(n.startIndex, n.endIndex);
    const lower = text.toLowerCase();
    switch (n.type) {
      case 'ERROR':
        add(n, 'does not parse');
        break;
      case 'type_name':
        if (PS3_TYPES.has(lower)) add(n, `[${text}] is PowerShell 3.0`);
        break;
      case 'comparison_operator':
        if (PS3_OPERATORS.has(lower)) add(n, `${text} is PowerShell 3.0`);
        break;
      case 'variable':
        if (PS3_VARIABLES.has(lower) || lower.startsWith('$using:')) add(n, `${text} is PowerShell 3.0`);
        break;
      case 'member_name':
        if ((lower === 'foreach' || lower === 'where') && n.parent?.type === 'invokation_expression')
          add(n, `.${text}() is PowerShell 4.0`);
        if (
          lower === 'new' &&
          n.parent?.type === 'invokation_expression' &&
          script.slice(n.startIndex - 2, n.startIndex) === '::'
        )
          add(n, '::new() is PowerShell 5.0');
        break;
      case 'command': {
        const name = n.childForFieldName('command_name');
        const cmd = name ? script.slice(name.startIndex, name.endIndex) : '';
        if (PS3_CMDLETS.test(cmd)) add(n, `${cmd} is PowerShell 3.0 (2.0 has WMI, and no JSON)`);
        const elements =
          n
            .childForFieldName('command_elements')
            ?.namedChildren.filter((c): c is Node => c !== null && c.type !== 'command_argument_sep') ?? [];
        if (FILTER_CMDLETS.has(cmd.toLowerCase()) && elements[0]) {
          const first = elements[0];
          const firstText = script.slice(first.startIndex, first.endIndex);
          const scriptBlock =
            first.descendantsOfType('script_block_expression').length > 0 || first.type === 'script_block_expression';
          if (!scriptBlock && !(first.type === 'command_parameter' && FILTER_SCRIPT_PARAMETERS.test(firstText)))
            add(n, `${cmd} without a script block is PowerShell 3.0`);
        }
        elements.forEach((e, i) => {
          const t = script.slice(e.startIndex, e.endIndex).toLowerCase();
          const next = elements[i + 1];
          const value = /^-(erroraction|ea|warningaction|wa):/.test(t)
            ? t.split(':')[1]
            : /^-(erroraction|ea|warningaction|wa)$/.test(t) && next
              ? script.slice(next.startIndex, next.endIndex).toLowerCase().replace(/['"]/g, '')
              : undefined;
          if (value === 'ignore') add(e, '-ErrorAction Ignore is PowerShell 3.0');
        });
        break;
      }
      case 'class_statement':
      case 'enum_statement':
        add(n, `${n.type.replace('_statement', '')} is PowerShell 5.0`);
        break;
      case 'pipeline_chain_tail':
        add(n, '&& and || between pipelines are PowerShell 7.0');
        break;
    }
    for (const c of n.children) if (c) visit(c);
  };
  visit(tree.rootNode);
  tree.delete();
  return problems;
}
