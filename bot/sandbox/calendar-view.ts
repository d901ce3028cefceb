import { type DateTimeTimeZone, opaqueId, type SandboxItem } from './items-model.ts';

/**
 * The calendar view as Graph computes it: the single events, and the occurrences of each series,
 * that overlap a window. Graph documents that a calendar view holds "occurrences, exceptions and
 * single instances" (never series masters), and that iCalUId "is different for each occurrence in
 * a recurring series" (event resource), so each occurrence gets its own id and iCalUId.
 *
 * Simplification: a series recurs on UTC days at the master's UTC time of day, so a series made in a
 * zone with daylight saving drifts by an hour across the change (Graph keeps local time).
 */

const DAY_MS = 86_400_000;
/** A series is walked at most this many days from its start (about 27 years). */
const MAX_SERIES_DAYS = 10_000;
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

export interface CalendarInstance {
  /** The single event, or the series master an occurrence comes from. */
  item: SandboxItem<'event'>;
  type: 'singleInstance' | 'occurrence';
  id: (immutable: boolean) => string;
  iCalUId: string;
  start: number;
  end: number;
}

export function occurrenceId(master: SandboxItem<'event'>, day: string, immutable: boolean): string {
  return immutable
    ? opaqueId('AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AOccur', master.immutableId, day)
    : opaqueId('AAMkADOccur', master.restId, day);
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Start instants of a series' occurrences up to `until` (exclusive), in order. */
export function seriesStarts(master: SandboxItem<'event'>, until: number): number[] {
  const recurrence = master.fields.recurrence;
  if (!recurrence) return [];
  const first = Date.parse(master.fields.start);
  const timeOfDay = first - Date.parse(`${dayOf(first)}T00:00:00Z`);
  const rangeStart = Date.parse(`${recurrence.range.startDate}T00:00:00Z`);
  const rangeEnd =
    recurrence.range.type === 'endDate' && recurrence.range.endDate
      ? Date.parse(`${recurrence.range.endDate}T00:00:00Z`) + DAY_MS
      : Number.POSITIVE_INFINITY;
  const limit = recurrence.range.type === 'numbered' ? (recurrence.range.numberOfOccurrences ?? 0) : Infinity;
  const interval = Math.max(1, recurrence.pattern.interval || 1);
  const days = (recurrence.pattern.daysOfWeek ?? [WEEKDAYS[new Date(first).getUTCDay()]!]).map((d) =>
    WEEKDAYS.indexOf(d.toLowerCase()),
  );
  const firstDay = WEEKDAYS.indexOf((recurrence.pattern.firstDayOfWeek ?? 'sunday').toLowerCase());
  const weekZero = rangeStart - ((new Date(rangeStart).getUTCDay() - firstDay + 7) % 7) * DAY_MS;
  const starts: number[] = [];
  for (let i = 0; i < MAX_SERIES_DAYS && starts.length < limit; i++) {
    const day = rangeStart + i * DAY_MS;
    if (day >= rangeEnd || day + timeOfDay >= until) break;
    const matches =
      recurrence.pattern.type === 'daily'
        ? i % interval === 0
        : days.includes(new Date(day).getUTCDay()) &&
          Math.floor((day - weekZero) / (7 * DAY_MS)) % interval === 0;
    if (matches) starts.push(day + timeOfDay);
  }
  return starts;
}

/** Every instance overlapping [start, end): singles, and the occurrences of each series. */
export function calendarView(
  events: Array<SandboxItem<'event'>>,
  start: number,
  end: number,
): CalendarInstance[] {
  const instances: CalendarInstance[] = [];
  for (const item of events) {
    const duration = Date.parse(item.fields.end) - Date.parse(item.fields.start);
    if (!item.fields.recurrence) {
      const s = Date.parse(item.fields.start);
      if (s < end && s + duration > start) {
        instances.push({
          item,
          type: 'singleInstance',
          id: (immutable) => (immutable ? item.immutableId : item.restId),
          iCalUId: item.uid,
          start: s,
          end: s + duration,
        });
      }
      continue;
    }
    for (const s of seriesStarts(item, end)) {
      if (s + duration <= start) continue;
      const day = dayOf(s);
      instances.push({
        item,
        type: 'occurrence',
        id: (immutable) => occurrenceId(item, day, immutable),
        // The series' UID with the occurrence's date folded in: one per occurrence, stable.
        iCalUId: `${item.uid.slice(0, 40)}${day.replaceAll('-', '')}${item.uid.slice(48)}`,
        start: s,
        end: s + duration,
      });
    }
  }
  return instances.sort((a, b) => a.start - b.start);
}

/** Windows zone names Graph accepts in `Prefer: outlook.timezone`, for the zones the sandbox converts. */
const WINDOWS_ZONES: Record<string, string> = {
  utc: 'UTC',
  'pacific standard time': 'America/Los_Angeles',
  'mountain standard time': 'America/Denver',
  'central standard time': 'America/Chicago',
  'eastern standard time': 'America/New_York',
  'gmt standard time': 'Europe/London',
  'w. europe standard time': 'Europe/Berlin',
  'romance standard time': 'Europe/Paris',
};

/**
 * The zone a request prefers: Windows names above and IANA names (Graph accepts both); absent
 * means UTC, as Graph documents for calendarView delta. Unknown names: undefined (the caller
 * answers 400 rather than silently serving another zone).
 */
export function preferredZone(name: string | undefined): { name: string; iana: string } | undefined {
  if (!name) return { name: 'UTC', iana: 'UTC' };
  const windows = WINDOWS_ZONES[name.toLowerCase()];
  if (windows) return { name, iana: windows };
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return { name, iana: name };
  } catch {
    return undefined;
  }
}

/** An instant as Graph's dateTimeTimeZone in `zone` (`2026-12-03T09:00:00.0000000`). */
export function zoned(ms: number, zone: { name: string; iana: string }, allDay = false): DateTimeTimeZone {
  if (allDay) return { dateTime: `${dayOf(ms)}T00:00:00.0000000`, timeZone: zone.name };
  if (zone.iana === 'UTC')
    return { dateTime: `${new Date(ms).toISOString().slice(0, 19)}.0000000`, timeZone: zone.name };
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: zone.iana,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return {
    dateTime: `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}.0000000`,
    timeZone: zone.name,
  };
}

/**
 * A calendarView window bound: ISO 8601, with an offset or Z; without one Graph reads it in the
 * Prefer zone, which the sandbox only supports for UTC (it reads offset-less values as UTC).
 */
export function parseWindowBound(value: string | null): number | undefined {
  if (!value || value.length > 40) return undefined;
  const withZone = /(?:Z|[+-]\d\d:\d\d)$/i.test(value) ? value : `${value}Z`;
  const ms = Date.parse(withZone);
  return Number.isNaN(ms) ? undefined : ms;
}
