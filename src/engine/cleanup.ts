/**
 * Cleanup handlers that must run before the process exits, whatever happens: the storage probe
 * registers the removal of its reservation keys here. They run last-registered first, each with
 * its own time limit, and one that fails does not stop the others.
 */
export interface CleanupOutcome {
  readonly label: string;
  readonly status: 'ok' | 'failed' | 'timeout';
  readonly error?: string;
}

export class Cleanups {
  readonly #handlers: { label: string; fn: () => Promise<void> | void }[] = [];
  #running: Promise<CleanupOutcome[]> | undefined;

  add(label: string, fn: () => Promise<void> | void): void {
    this.#handlers.push({ label, fn });
  }

  get pending(): readonly string[] {
    return this.#handlers.map((h) => h.label);
  }

  /** Runs every registered handler once; a second call awaits the first run (and any added since). */
  runAll(timeoutMs = 60_000): Promise<CleanupOutcome[]> {
    const previous = this.#running ?? Promise.resolve([]);
    const run = previous.then(async (done) => {
      const outcomes = [...done];
      while (this.#handlers.length > 0) {
        const handler = this.#handlers.pop()!;
        outcomes.push(await runOne(handler.label, handler.fn, timeoutMs));
      }
      return outcomes;
    });
    this.#running = run;
    return run;
  }
}

async function runOne(label: string, fn: () => Promise<void> | void, timeoutMs: number): Promise<CleanupOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CleanupOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve({ label, status: 'timeout', error: `did not finish within ${Math.round(timeoutMs / 1000)} s` }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(fn)
        .then((): CleanupOutcome => ({ label, status: 'ok' })),
      timeout,
    ]);
  } catch (err) {
    return { label, status: 'failed', error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}
