import assert from 'node:assert/strict';
import { AdaptiveCard, TextBlock } from '@microsoft/teams.cards';
import { createLogger } from '../../bot/logging/logger.ts';
import { NotificationCenter } from '../../bot/notifications/notification-center.ts';
import { Notifier, OUTBOX_TTL_SECONDS, type ProactiveSender } from '../../bot/notifications/notifier.ts';
import { TEAMS_CONVERSATION_LIMITS } from '../../bot/notifications/rate-limiter.ts';
import { ALL_CONTAINERS, CONTAINERS } from '../../bot/store/containers.ts';
import { SqliteStore } from '../../bot/store/sqlite-store.ts';
import { SyncSettingsRepository } from '../../bot/sync/sync-settings.ts';
import { emptySummary } from '../../bot/sync/sync-state.ts';
import { ConversationRepository } from '../../bot/teams/conversation-store.ts';

/** Teams, as far as the notifier can tell: it records what arrives and throttles now and then. */
class FakeTeams implements ProactiveSender {
  readonly arrived: Array<{ at: number; title: string }> = [];
  calls = 0;
  private readonly clock: () => number;
  constructor(clock: () => number) {
    this.clock = clock;
  }
  async send(_ref: unknown, card: AdaptiveCard): Promise<void> {
    this.calls++;
    if (this.calls % 37 === 0) throw Object.assign(new Error('429'), { status: 429, retryAfterMs: 2_000 });
    this.arrived.push({ at: this.clock(), title: String((card.body[0] as { text?: string }).text) });
  }
}

describe('notifier', function () {
  this.timeout(60_000);

  it('delivers 500 notifications to one conversation within Teams’ limits, through injected 429s, each exactly once', async () => {
    let now = Date.parse('2026-11-23T10:00:00Z');
    const clock = () => now;
    const store = new SqliteStore({ path: ':memory:', now: clock, purgeIntervalMs: 0 });
    await store.init(ALL_CONTAINERS);
    const conversations = new ConversationRepository(store);
    await conversations.remember('t', 'u', {
      serviceUrl: 'http://127.0.0.1:9/',
      conversationId: 'a:1',
      channelId: 'msteams',
      botId: 'b',
      userTeamsId: '29:u',
    });
    const teams = new FakeTeams(clock);
    const notifier = new Notifier({
      store,
      center: new NotificationCenter(store),
      conversations,
      settings: new SyncSettingsRepository(store),
      sender: teams,
      // The card's first block carries the title, so the fake can tell notifications apart.
      render: (doc) => new AdaptiveCard(new TextBlock(doc.title)),
      logger: createLogger({ level: 'silent' }),
      now: clock,
    });
    for (let i = 0; i < 500; i++) {
      await notifier.notify(
        { tenantId: 't', userId: 'u' },
        { id: `n-${i}`, title: `note ${i}`, text: 'x', severity: 'info' },
      );
    }
    await notifier.notify(
      { tenantId: 't', userId: 'u' },
      { id: 'n-7', title: 'note 7', text: 'x', severity: 'info' },
    ); // a duplicate
    for (let step = 0; step < 5_000 && (await notifier.pending()) > 0; step++) {
      await notifier.deliver();
      now += 250;
    }
    assert.equal(await notifier.pending(), 0);
    // A week on, the outbox is gone by itself: nothing transient is kept for ever.
    const outbox = store.collection<{ id: string; pk: string }>(CONTAINERS.notifications);
    assert.ok((await outbox.query('outbox', { limit: 5 })).items.length > 0);
    now += OUTBOX_TTL_SECONDS * 1000 + 1_000;
    assert.equal(
      (await outbox.query('outbox', { limit: 5 })).items.length,
      0,
      'expired outbox items are gone',
    );
    const titles = teams.arrived.map((a) => a.title);
    assert.equal(titles.length, 500, 'all arrived');
    assert.equal(new Set(titles).size, 500, 'none twice');
    assert.ok(notifier.stats.throttled > 5, 'the 429s were met and ridden out');
    const times = teams.arrived.map((a) => a.at);
    for (const { max, windowMs } of TEAMS_CONVERSATION_LIMITS) {
      for (const t of times)
        assert.ok(
          times.filter((x) => x > t - windowMs && x <= t).length <= max,
          `more than ${max} in ${windowMs} ms`,
        );
    }
    await store.close();
  });

  it('gathers automatic results into one card per quiet period, never losing one that arrives as a card goes out', async () => {
    let now = Date.parse('2026-11-23T10:00:00Z');
    const clock = () => now;
    const { store, teams, notifier } = await digestNotifier(clock, { level: 'all', everyMinutes: 60 });
    const run = (synced: number) =>
      notifier.automaticRun(
        { tenantId: 't', userId: 'u' },
        { ...emptySummary('r', 'automatic', 'notified', new Date(now)), synced },
      );
    const minutes = (m: number) => {
      now += m * 60_000;
    };

    await run(1); // the first after a quiet period goes at once
    await notifier.deliver();
    minutes(1);
    await run(2);
    minutes(1);
    await run(3);
    await notifier.deliver();
    assert.deepEqual(
      teams.arrived.map((a) => a.title),
      ['1 synced, 0 with no match, 0 errors'],
      'the rest wait for the period to end',
    );
    minutes(58);
    await notifier.deliver();
    minutes(1);
    await run(4); // arrives just after the second card went: it opens the next period, it is not lost
    minutes(60);
    await notifier.deliver();
    assert.deepEqual(
      teams.arrived.map((a) => a.title),
      [
        '1 synced, 0 with no match, 0 errors',
        '5 synced, 0 with no match, 0 errors',
        '4 synced, 0 with no match, 0 errors',
      ],
    );
    await store.close();
  });

  it('tells of contacts, tasks and appointments an automatic sync wrote, and of their errors', async () => {
    const now = Date.parse('2026-11-23T10:00:00Z');
    const clock = () => now;
    const { store, teams, notifier, center } = await digestNotifier(clock, {
      level: 'errors',
      everyMinutes: 0,
    });
    const items = (synced: number, errors: number) => ({
      processed: synced + errors,
      synced,
      unchanged: 0,
      removed: 0,
      skipped: 0,
      errors,
    });
    const run = (contact: ReturnType<typeof items>) =>
      notifier.automaticRun(
        { tenantId: 't', userId: 'u' },
        { ...emptySummary('r', 'automatic', 'notified', new Date(now)), items: { contact } },
      );
    await run(items(3, 0)); // errors only: nothing to say
    await notifier.deliver();
    assert.equal(teams.arrived.length, 0);
    await run(items(1, 2));
    await notifier.deliver();
    assert.deepEqual(
      teams.arrived.map((a) => a.title),
      ['0 synced, 0 with no match, 0 errors; contacts, tasks and appointments: 1 synced, 2 errors'],
    );
    const [note] = await center.latest('t', 'u');
    assert.equal(note?.title, '2 Outlook items could not be synced');
    assert.equal(note?.severity, 'error');
    await store.close();
  });
});

/** A notifier over an in-memory store for user t/u, whose chat is known and who wants `notifications`. */
async function digestNotifier(
  clock: () => number,
  notifications: { level: 'off' | 'errors' | 'all'; everyMinutes: 0 | 15 | 60 | 240 | 1440 },
) {
  const store = new SqliteStore({ path: ':memory:', now: clock, purgeIntervalMs: 0 });
  await store.init(ALL_CONTAINERS);
  const conversations = new ConversationRepository(store);
  await conversations.remember('t', 'u', {
    serviceUrl: 'http://127.0.0.1:9/',
    conversationId: 'a:1',
    channelId: 'msteams',
    botId: 'b',
    userTeamsId: '29:u',
  });
  const settings = new SyncSettingsRepository(store);
  await settings.save('t', 'u', { enabledAt: '2026-11-01T00:00:00.000Z', notifications });
  const teams = new FakeTeams(clock);
  const center = new NotificationCenter(store);
  const notifier = new Notifier({
    store,
    center,
    conversations,
    settings,
    sender: teams,
    render: (doc) => new AdaptiveCard(new TextBlock(doc.text)),
    logger: createLogger({ level: 'silent' }),
    now: clock,
  });
  return { store, teams, notifier, center };
}
