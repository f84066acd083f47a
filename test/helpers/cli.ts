/** Runs the built CLI (bin/run.js -> dist/) as a user would, in a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'run.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Called with the child once it runs (to send signals). */
  onSpawn?: (child: ChildProcess) => void;
  timeoutMs?: number;
}

/** A clean environment: no colour variables, no CI hints inherited from the caller. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || ['NO_COLOR', 'FORCE_COLOR', 'NODE_OPTIONS', 'NODE_TEST_CONTEXT', 'COLUMNS'].includes(k))
      continue;
    env[k] = v;
  }
  return env;
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return runWrapped([process.execPath, BIN, ...args], options);
}

/**
 * Runs `command` (whose words include `process.execPath` and BIN: the CLI, wrapped in another
 * program such as `unshare`) with runCli's environment, collection and time limit.
 */
export function runWrapped(command: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { ...baseEnv(), ...options.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const child = spawn(command[0]!, command.slice(1), {
      cwd: options.cwd ?? ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    options.onSpawn?.(child);
  });
}

const made: string[] = [];
let removeAtExit = false;

/**
 * A fresh directory under the system's temp dir, removed when the test process exits (a suite run
 * left hundreds behind); CLUSTERPROBE_KEEP_TEMP=1 keeps them, to look at after a failure.
 */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'clusterprobe-test-'));
  made.push(dir);
  if (!removeAtExit && process.env.CLUSTERPROBE_KEEP_TEMP !== '1') {
    removeAtExit = true;
    process.once('exit', () => {
      for (const d of made) {
        try {
          rmSync(d, { recursive: true, force: true, maxRetries: 2 });
        } catch {
          // something still writing there (a child the test left): the system's temp cleaning gets it
        }
      }
    });
  }
  return dir;
}

/** Writes files (name -> content) into a fresh temp dir and returns its path. */
export async function tempFiles(files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}
