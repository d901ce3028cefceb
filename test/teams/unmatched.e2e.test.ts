import assert from 'node:assert/strict';
import { type AppHarness, RILEY_ID, riley, startAppHarness, TENANT } from '../support/app-harness.ts';
import type { Playground, PlaygroundMessage } from '../support/playground.ts';
import { RILEY } from '../support/sandbox.ts';

/**
 * `unmatched` through the Agents Playground (the real Teams protocol): the no-match emails, and
 * Associate from the card links one: search, tick a record, one activity in the CRM.
 */

const text = (value: unknown) => JSON.stringify(value ?? {});

interface CardAction {
  title: string;
  verb?: string;
  data?: Record<string, unknown>;
}

/** Every Action.Execute on a card, in its body's action sets and its own actions. */
function actionsOf(card: unknown): CardAction[] {
  const found: CardAction[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.type === 'Action.Execute') found.push(o as unknown as CardAction);
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  return found;
}

describe('unmatched emails in the chat', function () {
  this.timeout(120_000);
  let h: AppHarness;
  let playground: Playground;
  let noMatchId: string;

  before(async () => {
    h = await startAppHarness({ playground: true, install: true });
    playground = h.playground!;
    noMatchId = String(
      (
        await h.graph.adminCall('POST', `/users/${RILEY}/messages`, {
          folder: 'inbox',
          message: {
            subject: 'Quokka project: are you hiring?',
            from: { emailAddress: { name: 'Quinn', address: 'quinn@quokka.example' } },
            toRecipients: [{ emailAddress: { address: RILEY } }],
            receivedDateTime: '2026-11-30T09:00:00Z',
          },
        })
      ).id,
    );
    await h.app.services.settings.save(TENANT, RILEY_ID, {
      enabledAt: '2020-01-01T00:00:00.000Z',
      folders: ['inbox'],
    });
    assert.equal(
      (await h.app.services.mailSync.run(riley, { mode: 'all', trigger: 'manual' })).status,
      'completed',
    );
  });
  after(() => h?.stop());

  async function unmatched(): Promise<PlaygroundMessage> {
    const since = playground.eventCount;
    await playground.say('unmatched');
    return playground.nextBotMessage(since);
  }

  it('lists the no-match emails, newest first, with their count and the Emails view', async () => {
    const card = await unmatched();
    const shown = text(card);
    const count = (await h.app.services.ledger.counts(TENANT, RILEY_ID)).no_match;
    assert.match(shown, new RegExp(`Emails with no candidate or contact \\(${count}\\)`));
    assert.match(shown, /Quokka project: are you hiring\?/);
    assert.match(shown, /Open the Emails view/);
    assert.match(shown, /settings\/emails\?status=no_match/);
    const first = actionsOf(card).find((a) => a.title === 'Associate…');
    assert.equal(first?.data?.messageId, noMatchId, 'the newest no-match email comes first');
  });

  it('associates one from its card: search, tick, link, one activity with Show buttons', async () => {
    const list = await unmatched();
    const pick = actionsOf(list).find((a) => a.data?.messageId === noMatchId)!;
    const picked = await playground.cardAction(list.messageId, pick.verb!, pick.data);
    assert.equal(picked.status, 200);
    const pickCard = (picked.body as { value?: unknown }).value;
    assert.match(text(pickCard), /Find candidates, contacts or companies/);
    const search = actionsOf(pickCard).find((a) => a.title === 'Search')!;
    const found = await playground.cardAction(list.messageId, search.verb!, {
      ...search.data,
      query: 'Victor',
    });
    const results = (found.body as { value?: unknown }).value;
    assert.match(text(results), /Victor Dubois \(Candidate/);
    const record = h.app.services.crm;
    const victor = (await record.search(TENANT, 'Victor')).find((r) => r.type === 'candidate')!;
    const link = actionsOf(results).find((a) => a.title === 'Associate')!;
    const linked = await playground.cardAction(list.messageId, link.verb!, {
      ...link.data,
      query: 'Victor',
      [`record:${victor.id}`]: 'true',
    });
    const done = text((linked.body as { value?: unknown }).value);
    assert.match(done, /Associated/);
    assert.match(done, /Link type: Cand/);
    assert.match(done, /Show Candidate/);
    assert.doesNotMatch(done, /Last activity: none yet/, 'the record has this email as its activity now');
    const entry = await h.app.services.ledger.get(TENANT, RILEY_ID, noMatchId);
    assert.equal(entry?.status, 'synced');
    assert.deepEqual(entry?.matched?.candidates, [victor.id]);
    const activities = (await h.app.services.crm.listActivities(TENANT)).filter(
      (a) => a.messageId === noMatchId,
    );
    assert.equal(activities.length, 1);
    // Pressed again (a double click): still one activity.
    await playground.cardAction(list.messageId, link.verb!, {
      ...link.data,
      [`record:${victor.id}`]: 'true',
    });
    assert.equal(
      (await h.app.services.crm.listActivities(TENANT)).filter((a) => a.messageId === noMatchId).length,
      1,
    );
    // And it no longer counts as unmatched.
    assert.doesNotMatch(text(await unmatched()), /Quokka project/);
  });
});
