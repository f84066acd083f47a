/**
 * FAKE PowerShell for the tests (PowerShell cannot be installed on these machines). It is not a
 * PowerShell interpreter: it speaks the same stdin/stdout protocol node-powershell uses with a
 * real `pwsh -NoLogo -NoExit -Command -`, and answers each of clusterprobe's commands with a
 * recording, so that the wrapper's process handling (spawn, delimiters, stdout and stderr,
 * timeouts, a process that dies) is exercised through real process I/O.
 *
 * The protocol, as node-powershell 5 writes it to stdin for every invocation:
 *   [Console]::Error.WriteLine("<16-char delimiter>")
 *   [Console]::Out.WriteLine("<delimiter>")
 *   <the command, one or more lines>
 *   [Console]::Error.WriteLine("<delimiter>")
 *   [Console]::Out.WriteLine("<delimiter>")
 * and it reads each stream up to the second delimiter.
 *
 * Recordings: FAKE_PWSH_RECORDINGS names a directory of `<script name>.json` files (the name
 * from the command's `# CLUSTERPROBE-SCRIPT:` line). Each holds an array of cases, the first
 * matching one wins:
 *   { "case": "...",                  // chosen by FAKE_PWSH_CASE=<case>, else by "when"
 *     "when": { "nodes": [...] },     // optional: equal to the same keys of the decoded $p
 *     "shape": "5.1" | "7",           // documentation: which PowerShell emits this JSON
 *     "json": "<what ConvertTo-Json printed>",   // printed after clusterprobe's marker
 *     "stdout": "<raw stdout instead>", "stderr": "<text>",
 *     "delayMs": 0, "exit": <code: the process dies instead of answering> }
 * FAKE_PWSH_LOG, when set, is a file each received command is appended to (the tests check what
 * was sent, e.g. that no input appears as code).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const DELIMITER = /^\[Console\]::(Out|Error)\.WriteLine\("([0-9A-Za-z]{16})"\)\s*$/;
const dir = process.env.FAKE_PWSH_RECORDINGS;
/** @type {string[]} */
let command = [];
let pending = Promise.resolve();

/** @param {string} text @returns {Record<string, unknown>} */
function params(text) {
  const m = /FromBase64String\('([A-Za-z0-9+/=]*)'\)/.exec(text);
  if (!m) return {};
  try {
    return JSON.parse(Buffer.from(m[1] ?? '', 'base64').toString('utf8'));
  } catch {
    return {};
  }
}

/** @param {Record<string, unknown> | undefined} when @param {Record<string, unknown>} p */
function matches(when, p) {
  return Object.entries(when ?? {}).every(([k, v]) => JSON.stringify(p[k]) === JSON.stringify(v));
}

/**
 * @param {string} text
 * @returns {{ json?: string, stdout?: string, stderr?: string, delayMs?: number, exit?: number, when?: Record<string, unknown>, case?: string }}
 */
function answer(text) {
  if (process.env.FAKE_PWSH_LOG) appendFileSync(process.env.FAKE_PWSH_LOG, `${text}\n----\n`);
  const name = /^# CLUSTERPROBE-SCRIPT:(\S+)/m.exec(text)?.[1];
  if (!name || !dir) return { stderr: `fake-pwsh: no recording for this command (script ${name ?? '?'})\n` };
  let cases;
  try {
    cases = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
  } catch (err) {
    return { stderr: `fake-pwsh: no recordings for ${name}: ${/** @type {Error} */ (err).message}\n` };
  }
  const p = params(text);
  const wanted = process.env.FAKE_PWSH_CASE;
  /** @type {{ json?: string, stdout?: string, stderr?: string, delayMs?: number, exit?: number, when?: Record<string, unknown>, case?: string }[]} */
  const list = cases;
  // FAKE_PWSH_CASE names a case; else the first case whose `when` matches, else the first without one.
  const c = wanted
    ? list.find((x) => x.case === wanted)
    : (list.find((x) => x.when !== undefined && matches(x.when, p)) ?? list.find((x) => x.when === undefined));
  if (!c) return { stderr: `fake-pwsh: no case of ${name} matches ${wanted ?? JSON.stringify(p)}\n` };
  return c;
}

/** @param {string} text */
async function run(text) {
  const c = answer(text);
  if (c.delayMs) await new Promise((r) => setTimeout(r, c.delayMs));
  if (c.exit !== undefined) process.exit(c.exit);
  if (c.stdout !== undefined) process.stdout.write(c.stdout);
  if (c.json !== undefined) process.stdout.write(`CLUSTERPROBE-JSON:${c.json}\n`);
  if (c.stderr) process.stderr.write(c.stderr);
}

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  const d = DELIMITER.exec(line);
  if (!d) {
    command.push(line);
    return;
  }
  const text = command.join('\n');
  command = [];
  pending = pending.then(async () => {
    if (text.trim() !== '') await run(text);
    (d[1] === 'Out' ? process.stdout : process.stderr).write(`${d[2] ?? ''}\n`);
  });
});
rl.on('close', () => void pending.then(() => process.exit(0)));
