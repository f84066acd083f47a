/**
 * Loading YAML or JSON documents (cluster specs, waiver files) with every problem placed at its
 * file, line and column. JSON is read by the YAML parser too (JSON is YAML 1.2), so both formats
 * get the same positions and the same messages.
 */
import { open } from 'node:fs/promises';
import { relative, isAbsolute } from 'node:path';
import {
  LineCounter,
  parseDocument,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  visit,
  type Alias,
  type Document,
  type Node as YamlNode,
} from 'yaml';
import type { z } from 'zod';
import { ConfigError, UsageError, describeValue, type ConfigProblem } from '../errors.ts';
import { ClusterSpecSchema, WaiversFileSchema, SECRET_META, type ClusterSpec, type Waiver } from './schema.ts';
import { psQuote, shQuote } from '../quote.ts';

type PathSegment = string | number;

export interface LoadedSpec {
  readonly spec: ClusterSpec;
  /** Absolute path of the file it came from. */
  readonly file: string;
}

/** The file name as the user should see it: relative to the working directory when inside it. */
export function displayName(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/**
 * Size caps, checked before anything is parsed: a spec for 64 nodes is a few kB, so a larger
 * file is the wrong file, and parsing 10 MB of YAML takes seconds and a gigabyte first.
 * Reports and facts files grow with findings and evidence (64 nodes, every check, LUN
 * inventories: a few MB): they get more room, still far below what would exhaust memory.
 */
export const SPEC_MAX_BYTES = 1024 * 1024;
export const WAIVERS_MAX_BYTES = 1024 * 1024;
export const REPORT_MAX_BYTES = 32 * 1024 * 1024;

/** `1.5 MiB`, `800 kB`... for the size messages. */
function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
  return `${bytes} bytes`;
}

function readError(err: unknown, what: string, file: string): UsageError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'it is a directory'
        : code === 'EACCES'
          ? 'permission denied'
          : String(code);
  // A spec that is not there yet: say how to get one (help and docs name examples/review-lab.yaml,
  // which is in the package's directory, not in the one the user runs from).
  const hint =
    code === 'ENOENT' && what === 'config file'
      ? '; clusterprobe init writes a spec by asking, clusterprobe init --example --output FILE the commented example'
      : '';
  return new UsageError(`cannot read ${what} ${file}: ${why}${hint}`);
}

/**
 * The text of a file, refused unread when it is larger than `maxBytes`: the size is looked at
 * before reading, and the reading stops one byte past the cap, so a pipe or a file that grows
 * (which have no trustworthy size) cannot make it read more either.
 */
export async function readCappedText(file: string, what: string, maxBytes: number): Promise<string> {
  const tooBig = (size: string) =>
    new UsageError(
      `${displayName(file)} is ${size}; a ${what} may be at most ${sizeText(maxBytes)} (${maxBytes} bytes), so it was not read: is it the right file?`,
    );
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw readError(err, what, file);
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw readError(Object.assign(new Error('EISDIR'), { code: 'EISDIR' }), what, file);
    if (info.isFile() && info.size > maxBytes) throw tooBig(`${sizeText(info.size)} (${info.size} bytes)`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const room = maxBytes + 1 - total;
      const { bytesRead, buffer } = await handle.read(
        Buffer.alloc(Math.min(1 << 16, room)),
        0,
        Math.min(1 << 16, room),
        null,
      );
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw tooBig(`more than ${sizeText(maxBytes)}`);
    }
    const bytes = Buffer.concat(chunks);
    const wide = wideEncoding(bytes);
    if (wide !== undefined) throw new UsageError(wideEncodingMessage(displayName(file), wide));
    // PowerShell 5.1's Set-Content -Encoding utf8 writes a BOM: it is not part of the text.
    const text = bytes.toString('utf8');
    return text.startsWith('\uFEFF') ? text.slice(1) : text;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw readError(err, what, file);
  } finally {
    await handle.close();
  }
}

/** A Unicode encoding other than UTF-8 that a file can be saved in (Windows PowerShell 5.1's `>` writes UTF-16LE). */
export interface WideEncoding {
  readonly bits: 16 | 32;
  readonly endian: 'little' | 'big';
  readonly bom: boolean;
}

/**
 * The UTF-16 or UTF-32 encoding of `bytes`, by its byte order mark, or without one by where the
 * NUL bytes fall in the first character (a spec, a waivers or a report file starts with ASCII,
 * whose wide encodings pad it with NULs); undefined for anything else (UTF-8, ASCII).
 */
export function wideEncoding(bytes: Uint8Array): WideEncoding | undefined {
  const [a, b, c, d] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  // UTF-32LE's BOM starts like UTF-16LE's: test it first.
  if (a === 0xff && b === 0xfe && c === 0 && d === 0) return { bits: 32, endian: 'little', bom: true };
  if (a === 0 && b === 0 && c === 0xfe && d === 0xff) return { bits: 32, endian: 'big', bom: true };
  if (a === 0xff && b === 0xfe) return { bits: 16, endian: 'little', bom: true };
  if (a === 0xfe && b === 0xff) return { bits: 16, endian: 'big', bom: true };
  if (bytes.length >= 4 && a !== 0 && b === 0 && c === 0 && d === 0) return { bits: 32, endian: 'little', bom: false };
  if (bytes.length >= 4 && a === 0 && b === 0 && c === 0 && d !== 0) return { bits: 32, endian: 'big', bom: false };
  if (bytes.length >= 2 && a !== 0 && b === 0) return { bits: 16, endian: 'little', bom: false };
  if (bytes.length >= 2 && a === 0 && b !== 0) return { bits: 16, endian: 'big', bom: false };
  return undefined;
}

/** What to tell the user about a file in a wide encoding: what it is, and how to convert it in PowerShell (5.1 and 7) and sh. */
function wideEncodingMessage(shown: string, e: WideEncoding): string {
  const name = `UTF-${e.bits}`;
  const ps =
    e.bits === 16
      ? e.endian === 'little'
        ? 'Unicode'
        : 'BigEndianUnicode'
      : e.endian === 'little'
        ? 'UTF32'
        : 'BigEndianUTF32';
  // iconv keeps a BOM it was not told to expect (and glibc reads BOM-less UTF-16 as big-endian): name the byte order only without one.
  const from = e.bom ? name : `${name}${e.endian === 'little' ? 'LE' : 'BE'}`;
  const dot = shown.lastIndexOf('.');
  const out =
    dot > Math.max(shown.lastIndexOf('/'), shown.lastIndexOf('\\')) + 1
      ? `${shown.slice(0, dot)}-utf8${shown.slice(dot)}`
      : `${shown}-utf8`;
  return (
    `${shown} is ${name} (${e.endian}-endian); save it as UTF-8, e.g. in PowerShell (5.1 or 7): ` +
    `Get-Content -Encoding ${ps} ${psQuote(shown)} | Set-Content -Encoding utf8 ${psQuote(out)}` +
    `, or in sh: iconv -f ${from} -t UTF-8 ${shQuote(shown)} > ${shQuote(out)}` +
    ` (Windows PowerShell 5.1's > and Out-File write UTF-16; use Set-Content or Out-File -Encoding utf8)`
  );
}

/**
 * Parses text as YAML/JSON and validates it against a zod schema, turning every syntax error and
 * schema issue into a positioned ConfigProblem. Never echoes a value at a secret position.
 */
export function parseAndValidate<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  options: { readonly maxMarks?: number } = {},
): z.output<S> {
  const shown = displayName(file);
  const lineCounter = new LineCounter();
  // The parser spends seconds on a megabyte of some shapes (prescan says which): refuse them first.
  const pathological = prescan(text, options.maxMarks ?? MAX_MARKS);
  if (pathological !== undefined) {
    const { line, col } = lineCounterFor(text).linePos(pathological.offset);
    throw new ConfigError([{ file: shown, line, column: col, path: '', message: pathological.message }]);
  }
  // logLevel error: yaml's warnings (a collection as a key...) would go to stderr as Node warnings.
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    strict: true,
    logLevel: 'error',
  });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const syntax = /\.json$/i.test(file) ? ' (JSON syntax)' : ' (YAML syntax)';

  if (doc.errors.length > 0) {
    // A JSON file: JSON's own first complaint, once (the YAML parser's later ones are cascades).
    const json = syntax === ' (JSON syntax)' ? jsonSyntaxProblem(text) : undefined;
    if (json !== undefined) {
      const { line, col } = lineCounterFor(text).linePos(json.offset);
      throw new ConfigError([{ file: shown, line, column: col, path: '', message: `${json.message}${syntax}` }]);
    }
    const problems = doc.errors
      .map((e) => ({
        file: shown,
        ...position(e.pos[0]),
        path: '',
        message: `${yamlSyntaxMessage(e.code, e.message)}${syntax}`,
      }))
      .sort((a, b) => a.line - b.line || a.column - b.column);
    throw new ConfigError(fewer(syntax === ' (JSON syntax)' ? problems.slice(0, 1) : problems));
  }
  const deep = tooDeep(doc);
  if (deep !== undefined) {
    throw new ConfigError([
      {
        file: shown,
        ...position(deep.offset),
        path: '',
        message: `nested more than ${MAX_DEPTH} levels deep; a cluster spec needs about 6`,
      },
    ]);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch {
    // Aliases are resolved here, not while parsing: one that names no anchor, or an alias bomb.
    const culprit = culpritAlias(doc);
    throw new ConfigError([
      {
        file: shown,
        ...position(culprit?.alias.range?.[0] ?? 0),
        path: '',
        message: culprit?.unresolved
          ? `the alias *${culprit.alias.source} names no anchor &${culprit.alias.source} set before it${syntax}`
          : `the aliases expand too far (more than ${MAX_ALIAS_COUNT} copies, as in a YAML "billion laughs"); write the values out${syntax}`,
      },
    ]);
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;

  const problems: ConfigProblem[] = flattenUnions(result.error.issues).map((issue) => {
    const path = issue.path.filter((p): p is PathSegment => typeof p === 'string' || typeof p === 'number');
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0] ?? '';
      const parent = nodeAt(doc, path);
      const keyNode = isMap(parent)
        ? parent.items.find((pair) => isScalar(pair.key) && pair.key.value === key)?.key
        : undefined;
      const known = knownKeys(schema, path);
      const hint = closest(key, known);
      return {
        file: shown,
        ...position(rangeStart(keyNode as YamlNode | undefined) ?? rangeStart(parent) ?? 0),
        path: formatPath([...path, key]),
        message: `unknown key${hint ? ` (did you mean "${hint}"?)` : ''}${known.length ? `; expected one of: ${known.join(', ')}` : ''}`,
      };
    }
    const node = nodeAt(doc, path);
    const secret = isSecretPath(schema, path);
    const got = valueAt(value, path);
    let message = plainWording(issue, knownKeys(schema, path)) ?? issue.message;
    if (!secret && !/\b(got|received)\b/.test(message))
      message += `; got ${got === undefined ? 'nothing (the key is missing)' : describeValue(got)}`;
    return {
      file: shown,
      ...position(rangeStart(node) ?? rangeStart(nodeAt(doc, path.slice(0, -1))) ?? 0),
      path: formatPath(path),
      message,
    };
  });
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  throw new ConfigError(fewer(problems));
}

/** How deep a spec may nest (it needs about 6 levels): deeper input is refused before it is converted. */
const MAX_DEPTH = 32;
const MAX_ALIAS_COUNT = 100;
const MAX_NODE_PROPERTIES = 1000;
/** Lines and punctuation outside quotes and comments: about 30 per node with every key, so 64 nodes and the rest stay far below. */
const MAX_MARKS = 50_000;
const MARKS = new Set([...'\n,:-[]{}"\'?']);
/** More problems than this are summed up in one line: a wrong file gives thousands. */
const MAX_PROBLEMS = 20;

/** Identical problems (same place, same message) once, and at most MAX_PROBLEMS of them. */
function fewer(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const key = `${p.line}:${p.column}:${p.path}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (unique.length <= MAX_PROBLEMS) return unique;
  const next = unique[MAX_PROBLEMS]!;
  return [
    ...unique.slice(0, MAX_PROBLEMS),
    {
      ...next,
      path: '',
      message: `and ${unique.length - MAX_PROBLEMS} more problems from here on; is it the right file?`,
    },
  ];
}

/** A LineCounter that knows every line start of `text`. */
function lineCounterFor(text: string): LineCounter {
  const counter = new LineCounter();
  counter.addNewLine(0);
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) counter.addNewLine(i + 1);
  return counter;
}

/**
 * What makes the YAML parser slow or deep before it can say anything, found by one linear scan
 * of the text (quotes and comments skipped): flow collections (`[`, `{`) or block indicators on
 * one line (`- - -`, `? ? ?`) nested more than MAX_DEPTH deep, or more than MAX_NODE_PROPERTIES
 * anchors, aliases and tags (`&`, `*`, `!`). A megabyte of any of these costs the parser seconds
 * to a minute; a cluster spec has none of them. Nor has it more than MAX_MARKS lines and
 * punctuation marks (the parser's work grows with them, and more than linearly for a mapping's
 * keys). A bracket, quote or property counts only where
 * a value can start (after a space, a line start, `:`, `,`, `-`, `[` or `{`), so `a[b` or
 * `hv01'x` inside a plain value do not. Returns the offset and the sentence; undefined: fine.
 */
function prescan(text: string, maxMarks = MAX_MARKS): { offset: number; message: string } | undefined {
  const deep = `nested more than ${MAX_DEPTH} levels deep; a cluster spec needs about 6`;
  let depth = 0;
  let properties = 0;
  let quote: '"' | "'" | undefined;
  let leading = true;
  let indicators = 0;
  let marks = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quote === '"') {
      if (c === '\\') i += 1;
      else if (c === '"') quote = undefined;
      continue;
    }
    if (quote === "'") {
      if (c === "'") quote = undefined; // '' (an escaped quote) closes and reopens: the same
      continue;
    }
    if (MARKS.has(c)) {
      marks += 1;
      if (marks > maxMarks)
        return {
          offset: i,
          message: `more than ${maxMarks} lines and punctuation marks (, : - [ ] { } quotes); a spec for 64 nodes has a few thousand, so this is not a cluster spec`,
        };
    }
    if (c === '\n') {
      leading = true;
      indicators = 0;
      continue;
    }
    const next = text[i + 1];
    if (leading) {
      if (c === ' ') continue;
      if ((c === '-' || c === '?' || c === ':') && (next === ' ' || next === '\n' || next === undefined)) {
        indicators += 1;
        if (indicators > MAX_DEPTH) return { offset: i, message: deep };
        continue;
      }
      leading = false;
    }
    const before = i === 0 ? '\n' : text[i - 1]!;
    const canStart = /[\s:,\-[{]/.test(before);
    if (c === '#' && /\s/.test(before)) {
      const end = text.indexOf('\n', i);
      if (end === -1) break;
      i = end - 1;
    } else if ((c === '"' || c === "'") && canStart) quote = c;
    else if ((c === '[' || c === '{') && canStart) {
      depth += 1;
      if (depth > MAX_DEPTH) return { offset: i, message: deep };
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
    else if ((c === '&' || c === '*' || c === '!') && canStart) {
      properties += 1;
      if (properties > MAX_NODE_PROPERTIES)
        return {
          offset: i,
          message: `more than ${MAX_NODE_PROPERTIES} anchors, aliases and tags (&, *, !); a cluster spec needs few or none`,
        };
    }
  }
  return undefined;
}

/** The first node nested deeper than MAX_DEPTH, found without recursion. */
function tooDeep(doc: Document): { offset: number } | undefined {
  const stack: [unknown, number][] = [[doc.contents, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (!isCollection(node)) continue;
    if (depth > MAX_DEPTH) return { offset: node.range?.[0] ?? 0 };
    for (const item of node.items) {
      if (isPair(item)) {
        stack.push([item.key, depth + 1], [item.value, depth + 1]);
      } else stack.push([item, depth + 1]);
    }
  }
  return undefined;
}

/** The first alias that names no anchor set before it, else the first alias; one pass, in document order. */
function culpritAlias(doc: Document): { alias: Alias; unresolved: boolean } | undefined {
  const anchors = new Set<string>();
  let first: Alias | undefined;
  let unresolved: Alias | undefined;
  visit(doc, (_key, node) => {
    if (isAlias(node)) {
      first ??= node;
      if (!anchors.has(node.source)) {
        unresolved = node;
        return visit.BREAK;
      }
    } else if (node !== null && typeof node === 'object' && 'anchor' in node && typeof node.anchor === 'string')
      anchors.add(node.anchor);
    return undefined;
  });
  if (unresolved) return { alias: unresolved, unresolved: true };
  return first ? { alias: first, unresolved: false } : undefined;
}

export async function loadSpec(file: string): Promise<LoadedSpec> {
  const text = await readCappedText(file, 'config file', SPEC_MAX_BYTES);
  return { spec: parseAndValidate(text, file, ClusterSpecSchema), file };
}

/**
 * The value of a YAML or JSON text, parsed without positions, only to recognise what kind of file
 * it is; undefined (with where the first syntax error is) when it does not parse, or is one of the
 * shapes that make the parser slow or deep.
 */
export function looseParse(text: string, maxMarks = MAX_MARKS): { value: unknown; yamlProblem?: string } {
  const pathological = prescan(text, maxMarks);
  if (pathological !== undefined) {
    const { line, col } = lineCounterFor(text).linePos(pathological.offset);
    return { value: undefined, yamlProblem: `line ${line}, column ${col}` };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, logLevel: 'error' });
  if (doc.errors.length === 0 && tooDeep(doc) === undefined) {
    try {
      return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
    } catch {
      return { value: undefined };
    }
  }
  const first = doc.errors[0];
  if (first === undefined) return { value: undefined };
  const { line, col } = lineCounter.linePos(first.pos[0]);
  return { value: undefined, yamlProblem: `line ${line}, column ${col}` };
}

/**
 * Which of clusterprobe's files a parsed value is, by its keys: a facts file (--save-facts), a
 * report (validate --json), a cluster spec, a waivers file; undefined when none.
 */
export function fileKind(value: unknown): 'facts' | 'report' | 'spec' | 'waivers' | undefined {
  const object =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  const has = (key: string) => object !== undefined && Object.hasOwn(object, key);
  if (has('facts') && (has('savedAt') || has('schemaVersion'))) return 'facts';
  if (has('schemaVersion') || has('findings')) return 'report';
  const specKeys = Object.keys(ClusterSpecSchema.shape).filter((k) => k !== '$schema' && k !== 'waivers');
  if (specKeys.some(has)) return 'spec';
  if (
    has('waivers') ||
    (Array.isArray(value) &&
      value.length > 0 &&
      value.every((w) => w !== null && typeof w === 'object' && 'check' in w && 'expires' in w))
  )
    return 'waivers';
  return undefined;
}

/** Why a --waivers file is plainly not one (empty, a spec, a report, a facts file), in one line; undefined otherwise. */
function notWaivers(text: string, file: string): string | undefined {
  const shown = displayName(file);
  const { value, yamlProblem } = looseParse(text);
  if (text.trim() === '' || (value === null && yamlProblem === undefined))
    return `${shown} is empty: a waivers file is a list of waivers (see README), e.g. - { check: storage.pr.preempt, justification: CHG-1234, expires: 2026-12-31 }`;
  const kind = fileKind(value);
  if (kind === 'spec')
    return `${shown} is a cluster spec, not a waivers file: its waivers: go in the spec itself, or pass it with --config`;
  if (kind === 'report')
    return `${shown} is a clusterprobe report (validate --json), not a waivers file: a waivers file is a list of waivers (see README)`;
  if (kind === 'facts')
    return `${shown} is a facts file (written by --save-facts), not a waivers file: pass it with --from-facts`;
  return undefined;
}

export async function loadWaivers(file: string): Promise<Waiver[]> {
  const text = await readCappedText(file, 'waivers file', WAIVERS_MAX_BYTES);
  const other = notWaivers(text, file);
  if (other !== undefined) throw new UsageError(other);
  const parsed = parseAndValidate(text, file, WaiversFileSchema);
  return Array.isArray(parsed) ? parsed : parsed.waivers;
}

/**
 * A value matching no branch of a union (a waivers file that is neither a list nor
 * `{ waivers: [...] }`) yields one vague issue; report instead the issues of the branch that got
 * furthest into the document, which is the one the author meant.
 */
function flattenUnions(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
    const depth = (branch: readonly z.core.$ZodIssue[]) => Math.max(...branch.map((i) => i.path.length));
    const best = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0]!;
    return flattenUnions(best.map((i) => ({ ...i, path: [...issue.path, ...i.path] })));
  });
}

/**
 * What a zod issue with zod's own wording ("Invalid input: expected object, received array",
 * "Too small: expected number to be >=5") expected, in the spec's terms; undefined when the
 * schema gave the issue its own sentence. `keys`: the keys a mapping expected there.
 */
function plainWording(issue: z.core.$ZodIssue, keys: readonly string[]): string | undefined {
  if (!/^(Invalid input|Too small|Too big)\b/.test(issue.message)) return undefined;
  if (issue.code === 'invalid_type') {
    const expected: Record<string, string> = {
      object: `a mapping (key: value)${keys.length > 0 ? ` with ${keys.join(', ')}` : ''}`,
      array: 'a list',
      string: 'a string',
      boolean: 'true or false',
      number: 'a number',
      int: 'a whole number',
    };
    return `expected ${expected[issue.expected] ?? issue.expected}`;
  }
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const small = issue.code === 'too_small';
    const limit = Number(
      small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum,
    );
    const bound =
      `${small ? 'at least' : 'at most'} ${issue.inclusive === false ? `${small ? 'more' : 'less'} than ` : ''}${limit}`.replace(
        /(at least|at most) (more|less) than/,
        '$2 than',
      );
    if (issue.origin === 'string')
      return small && limit === 1 ? 'expected a non-empty string' : `expected ${bound} characters`;
    if (issue.origin === 'array' || issue.origin === 'set')
      return small && limit === 1 ? 'expected a non-empty list' : `expected a list of ${bound} entries`;
    if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint')
      return `expected a number ${bound}`
        .replace('number at least', 'number of at least')
        .replace('number at most', 'number of at most');
  }
  return undefined;
}

/**
 * JSON.parse's complaint about `text`, when it names a position ("Expected ',' or '}' after
 * property value in JSON at position 29"); undefined when the text is JSON or the complaint has
 * no position (V8 then quotes the text, which may hold a secret).
 */
function jsonSyntaxProblem(text: string): { offset: number; message: string } | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    const m = /^(.*?) in JSON at position (\d+)/.exec((err as Error).message);
    if (!m) return undefined;
    const message = m[1]!
      .replace(/^./, (c) => c.toLowerCase())
      .replace('after array element', 'after an array element')
      .replace('after property value', 'after a property value')
      .replace('after property name', 'after a property name');
    return { offset: Math.min(Number(m[2]), text.length), message };
  }
}

function yamlSyntaxMessage(code: string, message: string): string {
  const first = message.split('\n')[0] ?? message;
  const cleaned = first.replace(/ at line \d+, column \d+:?$/, '');
  if (code === 'DUPLICATE_KEY') return 'duplicate key: each key may appear once in a mapping';
  if (code === 'MULTIPLE_DOCS') return 'a second document starts here (---): a cluster spec is one document';
  if (/Maximum call stack size exceeded/.test(cleaned))
    return `nested too deep to read; a cluster spec needs about 6 levels`;
  return cleaned;
}

function nodeAt(doc: Document, path: readonly PathSegment[]): YamlNode | undefined {
  if (path.length === 0) return (doc.contents ?? undefined) as YamlNode | undefined;
  const node = doc.getIn(path, true);
  return node && typeof node === 'object' && 'range' in node ? (node as YamlNode) : undefined;
}

function rangeStart(node: YamlNode | null | undefined): number | undefined {
  return node?.range?.[0];
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let cur = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/** `nodes[1].name` */
export function formatPath(path: readonly PathSegment[]): string {
  return path.map((seg, i) => (typeof seg === 'number' ? `[${seg}]` : i === 0 ? seg : `.${seg}`)).join('');
}

/** Walks a zod schema along a data path, unwrapping optional/default/pipe/array wrappers. */
function schemaAt(schema: z.ZodType, path: readonly PathSegment[]): z.ZodType | undefined {
  let cur: z.ZodType | undefined = unwrap(schema);
  for (const seg of path) {
    if (!cur) return undefined;
    const def = cur._zod.def as {
      type: string;
      shape?: Record<string, z.ZodType>;
      element?: z.ZodType;
      options?: z.ZodType[];
    };
    if (def.type === 'object' && typeof seg === 'string') cur = unwrap(def.shape?.[seg]);
    else if (def.type === 'array' && typeof seg === 'number') cur = unwrap(def.element);
    else if (def.type === 'union') cur = def.options?.map((o) => schemaAt(o, [seg])).find(Boolean);
    else return undefined;
  }
  return cur;
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let cur = schema;
  for (let i = 0; cur && i < 10; i += 1) {
    const def = cur._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType; out?: z.ZodType };
    if (
      (def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault') &&
      def.innerType
    )
      cur = def.innerType;
    else if (def.type === 'pipe' && def.out) cur = def.out._zod.def.type === 'transform' ? def.in : def.out;
    else break;
  }
  return cur;
}

function knownKeys(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  const s = schemaAt(schema, path);
  const def = s?._zod.def as { type: string; shape?: Record<string, unknown> } | undefined;
  if (def?.type === 'union') {
    const options = (s?._zod.def as unknown as { options: z.ZodType[] }).options;
    return [...new Set(options.flatMap((o) => knownKeys(o, [])))];
  }
  return def?.type === 'object' && def.shape ? Object.keys(def.shape).filter((k) => k !== '$schema') : [];
}

function isSecretPath(schema: z.ZodType, path: readonly PathSegment[]): boolean {
  // Secret fields carry SECRET_META; look at the field itself, unwrapped or not.
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1];
  const parent = schemaAt(schema, parentPath);
  const def = parent?._zod.def as { type: string; shape?: Record<string, z.ZodType> } | undefined;
  const field = typeof last === 'string' && def?.type === 'object' ? def.shape?.[last] : undefined;
  const candidates = [field, unwrap(field)];
  return candidates.some((c) => (c?.meta() as { secret?: boolean } | undefined)?.secret === SECRET_META.secret);
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
