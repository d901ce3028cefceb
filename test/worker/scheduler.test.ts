import assert from 'node:assert/strict';
import { createLogger } from '../../bot/logging/logger.ts';
import { StoreQueue } from '../../bot/queue/store-queue.ts';
import { ALL_CONTAINERS } from '../../bot/store/containers.ts';
import { SqliteStore } from '../../bot/store/sqlite-store.ts';
import {
  SCHEDULE_INDEX,
  type ScheduleIndexDoc,
  scheduledNext,
  SyncSettingsRepository,
  type SyncSettingsInput,
  syncSettingsSchema,
} from '../../bot/sync/sync-settings.ts';
import { CONTAINERS } from '../../bot/store/containers.ts';
import type { SyncJob } from '../../bot/worker/jobs.ts';
import { Scheduler } from '../../bot/worker/scheduler.ts';

describe('scheduler', () => {
  let now: Date;
  let store: SqliteStore;
  let queue: StoreQueue<SyncJob>;
  let settings: SyncSettingsRepository;
  const instances: Scheduler[] = [];

  beforeEach(async () => {
    now = new Date('2026-11-23T10:07:00Z');
    store = new SqliteStore({ path: ':memory:', now: () => now.getTime(), purgeIntervalMs: 0 });
    await store.init(ALL_CONTAINERS);
    queue = new StoreQueue<SyncJob>(store, 'sync-jobs', { now: () => now.getTime() });
    settings = new SyncSettingsRepository(store, { now: () => now });
    instances.length = 0;
    for (let i = 0; i < 3; i++) {
      instances.push(
        new Scheduler({ store, settings, queue, logger: createLogger({ level: 'silent' }), now: () => now }),
      );
    }
  });
  afterEach(() => store.close());

  const user = (userId: string, over: Partial<SyncSettingsInput> = {}) =>
    settings.save('tenant', userId, { enabledAt: '2026-11-01T00:00:00.000Z', ...over });
  const tickAll = async () => (await Promise.all(instances.map((s) => s.tick()))).reduce((a, b) => a + b, 0);
  const jobs = async () => (await queue.receive({ max: 32, visibilitySeconds: 600 })).map((m) => m.body);

  it('queues an automatic sync at each interval slot, once across three instances', async () => {
    await user('u1', { schedule: { kind: 'interval', minutes: 15 } });
    assert.equal(await tickAll(), 0, 'first slot is 10:15');
    now = new Date('2026-11-23T10:15:05Z');
    assert.equal(await tickAll(), 1);
    assert.deepEqual(await jobs(), [
      { kind: 'mailbox', tenantId: 'tenant', userId: 'u1', trigger: 'scheduled', mode: 'automatic' },
    ]);
    assert.equal(await tickAll(), 0, 'the same slot never runs twice');
    now = new Date('2026-11-23T10:30:01Z');
    assert.equal(await tickAll(), 1);
  });

  it('catches up once after downtime, not once per missed slot', async () => {
    await user('u1', { schedule: { kind: 'interval', minutes: 5 } });
    now = new Date('2026-11-23T13:02:00Z');
    assert.equal(await tickAll(), 1);
    assert.equal(await tickAll(), 0);
  });

  it('runs daily at the user’s local time in their time zone', async () => {
    await user('u1', { schedule: { kind: 'daily', at: '18:00', timeZone: 'Asia/Kolkata' } });
    now = new Date('2026-11-23T12:29:00Z'); // 17:59 in India
    assert.equal(await tickAll(), 0);
    now = new Date('2026-11-23T12:30:10Z'); // 18:00:10 in India
    assert.equal(await tickAll(), 1);
  });

  it('never runs for users who chose no schedule, paused, or turned email sync off', async () => {
    await user('none', { schedule: { kind: 'none' } });
    await user('paused', { active: false });
    await user('off', { emailSync: false });
    now = new Date('2026-11-24T10:00:00Z');
    assert.equal(await tickAll(), 0);
    assert.deepEqual(await jobs(), []);
  });

  describe('the daily Sync All', () => {
    const job = (userId: string, mode: 'automatic' | 'all') => ({
      kind: 'mailbox',
      tenantId: 'tenant',
      userId,
      trigger: 'scheduled',
      mode,
    });
    /** The jobs queued, taken off the queue (the clock moves on: left there, they would come back). */
    const taken = async () => {
      const messages = await queue.receive({ max: 32, visibilitySeconds: 600 });
      for (const message of messages) await queue.complete(message);
      return messages.map((m) => m.body);
    };
    /** Ticks all three instances every 10 minutes until `until`: when each job was queued, and its mode. */
    const walk = async (until: string) => {
      const queued: string[] = [];
      while (now.getTime() < new Date(until).getTime()) {
        now = new Date(now.getTime() + 10 * 60_000);
        await tickAll();
        for (const job of await taken())
          if (job.kind === 'mailbox') queued.push(`${now.toISOString()} ${job.mode}`);
      }
      return queued;
    };

    it('queues a sync all at its time besides the automatic schedule, both when due together, each once', async () => {
      // 11:15 in Paris is 10:15 UTC in November, an automatic slot too.
      await user('u1', {
        schedule: { kind: 'interval', minutes: 15 },
        syncAllAt: { at: '11:15', timeZone: 'Europe/Paris' },
      });
      now = new Date('2026-11-23T10:15:05Z');
      assert.equal(await tickAll(), 2);
      const queued = await taken();
      assert.deepEqual(queued.map((j) => (j.kind === 'mailbox' ? j.mode : j.kind)).sort(), [
        'all',
        'automatic',
      ]);
      assert.deepEqual(
        queued.find((j) => j.kind === 'mailbox' && j.mode === 'all'),
        job('u1', 'all'),
      );
      assert.equal(await tickAll(), 0, 'neither slot runs twice');
      now = new Date('2026-11-23T10:30:01Z');
      assert.equal(await tickAll(), 1, 'the next automatic slot alone');
      assert.deepEqual(await taken(), [job('u1', 'automatic')]);
      // A day later: both again, the Sync All once.
      now = new Date('2026-11-24T10:15:02Z');
      assert.equal(await tickAll(), 2);
    });

    it('is due at the earlier of the automatic schedule’s next slot and its own', async () => {
      const settings = (over: Partial<SyncSettingsInput>) =>
        syncSettingsSchema.parse({ enabledAt: '2026-11-01T00:00:00.000Z', ...over });
      const at = new Date('2026-11-23T10:07:00Z');
      const daily = { kind: 'daily', at: '23:00', timeZone: 'UTC' } as const;
      const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
      assert.equal(
        iso(scheduledNext(settings({ schedule: daily, syncAllAt: { at: '18:00', timeZone: 'UTC' } }), at)),
        '2026-11-23T18:00:00.000Z',
      );
      assert.equal(
        iso(scheduledNext(settings({ schedule: daily, syncAllAt: { at: '09:00', timeZone: 'UTC' } }), at)),
        '2026-11-23T23:00:00.000Z',
        'tomorrow 09:00 is later than tonight 23:00',
      );
      assert.equal(
        iso(
          scheduledNext(
            settings({ schedule: { kind: 'none' }, syncAllAt: { at: '09:00', timeZone: 'UTC' } }),
            at,
          ),
        ),
        '2026-11-24T09:00:00.000Z',
      );
      assert.equal(iso(scheduledNext(settings({ schedule: { kind: 'none' } }), at)), null);
    });

    it('still runs while automatic sync is paused, never while email sync is off', async () => {
      const at = { at: '12:00', timeZone: 'UTC' };
      await user('paused', { active: false, syncAllAt: at });
      await user('off', { emailSync: false, syncAllAt: at });
      now = new Date('2026-11-23T12:00:30Z');
      assert.equal(await tickAll(), 1);
      assert.deepEqual(await taken(), [job('paused', 'all')], 'the Sync All, and no automatic sync');
      now = new Date('2026-11-23T12:15:00Z');
      assert.equal(await tickAll(), 0, 'a paused schedule queues nothing');
    });

    it('runs once a day at the local time across both daylight-saving changes', async () => {
      // New York, 2026: clocks go forward on 8 March (02:30 is skipped) and back on 1 November (01:30 twice).
      // Saved the day before each change: the index then holds the next slot from that day.
      now = new Date('2026-03-07T12:00:00Z');
      await user('spring', {
        schedule: { kind: 'none' },
        syncAllAt: { at: '02:30', timeZone: 'America/New_York' },
      });
      assert.deepEqual(await walk('2026-03-09T12:00:00Z'), [
        '2026-03-08T07:30:00.000Z all', // 03:30 EDT: just after the jump, the day's only run
        '2026-03-09T06:30:00.000Z all', // 02:30 EDT
      ]);

      await user('spring', { emailSync: false });
      now = new Date('2026-10-31T12:00:00Z');
      await user('autumn', {
        schedule: { kind: 'none' },
        syncAllAt: { at: '01:30', timeZone: 'America/New_York' },
      });
      assert.deepEqual(await walk('2026-11-02T12:00:00Z'), [
        '2026-11-01T05:30:00.000Z all', // 01:30 EDT; 01:30 EST an hour later does not run again
        '2026-11-02T06:30:00.000Z all', // 01:30 EST
      ]);
    });

    it('keeps running the automatic schedule of users saved before the Sync All existed', async () => {
      await user('u1', { schedule: { kind: 'interval', minutes: 15 } });
      // The index entry as it was written then: the automatic schedule's time, nothing per kind.
      const index = store.collection<ScheduleIndexDoc>(CONTAINERS.settings);
      await index.upsert({
        id: 'tenant|u1',
        pk: SCHEDULE_INDEX,
        tenantId: 'tenant',
        userId: 'u1',
        nextRunAt: new Date('2026-11-23T10:15:00Z').getTime(),
      });
      now = new Date('2026-11-23T10:15:05Z');
      assert.equal(await tickAll(), 1);
      assert.deepEqual(await taken(), [job('u1', 'automatic')]);
    });
  });
});
