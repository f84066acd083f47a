import { test } from 'node:test';
import assert from 'node:assert/strict';
import check, { parseGeneralizedTime } from '../../../checks/ad/time-skew.ts';
import { runCheck, assertFindings, commandsOf } from '../../helpers/run-check.ts';
import { adFacts, node } from './facts.ts';

/** The facts with the DC's currentTime `seconds` away from the local 2026-11-25T12:00:00Z. */
function skewed(seconds: number, over: Parameters<typeof adFacts>[0] = {}) {
  const dc = new Date(Date.parse('2026-11-25T12:00:00.000Z') + seconds * 1000);
  const gt = dc
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.(\d)\d*Z$/, '.$1Z');
  const base = adFacts()['ad.directory'];
  return adFacts({ rootDse: { ...base.rootDse, currentTime: gt }, ...over });
}

test('generalized time is parsed strictly', () => {
  assert.equal(parseGeneralizedTime('20261125113832.0Z'), Date.parse('2026-11-25T11:38:32.000Z'));
  assert.equal(parseGeneralizedTime('20261125113832Z'), Date.parse('2026-11-25T11:38:32.000Z'));
  assert.equal(parseGeneralizedTime('20261125113832.25Z'), Date.parse('2026-11-25T11:38:32.250Z'));
  assert.equal(parseGeneralizedTime('20261125133832.0+0200'), Date.parse('2026-11-25T11:38:32.000Z'));
  assert.equal(parseGeneralizedTime('20240229000000.0Z'), Date.parse('2024-02-29T00:00:00.000Z'));
  for (const bad of [
    '',
    'garbage',
    '2026-11-25T11:38:32Z',
    '20261125113832.0',
    '20261325113832.0Z',
    '20261131113832.0Z',
    '20250229000000.0Z',
    '20261125243832.0Z',
    '20261125116032.0Z',
    '20261125113832.0+2400',
    ' 20261125113832.0Z',
    '20261125113832.0Zjunk',
  ]) {
    assert.equal(parseGeneralizedTime(bad), null, bad);
  }
});

test('generalized time: the years 0 to 99 are those years, not 19xx (the calendar psInstant uses too)', () => {
  const at = (year: number, month: number, day: number) => {
    const d = new Date(0);
    d.setUTCFullYear(year, month - 1, day);
    return d.getTime();
  };
  assert.equal(parseGeneralizedTime('00500101000000Z'), at(50, 1, 1));
  // Year 0 is a leap year (divisible by 400); 1900 is not.
  assert.equal(parseGeneralizedTime('00000229000000Z'), at(0, 2, 29));
  assert.equal(parseGeneralizedTime('00990229000000Z'), null);
});

test('within 60 s passes, beyond warns, beyond 5 minutes fails', async () => {
  const table: [number, string, string][] = [
    [0, 'pass', 'inSync'],
    [-60, 'pass', 'inSync'],
    [61, 'warn', 'skewed'],
    [-299, 'warn', 'skewed'],
    [300, 'warn', 'skewed'],
    [301, 'fail', 'kerberosSkew'],
    [-3600, 'fail', 'kerberosSkew'],
  ];
  for (const [seconds, status, messageId] of table) {
    const findings = await runCheck(check, skewed(seconds));
    assertFindings(findings, [
      {
        status: status as 'pass',
        messageId,
        subject: 'dc1.lab.example.test',
        data: { skewSeconds: seconds, absSeconds: Math.abs(seconds) },
      },
    ]);
  }
  const [behind] = await runCheck(check, skewed(-400));
  assert.equal(behind!.data.direction, 'behind');
  const [ahead] = await runCheck(check, skewed(400));
  assert.equal(ahead!.data.direction, 'ahead of');
});

test('the fix names w32tm on the PDC emulator, chrony, and one command per node', async () => {
  const [f] = await runCheck(check, skewed(900, { nodes: [node('hv01'), node('hv02')] }));
  const cmds = commandsOf(f);
  assert.ok(cmds.includes('w32tm /query /status'));
  assert.ok(cmds.includes('w32tm /config /manualpeerlist:"pool.ntp.org" /syncfromflags:manual /reliable:yes /update'));
  assert.ok(cmds.some((c) => c.includes('chronyc tracking')));
  const perNode = f!
    .remediation!.steps.flatMap((s) => s.commands ?? [])
    .filter(
      (c) =>
        c.command === 'w32tm /stripchart /computer:"dc1.lab.example.test" /samples:3 /dataonly' &&
        (c.runOn === 'hv01' || c.runOn === 'hv02'),
    );
  assert.equal(perNode.length, 2);
});

test("garbage in currentTime or localTime: the check says it can't tell, it does not crash", async () => {
  for (const currentTime of ['garbage', '20261325113832.0Z', '']) {
    const base = adFacts()['ad.directory'];
    const findings = await runCheck(check, adFacts({ rootDse: { ...base.rootDse, currentTime } }));
    assertFindings(findings, [
      {
        status: 'warn',
        messageId: 'unreadable',
        subject: 'dc1.lab.example.test',
        data: { value: currentTime === '' ? '' : currentTime },
      },
    ]);
  }
  const base = adFacts()['ad.directory'];
  const { currentTime: _omit, ...noTime } = base.rootDse!;
  assertFindings(await runCheck(check, adFacts({ rootDse: noTime })), [
    { status: 'warn', messageId: 'unreadable', subject: 'dc1.lab.example.test', data: { value: '(absent)' } },
  ]);
  assertFindings(await runCheck(check, adFacts({ localTime: 'yesterday' })), [
    { status: 'warn', messageId: 'unreadable', subject: 'dc1.lab.example.test', data: { value: 'yesterday' } },
  ]);
});

test('no rootDSE read, and no activeDirectory section', async () => {
  assertFindings(await runCheck(check, adFacts({ rootDse: undefined, connection: undefined })), [
    { status: 'skipped', messageId: 'notRead', subject: 'lab.example.test', data: { dc: 'lab.example.test' } },
  ]);
  assertFindings(await runCheck(check, { 'ad.directory': null, spec: { nodes: [] } }), [
    { status: 'skipped', messageId: 'notConfigured' },
  ]);
});
