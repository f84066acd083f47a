/**
 * The HTML report with 5,000 findings in headless Chromium (Debian's, through playwright-core):
 * the render time in clusterprobe, the file size, and in the browser the time to first
 * contentful paint, DOMContentLoaded and load, and how long a filter click takes to apply.
 * Medians of runs; each run a fresh page.
 *
 *   sh scripts/with-node.sh node bench/html.ts [RUNS] [FINDINGS]
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderHtml } from '../src/report/html.ts';
import { diffReports } from '../src/engine/diff.ts';
import { summarise, type Finding, type Report } from '../src/engine/report.ts';
import { FIXTURE_REPORT } from '../test/report/fixture-report.ts';
import { launchChromium } from '../test/helpers/browser.ts';

const runs = Number(process.argv[2] ?? 5);
const count = Number(process.argv[3] ?? 5000);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

// What a storage finding really carries: the eleven-step PR sequence as evidence.
const steps = [
  'reportCapabilities',
  'readKeys',
  'registerA',
  'registerB',
  'reserveA',
  'readReservationB',
  'preemptB',
  'readKeysAfterPreempt',
  'releaseB',
  'unregister',
  'readKeysFinal',
].map((step, i) => ({
  step,
  by: i % 2 ? 'B' : 'A',
  command: `PR ${i < 2 ? 'IN' : 'OUT'} / ${step.toUpperCase()}`,
  ok: true,
  expected: 'GOOD',
  got: 'GOOD',
}));
const pr: Finding = {
  checkId: 'storage.pr.support',
  area: 'storage',
  status: 'pass',
  messageId: 'supported',
  subject: 'iqn.2026-11.bench:storage1 LUN 1',
  message: 'passes the failover-cluster persistent reservation sequence (11 steps)',
  data: {},
  evidence: {
    steps,
    keysBefore: [],
    keysLeft: [],
    capabilities: {
      crh: true,
      sipC: false,
      atpC: false,
      ptplC: false,
      tmv: true,
      types: ['WE', 'EA', 'WERO', 'EARO', 'WEAR', 'EAAR'],
    },
  },
  docs: 'docs/checks/storage.pr.support.md',
};
const templates = [
  ...FIXTURE_REPORT.findings,
  pr,
  {
    ...pr,
    status: 'fail' as const,
    messageId: 'notImplemented',
    evidence: {
      steps: steps.map((s, i) =>
        i === 0
          ? {
              ...s,
              ok: false,
              got: 'CHECK CONDITION',
              sense: { senseKey: 5, asc: 0x20, ascq: 0, name: 'INVALID COMMAND OPERATION CODE' },
            }
          : s,
      ),
    },
    remediation: FIXTURE_REPORT.findings[1]!.remediation!,
  },
];
const findings = Array.from({ length: count }, (_, i) => ({
  ...templates[i % templates.length]!,
  subject: `node${String(i).padStart(5, '0')}`,
}));
const current: Report = { ...FIXTURE_REPORT, findings, summary: summarise(findings) };
const report: Report = {
  ...current,
  diff: diffReports(current, { ...current, findings: findings.filter((_, i) => i % 7 !== 0) }),
};

const renderStarted = performance.now();
const html = renderHtml(report);
const renderMs = performance.now() - renderStarted;
const dir = mkdtempSync(join(tmpdir(), 'cp-bench-html-'));
const file = join(dir, 'report.html');
writeFileSync(file, html);
if (process.env.KEEP) writeFileSync(process.env.KEEP, html);

const browser = await launchChromium();
try {
  const fcp: number[] = [];
  const dcl: number[] = [];
  const load: number[] = [];
  const filter: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const page = await browser.newPage();
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    const t = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const paint = performance.getEntriesByName('first-contentful-paint')[0];
      return { dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, fcp: paint ? paint.startTime : Number.NaN };
    });
    fcp.push(t.fcp);
    dcl.push(t.dcl);
    load.push(t.load);
    filter.push(
      await page.evaluate(() => {
        const box = document.querySelector<HTMLInputElement>('input[name=status][value=pass]')!;
        const started = performance.now();
        box.click();
        document.body.getBoundingClientRect(); // force the layout the click causes
        return performance.now() - started;
      }),
    );
    await page.close();
  }
  process.stdout.write(
    `${JSON.stringify({ findings: count, runs, bytes: html.length, renderMs: Math.round(renderMs), firstContentfulPaintMs: Math.round(median(fcp)), domContentLoadedMs: Math.round(median(dcl)), loadMs: Math.round(median(load)), filterClickMs: Math.round(median(filter)) })}\n`,
  );
} finally {
  await browser.close();
}
