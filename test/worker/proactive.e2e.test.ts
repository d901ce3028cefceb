import assert from 'node:assert/strict';
import type { RunningApp } from '../../bot/main.ts';
import { NotificationCenter } from '../../bot/notifications/notification-center.ts';
import { CONTAINERS } from '../../bot/store/containers.ts';
import { userPartition } from '../../bot/store/store.port.ts';
import { type AppHarness, RILEY_ID, riley, startAppHarness, TENANT } from '../support/app-harness.ts';
import type { Playground } from '../support/playground.ts';
import { RILEY, type TestGraph } from '../support/sandbox.ts';

describe('proactive notifications through the Agents Playground', function () {
  this.timeout(60_000);
  let h: AppHarness;
  let app: RunningApp;
  let graph: TestGraph;
  let playground: Playground;

  before(async () => {
    h = await startAppHarness({ playground: true, install: true });
    ({ app, graph } = h);
    playground = h.playground!;
    await app.services.syncService.turnOn(riley);
    await h.subscribed(riley);
  });
  after(() => h?.stop());
  // Each test starts after a quiet period: whatever another test sent is forgotten, so none relies
  // on the order they run in.
  beforeEach(async () => {
    await app.store
      .collection(CONTAINERS.notifications)
      .delete(userPartition(TENANT, RILEY_ID), 'digest-state');
  });

  const add = (subject: string) =>
    graph.adminCall('POST', `/users/${RILEY}/messages`, {
      folder: 'inbox',
      message: {
        subject,
        from: { emailAddress: { name: 'Victor Dubois', address: 'victor.dubois@outlook.com' } },
        toRecipients: [{ emailAddress: { name: 'Riley', address: RILEY } }],
      },
    });

  it('tells the user about the first automatic sync after a quiet period, in their chat and the notification center', async () => {
    const since = playground.eventCount;
    await add('First after a quiet period');
    const card = await playground.nextBotMessage(since, 15_000);
    assert.match(JSON.stringify(card), /New email synced to your CRM/);
    assert.match(JSON.stringify(card), /1 synced/);
    const center = await new NotificationCenter(app.store).latest(TENANT, RILEY_ID);
    assert.equal(center[0]?.title, 'New email synced to your CRM');
  });

  it('gathers later automatic syncs of the quiet period into one pending card instead of one per email', async () => {
    // The period's first result goes out at once and opens the period.
    const opened = playground.eventCount;
    await add('Opens the period');
    await playground.nextBotMessage(opened, 15_000);
    const since = playground.eventCount;
    for (const n of [1, 2, 3]) await add(`During the quiet period ${n}`);
    await new Promise((r) => setTimeout(r, 2_500));
    assert.ok(!playground.eventsSince(since).some((e) => e.action === 'createMessage'), 'no card per email');
    assert.equal(await app.notifier.pending(), 1, 'one digest waits for the end of the period');
  });
});
