import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RILEY_ID, TENANT, riley, startAppHarness, type AppHarness } from '../support/app-harness.ts';

const SAM_ID = '8a1d2c3b-4e5f-4a6b-9c7d-2e3f4a5b6c7d';
import { FakeEntra } from '../support/sso.ts';
import type { SandboxMessage } from '../../bot/sandbox/mailbox-model.ts';
import type { CaptureReadResponse, CaptureResult, CaptureView } from '../../bot/outlook/outlook-types.ts';

/**
 * CaptureME through the Outlook add-in's API and the sync, against the sandbox and the real resume
 * reader: Process Now (read, correct, create; a duplicate offered as an update), Process Later made
 * at the next sync exactly once, Clear Settings, and files the reader refuses while the app answers.
 */

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/resumes/${name}`, import.meta.url));
const expected = JSON.parse(
  readFileSync(new URL('../../fixtures/resumes/expected.json', import.meta.url), 'utf8'),
) as Record<string, { name: string; emails: string[]; phones: string[]; title: string; employer: string }>;
const PDF = '01-ava-nguyen.pdf';
const DOCX = '02-liam-oconnor.docx';
const TEXT = '04-mia-robinson.txt';

describe('CaptureME (Outlook add-in API and sync)', function () {
  this.timeout(90_000);
  let h: AppHarness;
  let entra: FakeEntra;
  let token: string;

  const call = async <T = Record<string, unknown>>(
    path: string,
    options: { method?: string; body?: unknown } = {},
  ) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${h.app.url}/api/outlook${path}`, {
      method: options.method ?? 'GET',
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
    return { status: response.status, json: (await response.json()) as T & Record<string, any> };
  };
  const capture = (id: string, rest = '') => `/messages/${encodeURIComponent(id)}/capture${rest}`;

  /** An application with resumes attached, in Riley's Inbox. */
  const deliver = (
    subject: string,
    attachments: Array<{ name: string; contentType: string; bytes: Buffer; isInline?: boolean }>,
    body = '<p>Please find my resume attached.</p>',
  ): SandboxMessage => {
    const model = h.sandbox.model;
    return model.addMessage(RILEY_ID, model.wellKnown(RILEY_ID, 'inbox')!.id, {
      subject,
      from: {
        emailAddress: {
          name: 'Applicant',
          address: `applicant.${subject.replace(/\W/g, '').toLowerCase()}@example.net`,
        },
      },
      toRecipients: [{ emailAddress: { address: 'riley.morgan@northwindstaffing.com' } }],
      body: { contentType: 'html', content: body },
      receivedDateTime: new Date().toISOString(),
      internetMessageId: `<${subject.replace(/\W/g, '')}@applicants.test>`,
      attachments: attachments.map((a) => ({
        name: a.name,
        contentType: a.contentType,
        contentBytes: a.bytes.toString('base64'),
        isInline: a.isInline ?? false,
      })),
    });
  };
  const candidatesNamed = async (name: string) =>
    (await h.app.services.crm.directory(TENANT)).records.filter(
      (r) => r.type === 'candidate' && r.name === name,
    );

  before(async () => {
    entra = await FakeEntra.start();
    h = await startAppHarness({
      tabAuth: entra.authenticator({ allowedTenants: [TENANT], adminUsers: [RILEY_ID] }),
    });
    token = await entra.token(TENANT, RILEY_ID);
  });
  after(async () => {
    await h?.stop();
    await entra?.stop();
  });

  it('Process Now: lists the resumes, reads one, creates the candidate with the resume and the email on it', async () => {
    const want = expected[PDF]!;
    const message = deliver('Application: Senior Software Engineer', [
      { name: 'Ava Nguyen resume.pdf', contentType: 'application/pdf', bytes: fixture(PDF) },
      { name: 'photo.png', contentType: 'image/png', bytes: Buffer.from('png') },
      { name: 'old-cv.doc', contentType: 'application/msword', bytes: Buffer.from('doc') },
    ]);
    const view = await call<CaptureView>(capture(message.restId));
    assert.equal(view.status, 200, JSON.stringify(view.json));
    assert.equal(view.json.state, null);
    const names = view.json.sources.map((s) => s.name);
    assert.deepEqual(
      names,
      ['Ava Nguyen resume.pdf', 'old-cv.doc', 'The email’s body'],
      'images are no resume',
    );
    assert.match(view.json.sources[1]!.refused ?? '', /not a resume CaptureME reads/);
    const pdf = view.json.sources[0]!;
    assert.equal(pdf.refused, undefined);

    const read = await call<CaptureReadResponse>(capture(message.restId, '/read'), {
      method: 'POST',
      body: { ref: pdf.ref },
    });
    assert.equal(read.status, 200, JSON.stringify(read.json));
    assert.equal(read.json.draft.name, want.name);
    assert.deepEqual(read.json.draft.emails, want.emails);
    assert.equal(read.json.draft.phone, want.phones[0]);
    assert.ok(read.json.resume.name?.source, 'the name says where it was found');
    const span = read.json.resume.name!.source!;
    assert.equal(read.json.resume.text.slice(span.start, span.end), want.name);
    assert.deepEqual(read.json.duplicates, []);

    // The recruiter corrects the title before creating.
    const profile = { ...read.json.draft, title: 'Staff Software Engineer' };
    const made = await call<CaptureResult>(capture(message.restId), {
      method: 'POST',
      body: { ref: pdf.ref, share: 'public', profile },
    });
    assert.equal(made.status, 201, JSON.stringify(made.json));
    assert.equal(made.json.created, true);
    assert.equal(made.json.candidate.name, want.name);
    assert.equal(made.json.email.status.exported, 'Yes');
    assert.ok(made.json.email.status.records.some((r) => r.id === made.json.candidate.id));
    const record = await h.app.services.crm.record(TENANT, made.json.candidate.id);
    assert.equal(record?.sourceType, 'Outlook');
    assert.equal(record?.ownerId, RILEY_ID);
    assert.equal(record?.share, 'public');
    assert.equal(record?.title, 'Staff Software Engineer');
    assert.equal(record?.resume?.name, 'Ava Nguyen resume.pdf');
    assert.deepEqual(
      (await h.app.services.crm.resumeOf(TENANT, record!.id))?.bytes,
      fixture(PDF),
      'the resume file is stored with the record',
    );
    const activities = await h.app.services.crm.activitiesOf(TENANT, record!.id, 50);
    assert.deepEqual(
      activities.map((a) => a.messageId),
      [message.immutableId],
    );
    assert.ok((await h.app.services.crm.search(TENANT, 'Outlook', 100)).some((r) => r.id === record!.id));

    // Done again (a double click): the same candidate, still one activity.
    const again = await call<CaptureResult>(capture(message.restId), {
      method: 'POST',
      body: { ref: pdf.ref, share: 'public', profile },
    });
    assert.equal(again.status, 200);
    assert.equal(again.json.created, false);
    assert.equal((await candidatesNamed(want.name)).length, 1);
    assert.equal((await h.app.services.crm.activitiesOf(TENANT, record!.id, 50)).length, 1);
    const after = await call<CaptureView>(capture(message.restId));
    assert.equal(after.json.state?.state, 'done');
    assert.equal(after.json.candidate?.id, record!.id);
  });

  it('offers to update a candidate the resume duplicates, and never makes a second one', async () => {
    const want = expected[PDF]!;
    const message = deliver('Ava again: updated CV', [
      { name: 'Ava CV 2026.pdf', contentType: 'application/pdf', bytes: fixture(PDF) },
    ]);
    const [existing] = await candidatesNamed(want.name);
    const ref = (await call<CaptureView>(capture(message.restId))).json.sources[0]!.ref;
    const read = await call<CaptureReadResponse>(capture(message.restId, '/read'), {
      method: 'POST',
      body: { ref },
    });
    assert.deepEqual(
      read.json.duplicates.map((d) => [d.id, d.reason]),
      [[existing!.id, 'address']],
    );
    const refused = await call(capture(message.restId), {
      method: 'POST',
      body: { ref, share: 'private', profile: read.json.draft },
    });
    assert.equal(refused.status, 400);
    assert.match(refused.json.error.message, /already a candidate/);
    const updated = await call<CaptureResult>(capture(message.restId), {
      method: 'POST',
      body: {
        ref,
        share: 'private',
        profile: { ...read.json.draft, skills: ['Kubernetes'] },
        updateId: existing!.id,
      },
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.json));
    assert.equal(updated.json.created, false);
    assert.equal(updated.json.candidate.id, existing!.id);
    assert.equal((await candidatesNamed(want.name)).length, 1);
    assert.ok((await h.app.services.crm.record(TENANT, existing!.id))?.skills?.includes('Kubernetes'));
  });

  it('Process Later: the candidate is made at the next sync, exactly once; Clear Settings removes a choice', async () => {
    const want = expected[DOCX]!;
    await h.app.services.settings.save(TENANT, RILEY_ID, {
      enabledAt: '2020-01-01T00:00:00.000Z',
      folders: ['inbox'],
    });
    const later = deliver('Application: Registered Nurse', [
      {
        name: 'Liam CV.docx',
        contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        bytes: fixture(DOCX),
      },
    ]);
    const cleared = deliver('Application: Account Executive', [
      { name: 'Mia.txt', contentType: 'text/plain', bytes: fixture(TEXT) },
    ]);
    const refOf = async (m: SandboxMessage) =>
      (await call<CaptureView>(capture(m.restId))).json.sources[0]!.ref;
    const saved = await call(capture(later.restId, '/later'), {
      method: 'PUT',
      body: { ref: await refOf(later), share: 'private' },
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.json));
    assert.equal(saved.json.state, 'pending');
    await call(capture(cleared.restId, '/later'), {
      method: 'PUT',
      body: { ref: await refOf(cleared), share: 'public' },
    });
    const clear = await call(capture(cleared.restId, '/later'), { method: 'DELETE' });
    assert.deepEqual(clear.json, { cleared: true });
    assert.deepEqual((await call(capture(cleared.restId, '/later'), { method: 'DELETE' })).json, {
      cleared: false,
    });
    assert.equal((await candidatesNamed(want.name)).length, 0, 'nothing is made before the sync');

    for (let run = 0; run < 2; run++) {
      const summary = await h.app.services.mailSync.run(riley, { mode: 'all', trigger: 'manual' });
      assert.equal(summary.status, 'completed', summary.note);
    }
    const [made] = await candidatesNamed(want.name);
    assert.ok(made, 'the pending choice became a candidate');
    assert.equal((await candidatesNamed(want.name)).length, 1, 'once, however many syncs');
    // Private: Riley finds and opens the candidate and its resume; a colleague does neither.
    const sam = await entra.token(TENANT, SAM_ID);
    const asUser = (bearer: string, path: string) =>
      fetch(`${h.app.url}/api/tab${path}`, { headers: { authorization: `Bearer ${bearer}` } });
    const search = `/records?q=${encodeURIComponent(want.name)}`;
    const found = async (bearer: string) =>
      ((await (await asUser(bearer, search)).json()) as { records: Array<{ name: string }> }).records.some(
        (r) => r.name === want.name,
      );
    assert.equal(await found(token), true);
    assert.equal(await found(sam), false, 'a private candidate is its owner’s');
    const [mine] = await candidatesNamed(want.name);
    assert.equal((await asUser(sam, `/records/candidate/${mine!.id}`)).status, 404);
    assert.equal((await asUser(sam, `/records/candidate/${mine!.id}/resume`)).status, 404);
    const resume = await asUser(token, `/records/candidate/${mine!.id}/resume`);
    assert.equal(resume.status, 200);
    assert.equal(resume.headers.get('content-type'), 'application/octet-stream');
    assert.match(resume.headers.get('content-disposition') ?? '', /^attachment; filename="Liam CV\.docx"$/);
    assert.deepEqual(Buffer.from(await resume.arrayBuffer()), fixture(DOCX));

    // Sam gets the same CV: the private candidate is not named, not offered, and not his to update.
    const samsMessage = h.sandbox.model.addMessage(SAM_ID, h.sandbox.model.wellKnown(SAM_ID, 'inbox')!.id, {
      subject: 'My CV',
      from: { emailAddress: { name: 'Liam', address: 'liam.applicant@example.net' } },
      toRecipients: [{ emailAddress: { address: 'sam.patel@northwindstaffing.com' } }],
      body: { contentType: 'html', content: '<p>CV attached</p>' },
      receivedDateTime: new Date().toISOString(),
      attachments: [
        {
          name: 'Liam CV.docx',
          contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
          contentBytes: fixture(DOCX).toString('base64'),
          isInline: false,
        },
      ],
    });
    const asSam = async <T>(path: string, body?: unknown) => {
      const response = await fetch(`${h.app.url}/api/outlook${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${sam}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
      return { status: response.status, json: (await response.json()) as T & Record<string, any> };
    };
    const samsRef = (await asSam<CaptureView>(capture(samsMessage.restId))).json.sources[0]!.ref;
    const samRead = await asSam<CaptureReadResponse>(capture(samsMessage.restId, '/read'), { ref: samsRef });
    assert.equal(samRead.status, 200, JSON.stringify(samRead.json));
    assert.equal(samRead.json.heldPrivately, true);
    assert.deepEqual(samRead.json.duplicates, []);
    assert.doesNotMatch(JSON.stringify(samRead.json.duplicates), new RegExp(mine!.id));
    for (const body of [
      { ref: samsRef, share: 'public', profile: samRead.json.draft, updateId: mine!.id },
      { ref: samsRef, share: 'public', profile: samRead.json.draft },
    ]) {
      const refused = await asSam(capture(samsMessage.restId), body);
      assert.equal(refused.status, 400, JSON.stringify(refused.json));
      assert.doesNotMatch(refused.json.error.message, new RegExp(want.name));
    }
    const after = await h.app.services.crm.record(TENANT, mine!.id);
    assert.deepEqual(after?.emails, mine!.emails, 'the private candidate is as it was');
    assert.equal(made.sourceType, 'Outlook');
    assert.equal(made.share, 'private');
    assert.deepEqual(
      (await h.app.services.crm.activitiesOf(TENANT, made.id, 50)).map((a) => a.messageId),
      [later.immutableId],
    );
    assert.equal((await h.app.services.ledger.get(TENANT, RILEY_ID, later.immutableId))?.status, 'synced');
    assert.equal((await call<CaptureView>(capture(later.restId))).json.state?.state, 'done');
    // The sync ran unwatched: Riley is told, once, with the way to the candidate.
    const told = (await h.app.services.notifications.latest(TENANT, RILEY_ID, 50)).filter(
      (n) => n.title === 'Candidate captured',
    );
    assert.equal(told.length, 1, JSON.stringify(told));
    assert.match(told[0]!.text, new RegExp(want.name));
    assert.equal((await candidatesNamed(expected[TEXT]!.name)).length, 0, 'a cleared choice makes nothing');
  });

  it("lists captures in the Emails view's Captured filter, and Retry makes a failed one", async () => {
    const want = expected[TEXT]!;
    const message = deliver('Application: Account Executive (again)', [
      { name: 'Mia Robinson.txt', contentType: 'text/plain', bytes: fixture(TEXT) },
    ]);
    const ref = (await call<CaptureView>(capture(message.restId))).json.sources[0]!.ref;
    await call(capture(message.restId, '/later'), { method: 'PUT', body: { ref, share: 'public' } });
    // Graph cannot give the attachment at the sync: the capture fails with its reason, nothing is made.
    h.sandbox.faults.add({ route: 'attachments', status: 404, code: 'ErrorItemNotFound', times: 3 });
    await h.app.services.mailSync.syncSelected(riley, message.immutableId);
    h.sandbox.faults.clear();
    const tab = async (path: string, init: { method?: string; body?: unknown } = {}) => {
      const response = await fetch(`${h.app.url}/api/tab${path}`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
      return { status: response.status, json: (await response.json()) as Record<string, any> };
    };
    const listed = await tab('/emails?status=captured');
    assert.equal(listed.status, 200, JSON.stringify(listed.json));
    const row = listed.json.emails.find((e: { messageId: string }) => e.messageId === message.immutableId);
    assert.equal(row?.capture?.state, 'error', JSON.stringify(row));
    const failed = (await h.app.services.notifications.latest(TENANT, RILEY_ID, 50)).find(
      (n) => n.title === 'CaptureME could not make a candidate',
    );
    assert.match(failed?.text ?? '', /no longer in the mailbox\. Retry it from the Emails view/);
    assert.equal(row.capture.error, 'The email or its resume is no longer in the mailbox.');
    assert.equal((await candidatesNamed(want.name)).length, 0);

    const retried = await tab('/emails/capture-retry', {
      method: 'POST',
      body: { messageId: message.immutableId },
    });
    assert.equal(retried.status, 200, JSON.stringify(retried.json));
    assert.equal(retried.json.email.capture.state, 'done');
    assert.equal(retried.json.email.capture.candidate.name, want.name);
    assert.equal(retried.json.email.exported, 'Yes');
    assert.equal((await candidatesNamed(want.name)).length, 1);
    // A page at a time, newest first; a token from elsewhere is refused.
    const another = deliver('Application: paging', [
      { name: 'Mia Robinson.txt', contentType: 'text/plain', bytes: fixture(TEXT) },
    ]);
    await call(capture(another.restId, '/later'), { method: 'PUT', body: { ref: 'body', share: 'private' } });
    const first = await tab('/emails?status=captured&limit=1');
    assert.equal(first.json.emails.length, 1);
    assert.match(first.json.continuation, /^captured:1$/);
    const second = await tab(`/emails?status=captured&limit=1&continuation=${first.json.continuation}`);
    assert.notEqual(second.json.emails[0].messageId, first.json.emails[0].messageId);
    assert.equal((await tab('/emails?status=captured&continuation=abc')).status, 400);
    const relisted = await tab('/emails?status=captured');
    const done = relisted.json.emails.find((e: { messageId: string }) => e.messageId === message.immutableId);
    assert.equal(done?.capture?.candidate?.name, want.name, 'the made capture is listed with its candidate');
    assert.equal(done?.subject, 'Application: Account Executive (again)', 'with its email, once synced');
    const again = await tab('/emails/capture-retry', {
      method: 'POST',
      body: { messageId: message.immutableId },
    });
    assert.equal(again.status, 400, 'nothing to retry once it is made');
  });

  it("finds the skills on the organization's list, which its admins edit and reset", async () => {
    const admin = async (init: { method?: string; body?: unknown; as?: string } = {}) => {
      const response = await fetch(`${h.app.url}/api/tab/admin/skills`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${init.as ?? token}`, 'content-type': 'application/json' },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
      return { status: response.status, json: (await response.json()) as Record<string, any> };
    };
    const shipped = await admin();
    assert.equal(shipped.status, 200, JSON.stringify(shipped.json));
    assert.equal(shipped.json.custom, false);
    assert.ok(shipped.json.skills.length > 100);
    const someoneElse = await entra.token(TENANT, SAM_ID);
    assert.equal((await admin({ method: 'PUT', body: { text: 'Hacking' }, as: someoneElse })).status, 403);

    const saved = await admin({
      method: 'PUT',
      body: { text: '# Our desk\nUnderwater Basket Weaving\npython\n' },
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.json));
    assert.deepEqual(saved.json.skills, ['Underwater Basket Weaving', 'python']);
    const message = deliver(
      'Application in the body',
      [],
      '<p>Jordan Blake</p><p>jordan.blake@example.org</p><p>Skills: underwater basket weaving, Python, Kubernetes</p>',
    );
    const read = await call<CaptureReadResponse>(capture(message.restId, '/read'), {
      method: 'POST',
      body: { ref: 'body' },
    });
    assert.equal(read.status, 200, JSON.stringify(read.json));
    assert.deepEqual(read.json.draft.skills.map((k) => k.toLowerCase()).sort(), [
      'python',
      'underwater basket weaving',
    ]);
    assert.equal((await admin({ method: 'PUT', body: { text: '\n# nothing\n' } })).status, 400);
    const reset = await admin({ method: 'PUT', body: { text: null } });
    assert.equal(reset.json.custom, false);
    assert.equal(reset.json.skills.length, shipped.json.skills.length);
  });

  for (const [file, why] of [
    ['huge-page-count.pdf', /pages/],
    ['deeply-nested.pdf', /.+/],
    ['scanned-image.pdf', /no text/],
  ] as const) {
    it(`refuses a hostile PDF (${file}) with its reason while the app keeps answering`, async () => {
      const hostile = readFileSync(new URL(`../../fixtures/resumes/hostile/${file}`, import.meta.url));
      const message = deliver(`Totally a resume ${file}`, [
        { name: 'resume.pdf', contentType: 'application/pdf', bytes: hostile },
      ]);
      const ref = (await call<CaptureView>(capture(message.restId))).json.sources[0]!.ref;
      let answered = 0;
      const reading = call(capture(message.restId, '/read'), { method: 'POST', body: { ref } });
      const pings = (async () => {
        for (let i = 0; i < 5; i++) if ((await fetch(`${h.app.url}/healthz`)).ok) answered++;
      })();
      const [refused] = await Promise.all([reading, pings]);
      assert.ok([413, 422].includes(refused.status), JSON.stringify(refused.json));
      assert.match(refused.json.error.message, why);
      assert.equal(answered, 5, 'the app answered while the file was read');
      // Nothing is made from a refused file, now or later.
      const later = await call(capture(message.restId, '/later'), {
        method: 'PUT',
        body: { ref, share: 'private' },
      });
      assert.equal(later.status, 200);
      await h.app.services.mailSync.syncSelected(riley, message.immutableId);
      const state = (await call<CaptureView>(capture(message.restId))).json.state;
      assert.equal(state?.state, 'error');
      assert.match(state?.error ?? '', why);
    });
  }
});
