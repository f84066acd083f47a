/**
 * What `ConvertTo-Json` writes, read back into plain values: the one reader for every script's
 * output (src/windows/node-facts.ts, src/windows/ad-facts.ts, the envelope in
 * src/windows/powershell.ts).
 *
 * Each reader returns the value, `null` for no value (JSON null, absent, the empty string), or a
 * {@link PsInvalid} saying why the value was not read; none of them throws. The shapes, in both
 * Windows PowerShell 5.1 (JavaScriptSerializer) and pwsh 7 (Newtonsoft Json.NET):
 *
 * - a pipeline or property holding one object is that object, not a one-element array; an array
 *   that sits in a PSObject is, in 5.1, `{"value": [...], "Count": n}` ({@link psList});
 * - a value wrapped in a PSObject carries its ETS properties in 5.1: a DateTime from Get-Date is
 *   `{"value": "\/Date(ms)\/", "DisplayHint": 2, "DateTime": "Saturday, ..."}` (pwsh 7.2 and
 *   later write the DateTime alone) ({@link psUnwrap});
 * - enums are numbers (no -EnumsAsStrings in 5.1); a SecurityIdentifier that was not converted is
 *   `{BinaryLength, AccountDomainSid, Value}`, a byte[] an array of numbers.
 *
 * ## The zone rule (for every time read anywhere in clusterprobe's PowerShell output)
 *
 * A time is read as an instant only from a form that places it:
 *
 * - `"\/Date(ms)\/"` (5.1): ms since the epoch, UTC. JavaScriptSerializer converts the DateTime
 *   to UTC first (ToUniversalTime). A `+hhmm`/`-hhmm` suffix (`"\/Date(ms+0100)\/"`, the
 *   DataContractJsonSerializer form) names the writer's zone only: the ms are UTC all the same.
 * - ISO 8601 with `Z` or `+hh:mm`/`-hh:mm`: what .NET's round-trip format (`ToString('o')`) and
 *   pwsh 7's ConvertTo-Json (Newtonsoft, DateTimeZoneHandling.RoundtripKind) write for a
 *   DateTime of Kind Utc (`Z`) or Local (the local offset), and for a DateTimeOffset.
 *
 * An ISO time **without** a zone is what both write for a DateTime of Kind Unspecified: a wall
 * clock reading in a zone nobody recorded (the node's, the DC's, the management host's, or UTC).
 * It is refused ({@link PsInvalid} `noZone`), never read as UTC nor as local time: either guess
 * would be a wrong instant by the zone's offset, silently. Our scripts never send one: the AD
 * scripts write `ToString('o')` of `[datetime]::UtcNow` (Kind Utc) and of the ActiveDirectory
 * module's DateTimes (Kind Local, which carry their offset); nodes.facts returns
 * `ManagementDateTimeConverter.ToDateTime` of Win32_OperatingSystem.LastBootUpTime (documented
 * as local time), which remoting carries with its offset. So a zoneless time means something
 * changed under us (another module version, a DateTime built with `[datetime]'...'`), and saying
 * so beats misplacing it. (5.1 itself cannot be caught at this: JavaScriptSerializer reads an
 * Unspecified DateTime as local before converting it, so it arrives as `\/Date(ms)\/`.)
 */
import { decodeSid, isSid, normalizeSid } from '../facts/ad-security/sid.ts';
import { instantOf, isCalendarTime } from '../facts/calendar.ts';

/** Why a value was not read. */
export type PsInvalidReason = 'noZone' | 'notAnInstant' | 'notAnInteger' | 'notBytes' | 'notASid';

/** A value a reader refused: the reason and a message naming the value (at most 80 characters of it). */
export interface PsInvalid {
  readonly invalid: PsInvalidReason;
  readonly message: string;
}

function invalid(reason: PsInvalidReason, what: string, value: unknown): PsInvalid {
  let shown: string;
  try {
    shown = (JSON.stringify(value) ?? String(value)).slice(0, 80);
  } catch {
    shown = typeof value;
  }
  return { invalid: reason, message: `${what}: ${shown}` };
}

/** Whether a reader refused the value. */
export function isPsInvalid(value: unknown): value is PsInvalid {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { invalid?: unknown }).invalid === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * A list as ConvertTo-Json writes it, as an array: an array; null or absent as none; 5.1's
 * `{value: [...], Count: n}` (exactly those two keys: an object with more is an object) as its
 * items; anything else as the one element of a pipeline that had one.
 */
export function psList(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value;
  if (isRecord(value)) {
    const keys = Object.keys(value);
    if (
      Array.isArray(value.value) &&
      typeof value.Count === 'number' &&
      keys.every((k) => k === 'value' || k === 'Count')
    )
      return value.value;
  }
  return [value];
}

/** A 5.1 value wrapped with its ETS properties (`{value, DisplayHint, DateTime}` for a DateTime): its value. */
export function psUnwrap(value: unknown): unknown {
  return isRecord(value) && 'value' in value ? value.value : value;
}

const MS_DATE = /^\/Date\((-?\d{1,15})(?:[+-]\d{4})?\)\/$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:\d{2})?$/;
/** ECMAScript's time range: ±10^8 days around the epoch. */
const MAX_MS = 8.64e15;

/**
 * An instant in ms since the epoch, by the zone rule above: `"\/Date(ms)\/"` (with or without an
 * offset suffix), ISO 8601 with `Z` or an offset (1 to 7 fraction digits, truncated to ms),
 * either inside 5.1's `{value, DisplayHint, DateTime}`. `noZone` for an ISO time without a zone;
 * `notAnInstant` for anything else, an impossible date (February 30) included.
 */
export function psInstant(value: unknown): number | null | PsInvalid {
  const v = psUnwrap(value);
  if (v === null || v === undefined || v === '') return null;
  if (typeof v !== 'string') return invalid('notAnInstant', 'not a time', value);
  const ms = MS_DATE.exec(v);
  if (ms) return Number(ms[1]);
  const m = ISO.exec(v);
  if (!m) return invalid('notAnInstant', 'not a time', value);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // 1 to 7 fraction digits (.NET ticks), truncated to ms.
  const time = { year, month, day, hour, minute, second, ms: m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0 };
  if (!isCalendarTime(time)) return invalid('notAnInstant', 'not a time', value);
  const zone = m[8];
  if (zone === undefined)
    return invalid(
      'noZone',
      'a time with no zone (a DateTime of Kind Unspecified: UTC, the local time of the node or of the DC?)',
      value,
    );
  if (zone !== 'Z' && (Number(zone.slice(1, 3)) > 14 || Number(zone.slice(4, 6)) > 59))
    return invalid('notAnInstant', 'not a time (no such offset)', value);
  const offset =
    zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const out = instantOf(time, offset);
  return Math.abs(out) <= MAX_MS ? out : invalid('notAnInstant', 'not a time (out of range)', value);
}

/** The names the ActiveDirectory module's ADDomainMode, ADForestMode and ADDomainControllerMode enums give the levels. */
const LEVEL_NAMES: Readonly<Record<string, number>> = {
  '2000': 0,
  '2003Interim': 1,
  '2003': 2,
  '2008': 3,
  '2008R2': 4,
  '2012': 5,
  '2012R2': 6,
  '2016': 7,
  '2025': 10,
};

/** An integer: a safe-integer number, a decimal string, a functional level's enum name (`Windows2016Domain`: 7). */
export function psInt(value: unknown): number | null | PsInvalid {
  const v = psUnwrap(value);
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : invalid('notAnInteger', 'not an integer', value);
  if (typeof v === 'string') {
    if (/^-?\d{1,15}$/.test(v)) return Number(v);
    const level = /^Windows(2000|2003Interim|2003|2008|2008R2|2012|2012R2|2016|2025)(?:Domain|Forest)?$/.exec(v)?.[1];
    if (level !== undefined) return LEVEL_NAMES[level]!;
  }
  return invalid('notAnInteger', 'not an integer', value);
}

/** Bytes: base64 (what the scripts write), or an array of numbers 0-255 (5.1's ConvertTo-Json of a byte[]). */
export function psBytes(value: unknown): Buffer | null | PsInvalid {
  const v = psUnwrap(value);
  if (v === null || v === undefined || v === '') return null;
  if (Array.isArray(v) && v.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) return Buffer.from(v as number[]);
  if (typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0) return Buffer.from(v, 'base64');
  return invalid('notBytes', 'neither base64 nor bytes', value);
}

/**
 * A SID as `S-1-...` (normalised): the string, a SecurityIdentifier's `{BinaryLength,
 * AccountDomainSid, Value}`, or its binary form (bytes or base64, decoded by src/facts/ad-security/sid.ts).
 */
export function psSid(value: unknown): string | null | PsInvalid {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'string' && isSid(value)) return normalizeSid(value);
  if (isRecord(value) && 'Value' in value) {
    const inner = psSid(value.Value);
    return inner === null ? invalid('notASid', 'not a SID', value) : inner;
  }
  const unwrapped = psUnwrap(value);
  if (unwrapped !== value) return psSid(unwrapped);
  const bytes = psBytes(value);
  if (bytes === null || isPsInvalid(bytes)) return invalid('notASid', 'not a SID', value);
  try {
    return decodeSid(bytes);
  } catch {
    return invalid('notASid', 'not a SID', value);
  }
}
