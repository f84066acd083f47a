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
import { UsageError } from '../engine/errors.ts';

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
    if (!SECRET_REF_PATTERN.test(ref)) {
      throw new UsageError(`${where}: not a secret reference; write env:NAME, file:PATH or prompt`);
    }
    let value: string;
    if (ref.startsWith('env:')) {
      const name = ref.slice(4);
      const found = (this.#options.env ?? process.env)[name];
      if (found === undefined || found === '') {
        throw new UsageError(`${where}: environment variable ${name} is not set (export ${name}=... before running, or use file:PATH)`);
      }
      value = found;
    } else if (ref.startsWith('file:')) {
      const path = resolvePath(this.#options.baseDir, ref.slice(5));
      try {
        value = (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
        throw new UsageError(`${where}: cannot read secret file ${path} (${code}); check the path and its permissions`);
      }
      if (value === '') throw new UsageError(`${where}: secret file ${path} is empty`);
    } else {
      if (!this.#options.prompt) {
        throw new UsageError(`${where}: "prompt" needs an interactive terminal; in CI use env:NAME or file:PATH`);
      }
      value = await this.#options.prompt(`${where}: `);
      if (value === '') throw new UsageError(`${where}: no secret entered`);
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
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
