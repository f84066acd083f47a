/**
 * Start-up: wall time of `--version` and `checks list` for each form of clusterprobe (bin/run.js
 * on this Node, the esbuild bundle on this Node, the Linux single executable), beside `node -e 0`
 * measured in the same run. Runs are interleaved (one of each per round), so a busy neighbour
 * slows every form alike; the figure is the median of RUNS. A form whose file is absent is
 * skipped with a line saying so. The targets of issue 13 apply to the bundled forms and are shown
 * as pass or FAIL; the exit code does not depend on them (a benchmark does not fail CI). For the
 * forms Node runs from files, the modules each command loads are counted too (ESM and CommonJS,
 * through test/helpers/module-log.ts; the bundle is one).
 *
 *   sh scripts/with-node.sh node bench/startup.ts [RUNS] [--bundle FILE] [--exe FILE]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where `npm run package` leaves the bundle and the Linux executable. */
const DEFAULT_BUNDLE = 'dist-bin/clusterprobe.cjs';
const DEFAULT_EXE = 'dist-bin/clusterprobe-linux-x64';
/** Issue 13's targets for the bundled forms, in ms. */
const TARGETS: Record<string, number> = { '--version': 100, 'checks list': 200 };
const COMMANDS: readonly (readonly string[])[] = [['--version'], ['checks', 'list']];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { bundle: { type: 'string', default: DEFAULT_BUNDLE }, exe: { type: 'string', default: DEFAULT_EXE } },
});
const runs = Number(positionals[0] ?? 10);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`RUNS must be a positive integer, got ${positionals[0]}`);

interface Form {
  name: string;
  /** The command line before the clusterprobe arguments. */
  argv: readonly string[];
  bundled: boolean;
  /** Whether Node runs it from a file, so that a --import hook can count its modules. */
  onNode: boolean;
  file: string;
}
const forms: Form[] = [];
const candidates: Form[] = [
  {
    name: 'bin/run.js',
    argv: [process.execPath, resolve(ROOT, 'bin/run.js')],
    bundled: false,
    onNode: true,
    file: 'dist/src/commands/index.js',
  },
  {
    name: 'bundle',
    argv: [process.execPath, resolve(ROOT, values.bundle)],
    bundled: true,
    onNode: true,
    file: values.bundle,
  },
  { name: 'executable', argv: [resolve(ROOT, values.exe)], bundled: true, onNode: false, file: values.exe },
];
for (const form of candidates) {
  if (existsSync(resolve(ROOT, form.file))) forms.push(form);
  else
    process.stdout.write(
      `skipped ${form.name}: ${form.file} is absent (${form.bundled ? 'npm run package' : 'npm run build'} makes it)\n`,
    );
}

/** Wall time of one run in ms; a run that fails is an error, not a figure. */
function timed(argv: readonly string[]): number {
  const started = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr}`);
  return ms;
}

const MODULE_LOG_HOOK = pathToFileURL(resolve(ROOT, 'test/helpers/module-log.ts')).href;
const logDir = mkdtempSync(join(tmpdir(), 'clusterprobe-startup-'));

/** How many files (file: URLs) `node <argv...>` loads, recorded by the module-log hook. */
function moduleCount(argv: readonly string[]): number {
  const log = join(logDir, 'modules.txt');
  const r = spawnSync(argv[0]!, ['--import', MODULE_LOG_HOOK, ...argv.slice(1)], {
    cwd: ROOT,
    env: { ...process.env, CLUSTERPROBE_MODULE_LOG: log },
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} with the module log exited ${r.status ?? r.signal}`);
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((url) => url.startsWith('file:')).length;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const cases = [
  {
    form: 'node -e 0',
    command: '',
    argv: [process.execPath, '-e', '0'],
    onNode: false,
    target: undefined as number | undefined,
  },
  ...forms.flatMap((form) =>
    COMMANDS.map((command) => ({
      form: form.name,
      command: command.join(' '),
      argv: [...form.argv, ...command],
      onNode: form.onNode,
      target: form.bundled ? TARGETS[command.join(' ')] : undefined,
    })),
  ),
];
for (const c of cases) timed(c.argv); // warm the file cache: the first run of each reads from disk
const times = cases.map(() => [] as number[]);
for (let i = 0; i < runs; i += 1) cases.forEach((c, j) => times[j]!.push(timed(c.argv)));

const baseline = median(times[0]!);
const rows = cases.map((c, j) => {
  const ms = median(times[j]!);
  return {
    form: c.form,
    command: c.command,
    medianMs: Math.round(ms),
    overNodeMs: j === 0 ? 0 : Math.round(ms - baseline),
    modules: c.onNode ? moduleCount(c.argv) : '',
    target: c.target === undefined ? '' : `<= ${c.target} ms: ${ms <= c.target ? 'pass' : 'FAIL'}`,
  };
});
rmSync(logDir, { recursive: true, force: true });
const header = {
  form: 'form',
  command: 'command',
  medianMs: 'median ms',
  overNodeMs: 'over node -e 0',
  modules: 'modules',
  target: 'target',
};
const width = (key: keyof typeof header) => Math.max(...[header, ...rows].map((r) => String(r[key]).length));
const keys = Object.keys(header) as (keyof typeof header)[];
process.stdout.write(`start-up, median of ${runs} runs (${process.version}, ${process.platform}-${process.arch})\n`);
for (const row of [header, ...rows])
  process.stdout.write(
    `${keys
      .map((k) =>
        k === 'medianMs' || k === 'overNodeMs' || k === 'modules'
          ? String(row[k]).padStart(width(k))
          : String(row[k]).padEnd(width(k)),
      )
      .join('  ')
      .trimEnd()}\n`,
  );
process.stdout.write(`${JSON.stringify({ runs, nodeMs: Math.round(baseline), results: rows.slice(1) })}\n`);
