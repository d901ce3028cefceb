import assert from 'node:assert/strict';
import type { RunningApp } from '../../bot/main.ts';
import { CONTAINERS } from '../../bot/store/containers.ts';
import type { GraphSandbox } from '../../bot/sandbox/graph-sandbox.ts';
import { SUBSCRIPTION_MINUTES } from '../../bot/worker/subscription-registry.ts';
import { type AppHarness, RILEY_ID, riley, startAppHarness, TENANT } from '../support/app-harness.ts';
import { SAM } from '../support/sandbox.ts';

/**
 * Change-notification subscriptions as Graph keeps them: reauthorization from now, expired ones
 * deleted by Graph (renewing them is a 404), renewals one by one, and no duplicates however many
 * callers ask at once. Against the app and the sandbox, which holds Graph's rules.
 */
describe('change-notification subscriptions over their life', function () {
  this.timeout(60_000);
  let h: AppHarness;
  let app: RunningApp;
  let sandbox: GraphSandbox;
  let samId: string;

  before(async () => {
    h = await startAppHarness();
    ({ app, sandbox } = h);
    samId = sandbox.model.findUser(SAM)!.id;
    await app.services.syncService.turnOn(riley);
    await app.services.syncService.turnOn({ tenantId: TENANT, userId: samId });
    await h.subscribed(riley);
    await h.subscribed({ tenantId: TENANT, userId: samId });
  });
  after(() => h?.stop());

  const liveInSandbox = (userId: string) =>
    [...sandbox.subscriptions.subscriptions.values()].filter(
      (s) => s.userId === userId && Date.parse(s.expirationDateTime) > Date.now(),
    );
  const ours = (userId = RILEY_ID) => app.services.subscriptions.forUser(TENANT, userId);
  /** Makes a record come due for renewal, as a day before its expiry. */
  const comeDue = async (subscriptionId: string) => {
    const collection = app.store.collection<{ id: string; pk: string; expiresAt: string }>(
      CONTAINERS.syncState,
    );
    const found = await collection.read('graph-subscriptions', subscriptionId);
    await collection.upsert({ ...found!.value, expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
  };

  it('answers reauthorizationRequired by extending from now, every time Graph asks', async () => {
    const [first] = await ours();
    // An hour from expiry, as when Graph asks for reauthorization late in a subscription's life.
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    sandbox.subscriptions.subscriptions.get(first!.subscriptionId)!.expirationDateTime = soon;
    await comeDue(first!.subscriptionId);
    for (let n = 0; n < 3; n++) {
      await sandbox.subscriptions.lifecycle(first!.subscriptionId, 'reauthorizationRequired');
      await sandbox.subscriptions.settle();
    }
    await new Promise((r) => setTimeout(r, 300));
    const after = (await ours()).find((s) => s.folderId === first!.folderId)!;
    const minutesAhead = (Date.parse(after.expiresAt) - Date.now()) / 60_000;
    assert.ok(Math.abs(minutesAhead - SUBSCRIPTION_MINUTES) < 5, `${minutesAhead} minutes ahead`);
    assert.equal(
      sandbox.subscriptions.subscriptions.get(after.subscriptionId)?.expirationDateTime,
      after.expiresAt,
    );
  });

  it("re-creates what Graph deleted on expiry, and one user's failure does not stop the others' renewals", async () => {
    const [rileys] = await ours();
    const [sams] = await ours(samId);
    // Graph has deleted Riley's (expired); Sam's mailbox answers 503 to anything about subscriptions.
    sandbox.subscriptions.subscriptions.get(rileys!.subscriptionId)!.expirationDateTime = new Date(
      Date.now() - 1_000,
    ).toISOString();
    await comeDue(rileys!.subscriptionId);
    await comeDue(sams!.subscriptionId);
    sandbox.faults.add({ route: 'subscriptions', status: 503, user: samId });
    try {
      await app.services.subscriptions.renewDue();
    } finally {
      sandbox.faults.clear();
    }
    const now = await ours();
    const remade = now.find((s) => s.folderId === rileys!.folderId)!;
    assert.notEqual(remade.subscriptionId, rileys!.subscriptionId, 'a new subscription for the folder');
    assert.ok(sandbox.subscriptions.subscriptions.get(remade.subscriptionId), 'live in Graph');
    assert.equal(liveInSandbox(RILEY_ID).length, now.length, 'one live subscription per record');
    // Sam's renewal failed on its own and is still due; the next tick renews it.
    await app.services.subscriptions.renewDue();
    const samsNow = (await ours(samId)).find((s) => s.folderId === sams!.folderId)!;
    assert.ok(Date.parse(samsNow.expiresAt) > Date.now() + 2 * 86_400_000);
  });

  it('drops the subscriptions of a user whose sync is off when they come due', async () => {
    const before = await ours(samId);
    assert.ok(before.length > 0);
    const stored = await app.services.settings.get(TENANT, samId);
    await app.services.settings.save(TENANT, samId, { ...stored!.settings, active: false });
    for (const s of before) await comeDue(s.subscriptionId);
    await app.services.subscriptions.renewDue();
    assert.deepEqual(await ours(samId), []);
    assert.deepEqual(liveInSandbox(samId), []);
  });

  it('makes one subscription per folder however many callers ensure it at once', async () => {
    const inbox = sandbox.model.wellKnown(RILEY_ID, 'inbox')!.id;
    const [existing] = (await ours()).filter((s) => s.folderId === inbox);
    await app.services.subscriptions.reconcile(TENANT, RILEY_ID, []); // none left
    assert.equal(liveInSandbox(RILEY_ID).length, 0);
    await Promise.all(
      Array.from({ length: 6 }, () => app.services.subscriptions.ensure(TENANT, RILEY_ID, [inbox])),
    );
    const after = (await ours()).filter((s) => s.folderId === inbox);
    assert.equal(after.length, 1, JSON.stringify(after));
    assert.equal(liveInSandbox(RILEY_ID).length, 1);
    assert.ok(existing);
  });

  it("reads all of a user's subscriptions, not the first hundred", async () => {
    const collection = app.store.collection<Record<string, unknown> & { id: string; pk: string }>(
      CONTAINERS.syncState,
    );
    const user = 'c0c0c0c0-0000-4000-8000-000000000150';
    for (let n = 0; n < 150; n++) {
      await collection.upsert({
        id: `many-${n}`,
        pk: 'graph-subscriptions',
        kind: 'subscription',
        subscriptionId: `many-${n}`,
        tenantId: TENANT,
        userId: user,
        folderId: `folder-${n}`,
        clientState: 'x.y',
        expiresAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      });
    }
    assert.equal((await app.services.subscriptions.forUser(TENANT, user)).length, 150);
  });
});
