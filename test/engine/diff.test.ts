import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffReports } from '../../src/engine/diff.ts';
import { ReportSchema, type Finding, type Report } from '../../src/engine/report.ts';
import { FIXTURE_REPORT } from '../report/fixture-report.ts';

function f(
  checkId: string,
  subject: string | undefined,
  status: Finding['status'],
  messageId: string = status,
): Finding {
  return {
    checkId,
    area: checkId.split('.')[0]!,
    status,
    messageId,
    ...(subject !== undefined ? { subject } : {}),
    message: `${checkId} ${subject ?? ''} ${status}`,
    data: {},
  };
}

function report(findings: Finding[], startedAt = '2026-11-30T10:00:00.000Z'): Report {
  return { ...FIXTURE_REPORT, startedAt, findings };
}

const changes = (current: Finding[], before: Finding[]) =>
  diffReports(report(current), report(before)).entries.map((e) => [
    e.change,
    e.checkId,
    e.subject ?? null,
    e.previousStatus ?? null,
    e.status ?? null,
  ]);

test('each transition by check id and subject', () => {
  const before = [
    f('a.x', 'n1', 'fail'),
    f('a.x', 'n2', 'pass'),
    f('a.x', 'n3', 'warn'),
    f('a.x', 'n4', 'fail'),
    f('a.x', 'n5', 'warn'),
    f('a.x', 'n6', 'fail'),
    f('a.x', 'n7', 'pass'),
  ];
  const now = [
    f('a.x', 'n1', 'pass'),
    f('a.x', 'n2', 'fail'),
    f('a.x', 'n3', 'fail'),
    f('a.x', 'n4', 'warn'),
    f('a.x', 'n5', 'warn'),
    f('a.x', 'n6', 'skipped'),
    f('a.x', 'n8', 'fail'),
  ];
  assert.deepEqual(changes(now, before), [
    ['fixed', 'a.x', 'n1', 'fail', 'pass'],
    ['regressed', 'a.x', 'n2', 'pass', 'fail'],
    ['regressed', 'a.x', 'n3', 'warn', 'fail'],
    ['changed', 'a.x', 'n4', 'fail', 'warn'],
    ['unchanged', 'a.x', 'n5', 'warn', 'warn'],
    ['changed', 'a.x', 'n6', 'fail', 'skipped'],
    ['new', 'a.x', 'n8', null, 'fail'],
    ['gone', 'a.x', 'n7', 'pass', null],
  ]);
});

test('error counts as a failure; a waived failure is still the failure it was', () => {
  const waived: Finding = {
    ...f('a.x', 'n1', 'waived'),
    waiver: { check: 'a.x', justification: 'j', expires: '2026-12-31', originalStatus: 'fail' },
  };
  assert.deepEqual(changes([f('a.x', 'n0', 'error'), waived], [f('a.x', 'n0', 'pass'), f('a.x', 'n1', 'fail')]), [
    ['regressed', 'a.x', 'n0', 'pass', 'error'],
    ['unchanged', 'a.x', 'n1', 'fail', 'waived'],
  ]);
  assert.deepEqual(changes([f('a.x', 'n1', 'pass')], [waived]), [['fixed', 'a.x', 'n1', 'waived', 'pass']]);
});

test('findings sharing a key pair by messageId first, then in order; the rest are new or gone', () => {
  const before = [
    f('ad.connect', 'ldaps://dc1', 'pass', 'connected'),
    f('ad.connect', 'ldaps://dc1', 'warn', 'insecure'),
  ];
  const now = [f('ad.connect', 'ldaps://dc1', 'warn', 'insecure'), f('ad.connect', 'ldaps://dc1', 'pass', 'connected')];
  assert.deepEqual(
    changes(now, before).map((c) => c[0]),
    ['unchanged', 'unchanged'],
  );
  const fewer = diffReports(report([f('ad.connect', 'ldaps://dc1', 'pass', 'connected')]), report(before));
  assert.deepEqual(
    fewer.entries.map((e) => [e.change, e.messageId]),
    [
      ['unchanged', 'connected'],
      ['gone', 'insecure'],
    ],
  );
  const renamed = diffReports(
    report([f('a.x', 'n1', 'fail', 'tooLong')]),
    report([f('a.x', 'n1', 'fail', 'forbidden')]),
  );
  assert.deepEqual(
    renamed.entries.map((e) => [e.change, e.messageId, e.previousMessageId]),
    [['unchanged', 'tooLong', 'forbidden']],
  );
});

test('a check that did not run this time makes none of its findings gone; no subject is a key too', () => {
  assert.deepEqual(changes([f('a.x', undefined, 'pass')], [f('a.x', undefined, 'fail'), f('b.y', 'n1', 'fail')]), [
    ['fixed', 'a.x', null, 'fail', 'pass'],
  ]);
});

test('counts, the baseline named, the finding index; the result fits the report schema', () => {
  const current = report([f('a.x', 'n1', 'pass'), f('a.x', 'n2', 'fail')], '2026-12-01T10:00:00.000Z');
  const diff = diffReports(current, report([f('a.x', 'n1', 'fail')]));
  assert.deepEqual(diff.counts, { new: 1, fixed: 1, regressed: 0, changed: 0, unchanged: 0, gone: 0 });
  assert.deepEqual(diff.baseline, { startedAt: '2026-11-30T10:00:00.000Z', toolVersion: '9.9.9', verdict: 'fail' });
  assert.deepEqual(
    diff.entries.map((e) => e.finding),
    [0, 1],
  );
  assert.ok(ReportSchema.safeParse({ ...current, diff }).success);
});
