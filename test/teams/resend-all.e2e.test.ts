import assert from 'node:assert/strict';
import type { RunningApp } from '../../bot/main.ts';
import type { SyncJob } from '../../bot/worker/jobs.ts';
import { type AppHarness, RILEY_ID, riley, startAppHarness, TENANT } from '../support/app-harness.ts';
import type { Playground, PlaygroundMessage } from '../support/playground.ts';

/**
 * Resend All from the chat, through the Agents Playground: "resend all" answers with a card that
 * says what it does, only its Confirm queues the job (for the worker, not inside Teams' invoke),
 * and the worker runs it. While a test looks at the queue the worker is stopped, so the job is seen
 * there before anything takes it.
 */

const text = (value: unknown) => JSON.stringify(value ?? {});

describe('Resend All from the chat', function () {
  this.timeout(120_000);
  let h: AppHarness;
  let app: RunningApp;
  let playground: Playground;

  before(async () => {
    h = await startAppHarness({ playground: true, install: true });
    ({ app } = h);
    playground = h.playground!;
    await app.services.syncService.turnOn(riley);
    const stored = await app.services.settings.get(TENANT, RILEY_ID);
    await app.services.settings.save(TENANT, RILEY_ID, { ...stored!.settings, daysBack: 3650 });
    // Everything is in the CRM once already: Resend All must refresh it, not add to it.
    const first = await app.services.syncService.syncNow(riley);
    assert.equal(first.status, 'completed');
    assert.ok(first.activitiesCreated > 0);
  });
  after(() => h?.stop());

  async function confirmationCard(): Promise<PlaygroundMessage> {
    const since = playground.eventCount;
    await playground.say('resend all');
    const card = await playground.nextBotMessage(since);
    assert.match(text(card), /Resend all your email to the CRM\?/);
    return card;
  }

  /** The verb of the card's button titled `title`, as Teams would send it when pressed. */
  function verbOf(card: PlaygroundMessage, title: string): string {
    const actions = (card.attachments?.[0]?.content as { actions?: Array<{ title: string; verb: string }> })
      .actions;
    const verb = actions?.find((a) => a.title === title)?.verb;
    assert.ok(verb, `a "${title}" button in ${text(actions)}`);
    return verb;
  }

  /** The mailbox jobs waiting in the queue, given back untouched (the worker is stopped meanwhile). */
  async function queuedMailboxJobs(): Promise<SyncJob[]> {
    const messages = await app.services.queue.receive({ max: 32, visibilitySeconds: 60 });
    for (const message of messages) await app.services.queue.release(message, 0);
    return messages.map((m) => m.body).filter((job) => job.kind === 'mailbox');
  }

  async function withWorkerStopped(test: () => Promise<void>): Promise<void> {
    await app.services.worker.stop();
    try {
      await test();
    } finally {
      app.services.worker.start();
    }
  }

  it('says what Resend All does before anything happens, and Cancel queues nothing', async () => {
    await withWorkerStopped(async () => {
      const card = await confirmationCard();
      const shown = text(card);
      assert.match(
        shown,
        /Every email in your selected folders \(inbox, sentitems\) since \{\{DATE\(\d{4}-\d\d-\d\d/,
      );
      assert.match(shown, /not duplicated: their links to candidates and contacts are refreshed/);
      assert.match(shown, /can take a long time/);
      assert.match(shown, /not usually needed/);
      assert.deepEqual(await queuedMailboxJobs(), [], 'asking queues nothing');

      const cancelled = await playground.cardAction(card.messageId, verbOf(card, 'Cancel'));
      assert.equal(cancelled.status, 200);
      assert.match(text(cancelled.body), /Resend All cancelled/);
      assert.deepEqual(await queuedMailboxJobs(), [], 'Cancel queues nothing');
    });
  });

  it('Confirm queues one Resend All for the worker, which runs it without duplicating any activity', async () => {
    const before = (await app.services.crm.listActivities(TENANT)).length;
    await withWorkerStopped(async () => {
      const card = await confirmationCard();
      const confirmed = await playground.cardAction(card.messageId, verbOf(card, 'Confirm: resend all'));
      assert.equal(confirmed.status, 200);
      assert.match(text(confirmed.body), /Resend All has started/);
      assert.deepEqual(await queuedMailboxJobs(), [
        { kind: 'mailbox', tenantId: TENANT, userId: RILEY_ID, trigger: 'manual', mode: 'resend_all' },
      ]);
    });
    // The worker, started again, takes the job and runs it.
    const deadline = Date.now() + 60_000;
    let lastRun = (await app.services.state.mailbox(TENANT, RILEY_ID))?.lastRun;
    while (lastRun?.mode !== 'resend_all' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      lastRun = (await app.services.state.mailbox(TENANT, RILEY_ID))?.lastRun;
    }
    assert.equal(lastRun?.mode, 'resend_all', text(lastRun));
    assert.equal(lastRun.trigger, 'manual');
    assert.equal(lastRun.status, 'completed');
    assert.ok(lastRun.processed > 0, text(lastRun));
    assert.equal(lastRun.activitiesCreated, 0, 'emails already in the CRM get no second activity');
    assert.equal((await app.services.crm.listActivities(TENANT)).length, before);
  });
});
