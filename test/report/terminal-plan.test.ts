/**
 * "What to do, in order" at the end of the terminal view: the plan of the demo's saved report
 * (test/fixtures/reports/demo.json, written by `npm run demo`: 10 failures, 4 actions), one
 * numbered entry per action in plan order with where it runs, its flags and the findings it
 * clears; a plan that could not be ordered is one warning line; no action, no section. And the
 * counts the terminal and HTML views share (src/report/plan-view.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Chalk } from 'chalk';
import stringWidth from 'string-width';
import type { Finding, PlannedAction, Report } from '../../src/engine/report.ts';
import { renderTerminal } from '../../src/report/terminal.ts';
import { chalkFor } from '../../src/report/color.ts';
import { planCounts, planHeading } from '../../src/report/plan-view.ts';

const plain = new Chalk({ level: 0 });
const DEMO = JSON.parse(readFileSync(new URL('../fixtures/reports/demo.json', import.meta.url), 'utf8')) as Report;

/** The plan section of a rendered report: from its title to the blank line before the summary, no-break spaces as spaces. */
function section(text: string): string[] {
  const lines = text.replace(/\u00a0/g, ' ').split('\n');
  const start = lines.findIndex((l) => l.startsWith('What to do, in order'));
  if (start < 0) return [];
  const end = lines.indexOf('', start);
  return lines.slice(start, end);
}

/** The entries of the section: each numbered line with the lines under it joined. */
function entries(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const l of lines.slice(1)) {
    if (/^ {2}\d+\. /.test(l)) out.push(l.trim());
    else if (/^ {5}/.test(l) && out.length > 0) out[out.length - 1] += ` ${l.trim()}`;
  }
  return out;
}

test('the demo: "What to do, in order" after the findings, before the summary, with the counts', () => {
  const text = renderTerminal(DEMO, plain, { width: 100 });
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith('What to do, in order'));
  assert.ok(at > 0, 'the section is there');
  assert.equal(lines[at], 'What to do, in order (4 actions clear 8 failures)');
  assert.ok(at > lines.findIndex((l) => l === 'NODES'), 'after the last area');
  assert.ok(at < lines.findIndex((l) => l.startsWith('FAIL 10 failed')), 'before the summary');
  assert.equal(lines[at - 1], '', 'set apart by a blank line');
});

test('the demo: one entry per action in plan order, where it runs, its flags, the findings it clears', () => {
  const list = entries(section(renderTerminal(DEMO, plain, { width: 100 })));
  assert.equal(list.length, DEMO.plan!.actions.length);
  DEMO.plan!.actions.forEach((a, i) => assert.ok(list[i]!.startsWith(`${i + 1}. ${a.title}`), list[i]));
  assert.equal(
    list[0],
    '1. Leave mixed mode: raise lab.example.test to Windows Server 2003 (irreversible) on a domain controller, irreversible; clears ad.domain.functional-level (lab.example.test)',
  );
  assert.equal(
    list[1],
    '2. Rename HYPERVHOSTNODE-01A to HYPERVHOSTN-01A on node HYPERVHOSTNODE-01A, restarts the node; clears config.netbios.name (HYPERVHOSTNODE-01A), config.netbios.collision (HYPERVHOSTNODE-), ad.netbios.name (HYPERVHOSTNODE-01A), ad.netbios.collision (HYPERVHOSTNODE-)',
  );
  assert.match(list[2]!, /^3\. Rename HYPERVHOSTNODE-01B .*; clears config\.netbios\.name \(HYPERVHOSTNODE-01B\), /);
  assert.equal(
    list[3],
    '4. Move hv03 to OU=HyperV,OU=Servers,DC=lab,DC=example,DC=test on a domain controller; clears ad.ou.placement (hv03)',
  );
  // No commands here: the findings above carry them.
  assert.ok(!section(renderTerminal(DEMO, plain)).some((l) => /PS>|\$ |C:\\>/.test(l)));
  const lines = section(renderTerminal(DEMO, plain));
  assert.ok(
    lines.includes('  2 failures are not in the plan: see their findings for what to decide.'),
    lines.join('\n'),
  );
  assert.match(
    lines.join(' ').replace(/ +/g, ' '),
    / clusterprobe fix --from report\.json \(this report saved with --json\) writes a script that applies it\.$/,
  );
});

test('the section wraps: at 40, 80 and 120 columns no line is wider, a check id and its subject stay together', () => {
  for (const width of [40, 80, 120]) {
    const lines = section(renderTerminal(DEMO, plain, { width }));
    assert.ok(lines.length > 4);
    for (const l of lines) assert.ok(stringWidth(l) <= width, `${stringWidth(l)} > ${width}: ${l}`);
    for (const l of lines.slice(1)) assert.match(l, /^ {2}/, `indented: ${l}`);
    if (width === 80) assert.ok(lines.includes('     ad.netbios.collision (HYPERVHOSTNODE-)'), lines.join('\n'));
  }
});

test('a plan that could not be ordered is one warning line; no action or no plan, no section', () => {
  const error = 'a cycle among the actions: a -> b -> a';
  const broken = renderTerminal({ ...DEMO, plan: { actions: [], error } }, plain);
  assert.deepEqual(
    broken.split('\n').filter((l) => l.includes('What to do')),
    [`WARN What to do, in order: no order could be given: ${error}`],
  );
  assert.ok(!/^ {2}1\. /m.test(broken));
  for (const report of [
    { ...DEMO, plan: { actions: [] } },
    { ...DEMO, plan: undefined },
  ]) {
    const text = renderTerminal(report, plain);
    assert.ok(!text.includes('What to do'), 'no section');
    assert.ok(!text.includes('clusterprobe fix'), 'no pointer to a script of nothing');
    assert.match(text, /\n\nFAIL 10 failed.*\n$/, 'the summary follows the findings as before');
  }
});

test('colour: the title bold, the flags coloured; NO_COLOR leaves no escape; report text is cleaned', () => {
  const coloured = renderTerminal(DEMO, new Chalk({ level: 1 }));
  assert.ok(coloured.includes('\x1b[33mrestarts the node\x1b[39m'));
  assert.ok(coloured.includes('\x1b[1mMove hv03 to OU=HyperV,OU=Servers,DC=lab,DC=example,DC=test\x1b[22m'));
  const noColor = renderTerminal(DEMO, chalkFor({ isTTY: true }, { NO_COLOR: '1', TERM: 'xterm' }));
  assert.ok(!noColor.includes('\x1b'));
  assert.ok(noColor.includes('What to do, in order (4 actions clear 8 failures)'));
  const a = DEMO.plan!.actions[0]!;
  const hostile: Report = {
    ...DEMO,
    plan: {
      actions: [
        {
          ...a,
          title: 'Raise\x1b[2J\nnow',
          runsOn: 'node:HV\x1b]0;x\x07',
          resolves: [{ finding: 20, checkId: 'ad.domain.functional-level', subject: 'lab\x1b[31m' }],
        },
      ],
    },
  };
  const lines = section(renderTerminal(hostile, new Chalk({ level: 0 })));
  assert.ok(!lines.join('\n').includes('\x1b'), lines.join('\n'));
  assert.deepEqual(entries(lines), [
    '1. Raise\\x1b[2J ⏎ now on node HV\\x1b]0;x\\x07, irreversible; clears ad.domain.functional-level (lab\\x1b[31m)',
  ]);
});

const finding = (status: Finding['status']): Finding => ({
  checkId: 'x.y',
  area: 'x',
  status,
  messageId: 'm',
  message: 'm',
  data: {},
});
const action = (key: string, finding: number[]): PlannedAction => ({
  key,
  title: key,
  runsOn: 'dc',
  steps: [{ text: 'do it' }],
  restart: false,
  reversible: true,
  disruption: 'none',
  dependsOn: [],
  resolves: finding.map((i) => ({ finding: i, checkId: 'x.y' })),
});

test('the counts: distinct findings, failures (fail and error) apart from warnings, singular and plural', () => {
  const findings = [finding('fail'), finding('error'), finding('warn'), finding('fail'), finding('warn')];
  const report = (actions: PlannedAction[]): Report => ({ ...DEMO, findings, plan: { actions } });
  const heading = (actions: PlannedAction[]) => planHeading(planCounts(report(actions)));
  assert.equal(heading([action('a', [0])]), '1 action clears 1 failure');
  // Two actions resolving the same finding clear it once.
  assert.equal(heading([action('a', [0, 1]), action('b', [1])]), '2 actions clear 2 failures');
  assert.equal(heading([action('a', [2])]), '1 action clears 1 warning');
  assert.equal(heading([action('a', [0, 2, 4]), action('b', [4])]), '2 actions clear 1 failure and 2 warnings');
  // An index past the findings (a hand-edited file) counts as nothing.
  assert.equal(heading([action('a', [0, 99])]), '1 action clears 1 failure');
  assert.equal(planCounts(report([action('a', [0])])).failuresOutside, 2);
  assert.equal(planCounts(DEMO).failuresOutside, 2);
  assert.deepEqual(planCounts(DEMO), { actions: 4, failures: 8, warnings: 0, failuresOutside: 2 });
});
