/**
 * Asking for a secret on the terminal without echoing it. Only offered when stdin and stderr are
 * TTYs; the prompt goes to stderr so stdout stays clean for --json.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { Prompter } from './secrets.ts';

export function terminalPrompter(): Prompter | undefined {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return (question) =>
    new Promise((resolve) => {
      let muted = false;
      const output = new Writable({
        write(chunk: Buffer, _enc, done) {
          if (!muted) process.stderr.write(chunk);
          done();
        },
      });
      const rl = createInterface({ input: process.stdin, output, terminal: true });
      rl.question(question, (answer) => {
        rl.close();
        process.stderr.write('\n');
        resolve(answer);
      });
      muted = true;
    });
}
