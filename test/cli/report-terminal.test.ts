/**
 * The terminal view through the built CLI in a real terminal (tmux, test/helpers/terminal.ts):
 * `clusterprobe report --from` the demo's saved report wraps to the pane's width (80 and 120
 * columns, read back with soft-wrapped lines joined), the plan ("What to do, in order") included,
 * and a pipe gets 100 columns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import stringWidth from 'string-width';
import type { Report } from '../../src/engine/report.ts';
import { ROOT, runCli } from '../helpers/cli.ts';
import { startCliTerminal } from '../helpers/terminal.ts';

const FILE = join(ROOT, 'test/fixtures/reports/demo.json');
const DEMO = JSON.parse(readFileSync(FILE, 'utf8')) as Report;
const PROMPT = { powershell: 'PS>', cmd: 'C:\\>', sh: '$' } as const;
const COMMANDS = new Set(
  DEMO.findings.flatMap((f) =>
    (f.remediation?.steps ?? []).flatMap((s) => (s.commands ?? []).map((c) => `${PROMPT[c.shell]} ${c.command}`)),
  ),
);

/** The lines wider than `width`; each must be a whole command and nothing else. */
function overWidth(text: string, width: number): string[] {
  const over = text.split('\n').filter((l) => stringWidth(l.trimEnd()) > width);
  for (const line of over) assert.ok(COMMANDS.has(line.trim()), `wider than ${width} and not a command:\n${line}`);
  return over;
}

/** The lines of "What to do, in order", up to the blank line before the summary. */
function planSection(log: string): string[] {
  const lines = log.split('\n');
  const start = lines.findIndex((l) => l.startsWith('What to do, in order'));
  assert.ok(start > 0, `no plan section:\n${log}`);
  return lines.slice(start, lines.indexOf('', start));
}

for (const width of [80, 120]) {
  test(`report --from in a ${width}-column terminal: no line wider than the pane but whole commands`, async () => {
    const term = await startCliTerminal(['report', '--from', FILE], { width, height: 50 });
    try {
      assert.equal(await term.exitCode(), 0, await term.log());
      // capture-pane -J joins the lines the terminal folded: what the program printed, line by line.
      const log = await term.log();
      assert.match(log, /^NODES$/m);
      assert.match(log, /^FAIL 10 failed/m);
      const over = overWidth(log, width);
      const tooLong = [...COMMANDS].filter((c) => stringWidth(c) + 2 > width);
      assert.equal(over.length > 0, tooLong.length > 0);
      for (const line of over) assert.ok(tooLong.includes(line.trim()), `${line.trim()} would fit at 2 columns`);
      // The wrapping happened: the longest message fits only on several lines.
      assert.ok(log.split('\n').length > DEMO.findings.length * 2);
      // The plan ends the findings, every line of it within the pane (it has no command to keep whole).
      const plan = planSection(log);
      assert.equal(plan[0], 'What to do, in order (4 actions clear 8 failures)');
      for (const [i, a] of DEMO.plan!.actions.entries())
        assert.ok(
          plan.some((l) => l.startsWith(`  ${i + 1}. ${a.title.slice(0, 20)}`)),
          `action ${i + 1}:\n${log}`,
        );
      for (const l of plan) assert.ok(stringWidth(l.trimEnd()) <= width, `wider than ${width}:\n${l}`);
    } finally {
      await term.close();
    }
  });
}

test('report --from into a pipe: 100 columns, no colour', async () => {
  const r = await runCli(['report', '--from', FILE]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes('\x1b'));
  overWidth(r.stdout, 100);
  for (const l of planSection(r.stdout)) assert.ok(stringWidth(l) <= 100, l);
  assert.ok(
    r.stdout.split('\n').some((l) => stringWidth(l) > 90),
    'lines are filled up to 100 columns, not wrapped narrower',
  );
});
