/**
 * Live progress on stderr through listr2: spinners on a terminal, plain lines (listr2's simple
 * renderer, no spinner frames) when stderr is not a TTY, as in CI. The engine schedules the
 * checks; this only mirrors what it reports.
 */
import { Listr, ListrDefaultRendererLogLevels, ListrLogLevels, ListrLogger, ProcessOutput } from 'listr2';
import type { ChalkInstance } from 'chalk';
import type { Check } from '../engine/contract.ts';
import type { ProgressListener } from '../engine/runner.ts';
import type { Finding } from '../engine/report.ts';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export interface Progress {
  readonly listener: ProgressListener;
  /** Settles every check still shown as pending (cancelled runs) and waits for the renderer. */
  close(): Promise<void>;
}

export function startProgress(
  checks: readonly Check[],
  options: {
    tty: boolean;
    chalk: ChalkInstance;
    /** Where it draws; process.stderr by default. */
    stream?: NodeJS.WritableStream;
  },
): Progress {
  const started = new Map(checks.map((c) => [c.meta.id, deferred<void>()]));
  const finished = new Map(checks.map((c) => [c.meta.id, deferred<readonly Finding[] | undefined>()]));
  const c = options.chalk;
  const running = new Map<string, { check: Check; task: { output: string | undefined } }>();
  // listr2 types its output as a tty.WriteStream, and writes to it only (it reads columns when present).
  const stream = (options.stream ?? process.stderr) as NodeJS.WriteStream;
  const processOutput = new ProcessOutput(stream, stream, { dump: [], leaveEmptyLine: false });
  // listr2 colours its labels by itself and lets FORCE_COLOR win over NO_COLOR: follow our decision.
  const plain =
    c.level === 0
      ? { color: uncoloured([...Object.values(ListrLogLevels), ...Object.values(ListrDefaultRendererLogLevels)]) }
      : {};

  const listr = new Listr(
    checks.map((check) => ({
      title: `${check.meta.id}: ${check.meta.title}`,
      task: async (
        _ctx: unknown,
        task: { title: string | undefined; output: string | undefined; skip(message?: string): void },
      ) => {
        await Promise.race([started.get(check.meta.id)!.promise, finished.get(check.meta.id)!.promise]);
        task.title = `${check.meta.id}: ${check.meta.title}`;
        running.set(check.meta.id, { check, task });
        const findings = await finished.get(check.meta.id)!.promise;
        running.delete(check.meta.id);
        if (findings === undefined) {
          task.skip(`${check.meta.id}: not run`);
          return;
        }
        task.title = `${check.meta.id}: ${tally(findings, c)}`;
      },
    })),
    {
      concurrent: true,
      exitOnError: false,
      registerSignalListeners: false,
      renderer: options.tty ? 'default' : 'simple',
      fallbackRenderer: 'simple',
      fallbackRendererCondition: !options.tty,
      rendererOptions: { logger: new ListrLogger({ processOutput, useIcons: true, ...plain }), ...plain },
      fallbackRendererOptions: { logger: new ListrLogger({ processOutput, useIcons: false, ...plain }), ...plain },
    },
  );
  const rendering = listr.run().catch(() => undefined);

  return {
    listener: {
      checkStarted: (check) => started.get(check.meta.id)?.resolve(),
      checkFinished: (check, findings) => finished.get(check.meta.id)?.resolve(findings),
      // A probe's progress goes under the first running check that waits for its fact (once:
      // several checks share one probe, and plain output would repeat every line).
      factProgress: (fact, message) => {
        const waiting = [...running.values()].find(({ check }) => check.meta.facts.includes(fact));
        if (waiting) waiting.task.output = message;
      },
    },
    async close() {
      for (const d of finished.values()) d.resolve(undefined);
      await rendering;
    },
  };
}

function tally(findings: readonly Finding[], c: ChalkInstance): string {
  const n = (s: Finding['status']) => findings.filter((f) => f.status === s).length;
  const parts: string[] = [];
  if (n('error')) parts.push(c.magenta(`${n('error')} error`));
  if (n('fail')) parts.push(c.red(`${n('fail')} fail`));
  if (n('warn')) parts.push(c.yellow(`${n('warn')} warn`));
  if (n('skipped')) parts.push(c.gray(`${n('skipped')} skipped`));
  if (n('pass')) parts.push(c.green(`${n('pass')} pass`));
  return parts.join(', ');
}

function uncoloured<L extends string>(levels: readonly L[]): Record<L, (text?: string) => string> {
  return Object.fromEntries(levels.map((l) => [l, (text?: string) => text ?? ''])) as Record<
    L,
    (text?: string) => string
  >;
}
