/**
 * Property tests: on arbitrary bytes and on mutations of valid data (truncated, bytes flipped,
 * length fields set to huge values), every decoder returns or throws ScsiDecodeError, nothing
 * else; it terminates; and what it returns is bounded by the input, never by a length read
 * from it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeDeviceIdentification,
  decodePrReadFullStatus,
  decodePrReadKeys,
  decodePrReadReservation,
  decodePrReportCapabilities,
  decodeReadCapacity10,
  decodeReadCapacity16,
  decodeReportLuns,
  decodeSense,
  decodeStandardInquiry,
  decodeSupportedVpdPages,
  decodeTransportId,
  decodeUnitSerialNumber,
  ScsiCheckCondition,
  ScsiDecodeError,
  ScsiDevice,
} from '../../src/scsi/index.ts';
import { FakeScsiTransport, good } from './support/fake-transport.ts';
import * as F from './support/fixtures.ts';
import { naiveDescriptorSense, naiveFixedSense } from './support/naive.ts';

interface Case {
  readonly name: string;
  readonly decode: (b: Uint8Array) => unknown;
  readonly seeds: readonly Uint8Array[];
  /** Offsets of length fields worth setting to huge values. */
  readonly lengthFields: readonly number[];
  /** Upper bound on the output's element count for an input of n bytes. */
  readonly bound: (result: never, n: number) => boolean;
}

const cases: Case[] = [
  {
    name: 'decodeSense',
    decode: decodeSense,
    seeds: [
      F.SENSE_UA_POWER_ON,
      F.SENSE_INVALID_FIELD_IN_CDB,
      F.SENSE_DESCRIPTOR_MEDIUM_ERROR,
      Uint8Array.from(
        naiveDescriptorSense(5, 0x24, 0, [
          [2, 6, 0, 0, 0xc0, 0, 2, 0],
          [0, 10, 0x80, 0, 1, 2, 3, 4, 5, 6, 7, 8],
        ]),
      ),
      Uint8Array.from(naiveFixedSense(2, 4, 1)),
    ],
    lengthFields: [7, 9],
    bound: (r: { descriptors?: unknown[] }, n) => (r.descriptors?.length ?? 0) <= n / 2,
  },
  {
    name: 'decodeStandardInquiry',
    decode: decodeStandardInquiry,
    seeds: [F.STANDARD_INQUIRY],
    lengthFields: [4],
    bound: (r: { versionDescriptors: unknown[]; productIdentification?: string }, n) =>
      r.versionDescriptors.length <= 8 && (r.productIdentification?.length ?? 0) <= n,
  },
  {
    name: 'decodeDeviceIdentification',
    decode: decodeDeviceIdentification,
    seeds: [F.VPD_DEVICE_ID_LIO, F.VPD_DEVICE_ID_TGT],
    lengthFields: [2, 3, 7, 19],
    bound: (r: { designators: { value: string }[] }, n) =>
      r.designators.length <= n / 4 && r.designators.every((d) => d.value.length <= 2 * n + 4),
  },
  {
    name: 'decodeSupportedVpdPages',
    decode: decodeSupportedVpdPages,
    seeds: [F.VPD_SUPPORTED_PAGES],
    lengthFields: [2, 3],
    bound: (r: { pages: unknown[] }, n) => r.pages.length <= n,
  },
  {
    name: 'decodeUnitSerialNumber',
    decode: decodeUnitSerialNumber,
    seeds: [F.VPD_UNIT_SERIAL],
    lengthFields: [2, 3],
    bound: (r: { productSerialNumber: string }, n) => r.productSerialNumber.length <= n,
  },
  {
    name: 'decodeReportLuns',
    decode: decodeReportLuns,
    seeds: [F.REPORT_LUNS],
    lengthFields: [0, 1, 2, 3],
    bound: (r: { luns: unknown[] }, n) => r.luns.length <= n / 8,
  },
  {
    name: 'decodeReadCapacity10',
    decode: decodeReadCapacity10,
    seeds: [F.READ_CAPACITY_10],
    lengthFields: [],
    bound: () => true,
  },
  {
    name: 'decodeReadCapacity16',
    decode: decodeReadCapacity16,
    seeds: [F.READ_CAPACITY_16],
    lengthFields: [],
    bound: () => true,
  },
  {
    name: 'decodePrReadKeys',
    decode: decodePrReadKeys,
    seeds: [F.PR_READ_KEYS],
    lengthFields: [4, 5, 6, 7],
    bound: (r: { keys: unknown[] }, n) => r.keys.length <= n / 8,
  },
  {
    name: 'decodePrReadReservation',
    decode: decodePrReadReservation,
    seeds: [F.PR_READ_RESERVATION, F.PR_READ_RESERVATION_NONE],
    lengthFields: [4, 7],
    bound: () => true,
  },
  {
    name: 'decodePrReportCapabilities',
    decode: decodePrReportCapabilities,
    seeds: [F.PR_REPORT_CAPABILITIES, F.PR_REPORT_CAPABILITIES_NO_TMV],
    lengthFields: [0, 1],
    bound: (r: { supportedTypes?: unknown[] }) => (r.supportedTypes?.length ?? 0) <= 6,
  },
  {
    name: 'decodePrReadFullStatus',
    decode: decodePrReadFullStatus,
    seeds: [F.PR_READ_FULL_STATUS],
    lengthFields: [4, 7, 28, 31, 34, 35],
    bound: (r: { registrants: { transportId?: { hex: string; iscsiName?: string } }[] }, n) =>
      r.registrants.length <= n / 24 &&
      r.registrants.every(
        (x) => (x.transportId?.hex.length ?? 0) <= 2 * n && (x.transportId?.iscsiName?.length ?? 0) <= n,
      ),
  },
  {
    name: 'decodeTransportId',
    decode: decodeTransportId,
    seeds: [F.PR_READ_FULL_STATUS.subarray(32, 88)],
    lengthFields: [2, 3],
    bound: (r: { hex: string }, n) => r.hex.length <= 2 * n,
  },
];

function onlyDecodeErrors(
  decode: (b: Uint8Array) => unknown,
  bound: (result: never, n: number) => boolean,
  bytes: Uint8Array,
): boolean {
  let result: unknown;
  try {
    result = decode(bytes);
  } catch (error) {
    if (error instanceof ScsiDecodeError) return true;
    throw error;
  }
  assert.ok(bound(result as never, bytes.length), `output not bounded by the ${bytes.length}-byte input`);
  return true;
}

/** A valid seed, then: cut at some length, some bytes overwritten, length fields set to 0xFF. */
function mutated(seeds: readonly Uint8Array[], lengthFields: readonly number[]): fc.Arbitrary<Uint8Array> {
  return fc
    .record({
      seed: fc.constantFrom(...seeds),
      cut: fc.option(fc.nat(), { nil: undefined }),
      writes: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      huge: fc.subarray([...lengthFields]),
      extra: fc.uint8Array({ maxLength: 16 }),
    })
    .map(({ seed, cut, writes, huge, extra }) => {
      const b = Uint8Array.from([...seed, ...extra]);
      for (const [at, value] of writes) if (b.length > 0) b[at % b.length] = value;
      for (const at of huge) if (at < b.length) b[at] = 0xff;
      return cut === undefined ? b : b.subarray(0, cut % (b.length + 1));
    });
}

for (const c of cases) {
  test(`${c.name}: arbitrary bytes decode or throw ScsiDecodeError, bounded by the input`, { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => onlyDecodeErrors(c.decode, c.bound, bytes)),
      { numRuns: 1000 },
    );
  });
  test(
    `${c.name}: mutated valid data decodes or throws ScsiDecodeError, bounded by the input`,
    { timeout: 60_000 },
    () => {
      fc.assert(
        fc.property(mutated(c.seeds, c.lengthFields), (bytes) => onlyDecodeErrors(c.decode, c.bound, bytes)),
        { numRuns: 2000 },
      );
    },
  );
}

test('every seed decodes as it stands (the mutations start from valid data)', () => {
  for (const c of cases) for (const seed of c.seeds) assert.doesNotThrow(() => c.decode(seed), c.name);
});

test(
  'ScsiDevice on arbitrary target answers: typed errors only, at most three issues per command',
  { timeout: 60_000 },
  async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 3, maxLength: 3 }),
        fc.constantFrom<'reportLuns' | 'prReadKeys' | 'prReadFullStatus' | 'deviceIdentification' | 'inquiry'>(
          'reportLuns',
          'prReadKeys',
          'prReadFullStatus',
          'deviceIdentification',
          'inquiry',
        ),
        async (answers, method) => {
          const transport = new FakeScsiTransport(answers.map((a) => good(a)));
          try {
            await new ScsiDevice(transport, 0)[method]();
          } catch (error) {
            if (!(error instanceof ScsiDecodeError)) throw error;
          }
          return transport.requests.length <= 3;
        },
      ),
      { numRuns: 500 },
    );
  },
);

test(
  'ScsiDevice on arbitrary sense with CHECK CONDITION: always ScsiCheckCondition, retries bounded',
  { timeout: 60_000 },
  async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), async (sense) => {
        const transport = new FakeScsiTransport(
          Array.from({ length: 5 }, () => ({ status: 2, data: new Uint8Array(0), sense, residual: 0 })),
        );
        await assert.rejects(new ScsiDevice(transport, 0).testUnitReady(), ScsiCheckCondition);
        return transport.requests.length <= 4;
      }),
      { numRuns: 500 },
    );
  },
);
