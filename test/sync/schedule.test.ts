import assert from 'node:assert/strict';
import { dueSlot, latestSlot, nextSlot, type Schedule, scheduleSchema } from '../../bot/sync/schedule.ts';

const at = (iso: string) => new Date(iso);

describe('sync schedule', () => {
  it('runs every 15 minutes on the quarter hours', () => {
    const every15: Schedule = { kind: 'interval', minutes: 15 };
    assert.equal(latestSlot(every15, at('2026-11-23T10:07:30Z'))?.toISOString(), '2026-11-23T10:00:00.000Z');
    assert.equal(nextSlot(every15, at('2026-11-23T10:07:30Z'))?.toISOString(), '2026-11-23T10:15:00.000Z');
  });

  it('accepts only the seeds’ intervals and a valid daily time and zone', () => {
    for (const minutes of [5, 15, 30, 45, 60])
      assert.ok(scheduleSchema.safeParse({ kind: 'interval', minutes }).success);
    assert.ok(!scheduleSchema.safeParse({ kind: 'interval', minutes: 10 }).success);
    assert.ok(!scheduleSchema.safeParse({ kind: 'daily', at: '25:00', timeZone: 'Europe/London' }).success);
    assert.ok(!scheduleSchema.safeParse({ kind: 'daily', at: '22:00', timeZone: 'Mars/Olympus' }).success);
  });

  it('runs daily at a local time in a non-UTC zone, across a daylight-saving change', () => {
    const nightly: Schedule = { kind: 'daily', at: '22:30', timeZone: 'America/New_York' };
    // Winter (UTC-5): 22:30 local is 03:30 UTC the next day.
    assert.equal(latestSlot(nightly, at('2026-12-01T04:00:00Z'))?.toISOString(), '2026-12-01T03:30:00.000Z');
    // Summer (UTC-4): 22:30 local is 02:30 UTC.
    assert.equal(latestSlot(nightly, at('2026-07-01T03:00:00Z'))?.toISOString(), '2026-07-01T02:30:00.000Z');
    // Before today's slot, the latest is yesterday's.
    assert.equal(latestSlot(nightly, at('2026-12-01T03:00:00Z'))?.toISOString(), '2026-11-30T03:30:00.000Z');
    // Around the spring-forward day (8 March 2026): the evening before is still UTC-5, that evening UTC-4.
    assert.equal(nextSlot(nightly, at('2026-03-07T04:00:00Z'))?.toISOString(), '2026-03-08T03:30:00.000Z');
    assert.equal(nextSlot(nightly, at('2026-03-08T04:00:00Z'))?.toISOString(), '2026-03-09T02:30:00.000Z');
  });

  it('runs a time that a spring-forward jump skips after the jump, and a doubled time once', () => {
    // 8 March 2026 in New York: 02:00 EST jumps to 03:00 EDT, so 02:30 never shows on the clock.
    const skipped: Schedule = { kind: 'daily', at: '02:30', timeZone: 'America/New_York' };
    const slot = nextSlot(skipped, at('2026-03-07T12:00:00Z'));
    assert.equal(slot?.toISOString(), '2026-03-08T07:30:00.000Z', '03:30 EDT, after the jump at 07:00Z');
    assert.equal(latestSlot(skipped, at('2026-03-08T07:29:00Z'))?.toISOString(), '2026-03-07T07:30:00.000Z');
    assert.equal(nextSlot(skipped, slot!)?.toISOString(), '2026-03-09T06:30:00.000Z', '02:30 EDT');
    // 1 November 2026: 01:30 happens twice (EDT, then EST); it runs at the first only.
    const doubled: Schedule = { kind: 'daily', at: '01:30', timeZone: 'America/New_York' };
    assert.equal(nextSlot(doubled, at('2026-11-01T04:00:00Z'))?.toISOString(), '2026-11-01T05:30:00.000Z');
    assert.equal(nextSlot(doubled, at('2026-11-01T05:30:00Z'))?.toISOString(), '2026-11-02T06:30:00.000Z');
    // East of Greenwich the same: 25 October 2026 in London, 01:30 is BST (00:30Z), then GMT (01:30Z).
    const london: Schedule = { kind: 'daily', at: '01:30', timeZone: 'Europe/London' };
    assert.equal(nextSlot(london, at('2026-10-24T12:00:00Z'))?.toISOString(), '2026-10-25T00:30:00.000Z');
    assert.equal(nextSlot(london, at('2026-10-25T00:30:00Z'))?.toISOString(), '2026-10-26T01:30:00.000Z');
    const berlin: Schedule = { kind: 'daily', at: '02:30', timeZone: 'Europe/Berlin' };
    assert.equal(nextSlot(berlin, at('2026-10-24T12:00:00Z'))?.toISOString(), '2026-10-25T00:30:00.000Z');
  });

  it('catches up once after downtime, not once per missed slot', () => {
    const every5: Schedule = { kind: 'interval', minutes: 5 };
    const lastRun = at('2026-11-23T08:00:00Z');
    const now = at('2026-11-23T10:02:00Z');
    const due = dueSlot(every5, lastRun, now);
    assert.equal(due?.toISOString(), '2026-11-23T10:00:00.000Z');
    assert.equal(dueSlot(every5, due, now), undefined, 'after the catch-up run nothing more is due');
    assert.equal(dueSlot(every5, due, at('2026-11-23T10:05:00Z'))?.toISOString(), '2026-11-23T10:05:00.000Z');
  });

  it('never runs when the user chose no schedule', () => {
    assert.equal(dueSlot({ kind: 'none' }, undefined, new Date()), undefined);
    assert.equal(nextSlot({ kind: 'none' }, new Date()), undefined);
  });
});
