import assert from 'node:assert/strict';
import { RILEY_ID, TENANT, riley, startAppHarness, type AppHarness } from '../support/app-harness.ts';

/**
 * The organization's switch is not advisory: with CRM Sync off for the organization, nothing syncs
 * (a change notification, a schedule, a manual run), nobody turns sync on, and change
 * notifications stop; switched on again, they resume for users whose sync is on.
 */
describe("the organization's switch", function () {
  this.timeout(60_000);
  let h: AppHarness;

  const tab = async (path: string, method = 'GET', body?: unknown) => {
    const response = await fetch(`${h.app.url}/api/tab${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- checked field by field below
    return { status: response.status, json: (await response.json()) as Record<string, any> };
  };
  const rileysSubscriptions = () =>
    h.sandbox.subscriptions.list().filter((s) => String(s.resource).includes(RILEY_ID));

  before(async () => {
    h = await startAppHarness();
  });
  after(async () => h?.stop());

  it('off: no run syncs, nobody turns sync on, change notifications stop; on: they resume', async () => {
    assert.equal((await tab('/sync/active', 'POST', { active: true })).status, 200);
    await h.subscribed(riley);
    const subscribed = rileysSubscriptions().length;
    assert.ok(subscribed > 0, 'sync on subscribes to change notifications');

    assert.equal((await tab('/admin/tenant', 'PUT', { enabled: false })).status, 200);
    assert.deepEqual(rileysSubscriptions(), [], 'switched off, the subscriptions are gone');

    const model = h.sandbox.model;
    const email = model.addMessage(RILEY_ID, model.wellKnown(RILEY_ID, 'inbox')!.id, {
      subject: 'While the organization is off',
      from: { emailAddress: { name: 'Victor', address: 'victor.dubois@fabrikam.com' } },
      toRecipients: [{ emailAddress: { address: 'riley.morgan@northwindstaffing.com' } }],
    });
    for (const trigger of ['notified', 'scheduled'] as const) {
      const summary = await h.app.services.mailSync.run(riley, { mode: 'automatic', trigger });
      assert.equal(summary.status, 'disabled', trigger);
      assert.match(summary.note ?? '', /turned off for your organization/);
    }
    const manual = await h.app.services.syncService.syncNow(riley);
    assert.equal(manual.status, 'disabled');
    assert.equal(await h.app.services.ledger.get(TENANT, RILEY_ID, email.immutableId), undefined);

    // Pausing is fine; turning sync back on, by the switch or by saving settings, is not.
    assert.equal((await tab('/sync/active', 'POST', { active: false })).status, 200);
    const on = await tab('/sync/active', 'POST', { active: true });
    assert.equal(on.status, 403);
    assert.match(on.json.error.message, /not enabled for your organization/);
    const current = await tab('/settings');
    const put = await fetch(`${h.app.url}/api/tab/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'if-match': current.json.etag },
      body: JSON.stringify({ ...current.json.settings, active: true }),
    });
    assert.equal(put.status, 403);
    assert.equal((await h.app.services.settings.get(TENANT, RILEY_ID))?.settings.active, false);

    // On again: Riley turns sync back on, and change notifications come back.
    assert.equal((await tab('/admin/tenant', 'PUT', { enabled: true })).status, 200);
    assert.equal((await tab('/sync/active', 'POST', { active: true })).status, 200);
    await h.subscribed(riley);
    assert.equal(rileysSubscriptions().length, subscribed);
  });
});
