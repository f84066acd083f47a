/**
 * The HTML report made for people, as text: the start time in UTC and in the local time where the
 * report was written, the overview picture, "to act on" counts that do not call an unevaluated
 * area clear, and each built-in check's documentation page embedded (safely) so the file stands
 * alone. In Chromium: html-browser.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as html from '../../src/report/html.ts';
import type { Finding, Report } from '../../src/engine/report.ts';
import { FIXTURE_REPORT } from './fixture-report.ts';
import { PAYLOADS } from './hostile-report.ts';

const { renderHtml } = html;

const skipped = (checkId: string): Finding => ({
  checkId,
  area: 'nodes',
  status: 'skipped',
  messageId: 'notWindows',
  message: 'Not evaluated on this machine: this machine runs Linux, not Windows',
  data: {},
  docs: `docs/checks/${checkId}.md`,
});

/** The demo's shape: the nodes area, every check skipped (clusterprobe ran on Linux). */
const NODES_SKIPPED: Report = {
  ...FIXTURE_REPORT,
  findings: [...FIXTURE_REPORT.findings, ...['nodes.reachable', 'nodes.os', 'nodes.features'].map(skipped)],
};

function areaHeading(page: string, area: string): string {
  const m = new RegExp(`<section class="area" data-area="${area}"><h2>(.*?)</h2>`).exec(page);
  assert.ok(m, `no section for ${area}`);
  return m[1]!.replace(/<[^>]+>/g, '');
}

test('an area where every check was skipped is "none evaluated", not "0 to act on"', () => {
  const page = renderHtml(NODES_SKIPPED);
  assert.equal(areaHeading(page, 'nodes'), 'nodes (3 findings, none evaluated: all skipped)');
  assert.ok(!areaHeading(page, 'nodes').includes('to act on'));
});

test('"to act on" is what makes the verdict (error, fail, warn); skipped and waived are counted apart', () => {
  const page = renderHtml(NODES_SKIPPED);
  // storage: a warn and an error; config: a pass and a fail; ad: a skipped and a waived finding.
  assert.equal(areaHeading(page, 'storage'), 'storage (2 findings, 2 to act on)');
  assert.equal(areaHeading(page, 'config'), 'config (2 findings, 1 to act on)');
  assert.equal(areaHeading(page, 'ad'), 'ad (2 findings, 0 to act on, 1 not evaluated, 1 waived)');
});

test('the start time: UTC, and the local time with its offset and zone where the report was written', () => {
  const started = (timeZone: string) =>
    /<dt>Started<\/dt><dd>(.*?)<\/dd>/.exec(renderHtml(FIXTURE_REPORT, { timeZone }))![1]!;
  assert.equal(
    started('Europe/Berlin'),
    '<time datetime="2026-11-25T10:00:00.000Z">2026-11-25 10:00:00 UTC</time>; 2026-11-25 11:00:00 UTC+01:00 (Europe/Berlin) where this report was written<span id="t-viewer" data-iso="2026-11-25T10:00:00.000Z"></span>',
  );
  assert.match(started('Asia/Kolkata'), /; 2026-11-25 15:30:00 UTC\+05:30 \(Asia\/(Kolkata|Calcutta)\) where/);
  assert.match(started('America/New_York'), /; 2026-11-25 05:00:00 UTC-05:00 \(America\/New_York\) where/);
  // Summer time: the offset of that day, not of today.
  assert.match(
    /<dt>Started<\/dt><dd>(.*?)<\/dd>/.exec(
      renderHtml({ ...FIXTURE_REPORT, startedAt: '2026-07-01T10:00:00Z' }, { timeZone: 'Europe/Berlin' }),
    )![1]!,
    /2026-07-01 10:00:00 UTC<\/time>; 2026-07-01 12:00:00 UTC\+02:00 \(Europe\/Berlin\)/,
  );
  assert.match(started('UTC'), /10:00:00 UTC<\/time> \(UTC is also the local time where this report was written\)/);
  assert.ok(!started('UTC').includes('2026-11-25T10:00:00.000Z</'), 'no raw ISO time as the text');
  // A report file edited by hand: shown as it is, escaped.
  const odd = renderHtml({ ...FIXTURE_REPORT, startedAt: PAYLOADS[0] });
  assert.ok(!odd.includes(PAYLOADS[0]));
  assert.ok(odd.includes('<dt>Started</dt><dd>&#60;script&#62;'));
});

test('the overview picture: inline SVG, one labelled bar per area, counts in text, colours by class', () => {
  const page = renderHtml(NODES_SKIPPED);
  const svg = /<svg class="overview"[\s\S]*?<\/svg>/.exec(page)?.[0];
  assert.ok(svg, 'an overview SVG');
  assert.match(
    svg,
    /^<svg class="overview" role="img" aria-label="Findings by area and status: storage: 1 error, 1 warn; config: 1 fail, 1 pass; ad: 1 waived, 1 skipped; nodes: 3 skipped"/,
  );
  assert.match(svg, /<title>Findings by area and status: /);
  const labels = [...svg.matchAll(/<text class="area"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  assert.deepEqual(labels, ['storage', 'config', 'ad', 'nodes'], 'the areas in the order of the sections');
  const counts = [...svg.matchAll(/<text class="n"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  assert.deepEqual(counts, ['1 error, 1 warn', '1 fail, 1 pass', '1 waived, 1 skipped', '3 skipped']);
  assert.equal((svg.match(/<rect class="bar-skipped"/g) ?? []).length, 2);
  assert.match(svg, /<rect class="bar-skipped" x="150.0" y="\d+" width="360.0"[^>]*><title>nodes: 3 skipped<\/title>/);
  assert.ok(!/\sstyle=/.test(svg), 'no style attribute: the CSP would refuse it');
  const style = /<style>([\s\S]*?)<\/style>/.exec(page)![1]!;
  for (const s of ['pass', 'warn', 'fail', 'error', 'waived', 'skipped'])
    assert.ok(style.includes(`.bar-${s}{fill:`), s);
  assert.ok(page.indexOf('<svg class="overview"') < page.indexOf('<main>'), 'the picture comes before the findings');
  assert.ok(!renderHtml({ ...FIXTURE_REPORT, findings: [] }).includes('<svg'), 'no picture of nothing');
});

const DOC = `# config.netbios.name

**Node names are valid NetBIOS names.**

## What it checks

Each node's \`name\` up to its first dot, in this order:

1. longer than 15 characters: \`tooLong\` (fail). Windows
   truncates it;
2. anything else: \`valid\` (pass).

- a bullet
- **the account \`<CLUSTER>$\` exists**, bold across code

\`\`\`powershell
Rename-Computer -NewName 'HV01' -Restart
\`\`\`

| messageId | status | meaning |
| --- | --- | --- |
| \`tooLong\` | fail | over 15 characters, e.g. \`a\\|b\` |
`;

test('a check documentation page is embedded: the finding links to it, the Markdown as a safe subset', () => {
  const page = renderHtml(FIXTURE_REPORT, { docs: { 'config.netbios.name': DOC, 'not.in.report': '# x' } });
  assert.ok(page.includes('<a href="#doc-config.netbios.name">config.netbios.name, in this file</a>'));
  assert.ok(!page.includes('docs/checks/config.netbios.name.md (in clusterprobe'), 'no dead repository path');
  assert.ok(!page.includes('doc-not.in.report'), 'only the pages of checks with a finding');
  const section = /<section id="docs">[\s\S]*?<\/section>/.exec(page)?.[0];
  assert.ok(section);
  assert.equal((section.match(/<details class="doc"/g) ?? []).length, 1, 'once per check, not per finding');
  assert.ok(
    section.includes('<details class="doc" id="doc-config.netbios.name"><summary>config.netbios.name</summary>'),
  );
  for (const fragment of [
    '<h3>config.netbios.name</h3>',
    '<p><strong>Node names are valid NetBIOS names.</strong></p>',
    '<h4>What it checks</h4>',
    '<ol><li>longer than 15 characters: <code>tooLong</code> (fail). Windows truncates it;</li><li>anything else: <code>valid</code> (pass).</li></ol>',
    '<ul><li>a bullet</li><li><strong>the account <code>&#60;CLUSTER&#62;$</code> exists</strong>, bold across code</li></ul>',
    '<pre><code>Rename-Computer -NewName &#39;HV01&#39; -Restart</code></pre>',
    '<thead><tr><th>messageId</th><th>status</th><th>meaning</th></tr></thead>',
    '<tr><td><code>tooLong</code></td><td>fail</td><td>over 15 characters, e.g. <code>a|b</code></td></tr>',
  ])
    assert.ok(section.includes(fragment), fragment);
  // The findings without an embedded page keep the path as text.
  assert.ok(renderHtml(FIXTURE_REPORT).includes('docs/checks/config.netbios.name.md (in clusterprobe'));
});

test('hostile documentation is inert: every payload escaped, in text, code, headings, lists and tables', () => {
  const hostile = [
    `# ${PAYLOADS[0]}`,
    PAYLOADS.join('\n'),
    `- ${PAYLOADS[1]} \`${PAYLOADS[2]}\``,
    `1. **${PAYLOADS[3]}**`,
    `| ${PAYLOADS[4]} | ${PAYLOADS[5]} |\n| --- | --- |\n| \`${PAYLOADS[6]}\` | ${PAYLOADS[7]} |`,
    '| --- |',
    '```',
    PAYLOADS.join('\n'),
    '```',
    `[link](javascript:window.__pwned=9) <a href="https://evil.example/">x</a>`,
  ].join('\n\n');
  const page = renderHtml(FIXTURE_REPORT, { docs: { 'config.netbios.name': hostile, 'ad.ou.same': PAYLOADS[4] } });
  for (const p of PAYLOADS) assert.ok(!page.includes(p), `raw payload in the output: ${p}`);
  const section = /<section id="docs">[\s\S]*?<\/section>/.exec(page)![0];
  const tags = new Set([...section.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1]!.toLowerCase()));
  assert.deepEqual([...tags].sort(), [
    'code',
    'details',
    'div',
    'h2',
    'h3',
    'li',
    'ol',
    'p',
    'pre',
    'section',
    'strong',
    'summary',
    'table',
    'tbody',
    'td',
    'th',
    'thead',
    'tr',
    'ul',
  ]);
  assert.ok(!/<a\s/.test(section), 'no link from a page');
  assert.ok(
    section.includes(
      '[link](javascript:window.__pwned=9) &#60;a href=&#34;https://evil.example/&#34;&#62;x&#60;/a&#62;',
    ),
  );
});

test('the command layer reads the pages of built-in checks, and never a path from a hostile check id', async () => {
  const { checkDocs } = await import('../../src/commands/check-docs.ts');
  const docs = checkDocs({
    findings: [
      ...FIXTURE_REPORT.findings,
      { ...skipped('nodes.reachable') },
      { ...skipped('../../README'), docs: 'docs/checks/../../README.md' },
      { ...skipped('plugin.thing'), docs: 'docs/checks/plugin.thing.md' },
    ],
  });
  assert.deepEqual(Object.keys(docs).sort(), ['config.netbios.name', 'nodes.reachable']);
  assert.equal(
    docs['nodes.reachable'],
    await readFile(new URL('../../docs/checks/nodes.reachable.md', import.meta.url), 'utf8'),
  );
});
