/**
 * A real terminal for interactive commands: a private tmux server (its own socket in a temp dir,
 * so it never attaches to a user's tmux, and it starts inside this process's network namespace)
 * runs the built CLI in a 200x50 pane. Tests type into it with send-keys and read it with
 * capture-pane, as a user would see it. The command's exit code is printed as `[exit N]` after it
 * ends, and the pane stays open to be read.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN, ROOT, tempDir } from './cli.ts';

export interface Terminal {
  /** The visible screen. */
  screen(): Promise<string>;
  /** Everything the pane printed, scrollback included. */
  log(): Promise<string>;
  /** Waits until the visible screen matches; throws with the screen when it does not in time. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Types text literally (no key names). */
  type(text: string): Promise<void>;
  /** Sends tmux key names: Enter, Space, Down, C-u... */
  keys(...names: string[]): Promise<void>;
  /** Resolves with the exit code once the command has ended. */
  exitCode(timeoutMs?: number): Promise<number>;
  /** Kills this terminal's tmux server and removes its directory. */
  close(): Promise<void>;
}

export interface TerminalOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  width?: number;
  height?: number;
  /** Redirect the command's stdout to this file (stdin and stderr stay on the terminal). */
  stdoutFile?: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function tmux(socket: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'tmux',
      ['-S', socket, '-f', '/dev/null', ...args],
      { env, timeout: 10_000, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`tmux ${args.join(' ')}: ${err.message}${stderr ? `\n${stderr}` : ''}`));
        else resolve(stdout);
      },
    );
  });
}

/** Starts `node bin/run.js ...args` in a fresh tmux server's only pane. */
export async function startCliTerminal(args: readonly string[], options: TerminalOptions = {}): Promise<Terminal> {
  const dir = await tempDir();
  const socket = join(dir, 'tmux.sock');
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries({ ...process.env, ...options.env })) {
    if (
      v === undefined ||
      ['NO_COLOR', 'FORCE_COLOR', 'NODE_OPTIONS', 'NODE_TEST_CONTEXT', 'TMUX', 'TMUX_PANE'].includes(k)
    )
      continue;
    env[k] = v;
  }
  env.TERM = 'xterm-256color';
  if (options.stdoutFile) env.CP_TERMINAL_STDOUT = options.stdoutFile;
  // Without a shell in between the exit code would be lost with the process: print it, then stay.
  const run = options.stdoutFile ? '"$@" >"$CP_TERMINAL_STDOUT"' : '"$@"';
  const wrapper = `${run}; echo "[exit $?]"; exec sleep 3600`;
  await tmux(
    socket,
    [
      'new-session',
      '-d',
      '-s',
      'cli',
      '-x',
      String(options.width ?? 200),
      '-y',
      String(options.height ?? 50),
      '-c',
      options.cwd ?? ROOT,
      'sh',
      '-c',
      wrapper,
      'sh',
      process.execPath,
      BIN,
      ...args,
    ],
    env,
  );
  const target = 'cli:0.0';
  const screen = () => tmux(socket, ['capture-pane', '-p', '-J', '-t', target]);
  const term: Terminal = {
    screen,
    log: () => tmux(socket, ['capture-pane', '-p', '-J', '-S', '-', '-t', target]),
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const m = (await screen()).match(pattern);
        if (m) return m;
        await sleep(100);
      }
      throw new Error(`the terminal did not show ${pattern} within ${timeoutMs} ms; it shows:\n${await term.log()}`);
    },
    async type(text) {
      await tmux(socket, ['send-keys', '-t', target, '-l', text]);
    },
    async keys(...names) {
      for (const name of names) await tmux(socket, ['send-keys', '-t', target, name]);
    },
    async exitCode(timeoutMs = 60_000) {
      const m = await term.waitFor(/^\[exit (\d+)\]$/m, timeoutMs);
      return Number(m[1]);
    },
    async close() {
      await tmux(socket, ['kill-server']).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
  return term;
}

/**
 * Helpers that answer @inquirer/prompts the way a user does. An active question is the line
 * `? <message>`; once answered it turns into `✔ <message> <answer>`.
 */
export class Answerer {
  readonly term: Terminal;
  constructor(term: Terminal) {
    this.term = term;
  }

  /** Waits for the question to be the active one. */
  async question(message: string | RegExp, timeoutMs?: number): Promise<void> {
    await this.term.waitFor(
      new RegExp(`^\\? ${typeof message === 'string' ? escape(message) : message.source}`, 'm'),
      timeoutMs,
    );
  }

  /** Waits until the question is no longer the active one (it was accepted). */
  async answered(message: string | RegExp): Promise<void> {
    const active = new RegExp(`^\\? ${typeof message === 'string' ? escape(message) : message.source}`, 'm');
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (!active.test(await this.term.screen())) return;
      await sleep(50);
    }
    throw new Error(`question ${message} still active:\n${await this.term.screen()}`);
  }

  /** Types a line into an input question (nothing: accept its default) and waits for it to be accepted. */
  async input(message: string | RegExp, text: string, timeoutMs?: number): Promise<void> {
    await this.question(message, timeoutMs);
    if (text) await this.term.type(text);
    await this.term.keys('Enter');
    await this.answered(message);
  }

  async confirm(message: string | RegExp, yes: boolean, timeoutMs?: number): Promise<void> {
    await this.input(message, yes ? 'y' : 'n', timeoutMs);
  }

  /** Moves the cursor (❯) of a select or checkbox to the line containing `choice`. */
  async moveTo(choice: string): Promise<void> {
    for (let i = 0; i < 40; i += 1) {
      const current = (await this.term.screen()).split('\n').find((l) => l.trimStart().startsWith('❯'));
      if (current?.includes(choice)) return;
      const before = await this.term.screen();
      await this.term.keys('Down');
      for (let j = 0; j < 50 && (await this.term.screen()) === before; j += 1) await sleep(20);
    }
    throw new Error(`no choice "${choice}":\n${await this.term.screen()}`);
  }

  async select(message: string | RegExp, choice: string, timeoutMs?: number): Promise<void> {
    await this.question(message, timeoutMs);
    await this.moveTo(choice);
    await this.term.keys('Enter');
    await this.answered(message);
  }

  /** Ticks the lines containing each of `choices` in a checkbox question, then submits. */
  async tick(message: string | RegExp, choices: readonly string[], timeoutMs?: number): Promise<void> {
    await this.question(message, timeoutMs);
    for (const choice of choices) {
      await this.moveTo(choice);
      const before = await this.term.screen();
      await this.term.keys('Space');
      for (let j = 0; j < 50 && (await this.term.screen()) === before; j += 1) await sleep(20);
    }
    await this.term.keys('Enter');
    await this.answered(message);
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
