import { z } from 'zod';

/**
 * When automatic sync runs, as the seeds offer it: every 5, 15, 30, 45 or 60 minutes, daily at a
 * time in the user's time zone, or not on a schedule at all. Pure: a schedule and a clock give the
 * slots; the scheduler claims them so that several instances never run the same one twice.
 */

export const INTERVAL_MINUTES = [5, 15, 30, 45, 60] as const;

/** A time of day in an IANA time zone: a daily schedule's, and the daily Sync All's (sync-settings.ts). */
export const dailyTimeSchema = z.object({
  at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)'),
  timeZone: z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as Europe/London'),
});

export type DailyTime = z.infer<typeof dailyTimeSchema>;

export const scheduleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({ kind: z.literal('interval'), minutes: z.union(INTERVAL_MINUTES.map((m) => z.literal(m))) }),
  dailyTimeSchema.extend({ kind: z.literal('daily') }),
]);

export type Schedule = z.infer<typeof scheduleSchema>;

/** Every day at `time`: the schedule whose slots a daily time has. */
export function dailyAt(time: DailyTime): Schedule {
  return { kind: 'daily', at: time.at, timeZone: time.timeZone };
}

const MINUTE = 60_000;

/** Minutes east of UTC that `timeZone` is at `instant` (negative west of Greenwich). */
function offsetMinutes(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return Math.round((asUtc - Math.floor(instant / MINUTE) * MINUTE) / MINUTE);
}

/**
 * The UTC instant of a local wall-clock time. A time that happens twice (clocks going back) is its
 * first; a time skipped by a DST jump runs as long after the jump as it was after the skipped hour's
 * start (02:30 on a spring-forward night runs at 03:30), never before the jump.
 */
function zonedInstant(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  timeZone: string,
): number {
  const wall = Date.UTC(year, month, day, hour, minute);
  // The zone's offsets half a day either side: on a day with a change, one is before it and one after.
  const guesses = [wall - 12 * 60 * MINUTE, wall + 12 * 60 * MINUTE].map(
    (around) => wall - offsetMinutes(around, timeZone) * MINUTE,
  );
  const shown = guesses.filter((t) => t + offsetMinutes(t, timeZone) * MINUTE === wall);
  // Twice (clocks going back), east or west of Greenwich alike: the first.
  if (shown.length > 0) return Math.min(...shown);
  // Never (skipped by a jump): the later guess, the one after the jump.
  return Math.max(...guesses);
}

function localDate(instant: number, timeZone: string): { year: number; month: number; day: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month') - 1, day: get('day') };
}

/** The latest slot at or before `now`, if the schedule has slots. */
export function latestSlot(schedule: Schedule, now: Date): Date | undefined {
  const t = now.getTime();
  if (schedule.kind === 'none') return undefined;
  if (schedule.kind === 'interval') {
    const step = schedule.minutes * MINUTE;
    return new Date(Math.floor(t / step) * step);
  }
  const [hour, minute] = schedule.at.split(':').map(Number) as [number, number];
  const today = localDate(t, schedule.timeZone);
  const slot = zonedInstant(today.year, today.month, today.day, hour, minute, schedule.timeZone);
  if (slot <= t) return new Date(slot);
  const yesterday = localDate(t - 24 * 60 * MINUTE, schedule.timeZone);
  return new Date(
    zonedInstant(yesterday.year, yesterday.month, yesterday.day, hour, minute, schedule.timeZone),
  );
}

/** The first slot after `now`, for "next scheduled run". */
export function nextSlot(schedule: Schedule, now: Date): Date | undefined {
  if (schedule.kind === 'none') return undefined;
  if (schedule.kind === 'interval') {
    const step = schedule.minutes * MINUTE;
    return new Date((Math.floor(now.getTime() / step) + 1) * step);
  }
  // Walk back from a little over a day ahead to the first slot after now, DST days included.
  let slot = latestSlot(schedule, new Date(now.getTime() + 26 * 60 * MINUTE));
  while (slot && slot.getTime() > now.getTime()) {
    const earlier = latestSlot(schedule, new Date(slot.getTime() - MINUTE));
    if (!earlier || earlier.getTime() <= now.getTime()) break;
    slot = earlier;
  }
  return slot;
}

/**
 * The slot to run now, if any: the latest one that is due and later than the last one run. After
 * downtime that is one run, however many slots were missed.
 */
export function dueSlot(schedule: Schedule, lastRun: Date | undefined, now: Date): Date | undefined {
  const slot = latestSlot(schedule, now);
  if (!slot) return undefined;
  return lastRun && lastRun.getTime() >= slot.getTime() ? undefined : slot;
}
