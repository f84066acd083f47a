/**
 * The HTML report as text: golden file, escaping of everything that came from outside, the CSP
 * matching the inline style and script, and nothing the browser would fetch. What a browser does
 * with it (no script runs, filters, print, copy) is in html-browser.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { escapeHtml, renderHtml, HTML_CSP } from '../../src/report/html.ts';
import { diffReports } from '../../src/engine/diff.ts';
import type { Report } from '../../src/engine/report.ts';
import { FIXTURE_REPORT } from './fixture-report.ts';
import { HOSTILE_REPORT, PAYLOADS } from './hostile-report.ts';

async function golden(name: string, actual: string) {
  const path = new URL(`../fixtures/golden/${name}`, import.meta.url);
  if (process.env.UPDATE_GOLDEN) await writeFile(path, actual);
  assert.equal(actual, await readFile(path, 'utf8'));
}

const withDiff: Report = {
  ...FIXTURE_REPORT,
  diff: diffReports(FIXTURE_REPORT, {
    ...FIXTURE_REPORT,
    startedAt: '2026-11-24T10:00:00.000Z',
    findings: FIXTURE_REPORT.findings.slice(0, 3).map((f) => ({ ...f, status: 'pass' as const })),
  }),
};

test('HTML report matches its golden file', async () => {
  await golden(
    'report.html',
    renderHtml(withDiff, {
      timeZone: 'Europe/Berlin',
      docs: {
        'config.netbios.name': '# config.netbios.name\n\nNode names are valid **NetBIOS** names: `tooLong` (fail).\n',
      },
    }),
  );
});

test('escapeHtml: markup characters as entities, control characters as \\xNN, newlines kept', () => {
  assert.equal(escapeHtml('<a href="x">\'&\''), '&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;');
  assert.equal(escapeHtml('a\u0000b\u001bc\u009bd\ne\tf'), 'a\\x00b\\x1bc\\x9bd\ne\tf');
});

test('every hostile string is shown as text: no element, attribute or URL comes from the report', () => {
  const html = renderHtml(HOSTILE_REPORT);
  for (const p of PAYLOADS) assert.ok(!html.includes(p), `raw payload in the output: ${p}`);
  // The only tags are the renderer's own.
  const tags = new Set([...html.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1]!.toLowerCase()));
  assert.deepEqual(
    [...tags].sort(),
    [
      'a',
      'body',
      'button',
      'code',
      'dd',
      'details',
      'div',
      'dl',
      'dt',
      'g',
      'h1',
      'h2',
      'h3',
      'head',
      'header',
      'html',
      'input',
      'label',
      'li',
      'link',
      'main',
      'meta',
      'nav',
      'ol',
      'option',
      'p',
      'pre',
      'rect',
      'script',
      'section',
      'select',
      'small',
      'span',
      'style',
      'summary',
      'svg',
      'table',
      'tbody',
      'td',
      'text',
      'th',
      'thead',
      'time',
      'title',
      'tr',
      'ul',
    ].filter((t) => tags.has(t)),
  );
  assert.equal((html.match(/<script/g) ?? []).length, 1, 'one script: ours');
  for (const tag of html.match(/<[a-zA-Z][^>]*>/g) ?? [])
    assert.ok(!/\son[a-z]+\s*=/i.test(tag), `an event-handler attribute: ${tag}`);
  assert.match(
    html,
    /Docs: javascript:alert\(1\) \(in clusterprobe's documentation\)/,
    'a docs value that is not an http(s) URL stays text',
  );
});

test('nothing to fetch: every href is an anchor (a finding, an action of the plan), the empty data: icon, or a documentation URL a finding gave', () => {
  const html = renderHtml(HOSTILE_REPORT);
  const refs = [...html.matchAll(/\b(href|src|action|srcset|poster|data)\s*=\s*"([^"]*)"/g)].map(
    (m) => `${m[1]}=${m[2]}`,
  );
  for (const r of refs) assert.match(r, /^href=(#f-\d+|#a-\d+|data:,|https:\/\/docs\.example\.test\/[^"]*)$/, r);
  assert.ok(!/url\(/i.test(html), 'no CSS url()');
  assert.ok(!/@import/i.test(html));
});

test('the CSP allows exactly the inline style and script by their hashes, and nothing else', () => {
  const html = renderHtml(FIXTURE_REPORT);
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
  const hash = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!;
  assert.equal(csp, HTML_CSP);
  assert.ok(csp.startsWith("default-src 'none';"));
  assert.ok(csp.includes(`style-src ${hash(style)};`), 'style hash');
  assert.ok(csp.includes(`script-src ${hash(script)};`), 'script hash');
  assert.ok(!/unsafe-inline|unsafe-eval|\*/.test(csp));
  assert.ok(
    html.indexOf('Content-Security-Policy') < html.indexOf('<style>'),
    'the policy comes before anything it governs',
  );
});

test('content: verdict, counts, cluster, nodes, domain, portals, version; failures first; waivers; PR steps as a table; commands in blocks', () => {
  const html = renderHtml(HOSTILE_REPORT);
  const plain = renderHtml(FIXTURE_REPORT);
  assert.match(plain, /<h1>FAIL · HVCLUSTER01<\/h1>/);
  for (const s of ['1 error', '1 fail', '1 warn', '1 waived', '1 skipped', '1 pass']) assert.ok(plain.includes(s), s);
  for (const s of ['hv01, hv02', 'lab.example.test', '10.0.0.20:3260', 'clusterprobe 9.9.9', '2008R2', '1.2 s'])
    assert.ok(plain.includes(s), s);
  const order = ['s-error', 's-fail', 's-warn', 's-waived', 's-skipped', 's-pass'].map((c) =>
    plain.indexOf(`class="finding ${c}"`),
  );
  assert.ok(order.every((i) => i > 0));
  assert.ok(
    plain.indexOf('data-area="storage"') < plain.indexOf('data-area="config"'),
    'the area with the error comes first',
  );
  assert.ok(plain.indexOf('class="finding s-fail"') < plain.indexOf('class="finding s-pass"'));
  assert.match(plain, /Waived \(was fail\) until 2026-12-31: moving, ticket 4711/);
  assert.match(html, /<table class="steps">/);
  assert.equal((html.match(/<tr class="bad">/g) ?? []).length, 1, 'the failed step is marked');
  assert.ok(html.includes('05/20/00 INVALID COMMAND OPERATION CODE'));
  assert.match(
    plain,
    /<div class="cmd" data-shell="powershell"><button type="button" class="copy">Copy<\/button><span class="where">PowerShell · on HYPERVHOSTNODE-01A<\/span><pre><code>Rename-Computer -NewName HYPERVHOSTN-01A -Restart<\/code><\/pre><\/div>/,
  );
  assert.match(plain, /<details class="finding s-fail"[^>]* open>/, 'failures are open without JavaScript');
  assert.match(plain, /<nav id="controls" hidden/, 'controls stay hidden without JavaScript');
});

test('the diff panel: counts and links to the findings; each finding marked', () => {
  const html = renderHtml(withDiff);
  assert.match(html, /<section class="diff" id="since"><h2>Since the last run<\/h2>/);
  assert.match(html, /Compared with the run of 2026-11-24T10:00:00.000Z/);
  assert.match(html, /3 new, 0 fixed, 2 regressed, 0 changed, 1 unchanged, 0 gone/);
  assert.match(html, /<a href="#f-1">config.netbios.name · HYPERVHOSTNODE-01A<\/a> \(pass → fail\)/);
  assert.match(html, /id="f-1" data-status="fail" data-area="config" data-change="regressed"/);
  assert.ok(!renderHtml(FIXTURE_REPORT).includes('id="since"'), 'no panel without a baseline');
});

test('5,000 findings render to one file quickly enough to be a non-issue next to the browser', () => {
  const many: Report = {
    ...FIXTURE_REPORT,
    findings: Array.from({ length: 5000 }, (_, i) => ({
      ...FIXTURE_REPORT.findings[i % FIXTURE_REPORT.findings.length]!,
      subject: `node${i}`,
    })),
  };
  const html = renderHtml(many);
  assert.equal((html.match(/<details class="finding /g) ?? []).length, 5000);
  assert.ok(new Set([...html.matchAll(/ id="f-(\d+)"/g)].map((m) => m[1])).size === 5000, 'unique anchors');
});
