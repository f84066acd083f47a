import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import check from '../../../checks/config/waivers.ts';
import type { Waiver } from '../../../src/config/schema.ts';
import { assertFindings, runCheck, type ExpectedFinding } from '../../helpers/run-check.ts';

const NOW = new Date('2026-06-15T12:00:00Z');

const waiver = (expires: string, extra: Partial<Waiver> = {}): Waiver => ({
  check: 'storage.pr.preempt',
  justification: 'appliance firmware update scheduled, CHG-1234',
  expires,
  ...extra,
});

interface Case {
  readonly name: string;
  readonly now: Date;
  readonly waivers: readonly Waiver[];
  readonly expected: readonly ExpectedFinding[];
}

const cases: readonly Case[] = [
  { name: 'no waivers', now: NOW, waivers: [], expected: [{ status: 'pass', messageId: 'none' }] },
  {
    name: 'an unexpired waiver is active',
    now: NOW,
    waivers: [waiver('2026-12-31')],
    expected: [
      {
        status: 'pass',
        messageId: 'active',
        subject: 'storage.pr.preempt',
        data: {
          check: 'storage.pr.preempt',
          subject: undefined,
          forSubject: '',
          expires: '2026-12-31',
          daysLeft: 200,
          justification: 'appliance firmware update scheduled, CHG-1234',
        },
      },
    ],
  },
  {
    name: 'a waiver for a subject names it',
    now: NOW,
    waivers: [waiver('2026-06-20', { subject: 'LUN 3' })],
    expected: [
      {
        status: 'pass',
        messageId: 'active',
        subject: 'storage.pr.preempt LUN 3',
        data: { subject: 'LUN 3', forSubject: ' on LUN 3', daysLeft: 6 },
      },
    ],
  },
  {
    name: 'a waiver that expires today is still active',
    now: NOW,
    waivers: [waiver('2026-06-15')],
    expected: [{ status: 'pass', messageId: 'active', subject: 'storage.pr.preempt', data: { daysLeft: 1 } }],
  },
  {
    name: 'a waiver that expired yesterday warns',
    now: NOW,
    waivers: [waiver('2026-06-14')],
    expected: [
      {
        status: 'warn',
        messageId: 'expired',
        subject: 'storage.pr.preempt',
        data: { expires: '2026-06-14', daysAgo: 1 },
      },
    ],
  },
  {
    name: 'a waiver that expired long ago warns',
    now: NOW,
    waivers: [waiver('2025-06-15', { check: 'ad.*' })],
    expected: [{ status: 'warn', messageId: 'expired', subject: 'ad.*', data: { check: 'ad.*', daysAgo: 365 } }],
  },
  {
    name: 'expiry is inclusive through the UTC day: last second',
    now: new Date('2026-12-31T23:59:59Z'),
    waivers: [waiver('2026-12-31')],
    expected: [{ status: 'pass', messageId: 'active', subject: 'storage.pr.preempt', data: { daysLeft: 1 } }],
  },
  {
    name: 'expiry is inclusive through the UTC day: the next midnight',
    now: new Date('2027-01-01T00:00:00Z'),
    waivers: [waiver('2026-12-31')],
    expected: [{ status: 'warn', messageId: 'expired', subject: 'storage.pr.preempt', data: { daysAgo: 1 } }],
  },
  {
    name: 'expiry is in UTC, not local time: the first second of the day',
    now: new Date('2026-12-31T00:00:00Z'),
    waivers: [waiver('2026-12-31')],
    expected: [{ status: 'pass', messageId: 'active', subject: 'storage.pr.preempt', data: { daysLeft: 1 } }],
  },
  {
    name: 'one finding per waiver, in order',
    now: NOW,
    waivers: [
      waiver('2026-06-14'),
      waiver('2026-07-01', { check: 'ad.ou.same' }),
      waiver('2026-01-01', { check: 'config.*', subject: 'hv01' }),
    ],
    expected: [
      { status: 'warn', messageId: 'expired', subject: 'storage.pr.preempt' },
      { status: 'pass', messageId: 'active', subject: 'ad.ou.same' },
      { status: 'warn', messageId: 'expired', subject: 'config.* hv01' },
    ],
  },
];

describe('config.waivers.expiry', () => {
  for (const c of cases) {
    it(c.name, async () => {
      assertFindings(await runCheck(check, {}, { now: c.now, waivers: c.waivers }), c.expected);
    });
  }

  it('an expired waiver comes with the way to fix it and the instant it was judged at', async () => {
    const [finding] = await runCheck(check, {}, { now: NOW, waivers: [waiver('2026-06-14')] });
    assert.equal(finding?.status, 'warn');
    assert.ok((finding?.remediation?.steps.length ?? 0) > 0);
    assert.deepEqual(finding?.evidence, { waiver: waiver('2026-06-14'), now: NOW.toISOString() });
  });

  it('an active waiver needs no remediation', async () => {
    const [finding] = await runCheck(check, {}, { now: NOW, waivers: [waiver('2026-12-31')] });
    assert.equal(finding?.remediation, undefined);
  });
});
