/**
 * The guard against exceptions that escape a probe or a check asynchronously: a throw from a
 * timer or a socket callback, a promise nobody awaits that rejects. Without it Node ends the
 * process and every finding of the run, the report and the cleanup of reservation keys are lost.
 *
 * Each probe's `collect` and each check's `run` executes inside an AsyncLocalStorage scope naming
 * it. Node 24 restores that scope around the callback that threw before it emits
 * `uncaughtException`, and emits `unhandledRejection` in the scope the rejected promise was created
 * in (test/engine/guard.test.ts asserts both), so the handler knows whose code it was. The handlers
 * are installed only while a run is in progress (for `validate`: until its report is written);
 * outside a run an exception ends the process as Node would.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Whose code is running: a probe gathering a fact, or a check. */
export type Scope =
  | { readonly kind: 'probe'; readonly fact: string }
  | { readonly kind: 'check'; readonly checkId: string };

const scopes = new AsyncLocalStorage<Scope>();

/** Runs `fn` (and every callback and promise it creates) inside `scope`. */
export function inScope<T>(scope: Scope, fn: () => T): T {
  return scopes.run(scope, fn);
}

export type EscapeOrigin = 'uncaughtException' | 'unhandledRejection';

/** One exception that escaped while a run was in progress. */
export interface Escape {
  readonly error: unknown;
  readonly origin: EscapeOrigin;
  /** The probe or check whose async context it came from; absent when none could be told. */
  readonly scope?: Scope;
}

/** The guards in force, innermost last: each escape goes to the innermost only. */
const guards: ((escape: Escape) => void)[] = [];

function dispatch(error: unknown, origin: EscapeOrigin): void {
  const scope = scopes.getStore();
  guards.at(-1)?.({ error, origin, ...(scope ? { scope } : {}) });
}

// Under --unhandled-rejections=strict a rejection arrives here, with origin 'unhandledRejection'.
const onException = (error: unknown, origin: NodeJS.UncaughtExceptionOrigin) =>
  dispatch(error, origin === 'unhandledRejection' ? 'unhandledRejection' : 'uncaughtException');
const onRejection = (reason: unknown) => dispatch(reason, 'unhandledRejection');

/**
 * Hands every escaped exception to `onEscape` until the returned function is called. Guards nest:
 * the innermost in force gets each escape (the run's own guard inside validate's, which covers the
 * writing of the report too). While any is in force Node neither prints the exception nor exits;
 * once the last is removed, `process` has no handler of ours left.
 */
export function installEscapeGuard(onEscape: (escape: Escape) => void): () => void {
  guards.push(onEscape);
  if (guards.length === 1) {
    process.on('uncaughtException', onException);
    process.on('unhandledRejection', onRejection);
  }
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    guards.splice(guards.lastIndexOf(onEscape), 1);
    if (guards.length === 0) {
      process.off('uncaughtException', onException);
      process.off('unhandledRejection', onRejection);
    }
  };
}

/** An exception that escaped a probe: the checks waiting on its fact record an error. */
export class ProbeEscaped extends Error {
  override name = 'ProbeEscaped';
  readonly fact: string;
  readonly origin: EscapeOrigin;
  /** False when the exception could not be tied to this probe: it is charged to every suspect. */
  readonly attributed: boolean;
  /** The probes running when an unattributed exception escaped (this one among them). */
  readonly suspects: readonly string[];
  constructor(fact: string, escape: Escape, suspects?: readonly string[]) {
    super(`an exception escaped probe "${fact}": ${errorLine(escape.error)}`, { cause: escape.error });
    this.fact = fact;
    this.origin = escape.origin;
    this.attributed = suspects === undefined;
    this.suspects = suspects ?? [fact];
  }
}

/** The first line of an error's message, with its class name when it is not a plain Error. */
export function errorLine(error: unknown): string {
  // Anything can be thrown, even an object without toString: this runs inside process handlers,
  // where a throw would end the process after all.
  try {
    if (error instanceof Error) {
      const first = String(error.message).split('\n')[0] ?? '';
      return error.name && error.name !== 'Error' ? `${String(error.name)}: ${first}` : first || String(error.name);
    }
    return String(error).split('\n')[0] ?? '';
  } catch {
    return `a thrown ${typeof error} that cannot be shown as text`;
  }
}

/** The stack of an error, when it has one (for evidence under --debug only). */
export function stackOf(error: unknown): string | undefined {
  return error instanceof Error && typeof error.stack === 'string' ? error.stack : undefined;
}
