import assert from 'node:assert/strict';
import { RILEY_ID, TENANT, riley, startAppHarness, type AppHarness } from '../support/app-harness.ts';
import { FakeEntra, PUBLIC_HOST, CLIENT_ID } from '../support/sso.ts';
import { RILEY } from '../support/sandbox.ts';
import { NotificationCenter } from '../../bot/notifications/notification-center.ts';
import { itemTransitions } from '../../bot/sync/item-ledger.ts';
import { SETTINGS_LIMITS } from '../../bot/sync/sync-settings.ts';
import { USER_LIMITS } from '../../bot/tab/tab-api.ts';

/** The tab API with Teams SSO tokens: who may call it, what they may change, and only their own data. */

const SAM_ID = '8a1d2c3b-4e5f-4a6b-9c7d-2e3f4a5b6c7d';
const OTHER_TENANT = '0f0f0f0f-1e1e-4d2d-8c3c-4b4b4b4b4b4b';

describe('tab API (Teams SSO)', function () {
  this.timeout(60_000);
  let h: AppHarness;
  let entra: FakeEntra;
  let rileyToken: string;
  let samToken: string;

  const call = async (
    path: string,
    options: { token?: string | undefined; method?: string; body?: unknown; ifMatch?: string } = {},
  ) => {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.ifMatch) headers['if-match'] = options.ifMatch;
    const response = await fetch(`${h.app.url}/api/tab${path}`, {
      method: options.method ?? 'GET',
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field below
    const json = (await response.json()) as Record<string, any>;
    return { status: response.status, json, etag: response.headers.get('etag') };
  };

  before(async () => {
    entra = await FakeEntra.start();
    h = await startAppHarness({ tabAuth: entra.authenticator({ allowedTenants: [TENANT] }) });
    rileyToken = await entra.token(TENANT, RILEY_ID, {
      claims: { roles: ['CrmSync.Admin'], preferred_username: RILEY },
    });
    samToken = await entra.token(TENANT, SAM_ID);
  });
  after(async () => {
    await h?.stop();
    await entra?.stop();
  });

  describe('refuses callers it cannot trust', () => {
    it('refuses a request without a token with 401 and says to sign in', async () => {
      const { status, json } = await call('/settings');
      assert.equal(status, 401);
      assert.match(json.error.message, /no bearer token/);
    });

    it("authenticates before reading a body: anonymous large or malformed bodies are a 401, a member's import a 403", async () => {
      const big = JSON.stringify({ csv: 'x'.repeat(1024 * 1024) });
      for (const body of [big, '{"csv":']) {
        const res = await fetch(`${h.app.url}/api/tab/admin/import`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        assert.equal(res.status, 401);
      }
      const member = await fetch(`${h.app.url}/api/tab/admin/import`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${samToken}` },
        body: big,
      });
      assert.equal(member.status, 403);
      const settings = await fetch(`${h.app.url}/api/tab/settings`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${samToken}` },
        body: big,
      });
      assert.equal(settings.status, 413, 'settings bodies are small');
    });

    it('refuses an expired token', async () => {
      const token = await entra.token(TENANT, RILEY_ID, { expiresInSeconds: -900 });
      const { status, json } = await call('/settings', { token });
      assert.equal(status, 401);
      assert.match(json.error.message, /expired/);
    });

    it('refuses a token for another audience', async () => {
      const token = await entra.token(TENANT, RILEY_ID, { claims: { aud: 'api://someone-else/123' } });
      const { status, json } = await call('/settings', { token });
      assert.equal(status, 401);
      assert.match(json.error.message, /wrong audience/);
    });

    it('accepts the Application ID URI as audience (v1 tokens)', async () => {
      const token = await entra.token(TENANT, RILEY_ID, {
        claims: { aud: `api://${PUBLIC_HOST}/${CLIENT_ID}`, iss: `https://sts.windows.net/${TENANT}/` },
      });
      assert.equal((await call('/me', { token })).status, 200);
    });

    it('refuses a tenant that is not allowed with 403', async () => {
      const token = await entra.token(OTHER_TENANT, RILEY_ID);
      const { status, json } = await call('/settings', { token });
      assert.equal(status, 403);
      assert.match(json.error.message, /not allowed/);
    });

    it("refuses an application's own token (client credentials): no user, no scope", async () => {
      const token = await entra.token(TENANT, RILEY_ID, {
        claims: {
          idtyp: 'app',
          scp: undefined,
          roles: ['CrmSync.Admin'],
          azp: '99999999-0000-4000-8000-000000000001',
        },
      });
      const { status, json } = await call('/records?q=a', { token });
      assert.equal(status, 401);
      assert.match(json.error.message, /signed-in user's token, not an application's/);
    });

    it("refuses a user's token without the app's access_as_user scope", async () => {
      const token = await entra.token(TENANT, RILEY_ID, { claims: { scp: 'User.Read' } });
      const { status, json } = await call('/records?q=a', { token });
      assert.equal(status, 401);
      assert.match(json.error.message, /access_as_user scope/);
    });

    it('refuses a client application that is not Teams, Outlook, Office or CRM Sync itself', async () => {
      const token = await entra.token(TENANT, RILEY_ID, {
        claims: { azp: '99999999-0000-4000-8000-000000000002' },
      });
      const { status, json } = await call('/records?q=a', { token });
      assert.equal(status, 403);
      assert.match(json.error.message, /may not call CRM Sync/);
      // Office's add-in SSO (a v1 token names its client in appid) and the pane's own sign-in are fine.
      const office = await entra.token(TENANT, RILEY_ID, {
        claims: {
          azp: undefined,
          appid: 'ea5a67f6-b6f3-4338-b240-c655ddc3cc8e',
          aud: `api://${PUBLIC_HOST}/${CLIENT_ID}`,
          iss: `https://sts.windows.net/${TENANT}/`,
        },
      });
      assert.equal((await call('/me', { token: office })).status, 200);
      const pane = await entra.token(TENANT, RILEY_ID, { claims: { azp: CLIENT_ID } });
      assert.equal((await call('/me', { token: pane })).status, 200);
    });

    it("refuses the organization's guests, however the token says so", async () => {
      for (const claims of [
        { acct: 1 },
        { idp: 'https://sts.windows.net/0f0f0f0f-1e1e-4d2d-8c3c-4b4b4b4b4b4b/' },
        { idp: 'live.com' },
      ]) {
        const token = await entra.token(TENANT, SAM_ID, { claims });
        const { status, json } = await call('/records?q=a', { token });
        assert.equal(status, 403, JSON.stringify(claims));
        assert.match(json.error.message, /Guests of your organization cannot use CRM Sync/);
      }
      const member = await entra.token(TENANT, SAM_ID, {
        claims: { acct: 0, idp: `https://sts.windows.net/${TENANT}/` },
      });
      assert.equal((await call('/records?q=a', { token: member })).status, 200);
    });

    it('refuses a token whose issuer is not the tenant it names', async () => {
      const token = await entra.token(TENANT, RILEY_ID, {
        claims: { iss: `https://login.microsoftonline.com/${OTHER_TENANT}/v2.0` },
      });
      assert.equal((await call('/settings', { token })).status, 401);
    });

    it('refuses a token signed with a key Entra never published', async () => {
      const token = await entra.token(TENANT, RILEY_ID, { rogue: true });
      const { status, json } = await call('/settings', { token });
      assert.equal(status, 401);
      assert.match(json.error.message, /signature/);
    });

    it('refuses a malformed token', async () => {
      assert.equal((await call('/settings', { token: 'not.a.jwt' })).status, 401);
    });
  });

  describe('settings', () => {
    it('names the caller from the token', async () => {
      const { json } = await call('/me', { token: samToken });
      assert.equal(json.userId, SAM_ID);
      assert.equal(json.tenantId, TENANT);
      assert.equal(json.isAdmin, false);
      assert.equal((await call('/me', { token: rileyToken })).json.isAdmin, true);
    });

    it('gives defaults with sync off before the first save, then saves and returns an etag', async () => {
      const first = await call('/settings', { token: samToken });
      assert.equal(first.json.etag, null);
      assert.equal(first.json.settings.emailSync, false);
      const saved = await call('/settings', {
        token: samToken,
        method: 'PUT',
        body: { ...first.json.settings, emailSync: true, schedule: { kind: 'interval', minutes: 30 } },
      });
      assert.equal(saved.status, 200, JSON.stringify(saved.json));
      assert.ok(saved.etag);
      assert.deepEqual(saved.json.settings.schedule, { kind: 'interval', minutes: 30 });
    });

    it('refuses invalid settings with 400 naming each field', async () => {
      const { json: current } = await call('/settings', { token: samToken });
      const { status, json } = await call('/settings', {
        token: samToken,
        method: 'PUT',
        ifMatch: current.etag,
        body: {
          ...current.settings,
          blocklist: ['ok@example.com', 'not an address'],
          schedule: { kind: 'daily', at: '25:00', timeZone: 'Europe/London' },
          attachmentMaxMb: 1000,
        },
      });
      assert.equal(status, 400);
      assert.equal(json.error.code, 'invalid_input');
      assert.deepEqual(json.error.fields.sort(), ['attachmentMaxMb', 'blocklist.1', 'schedule.at']);
      assert.match(json.error.message, /blocklist\.1: must be an email address or @domain/);
    });

    it('bounds every list and string in the settings', async () => {
      const { json: current } = await call('/settings', { token: samToken });
      const { status, json } = await call('/settings', {
        token: samToken,
        method: 'PUT',
        ifMatch: current.etag,
        body: {
          ...current.settings,
          blocklist: Array.from({ length: SETTINGS_LIMITS.blocklist + 1 }, (_, n) => `p${n}@example.com`),
          folders: Array.from({ length: SETTINGS_LIMITS.folders + 1 }, (_, n) => `folder-${n}`),
          extraOwnAddresses: [`${'a'.repeat(300)}@example.com`],
          internalDomains: ['not a domain'],
        },
      });
      assert.equal(status, 400);
      assert.deepEqual(json.error.fields.sort(), [
        'blocklist',
        'extraOwnAddresses.0',
        'folders',
        'internalDomains.0',
      ]);
    });

    it('asks for confirmation before contact sync goes on', async () => {
      const { json: current } = await call('/settings', { token: samToken });
      const refused = await call('/settings', {
        token: samToken,
        method: 'PUT',
        ifMatch: current.etag,
        body: { ...current.settings, contacts: { enabled: true } },
      });
      assert.equal(refused.status, 400);
      assert.match(refused.json.error.message, /confirmation/);
    });

    it('refuses a save over a change made elsewhere: "changed elsewhere, reload"', async () => {
      const tabA = await call('/settings', { token: samToken });
      const tabB = await call('/settings', { token: samToken });
      const first = await call('/settings', {
        token: samToken,
        method: 'PUT',
        ifMatch: tabA.json.etag,
        body: { ...tabA.json.settings, attachments: true },
      });
      assert.equal(first.status, 200);
      const second = await call('/settings', {
        token: samToken,
        method: 'PUT',
        ifMatch: tabB.json.etag,
        body: { ...tabB.json.settings, visibility: 'subject' },
      });
      assert.equal(second.status, 412);
      assert.equal(second.json.error.code, 'changed_elsewhere');
      assert.match(second.json.error.message, /changed elsewhere.*Reload/);
      const noEtag = await call('/settings', { token: samToken, method: 'PUT', body: tabB.json.settings });
      assert.equal(noEtag.status, 412);
      assert.equal((await call('/settings', { token: samToken })).json.settings.attachments, true);
    });

    it('answers a malformed JSON body with 400 and an oversized one with 413', async () => {
      const bad = await fetch(`${h.app.url}/api/tab/settings`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${samToken}`, 'content-type': 'application/json' },
        body: '{"active": tru',
      });
      assert.equal(bad.status, 400);
      const huge = await fetch(`${h.app.url}/api/tab/admin/import/preview`, {
        method: 'POST',
        headers: { authorization: `Bearer ${rileyToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ csv: 'x'.repeat(3_000_000) }),
      });
      assert.equal(huge.status, 413);
    });
  });

  describe('one user never reaches another user’s data', () => {
    before(async () => {
      const on = await h.app.services.syncService.turnOn(riley);
      await h.app.services.settings.save(TENANT, RILEY_ID, { ...on, daysBack: 3650 });
      await h.app.services.syncService.syncNow(riley);
      await new NotificationCenter(h.app.store).add(TENANT, RILEY_ID, {
        id: 'riley-note',
        title: 'For Riley',
        text: 'only Riley',
        severity: 'info',
      });
    });

    it('keeps settings, status, ledger and notifications per user', async () => {
      const rileyStatus = (await call('/status', { token: rileyToken })).json;
      const samStatus = (await call('/status', { token: samToken })).json;
      assert.ok(rileyStatus.counts.synced > 0);
      assert.equal(samStatus.counts.synced, 0);
      assert.equal(samStatus.recent.length, 0);
      const samNotes = (await call('/notifications', { token: samToken })).json;
      assert.ok(!samNotes.items.some((n: { id: string }) => n.id === 'riley-note'));
      const rileySettings = (await call('/settings', { token: rileyToken })).json.settings;
      const samSettings = (await call('/settings', { token: samToken })).json.settings;
      assert.notDeepEqual(rileySettings.schedule, samSettings.schedule);
    });

    it('cannot mark read, retry or change what is someone else’s', async () => {
      const marked = await call('/notifications/read', {
        token: samToken,
        method: 'POST',
        body: { ids: ['riley-note'] },
      });
      assert.equal(marked.json.marked, 0);
      const rileyNotes = (await call('/notifications', { token: rileyToken })).json;
      assert.equal(rileyNotes.items.find((n: { id: string }) => n.id === 'riley-note').read, false);
      const someone = (await call('/status', { token: rileyToken })).json.recent[0].messageId;
      const retried = await call('/errors/retry', {
        token: samToken,
        method: 'POST',
        body: { messageId: someone },
      });
      // The retry looks in Sam's own mailbox, where Riley's email is not: not found, nothing retried.
      assert.equal(retried.status, 404);
      assert.equal(retried.json.error.code, 'not_found');
      assert.match(retried.json.error.message, /^Microsoft Graph answered 404 ErrorItemNotFound/);
      assert.equal((await call('/status', { token: rileyToken })).json.recent[0].messageId, someone);
      // A body naming another user changes nothing: the user is the token's.
      const { json: current } = await call('/settings', { token: samToken });
      await call('/settings', {
        token: samToken,
        method: 'PUT',
        ifMatch: current.etag,
        body: { ...current.settings, userId: RILEY_ID, tenantId: TENANT, visibility: 'metadata' },
      });
      assert.equal((await call('/settings', { token: rileyToken })).json.settings.visibility, 'full');
    });
  });

  describe('the Emails view', () => {
    before(async () => {
      const on = await h.app.services.syncService.turnOn(riley);
      await h.app.services.settings.save(TENANT, RILEY_ID, { ...on, daysBack: 3650 });
      await h.app.services.syncService.syncNow(riley);
    });

    it('answers each user with their own emails only', async () => {
      const rileys = await call('/emails?status=synced', { token: rileyToken });
      assert.equal(rileys.status, 200);
      assert.ok(rileys.json.emails.length > 0);
      assert.ok(rileys.json.emails.every((e: { status: string }) => e.status === 'synced'));
      assert.ok(rileys.json.counts.synced > 0);
      const sams = await call('/emails', { token: samToken });
      assert.equal(sams.status, 200);
      assert.deepEqual(sams.json.emails, []);
      assert.equal(sams.json.counts.synced, 0);
    });

    it('refuses filters it cannot take with a 400 naming them, and a continuation it did not issue', async () => {
      for (const [query, field] of [
        ['status=everything', 'status'],
        ['since=yesterday', 'since'],
        ['limit=5000', 'limit'],
        [`q=${'x'.repeat(201)}`, 'q'],
      ] as const) {
        const answer = await call(`/emails?${query}`, { token: rileyToken });
        assert.equal(answer.status, 400, query);
        assert.equal(answer.json.error.code, 'invalid_input');
        assert.deepEqual(answer.json.error.fields, [field]);
      }
      const backwards = await call('/emails?since=2026-02-01&before=2026-01-01', { token: rileyToken });
      assert.equal(backwards.status, 400);
      for (const token of ['W10', Buffer.from('[{"a":1},"x"]').toString('base64url'), 'not-a-token']) {
        const answer = await call(`/emails?continuation=${token}`, { token: rileyToken });
        assert.equal(answer.status, 400, token);
        assert.match(answer.json.error.message, /^continuation: not a page of this list/);
      }
    });

    it('makes a record only from a no-match email, never from a kept-out one or twice', async () => {
      const keptOut = (await h.app.services.ledger.all(TENANT, RILEY_ID)).find((e) => e.status === 'skipped');
      assert.ok(keptOut, 'the seeded mailbox has internal-only mail');
      const refused = await call('/emails/create-record', {
        token: rileyToken,
        method: 'POST',
        body: { messageId: keptOut.messageId, type: 'contact' },
      });
      assert.equal(refused.status, 400);
      assert.match(refused.json.error.message, /Only an email with no candidate or contact/);
      const noMatch = (await h.app.services.ledger.all(TENANT, RILEY_ID)).find(
        (e) => e.status === 'no_match' && e.direction === 'received' && e.from,
      )!;
      const made = await call('/emails/create-record', {
        token: rileyToken,
        method: 'POST',
        body: { messageId: noMatch.messageId, type: 'candidate' },
      });
      assert.equal(made.status, 200);
      assert.equal(made.json.email.status, 'synced');
      assert.equal(made.json.email.linkType, 'Cand');
      const again = await call('/emails/create-record', {
        token: rileyToken,
        method: 'POST',
        body: { messageId: noMatch.messageId, type: 'candidate' },
      });
      assert.equal(again.status, 400, 'a second click makes no second record');
      // Sam cannot use Riley's email to make records: it is not in Sam's ledger.
      const sams = await call('/emails/create-record', {
        token: samToken,
        method: 'POST',
        body: { messageId: noMatch.messageId, type: 'contact' },
      });
      assert.equal(sams.status, 404);
    });
  });

  describe('a record’s page', () => {
    it('shows the record’s appointments and tasks beside its emails, in the order a recruiter reads them', async () => {
      const crm = h.app.services.crm;
      const links = [{ id: 'candidate-001', type: 'candidate' as const }];
      const hour = 3_600_000;
      const at = (hours: number) => new Date(Date.now() + hours * hour).toISOString();
      const event = { tenantId: TENANT, userId: RILEY_ID, isAllDay: false, attendees: [], links };
      await crm.upsertAppointment({
        ...event,
        key: 'ical-past',
        eventId: 'e-past',
        subject: 'First call',
        start: at(-72),
        end: at(-71),
        status: 'scheduled',
      });
      await crm.upsertAppointment({
        ...event,
        key: 'ical-next',
        eventId: 'e-next',
        subject: 'Interview with the client',
        start: at(48),
        end: at(49),
        timeZone: 'Pacific Standard Time',
        location: 'Contoso, floor 3',
        onlineMeetingUrl: 'https://teams.example/l/meetup-join/1',
        status: 'scheduled',
        webLink: 'https://outlook.office.com/calendar/item/1',
      });
      await crm.upsertAppointment({
        ...event,
        key: 'ical-cancelled',
        eventId: 'e-cancelled',
        subject: 'Coffee',
        start: at(24),
        end: at(25),
        onlineMeetingUrl: 'javascript:alert(1)',
        status: 'cancelled',
      });
      const task = { tenantId: TENANT, userId: RILEY_ID, links };
      await crm.upsertTask({
        ...task,
        key: 'todo-done',
        title: 'Send the CV',
        status: 'completed',
        priority: 'normal',
      });
      await crm.upsertTask({
        ...task,
        key: 'todo-open',
        title: 'Chase references',
        status: 'in_progress',
        priority: 'high',
        dueAt: '2026-12-04',
      });

      // The CRM is the tenant's: a colleague sees the same page.
      const { status, json } = await call('/records/candidate/candidate-001', { token: samToken });
      assert.equal(status, 200);
      assert.equal(json.record.id, 'candidate-001');
      assert.ok(Array.isArray(json.activities));
      assert.deepEqual(
        json.appointments.map((a: { subject: string; status: string }) => `${a.subject}:${a.status}`),
        ['Coffee:cancelled', 'Interview with the client:scheduled', 'First call:scheduled'],
      );
      const next = json.appointments[1];
      assert.deepEqual(
        {
          timeZone: next.timeZone,
          location: next.location,
          onlineMeetingUrl: next.onlineMeetingUrl,
          webLink: next.webLink,
          isAllDay: next.isAllDay,
        },
        {
          timeZone: 'Pacific Standard Time',
          location: 'Contoso, floor 3',
          onlineMeetingUrl: 'https://teams.example/l/meetup-join/1',
          webLink: 'https://outlook.office.com/calendar/item/1',
          isAllDay: false,
        },
      );
      assert.equal(json.appointments[0].onlineMeetingUrl, null, 'only web links reach the page');
      assert.deepEqual(json.tasks, [
        {
          id: json.tasks[0].id,
          title: 'Chase references',
          dueAt: '2026-12-04',
          status: 'in_progress',
          priority: 'high',
          webLink: null,
        },
        {
          id: json.tasks[1].id,
          title: 'Send the CV',
          dueAt: null,
          status: 'completed',
          priority: 'normal',
          webLink: null,
        },
      ]);
      assert.equal((await call('/records/contact/candidate-001', { token: samToken })).status, 404);
    });
  });

  describe('the Outlook items views', () => {
    const facts = (itemId: string, at: string) => ({
      kind: 'task' as const,
      itemId,
      collectionId: 'tasks',
      title: `Task ${itemId}`,
      at,
    });
    before(async () => {
      const pk = h.app.services.itemLedger.partition(TENANT, RILEY_ID);
      const now = new Date().toISOString();
      await h.app.services.itemLedger.putMany([
        itemTransitions.failed(pk, facts('t-old', '2026-11-01T00:00:00.000Z'), undefined, 3, 'refused', now),
        itemTransitions.skipped(pk, facts('t-new', '2026-11-20T00:00:00.000Z'), undefined, 'blocked', now),
      ]);
    });

    it("answers each user with their own kind's items only, newest first, counted", async () => {
      const rileys = await call('/items?kind=task', { token: rileyToken });
      assert.equal(rileys.status, 200);
      assert.deepEqual(
        rileys.json.items.map((i: { itemId: string }) => i.itemId),
        ['t-new', 't-old'],
      );
      assert.equal(rileys.json.items[1].exported, 'Error');
      assert.equal(rileys.json.counts.error, 1);
      const errors = await call('/items?kind=task&status=error', { token: rileyToken });
      assert.deepEqual(
        errors.json.items.map((i: { itemId: string }) => i.itemId),
        ['t-old'],
      );
      assert.deepEqual((await call('/items?kind=event', { token: rileyToken })).json.items, []);
      const sams = await call('/items?kind=task', { token: samToken });
      assert.equal(sams.status, 200);
      assert.deepEqual(sams.json.items, []);
      assert.equal(sams.json.counts.error, 0);
    });

    it('refuses a missing or unknown kind, a bad status or limit with a 400 naming it, and a forged continuation', async () => {
      for (const [query, field] of [
        ['', 'kind'],
        ['?kind=email', 'kind'],
        ['?kind=task&status=everything', 'status'],
        ['?kind=task&limit=500', 'limit'],
      ] as const) {
        const answer = await call(`/items${query}`, { token: rileyToken });
        assert.equal(answer.status, 400, query);
        assert.equal(answer.json.error.code, 'invalid_input');
        assert.deepEqual(answer.json.error.fields, [field], query);
      }
      for (const token of ['W10', Buffer.from('[{"a":1},"x"]').toString('base64url'), 'not-a-token']) {
        const answer = await call(`/items?kind=task&continuation=${token}`, { token: rileyToken });
        assert.equal(answer.status, 400, token);
        assert.match(answer.json.error.message, /^continuation: not a page of this list/);
      }
    });
  });

  describe('admin', () => {
    it('refuses non-admins with 403 on every admin route', async () => {
      for (const [method, path, body] of [
        ['GET', '/admin/overview'],
        ['GET', '/admin/users'],
        ['PUT', '/admin/tenant', { enabled: false }],
        ['POST', '/admin/import/preview', { csv: 'type\n' }],
        ['POST', '/admin/import', { csv: 'type\n' }],
      ] as const) {
        const { status, json } = await call(path, { token: samToken, method, body });
        assert.equal(status, 403, path);
        assert.match(json.error.message, /admins/);
      }
      assert.equal(await h.app.services.syncService.tenantEnabled(TENANT), true);
    });

    it('counts an admin from the configured list of object ids as well as from the app role', async () => {
      const auth = entra.authenticator({ allowedTenants: [TENANT], adminUsers: [SAM_ID] });
      const identity = await auth.authenticate(`Bearer ${samToken}`);
      assert.equal(identity.isAdmin, true);
    });

    it('never takes a sign-in name for an admin: another account with that name is not one', async () => {
      // Were ADMIN_USERS to hold a sign-in name, a token carrying the same name is still not an admin.
      const auth = entra.authenticator({ allowedTenants: [TENANT], adminUsers: [RILEY.toLowerCase()] });
      const lookalike = await entra.token(TENANT, 'b0b0b0b0-0000-4000-8000-00000000000b', {
        claims: { preferred_username: RILEY, upn: RILEY },
      });
      assert.equal((await auth.authenticate(`Bearer ${lookalike}`)).isAdmin, false);
    });

    it('shows users with their sync health, and switches the tenant off and on', async () => {
      const users = (await call('/admin/users', { token: rileyToken })).json.users;
      const rileyHealth = users.find((u: { userId: string }) => u.userId === RILEY_ID);
      assert.equal(rileyHealth.name, 'Riley Morgan');
      assert.equal(rileyHealth.state, 'active');
      assert.ok(rileyHealth.lastSuccessAt);
      assert.ok(users.some((u: { userId: string }) => u.userId === SAM_ID));
      const off = await call('/admin/tenant', { token: rileyToken, method: 'PUT', body: { enabled: false } });
      assert.equal(off.json.tenant.enabled, false);
      assert.equal((await call('/sync', { token: rileyToken, method: 'POST' })).status, 409);
      const on = await call('/admin/tenant', { token: rileyToken, method: 'PUT', body: { enabled: true } });
      assert.equal(on.json.tenant.enabled, true);
      assert.equal(on.json.tenant.enabledBy, RILEY);
    });

    it('previews a CSV import with row-level errors, then imports the valid rows', async () => {
      const csv = [
        'Type,First Name,Last Name,Email,Phone,Title,Company',
        'candidate,Ada,Lovelace,ada@analytical.example,+44 20 0000 0001,Engineer,',
        'contact,Grace,Hopper,grace@navy.example;ghopper@navy.example,,CTO,US Navy',
        'candidate,,,,,,',
        'employee,Bad,Type,bad@example.com,,,',
        'contact,Alan,Turing,not-an-address,,,',
      ].join('\n');
      const preview = (
        await call('/admin/import/preview', { token: rileyToken, method: 'POST', body: { csv } })
      ).json;
      assert.equal(preview.rows.length, 2);
      assert.deepEqual(
        preview.errors.map((e: { line: number; field: string }) => `${e.line}:${e.field}`),
        ['4:name', '4:email', '5:type', '6:email'],
      );
      const result = (await call('/admin/import', { token: rileyToken, method: 'POST', body: { csv } })).json;
      assert.deepEqual(
        { added: result.added, updated: result.updated, skipped: result.skipped },
        {
          added: 2,
          updated: 0,
          skipped: 3,
        },
      );
      const found = (await call('/records?q=grace', { token: samToken })).json.records;
      const grace = found.find((r: { name: string }) => r.name === 'Grace Hopper');
      assert.equal(grace.companyName, 'US Navy');
      assert.deepEqual(grace.emails, ['grace@navy.example', 'ghopper@navy.example']);
      const again = (await call('/admin/import', { token: rileyToken, method: 'POST', body: { csv } })).json;
      assert.equal(again.updated, 2, 'importing the same file again updates, never duplicates');
    });

    it('refuses a CSV without the required columns, naming them', async () => {
      const preview = (
        await call('/admin/import/preview', {
          token: rileyToken,
          method: 'POST',
          body: { csv: 'name,mail\nA,b@c.d' },
        })
      ).json;
      assert.deepEqual(
        preview.errors.map((e: { field: string }) => e.field),
        ['type', 'firstName', 'lastName', 'emails'],
      );
    });
  });

  describe('per-user rate limits', () => {
    it('holds one user to the limit on calls that reach Graph, with Retry-After, and leaves others alone', async () => {
      const token = await entra.token(TENANT, 'a7a7a7a7-0000-4000-8000-00000000000a');
      const statuses: number[] = [];
      for (let n = 0; n <= USER_LIMITS.graph.burst; n++)
        statuses.push((await call('/folders', { token })).status);
      assert.ok(
        statuses.slice(0, USER_LIMITS.graph.burst).every((s) => s !== 429),
        statuses.join(),
      );
      const limited = await fetch(`${h.app.url}/api/tab/folders`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      assert.equal(((await limited.json()) as { error: { code: string } }).error.code, 'too_many_requests');
      // Reads that cost no Graph call still answer, and another user is not affected.
      assert.equal((await call('/me', { token })).status, 200);
      const other = await call('/folders', { token: rileyToken });
      assert.equal(other.status, 200);
      assert.ok(
        other.json.folders.some((f: { wellKnownName: string | null }) => f.wellKnownName === 'inbox'),
        JSON.stringify(other.json),
      );
    });
  });
});
