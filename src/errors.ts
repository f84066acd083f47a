/**
 * Errors that end a run before checks start. Each carries the exit code DESIGN.md assigns and a
 * message written for the user: what is wrong, where, and what to do. The command layer prints
 * the message alone (no stack trace) and exits with the code.
 */
export class UsageError extends Error {
  readonly code: string = 'EUSAGE';
  readonly exitCode = 2;
  override name = 'UsageError';
}

/** A config problem at a known place in a file: `cluster.yaml:7:5 nodes[1].name: ...`. */
export interface ConfigProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** `nodes[1].name`; empty for the document itself. */
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends UsageError {
  override readonly code: string = 'ECONFIG';
  override name = 'ConfigError';
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.problems = problems;
  }
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.column} ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

/**
 * A value as an error message shows it, short and without its content when that could be long:
 * `"abc"`, `3`, `a list`, `a mapping (key: value)`.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object') return 'a mapping (key: value)';
  return `a ${typeof value}`;
}
