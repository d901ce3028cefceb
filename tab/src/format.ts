/** Dates as the user's own locale and time zone show them. */
export function when(iso: string | undefined | null): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function day(iso: string | undefined | null): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' });
}

/**
 * When a meeting is, in the user's own zone with its name ("3 Dec 2026, 14:00–15:00 GMT"), and
 * the organizer's zone when they set it elsewhere. An all-day event is its day(s) in the
 * organizer's zone (its instants are that zone's midnights), else in UTC.
 */
export function meetingTime(a: {
  start: string;
  end: string;
  isAllDay: boolean;
  timeZone: string | null;
}): string {
  if (a.isAllDay) {
    const zone = a.timeZone && isIanaZone(a.timeZone) ? a.timeZone : 'UTC';
    const format = (iso: string) =>
      new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium', timeZone: zone });
    // The end is the midnight after the last day.
    const last = format(new Date(Date.parse(a.end) - 1).toISOString());
    const first = format(a.start);
    return `${first === last ? first : `${first} – ${last}`}, all day`;
  }
  const start = new Date(a.start).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  // timeStyle cannot be combined with timeZoneName (a RangeError): the parts are named instead.
  const end = new Date(a.end).toLocaleTimeString(undefined, {
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  });
  const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const elsewhere = a.timeZone && a.timeZone !== own ? ` (set in ${a.timeZone})` : '';
  return `${start}–${end}${elsewhere}`;
}

/** A task's due date: a day as that day wherever the user is, a date-time in their zone. */
export function due(value: string | null): string {
  if (!value) return 'no due date';
  if (/^\d{4}-\d{2}-\d{2}$/.test(value))
    return new Date(`${value}T00:00:00Z`).toLocaleDateString(undefined, {
      dateStyle: 'medium',
      timeZone: 'UTC',
    });
  return when(value);
}

function isIanaZone(zone: string): boolean {
  return Intl.supportedValuesOf('timeZone').includes(zone) || zone === 'UTC';
}
