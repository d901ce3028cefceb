import assert from 'node:assert/strict';
import type { RunningApp } from '../../bot/main.ts';
import type { GraphSandbox } from '../../bot/sandbox/graph-sandbox.ts';
import { type AppHarness, RILEY_ID, riley, startAppHarness, TENANT } from '../support/app-harness.ts';
import { RILEY, type TestGraph } from '../support/sandbox.ts';

const CANDIDATE = { emailAddress: { name: 'Victor Dubois', address: 'victor.dubois@outlook.com' } };

describe('automatic sync through Graph change notifications', function () {
  this.timeout(60_000);
  let h: AppHarness;
  let app: RunningApp;
  let sandbox: GraphSandbox;
  let graph: TestGraph;

  before(async () => {
    h = await startAppHarness();
    ({ app, sandbox, graph } = h);
    await app.services.syncService.turnOn(riley);
    await h.subscribed(riley);
  });
  after(() => h?.stop());

  async function eventually<T>(probe: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const add = async (folder: string, subject: string) =>
    String(
      (
        await graph.adminCall('POST', `/users/${RILEY}/messages`, {
          folder,
          message: {
            subject,
            from: CANDIDATE,
            toRecipients: [{ emailAddress: { name: 'Riley', address: RILEY } }],
          },
        })
      ).id,
    );
  const synced = (id: string) =>
    eventually(async () => {
      const entry = await app.services.ledger.get(TENANT, RILEY_ID, id);
      return entry?.status === 'synced' ? entry : undefined;
    }, `email ${id} to be synced`);
  const readyz = async () =>
    (await (await fetch(`${app.url}/readyz`)).json()) as {
      changeNotifications: { accepted: number; dropped: number };
      queue: string;
    };

  it('subscribes to the automatic folders when the user turns sync on', async () => {
    const subscriptions = sandbox.subscriptions.list();
    assert.equal(subscriptions.length, 6, 'Inbox, its four subfolders and Sent Items');
    assert.ok(subscriptions.every((s) => s.clientState && s.clientState.length >= 32));
    assert.equal((await readyz()).queue, 'ok');
  });

  it('syncs a new email within seconds of its change notification, once', async () => {
    const id = await add('inbox', 'Arrived while sync is on');
    const entry = await synced(id);
    assert.equal(entry.linkType, 'Cand');
    const activities = (await app.services.crm.listActivities(TENANT)).filter((a) => a.messageId === id);
    assert.equal(activities.length, 1);
  });

  it('answers the validation handshake with the decoded token as plain text', async () => {
    const response = await fetch(
      `${app.url}/api/graph/notifications?validationToken=${encodeURIComponent('Validation: token with spaces & symbols')}`,
      { method: 'POST' },
    );
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await response.text(), 'Validation: token with spaces & symbols');
  });

  it('drops and counts forged notifications, and takes one of ours for a subscription not recorded yet', async () => {
    const [subscription] = await app.services.subscriptions.forUser(TENANT, RILEY_ID);
    const before = (await readyz()).changeNotifications;
    const post = (value: unknown[]) =>
      fetch(`${app.url}/api/graph/notifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ value }),
      });
    const answer = await post([
      // A guessed clientState: forged, dropped.
      {
        subscriptionId: subscription!.subscriptionId,
        clientState: 'guessed',
        changeType: 'created',
        resource: 'x',
      },
      // Ours (signed for Riley's mailbox) on a subscription the store does not have yet: Graph can
      // notify before the create call returns; Riley's mailbox is synced rather than the notice lost.
      {
        subscriptionId: 'not-recorded-yet',
        clientState: subscription!.clientState,
        changeType: 'created',
        resource: 'x',
      },
    ]);
    assert.equal(answer.status, 202);
    await eventually(async () => {
      const now = (await readyz()).changeNotifications;
      return now.dropped === before.dropped + 1 && now.accepted === before.accepted + 1 ? true : undefined;
    }, 'one drop and one acceptance');
  });

  it('takes a burst of duplicate notifications without a second activity', async () => {
    const id = await add('inbox', 'Notified many times');
    await synced(id);
    const [subscription] = (await app.services.subscriptions.forUser(TENANT, RILEY_ID)).filter(
      (s) => s.folderId === sandbox.model.wellKnown(RILEY_ID, 'inbox')!.id,
    );
    const notification = {
      subscriptionId: subscription!.subscriptionId,
      clientState: subscription!.clientState,
      changeType: 'created',
      resource: `Users/${RILEY_ID}/Messages/${id}`,
    };
    const posts = Array.from({ length: 20 }, () =>
      fetch(`${app.url}/api/graph/notifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ value: [notification] }),
      }),
    );
    assert.ok((await Promise.all(posts)).every((r) => r.status === 202));
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal((await app.services.crm.listActivities(TENANT)).filter((a) => a.messageId === id).length, 1);
  });

  it('catches up with a delta sync when Graph says notifications were missed', async () => {
    sandbox.subscriptions.close(); // from here the sandbox sends no change notifications
    const id = await add('inbox', 'Sent while notifications were lost');
    await new Promise((r) => setTimeout(r, 700));
    assert.notEqual((await app.services.ledger.get(TENANT, RILEY_ID, id))?.status, 'synced');
    const inbox = sandbox.subscriptions
      .list()
      .find((s) => s.resource?.includes(sandbox.model.wellKnown(RILEY_ID, 'inbox')!.id));
    await graph.adminCall('POST', `/subscriptions/${inbox!.id}/lifecycle`, { event: 'missed' });
    await synced(id);
  });

  it('subscribes again when Graph removes a subscription', async () => {
    const before = sandbox.subscriptions.list();
    const victim = before[0]!;
    await graph.adminCall('POST', `/subscriptions/${victim.id}/lifecycle`, { event: 'subscriptionRemoved' });
    await eventually(async () => {
      const now = sandbox.subscriptions.list();
      return now.length === before.length && !now.some((s) => s.id === victim.id) ? true : undefined;
    }, 'a new subscription for the folder');
  });
});
