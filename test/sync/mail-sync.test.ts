import assert from 'node:assert/strict';
import { AppError } from '../../bot/errors/app-error.ts';
import type { RunSummary } from '../../bot/sync/sync-state.ts';
import { RILEY } from '../support/sandbox.ts';
import { type SyncHarness, startSyncHarness } from '../support/sync-harness.ts';

const person = (name: string, address: string) => ({ emailAddress: { name, address } });
/** A small PDF file attachment, as the sandbox keeps it. */
const pdfAttachment = (name = 'cv.pdf', text = 'cv') => ({
  name,
  contentType: 'application/pdf',
  isInline: false,
  contentBytes: Buffer.from(`%PDF-1.4 ${text}`).toString('base64'),
});
const AVA = 'ava.kim@outlook.com';

describe('mail sync against the Microsoft 365 sandbox', function () {
  this.timeout(30_000);
  let h: SyncHarness;

  beforeEach(async () => {
    h = await startSyncHarness();
  });
  afterEach(() => h.stop());

  async function add(folder: string, message: Record<string, unknown>): Promise<string> {
    return String((await h.graph.adminCall('POST', `/users/${RILEY}/messages`, { folder, message })).id);
  }
  async function addCandidate(email: string) {
    await h.services.crm.importDirectory(h.tenantId, {
      companies: [],
      contacts: [],
      candidates: [{ id: `cand-${email}`, firstName: 'Test', lastName: email, emails: [email] }],
    });
  }
  const run = (mode: 'all' | 'automatic' | 'resend_all' = 'all', folders?: string[]) =>
    h.services.mailSync.run(h.riley, { mode, trigger: 'manual', ...(folders ? { folders } : {}) });

  function assertOneActivityPerEmail(activities: Array<{ messageKey: string }>) {
    const keys = activities.map((a) => a.messageKey);
    assert.equal(new Set(keys).size, keys.length, 'an email has two activities');
  }

  it('syncs every matching email in the selected folders exactly once, and nothing on a second run', async () => {
    await h.enable(h.riley);
    const first = await run();
    assert.equal(first.status, 'completed');
    assert.equal(first.folders, 6, 'Inbox with its four subfolders, and Sent Items');
    assert.ok(first.synced > 150, `synced ${first.synced}`);
    assert.ok(first.noMatch > 20, 'newsletters and internal threads are no match');
    assert.equal(first.errors, 0);
    const activities = await h.activities();
    assert.equal(activities.length, first.activitiesCreated);
    assertOneActivityPerEmail(activities);
    const counts = await h.services.ledger.counts(h.riley.tenantId, h.riley.userId);
    assert.equal(counts.synced, first.synced);
    assert.equal(counts.no_match, first.noMatch);

    const second = await run();
    assert.equal(second.processed, 0, 'the delta link carries only changes');
    assert.equal((await h.activities()).length, activities.length);
  });

  it('links an email to every matched record with the seeds’ link type, and not to the company unless asked', async () => {
    await h.enable(h.riley);
    const id = await add('inbox', {
      subject: 'Req and my own search',
      from: person('Victor', 'victor.dubois@fabrikam.com'),
      toRecipients: [person('Riley', RILEY)],
    });
    await run('all', ['inbox']);
    const entry = await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id);
    assert.equal(entry?.linkType, 'CandCon');
    const activity = await h.services.crm.activity(h.tenantId, String(entry?.activityId));
    assert.deepEqual(activity?.links.map((l) => l.type).sort(), ['candidate', 'contact']);

    await h.enable(h.riley, { linkCompanies: true });
    const second = await add('inbox', {
      subject: 'Another',
      from: person('Victor', 'victor.dubois@fabrikam.com'),
      toRecipients: [person('Riley', RILEY)],
    });
    await run('all', ['inbox']);
    const linked = await h.services.crm.activity(
      h.tenantId,
      String((await h.services.ledger.get(h.riley.tenantId, h.riley.userId, second))?.activityId),
    );
    assert.ok(linked?.links.some((l) => l.type === 'company' && l.id === 'company-002'));
  });

  it('never syncs Deleted Items, Outbox or Junk automatically, even when selected; sync all does', async () => {
    await h.enable(h.riley, { folders: ['inbox', 'junkemail', 'deleteditems', 'outbox'] });
    const automatic = await run('automatic');
    assert.equal(automatic.folders, 5, 'Inbox and its subfolders only');
    const manual = await run('all');
    assert.equal(manual.folders, 8);
    assert.ok(manual.processed > 0);
  });

  it('skips email from before the cutoff: by default the moment sync was turned on', async () => {
    await h.enable(h.riley, { enabledAt: new Date().toISOString() });
    const before = await run();
    assert.equal(before.synced, 0);
    assert.ok(before.skipped > 200);
    await add('inbox', {
      subject: 'After turning sync on',
      from: person('Ava', AVA),
      toRecipients: [person('Riley', RILEY)],
    });
    await addCandidate(AVA);
    const after = await run();
    assert.equal(after.synced, 1);
  });

  it('brings in older mail once when the cutoff moves earlier after delta runs, and deletes nothing when it moves later', async () => {
    const enabledAt = new Date().toISOString();
    await h.enable(h.riley, { enabledAt });
    const first = await run();
    assert.equal(first.synced, 0);
    assert.ok(first.skipped > 200, 'the seeded mailbox is all older than the moment sync was turned on');
    // Every folder now has a delta link: without a fresh read the older mail would never come.
    assert.equal((await run()).processed, 0);

    await h.enable(h.riley, { enabledAt, daysBack: 3650 });
    const widened = await run();
    assert.equal(widened.status, 'completed');
    assert.ok(widened.synced > 150, `synced ${widened.synced}`);
    const entries = await h.services.ledger.all(h.riley.tenantId, h.riley.userId);
    assert.equal(
      new Set(entries.map((e) => e.folderId)).size,
      widened.folders,
      'every selected folder brought its older mail',
    );
    const activities = await h.activities();
    assertOneActivityPerEmail(activities);
    assert.equal((await run()).processed, 0, 'once: the next run is a delta run again');

    // Later again: nothing older comes in from then on, and nothing already in is taken out.
    await h.enable(h.riley, { enabledAt, daysBack: 1 });
    await add('inbox', {
      subject: 'Old mail moved back into the Inbox',
      from: person('Ava', AVA),
      toRecipients: [person('Riley', RILEY)],
      receivedDateTime: '2025-01-01T00:00:00Z',
    });
    await addCandidate(AVA);
    const later = await run();
    assert.equal(later.synced, 0);
    assert.equal(later.skipped, 1);
    assert.equal((await h.activities()).length, activities.length);
    assert.equal((await h.services.ledger.all(h.riley.tenantId, h.riley.userId)).length, entries.length);
  });

  it('keeps a whole email out of the CRM when a blocked address is anywhere on it, and says which entry', async () => {
    await h.enable(h.riley, {
      folders: ['inbox'],
      includeSubfolders: false,
      blocklist: ['@blocked.example'],
    });
    await addCandidate(AVA);
    const id = await add('inbox', {
      subject: 'Offer details (HR in copy)',
      from: person('Ava', AVA),
      toRecipients: [person('Riley', RILEY)],
      ccRecipients: [person('HR', 'hr@eu.blocked.example')],
    });
    const summary = await run();
    assert.equal(summary.keptOut >= 1, true);
    const entry = await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id);
    assert.equal(entry?.status, 'skipped');
    assert.equal(entry?.note, 'blocked: hr@eu.blocked.example (@blocked.example) is on your blocklist');
    assert.equal(entry?.activityId, undefined);
    const activities = await h.activities();
    assert.ok(!activities.some((a) => a.messageId === id), 'the email reached the CRM');
    // Hand-picked records do not get round it either: the user is told why.
    await assert.rejects(
      h.services.mailSync.syncSelected(h.riley, id, 'outlook', { mode: 'add', recordIds: [`cand-${AVA}`] }),
      /kept out of the CRM: blocked: hr@eu\.blocked\.example/,
    );
    assert.equal((await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id))?.status, 'skipped');
    assert.ok(!(await h.activities()).some((a) => a.messageId === id));
  });

  it('keeps a synced email synced, with its activity, when a rule made since would keep it out', async () => {
    await h.enable(h.riley, { folders: ['inbox'], includeSubfolders: false });
    await addCandidate(AVA);
    const id = await add('inbox', {
      subject: 'Synced before the blocklist',
      from: person('Ava', AVA),
      toRecipients: [person('Riley', RILEY)],
      ccRecipients: [person('HR', 'hr@later-blocked.example')],
    });
    await run();
    const synced = await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id);
    assert.equal(synced?.status, 'synced');
    await h.enable(h.riley, {
      folders: ['inbox'],
      includeSubfolders: false,
      blocklist: ['@later-blocked.example'],
    });
    await run('resend_all');
    await h.services.mailSync.syncSelected(h.riley, id);
    const after = await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id);
    assert.equal(after?.status, 'synced', 'the email is in the CRM: its entry says so');
    assert.equal(after?.activityId, synced?.activityId);
  });

  it('answers an Associate during an outage with the outage, leaving the email as it was', async () => {
    await h.enable(h.riley, { folders: ['inbox'], includeSubfolders: false });
    const id = await add('inbox', {
      subject: 'Nobody knows me yet',
      from: person('Stranger', 'stranger@nowhere.example'),
      toRecipients: [person('Riley', RILEY)],
    });
    await run();
    assert.equal((await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id))?.status, 'no_match');
    const crm = h.services.crm;
    const record = crm.recordActivity.bind(crm);
    crm.recordActivity = async () => {
      throw new AppError('crm.unavailable', 'the CRM cannot be reached (503)');
    };
    try {
      await addCandidate(AVA);
      await assert.rejects(
        h.services.syncService.associate(h.riley, id, [`cand-${AVA}`]),
        /paused: the CRM cannot be reached \(503\); try again shortly/,
      );
    } finally {
      crm.recordActivity = record;
    }
    const entry = await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id);
    assert.equal(entry?.status, 'no_match', 'still in the no-match list, with its Associate');
    assert.equal((await h.services.state.mailbox(h.riley.tenantId, h.riley.userId))?.status, 'ok');
  });

  it('links mail from a new person at a client’s domain to the client when asked', async () => {
    await h.services.crm.importDirectory(h.tenantId, {
      companies: [{ id: 'company-newco', name: 'Newco', domain: 'newco.example' }],
      contacts: [],
      candidates: [],
    });
    await h.enable(h.riley, { folders: ['inbox'], includeSubfolders: false, linkCompanies: true });
    const id = await add('inbox', {
      subject: 'We would like to hire through you',
      from: person('Pat', 'pat@newco.example'),
      toRecipients: [person('Riley', RILEY)],
    });
    await run();
    const entry = await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id);
    assert.equal(entry?.status, 'synced');
    assert.deepEqual(entry?.matched?.companies, ['company-newco']);
    const activity = await h.services.crm.activity(h.tenantId, String(entry?.activityId));
    assert.deepEqual(activity?.links, [{ id: 'company-newco', type: 'company' }]);
  });

  it('marks an email pending with its next try when an outage stops its attempt, and clears it on success', async () => {
    await h.enable(h.riley, { folders: ['inbox'], includeSubfolders: false });
    await addCandidate(AVA);
    const id = await add('inbox', {
      subject: 'Sent while the CRM was down',
      from: person('Ava', AVA),
      toRecipients: [person('Riley', RILEY)],
    });
    const crm = h.services.crm;
    const record = crm.recordActivity.bind(crm);
    crm.recordActivity = async (input) => {
      if (input.messageId === id) throw new AppError('crm.unavailable', 'the CRM cannot be reached (503)');
      return record(input);
    };
    const started = Date.now();
    try {
      assert.equal((await run()).status, 'paused');
    } finally {
      crm.recordActivity = record;
    }
    const pending = await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id);
    assert.equal(pending?.status, 'pending');
    assert.equal(pending?.attempts, 0, 'an outage costs none of its three attempts');
    assert.match(pending?.note ?? '', /^waiting to retry: the CRM cannot be reached/);
    assert.ok(Date.parse(pending?.retryAt ?? '') >= started + 59_000, 'retryAt says when');
    assert.equal((await h.services.ledger.counts(h.riley.tenantId, h.riley.userId)).pending, 1);
    const inView = await h.services.ledger.emails(h.riley.tenantId, h.riley.userId, { status: 'pending' });
    assert.deepEqual(
      inView.items.map((i) => i.value.messageId),
      [id],
    );

    assert.equal((await run()).status, 'completed');
    const synced = await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id);
    assert.equal(synced?.status, 'synced');
    assert.equal(synced?.retryAt, undefined);
    assert.equal((await h.services.ledger.counts(h.riley.tenantId, h.riley.userId)).pending, 0);
  });

  it('scans back the number of days the user asks for', async () => {
    await h.enable(h.riley, { enabledAt: new Date().toISOString(), daysBack: 30 });
    const summary = await run();
    assert.ok(summary.synced > 10 && summary.skipped > 50, JSON.stringify(summary));
  });

  it('does nothing automatically while paused (the active switch), but a manual sync all still runs', async () => {
    await h.enable(h.riley, { folders: ['inbox'], active: false });
    const automatic = await run('automatic');
    assert.equal(automatic.status, 'disabled');
    assert.equal(automatic.note, 'sync is paused');
    assert.equal((await h.activities()).length, 0);
    const manual = await run('all');
    assert.equal(manual.status, 'completed');
    assert.ok(manual.synced > 0);
  });

  it('sends the subject but no body when visibility is "subject"', async () => {
    await h.enable(h.riley, { folders: ['inbox'], visibility: 'subject' });
    await run();
    const activities = await h.activities();
    assert.ok(activities.length > 0);
    assert.ok(activities.every((a) => typeof a.subject === 'string' && a.body === undefined));
  });

  it('sync selected takes one email from any folder, even with email sync off', async () => {
    await h.enable(h.riley, { emailSync: false, folders: ['inbox'] });
    const disabled = await run();
    assert.equal(disabled.status, 'disabled');
    const junk = await add('junkemail', {
      subject: 'Re: my application',
      from: person('Ava', AVA),
      toRecipients: [person('Riley', RILEY)],
    });
    await addCandidate(AVA);
    const { summary, entry } = await h.services.mailSync.syncSelected(h.riley, junk);
    assert.equal(summary.synced, 1);
    assert.equal(entry?.status, 'synced');
  });

  it('does not make a second activity when a synced email moves to another synced folder', async () => {
    await h.enable(h.riley, { folders: ['inbox', 'archive'] });
    await addCandidate(AVA);
    const id = await add('inbox', {
      subject: 'Moving',
      from: person('Ava', AVA),
      toRecipients: [person('Riley', RILEY)],
    });
    await run();
    const count = (await h.activities()).length;
    await h.graph.adminCall('POST', `/users/${RILEY}/messages/${id}/move`, { folder: 'archive' });
    const again = await run();
    assert.equal(again.alreadySynced, 1);
    assert.equal((await h.activities()).length, count);
    const entries = (await h.services.ledger.all(h.riley.tenantId, h.riley.userId)).filter(
      (e) => e.messageId === id,
    );
    assert.equal(entries.length, 1);
  });

  it('does not make a second activity for a copy of an email (same Internet Message-ID)', async () => {
    await h.enable(h.riley, { folders: ['inbox', 'archive'] });
    await addCandidate(AVA);
    const message = {
      subject: 'Copied',
      from: person('Ava', AVA),
      toRecipients: [person('Riley', RILEY)],
      internetMessageId: '<copy-1@outlook.com>',
    };
    const original = await add('inbox', message);
    await run();
    const copy = await add('archive', message);
    const again = await run();
    assert.equal(again.synced, 1);
    assert.equal(again.activitiesCreated, 0);
    const a = await h.services.ledger.get(h.riley.tenantId, h.riley.userId, original);
    const b = await h.services.ledger.get(h.riley.tenantId, h.riley.userId, copy);
    assert.equal(a?.activityId, b?.activityId);
  });

  it('resend all re-evaluates synced email without second activities, and picks up new matches', async () => {
    await h.enable(h.riley);
    const stranger = 'new.person@outlook.com';
    const id = await add('inbox', {
      subject: 'Hello',
      from: person('New', stranger),
      toRecipients: [person('Riley', RILEY)],
    });
    const first = await run();
    assert.equal((await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id))?.status, 'no_match');
    await addCandidate(stranger);
    const resend = await run('resend_all');
    assert.equal(resend.processed, first.processed);
    assert.equal(resend.activitiesCreated, 1, 'only the newly matching email gets an activity');
    assert.equal((await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id))?.status, 'synced');
    assertOneActivityPerEmail(await h.activities());
  });

  it('fetches attachments only when enabled, within the size limit, and says what it left out', async () => {
    await h.enable(h.riley, { folders: ['inbox'], attachments: true, attachmentMaxMb: 25 });
    await run();
    const all = await h.services.ledger.all(h.riley.tenantId, h.riley.userId);
    const portfolio = all.find((e) => e.subject === 'Portfolio and video introduction');
    assert.match(
      portfolio?.note ?? '',
      /attachments over the 25 MB limit left out: intro-video\.mp4 \(30 MB\)/,
    );
    const activity = await h.services.crm.activity(h.tenantId, String(portfolio?.activityId));
    assert.deepEqual(
      activity?.attachments.map((a) => a.name),
      ['portfolio.pdf'],
    );
    const resumes = (await h.activities()).filter((a) =>
      a.attachments.some((x) => x.name.endsWith('_Resume.pdf')),
    );
    assert.ok(resumes.length >= 5);
  });

  it('lists an email whose files run past the limit, and downloads only those that fit', async () => {
    await h.enable(h.riley, { folders: ['inbox'], attachments: true, attachmentMaxMb: 1 });
    await addCandidate(AVA);
    // The rest of the inbox first, so that the counts below are this email's.
    await run('all', ['inbox']);
    const id = await add('inbox', {
      subject: 'CV and a recording',
      from: person('Ava', AVA),
      toRecipients: [person('Riley', RILEY)],
      body: { contentType: 'text', content: 'both attached' },
      attachments: [
        { name: 'recording.mp4', contentType: 'video/mp4', isInline: false, size: 12 * 1024 * 1024 },
        pdfAttachment(),
      ],
    });
    h.sandbox.attachmentDownloads = 0;
    h.sandbox.messageDownloads = 0;
    await run('all', ['inbox']);
    const entry = await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id);
    assert.equal(entry?.status, 'synced');
    assert.match(entry?.note ?? '', /attachments over the 1 MB limit left out: recording\.mp4 \(12 MB\)/);
    const activity = await h.services.crm.activity(h.tenantId, String(entry?.activityId));
    assert.deepEqual(
      activity?.attachments.map((a) => a.name),
      ['cv.pdf'],
    );
    // The MIME stopped at its cap (1.4 MB + 8 MB), then the list and the one file that fits.
    assert.equal(h.sandbox.messageDownloads, 1);
    assert.equal(h.sandbox.attachmentDownloads, 1);
  });

  it("stores every kind of attachment under its own key, streamed from Graph's raw bytes", async () => {
    await h.enable(h.riley, { folders: ['inbox'], attachments: true, attachmentMaxMb: 25 });
    await addCandidate(AVA);
    // The rest of the inbox first, so that the counts below are this email's.
    await run('all', ['inbox']);
    const id = await add('inbox', {
      subject: 'Two CVs, a forwarded email and a link',
      from: person('Ava', AVA),
      toRecipients: [person('Riley', RILEY)],
      body: { contentType: 'text', content: 'see attached' },
      attachments: [
        pdfAttachment('cv.pdf', 'first'),
        pdfAttachment('cv.pdf', 'second'),
        pdfAttachment('резюме.pdf', 'cyrillic'),
        pdfAttachment('履歴書.pdf', 'japanese'),
        { name: 'Big scan.pdf', contentType: 'application/pdf', isInline: false, size: 8 * 1024 * 1024 },
        {
          name: 'Interview feedback',
          contentType: 'message/rfc822',
          isInline: false,
          size: 2_000,
          kind: 'item',
          item: { subject: 'Interview feedback', from: 'client@contoso.com', body: 'Strong candidate.' },
        },
        {
          name: 'Portfolio on OneDrive',
          contentType: 'application/octet-stream',
          isInline: false,
          size: 0,
          kind: 'reference',
          sourceUrl: 'https://contoso-my.sharepoint.com/portfolio',
        },
      ],
    });
    h.sandbox.attachmentDownloads = 0;
    h.sandbox.messageDownloads = 0;
    const listsBefore = h.sandbox.requestCounts.get('attachments') ?? 0;
    await run('all', ['inbox']);
    const entry = await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id);
    assert.equal(entry?.status, 'synced');
    // The cloud link has no bytes and no part in the MIME (nor always a place in Graph's
    // attachment list: microsoft-graph-docs-contrib#279): nothing to store.
    const activity = await h.services.crm.activity(h.tenantId, String(entry?.activityId));
    assert.deepEqual(
      activity?.attachments.map((a) => a.name),
      ['cv.pdf', 'cv.pdf', 'резюме.pdf', '履歴書.pdf', 'Big scan.pdf', 'Interview feedback.eml'],
    );
    assert.equal(new Set(activity?.attachments.map((a) => a.ref)).size, 6, 'six keys, none overwritten');
    const bytes = await Promise.all(activity!.attachments.map((a) => h.attachments.get(a.ref)));
    assert.match(bytes[0]!.toString(), /first/);
    assert.match(bytes[1]!.toString(), /second/);
    assert.match(bytes[2]!.toString(), /cyrillic/);
    assert.match(bytes[3]!.toString(), /japanese/);
    assert.equal(bytes[4]!.length, 8 * 1024 * 1024);
    assert.equal(activity!.attachments[4]!.size, 8 * 1024 * 1024);
    assert.match(bytes[5]!.toString(), /Subject: Interview feedback[\s\S]*Strong candidate/);
    // One request for all six: the message's MIME, no list, no download per file.
    assert.equal(h.sandbox.messageDownloads, 1);
    assert.equal(h.sandbox.attachmentDownloads, 0);
    assert.equal(h.sandbox.requestCounts.get('attachments') ?? 0, listsBefore);
  });

  it('does not download attachments again when resend all re-evaluates emails already in the CRM', async () => {
    await h.enable(h.riley, { folders: ['inbox'], attachments: true });
    await run();
    const downloads = () =>
      (h.sandbox.requestCounts.get('mime') ?? 0) + (h.sandbox.requestCounts.get('attachments') ?? 0);
    const before = downloads();
    assert.ok(before > 0);
    const resend = await run('resend_all');
    assert.ok(resend.synced > 0);
    assert.equal(downloads(), before);
  });

  it('stores no attachments when they are off, with full visibility: the body and subject still come', async () => {
    await h.enable(h.riley, { folders: ['inbox'], includeSubfolders: false, attachments: false });
    await addCandidate(AVA);
    const id = await add('inbox', {
      subject: 'My CV, attached',
      from: person('Ava', AVA),
      toRecipients: [person('Riley', RILEY)],
      body: { contentType: 'text', content: 'please find my CV' },
      attachments: [pdfAttachment()],
    });
    await run();
    const entry = await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id);
    const activity = await h.services.crm.activity(h.tenantId, String(entry?.activityId));
    assert.equal(activity?.subject, 'My CV, attached');
    assert.match(JSON.stringify(activity?.body), /please find my CV/);
    assert.deepEqual(activity?.attachments, []);
  });

  it('stores only metadata when visibility says so: no subject, body or attachments', async () => {
    await h.enable(h.riley, { folders: ['inbox'], visibility: 'metadata', attachments: true });
    await run();
    const activities = await h.activities();
    assert.ok(activities.length > 0);
    assert.ok(
      activities.every((a) => a.attachments.length === 0 && a.body === undefined && a.subject === undefined),
    );
    const entries = await h.services.ledger.all(h.riley.tenantId, h.riley.userId);
    assert.ok(
      entries.every((e) => e.subject === ''),
      'the ledger keeps no subject either',
    );
  });

  it('degrades attempts: a body too large for the CRM syncs as headers only, with a note', async () => {
    await h.enable(h.riley, { folders: ['inbox'] });
    await addCandidate(AVA);
    const id = await add('inbox', {
      subject: 'Huge',
      from: person('Ava', AVA),
      toRecipients: [person('Riley', RILEY)],
      body: { contentType: 'text', content: 'x'.repeat(1_600_000) },
    });
    await run();
    const entry = await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id);
    assert.equal(entry?.status, 'synced');
    assert.equal(entry?.attempts, 3);
    assert.match(entry?.note ?? '', /^synced with headers only after 2 failed attempt/);
    assert.equal((await h.services.crm.activity(h.tenantId, String(entry?.activityId)))?.body, undefined);
  });

  it('degrades attempts: attachments Graph cannot serve leave the email synced with headers and body', async () => {
    await h.enable(h.riley, { folders: ['inbox'], attachments: true });
    await addCandidate(AVA);
    const id = await add('inbox', {
      subject: 'Resume attached',
      from: person('Ava', AVA),
      toRecipients: [person('Riley', RILEY)],
      body: { contentType: 'text', content: 'see attached' },
      attachments: [
        {
          name: 'cv.pdf',
          contentType: 'application/pdf',
          isInline: false,
          contentBytes: Buffer.from('%PDF-1.4').toString('base64'),
        },
      ],
    });
    // Graph fails the MIME and the list both (the list is what a failed MIME falls back to).
    h.sandbox.faults.add({ route: 'mime', status: 500 });
    h.sandbox.faults.add({ route: 'attachments', status: 500 });
    await run('all', ['inbox']);
    const entry = await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id);
    assert.equal(entry?.status, 'synced');
    assert.match(entry?.note ?? '', /^synced with headers and body only after 1 failed attempt/);
  });

  it('falls back to the attachment list when Graph fails the MIME or it cannot be read', async () => {
    await h.enable(h.riley, { folders: ['inbox'], attachments: true });
    await addCandidate(AVA);
    await run('all', ['inbox']);
    const email = (subject: string, attachments: unknown[]) =>
      add('inbox', {
        subject,
        from: person('Ava', AVA),
        toRecipients: [person('Riley', RILEY)],
        body: { contentType: 'text', content: 'see attached' },
        attachments,
      });
    const failed = await email('Graph fails its MIME', [pdfAttachment()]);
    // More parts than the splitter reads (300): a MIME it refuses, whose files the list still has.
    const many = Array.from({ length: 305 }, (_, i) => pdfAttachment(`page-${i}.pdf`, `page ${i}`));
    const unreadable = await email('Three hundred scanned pages', many);
    h.sandbox.faults.add({ route: 'mime', status: 500, times: 1 });
    await run('all', ['inbox']);
    const synced = async (id: string) => {
      const entry = await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id);
      assert.equal(entry?.status, 'synced');
      const activity = await h.services.crm.activity(h.tenantId, String(entry?.activityId));
      return { note: entry?.note ?? null, files: activity?.attachments.length };
    };
    assert.deepEqual(await synced(failed), { note: null, files: 1 }, 'the whole email, at the first attempt');
    // The list serves as many files as the MIME would (250), and names the rest.
    assert.deepEqual(await synced(unreadable), {
      note: '55 more attachments left out (too many in one email)',
      files: 250,
    });
  });

  it('does not spend an attempt on a fault of the store or the network: the email syncs whole later', async () => {
    await h.enable(h.riley, { folders: ['inbox'] });
    await addCandidate(AVA);
    const id = await add('inbox', {
      subject: 'Written during a Cosmos DB timeout',
      from: person('Ava', AVA),
      toRecipients: [person('Riley', RILEY)],
      body: { contentType: 'text', content: 'the full story' },
    });
    const crm = h.services.crm;
    const record = crm.recordActivity.bind(crm);
    for (const fault of [
      new AppError('crm.unavailable', 'the CRM cannot be reached: Cosmos DB is unavailable (408)'),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      new AppError('store.throttled', 'Cosmos DB is throttling requests (429)'),
    ]) {
      crm.recordActivity = async (input) => {
        if (input.messageId === id) throw fault;
        return record(input);
      };
      try {
        const summary = await run('all', ['inbox']).catch((error: unknown) => ({ thrown: error }));
        assert.ok('thrown' in summary || summary.status === 'paused', fault.message);
      } finally {
        crm.recordActivity = record;
      }
      const entry = await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id);
      assert.notEqual(entry?.status, 'synced', `${fault.message}: not synced degraded`);
      assert.equal(entry?.attempts ?? 0, 0, `${fault.message}: no attempt spent`);
    }
    await run('all', ['inbox']);
    const entry = await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id);
    assert.equal(entry?.status, 'synced');
    assert.equal(entry?.attempts, 1);
    assert.equal(entry?.note ?? null, null);
    const activity = await h.services.crm.activity(h.tenantId, String(entry?.activityId));
    assert.match(JSON.stringify(activity?.body), /the full story/);
  });

  it('does not let a fault that repeats on one email stop the mailbox: it counts against that email', async () => {
    await h.enable(h.riley, { folders: ['inbox'], includeSubfolders: false });
    await addCandidate(AVA);
    const stuck = await add('inbox', {
      subject: 'An attachment no store can name',
      from: person('Ava', AVA),
      toRecipients: [person('Riley', RILEY)],
    });
    const after = await add('inbox', {
      subject: 'Arrived after it',
      from: person('Ava', AVA),
      toRecipients: [person('Riley', RILEY)],
    });
    const crm = h.services.crm;
    const record = crm.recordActivity.bind(crm);
    crm.recordActivity = async (input) => {
      if (input.messageId === stuck && input.attachments.length === 0 && input.body)
        throw Object.assign(new Error('ENAMETOOLONG: name too long'), { code: 'ENAMETOOLONG' });
      return record(input);
    };
    try {
      const summary = await run('all', ['inbox']);
      assert.equal(summary.status, 'completed');
    } finally {
      crm.recordActivity = record;
    }
    const entry = await h.services.ledger.get(h.riley.tenantId, h.riley.userId, stuck);
    assert.equal(entry?.status, 'synced', 'synced with less, not retried for ever');
    assert.match(entry?.note ?? '', /headers only/);
    assert.equal((await h.services.ledger.get(h.riley.tenantId, h.riley.userId, after))?.status, 'synced');
  });

  it('marks an email Error after three failures; automatic sync leaves it, sync selected retries it', async () => {
    await h.stop();
    h = await startSyncHarness({ maxActivityBytes: 2_000 });
    await h.enable(h.riley, { folders: ['inbox'] });
    await addCandidate(AVA);
    const id = await add('inbox', {
      subject: 'S'.repeat(2_500),
      from: person('Ava', AVA),
      toRecipients: [person('Riley', RILEY)],
    });
    const errors: string[] = [];
    h.services.events.on('itemError', (e) => errors.push(e.messageId));
    await run('all', ['inbox']);
    const entry = await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id);
    assert.equal(entry?.status, 'error');
    assert.equal(entry?.attempts, 3);
    assert.match(entry?.note ?? '', /the CRM takes at most/);
    assert.ok(errors.includes(id));
    const page = await h.services.ledger.errors(h.riley.tenantId, h.riley.userId);
    assert.equal(page.items[0]?.value.messageId, id, 'errors, newest first');

    await h.graph.adminCall('POST', `/users/${RILEY}/folders/inbox/reset-delta`);
    const automatic = await run('automatic');
    assert.ok(automatic.skipped >= 1);
    assert.equal(
      (await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id))?.attempts,
      3,
      'automatic sync did not touch it',
    );

    // The CRM accepts larger activities now (a fix on its side); the user retries the email.
    const fixed = await h.reopen();
    const { entry: retried } = await fixed.mailSync.syncSelected(h.riley, id);
    assert.equal(retried?.status, 'synced');
    assert.equal(retried?.attempts, 4);
  });

  it('starts a folder over on 410 Gone without syncing anything twice', async () => {
    await h.enable(h.riley, { folders: ['inbox'] });
    await run();
    const count = (await h.activities()).length;
    await h.graph.adminCall('POST', `/users/${RILEY}/folders/inbox/reset-delta`);
    await addCandidate(AVA);
    await add('inbox', {
      subject: 'During the reset',
      from: person('Ava', AVA),
      toRecipients: [person('Riley', RILEY)],
    });
    const again = await run();
    assert.equal(again.status, 'completed');
    assert.equal(again.synced, 1);
    assert.ok(again.alreadySynced > 50);
    assert.equal((await h.activities()).length, count + 1);
  });

  it('starts over on every documented form of an expired sync state, whatever its case', async () => {
    // The Inbox alone: the fault meets its delta, not a subfolder's read beside it.
    await h.enable(h.riley, { folders: ['inbox'], includeSubfolders: false });
    await run();
    const before = (await h.activities()).length;
    for (const [status, code] of [
      [410, 'SyncStateNotFound'],
      [410, 'syncstatenotfound'],
      [400, 'SyncStateInvalid'],
      [410, 'resyncRequired'],
      [400, 'InvalidSyncStateData'],
    ] as const) {
      h.sandbox.faults.add({ route: 'delta', status, code, times: 1 });
      const again = await run();
      assert.equal(again.status, 'completed', `${status} ${code}`);
      assert.ok(again.alreadySynced > 50, `${status} ${code}: the folder was read again from the start`);
    }
    assert.equal((await h.activities()).length, before, 'nothing synced twice');
  });

  it('retries throttled requests inside a $batch instead of reading them as missing folders', async () => {
    await h.enable(h.riley, { folders: ['inbox', 'sentitems'] });
    // Every folder request is throttled a few times, the batch's inner ones included.
    h.sandbox.faults.add({ route: 'folders', status: 429, retryAfterSeconds: 0.01, times: 15 });
    const summary = await run();
    assert.equal(summary.status, 'completed');
    assert.ok(h.sandbox.faults.injected >= 15, `${h.sandbox.faults.injected} throttled`);
    const automatic = await h.services.mailSync.automaticFolderIds(h.riley);
    assert.ok(automatic.includes(h.sandbox.model.wellKnown(h.riley.userId, 'inbox')!.id), 'Inbox found');
    assert.ok(
      automatic.includes(h.sandbox.model.wellKnown(h.riley.userId, 'sentitems')!.id),
      'Sent Items found',
    );
  });

  it('stops rather than read a batch Graph keeps failing as a mailbox without folders', async () => {
    await h.enable(h.riley, { folders: ['inbox'] });
    h.sandbox.faults.add({ route: 'folders', status: 503, retryAfterSeconds: 0.01 });
    const summary = await run();
    assert.notEqual(summary.status, 'completed');
    assert.equal(summary.synced, 0);
  });

  it('rides out a 410 storm and a 429 storm, honouring Retry-After', async () => {
    await h.enable(h.riley, { folders: ['inbox'] });
    h.sandbox.faults.add({ route: 'delta', status: 410, times: 2 });
    h.sandbox.faults.add({ route: 'delta', status: 429, retryAfterSeconds: 0.01, times: 3 });
    const summary = await run();
    assert.equal(summary.status, 'completed');
    assert.ok(summary.synced > 50);
    assertOneActivityPerEmail(await h.activities());
  });

  it('says so clearly when Exchange keeps the mailbox from CRM Sync: outside its scope, or not hosted', async () => {
    await h.enable(h.riley, { folders: ['inbox'] });
    const notes: string[] = [];
    h.services.events.on('needsConsent', (e) => notes.push(e.note));
    await h.graph.adminCall('PUT', `/users/${RILEY}/exchange`, { inScope: false });
    const outside = await run();
    assert.equal(outside.status, 'needs_consent');
    assert.match(outside.note ?? '', /application access policy|scope/);
    await h.graph.adminCall('PUT', `/users/${RILEY}/exchange`, { inScope: true, restEnabled: false });
    const unhosted = await run();
    assert.equal(unhosted.status, 'needs_consent', 'not read as a deleted folder and skipped');
    assert.match(unhosted.note ?? '', /Exchange Online does not host this mailbox/);
    assert.equal(notes.length, 2);
    const users = await h.services.admin.users(h.tenantId);
    const riley = users.find((u) => u.userId === h.riley.userId);
    assert.equal(riley?.state, 'needs_consent');
    assert.match(riley?.note ?? '', /Exchange Online does not host/);
  });

  it('puts the mailbox in needs-consent on 401/403 and says so', async () => {
    await h.enable(h.riley);
    const events: string[] = [];
    h.services.events.on('needsConsent', (e) => events.push(e.note));
    h.sandbox.faults.add({ route: 'users', status: 403 });
    const summary = await run();
    assert.equal(summary.status, 'needs_consent');
    assert.equal(events.length, 1);
    assert.equal((await h.services.state.mailbox(h.riley.tenantId, h.riley.userId))?.status, 'needs_consent');
  });

  it('pauses on a network failure and resumes where it stopped, losing and doubling nothing', async () => {
    await h.enable(h.riley);
    const paused: string[] = [];
    const resumed: string[] = [];
    h.services.events.on('paused', (e) => paused.push(e.note));
    h.services.events.on('resumed', () => resumed.push('resumed'));
    // Sent Items is synced after Inbox and its subfolders: the network drops by then.
    const folders = await h.graph.get<{ id: string }>(`/users/${RILEY}/mailFolders/sentitems`);
    let calls = 0;
    const original = h.sandbox.handle.bind(h.sandbox);
    h.sandbox.handle = async (request, inBatch) => {
      const path = decodeURIComponent(request.path);
      if (path.includes(folders.body.id) && path.endsWith('/delta')) {
        calls++;
        return { reset: true };
      }
      return original(request, inBatch);
    };
    const first = await run();
    assert.equal(first.status, 'paused');
    assert.equal(paused.length, 1);
    assert.ok(calls > 1, 'the client retried before giving up');
    assert.equal((await h.services.state.mailbox(h.riley.tenantId, h.riley.userId))?.status, 'paused');
    // Still down at the next try: still paused, and no second "paused" for the same outage.
    assert.equal((await run()).status, 'paused');
    assert.equal(paused.length, 1, 'one outage, one paused notice');
    assert.equal(resumed.length, 0);

    h.sandbox.handle = original;
    const deltaReads = new Set<string>();
    h.sandbox.handle = async (request, inBatch) => {
      const path = decodeURIComponent(request.path);
      const folder = /mailFolders\/([^/]+)\/messages\/delta/.exec(path)?.[1];
      if (folder) deltaReads.add(folder);
      return original(request, inBatch);
    };
    const second = await run();
    h.sandbox.handle = original;
    assert.equal(second.status, 'completed');
    assert.equal(resumed.length, 1);
    assert.ok(second.synced > 0, 'Sent Items came through');
    assert.deepEqual([...deltaReads], [folders.body.id], 'only the folder it stopped in is read again');
    const sent = (await h.services.mailSync.folderTree(h.riley.userId)).find((f) => f.id === folders.body.id);
    assert.equal(second.processed, sent?.totalItemCount, 'Sent Items whole, and nothing else');
    const third = await run();
    assert.equal(third.processed, 0);
    assertOneActivityPerEmail(await h.activities());
    const counts = await h.services.ledger.counts(h.riley.tenantId, h.riley.userId);
    assert.equal(counts.synced, first.synced + second.synced);
  });

  it('reads folders side by side; a refusal in one stops the other after the page in hand, abandons its read, and the next run goes on from each', async () => {
    await h.enable(h.riley, { folders: ['inbox', 'sentitems'], includeSubfolders: false });
    // Enough mail for the Inbox to take two pages.
    for (let n = 0; n < 120; n++)
      await add('inbox', {
        subject: `Pipeline ${n}`,
        from: person('Ava', AVA),
        toRecipients: [person('Riley', RILEY)],
      });
    await addCandidate(AVA);
    const tree = await h.services.mailSync.folderTree(h.riley.userId, { refresh: true });
    const inbox = tree.find((f) => f.wellKnownName === 'inbox')!;
    const sent = tree.find((f) => f.wellKnownName === 'sentitems')!;
    assert.ok(inbox.totalItemCount > 100, `the Inbox holds ${inbox.totalItemCount}`);

    // Sent Items is refused once the Inbox has written its first page and is waiting on the read
    // of its second: only the run's own signal can end that wait.
    let inboxPageWritten!: () => void;
    const inboxWaits = new Promise<void>((resolve) => (inboxPageWritten = resolve));
    const state = h.services.state;
    const saveCursor = state.saveCursor.bind(state);
    state.saveCursor = async (...args: Parameters<typeof saveCursor>) => {
      await saveCursor(...args);
      if (args[2] === inbox.id) inboxPageWritten();
    };
    let runDone!: () => void;
    const ran = new Promise<void>((resolve) => (runDone = resolve));
    let secondPageAsks = 0;
    const original = h.sandbox.handle.bind(h.sandbox);
    h.sandbox.handle = async (request, inBatch) => {
      const path = decodeURIComponent(request.path);
      if (path.includes(`/mailFolders/${sent.id}/messages/delta`)) {
        // Read one folder after the other, the Inbox would be done first, and this would wait out
        // the test.
        await inboxWaits;
        return { status: 403, body: { error: { code: 'ErrorAccessDenied', message: 'Access is denied.' } } };
      }
      // A next link names the folder as mailFolders('{id}').
      if (path.includes(inbox.id) && path.endsWith('/messages/delta') && request.query.has('$skiptoken')) {
        // The Inbox's second page: answered only after the run, and then as unavailable. A read
        // nobody abandoned would hold the run forever, or be sent again.
        secondPageAsks++;
        await ran;
        return {
          status: 503,
          headers: { 'retry-after': '0' },
          body: { error: { code: 'ServiceUnavailable' } },
        };
      }
      return original(request, inBatch);
    };
    const first = await run();
    runDone();
    assert.equal(first.status, 'needs_consent');
    const cursor = await h.services.state.cursor(h.riley.tenantId, h.riley.userId, inbox.id);
    assert.ok(cursor, 'the Inbox page in hand was written, with its bookmark');
    assert.equal(first.processed, 100, 'one Inbox page, then the Inbox stopped too');
    assert.equal(await h.services.state.cursor(h.riley.tenantId, h.riley.userId, sent.id), undefined);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(secondPageAsks, 1, 'the abandoned read was not sent again');

    h.sandbox.handle = original;
    state.saveCursor = saveCursor;
    const second = await run();
    assert.equal(second.status, 'completed');
    assert.equal(
      second.processed,
      inbox.totalItemCount - 100 + sent.totalItemCount,
      'the rest of the Inbox from its bookmark, and Sent Items whole',
    );
    assert.equal((await run()).processed, 0);
    assertOneActivityPerEmail(await h.activities());
    const counts = await h.services.ledger.counts(h.riley.tenantId, h.riley.userId);
    assert.equal(counts.synced, first.synced + second.synced);
  });

  it('lets the other folders go on to the end when one folder fails on its own, and then reports it', async () => {
    await h.enable(h.riley);
    const tree = await h.services.mailSync.folderTree(h.riley.userId, { refresh: true });
    const inbox = tree.find((f) => f.wellKnownName === 'inbox')!;
    // The Inbox's delta is refused every time, as a request Graph keeps calling bad would be.
    const original = h.sandbox.handle.bind(h.sandbox);
    h.sandbox.handle = async (request, inBatch) => {
      const path = decodeURIComponent(request.path);
      if (path.includes(`/mailFolders/${inbox.id}/messages/delta`))
        return { status: 400, body: { error: { code: 'ErrorInvalidRequest', message: 'Bad request.' } } };
      return original(request, inBatch);
    };
    const read = new Set<string>();
    const source = h.services.mailSource;
    const deltaPage = source.deltaPage.bind(source);
    source.deltaPage = (userId, folderId, ...rest) => {
      read.add(folderId);
      return deltaPage(userId, folderId, ...rest);
    };
    await assert.rejects(run(), /400/);
    source.deltaPage = deltaPage;
    assert.equal(read.size, 6, 'Inbox with its four subfolders, and Sent Items');
    for (const folderId of [...read].filter((id) => id !== inbox.id))
      assert.ok(
        await h.services.state.cursor(h.riley.tenantId, h.riley.userId, folderId),
        `${tree.find((f) => f.id === folderId)?.path} was read to the end`,
      );
    assert.equal(await h.services.state.cursor(h.riley.tenantId, h.riley.userId, inbox.id), undefined);
    h.sandbox.handle = original;
    const second = await run();
    assert.equal(second.status, 'completed');
    assert.equal(second.processed, inbox.totalItemCount, 'only the Inbox was left');
    assertOneActivityPerEmail(await h.activities());
  });

  it('reports an outage in one folder over a refusal in the other, so the emails it left pending are tried again', async () => {
    await h.enable(h.riley, { folders: ['inbox', 'sentitems'], includeSubfolders: false });
    const tree = await h.services.mailSync.folderTree(h.riley.userId, { refresh: true });
    const sent = tree.find((f) => f.wellKnownName === 'sentitems')!;
    let refused!: () => void;
    const sentRefused = new Promise<void>((resolve) => (refused = resolve));
    const original = h.sandbox.handle.bind(h.sandbox);
    h.sandbox.handle = async (request, inBatch) => {
      if (decodeURIComponent(request.path).includes(`/mailFolders/${sent.id}/messages/delta`)) {
        refused();
        return { status: 403, body: { error: { code: 'ErrorAccessDenied', message: 'Access is denied.' } } };
      }
      return original(request, inBatch);
    };
    // The CRM goes down after Sent Items has been refused, while the Inbox's page is in hand.
    const crm = h.services.crm;
    const record = crm.recordActivity.bind(crm);
    crm.recordActivity = async () => {
      // Later than the refusal: the first error in time is not the one that decides.
      await sentRefused;
      await new Promise((r) => setTimeout(r, 200));
      throw new AppError('crm.unavailable', 'the CRM cannot be reached (503)');
    };
    try {
      const summary = await run();
      assert.equal(summary.status, 'paused', 'the outage decides: the run is tried again');
    } finally {
      crm.recordActivity = record;
      h.sandbox.handle = original;
    }
    const counts = await h.services.ledger.counts(h.riley.tenantId, h.riley.userId);
    assert.ok(counts.pending > 0, 'emails wait as pending for the try the run will make');
    assert.equal((await run()).status, 'completed');
    assert.equal((await h.services.ledger.counts(h.riley.tenantId, h.riley.userId)).pending, 0);
    assertOneActivityPerEmail(await h.activities());
  });

  it('makes one activity for an email that two folders read at the same moment bring', async () => {
    await h.enable(h.riley, { folders: ['inbox', 'archive'], includeSubfolders: false });
    await addCandidate(AVA);
    const id = await add('inbox', {
      subject: 'In both',
      from: person('Ava', AVA),
      toRecipients: [person('Riley', RILEY)],
      internetMessageId: '<both-1@outlook.com>',
    });
    // The same email in both folders' first pages, as a move between the two reads shows it.
    const tree = await h.services.mailSync.folderTree(h.riley.userId, { refresh: true });
    const inbox = tree.find((f) => f.wellKnownName === 'inbox')!;
    const archive = tree.find((f) => f.path.toLowerCase().endsWith('archive'))!;
    const source = h.services.mailSource;
    const deltaPage = source.deltaPage.bind(source);
    const moved = (await deltaPage(h.riley.userId, inbox.id)).messages.find((m) => m.id === id)!;
    assert.ok(moved);
    let asked = 0;
    let both!: () => void;
    const bothAsked = new Promise<void>((resolve) => (both = resolve));
    source.deltaPage = async (userId, folderId, link, signal) => {
      if (++asked === 2) both();
      await bothAsked; // neither page is written before both are read
      const page = await deltaPage(userId, folderId, link, signal);
      if (folderId !== archive.id || link) return page;
      return { ...page, messages: [...page.messages, { ...moved, folderId: archive.id }] };
    };
    const summary = await run();
    assert.equal(summary.status, 'completed');
    const activities = await h.activities();
    assertOneActivityPerEmail(activities);
    assert.equal(activities.length, summary.activitiesCreated, 'the second read made none');
    assert.equal(activities.filter((a) => a.subject === 'In both').length, 1);
    // The CRM and the ledger have it once; the run's summary counts each folder's copy as synced.
    assert.equal((await h.services.ledger.get(h.riley.tenantId, h.riley.userId, id))?.status, 'synced');
  });

  it('keeps one user’s ledger and settings apart from another’s', async () => {
    await h.enable(h.riley, { folders: ['inbox'] });
    await h.enable(h.sam, { folders: ['inbox', 'sentitems'] });
    const riley = await run();
    const sam = await h.services.mailSync.run(h.sam, { mode: 'all', trigger: 'manual' });
    const rileyEntries = await h.services.ledger.all(h.riley.tenantId, h.riley.userId);
    const samEntries = await h.services.ledger.all(h.sam.tenantId, h.sam.userId);
    assert.equal(samEntries.length, sam.synced + sam.noMatch + sam.keptOut);
    assert.equal(rileyEntries.length, riley.synced + riley.noMatch + riley.keptOut);
    const rileyIds = new Set(rileyEntries.map((e) => e.messageId));
    assert.ok(samEntries.every((e) => !rileyIds.has(e.messageId)));
  });

  it('reports progress per page with processed and total counts by status', async () => {
    await h.enable(h.riley);
    const progress: Array<{ processed: number; total: number }> = [];
    h.services.events.on('progress', (p) => progress.push(p));
    const summaries: RunSummary[] = [];
    h.services.events.on('runSummary', (e) => summaries.push(e.summary));
    const summary = await run();
    assert.equal(progress.length, 6);
    assert.equal(progress.at(-1)?.processed, summary.processed);
    assert.ok(progress.every((p) => p.total >= p.processed));
    assert.equal(summaries.length, 1);
  });

  it("reads delta pages of a few MB with recruiters' HTML bodies, not tens of MB", async () => {
    await h.enable(h.riley, { folders: ['inbox'], includeSubfolders: false });
    const inbox = h.sandbox.model.wellKnown(h.riley.userId, 'inbox')!.id;
    const body = `<html><body>${'<p>Quoted thread and signature, as real mail has them. </p>'.repeat(700)}</body></html>`;
    assert.ok(body.length > 35_000);
    for (let n = 0; n < 250; n++) {
      h.sandbox.model.addMessage(h.riley.userId, inbox, {
        subject: `Long thread ${n}`,
        from: { emailAddress: { name: 'Ava', address: AVA } },
        toRecipients: [{ emailAddress: { address: RILEY } }],
        body: { contentType: 'html', content: body },
      });
    }
    const pages: number[] = [];
    const source = h.services.mailSource;
    const deltaPage = source.deltaPage.bind(source);
    source.deltaPage = async (...args) => {
      const page = await deltaPage(...args);
      pages.push(Buffer.byteLength(JSON.stringify(page.messages)));
      return page;
    };
    const summary = await run();
    assert.equal(summary.status, 'completed');
    assert.ok(pages.length >= 4, `${pages.length} pages`);
    assert.ok(Math.max(...pages) < 5 * 1024 * 1024, `largest page ${Math.max(...pages)} bytes`);
  });

  it('keeps at most 4 Graph requests in flight for one mailbox', async () => {
    await h.enable(h.riley, { folders: ['inbox'], attachments: true });
    h.sandbox.faults.add({ route: 'mime', latencyMs: 15 });
    h.sandbox.maxInFlight = 0;
    await run();
    assert.ok(h.sandbox.maxInFlight > 1, 'requests did run side by side');
    assert.ok(h.sandbox.maxInFlight <= 4, `${h.sandbox.maxInFlight} requests in flight`);
  });

  it('never goes over the mailbox concurrency Exchange allows, counting the requests a $batch runs', async () => {
    const graph = h.services.graph;
    const inbox = `/users/${h.riley.userId}/mailFolders/inbox?$select=id`;
    h.sandbox.faults.add({ route: 'folders', latencyMs: 20 });
    h.sandbox.throttled = 0;
    await Promise.all([
      graph.batch(
        h.riley.userId,
        Array.from({ length: 10 }, (_, n) => ({ id: String(n), method: 'GET', url: inbox })),
      ),
      ...Array.from({ length: 6 }, () => graph.request(h.riley.userId, 'GET', inbox)),
    ]);
    assert.equal(
      h.sandbox.throttled,
      0,
      'the sandbox refused nothing: the client held a batch to four slots',
    );
  });

  it('rides out the sandbox refusing a fifth concurrent request, as Exchange does', async () => {
    await h.enable(h.riley, { folders: ['inbox'] });
    // Another app process (its own client, its own four slots) reads the same mailbox meanwhile.
    const other = await h.reopen();
    h.sandbox.faults.add({ route: 'delta', latencyMs: 30 });
    h.sandbox.throttled = 0;
    const [summary] = await Promise.all([
      run(),
      ...Array.from({ length: 8 }, () =>
        other.graph.request(h.riley.userId, 'GET', `/users/${h.riley.userId}`),
      ),
    ]);
    assert.equal(summary.status, 'completed');
  });

  it('reads the mailbox and its folder tree once, not again for every run that follows soon after', async () => {
    await h.enable(h.riley, { folders: ['inbox'] });
    await run();
    const before = {
      users: h.sandbox.requestCounts.get('users') ?? 0,
      folders: h.sandbox.requestCounts.get('folders') ?? 0,
    };
    await run();
    await run('automatic');
    assert.equal(h.sandbox.requestCounts.get('users') ?? 0, before.users);
    assert.equal(h.sandbox.requestCounts.get('folders') ?? 0, before.folders);
  });

  it('reads the folder tree once for many callers asking at the same moment', async () => {
    const before = h.sandbox.requestCounts.get('users') ?? 0;
    const trees = await Promise.all(
      Array.from({ length: 20 }, () => h.services.mailSync.folderTree(h.riley.userId)),
    );
    assert.ok(trees.every((t) => t.length > 5 && t === trees[0]));
    assert.equal(
      (h.sandbox.requestCounts.get('users') ?? 0) - before,
      1,
      'one read of the mailbox for twenty callers',
    );
  });

  it('skips a folder that was deleted since the folder tree was read, and syncs the rest', async () => {
    await h.enable(h.riley, { folders: ['inbox', 'sentitems'], includeSubfolders: false });
    h.sandbox.faults.add({ route: 'delta', status: 404, times: 1 });
    const summary = await run();
    assert.equal(summary.status, 'completed');
    assert.ok(summary.synced > 0, 'the other folder still synced');
  });

  it('reads a folder page in one Graph request, never a request per message', async () => {
    await h.enable(h.riley, { folders: ['inbox'], includeSubfolders: false });
    const before = h.sandbox.totalRequests();
    const summary = await run();
    const messageGets = h.sandbox.requestCounts.get('message') ?? 0;
    assert.equal(messageGets, 0);
    assert.ok(
      h.sandbox.totalRequests() - before <= 8,
      `${h.sandbox.totalRequests() - before} requests for ${summary.processed} messages`,
    );
  });
});
