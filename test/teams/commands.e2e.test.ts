import assert from 'node:assert/strict';
import type { RunningApp } from '../../bot/main.ts';
import { type AppHarness, RILEY_ID, riley, startAppHarness, TENANT } from '../support/app-harness.ts';
import type { Playground, PlaygroundMessage } from '../support/playground.ts';
import { RILEY, type TestGraph } from '../support/sandbox.ts';

function text(message: PlaygroundMessage | Record<string, unknown> | undefined): string {
  return JSON.stringify(message ?? {});
}

describe('chat commands and card buttons through the Agents Playground', function () {
  this.timeout(60_000);
  let h: AppHarness;
  let app: RunningApp;
  let graph: TestGraph;
  let playground: Playground;

  before(async () => {
    h = await startAppHarness({ playground: true });
    ({ app, graph } = h);
    playground = h.playground!;
  });
  after(() => h?.stop());

  /**
   * Each test sets up the state it needs (sync off or on, an Error email), so none relies on the
   * ones before it having run.
   */
  async function syncOff(): Promise<void> {
    const stored = await app.services.settings.get(TENANT, RILEY_ID);
    if (stored) await app.services.settings.save(TENANT, RILEY_ID, { ...stored.settings, emailSync: false });
  }
  async function syncOn(): Promise<void> {
    await app.services.syncService.turnOn(riley);
    const stored = await app.services.settings.get(TENANT, RILEY_ID);
    await app.services.settings.save(TENANT, RILEY_ID, { ...stored!.settings, active: true, daysBack: 3650 });
  }
  /** An email that fails all three attempts (30,000 recipients), synced: an Error item. */
  async function anErrorEmail(): Promise<void> {
    await syncOn();
    if ((await app.services.ledger.counts(TENANT, RILEY_ID)).error > 0) return;
    const recipients = Array.from({ length: 30_000 }, (_, i) => ({
      emailAddress: {
        name: `R${i}`,
        address: `recipient-number-${i}@a-rather-long-mass-mailing-domain.example`,
      },
    }));
    recipients.push({ emailAddress: { name: 'Victor', address: 'victor.dubois@fabrikam.com' } });
    await graph.adminCall('POST', `/users/${RILEY}/messages`, {
      folder: 'sentitems',
      message: {
        subject: 'Mass mailing',
        from: { emailAddress: { name: 'Riley', address: RILEY } },
        toRecipients: recipients,
      },
    });
    await app.services.syncService.syncNow(riley);
  }

  async function say(words: string): Promise<PlaygroundMessage> {
    const since = playground.eventCount;
    await playground.say(words);
    return playground.nextBotMessage(since);
  }

  it('welcomes a user who installs the app, says sync is off, and remembers the conversation', async () => {
    const since = playground.eventCount;
    await playground.install();
    const welcome = await playground.nextBotMessage(since);
    assert.match(text(welcome), /Welcome to CRM Sync/);
    assert.match(text(welcome), /Sync is off/);
    assert.match(text(welcome), /"verb":"turnOn"/);
    const open = /"title":"Open settings","url":"([^"]+)"/.exec(text(welcome))?.[1];
    assert.equal(open, `${app.url}/tab/settings`);
    const tab = await fetch(open!);
    assert.equal(tab.status, 200, 'the settings link opens the tab');
    assert.match(tab.headers.get('content-type') ?? '', /text\/html/);
    const ref = await new (await import('../../bot/teams/conversation-store.ts')).ConversationRepository(
      app.store,
    ).get(TENANT, RILEY_ID);
    assert.equal(ref?.conversationId, (await playground.config()).personalChat.id);
    assert.match(ref?.serviceUrl ?? '', /^http:\/\/(localhost|127\.0\.0\.1)/);
  });

  it('answers commands with the access-restricted card until the user turns sync on, then turns it on from the card', async () => {
    await syncOff();
    const restricted = await say('sync status');
    assert.match(text(restricted), /Email sync is off for you/);
    // Graph takes 6 s over a subscription (its validation call): the button still answers within
    // Teams' 5 s (the harness holds it to that), and the subscriptions follow in the background.
    h.sandbox.faults.add({ route: 'subscriptions', latencyMs: 6_000, times: 1 });
    const turnedOn = await playground.cardAction(restricted.messageId, 'turnOn');
    assert.equal(turnedOn.status, 200);
    assert.match(text(turnedOn.body), /Email sync is on/);
    await h.subscribed(riley, 30_000);
    const status = await say('sync status');
    assert.match(text(status), /CRM Sync status/);
    assert.match(text(status), /"value":"Active"/);
  });

  it('says the organization has not enabled the app, and who can, when the tenant is off', async () => {
    await app.services.syncService.setTenantEnabled(TENANT, false, 'test');
    try {
      for (const command of ['sync now', 'errors', 'pause']) {
        const answer = await say(command);
        assert.match(text(answer), /not enabled for your organization/, command);
        assert.match(text(answer), /administrator/);
      }
    } finally {
      await app.services.syncService.setTenantEnabled(TENANT, true, 'test');
    }
  });

  it('syncs now with one progress card updated in place until the result', async () => {
    await syncOn();
    const stored = await app.services.settings.get(TENANT, RILEY_ID);
    await app.services.settings.save(TENANT, RILEY_ID, { ...stored!.settings, daysBack: 3650 });
    const since = playground.eventCount;
    const progress = await say('SYNC   now');
    assert.match(text(progress), /Syncing your mail/);
    const done = await playground.nextUpdate(since, progress.messageId, 30_000).then(async (first) => {
      let latest = first;
      const deadline = Date.now() + 30_000;
      while (!/Sync finished/.test(text(latest)) && Date.now() < deadline) {
        latest = await playground
          .nextUpdate(playground.eventCount - 1, progress.messageId, 30_000)
          .catch(() => latest);
        await new Promise((r) => setTimeout(r, 50));
      }
      return latest;
    });
    assert.match(text(done), /Sync finished/);
    const status = await say('sync status');
    const synced = /"title":"Synced","value":"(\d+)"/.exec(text(status));
    assert.ok(synced && Number(synced[1]) > 100, text(status));
  });

  it('pauses and resumes, and the status card follows', async () => {
    await syncOn();
    assert.match(text(await say('pause')), /Sync paused/);
    assert.match(text(await say('sync status')), /"value":"Paused"/);
    assert.match(text(await say('resume')), /Sync resumed/);
    const status = await say('sync status');
    assert.match(text(status), /"value":"Active"/);
    const paused = await playground.cardAction(status.messageId, 'pause');
    assert.match(text(paused.body), /"value":"Paused"/);
    const resumed = await playground.cardAction(status.messageId, 'resume');
    assert.match(text(resumed.body), /"value":"Active"/);
  });

  it('lists Error emails with Retry, and Retry answers with the outcome', async () => {
    await anErrorEmail();
    const errors = await say('errors');
    assert.match(text(errors), /Mass mailing/);
    assert.match(text(errors), /"verb":"retry"/);
    assert.match(text(errors), /"verb":"retryAll"/);
    const messageId = /"verb":"retry","messageId":"([^"]+)"/.exec(text(errors))?.[1];
    const retried = await playground.cardAction(errors.messageId, 'retry', { messageId });
    assert.equal(retried.status, 200);
    assert.match(text(retried.body), /Still failing: Mass mailing/);
    const all = await playground.cardAction(errors.messageId, 'retryAll');
    assert.match(text(all.body), /Retried 1 emails/);
  });

  it('says so when a retried email is gone, and turns a failure into a friendly card with a reference', async () => {
    await anErrorEmail();
    const errors = await say('errors');
    const gone = await playground.cardAction(errors.messageId, 'retry', {
      messageId: 'AAkALgAAno-such-message=',
    });
    assert.match(text(gone.body), /no longer in your mailbox/);
    const messageId = /"verb":"retry","messageId":"([^"]+)"/.exec(text(errors))?.[1];
    await graph.adminCall('POST', '/faults', { route: 'message', status: 400, times: 1 });
    const failed = await playground.cardAction(errors.messageId, 'retry', { messageId });
    assert.match(text(failed.body), /Something went wrong on our side/);
    assert.match(text(failed.body), /reference: [0-9a-f-]{36}/);
  });

  it('shows the notification center, newest first with the unread count', async () => {
    const center = new (await import('../../bot/notifications/notification-center.ts')).NotificationCenter(
      app.store,
    );
    await center.add(TENANT, RILEY_ID, {
      id: 'n1',
      title: 'Sync finished',
      text: '12 synced',
      severity: 'success',
    });
    await new Promise((r) => setTimeout(r, 5));
    await center.add(TENANT, RILEY_ID, {
      id: 'n2',
      title: '1 email could not be synced',
      text: 'Mass mailing',
      severity: 'error',
    });
    const shown = text(await say('notifications'));
    assert.match(shown, /Notifications \(\d+ unread\)/);
    assert.ok(shown.indexOf('could not be synced') < shown.indexOf('Sync finished'), 'newest first');
    const list = await say('notifications');
    const read = await playground.cardAction(list.messageId, 'markAllRead');
    assert.match(text(read.body), /Notifications \(0 unread\)/);
    const cleared = await playground.cardAction(list.messageId, 'clearNotifications');
    assert.match(text(cleared.body), /No notifications yet/);
    assert.equal(await center.unreadCount(TENANT, RILEY_ID), 0);
  });

  it('shows the user’s settings, and anything unknown gets help', async () => {
    await syncOn();
    const settings = text(await say('settings'));
    assert.match(settings, /Your sync settings/);
    assert.match(settings, /inbox, sentitems \(with subfolders\)/);
    assert.match(settings, /"title":"Change settings","url":"http:\/\/127\.0\.0\.1:\d+\/tab\/settings"/);
    assert.match(text(await say('please do my job')), /didn't recognise/);
  });

  it('refreshes the status card through Action.Execute when Teams asks', async () => {
    await syncOn();
    const status = await say('sync status');
    assert.match(
      text(status),
      /"refresh":\{"action":\{"type":"Action.Execute",[^}]*\},"verb":"refreshStatus"/,
    );
    const refreshed = await playground.cardAction(status.messageId, 'refreshStatus');
    assert.equal(refreshed.status, 200);
    assert.match(text(refreshed.body), /CRM Sync status/);
  });

  describe('message actions', () => {
    const payload = (id: string, html: string, subject: string | null = 'FW: Senior Java Developer') => ({
      id,
      subject,
      createdDateTime: '2026-11-20T15:04:00.000Z',
      linkToMessage: `https://teams.microsoft.com/l/message/19:chat/${id}`,
      body: { contentType: 'html', content: html },
      from: {
        user: {
          userIdentityType: 'aadUser',
          id: '8a1d2c3b-4e5f-4a6b-9c7d-2e3f4a5b6c7d',
          displayName: 'Sam Patel',
        },
      },
    });
    const open = (commandId: string, messagePayload: unknown) =>
      playground.invoke('composeExtension/fetchTask', {
        commandId,
        commandContext: 'message',
        messagePayload,
      });
    const submit = (commandId: string, messagePayload: unknown, data: Record<string, unknown>) =>
      playground.invoke('composeExtension/submitAction', {
        commandId,
        commandContext: 'message',
        messagePayload,
        data,
      });
    const card = (answer: { body: Record<string, unknown> }) =>
      (answer.body.task as { value: { card: { content: Record<string, unknown> } } }).value.card.content;

    it('"Sync to CRM" shows the message and the records its addresses match, then links the ones picked', async () => {
      const message = payload(
        '1795000000001',
        '<p>Forwarding from <b>victor.dubois@fabrikam.com</b>: he is open to a move.</p>',
      );
      const opened = await open('syncToCrm', message);
      assert.equal(opened.status, 200);
      const dialog = card(opened);
      assert.match(text(dialog), /FW: Senior Java Developer/);
      const toggles = [...text(dialog).matchAll(/"id":"(record:[^"]+)"/g)].map((m) => m[1]);
      assert.deepEqual(toggles.sort(), ['record:candidate-081', 'record:contact-005']);

      const submitted = await submit('syncToCrm', message, {
        action: 'sync',
        'record:candidate-081': 'true',
        'record:contact-005': 'false',
      });
      const result = card(submitted);
      assert.match(text(result), /Synced to your CRM/);
      assert.match(
        text(result),
        /"title":"Show Candidate","url":"http:\/\/127\.0\.0\.1:\d+\/tab\/records\/candidate\/candidate-081"/,
      );
      assert.doesNotMatch(text(result), /Show Contact/);
      // Show Candidate opens the record's page in the tab, and the tab API has the record behind it.
      const record = await fetch(`${app.url}/api/tab/records/candidate/candidate-081`);
      assert.equal(record.status, 200);
      assert.equal(((await record.json()) as { record: { id: string } }).record.id, 'candidate-081');
      const activities = await app.services.crm.listActivities(TENANT);
      const activity = activities.find((a) => a.messageKey === 'teams:1795000000001');
      assert.deepEqual(activity?.linkIds, ['candidate-081']);

      const again = await submit('syncToCrm', message, { action: 'sync', 'record:contact-005': 'true' });
      assert.match(text(card(again)), /Added to the activity already in your CRM/);
      const after = (await app.services.crm.listActivities(TENANT)).filter(
        (a) => a.messageKey === 'teams:1795000000001',
      );
      assert.equal(after.length, 1, 'still one activity');
      assert.deepEqual(after[0]?.linkIds.sort(), ['candidate-081', 'contact-005']);
    });

    it("answers within Teams' 5 seconds while Graph is slow, and posts a slow result to the chat", async () => {
      // Graph takes 8 s to name the sender: the dialog opens without waiting for it.
      h.sandbox.faults.add({ route: 'users', latencyMs: 8_000, times: 1 });
      const message = payload('1795000000010', '<p>victor.dubois@fabrikam.com</p>');
      const opened = await open('syncToCrm', message);
      assert.equal(opened.status, 200);
      assert.match(text(card(opened)), /record:candidate-081/);
      h.sandbox.faults.clear();
      // The CRM takes 6 s to write: the dialog says so, and the result comes to the chat after.
      const crm = app.services.crm;
      const record = crm.recordActivity.bind(crm);
      crm.recordActivity = async (input) => {
        await new Promise((r) => setTimeout(r, 6_000));
        return record(input);
      };
      // Graph is slow to name the sender again too: the two waits share one budget.
      h.sandbox.faults.add({ route: 'users', latencyMs: 8_000, times: 1 });
      try {
        const since = playground.eventCount;
        const submitted = await submit('syncToCrm', message, {
          action: 'sync',
          'record:candidate-081': 'true',
        });
        assert.match(text(card(submitted)), /Saving to your CRM/);
        const later = await playground.nextBotMessage(since, 15_000);
        assert.match(JSON.stringify(later), /Synced to your CRM/);
      } finally {
        crm.recordActivity = record;
      }
    });

    it('shows a subject written as Markdown as the text it is, never as a link', async () => {
      const message = payload(
        '1795000000009',
        '<p>victor.dubois@fabrikam.com</p>',
        '[Verify your account](https://phish.example/login) **now**',
      );
      const dialog = card(await open('syncToCrm', message));
      const texts = JSON.stringify(dialog);
      // In the card's JSON a backslash is doubled: the text itself is \[Verify your account\](…) \*\*now.
      assert.ok(
        texts.includes(String.raw`\\[Verify your account\\](https://phish.example/login) \\*\\*now`),
        texts,
      );
      assert.ok(!texts.includes('"[Verify your account]'), 'no unescaped link');
    });

    it('offers Associate instead of a dead end when nothing matches, and Associate searches and links', async () => {
      const message = payload('1795000000002', '<p>Lunch on Friday?</p>', null);
      const opened = card(await open('syncToCrm', message));
      assert.match(text(opened), /Associate instead/);
      const associate = card(await submit('syncToCrm', message, { action: 'openAssociate' }));
      assert.match(text(associate), /"id":"query"/);
      const found = card(await submit('associate', message, { action: 'search', query: 'contoso' }));
      assert.match(text(found), /Contoso Ltd/);
      const companyToggle = /"id":"(record:company-001)"/.exec(text(found))?.[1];
      assert.ok(companyToggle);
      const linked = card(
        await submit('associate', message, { action: 'associate', [companyToggle]: 'true' }),
      );
      assert.match(text(linked), /Show Company/);
      const none = card(await submit('associate', message, { action: 'search', query: 'zzzz-nobody' }));
      assert.match(text(none), /Nothing found/);
    });

    it('answers with the access-restricted card when the organization has not enabled the app', async () => {
      await app.services.syncService.setTenantEnabled(TENANT, false, 'test');
      try {
        const opened = card(await open('syncToCrm', payload('1795000000003', 'hi')));
        assert.match(text(opened), /not enabled for your organization/);
      } finally {
        await app.services.syncService.setTenantEnabled(TENANT, true, 'test');
      }
    });
  });
});
