import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RunningApp } from '../../bot/main.ts';
import type { SyncSettings } from '../../bot/sync/sync-settings.ts';
import type { RunSummary } from '../../bot/sync/sync-state.ts';
import { type AppHarness, RILEY_ID, riley, startAppHarness, TENANT } from '../support/app-harness.ts';
import type { Playground, PlaygroundMessage } from '../support/playground.ts';
import { RILEY } from '../support/sandbox.ts';

/**
 * What an automatic sync tells the user in their Teams chat: which records its emails went to (Show
 * buttons, candidates first, a few at most, then the Emails view) and which emails (with their link
 * type), and whether it says anything at all, as their notification level says. Everything runs for
 * real: the sandbox's Graph, the sync, its events, the notifier's outbox and the Teams SDK sending to
 * the Agents Playground.
 */

interface Action {
  type: string;
  title: string;
  url?: string;
  verb?: string;
}

const card = (message: PlaygroundMessage) =>
  message.attachments?.[0]?.content as { body: Array<{ text?: string }>; actions?: Action[] };
const texts = (message: PlaygroundMessage) => card(message).body.map((b) => b.text ?? '');

/** The seed directory: who each address is in the CRM. */
const VICTOR_CANDCON = { name: 'Victor Dubois', address: 'victor.dubois@fabrikam.com' }; // candidate-081 and contact-005
const LIAM_CON = { name: 'Liam Novak', address: 'liam.novak@contoso.com' }; // contact-001
const FELIX_CAND = { name: 'Felix Adeyemi', address: 'felix.adeyemi65@icloud.com' }; // candidate-001
const ELENA_CAND = { name: 'Elena Silva', address: 'elena.silva@proton.me' }; // candidate-002
const ROSA_CAND = { name: 'Rosa Reyes', address: 'rosa.reyes@icloud.com' }; // candidate-003
const ETHAN_CAND = { name: 'Ethan Walsh', address: 'ethan.walsh@proton.me' }; // candidate-004
const ZOE_CON = { name: 'Zoe Kowalski', address: 'zoe.kowalski@contoso.com' }; // contact-002

describe('automatic sync cards through the Agents Playground', function () {
  this.timeout(90_000);
  let h: AppHarness;
  let app: RunningApp;
  let playground: Playground;
  /** The notifier's work for each automatic run, so a test knows when it has decided. */
  let decided: Array<Promise<void>>;

  before(async () => {
    h = await startAppHarness({ playground: true, install: true });
    ({ app } = h);
    playground = h.playground!;
    // The tests run the automatic sync themselves, so each knows which emails one run has: no
    // background worker, no change notifications (the worker would make the subscriptions).
    await app.services.worker.stop();
    await app.services.syncService.turnOn(riley);
    const automaticRun = app.notifier.automaticRun.bind(app.notifier);
    app.notifier.automaticRun = (user, summary) => {
      const work = automaticRun(user, summary);
      decided.push(work);
      return work;
    };
  });
  after(() => h?.stop());

  beforeEach(async () => {
    decided = [];
    await setNotifications({ level: 'all', everyMinutes: 0 });
  });

  async function setNotifications(notifications: SyncSettings['notifications']): Promise<void> {
    const stored = await app.services.settings.get(TENANT, RILEY_ID);
    await app.services.settings.save(TENANT, RILEY_ID, { ...stored!.settings, notifications });
  }

  async function receive(
    subject: string,
    from: { name: string; address: string },
    extra: Record<string, unknown> = {},
  ) {
    await h.graph.adminCall('POST', `/users/${RILEY}/messages`, {
      folder: 'inbox',
      message: {
        subject,
        from: { emailAddress: from },
        toRecipients: [{ emailAddress: { name: 'Riley', address: RILEY } }],
        ...extra,
      },
    });
  }

  /**
   * The cards that reach the chat because of `work`: everything the bot sends until a marker
   * notification, queued once the notifier has decided about every run, comes through after them.
   */
  /** What the bot sent (new messages and updates) after `since` events, oldest first. */
  const sentSince = (since: number) =>
    (playground.eventsSince(since) as Array<{ action: string; message?: PlaygroundMessage }>).filter(
      (e) => e.message !== undefined,
    );

  async function until<T>(what: string, found: () => T | undefined): Promise<T> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const value = found();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`no ${what} within 20 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * The cards that reach the chat because of `work`: everything the bot sends until a marker
   * notification, queued once the notifier has decided about every run, comes through after them
   * (the outbox sends in the order things were queued).
   */
  async function cardsFrom(work: () => Promise<unknown>): Promise<PlaygroundMessage[]> {
    const since = playground.eventCount;
    await work();
    await Promise.all(decided);
    const marker = `marker ${randomUUID()}`;
    await app.notifier.notify(riley, { id: marker, title: marker, text: 'end', severity: 'info' });
    return until('marker card', () => {
      const created = sentSince(since).filter((e) => e.action === 'createMessage');
      const at = created.findIndex((e) => JSON.stringify(e.message).includes(marker));
      return at >= 0 ? created.slice(0, at).map((e) => e.message!) : undefined;
    });
  }

  const automatic = () => app.services.mailSync.run(riley, { mode: 'automatic', trigger: 'scheduled' });

  describe('Show buttons for the records a run synced email to', () => {
    it('one per record, candidates before contacts, each opening the record page, and the emails with their link types', async () => {
      const cards = await cardsFrom(async () => {
        // Distinct times, so that "newest first" has one answer.
        const at = Date.now();
        await receive('Interview follow-up', VICTOR_CANDCON, {
          receivedDateTime: new Date(at).toISOString(),
        });
        await receive('Budget for Q3 hires', LIAM_CON, {
          receivedDateTime: new Date(at + 1_000).toISOString(),
        });
        const summary = await automatic();
        assert.equal(summary.synced, 2);
      });
      assert.equal(cards.length, 1, 'one card for the run');
      const actions = card(cards[0]!).actions ?? [];
      assert.deepEqual(
        actions.map((a) => [a.type, a.title, a.url]),
        [
          [
            'Action.OpenUrl',
            'Show Candidate: Victor Dubois',
            `${app.url}/tab/records/candidate/candidate-081`,
          ],
          // Contacts by their emails, newest first: Liam's came after Victor's.
          ['Action.OpenUrl', 'Show Contact: Liam Novak', `${app.url}/tab/records/contact/contact-001`],
          ['Action.OpenUrl', 'Show Contact: Victor Dubois', `${app.url}/tab/records/contact/contact-005`],
        ],
      );
      const lines = texts(cards[0]!);
      assert.ok(
        lines.some((t) => /^Interview follow-up · \{\{DATE\(.*\)\}\} \{\{TIME\(.*\)\}\} · CandCon$/.test(t)),
        lines.join(' | '),
      );
      assert.ok(
        lines.some((t) => /^Budget for Q3 hires · \{\{DATE\(.*\)\}\} \{\{TIME\(.*\)\}\} · Con$/.test(t)),
        lines.join(' | '),
      );
      // The record page the button opens is there.
      assert.equal((await fetch(actions[0]!.url!)).status, 200);
    });

    it('a few at most, candidates first, then one button to the Emails view', async () => {
      const cards = await cardsFrom(async () => {
        for (const [n, who] of [ZOE_CON, FELIX_CAND, ELENA_CAND, ROSA_CAND, ETHAN_CAND, LIAM_CON].entries())
          await receive(`Many ${n}`, who);
        const summary = await automatic();
        assert.equal(summary.synced, 6);
      });
      assert.equal(cards.length, 1);
      const actions = card(cards[0]!).actions ?? [];
      const titles = actions.map((a) => a.title);
      // Five actions is what a card may have: four records, candidates first, and the Emails view.
      assert.equal(titles.length, 5, titles.join(' | '));
      assert.ok(
        titles.slice(0, 4).every((t) => t.startsWith('Show Candidate: ')),
        titles.join(' | '),
      );
      assert.equal(new Set(titles).size, 5);
      assert.equal(titles[4], 'Open the Emails view');
      assert.equal(actions.at(-1)?.url, `${app.url}/tab/settings/emails`);
      const listed = texts(cards[0]!).filter((t) => t.startsWith('Many '));
      assert.equal(listed.length, 5, 'five emails listed, the newest');
    });
  });

  describe('the notification level', () => {
    /** Riley's mass mailing to thirty thousand people and Victor: more than the CRM takes, so it ends as Error. */
    const errorEmail = async () => {
      const recipients = Array.from({ length: 30_000 }, (_, i) => ({
        emailAddress: { name: `R${i}`, address: `recipient-${i}@a-rather-long-mass-mailing-domain.example` },
      }));
      await h.graph.adminCall('POST', `/users/${RILEY}/messages`, {
        folder: 'sentitems',
        message: {
          subject: `Mass mailing ${randomUUID().slice(0, 8)}`,
          from: { emailAddress: { name: 'Riley', address: RILEY } },
          toRecipients: [...recipients, { emailAddress: VICTOR_CANDCON }],
        },
      });
    };
    const runWith = async (
      email: () => Promise<void>,
    ): Promise<{ summary: RunSummary; cards: PlaygroundMessage[] }> => {
      let summary: RunSummary | undefined;
      const cards = await cardsFrom(async () => {
        await email();
        summary = await automatic();
      });
      return { summary: summary!, cards };
    };

    it('off: an automatic run sends no card, even with errors', async () => {
      await setNotifications({ level: 'off', everyMinutes: 0 });
      const synced = await runWith(() => receive('Level off, synced', FELIX_CAND));
      assert.equal(synced.summary.synced, 1);
      assert.deepEqual(synced.cards, []);
      const failed = await runWith(errorEmail);
      assert.equal(failed.summary.errors, 1);
      assert.deepEqual(failed.cards, []);
    });

    it('errors: only a run with Error items sends a card', async () => {
      await setNotifications({ level: 'errors', everyMinutes: 0 });
      const synced = await runWith(() => receive('Level errors, synced', ELENA_CAND));
      assert.equal(synced.summary.synced, 1);
      assert.deepEqual(synced.cards, []);
      const failed = await runWith(errorEmail);
      assert.equal(failed.summary.errors, 1);
      assert.equal(failed.cards.length, 1);
      assert.match(texts(failed.cards[0]!)[0]!, /^1 email could not be synced$/);
      assert.ok(
        card(failed.cards[0]!).actions?.some((a) => a.verb === 'errors'),
        'Show errors and retry',
      );
    });

    it('all: every run that synced something sends a card; a run with nothing new sends none', async () => {
      await setNotifications({ level: 'all', everyMinutes: 0 });
      const synced = await runWith(() => receive('Level all, synced', ROSA_CAND));
      assert.equal(synced.cards.length, 1);
      assert.match(texts(synced.cards[0]!)[0]!, /^New email synced to your CRM$/);
      const nothing = await runWith(async () => undefined);
      assert.equal(nothing.summary.synced + nothing.summary.errors, 0);
      assert.deepEqual(nothing.cards, []);
    });

    it('off: a manual sync still reports back, on the card of the command that started it', async () => {
      await setNotifications({ level: 'off', everyMinutes: 0 });
      await receive('Level off, manual', ETHAN_CAND);
      const since = playground.eventCount;
      await playground.say('sync now');
      const progress = await playground.nextBotMessage(since);
      const last = await until('result card', () =>
        sentSince(since)
          .map((e) => e.message!)
          .find((m) => m.messageId === progress.messageId && JSON.stringify(m).includes('Sync finished')),
      );
      assert.match(JSON.stringify(last), /Sync finished/);
      assert.match(JSON.stringify(last), /"title":"Synced","value":"1"/);
    });
  });
});
