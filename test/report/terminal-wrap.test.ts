/**
 * The terminal view fits the terminal: the demo's saved report (test/fixtures/reports/demo.json,
 * written by `npm run demo`) rendered at 80 and 120 columns has no line longer than the width but
 * the commands that cannot fit (never broken: copy-paste must work), continuation lines keep their
 * indent, identical skip reasons fold into one line, and the PR sequence is a table of steps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Chalk } from 'chalk';
import stringWidth from 'string-width';
import type { Report } from '../../src/engine/report.ts';
import { renderTerminal } from '../../src/report/terminal.ts';
import { terminalWidth } from '../../src/report/wrap.ts';

const plain = new Chalk({ level: 0 });
const DEMO = JSON.parse(readFileSync(new URL('../fixtures/reports/demo.json', import.meta.url), 'utf8')) as Report;

/** Every command of every finding, with its prompt, as it must appear whole on one line. */
function commands(report: Report): Set<string> {
  const out = new Set<string>();
  const prompt = { powershell: 'PS>', cmd: 'C:\\>', sh: '$' } as const;
  for (const f of report.findings)
    for (const step of f.remediation?.steps ?? [])
      for (const c of step.commands ?? []) out.add(`${prompt[c.shell]} ${c.command}`);
  return out;
}

/** The lines wider than `width`: each must be one whole command (and nothing else), which is returned. */
function overWidth(text: string, width: number, report: Report): string[] {
  const known = commands(report);
  const over = text.split('\n').filter((l) => stringWidth(l) > width);
  for (const line of over)
    assert.ok(
      known.has(line.trim()),
      `a line of ${stringWidth(line)} columns (> ${width}) that is not a command:\n${line}`,
    );
  return over.map((l) => l.trim());
}

for (const width of [80, 120]) {
  test(`terminal at ${width} columns: no line wider, except whole commands longer than a line can hold`, () => {
    const out = renderTerminal(DEMO, plain, { width });
    const over = overWidth(out, width, DEMO);
    // Exactly the commands that cannot fit even at the smallest indent (2 columns) run over.
    const tooLong = [...commands(DEMO)].filter((c) => stringWidth(c) + 2 > width);
    assert.ok(tooLong.length > 0, 'the demo has commands longer than the width');
    assert.deepEqual([...new Set(over)].sort(), tooLong.sort());
    // Every command is on one line of its own, whole (copy-paste).
    const lines = out.split('\n').map((l) => l.trim());
    for (const c of commands(DEMO))
      assert.ok(
        lines.some((l) => l === c || l.startsWith(`${c}  (on `)),
        `command not whole on one line: ${c}`,
      );
  });
}

test('terminal: wrapped text keeps its hanging indent and breaks between words', () => {
  const out = renderTerminal(DEMO, plain, { width: 80 });
  const message = DEMO.findings.find((f) => f.checkId === 'storage.pr.support' && f.status === 'fail')!.message;
  const lines = out.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`         ${message.slice(0, 60)}`));
  assert.ok(start > 0, 'the message starts under the check id');
  const block: string[] = [];
  for (let i = start; lines[i]!.startsWith('         ') && !lines[i]!.includes('Evidence:'); i += 1)
    block.push(lines[i]!);
  assert.ok(block.length > 1, 'the message is wrapped at 80 columns');
  for (const l of block) assert.match(l, /^ {9}\S/, 'each continuation line is indented under the text');
  assert.equal(block.map((l) => l.trim()).join(' '), message, 'broken at spaces: joined back, the message is whole');
});

test('terminal: identical skip reasons within an area fold into one line naming the checks', () => {
  const out = renderTerminal(DEMO, plain, { width: 100 });
  const skipped = DEMO.findings.filter((f) => f.area === 'nodes' && f.status === 'skipped');
  assert.equal(skipped.length, 7);
  const reason = skipped[0]!.message.slice(0, 40);
  assert.equal(out.split(reason).length - 1, 1, 'the reason is printed once');
  const nodes = out.slice(out.indexOf('\nNODES\n'));
  const skipLines = nodes.split('\n').filter((l) => l.includes('SKIP'));
  assert.equal(skipLines.length, 1, 'one SKIP line for the area');
  const named = nodes.slice(0, nodes.indexOf(reason)).replace(/\s+/g, ' ');
  for (const f of skipped) assert.ok(named.includes(f.checkId), `${f.checkId} is named`);
  // A different reason is not folded in.
  const other = {
    ...DEMO,
    findings: [...DEMO.findings, { ...skipped[0]!, checkId: 'nodes.extra', message: 'another reason' }],
  };
  const twice = renderTerminal(other, plain, { width: 100 });
  assert.equal(
    twice
      .slice(twice.indexOf('\nNODES\n'))
      .split('\n')
      .filter((l) => l.includes('SKIP')).length,
    2,
  );
});

test('terminal: the PR sequence evidence is a table of step, identity and result, not JSON cut with …', () => {
  const out = renderTerminal(DEMO, plain, { width: 100 });
  const start = out.indexOf('FAIL   storage.pr.support');
  const block = out.slice(start, out.indexOf('Fix: Give', start));
  assert.ok(!block.includes('"step"'), 'no JSON of the steps');
  assert.ok(!block.includes('…'), 'nothing cut');
  assert.match(block, /^ {11}# {2}step {12}by {2}result$/m);
  assert.match(
    block,
    /^ {11}1 {2}readKeysBefore {2}A {3}FAILED PERSISTENT RESERVE IN \/ READ KEYS: expected a key list, got$/m,
  );
  assert.match(block, /^ {34}CHECK CONDITION ILLEGAL REQUEST 20\/00 INVALID COMMAND OPERATION\n {34}CODE$/m);
  assert.match(block, /^ {11}2 {2}scsi2Reserve {4}A {3}ok: cannot tell/m);
  assert.match(block, /^ {13}A {2}iqn\.1991-05\.com\.microsoft:hypervhostnode-01a\.lab\.example\.test$/m);
  // A passing sequence, with --verbose: 14 steps, all ok.
  const verbose = renderTerminal(DEMO, plain, { width: 100, verbose: true });
  const pass = verbose.slice(verbose.indexOf('PASS   storage.pr.support'));
  assert.match(pass, /steps \(14\):/);
  assert.match(pass, /^ {11}14 {2}\S+ +[AB] +ok/m);
});

test('terminal: a pipe gets 100 columns, a terminal its own width; colour codes do not count', () => {
  assert.equal(terminalWidth({ isTTY: false, columns: 80 }, {}), 100);
  assert.equal(terminalWidth({}, {}), 100);
  // A pipe into `less` on an 80-column terminal: COLUMNS says so; garbage in it is ignored.
  assert.equal(terminalWidth({ isTTY: false }, { COLUMNS: '80' }), 80);
  assert.equal(terminalWidth({ isTTY: false }, { COLUMNS: 'wide' }), 100);
  assert.equal(terminalWidth({ isTTY: false }, { COLUMNS: '0' }), 100);
  assert.equal(terminalWidth({ isTTY: true, columns: 132 }, { COLUMNS: '80' }), 132);
  assert.equal(terminalWidth({ isTTY: true, columns: 132 }), 132);
  const coloured = renderTerminal(DEMO, new Chalk({ level: 3 }), { width: 80 });
  assert.ok(/\x1b\[/.test(coloured));
  for (const f of DEMO.findings.filter((x) => x.area === 'nodes' && x.status === 'skipped'))
    assert.ok(coloured.includes(`\x1b[1m${f.checkId}\x1b[22m`), `${f.checkId} is bold in the folded line`);
  overWidth(coloured.replace(/\x1b\[[0-9;]*m/g, ''), 80, DEMO);
  assert.equal(
    coloured.replace(/\x1b\[[0-9;]*m/g, ''),
    renderTerminal(DEMO, plain, { width: 80 }),
    'colour changes no line break',
  );
});
