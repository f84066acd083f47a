/**
 * The config loader fuzzed at length: random YAML/JSON and mutations of valid specs (the cases of
 * test/config/fuzz-cases.ts, which the suite runs 5,000 of), through the loader's parse and
 * validation. Every case must load into a spec that keeps the rules, or be refused with a
 * ConfigError/UsageError placed at file:line:col; anything else is a failure, printed with its
 * text. Prints cases/s and how many loaded and were refused; exit 1 on any failure.
 *
 *   sh scripts/with-node.sh node bench/config-fuzz.ts [CASES=100000] [SEED]
 */
import fc from 'fast-check';
import { checkCase, fuzzCases, type FuzzCase } from '../test/config/fuzz-cases.ts';

const total = Number(process.argv[2] ?? 100_000);
const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
const BATCH = 5_000;

const arbitrary = fuzzCases();
const seen = { loaded: 0, refused: 0 };
const failures: { case: FuzzCase; error: string }[] = [];
let generating = 0;
let loading = 0;
for (let done = 0, batch = 0; done < total; batch += 1) {
  const n = Math.min(BATCH, total - done);
  let t = performance.now();
  const cases = fc.sample(arbitrary, { numRuns: n, seed: seed + batch });
  generating += performance.now() - t;
  t = performance.now();
  for (const c of cases) {
    try {
      seen[checkCase(c)] += 1;
    } catch (err) {
      failures.push({ case: c, error: err instanceof Error ? err.message : String(err) });
    }
  }
  loading += performance.now() - t;
  done += n;
}

const rate = (ms: number) => Math.round(total / (ms / 1000)).toLocaleString('en');
process.stdout.write(
  `config fuzz: ${total.toLocaleString('en')} cases (seed ${seed}): ${seen.loaded.toLocaleString('en')} loaded, ${seen.refused.toLocaleString('en')} refused with a place, ${failures.length} failures\n` +
    `  loader: ${rate(loading)} cases/s (${(loading / 1000).toFixed(1)} s); generating the cases: ${rate(generating)} cases/s (${(generating / 1000).toFixed(1)} s)\n`,
);
for (const f of failures.slice(0, 10))
  process.stdout.write(
    `FAILURE (${f.case.ext}) ${JSON.stringify(f.case.text).slice(0, 400)}\n  ${f.error.split('\n').slice(0, 3).join('\n  ')}\n`,
  );
process.exitCode = failures.length === 0 ? 0 : 1;
