/**
 * Loading YAML or JSON documents (cluster specs, waiver files) with every problem placed at its
 * file, line and column. JSON is read by the YAML parser too (JSON is YAML 1.2), so both formats
 * get the same positions and the same messages.
 */
import { readFile } from 'node:fs/promises';
import { relative, isAbsolute } from 'node:path';
import { LineCounter, parseDocument, isMap, isScalar, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { ConfigError, UsageError, type ConfigProblem } from '../engine/errors.ts';
import { describeValue } from '../engine/contract.ts';
import { ClusterSpecSchema, WaiversFileSchema, SECRET_META, type ClusterSpec, type Waiver } from './schema.ts';
import { ReportSchema, type Report } from '../engine/report.ts';

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

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String(code);
    throw new UsageError(`cannot read ${what} ${file}: ${why}`);
  }
}

/**
 * Parses text as YAML/JSON and validates it against a zod schema, turning every syntax error and
 * schema issue into a positioned ConfigProblem. Never echoes a value at a secret position.
 */
export function parseAndValidate<S extends z.ZodType>(text: string, file: string, schema: S): z.output<S> {
  const shown = displayName(file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        file: shown,
        ...position(e.pos[0]),
        path: '',
        message: `${yamlSyntaxMessage(e.code, e.message)}${/\.json$/i.test(file) ? ' (JSON syntax)' : ' (YAML syntax)'}`,
      })),
    );
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const result = schema.safeParse(value);
  if (result.success) return result.data;

  const problems: ConfigProblem[] = flattenUnions(result.error.issues).map((issue) => {
    const path = issue.path.filter((p): p is PathSegment => typeof p === 'string' || typeof p === 'number');
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0] ?? '';
      const parent = nodeAt(doc, path);
      const keyNode = isMap(parent) ? parent.items.find((pair) => isScalar(pair.key) && pair.key.value === key)?.key : undefined;
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
    let message = issue.message;
    if (!secret && !/\b(got|received)\b/.test(message)) message += `, got ${got === undefined ? 'nothing (the key is missing)' : describeValue(got)}`;
    return {
      file: shown,
      ...position(rangeStart(node) ?? rangeStart(nodeAt(doc, path.slice(0, -1))) ?? 0),
      path: formatPath(path),
      message,
    };
  });
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  throw new ConfigError(problems);
}

export async function loadSpec(file: string): Promise<LoadedSpec> {
  const text = await readText(file, 'config file');
  return { spec: parseAndValidate(text, file, ClusterSpecSchema), file };
}

/**
 * A Report saved by `validate --json` (for `report --from` and `--baseline`). JSON.parse and the
 * schema first (fast for thousands of findings); when either fails, the positioned parser says
 * where (file:line:col and the key).
 */
export async function loadReport(file: string, what = 'report'): Promise<Report> {
  const text = await readText(file, what);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // not JSON: the positioned parser below says where
  }
  if (value !== undefined) {
    const parsed = ReportSchema.safeParse(value);
    if (parsed.success) return parsed.data;
    const looksLikeOne = value !== null && typeof value === 'object' && ('schemaVersion' in value || 'findings' in value);
    if (!looksLikeOne) throw new UsageError(`${displayName(file)} is not a clusterprobe report (it has no schemaVersion or findings): save one with clusterprobe validate --json > ${what === 'report' ? 'run' : 'previous'}.json`);
  }
  return parseAndValidate(text, file, ReportSchema);
}

export async function loadWaivers(file: string): Promise<Waiver[]> {
  const parsed = parseAndValidate(await readText(file, 'waivers file'), file, WaiversFileSchema);
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

function yamlSyntaxMessage(code: string, message: string): string {
  const first = message.split('\n')[0] ?? message;
  const cleaned = first.replace(/ at line \d+, column \d+:?$/, '');
  return code === 'DUPLICATE_KEY' ? 'duplicate key: each key may appear once in a mapping' : cleaned;
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
    const def = cur._zod.def as { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; options?: z.ZodType[] };
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
    if ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault') && def.innerType) cur = def.innerType;
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
