import assert from 'node:assert/strict';
import { createLogger } from '../../bot/logging/logger.ts';
import { StoreQueue } from '../../bot/queue/store-queue.ts';
import { ALL_CONTAINERS } from '../../bot/store/containers.ts';
import { SqliteStore } from '../../bot/store/sqlite-store.ts';
import { SyncSettingsRepository, type SyncSettingsInput } from '../../bot/sync/sync-settings.ts';
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
});
