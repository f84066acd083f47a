/**
 * The one reader of what ConvertTo-Json writes (src/windows/ps-json.ts), and the two paths that
 * use it: the same PowerShell value must read the same through nodes.facts (node-facts.ts) and
 * the ActiveDirectory-module scripts (ad-facts.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { BAD_TIME_ID, parseNodeFacts } from '../../src/windows/node-facts.ts';
import type { NodeFacts } from '../../src/facts/nodes.ts';
import { adDirectoryScript } from '../../src/windows/ad-facts.ts';
import {
  isPsInvalid,
  psBytes,
  psInstant,
  psInt,
  psList,
  psSid,
  psUnwrap,
  type PsInvalid,
  type PsInvalidReason,
} from '../../src/windows/ps-json.ts';

const AD_RECORDINGS = new URL('../fixtures/powershell/ad/ad.directory.json', import.meta.url);
const SAMBA = new URL('../fixtures/samba/', import.meta.url);
const samba = JSON.parse(readFileSync(new URL('index.json', SAMBA), 'utf8')) as { domainSid: string };

/** One node's object as nodes.facts returns it, with `boot` as its LastBootUpTime. */
function nodeWith(over: Record<string, unknown>): NodeFacts {
  const [out] = parseNodeFacts({
    PSComputerName: 'hv01',
    ComputerName: 'HV01',
    Features: [],
    Processors: [],
    Adapters: [],
    Problems: [],
    ...over,
  });
  assert.ok(out && 'facts' in out, JSON.stringify(out));
  return out.facts;
}
const bootOf = (boot: unknown) =>
  nodeWith({
    OS: {
      Caption: 'Microsoft Windows Server 2019 Datacenter',
      Version: '10.0.17763',
      BuildNumber: '17763',
      LastBootUpTime: boot,
    },
  });

/** The ad.directory value of case healthy-7 with `localTime` replaced. */
function localTimeOf(time: unknown): string | null | undefined {
  const cases = JSON.parse(readFileSync(AD_RECORDINGS, 'utf8')) as { case: string; json: string }[];
  const value = (JSON.parse(cases.find((c) => c.case === 'healthy-7')!.json) as { value: Record<string, unknown> })
    .value;
  return adDirectoryScript.parse({ ...value, localTime: time }).localTime;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

test('a DateTime reads the same through the nodes path and the AD path, a time without a zone on neither', () => {
  const values: unknown[] = [
    '/Date(1795842137487)/',
    '/Date(1795842137487+0100)/',
    { value: '/Date(1795842137487)/', DisplayHint: 2, DateTime: 'Saturday, November 28, 2026 6:02:17 AM' },
    '2026-11-28T06:02:17.4875+01:00',
    '2026-11-28T05:02:17.4875000Z',
    // A DateTime of Kind Unspecified: ToString('o') and pwsh 7's ConvertTo-Json write no zone.
    '2026-11-28T05:02:17.4875000',
    '2026-11-28T05:02:17',
    // Names no instant: the nodes path threw RangeError on the first (every node lost) and
    // dropped the whole node on the second, where the AD path keeps the text.
    '/Date(999999999999999999)/',
    'yesterday',
  ];
  for (const v of values) {
    const ad = localTimeOf(v);
    const node = bootOf(v);
    if (typeof ad === 'string' && ISO_UTC.test(ad))
      assert.equal(node.os?.lastBootUpTime, ad, `${JSON.stringify(v)}: the same instant`);
    else {
      assert.equal(node.os?.lastBootUpTime, null, `${JSON.stringify(v)}: the AD path places no instant (${ad})`);
      const problem = node.problems.find((p) => p.section === 'os');
      assert.equal(problem?.id, BAD_TIME_ID, `${JSON.stringify(v)}: said, not dropped`);
      assert.match(
        problem.message,
        /^\d{4}-/.test(String(v)) ? /^LastBootUpTime: a time with no zone/ : /^LastBootUpTime: not a time/,
      );
      assert.equal(node.os?.caption, 'Microsoft Windows Server 2019 Datacenter', 'the rest of the node is read');
    }
  }
  assert.equal(localTimeOf('2026-11-28T05:02:17'), '2026-11-28T05:02:17', 'the AD path keeps the text');
});

test("only 5.1's exact {value, Count} wrapper is a list, on the nodes path as on the AD path", () => {
  const adapter = { Name: 'Ethernet', Description: 'Intel(R) Ethernet', Speed: 10_000_000_000, MACAddress: null };
  assert.equal(nodeWith({ Adapters: { value: [adapter, adapter], Count: 2 } }).adapters.length, 2);
  assert.equal(
    nodeWith({ Adapters: { value: [adapter, adapter], Count: 2, Name: 'x' } }).adapters.length,
    1,
    'an object with more than value and Count is one object',
  );
});

/** The reason a reader refused `value`, or the value it read. */
function reason(out: unknown): PsInvalidReason | undefined {
  return isPsInvalid(out) ? out.invalid : undefined;
}

test('times: the zone rule', () => {
  assert.equal(psInstant('2026-11-25T12:00:03Z'), Date.UTC(2026, 10, 25, 12, 0, 3));
  assert.equal(psInstant('2026-11-25T13:00:03.1234567+01:00'), Date.UTC(2026, 10, 25, 12, 0, 3, 123));
  assert.equal(psInstant('2026-11-25T06:30:03-05:30'), Date.UTC(2026, 10, 25, 12, 0, 3));
  assert.equal(psInstant('2026-11-28T06:02:17.4875+01:00'), Date.parse('2026-11-28T05:02:17.4875Z'));
  assert.equal(psInstant('/Date(1795608003000)/'), 1795608003000);
  assert.equal(psInstant('/Date(-1000)/'), -1000);
  assert.equal(
    psInstant('/Date(1795608003000+0100)/'),
    1795608003000,
    'the ms are UTC; the offset only names the zone',
  );
  assert.equal(psInstant('/Date(1795608003000-0500)/'), 1795608003000);
  assert.equal(psInstant({ value: '/Date(0)/', DisplayHint: 2, DateTime: 'Thursday, January 1, 1970 12:00:00 AM' }), 0);
  assert.equal(psInstant({ value: '1970-01-01T01:00:00+01:00', DisplayHint: 2 }), 0);
  assert.equal(psInstant('0050-01-01T00:00:00Z'), Date.parse('0050-01-01T00:00:00Z'), 'year 50, not 1950');
  assert.equal(psInstant('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
  for (const none of [null, undefined, '', { value: null }]) assert.equal(psInstant(none), null, String(none));
  for (const zoneless of ['2026-11-25T12:00:03', '2026-11-28T05:02:17.4875000', { value: '2026-11-25T12:00:03' }])
    assert.equal(reason(psInstant(zoneless)), 'noZone', JSON.stringify(zoneless));
  for (const bad of [
    '2026-02-30T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2026-11-25T24:00:00Z',
    '2026-11-25T12:00:03+15:00',
    '2026-11-25T12:00:03.12345678Z',
    'Saturday, November 28, 2026',
    '20261128050217.000000+060',
    '/Date(abc)/',
    '/Date(1234567890123456)/',
    'yesterday',
    12,
    true,
    {},
    [],
  ])
    assert.equal(reason(psInstant(bad)), 'notAnInstant', JSON.stringify(bad));
  const refused = psInstant('2026-11-25T12:00:03') as PsInvalid;
  assert.match(refused.message, /no zone.*"2026-11-25T12:00:03"/);
});

test('integers, SIDs, bytes', () => {
  assert.deepEqual(
    [
      psInt(4),
      psInt('4'),
      psInt({ value: 4, Count: 1 }),
      psInt('Windows2016Domain'),
      psInt('Windows2003InterimDomain'),
      psInt('Windows2025Forest'),
      psInt(null),
    ],
    [4, 4, 4, 7, 1, 10, null],
  );
  for (const bad of ['lots', 1.5, 2 ** 53, true, ['4'], 'Windows2019Domain'])
    assert.equal(reason(psInt(bad)), 'notAnInteger', JSON.stringify(bad));
  assert.equal((psInt('lots') as PsInvalid).message, 'not an integer: "lots"');

  const sid = `${samba.domainSid}-1104`;
  const bytes = [...readFileSync(new URL('objectsid-fxgranted.bin', SAMBA))];
  assert.deepEqual(
    [
      psSid(sid),
      psSid(sid.toLowerCase()),
      psSid({ BinaryLength: 28, AccountDomainSid: { Value: samba.domainSid }, Value: sid }),
      psSid(bytes),
      psSid(Buffer.from(bytes).toString('base64')),
      psSid({ value: sid }),
      psSid(null),
    ],
    [sid, sid, sid, sid, sid, sid, null],
  );
  for (const bad of ['S-1-', 'nope', [1, 2, 3], { Value: 7 }, { Value: null }, 5])
    assert.equal(reason(psSid(bad)), 'notASid', JSON.stringify(bad));

  assert.deepEqual(psBytes([1, 2, 255]), Buffer.of(1, 2, 255));
  assert.deepEqual(psBytes('AQL/'), Buffer.of(1, 2, 255));
  assert.equal(psBytes(''), null);
  for (const bad of [[256], [1.5], 'not base64!', 'AQL', { Sddl: 'O:DA' }])
    assert.equal(reason(psBytes(bad)), 'notBytes', JSON.stringify(bad));
});

test("lists: one object, an array, none, 5.1's exact {value, Count} wrapper", () => {
  assert.deepEqual(psList(null), []);
  assert.deepEqual(psList(undefined), []);
  assert.deepEqual(psList([]), []);
  assert.deepEqual(psList({ a: 1 }), [{ a: 1 }], 'ConvertTo-Json unwraps a one-element pipeline');
  assert.deepEqual(psList('one'), ['one']);
  assert.deepEqual(
    psList({ value: [1, 2], Count: 2 }),
    [1, 2],
    "5.1's wrapper of an array that carries ETS properties",
  );
  assert.deepEqual(psList({ value: [1], Count: 1, Other: 1 }), [{ value: [1], Count: 1, Other: 1 }]);
  assert.deepEqual(psList({ value: [1], Count: '1' }), [{ value: [1], Count: '1' }]);
  assert.deepEqual(psUnwrap({ value: 3, DisplayHint: 2 }), 3);
  assert.deepEqual(psUnwrap([{ value: 3 }]), [{ value: 3 }]);
});

test('whatever JSON comes in, every reader returns a value, null or a PsInvalid, and never throws', () => {
  const json = fc.oneof(
    { weight: 3, arbitrary: fc.jsonValue() },
    fc.jsonValue().map((value) => ({ value, DisplayHint: 2 })),
    fc.array(fc.jsonValue()).map((value) => ({ value, Count: value.length })),
    // Near-misses of every date form.
    fc
      .tuple(fc.integer({ min: -1e16, max: 1e16 }), fc.constantFrom('', '+0100', '-0530', '+', 'x'))
      .map(([ms, off]) => `/Date(${ms}${off})/`),
    fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 60 }),
        fc.stringMatching(/^(\.\d{1,8})?$/),
        fc.constantFrom('', 'Z', '+01:00', '-14:00', '+14:59', '+99:99', '-00:30'),
      )
      .map(
        ([y, mo, d, h, mi, f, z]) =>
          `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(mi).padStart(2, '0')}${f}${z}`,
      ),
    fc.array(fc.integer({ min: -1, max: 256 })),
    fc.base64String(),
    fc.stringMatching(/^S-1-\d{1,3}(-\d{1,11}){0,16}$/),
  );
  fc.assert(
    fc.property(json, (value) => {
      const t = psInstant(value);
      if (typeof t === 'number') {
        assert.ok(Number.isInteger(t), 'an instant is whole ms');
        assert.doesNotThrow(() => new Date(t).toISOString(), 'an instant a Date can hold');
      } else assert.ok(t === null || isPsInvalid(t), String(t));
      const i = psInt(value);
      assert.ok(i === null || isPsInvalid(i) || Number.isSafeInteger(i), String(i));
      const b = psBytes(value);
      assert.ok(b === null || isPsInvalid(b) || Buffer.isBuffer(b));
      const s = psSid(value);
      assert.ok(s === null || isPsInvalid(s) || /^S-1-\d+(-\d+)*$/.test(s), String(s));
      assert.ok(Array.isArray(psList(value)));
      for (const out of [t, i, b, s])
        if (isPsInvalid(out)) assert.ok(out.message.length > 0 && out.message.length < 200, out.message);
    }),
    { numRuns: 2000 },
  );
});

test('whatever a node sends as its boot time, nodes.facts reads the node and never throws', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (boot) => {
      const facts = bootOf(boot);
      const time = facts.os?.lastBootUpTime ?? null;
      assert.ok(time === null || !Number.isNaN(Date.parse(time)), String(time));
    }),
    { numRuns: 300 },
  );
});
