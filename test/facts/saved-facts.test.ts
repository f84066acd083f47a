/**
 * Facts files written before a field existed still load, and read as they did: the field is
 * derived once, at the facts-file boundary (upgradeSavedFacts, called where `--from-facts` is
 * read), never by a check matching the words of a fact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.ts';
import {
  upgradePrFacts,
  upgradeSavedFacts,
  upgradeStorageFacts,
  type PrDiskFact,
  type StorageFacts,
} from '../../src/facts/index.ts';
import { loginStatus } from '../../src/storage/probe.ts';
import { IscsiMutualChapError, IscsiNegotiationError } from '../../src/iscsi/errors.ts';
import type { Report } from '../../src/engine/report.ts';

/** A storage.pr disk as the previous version wrote it: no `interrupted`, the step's words only. */
function oldDisk(lun: number, got: string): Omit<PrDiskFact, 'interrupted'> {
  return {
    portal: '10.0.0.20:3260',
    target: 'iqn.2026-11.example:csv1',
    lun,
    vendor: 'LIO-ORG',
    product: 'csv1',
    outcome: 'stepFailed',
    failedStep: 'reserveA',
    message: 'the run was interrupted',
    steps: [
      {
        step: 'readKeysBefore',
        by: 'A',
        command: 'PERSISTENT RESERVE IN / READ KEYS',
        ok: true,
        expected: 'a key list',
        got: 'as expected',
      },
      {
        step: 'reserveA',
        by: 'A',
        command: 'PERSISTENT RESERVE OUT / RESERVE type 5',
        ok: false,
        expected: 'GOOD',
        got,
      },
      {
        step: 'readKeysFinal',
        by: 'A',
        command: 'PERSISTENT RESERVE IN / READ KEYS',
        ok: true,
        expected: 'none of our keys',
        got: 'none of ours',
      },
    ],
    keysBefore: [],
    keysLeft: [],
    identities: { A: 'iqn.a', B: 'iqn.b' },
  };
}

test('upgradePrFacts: an old disk interrupted in words gets interrupted: true; a disk with the field keeps it', () => {
  const words = 'not sent: the run was interrupted';
  const up = upgradePrFacts({
    run: '0badcafe',
    disks: [
      oldDisk(1, words),
      oldDisk(2, 'RESERVATION CONFLICT'),
      { ...oldDisk(3, words), interrupted: false },
      { ...oldDisk(4, 'anything'), interrupted: true },
      { ...oldDisk(5, words), outcome: 'supported', failedStep: undefined },
    ],
  }) as { disks: PrDiskFact[] };
  assert.deepEqual(
    up.disks.map((d) => d.interrupted),
    [true, false, false, true, undefined],
  );
  // Not a PR fact: left for the facts' validation to report.
  assert.equal(upgradePrFacts('garbage'), 'garbage');
  assert.deepEqual(upgradePrFacts({ run: 'x', disks: [null, 7] }), { run: 'x', disks: [null, 7] });
  assert.deepEqual(upgradeSavedFacts({ spec: { nodes: [] } }), { spec: { nodes: [] } });
});

test('--from-facts with a facts file of the previous version: the interrupted sequence is still skipped, a real failure still fails', async () => {
  const dir = await tempDir();
  const file = join(dir, 'old-facts.json');
  const spec = {
    cluster: { name: 'HVCLUSTER01', windowsVersion: '2019' },
    nodes: [{ name: 'hv01' }, { name: 'hv02' }],
    storage: { iscsi: [{ portal: '10.0.0.20:3260' }] },
  };
  await writeFile(
    file,
    JSON.stringify({
      schemaVersion: 1,
      tool: { name: 'clusterprobe', version: '0.1.0' },
      savedAt: '2026-12-01T10:00:00.000Z',
      facts: {
        spec,
        'storage.pr': {
          run: '0badcafe',
          disks: [
            oldDisk(1, 'not sent: the run was interrupted'),
            oldDisk(2, 'RESERVATION CONFLICT'),
            { ...oldDisk(3, 'not sent: the run was interrupted'), interrupted: false },
          ],
        },
      },
    }),
  );
  const r = await runCli(['validate', '--from-facts', file, '--only', 'storage.pr.support', '--json']);
  assert.equal(r.code, 3, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.deepEqual(
    report.findings.map((f) => [f.data?.lun, f.status, f.messageId]),
    [
      [1, 'skipped', 'interrupted'],
      [2, 'fail', 'reserveFailed'],
      [3, 'fail', 'reserveFailed'],
    ],
  );
  // The report shows the step's words as before.
  assert.equal(report.findings[0]!.data?.got, 'not sent: the run was interrupted');
});

test('upgradeStorageFacts: an old negotiation failure names mutual CHAP only in words; a login with the field keeps it', () => {
  const login = (over: Record<string, unknown>) => ({
    node: 'hv01',
    initiator: 'iqn.a',
    derived: false,
    chap: 'mutual-chap',
    ...over,
  });
  const up = upgradeStorageFacts({
    identities: [],
    portals: [
      {
        portal: '10.0.0.20:3260',
        targets: [
          {
            name: 'iqn.t',
            logins: [
              login({ status: 'negotiation', message: "x: mutual CHAP: the target's response is wrong" }),
              login({ status: 'negotiation', message: 'x: the target sent no valid CHAP_I/CHAP_C' }),
              login({ status: 'negotiation', negotiation: 'other', message: 'x: mutual CHAP: words' }),
              login({ status: 'ok', luns: [] }),
            ],
          },
        ],
      },
    ],
  }) as StorageFacts;
  assert.deepEqual(
    up.portals[0]!.targets[0]!.logins.map((l) => l.negotiation),
    ['mutualChap', 'other', 'other', undefined],
  );
  assert.equal(upgradeStorageFacts(null), null);
});

test('loginStatus: mutual CHAP is told by the error class the initiator throws, not by its message', () => {
  assert.deepEqual(loginStatus(new IscsiMutualChapError('x: the target identified as "y"')), {
    status: 'negotiation',
    negotiation: 'mutualChap',
    message: 'x: the target identified as "y"',
  });
  assert.equal(loginStatus(new IscsiNegotiationError('x: mutual CHAP: anything')).negotiation, 'other');
});
