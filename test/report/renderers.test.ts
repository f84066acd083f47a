/**
 * Renderers are pure functions of a Report: golden files with colour off. Regenerate after an
 * intended change with UPDATE_GOLDEN=1 and review the diff.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { Chalk } from 'chalk';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { renderTerminal } from '../../src/report/terminal.ts';
import { renderJunit } from '../../src/report/junit.ts';
import { colorLevel } from '../../src/report/color.ts';
import { FIXTURE_REPORT } from './fixture-report.ts';

const plain = new Chalk({ level: 0 });

async function golden(name: string, actual: string) {
  const path = new URL(`../fixtures/golden/${name}`, import.meta.url);
  if (process.env.UPDATE_GOLDEN) await writeFile(path, actual);
  assert.equal(actual, await readFile(path, 'utf8'));
}

test('terminal report matches its golden file', async () => {
  await golden('terminal.txt', renderTerminal(FIXTURE_REPORT, plain));
});

test('JUnit report matches its golden file', async () => {
  await golden('junit.xml', renderJunit(FIXTURE_REPORT));
});

test('terminal: areas in order of appearance, problems first within an area, evidence only for problems', () => {
  const out = renderTerminal(FIXTURE_REPORT, plain);
  const areaOrder = ['CONFIG', 'STORAGE', 'AD'].map((a) => out.indexOf(`\n${a}\n`));
  assert.deepEqual(
    [...areaOrder].sort((a, b) => a - b),
    areaOrder,
  );
  assert.ok(out.indexOf('FAIL   config.netbios.name') < out.indexOf('PASS   config.netbios.name'));
  assert.ok(!out.includes('length: 4'), 'no evidence for a pass');
  assert.ok(
    renderTerminal(FIXTURE_REPORT, plain, { verbose: true }).includes('length: 4'),
    'evidence for a pass with verbose',
  );
  assert.ok(!/\x1b\[/.test(out));
  assert.ok(/\x1b\[/.test(renderTerminal(FIXTURE_REPORT, new Chalk({ level: 1 }))));
});

test('JUnit: valid XML even with markup and control characters in messages; counts per suite', () => {
  const xml = renderJunit(FIXTURE_REPORT);
  assert.equal(XMLValidator.validate(xml), true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as {
    testsuites: Record<string, string>;
  };
  assert.deepEqual(
    [doc.testsuites.tests, doc.testsuites.failures, doc.testsuites.errors, doc.testsuites.skipped],
    ['6', '1', '1', '2'],
  );
  assert.ok(xml.includes('&lt;boom&gt; &amp; &quot;quotes&quot;'));
});

test('colour: NO_COLOR wins, FORCE_COLOR forces, no TTY means none', () => {
  assert.equal(colorLevel({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '3' }), 0);
  assert.equal(colorLevel({ isTTY: false }, { FORCE_COLOR: '1' }), 1);
  assert.equal(colorLevel({ isTTY: true }, { FORCE_COLOR: '0' }), 0);
  assert.equal(colorLevel({ isTTY: false }, {}), 0);
  assert.equal(colorLevel({ isTTY: true }, { NO_COLOR: '' }), 2, 'an empty NO_COLOR does not count');
  assert.equal(colorLevel({ isTTY: true }, { TERM: 'dumb' }), 0);
});

test('terminal: escape sequences and control characters from a server cannot reach the terminal raw', () => {
  const hostile = {
    ...FIXTURE_REPORT,
    findings: [
      {
        ...FIXTURE_REPORT.findings[1]!,
        subject: 'x\x1b[2Jy',
        message: 'a\x1b]0;title\x07b',
        evidence: { v: '\x1b[31mred' },
      },
    ],
  };
  const out = renderTerminal(hostile, plain);
  assert.ok(!out.includes('\x1b'), 'no raw ESC');
  assert.ok(out.includes('x\\x1b[2Jy'));
});
