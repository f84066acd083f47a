/**
 * clusterprobe as a process: what a shell, a pipe reader, `kill`, systemd or a CI runner sees of
 * bin/run.js, and the command line a new user types. Through the built CLI in child processes,
 * with real pipes and real signals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { BIN, ROOT, runCli, tempDir } from '../helpers/cli.ts';
import type { Report } from '../../src/engine/report.ts';

const REVIEW_LAB = 'examples/review-lab.yaml';
const BEHAVIOURS = join(ROOT, 'test/fixtures/plugins/behaviours.js');

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
  const r = spawnSync('bash', ['-c', `{ ${script}; } 3>&2`], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: userEnv(),
  });
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
      assert.doesNotMatch(
        r.stderr,
        /unsettled top-level await|Warning|EPIPE|\n\s+at /,
        `${what}: no warning, no stack`,
      );
    }
  }
});

/** The machine's own Node when it is older than 22: bin/run.js then hands over to .tools' Node 24. */
const OLD_NODE = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => {
  if (!existsSync(p)) return false;
  const v = spawnSync(p, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
  return Number(v.split('.')[0]) < 22;
});

interface Wrapped {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from the signal (or the poke) to the wrapper's exit. */
  afterPoke: number;
  /** The pid of the Node 24 child the wrapper started. */
  childPid: number | undefined;
}

/** The pids of `pid`'s children (Linux). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\S+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Runs bin/run.js under the old Node (the wrapper path) with the slow-cleanup plugin check; once
 * the check runs, `poke(wrapperPid, childPid)` sends the signal. Whatever still runs after 30 s is
 * killed, the child too (the old wrapper left it running).
 */
function wrapped(marker: string, poke: (wrapper: number, child: number) => void): Promise<Wrapped> {
  return new Promise((resolve, reject) => {
    const args = [
      BIN,
      'validate',
      '--config',
      REVIEW_LAB,
      '--plugin',
      BEHAVIOURS,
      '--only',
      'test.slow.cleanup',
      '--timeout',
      '8',
    ];
    const wrapper = spawn(OLD_NODE!, args, {
      cwd: ROOT,
      env: userEnv({ CP_TEST_MARKER: marker }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let poked = 0;
    let childPid: number | undefined;
    wrapper.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    wrapper.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (!poked && stderr.includes('test.slow.cleanup: running')) {
        childPid = childrenOf(wrapper.pid!)[0];
        assert.ok(childPid, 'the wrapper runs clusterprobe in a child');
        poked = Date.now();
        poke(wrapper.pid!, childPid);
      }
    });
    const timer = setTimeout(() => {
      for (const pid of [wrapper.pid!, childPid ?? 0])
        if (pid)
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
    }, 30_000);
    wrapper.on('error', reject);
    wrapper.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, afterPoke: poked ? Date.now() - poked : -1, childPid });
    });
  });
}

const skipOld = OLD_NODE ? false : 'no Node older than 22 on this machine: bin/run.js does not hand over';

test(
  'under a Node older than 22, SIGTERM to bin/run.js reaches clusterprobe: the run stops, cleanup runs, the report is printed, exit 130 at once',
  { skip: skipOld },
  async () => {
    const marker = join(await tempDir(), 'marker');
    const r = await wrapped(marker, (wrapper) => process.kill(wrapper, 'SIGTERM'));
    assert.equal(r.code, 130, `validate's exit code on SIGTERM, passed through; stderr: ${r.stderr}`);
    assert.ok(r.afterPoke < 4000, `exited ${r.afterPoke} ms after SIGTERM, not after the check's 8 s timeout`);
    assert.equal(await readFile(marker, 'utf8'), 'cleaned', 'the cleanup ran');
    assert.match(r.stdout, /INTERRUPTED/, 'the report was printed');
    assert.match(r.stderr, /Interrupted: stopping checks/);
    assert.doesNotMatch(r.stderr, /Still cleaning up/, 'one signal counts once');
  },
);

test(
  "under a Node older than 22, SIGINT sent to bin/run.js alone (kill -INT PID, not a terminal's Ctrl-C) is passed on: exit 130, cleanup ran",
  { skip: skipOld },
  async () => {
    const marker = join(await tempDir(), 'marker');
    const r = await wrapped(marker, (wrapper) => process.kill(wrapper, 'SIGINT'));
    assert.equal(r.code, 130, r.stderr);
    assert.ok(r.afterPoke < 4000, `exited ${r.afterPoke} ms after SIGINT`);
    assert.equal(await readFile(marker, 'utf8'), 'cleaned');
  },
);

test(
  "under a Node older than 22, a child that a signal ends gives 128 + the signal's number (SIGKILL 137), never 1; SIGHUP is passed on and validate cleans up as on Ctrl-C (130); the child is never left running",
  { skip: skipOld },
  async () => {
    const killed = await wrapped(join(await tempDir(), 'marker'), (_wrapper, child) => process.kill(child, 'SIGKILL'));
    assert.equal(killed.code, 137, `SIGKILL of the child: 128 + 9; stderr: ${killed.stderr}`);
    const hupMarker = join(await tempDir(), 'marker');
    const hup = await wrapped(hupMarker, (wrapper) => process.kill(wrapper, 'SIGHUP'));
    assert.equal(hup.code, 130, `SIGHUP passed on: validate stops and cleans up as on Ctrl-C; stderr: ${hup.stderr}`);
    assert.equal(
      await readFile(hupMarker, 'utf8'),
      'cleaned',
      'the cleanup ran (a dropped SSH session must not leave reservation keys)',
    );
    assert.ok(hup.afterPoke < 4000, `exited ${hup.afterPoke} ms after SIGHUP`);
    assert.ok(hup.childPid !== undefined && !alive(hup.childPid), 'the child is gone too');
  },
);

test(
  'under a Node older than 22, SIGTERM to bin/run.js stops a run waiting on a DC that never answers: the report (cancelled) is written, exit 130, well before the check timeout',
  { skip: skipOld },
  async () => {
    // A TCP listener that accepts and never says a word: the LDAPS handshake waits.
    const sockets: Socket[] = [];
    const server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const dir = await tempDir();
    const spec = join(dir, 'cluster.yaml');
    await writeFile(
      spec,
      `cluster: { name: HVCLUSTER01 }\nnodes:\n  - name: hv01\n  - name: hv02\nactiveDirectory:\n  domain: lab.example.test\n  servers: [ldaps://127.0.0.1:${port}]\n  bind:\n    user: administrator@lab.example.test\n    password: env:CP_TEST_AD_PASSWORD\n`,
    );
    try {
      const started = Date.now();
      const r = await new Promise<{ code: number | null; stdout: string; stderr: string; afterKill: number }>(
        (resolve, reject) => {
          const wrapper = spawn(OLD_NODE!, [BIN, 'validate', spec, '--only', 'ad.*', '--json', '--timeout', '30'], {
            cwd: ROOT,
            env: userEnv({ CP_TEST_AD_PASSWORD: 'not-the-password' }),
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let stdout = '';
          let stderr = '';
          let killed = 0;
          wrapper.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
          wrapper.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
          // Once the DC has a connection from the run, the run is waiting on it.
          const poll = setInterval(() => {
            if (sockets.length > 0 && !killed) {
              killed = Date.now();
              process.kill(wrapper.pid!, 'SIGTERM');
            }
          }, 50);
          const timer = setTimeout(() => {
            for (const pid of [wrapper.pid!, ...childrenOf(wrapper.pid!)])
              try {
                process.kill(pid, 'SIGKILL');
              } catch {
                /* gone */
              }
          }, 60_000);
          wrapper.on('error', reject);
          wrapper.on('close', (code) => {
            clearInterval(poll);
            clearTimeout(timer);
            resolve({ code, stdout, stderr, afterKill: killed ? Date.now() - killed : -1 });
          });
        },
      );
      assert.ok(r.afterKill >= 0, `the run connected to the DC (${Date.now() - started} ms); stderr: ${r.stderr}`);
      assert.equal(r.code, 130, r.stderr);
      assert.ok(r.afterKill < 15_000, `exited ${r.afterKill} ms after SIGTERM, not after the 30 s check timeout`);
      const report = JSON.parse(r.stdout) as Report;
      assert.equal(report.cancelled, true);
      assert.ok(
        report.findings.length > 0 &&
          report.findings.every((f) => f.checkId.startsWith('ad.') && f.status === 'skipped'),
        r.stdout,
      );
      assert.doesNotMatch(r.stderr, /not-the-password/);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  },
);

const skipPty =
  skipOld ||
  (spawnSync('script', ['--version']).status === 0 ? false : 'no script(1) (util-linux) to give the run a terminal');

test(
  'under a Node older than 22, Ctrl-C in a terminal (which signals the child as well) counts once: one "Interrupted", no "Still cleaning up", exit 130',
  { skip: skipPty },
  async () => {
    const marker = join(await tempDir(), 'marker');
    // script(1) runs the command on a new pseudo-terminal, in its foreground process group; a ^C
    // written to it is the terminal's Ctrl-C: SIGINT to the whole group, the wrapper and its child.
    // `exec`: no shell stays between the terminal and the wrapper. A shell that did would get the
    // SIGINT too, and dash (Debian's sh, which script(1) runs when SHELL is unset, as in CI) dies of
    // it even when its child handles it; script -e then hands back the wrapper's own status.
    const command = `exec ${q(OLD_NODE!)} ${q(BIN)} validate --config ${REVIEW_LAB} --plugin ${q(BEHAVIOURS)} --only test.slow.cleanup --timeout 8`;
    const { out, code } = await new Promise<{ out: string; code: number | null }>((resolve, reject) => {
      const term = spawn('script', ['-qefc', command, '/dev/null'], {
        cwd: ROOT,
        env: userEnv({ CP_TEST_MARKER: marker }),
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let text = '';
      const timer = setTimeout(() => term.kill('SIGKILL'), 30_000);
      term.stdout.setEncoding('utf8').on('data', (d: string) => {
        if (!text.includes('test.slow.cleanup: running') && (text + d).includes('test.slow.cleanup: running'))
          term.stdin.write('\x03');
        text += d;
      });
      term.on('error', reject);
      term.on('close', (status) => {
        clearTimeout(timer);
        resolve({ out: text, code: status });
      });
    });
    assert.equal(code, 130, out);
    assert.equal(out.match(/Interrupted: stopping checks/g)?.length, 1, out);
    assert.doesNotMatch(out, /Still cleaning up/, 'the wrapper did not pass on a Ctrl-C the child had already had');
    assert.equal(await readFile(marker, 'utf8'), 'cleaned');
  },
);

test('validate takes the spec as a positional argument too (validate cluster.yaml), the same run as --config; both at once is a usage error', async () => {
  const summary = (stdout: string) =>
    (JSON.parse(stdout) as Report).findings.map((f) => `${f.checkId} ${f.subject ?? ''} ${f.status}`).sort();
  const flag = await runCli(['validate', '--config', REVIEW_LAB, '--only', 'config.*', '--json']);
  assert.equal(flag.code, 3, flag.stderr);
  for (const args of [
    ['validate', REVIEW_LAB, '--only', 'config.*', '--json'],
    ['validate', '--only', 'config.*', '--json', REVIEW_LAB],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
    assert.deepEqual(summary(r.stdout), summary(flag.stdout), `${args.join(' ')}: the same findings as with --config`);
  }

  const both = await runCli(['validate', REVIEW_LAB, '--config', REVIEW_LAB]);
  assert.equal(both.code, 2, both.stderr);
  assert.match(both.stderr, /^clusterprobe: .*--config.*\n$/, 'one line that names the conflict');
  assert.doesNotMatch(both.stderr, /not found|\n\s+at /);

  const missing = await runCli(['validate', 'no/such/cluster.yaml']);
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /no\/such\/cluster\.yaml/);
  assert.doesNotMatch(missing.stderr, /command validate:|not found/);

  const two = await runCli(['validate', REVIEW_LAB, REVIEW_LAB]);
  assert.equal(two.code, 2, two.stderr);

  const help = await runCli(['validate', '--help']);
  assert.match(help.stdout, /validate \[SPEC\]/, 'the usage line shows the argument');
});

test('a repeatable flag takes one value, not every word after it: validate --only GLOB cluster.yaml, checks explain --plugin FILE ID', async () => {
  const validate = await runCli(['validate', '--only', 'config.nodes.*', '--json', REVIEW_LAB]);
  assert.equal(validate.code, 0, validate.stderr);
  assert.deepEqual(
    [...new Set((JSON.parse(validate.stdout) as Report).findings.map((f) => f.checkId))],
    ['config.nodes.count'],
  );
  const explain = await runCli(['checks', 'explain', '--plugin', BEHAVIOURS, 'test.slow.cleanup']);
  assert.equal(explain.code, 0, explain.stderr);
  assert.match(explain.stdout, /^test\.slow\.cleanup: /);
  const twice = await runCli([
    'validate',
    '--only',
    'config.nodes.*',
    '--only',
    'config.waivers.*',
    '--json',
    REVIEW_LAB,
  ]);
  assert.deepEqual([...new Set((JSON.parse(twice.stdout) as Report).findings.map((f) => f.checkId))].sort(), [
    'config.nodes.count',
    'config.waivers.expiry',
  ]);
});
