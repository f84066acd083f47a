/**
 * The plan at the top of the HTML report, as text: "N actions clear M failures" counted right,
 * the actions in plan order with where they run, their flags, the findings they clear as links to
 * those findings, what they wait for and why, and their commands with copy buttons; everything
 * escaped. In Chromium: html-browser.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderHtml } from '../../src/report/html.ts';
import type { PlannedAction, Report } from '../../src/engine/report.ts';
import { FIXTURE_REPORT } from './fixture-report.ts';
import { HOSTILE_REPORT, PAYLOADS } from './hostile-report.ts';

const DEMO = JSON.parse(readFileSync(new URL('../fixtures/reports/demo.json', import.meta.url), 'utf8')) as Report;

function planSection(page: string): string {
  const m = /<section class="plan" id="plan">[\s\S]*?<\/section>/.exec(page);
  assert.ok(m, 'a plan section');
  return m[0];
}

function text(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .trim();
}

test('the demo: "4 actions clear 8 failures" first, above the picture, the details and the findings', () => {
  const page = renderHtml(DEMO);
  const plan = planSection(page);
  assert.equal(text(/<h2>(.*?)<\/h2>/.exec(plan)![1]!), '4 actions clear 8 failures');
  assert.match(plan, /2 failures are not in the plan: see their findings for what to decide\./);
  assert.match(
    plan,
    /<code>clusterprobe fix --from report\.json<\/code> \(this report saved with <code>--json<\/code>\) writes the plan as one script/,
  );
  const at = page.indexOf('<section class="plan"');
  assert.ok(at > page.indexOf('<header class="verdict'), 'after the verdict');
  assert.ok(at < page.indexOf('<svg class="overview"'), 'above the picture');
  assert.ok(at < page.indexOf('<dl class="meta">'));
  assert.ok(at < page.indexOf('<details class="finding'), 'above the findings');
});

test('the demo: each action in plan order with where it runs, its flags and the findings it clears as links', () => {
  const page = renderHtml(DEMO);
  const plan = planSection(page);
  const keys = [...plan.matchAll(/<li class="action" id="a-(\d+)" data-key="([^"]*)">/g)];
  assert.deepEqual(
    keys.map((m) => [Number(m[1]), m[2]]),
    DEMO.plan!.actions.map((a, i) => [i + 1, a.key]),
  );
  const items = plan.split('<li class="action"').slice(1);
  items.forEach((item, i) => {
    const a = DEMO.plan!.actions[i]!;
    assert.equal(text(/<h3>(.*?)<\/h3>/.exec(item)![1]!), a.title);
    // Each finding it clears is a link to that finding, which is in the page.
    const links = [...item.matchAll(/<a href="#f-(\d+)">(.*?)<\/a>/g)];
    assert.deepEqual(
      links.map((l) => Number(l[1])),
      a.resolves.map((r) => r.finding),
    );
    for (const [, n, name] of links) {
      assert.ok(page.includes(`<details class="finding s-fail" id="f-${n}"`), `finding ${n} in the page`);
      assert.equal(text(name!), `${DEMO.findings[Number(n)]!.checkId} · ${DEMO.findings[Number(n)]!.subject}`);
    }
    // Its commands, each labelled with its shell, each with a copy button.
    const commands = a.steps.flatMap((s) => s.commands ?? []);
    assert.ok(commands.length > 0);
    const blocks = [
      ...item.matchAll(
        /<div class="cmd" data-shell="(\w+)"><button type="button" class="copy">Copy<\/button><span class="where">(.*?)<\/span><pre><code>(.*?)<\/code><\/pre><\/div>/gs,
      ),
    ];
    assert.deepEqual(
      blocks.map((b) => [b[1], text(b[3]!)]),
      commands.map((c) => [c.shell, c.command]),
    );
  });
  assert.equal(text(/<p class="runs">(.*?)<\/p>/.exec(items[0]!)![1]!), 'on a domain controller irreversible');
  assert.match(items[0]!, /<span class="flag fl-irreversible">irreversible<\/span>/);
  assert.match(
    items[1]!,
    /<p class="runs">on node HYPERVHOSTNODE-01A <span class="flag fl-restart">restarts the node<\/span><\/p>/,
  );
  assert.ok(!items[3]!.includes('class="flag'), 'no flag where none applies');
  // The dependency: a link to the action it waits for, with why.
  assert.equal(
    text(/<div class="after">(.*?)<\/div>/s.exec(items[1]!)![1]!),
    'After:1. Leave mixed mode: raise lab.example.test to Windows Server 2003 (irreversible): the irreversible, domain-wide change comes first, so that no computer account is written twice',
  );
  assert.match(items[1]!, /<div class="after">After:<ul><li><a href="#a-1">1\. /);
  assert.ok(!items[0]!.includes('class="after"'), 'no "After" for an action that waits for nothing');
});

const finding = (status: 'fail' | 'warn' | 'error', i: number) => ({
  checkId: `x.c${i}`,
  area: 'x',
  status,
  messageId: 'm',
  message: 'm',
  data: {},
});
const action = (key: string, resolves: number[]): PlannedAction => ({
  key,
  title: key,
  runsOn: 'storage',
  steps: [{ text: 'do it', commands: [{ shell: 'sh', command: `echo ${key}` }] }],
  restart: false,
  reversible: true,
  disruption: 'none',
  dependsOn: [],
  resolves: resolves.map((i) => ({ finding: i, checkId: `x.c${i}` })),
});

test('the heading counts distinct findings, failures (fail, error) apart from warnings, singular and plural', () => {
  const findings = [finding('fail', 0), finding('error', 1), finding('warn', 2), finding('fail', 3)];
  const heading = (actions: PlannedAction[]) =>
    text(/<h2>(.*?)<\/h2>/.exec(planSection(renderHtml({ ...FIXTURE_REPORT, findings, plan: { actions } })))![1]!);
  assert.equal(heading([action('a', [0])]), '1 action clears 1 failure');
  assert.equal(heading([action('a', [0, 1]), action('b', [1, 0])]), '2 actions clear 2 failures');
  assert.equal(heading([action('a', [0]), action('b', [1]), action('c', [3])]), '3 actions clear 3 failures');
  assert.equal(heading([action('a', [2])]), '1 action clears 1 warning');
  assert.equal(heading([action('a', [0, 2])]), '1 action clears 1 failure and 1 warning');
});

test('a plan that could not be ordered says why; an empty plan or none shows no section', () => {
  const page = renderHtml({ ...FIXTURE_REPORT, plan: { actions: [], error: `cycle ${PAYLOADS[0]}` } });
  assert.match(
    planSection(page),
    /<p class="plan-error">No order could be given: cycle &#60;script&#62;window.__pwned=1&#60;\/script&#62;<\/p>/,
  );
  assert.ok(!page.includes('class="actions"'));
  for (const report of [{ ...FIXTURE_REPORT, plan: { actions: [] } }, FIXTURE_REPORT])
    assert.ok(!renderHtml(report).includes('class="plan"'));
});

test('hostile strings in the plan are text: key, title, node, step, command, subject, why', () => {
  const plan = planSection(renderHtml(HOSTILE_REPORT));
  for (const p of PAYLOADS) assert.ok(!plan.includes(p), `raw payload in the plan: ${p}`);
  assert.ok(!plan.includes('<svg'), 'the key is an escaped attribute value');
  assert.ok(plan.includes('data-key="rename-node:&#34;&#62;&#60;svg/onload=window.__pwned=7&#62;"'));
  const shown = text(plan);
  for (const s of [
    `Rename ${PAYLOADS[0]}`,
    `on node ${PAYLOADS[2]}`,
    PAYLOADS[3],
    `Rename-Computer ${PAYLOADS[4]}`,
    `PowerShell · on ${PAYLOADS[5]}`,
    `config.netbios.name · ${PAYLOADS[6]}`,
    PAYLOADS[7],
    `targetcli ${PAYLOADS[1]}`,
    `1. Rename ${PAYLOADS[0]}: ${PAYLOADS[5]}`,
  ])
    assert.ok(shown.includes(s), `shown as text: ${s}`);
  assert.match(plan, /restarts the node.*irreversible.*cluster outage/s);
  assert.match(plan, /<span class="flag fl-disruption">storage outage<\/span>/);
});

test('a finding the report lacks (an index past them, another check there) is named, not linked', () => {
  const resolves = [
    { finding: 1, checkId: 'config.netbios.name', subject: 'HYPERVHOSTNODE-01A' },
    { finding: 42, checkId: 'x.gone' },
    { finding: 0, checkId: 'x.other' },
  ];
  const plan = planSection(renderHtml({ ...FIXTURE_REPORT, plan: { actions: [{ ...action('a', []), resolves }] } }));
  assert.match(
    plan,
    /Clears <a href="#f-1">config\.netbios\.name <span class="subject">· HYPERVHOSTNODE-01A<\/span><\/a>, x\.gone, x\.other<\/p>/,
  );
});
