/**
 * The proleptic Gregorian calendar for the time formats facts carry (LDAP GeneralizedTime,
 * PowerShell's ISO 8601): whether a date and time of day exist, and the instant they name. Each
 * format parses its own text and zone; the calendar is this one.
 */

/** A date and time of day as a format writes them: month 1-12, day 1-31, and `ms` the fraction read. */
export interface CalendarTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly ms: number;
}

/** The days of `month` (1-12) in `year`: leap years every 4, but not every 100, but every 400. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Whether the date exists (no February 30) and the time of day is one: hour 0-23, minute 0-59,
 * second 0-59, or 60 with `leapSecond` (a format that admits a leap second).
 */
export function isCalendarTime(t: CalendarTime, options: { readonly leapSecond?: boolean } = {}): boolean {
  return (
    t.month >= 1 &&
    t.month <= 12 &&
    t.day >= 1 &&
    t.day <= daysInMonth(t.year, t.month) &&
    t.hour <= 23 &&
    t.minute <= 59 &&
    t.second <= (options.leapSecond ? 60 : 59)
  );
}

/**
 * Milliseconds since the epoch of a time that isCalendarTime accepts, written `offsetMinutes` east
 * of UTC. A leap second (60) counts as the next second.
 */
export function instantOf(t: CalendarTime, offsetMinutes: number): number {
  const d = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0 to 99 as 1900 to 1999.
  d.setUTCFullYear(t.year, t.month - 1, t.day);
  d.setUTCHours(t.hour, t.minute, t.second, t.ms);
  return d.getTime() - offsetMinutes * 60_000;
}
