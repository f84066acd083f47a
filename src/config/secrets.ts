/**
 * Secret references (`env:NAME`, `file:PATH`, `prompt`) and the values they resolve to.
 * A resolved value is wrapped in `Secret`, which prints, serialises and inspects as
 * `[secret]`; the store remembers every value it handed out so that output, reports, facts files
 * and error messages can be scrubbed of them as a last line of defence.
 */
import { readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { inspect } from 'node:util';
import { SECRET_REF_PATTERN } from './secret-ref.ts';
import { UsageError } from '../errors.ts';

const REDACTED = '[secret]';

export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The only way to the value: call it where it goes on the wire, nowhere else. */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

export type Prompter = (question: string) => Promise<string>;

/** Why a secret reference gave no value; what its fix needs, never the value. */
export interface SecretProblem {
  /** The config key, e.g. `activeDirectory.bind.password`. */
  readonly key: string;
  /** The reference as written (`env:NAME`, `file:PATH`, `prompt`): a name or a path, not a secret. */
  readonly ref: string;
  readonly reason: 'unset' | 'unreadable' | 'empty' | 'noTerminal' | 'nothingEntered' | 'notReference';
  /** For `env:`: the variable's name. */
  readonly variable?: string;
  /** For `file:`: the absolute path, resolved against the spec's directory. */
  readonly path?: string;
  /** For an unreadable file: the errno code (ENOENT, EACCES...). */
  readonly errno?: string;
}

/** A secret reference that gave no value: the message names the key and the reference, never a value. */
export class SecretUnavailable extends UsageError {
  override readonly code: string = 'ESECRET';
  override name = 'SecretUnavailable';
  readonly problem: SecretProblem;
  constructor(problem: SecretProblem, message: string) {
    super(message);
    this.problem = problem;
  }
}

export interface SecretStoreOptions {
  /** Directory `file:` references are relative to (the config file's). */
  readonly baseDir: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Asks for a secret on a terminal; absent when there is no TTY. */
  readonly prompt?: Prompter;
}

/** Values shorter than this are not scrubbed from text: they would mangle ordinary words. */
const MIN_SCRUB_LENGTH = 3;

export class SecretStore {
  readonly #options: SecretStoreOptions;
  readonly #cache = new Map<string, Promise<Secret>>();
  readonly #revealed = new Set<string>();

  constructor(options: SecretStoreOptions) {
    this.#options = options;
  }

  /** The directory relative paths in the spec are resolved against (the config file's). */
  get baseDir(): string {
    return this.#options.baseDir;
  }

  /** Resolves `ref`; `where` names the config key for error messages (never the value). */
  resolve(ref: string, where: string): Promise<Secret> {
    // `prompt` at two places is two different secrets (AD password, CHAP secret): ask for each.
    const key = ref === 'prompt' ? `prompt:${where}` : ref;
    let pending = this.#cache.get(key);
    if (!pending) {
      pending = this.#load(ref, where);
      this.#cache.set(key, pending);
      pending.catch(() => this.#cache.delete(key));
    }
    return pending;
  }

  async #load(ref: string, where: string): Promise<Secret> {
    const fail = (reason: SecretProblem['reason'], message: string, more: Partial<SecretProblem> = {}) =>
      new SecretUnavailable({ key: where, ref, reason, ...more }, `${where}: ${message}`);
    if (!SECRET_REF_PATTERN.test(ref))
      throw fail('notReference', 'not a secret reference; write env:NAME, file:PATH or prompt');
    let value: string;
    if (ref.startsWith('env:')) {
      const name = ref.slice(4);
      const found = (this.#options.env ?? process.env)[name];
      if (found === undefined || found === '') {
        throw fail(
          'unset',
          `environment variable ${name} is not set (set it in the shell that runs clusterprobe, or use file:PATH)`,
          { variable: name },
        );
      }
      value = found;
    } else if (ref.startsWith('file:')) {
      const path = resolvePath(this.#options.baseDir, ref.slice(5));
      try {
        value = secretFileText(await readFile(path));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
        throw fail('unreadable', `cannot read secret file ${path} (${code}); check the path and its permissions`, {
          path,
          errno: code,
        });
      }
      if (value === '') throw fail('empty', `secret file ${path} is empty`, { path });
    } else {
      if (!this.#options.prompt)
        throw fail('noTerminal', '"prompt" needs an interactive terminal; in CI use env:NAME or file:PATH');
      value = await this.#options.prompt(`${where}: `);
      if (value === '') throw fail('nothingEntered', 'no secret entered');
    }
    if (value.length >= MIN_SCRUB_LENGTH) this.#revealed.add(value);
    return new Secret(value);
  }

  /** Replaces every secret value handed out so far with `[secret]`. */
  scrub(text: string): string {
    let out = text;
    for (const value of this.#revealed) {
      if (out.includes(value)) out = out.split(value).join(REDACTED);
      // The same value as it appears inside JSON or XML strings.
      const json = JSON.stringify(value).slice(1, -1);
      if (json !== value && out.includes(json)) out = out.split(json).join(REDACTED);
      const xml = escapeXmlText(value);
      if (xml !== value && out.includes(xml)) out = out.split(xml).join(REDACTED);
    }
    return out;
  }

  /** A deep copy of a JSON-like value with every string scrubbed. */
  scrubDeep<T>(value: T): T {
    if (this.#revealed.size === 0) return value;
    return JSON.parse(this.scrub(JSON.stringify(value))) as T;
  }
}

function escapeXmlText(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * The text of a `file:` secret, as Windows writes such files too: a UTF-8 byte order mark
 * (PowerShell 5.1's `Set-Content -Encoding utf8`) is dropped, UTF-16 (its `>` and `Out-File`) is
 * decoded, by its byte order mark or, without one, by the NUL in the first character (a secret
 * holds no NUL); then one line end, LF or CRLF, is taken off the end.
 */
export function secretFileText(bytes: Buffer): string {
  const [a, b] = [bytes[0], bytes[1]];
  const utf16be = (be: Buffer) =>
    Buffer.from(be.subarray(0, be.length - (be.length % 2)))
      .swap16()
      .toString('utf16le');
  const text =
    a === 0xff && b === 0xfe
      ? bytes.subarray(2).toString('utf16le')
      : a === 0xfe && b === 0xff
        ? utf16be(bytes.subarray(2))
        : bytes.length >= 2 && a !== 0 && b === 0
          ? bytes.toString('utf16le')
          : bytes.length >= 2 && a === 0 && b !== 0
            ? utf16be(bytes)
            : bytes.toString('utf8').replace(/^\uFEFF/, '');
  return text.replace(/\r?\n$/, '');
}
