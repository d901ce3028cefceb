import assert from 'node:assert/strict';
import type { RunningApp } from '../../bot/main.ts';
import { type AppHarness, RILEY_ID, riley, startAppHarness, TENANT } from '../support/app-harness.ts';
import type { Playground, PlaygroundMessage } from '../support/playground.ts';
import { RILEY } from '../support/sandbox.ts';

/**
 * Sync Selected (the seeds: it "does not consider the folder settings") works with the user's email
 * sync turned off, on every surface that offers it: the message actions Sync to CRM and Associate,
 * Retry on the errors card, the tab's Retry and the Outlook add-in. The organization's switch still
 * refuses all of them, and sync all stays behind the user's switch.
 */

const text = (value: unknown) => JSON.stringify(value ?? {});

describe('Sync Selected with email sync off', function () {
  this.timeout(120_000);
  let h: AppHarness;
  let app: RunningApp;
  let playground: Playground;
  /** An errors card sent while sync was on: its Retry buttons stay in the chat. */
  let errorsCard: PlaygroundMessage;
  let failingId: string;

  const payload = (id: string) => ({
    id,
    subject: 'FW: Senior Java Developer',
    createdDateTime: '2026-11-20T15:04:00.000Z',
    linkToMessage: `https://teams.microsoft.com/l/message/19:chat/${id}`,
    body: { contentType: 'html', content: '<p>Forwarding from victor.dubois@fabrikam.com</p>' },
  });
  const action = (name: 'fetchTask' | 'submitAction', commandId: string, id: string, data = {}) =>
    playground.invoke(`composeExtension/${name}`, {
      commandId,
      commandContext: 'message',
      messagePayload: payload(id),
      data,
    });
  const dialogOf = (answer: { body: Record<string, unknown> }) =>
    text((answer.body.task as { value: { card: { content: unknown } } }).value.card.content);
  const post = (path: string, body: unknown) =>
    fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const say = async (words: string) => {
    const since = playground.eventCount;
    await playground.say(words);
    return playground.nextBotMessage(since);
  };
  const setEmailSync = async (on: boolean) => {
    const stored = await app.services.settings.get(TENANT, RILEY_ID);
    await app.services.settings.save(TENANT, RILEY_ID, { ...stored!.settings, emailSync: on });
  };

  before(async () => {
    h = await startAppHarness({ playground: true, install: true });
    ({ app } = h);
    playground = h.playground!;
    await app.services.syncService.turnOn(riley);
    await setEmailSync(true);
    const stored = await app.services.settings.get(TENANT, RILEY_ID);
    await app.services.settings.save(TENANT, RILEY_ID, { ...stored!.settings, daysBack: 3650 });
    // An email too large for the CRM: an Error item with Retry.
    await h.graph.adminCall('POST', `/users/${RILEY}/messages`, {
      folder: 'inbox',
      message: {
        subject: 'Mass mailing',
        from: { emailAddress: { name: 'Victor', address: 'victor.dubois@fabrikam.com' } },
        toRecipients: Array.from({ length: 30_000 }, (_, i) => ({
          emailAddress: { address: `recipient-number-${i}@a-rather-long-mass-mailing-domain.example` },
        })),
      },
    });
    await app.services.syncService.syncNow(riley);
    errorsCard = await say('errors');
    failingId = /"verb":"retry","messageId":"([^"]+)"/.exec(text(errorsCard))?.[1] ?? '';
    assert.ok(failingId, text(errorsCard));
  });
  after(() => h?.stop());
  beforeEach(() => setEmailSync(false));
  afterEach(() => app.services.syncService.setTenantEnabled(TENANT, true, 'test'));

  it('Sync to CRM and Associate on a Teams message work, while sync all is still refused', async () => {
    const opened = await action('fetchTask', 'syncToCrm', '1796000000001');
    assert.doesNotMatch(dialogOf(opened), /Email sync is off/);
    assert.match(dialogOf(opened), /record:candidate-081/);
    const synced = await action('submitAction', 'syncToCrm', '1796000000001', {
      action: 'sync',
      'record:candidate-081': 'true',
    });
    assert.match(dialogOf(synced), /Synced to your CRM/);
    const activity = (await app.services.crm.listActivities(TENANT)).find(
      (a) => a.messageKey === 'teams:1796000000001',
    );
    assert.deepEqual(activity?.linkIds, ['candidate-081']);

    const found = await action('submitAction', 'associate', '1796000000002', {
      action: 'search',
      query: 'contoso',
    });
    assert.match(dialogOf(found), /Contoso Ltd/);
    const linked = await action('submitAction', 'associate', '1796000000002', {
      action: 'associate',
      'record:company-001': 'true',
    });
    assert.match(dialogOf(linked), /Show Company/);

    // The user's switch still governs syncing the whole mailbox.
    assert.match(text(await say('sync now')), /Email sync is off for you/);
  });

  it('Retry on the errors card and in the tab sync the Error email again', async () => {
    const before = (await app.services.ledger.get(TENANT, RILEY_ID, failingId))!.attempts;
    const retried = await playground.cardAction(errorsCard.messageId, 'retry', { messageId: failingId });
    assert.equal(retried.status, 200);
    assert.match(text(retried.body), /Still failing: Mass mailing/);
    const all = await playground.cardAction(errorsCard.messageId, 'retryAll');
    assert.match(text(all.body), /Retried 1 emails/);

    const tab = await post('/api/tab/errors/retry', { messageId: failingId });
    assert.equal(tab.status, 200, await tab.clone().text());
    assert.equal(((await tab.json()) as { status: string }).status, 'error');
    const after = (await app.services.ledger.get(TENANT, RILEY_ID, failingId))!.attempts;
    assert.ok(after > before, `attempts ${before} → ${after}: each retry ran`);
  });

  it('the Outlook add-in syncs the email open in Outlook', async () => {
    const inbox = h.sandbox.model.wellKnown(RILEY_ID, 'inbox')!.id;
    const message = h.sandbox.model.addMessage(RILEY_ID, inbox, {
      subject: 'From Outlook, sync off',
      from: { emailAddress: { name: 'Victor', address: 'victor.dubois@fabrikam.com' } },
      toRecipients: [{ emailAddress: { address: RILEY } }],
      body: { contentType: 'html', content: '<p>hello</p>' },
      receivedDateTime: '2020-01-02T10:00:00Z',
      internetMessageId: '<sync-off@outlook.test>',
    });
    const answer = await post(`/api/outlook/messages/${encodeURIComponent(message.restId)}/sync`, {});
    assert.equal(answer.status, 200, await answer.clone().text());
    assert.equal(((await answer.json()) as { status: { exported: string } }).status.exported, 'Yes');
  });

  it("the organization's switch still refuses every one of them", async () => {
    await app.services.syncService.setTenantEnabled(TENANT, false, 'test');
    const before = (await app.services.crm.listActivities(TENANT)).length;
    const opened = await action('fetchTask', 'syncToCrm', '1796000000003');
    assert.match(dialogOf(opened), /not enabled for your organization/);
    const submitted = await action('submitAction', 'syncToCrm', '1796000000003', {
      action: 'sync',
      'record:candidate-081': 'true',
    });
    assert.match(dialogOf(submitted), /not enabled for your organization/);
    for (const verb of ['retry', 'retryAll']) {
      const pressed = await playground.cardAction(errorsCard.messageId, verb, { messageId: failingId });
      assert.match(text(pressed.body), /not enabled for your organization/, verb);
    }
    assert.equal((await post('/api/tab/errors/retry', { messageId: failingId })).status, 403);
    const inbox = h.sandbox.model.wellKnown(RILEY_ID, 'inbox')!.id;
    const message = h.sandbox.model.addMessage(RILEY_ID, inbox, {
      subject: 'Organization off',
      from: { emailAddress: { address: 'victor.dubois@fabrikam.com' } },
      toRecipients: [{ emailAddress: { address: RILEY } }],
      body: { contentType: 'text', content: 'hi' },
      receivedDateTime: '2020-01-02T10:00:00Z',
      internetMessageId: '<org-off@outlook.test>',
    });
    const outlook = await post(`/api/outlook/messages/${encodeURIComponent(message.restId)}/sync`, {});
    assert.equal(outlook.status, 403);
    assert.equal((await app.services.crm.listActivities(TENANT)).length, before, 'nothing written');
  });
});
