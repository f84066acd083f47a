/**
 * The engine's escape guard against a real tgt: a plugin (named in the spec's `plugins:`) whose
 * probes let exceptions escape (one from a timer, one as an unhandled rejection) at the moment the
 * storage probe's reservation keys are on the LUNs. The plugin's checks record `error`, the
 * storage checks pass, no key of ours is left (read with libiscsi's prtool, an initiator
 * independent of ours), the report is written, the exit code is 1, the terminal gets one line per
 * escaped probe and no stack; with --debug the stack is in the evidence.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { startTgt, iscsiUrl, type TgtLab } from '../lab/tgt.ts';
import { prKeys, prReservation } from '../lab/libiscsi.ts';
import { ROOT, runCli, tempFiles, type CliResult } from '../helpers/cli.ts';
import { IscsiSession } from '../../src/iscsi/index.ts';
import { ScsiDevice } from '../../src/scsi/device.ts';
import type { Report } from '../../src/engine/report.ts';

const T = 'iqn.2026-11.test:guard-disks';
const LUNS = 16;
const PLUGIN = join(ROOT, 'test/fixtures/plugins/escape-on-trigger.js');
const STACK_FRAME = /\n\s+at |\.js:\d+:\d+/;
let lab: TgtLab;

before(async () => {
  lab = await startTgt();
  const t = await lab.addTarget(T);
  for (let lun = 1; lun <= LUNS; lun += 1) await lab.addLun(t, lun, { sizeMiB: 1 });
  await lab.bindAll(t);
});

after(async () => {
  await lab?.stop();
});

/**
 * Runs validate on the spec with the plugin; the moment a key of the run is registered on one of
 * the LUNs (seen by a session of our own), creates the trigger file the plugin's probes wait for.
 */
async function runWithEscapes(extra: readonly string[]): Promise<{ r: CliResult; fired: boolean }> {
  const dir = await tempFiles({
    'c.yaml': `plugins: [${JSON.stringify(PLUGIN)}]\nnodes:\n  - { name: hv01, iqn: iqn.1991-05.com.microsoft:hv01.lab.example.test }\n  - { name: hv02, iqn: iqn.1991-05.com.microsoft:hv02.lab.example.test }\nstorage:\n  iscsi:\n    - portal: ${lab.portal}\n      targets: [${T}]\n`,
  });
  const trigger = join(dir, 'trigger');
  let fired = false;
  const watch = async (child: ChildProcess) => {
    const watcher = await IscsiSession.open({
      portal: lab.portal,
      initiatorName: 'iqn.2026-11.test.watcher:w',
      targetName: T,
    });
    try {
      for (let round = 0; round < 20_000 && !fired && child.exitCode === null; round += 1) {
        const keys = await new ScsiDevice(watcher, (round % LUNS) + 1)
          .prReadKeys()
          .catch(() => ({ keys: [] as bigint[] }));
        if (keys.keys.some((k) => k >> 40n === 0x435052n)) {
          fired = true;
          await writeFile(trigger, 'now');
        }
      }
    } finally {
      await watcher.close();
    }
  };
  let watching: Promise<void> | undefined;
  const r = await runCli(
    ['validate', '--config', join(dir, 'c.yaml'), '--only', 'storage.pr.*,test.escape.*', '--timeout', '60', ...extra],
    {
      env: { CP_TEST_TRIGGER: trigger, NO_COLOR: '1' },
      timeoutMs: 120_000,
      onSpawn: (child) => {
        watching = watch(child);
      },
    },
  );
  await watching;
  await rm(dir, { recursive: true, force: true });
  return { r, fired };
}

async function assertNoKeyLeft(): Promise<void> {
  for (let lun = 1; lun <= LUNS; lun += 1) {
    const url = iscsiUrl(lab.portal, T, lun);
    const keys = (await prKeys(url, 'iqn.2026-11.test.independent:reader')).keys;
    assert.deepEqual(keys, [], `LUN ${lun}: ${keys.join(', ')}`);
    assert.equal((await prReservation(url, 'iqn.2026-11.test.independent:reader')).key, null, `LUN ${lun} reservation`);
  }
}

test('plugin probes that throw from a timer and reject unhandled mid-PR-sequence: their checks error, the storage checks pass, no key left, report written, exit 1, one line each and no stack', async () => {
  const out = await tempFiles({});
  const junit = join(out, 'run.xml');
  const html = join(out, 'run.html');
  const { r, fired } = await runWithEscapes(['--junit', junit, '--html', html]);
  assert.ok(fired, 'the probes were triggered while a key of the run was registered');
  assert.equal(r.code, 1, r.stderr.slice(-3000));

  // The terminal: the two plugin checks in error, every storage check passing.
  assert.match(r.stdout, /ERROR\s+test\.escape\.timer/);
  assert.match(r.stdout, /ERROR\s+test\.escape\.rejection/);
  assert.equal((r.stdout.match(/PASS\s+storage\.pr\.support/g) ?? []).length, LUNS, r.stdout);
  assert.doesNotMatch(r.stdout, /FAIL/);
  // One line per escaped probe, naming it; no stack anywhere.
  const lines = r.stderr.split('\n').filter((l) => l.includes('an exception escaped'));
  assert.equal(lines.length, 2, r.stderr);
  assert.ok(
    lines.some((l) => l.includes('probe "test.escape.timer"') && l.includes('uncaughtException') && l.includes(PLUGIN)),
    lines.join('\n'),
  );
  assert.ok(
    lines.some((l) => l.includes('probe "test.escape.rejection"') && l.includes('unhandledRejection')),
    lines.join('\n'),
  );
  for (const [where, text] of [
    ['stdout', r.stdout],
    ['stderr', r.stderr],
    ['junit', await readFile(junit, 'utf8')],
    ['html', await readFile(html, 'utf8')],
  ] as const) {
    assert.doesNotMatch(text, STACK_FRAME, `a stack in ${where}`);
  }
  assert.match(await readFile(junit, 'utf8'), /test\.escape\.timer/);
  await assertNoKeyLeft();
});

test('the same run as --json --debug: engineProbeEscaped findings with the stack in evidence; the storage checks pass; no key left', async () => {
  const { r, fired } = await runWithEscapes(['--json', '--debug']);
  assert.ok(fired);
  assert.equal(r.code, 1, r.stderr.slice(-3000));
  const report = JSON.parse(r.stdout) as Report;
  const storage = report.findings.filter((f) => f.checkId === 'storage.pr.support');
  assert.equal(storage.length, LUNS);
  assert.ok(
    storage.every((f) => f.status === 'pass' && f.messageId === 'supported'),
    JSON.stringify(storage.map((f) => [f.subject, f.messageId])),
  );
  const byId = new Map(report.findings.filter((f) => f.area === 'test').map((f) => [f.checkId, f]));
  assert.deepEqual([...byId.keys()].sort(), ['test.escape.rejection', 'test.escape.timer']);
  const timer = byId.get('test.escape.timer')!;
  assert.deepEqual(
    [timer.status, timer.messageId, timer.data.fact, timer.data.origin, timer.data.plugin],
    ['error', 'engineProbeEscaped', 'test.escape.timer', 'uncaughtException', PLUGIN],
  );
  assert.match(
    String(timer.evidence?.stack),
    /TypeError: plugin probe threw from a timer\n\s+at .*escape-on-trigger\.js/,
  );
  const rejection = byId.get('test.escape.rejection')!;
  assert.deepEqual(
    [rejection.status, rejection.messageId, rejection.data.origin],
    ['error', 'engineProbeEscaped', 'unhandledRejection'],
  );
  assert.match(
    String(rejection.evidence?.stack),
    /RangeError: plugin probe rejected unhandled\n\s+at .*escape-on-trigger\.js/,
  );
  assert.match(timer.remediation?.summary ?? '', /bug in plugin/);
  await assertNoKeyLeft();
});
