/**
 * The report's start time for people: UTC, and the local time of the machine that wrote the
 * report, with its offset and zone. The viewer's own local time needs script; the HTML report's
 * script adds it to the element with id `t-viewer`, which carries the instant in `datetime`.
 */
import { escapeHtml as h } from './escape.ts';

interface Wall {
  readonly text: string;
  /** `UTC`, `UTC+01:00`, `UTC-05:00`. */
  readonly offset: string;
  readonly zone: string;
}

/** The wall-clock time of `date` in `timeZone` (the process's zone when undefined). */
export function wallTime(date: Date, timeZone?: string): Wall {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  });
  const part = Object.fromEntries(format.formatToParts(date).map((p) => [p.type, p.value]));
  // longOffset is "GMT" (or, in some ICU versions, "GMT+00:00") at offset zero, else "GMT+01:00".
  const offset = (part.timeZoneName ?? 'GMT').replace(/^GMT/, 'UTC').replace(/^UTC[+-]00:00$/, 'UTC');
  return {
    text: `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}:${part.second}`,
    offset,
    zone: format.resolvedOptions().timeZone,
  };
}

/**
 * The start time as HTML: `2026-12-07 12:39:08 UTC; 2026-12-07 13:39:08 UTC+01:00 (Europe/Berlin)
 * where this report was written`, and an empty `t-viewer` span the script fills with the viewer's
 * local time. A value that is not a time is shown as it is.
 */
export function startedLine(iso: string, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h(iso);
  const utc = wallTime(date, 'UTC');
  const local = wallTime(date, timeZone);
  const where =
    local.offset === 'UTC'
      ? ` (UTC is also the local time${local.zone === 'UTC' || local.zone === 'Etc/UTC' ? '' : ` of ${h(local.zone)}`} where this report was written)`
      : `; ${local.text} ${local.offset} (${h(local.zone)}) where this report was written`;
  return `<time datetime="${h(date.toISOString())}">${utc.text} UTC</time>${where}<span id="t-viewer" data-iso="${h(date.toISOString())}"></span>`;
}
