import assert from 'node:assert/strict';
import { RILEY_ID, TENANT, riley, startAppHarness, type AppHarness } from '../support/app-harness.ts';
import { FakeEntra } from '../support/sso.ts';
import type { SandboxMessage } from '../../bot/sandbox/mailbox-model.ts';
import type { EmailView } from '../../bot/outlook/outlook-types.ts';

/**
 * The Outlook add-in's API, with Entra tokens as the add-in gets them by nested app authentication:
 * who may call it, that it reads only the caller's own mailbox, and that one email is one activity
 * however it reaches the CRM (Outlook, twice at once, then the folder sync).
 */

const SAM_ID = '8a1d2c3b-4e5f-4a6b-9c7d-2e3f4a5b6c7d';
const OTHER_TENANT = '0f0f0f0f-1e1e-4d2d-8c3c-4b4b4b4b4b4b';
const VICTOR = 'victor.dubois@fabrikam.com';

describe('Outlook add-in API', function () {
  this.timeout(60_000);
  let h: AppHarness;
  let entra: FakeEntra;
  let token: string;

  const call = async (path: string, options: { token?: string; method?: string; body?: unknown } = {}) => {
    const headers: Record<string, string> = {};
    const bearer = 'token' in options ? options.token : token;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${h.app.url}/api/outlook${path}`, {
      method: options.method ?? 'GET',
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field below
    return { status: response.status, json: (await response.json()) as Record<string, any> };
  };
  const email = (id: string) => `/messages/${encodeURIComponent(id)}`;

  /** A new email in a user's Inbox, as Graph would hold it. */
  const deliver = (userId: string, from: string, subject: string): SandboxMessage => {
    const model = h.sandbox.model;
    return model.addMessage(userId, model.wellKnown(userId, 'inbox')!.id, {
      subject,
      from: { emailAddress: { name: from, address: from } },
      toRecipients: [{ emailAddress: { address: 'riley.morgan@northwindstaffing.com' } }],
      body: { contentType: 'html', content: `<p>${subject}</p>` },
      receivedDateTime: '2020-01-02T10:00:00Z',
      internetMessageId: `<${subject.replace(/\W/g, '')}@outlook.test>`,
    });
  };
  const activitiesFor = async (recordId: string, messageId: string) =>
    (await h.app.services.crm.activitiesOf(TENANT, recordId, 200)).filter((a) => a.messageId === messageId);

  before(async () => {
    entra = await FakeEntra.start();
    h = await startAppHarness({ tabAuth: entra.authenticator({ allowedTenants: [TENANT] }) });
    token = await entra.token(TENANT, RILEY_ID);
  });
  after(async () => {
    await h?.stop();
    await entra?.stop();
  });

  it('refuses no token, a token for another audience, and another tenant', async () => {
    const message = deliver(RILEY_ID, VICTOR, 'Refusals');
    assert.equal((await call(email(message.restId), { token: '' })).status, 401);
    const otherAudience = await entra.token(TENANT, RILEY_ID, { claims: { aud: 'api://someone-else/123' } });
    const wrong = await call(email(message.restId), { token: otherAudience });
    assert.equal(wrong.status, 401);
    assert.match(wrong.json.error.message, /wrong audience/);
    const elsewhere = await call(email(message.restId), { token: await entra.token(OTHER_TENANT, RILEY_ID) });
    assert.equal(elsewhere.status, 403);
  });

  it("answers 404 for an email in someone else's mailbox, or none, and writes nothing", async () => {
    const sams = deliver(SAM_ID, VICTOR, 'For Sam only');
    for (const id of [sams.restId, sams.immutableId, 'AAMkNoSuchMessageAAA=']) {
      const read = await call(email(id));
      assert.equal(read.status, 404, id);
      const sync = await call(`${email(id)}/sync`, { method: 'POST', body: {} });
      assert.equal(sync.status, 404);
      assert.equal(sync.json.error.code, 'not_found');
      assert.match(sync.json.error.message, /not in your mailbox/);
    }
    assert.equal(await h.app.services.ledger.get(TENANT, RILEY_ID, sams.immutableId), undefined);
    assert.equal(await h.app.services.ledger.get(TENANT, SAM_ID, sams.immutableId), undefined);
    assert.equal((await call('/messages/not%20an%20id')).status, 400);
  });

  it("shows an email's matches with company and last activity before it is synced", async () => {
    const message = deliver(RILEY_ID, VICTOR, 'Open to a move');
    const { status, json } = await call(email(message.restId));
    assert.equal(status, 200);
    const view = json as EmailView;
    assert.equal(view.message.id, message.immutableId, 'the immutable id, whatever id Outlook gave');
    assert.equal(view.message.direction, 'received');
    assert.deepEqual(view.status, { exported: '', note: null, linkType: null, records: [], updatedAt: null });
    assert.deepEqual(view.matches.map((m) => m.type).sort(), ['candidate', 'contact']);
    assert.ok(view.matches.every((m) => m.address === VICTOR && m.link.includes(`/tab/records/${m.type}/`)));
    assert.ok(view.matches.find((m) => m.type === 'contact')?.companyName, 'the contact shows its company');
    assert.equal(view.noMatchReason, null);
  });

  it('syncs even with email sync off and an old date; twice at once makes one activity; the folder sync adds none', async () => {
    const message = deliver(RILEY_ID, VICTOR, 'Parallel sync');
    await h.app.services.settings.save(TENANT, RILEY_ID, {
      enabledAt: new Date().toISOString(),
      emailSync: false,
    });
    const [a, b] = await Promise.all([
      call(`${email(message.restId)}/sync`, { method: 'POST', body: {} }),
      call(`${email(message.restId)}/sync`, { method: 'POST', body: {} }),
    ]);
    assert.equal(a.status, 200, JSON.stringify(a.json));
    assert.equal(b.status, 200);
    const view = b.json as EmailView;
    assert.equal(view.status.exported, 'Yes');
    assert.equal(view.status.linkType, 'CandCon');
    assert.deepEqual(view.status.records.map((r) => r.type).sort(), ['candidate', 'contact']);
    const [candidate] = view.status.records.filter((r) => r.type === 'candidate');
    assert.equal((await activitiesFor(candidate!.id, message.immutableId)).length, 1);
    const entry = await h.app.services.ledger.get(TENANT, RILEY_ID, message.immutableId);
    assert.equal(entry?.status, 'synced');

    // Sync turned on now, scanning back far enough to include the email: the folder sync skips it.
    await h.app.services.settings.save(TENANT, RILEY_ID, {
      enabledAt: new Date().toISOString(),
      emailSync: true,
      daysBack: 3650,
    });
    const summary = await h.app.services.mailSync.run(riley, {
      mode: 'all',
      trigger: 'manual',
      folders: ['inbox'],
    });
    assert.equal(summary.status, 'completed');
    assert.equal((await activitiesFor(candidate!.id, message.immutableId)).length, 1);
    assert.equal(
      (await h.app.services.ledger.get(TENANT, RILEY_ID, message.immutableId))?.updatedAt,
      entry?.updatedAt,
    );

    // And syncing from Outlook after the folder sync adds nothing either.
    const again = await call(`${email(message.restId)}/sync`, { method: 'POST', body: {} });
    assert.equal(again.status, 200);
    assert.equal((await activitiesFor(candidate!.id, message.immutableId)).length, 1);
  });

  it('links only the matches the user ticked', async () => {
    const message = deliver(RILEY_ID, VICTOR, 'Only the candidate');
    const before = (await call(email(message.restId))).json as EmailView;
    const candidate = before.matches.find((m) => m.type === 'candidate')!;
    const { status, json } = await call(`${email(message.restId)}/sync`, {
      method: 'POST',
      body: { recordIds: [candidate.id] },
    });
    assert.equal(status, 200);
    assert.equal((json as EmailView).status.linkType, 'Cand');
    assert.deepEqual(
      (json as EmailView).status.records.map((r) => r.id),
      [candidate.id],
    );
    const none = await call(`${email(message.restId)}/sync`, { method: 'POST', body: { recordIds: [] } });
    assert.equal(none.status, 400);

    // Ticking the contact too adds it; unticking never takes a link off the activity.
    const contact = before.matches.find((m) => m.type === 'contact')!;
    const both = (
      await call(`${email(message.restId)}/sync`, { method: 'POST', body: { recordIds: [contact.id] } })
    ).json as EmailView;
    assert.equal(both.status.linkType, 'CandCon');
    assert.deepEqual(both.status.records.map((r) => r.id).sort(), [candidate.id, contact.id].sort());

    // A pane showing matches that are no longer the email's: refused, and the email stays as it was.
    const stale = await call(`${email(message.restId)}/sync`, {
      method: 'POST',
      body: { recordIds: ['candidate-that-does-not-match'] },
    });
    assert.equal(stale.status, 400);
    assert.match(stale.json.error.message, /reload/);
    const after = (await call(email(message.restId))).json as EmailView;
    assert.equal(after.status.exported, 'Yes');
    assert.equal(after.status.linkType, 'CandCon');
  });

  it("refuses everything while the organization's admin has not enabled CRM Sync, and writes nothing", async () => {
    const message = deliver(RILEY_ID, VICTOR, 'Organization switched off');
    await h.app.services.syncService.setTenantEnabled(TENANT, false, 'test');
    try {
      for (const [path, method] of [
        [email(message.restId), 'GET'],
        [`${email(message.restId)}/sync`, 'POST'],
        [`${email(message.restId)}/associate`, 'POST'],
        ['/search?q=novak', 'GET'],
      ] as const) {
        const answer = await call(path, {
          method,
          ...(method === 'POST' ? { body: { recordIds: ['x'] } } : {}),
        });
        assert.equal(answer.status, 403, path);
        assert.match(answer.json.error.message, /not enabled for your organization/);
      }
      assert.equal(await h.app.services.ledger.get(TENANT, RILEY_ID, message.immutableId), undefined);
    } finally {
      await h.app.services.syncService.setTenantEnabled(TENANT, true, 'test');
    }
  });

  it("leaves the mailbox's last run and health alone: one email from Outlook is not a run", async () => {
    const message = deliver(RILEY_ID, VICTOR, 'Not a run');
    assert.equal((await call(`${email(message.restId)}/sync`, { method: 'POST', body: {} })).status, 200);
    // The new email's change notification may start an automatic run meanwhile, which records itself;
    // the Outlook sync never does.
    const after = await h.app.services.state.mailbox(TENANT, RILEY_ID);
    assert.notEqual(after?.lastRun?.trigger, 'outlook');
    assert.notEqual(after?.lastRun?.mode, 'selected');
  });

  it('associates a no-match email with a searched contact, then adds a company to the same activity', async () => {
    const message = deliver(RILEY_ID, 'someone.new@example.org', 'Introduction');
    const first = (await call(email(message.restId))).json as EmailView;
    assert.deepEqual(first.matches, []);
    assert.match(first.noMatchReason ?? '', /no candidate or contact has the address of the sender/);

    const search = await call('/search?q=novak');
    assert.equal(search.status, 200);
    const contact = (search.json.records as EmailView['matches']).find((r) => r.type === 'contact')!;
    assert.ok(contact, 'the search finds the contact');
    const associated = await call(`${email(message.restId)}/associate`, {
      method: 'POST',
      body: { recordIds: [contact.id] },
    });
    assert.equal(associated.status, 200, JSON.stringify(associated.json));
    const view = associated.json as EmailView;
    assert.equal(view.status.exported, 'Yes');
    assert.equal(view.status.linkType, 'Con');
    assert.deepEqual(
      view.status.records.map((r) => r.id),
      [contact.id],
    );

    const company = ((await call('/search?q=contoso')).json.records as EmailView['matches']).find(
      (r) => r.type === 'company',
    )!;
    const more = (
      await call(`${email(message.restId)}/associate`, { method: 'POST', body: { recordIds: [company.id] } })
    ).json as EmailView;
    assert.deepEqual(more.status.records.map((r) => r.id).sort(), [company.id, contact.id].sort());
    assert.equal(more.status.linkType, 'Con');
    assert.equal((await activitiesFor(contact.id, message.immutableId)).length, 1);
    assert.equal((await activitiesFor(company.id, message.immutableId)).length, 1);
  });
});
