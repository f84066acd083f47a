/**
 * clusterprobe as a process: what a shell, a pipe reader, `kill`, systemd or a CI runner sees of
 * bin/run.js. Through the built CLI in child processes, with real pipes and real signals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BIN, ROOT } from '../helpers/cli.ts';

/** The environment of a user's shell: none of the test runner's Node variables. */
function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || ['NO_COLOR', 'FORCE_COLOR', 'NODE_OPTIONS', 'NODE_TEST_CONTEXT'].includes(k)) continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * `clusterprobe ARGS | READER` in bash with pipefail, as a user types it: the status is
 * clusterprobe's (the reader exits 0), stderr is clusterprobe's own.
 */
function piped(args: readonly string[], reader: string): { code: number | null; stderr: string } {
  const script = `set -o pipefail; ${q(process.execPath)} ${q(BIN)} ${args.map(q).join(' ')} 2>&3 | ${reader} >/dev/null`;
  const r = spawnSync('bash', ['-c', `{ ${script}; } 3>&2`], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: userEnv() });
  return { code: r.status, stderr: r.stderr };
}

test('a closed stdout is not a reason to change the exit code, for every command: checks list | head -1, validate --help | head -1, no "unsettled top-level await"', () => {
  // `true` closes the pipe before anything is written: the failure is certain, not a race.
  const cases: [string[], number][] = [
    [['checks', 'list'], 0],
    [['validate', '--help'], 0],
    [['--help'], 0],
    [['checks', 'explain', 'storage.pr.support'], 0],
    [['checks', 'explain', 'no.such.check'], 2],
    [['report', '--help'], 0],
  ];
  for (const [args, expected] of cases) {
    for (const reader of ['head -1', 'true']) {
      const r = piped(args, reader);
      const what = `clusterprobe ${args.join(' ')} | ${reader}`;
      assert.equal(r.code, expected, `${what}: the command's own exit code; stderr: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /unsettled top-level await|Warning|EPIPE|\n\s+at /, `${what}: no warning, no stack`);
    }
  }
});
