/**
 * The HTML report in a real browser (Debian's Chromium, headless): no string from the report
 * runs, nothing is fetched, the CSP admits our own script and style and nothing complains, it
 * reads without JavaScript, the filters, search and copy buttons work with it, printing expands
 * everything, and dark mode follows the system. The plan comes first, its commands copy (or are
 * selected without the clipboard API), and it prints.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import type { Report } from '../../src/engine/report.ts';
import { renderHtml } from '../../src/report/html.ts';
import { HOSTILE_REPORT, PAYLOADS } from './hostile-report.ts';
import { FIXTURE_REPORT } from './fixture-report.ts';
import { launchChromium, NO_CHROMIUM } from '../helpers/browser.ts';

/** The demo's saved report (`npm run demo`): 10 failures, a plan of 4 actions. */
const DEMO = JSON.parse(readFileSync(new URL('../fixtures/reports/demo.json', import.meta.url), 'utf8')) as Report;

let browser: Browser;
let dir: string;

before(async () => {
  if (NO_CHROMIUM) return;
  browser = await launchChromium();
  dir = await mkdtemp(join(tmpdir(), 'cp-html-'));
});

after(async () => {
  await browser?.close();
});

interface Opened {
  readonly page: Page;
  readonly requests: string[];
  readonly console: string[];
  readonly violations: () => Promise<string[]>;
}

async function open(html: string, options: BrowserContextOptions = {}, init?: () => void): Promise<Opened> {
  const file = join(dir, `r-${Math.random().toString(36).slice(2)}.html`);
  await writeFile(file, html);
  const context = await browser.newContext(options);
  await context.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  const requests: string[] = [];
  const console: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => console.push(`${m.type()}: ${m.text()}`));
  page.on('dialog', (d) => {
    console.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  return {
    page,
    requests,
    console,
    violations: () => page.evaluate(() => (window as unknown as { __violations?: string[] }).__violations ?? []),
  };
}

const skip = { skip: NO_CHROMIUM };

test(
  'a hostile report: nothing from it runs, nothing is fetched, no CSP violation, and the payloads read as text',
  skip,
  async () => {
    // The embedded documentation carries the payloads too, in every construct of the subset.
    const doc = [
      `# ${PAYLOADS[0]}`,
      PAYLOADS.join('\n'),
      `- ${PAYLOADS[1]} \`${PAYLOADS[2]}\``,
      `| ${PAYLOADS[3]} |\n| --- |\n| ${PAYLOADS[4]} |`,
      '```',
      PAYLOADS.join('\n'),
      '```',
    ].join('\n\n');
    const o = await open(renderHtml(HOSTILE_REPORT, { docs: { 'config.netbios.name': doc } }));
    assert.equal(await o.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.deepEqual(
      o.requests.filter((u) => !u.startsWith('file://')),
      [],
      'no request but the file itself',
    );
    assert.equal(o.requests.length, 1, o.requests.join('\n'));
    assert.deepEqual(
      await o.violations(),
      [],
      'no CSP violation: our own script and style are admitted by hash, and there is nothing else',
    );
    assert.deepEqual(
      o.console.filter((m) => !m.startsWith('debug')),
      [],
    );
    assert.equal(await o.page.locator('#controls').isVisible(), true, 'our script ran');
    const text = await o.page.locator('body').innerText();
    for (const p of PAYLOADS) assert.ok(text.includes(p), `shown as text: ${p}`);
    await o.page.locator('#docs details.doc').evaluate((d) => ((d as HTMLDetailsElement).open = true));
    const docText = await o.page.locator('#docs .md').innerText();
    for (const p of PAYLOADS) assert.ok(docText.includes(p), `shown as text in the embedded page: ${p}`);
    assert.equal(await o.page.locator('svg:not(.overview), iframe, img, link[rel=stylesheet]').count(), 0);
    assert.equal(await o.page.locator('svg.overview').count(), 1, 'the one SVG is our picture');
    assert.equal(await o.page.locator('body').isVisible(), true, 'an injected style did not hide the page');
    await o.page.context().close();
  },
);

test('without JavaScript: every finding is there, problems open, no controls, no dead copy buttons', skip, async () => {
  const o = await open(renderHtml(FIXTURE_REPORT), { javaScriptEnabled: false });
  assert.equal(await o.page.locator('details.finding').count(), FIXTURE_REPORT.findings.length);
  assert.equal(await o.page.locator('#controls').isVisible(), false);
  assert.equal(
    await o.page.locator('button.copy:visible').count(),
    0,
    'copy buttons show only when the script can make them work',
  );
  assert.equal(await o.page.locator('details.finding.s-fail').getAttribute('open'), '');
  assert.equal(
    await o.page.locator('details.finding.s-fail .fix code').first().isVisible(),
    true,
    'the fix of a failure is readable at once',
  );
  assert.equal(await o.page.locator('details.finding.s-pass').getAttribute('open'), null);
  await o.page.context().close();
});

test('filters by status and area, text search, expand all; the count follows', skip, async () => {
  const many = {
    ...FIXTURE_REPORT,
    findings: Array.from({ length: 60 }, (_, i) => ({ ...FIXTURE_REPORT.findings[i % 6]!, subject: `node${i}` })),
  };
  const { page } = await open(renderHtml(many));
  const visible = () => page.locator('details.finding:visible').count();
  assert.equal(await visible(), 60);
  assert.equal(await page.locator('#f-shown').innerText(), '60 of 60 shown');
  await page.locator('input[name=status][value=pass]').uncheck();
  assert.equal(await visible(), 50);
  assert.equal(await page.locator('details.finding.s-pass:visible').count(), 0);
  await page.locator('#f-area').selectOption('storage');
  assert.equal(await visible(), 20);
  assert.equal(
    await page.locator('section.area[data-area=config]').isVisible(),
    false,
    'an area with nothing to show is hidden',
  );
  await page.locator('#f-area').selectOption('');
  await page.locator('#f-text').fill('node7');
  // Subjects run node0..node59, so "node7" matches one finding (a failure: 7 % 6 = 1).
  await page.waitForFunction(() => document.getElementById('f-shown')!.textContent === '1 of 60 shown');
  assert.deepEqual(await page.locator('details.finding:visible .subject').allTextContents(), ['· node7']);
  await page.locator('#f-text').fill('');
  await page.locator('input[name=status][value=pass]').check();
  await page.waitForFunction(() => document.getElementById('f-shown')!.textContent === '60 of 60 shown');
  await page.locator('#f-open').click();
  assert.equal(await page.locator('details.finding:not([open])').count(), 0);
  await page.locator('#f-close').click();
  assert.equal(await page.locator('details.finding[open]').count(), 0);
  await page.context().close();
});

test('a copy button next to every command puts exactly that command on the clipboard', skip, async () => {
  const { page } = await open(renderHtml(HOSTILE_REPORT), { permissions: ['clipboard-read', 'clipboard-write'] });
  assert.equal(await page.locator('button.copy:visible').count(), await page.locator('.cmd').count());
  const cmd = page.locator('.cmd').filter({ hasText: 'tgtadm' }).first();
  await cmd.locator('button.copy').click();
  await page.waitForFunction(() => [...document.querySelectorAll('button.copy')].some((b) => b.textContent !== 'Copy'));
  const clip = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(clip, `tgtadm ${PAYLOADS[4]}`);
  await page.context().close();
});

test('printing: everything expanded, controls and buttons gone', skip, async () => {
  for (const javaScriptEnabled of [false, true]) {
    const { page } = await open(renderHtml(FIXTURE_REPORT), { javaScriptEnabled });
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('#controls').isVisible(), false);
    assert.equal(
      await page
        .locator('button.copy')
        .first()
        .isVisible()
        .catch(() => false),
      false,
    );
    // The evidence of a closed pass finding, inside two closed <details>, is laid out for print.
    const evidence = page.locator('details.finding.s-pass details.evidence pre').first();
    const box = await evidence.boundingBox();
    assert.ok(box && box.height > 0, `evidence laid out in print (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`);
    await page.context().close();
  }
});

test('dark mode follows the system setting', skip, async () => {
  const bg = async (colorScheme: 'light' | 'dark') => {
    const { page } = await open(renderHtml(FIXTURE_REPORT), { colorScheme });
    const color = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.context().close();
    return color;
  };
  assert.equal(await bg('light'), 'rgb(255, 255, 255)');
  assert.equal(await bg('dark'), 'rgb(13, 17, 23)');
});

test(
  'without JavaScript: the overview picture, the time in UTC and where it was written, the counts, the docs',
  skip,
  async () => {
    const report = {
      ...FIXTURE_REPORT,
      findings: [
        ...FIXTURE_REPORT.findings,
        ...['nodes.reachable', 'nodes.os'].map((checkId) => ({
          checkId,
          area: 'nodes',
          status: 'skipped' as const,
          messageId: 'notWindows',
          message: 'Not evaluated on this machine',
          data: {},
        })),
      ],
    };
    const o = await open(
      renderHtml(report, {
        timeZone: 'America/New_York',
        docs: {
          'config.netbios.name': '# config.netbios.name\n\n## What it checks\n\nEach node name, `tooLong` over 15.\n',
        },
      }),
      { javaScriptEnabled: false },
    );
    const { page } = o;
    const svg = page.locator('svg.overview');
    assert.equal(await svg.isVisible(), true, 'the picture is drawn without script');
    const box = await svg.boundingBox();
    assert.ok(box && box.width > 300 && box.height > 50, JSON.stringify(box));
    assert.equal(
      await svg.getAttribute('aria-label'),
      'Findings by area and status: storage: 1 error, 1 warn; config: 1 fail, 1 pass; ad: 1 waived, 1 skipped; nodes: 2 skipped',
    );
    assert.deepEqual(await svg.locator('text.n').allTextContents(), [
      '1 error, 1 warn',
      '1 fail, 1 pass',
      '1 waived, 1 skipped',
      '2 skipped',
    ]);
    // The bars are coloured by the stylesheet the CSP admits (a refused style would leave them black).
    const fill = await svg.locator('rect.bar-fail').evaluate((r) => getComputedStyle(r).fill);
    assert.equal(fill, 'rgb(207, 34, 46)');
    assert.deepEqual(await o.violations(), []);
    assert.equal(
      await page.locator('section.area[data-area=nodes] h2').innerText(),
      'nodes (2 findings, none evaluated: all skipped)',
    );
    assert.equal(
      await page.locator('dl.meta dd').filter({ hasText: 'UTC' }).innerText(),
      '2026-11-25 10:00:00 UTC; 2026-11-25 05:00:00 UTC-05:00 (America/New_York) where this report was written',
    );
    // The docs link leads to the page inside the file, which opens.
    const link = page.locator('details.finding.s-fail .docs a');
    assert.equal(await link.innerText(), 'config.netbios.name, in this file');
    await link.click();
    // Without script the link lands on the page's summary line, in view; a click opens it.
    const doc = page.locator('#doc-config\\.netbios\\.name');
    const [top, height, scrolled] = await doc.evaluate((d) => [
      d.getBoundingClientRect().top,
      window.innerHeight,
      window.scrollY,
    ]);
    assert.ok(scrolled > 0 && top >= 0 && top < height - 20, `scrolled to the page: ${top} of ${height}`);
    await doc.locator('summary').click();
    assert.equal(await page.locator('#docs .md h4').innerText(), 'What it checks');
    await page.context().close();
  },
);

test('with JavaScript: a docs link opens the embedded page it leads to', skip, async () => {
  const { page } = await open(
    renderHtml(FIXTURE_REPORT, { docs: { 'config.netbios.name': '## What it checks\n\nx' } }),
  );
  const doc = page.locator('#doc-config\\.netbios\\.name');
  assert.equal(await doc.getAttribute('open'), null);
  await page.locator('details.finding.s-fail .docs a').click();
  await page.waitForFunction(() => document.getElementById('doc-config.netbios.name')!.hasAttribute('open'));
  assert.equal(await page.locator('#docs .md h4').isVisible(), true);
  await page.context().close();
});

test("with JavaScript: the viewer's own local time is added, within the CSP", skip, async () => {
  const o = await open(renderHtml(FIXTURE_REPORT, { timeZone: 'UTC' }), { timezoneId: 'Asia/Tokyo' });
  assert.equal(
    await o.page.locator('dl.meta dd').filter({ hasText: 'UTC' }).innerText(),
    '2026-11-25 10:00:00 UTC (UTC is also the local time where this report was written); 2026-11-25 19:00:00 UTC+09:00 where you are reading this',
  );
  assert.deepEqual(await o.violations(), []);
  await o.page.context().close();
});

/** The top of an element in the page (not the viewport), or -1 when it has no box. */
async function top(page: Page, selector: string): Promise<number> {
  const box = await page.locator(selector).first().boundingBox();
  return box ? box.y + (await page.evaluate(() => window.scrollY)) : -1;
}

test('the plan first: above the overview picture and the findings, with JavaScript and without', skip, async () => {
  const commands = DEMO.plan!.actions.flatMap((a) => a.steps.flatMap((st) => st.commands ?? [])).length;
  for (const javaScriptEnabled of [true, false]) {
    const o = await open(renderHtml(DEMO), { javaScriptEnabled });
    const { page } = o;
    const on = `JavaScript ${javaScriptEnabled ? 'on' : 'off'}`;
    assert.equal(await page.locator('#plan').isVisible(), true, on);
    assert.equal(await page.locator('#plan h2').innerText(), '4 actions clear 8 failures');
    assert.deepEqual(
      await page.locator('#plan li.action > h3').allInnerTexts(),
      DEMO.plan!.actions.map((a) => a.title),
    );
    const plan = await top(page, '#plan');
    const svg = await top(page, 'svg.overview');
    assert.ok(plan > 0 && svg > plan, `the plan (${plan}) above the picture (${svg}), ${on}`);
    assert.ok((await top(page, 'details.finding')) > svg, `the findings below both, ${on}`);
    assert.equal(await page.locator('svg.overview').isVisible(), true, `the picture is drawn, ${on}`);
    // The commands are text to select; the buttons show only when the script can make them work.
    assert.equal(await page.locator('#plan .cmd code').first().isVisible(), true);
    assert.equal(await page.locator('#plan button.copy:visible').count(), javaScriptEnabled ? commands : 0, on);
    assert.equal(await page.locator('#plan .cmd').count(), commands);
    assert.deepEqual(await o.violations(), [], `no CSP violation, ${on}`);
    assert.deepEqual(
      o.console.filter((m) => !m.startsWith('debug')),
      [],
    );
    await page.context().close();
  }
});

test('the plan links: a finding it clears, the action it waits for', skip, async () => {
  const { page } = await open(renderHtml(DEMO));
  await page.locator('#a-2 .clears a').first().click();
  assert.equal(await page.evaluate(() => location.hash), '#f-0');
  const finding = page.locator('#f-0');
  assert.equal(await finding.getAttribute('open'), '');
  assert.equal(await finding.locator('.id').innerText(), 'config.netbios.name');
  await page.locator('#a-2 .after a').click();
  assert.equal(await page.evaluate(() => location.hash), '#a-1');
  await page.context().close();
});

test('Copy in the plan puts exactly that command on the clipboard, within the CSP', skip, async () => {
  const o = await open(renderHtml(DEMO), { permissions: ['clipboard-read', 'clipboard-write'] });
  const { page } = o;
  const rename = DEMO.plan!.actions[1]!.steps[0]!.commands!;
  const block = page.locator('#a-2 .cmd').nth(1);
  assert.equal(await block.locator('.where').innerText(), `cmd · on ${rename[1]!.runOn}`);
  await block.locator('button.copy').click();
  await page.waitForFunction(
    () => document.querySelector('#a-2 .cmd:nth-of-type(2) button.copy')?.textContent === 'Copied',
  );
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), rename[1]!.command);
  assert.deepEqual(await o.violations(), []);
  await page.context().close();
});

test('without the clipboard API, Copy selects the command for Ctrl+C', skip, async () => {
  const hide = () =>
    Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined, configurable: true });
  const o = await open(renderHtml(HOSTILE_REPORT), {}, hide);
  const { page } = o;
  assert.equal(await page.evaluate(() => navigator.clipboard === undefined), true);
  await page.locator('#plan .cmd button.copy').first().click();
  assert.equal(await page.evaluate(() => window.getSelection()!.toString()), `Rename-Computer ${PAYLOADS[4]}`);
  assert.notEqual(
    await page.locator('#plan .cmd button.copy').first().innerText(),
    'Copy',
    'the button says what happened',
  );
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  assert.deepEqual(await o.violations(), []);
  await page.context().close();
});

test('hostile strings in the plan are inert and read as text, its copy too', skip, async () => {
  const o = await open(renderHtml(HOSTILE_REPORT), { permissions: ['clipboard-read', 'clipboard-write'] });
  const { page } = o;
  const plan = await page.locator('#plan').innerText();
  for (const p of [PAYLOADS[0], PAYLOADS[2], PAYLOADS[3], PAYLOADS[4], PAYLOADS[5], PAYLOADS[6], PAYLOADS[7]])
    assert.ok(plan.includes(p), `shown as text: ${p}`);
  assert.equal(
    await page.locator('#plan li.action').first().getAttribute('data-key'),
    'rename-node:"><svg/onload=window.__pwned=7>',
  );
  await page.locator('#plan .cmd button.copy').nth(1).click();
  await page.waitForFunction(() =>
    [...document.querySelectorAll('#plan button.copy')].some((b) => b.textContent !== 'Copy'),
  );
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `targetcli ${PAYLOADS[1]}`);
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  assert.equal(await page.locator('#plan svg, #plan script, #plan iframe, #plan img').count(), 0);
  assert.deepEqual(await o.violations(), []);
  await page.context().close();
});

test('printing keeps the plan, hides its buttons, keeps each action on one page where it can', skip, async () => {
  for (const javaScriptEnabled of [false, true]) {
    const { page } = await open(renderHtml(DEMO), { javaScriptEnabled });
    await page.emulateMedia({ media: 'print' });
    const on = `JavaScript ${javaScriptEnabled ? 'on' : 'off'}`;
    assert.equal(await page.locator('#plan').isVisible(), true, on);
    assert.equal(await page.locator('#plan li.action').count(), 4);
    for (const a of await page.locator('#plan li.action').all()) assert.equal(await a.isVisible(), true, on);
    assert.equal(await page.locator('#plan .cmd code').first().isVisible(), true);
    assert.equal(await page.locator('#plan button.copy:visible').count(), 0, `no button on paper, ${on}`);
    assert.equal(
      await page
        .locator('#plan li.action')
        .first()
        .evaluate((li) => getComputedStyle(li).breakInside),
      'avoid-page',
    );
    assert.ok((await top(page, '#plan')) < (await top(page, 'svg.overview')), `still first, ${on}`);
    await page.context().close();
  }
});
