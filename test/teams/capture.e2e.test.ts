import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { type AppHarness, TENANT, startAppHarness } from '../support/app-harness.ts';
import type { Playground } from '../support/playground.ts';

/**
 * "Capture candidate" on a Teams message, through the Agents Playground (Teams' own invokes, its
 * 5-second deadline): a message with a resume file shared from OneDrive (read through the sandbox's
 * Graph /shares, as Graph serves it), the form card, the candidate, the duplicate offered as an
 * update, a message without a resume, and a refused file with Retry.
 */

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/resumes/${name}`, import.meta.url));
const expected = JSON.parse(
  readFileSync(new URL('../../fixtures/resumes/expected.json', import.meta.url), 'utf8'),
) as Record<string, { name: string; emails: string[]; phones: string[] }>;
const PDF = '12-arjun-mehta.pdf';
const FILE_URL =
  'https://northwindstaffing-my.sharepoint.com/personal/sam_patel_northwindstaffing_com/Documents/Microsoft%20Teams%20Chat%20Files/Arjun%20Mehta%20CV.pdf';

type Answer = { status: number; body: Record<string, unknown> };

describe('Capture candidate (Teams message action)', function () {
  this.timeout(120_000);
  let h: AppHarness;
  let playground: Playground;

  const payload = (id: string, attachments: unknown[], body = '<p>Here is the CV we talked about.</p>') => ({
    id,
    createdDateTime: '2026-11-30T10:00:00.000Z',
    linkToMessage: `https://teams.microsoft.com/l/message/19:chat/${id}`,
    body: { contentType: 'html', content: body },
    from: { user: { id: '8a1d2c3b-4e5f-4a6b-9c7d-2e3f4a5b6c7d', displayName: 'Sam Patel' } },
    attachments,
  });
  const file = (url: string, name: string) => ({ id: 'a1', contentType: 'reference', contentUrl: url, name });
  const invoke = (name: 'fetchTask' | 'submitAction', message: ReturnType<typeof payload>, data = {}) =>
    playground.invoke(`composeExtension/${name}`, {
      commandId: 'captureCandidate',
      commandContext: 'message',
      messagePayload: message,
      data,
    });
  const card = (answer: Answer) =>
    (answer.body.task as { value: { card: { content: { body: unknown[]; actions?: unknown[] } } } }).value
      .card.content;
  const text = (answer: Answer) => JSON.stringify(card(answer));
  /** The form's inputs with the values the card starts with, as Teams would submit them untouched. */
  const inputsOf = (answer: Answer): Record<string, string> => {
    const values: Record<string, string> = {};
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        const element = node as Record<string, unknown>;
        if (typeof element.id === 'string' && String(element.type).startsWith('Input.'))
          values[element.id] = String(element.value ?? '');
        Object.values(element).forEach(walk);
      }
    };
    walk(card(answer).body);
    return values;
  };
  const submitData = (answer: Answer) =>
    (card(answer).actions as Array<{ data?: Record<string, unknown> }>)[0]!.data ?? {};
  const candidatesNamed = async (name: string) =>
    (await h.app.services.crm.directory(TENANT)).records.filter(
      (r) => r.type === 'candidate' && r.name === name,
    );

  before(async () => {
    h = await startAppHarness({ playground: true, install: true });
    playground = h.playground!;
    h.sandbox.files.add(FILE_URL, {
      name: 'Arjun Mehta CV.pdf',
      contentType: 'application/pdf',
      bytes: fixture(PDF),
    });
  });
  after(() => h?.stop());

  it('reads the shared file into a form, creates the candidate with the file, and puts the message on it', async () => {
    const want = expected[PDF]!;
    const message = payload('1732960000001', [file(FILE_URL, 'Arjun Mehta CV.pdf')]);
    const pick = await invoke('fetchTask', message);
    assert.equal(pick.status, 200);
    assert.match(text(pick), /Arjun Mehta CV\.pdf/);
    assert.match(text(pick), /The message’s text/);
    const form = await invoke('submitAction', message, {
      action: 'captureRead',
      source: 'file:0',
      share: 'public',
    });
    const inputs = inputsOf(form);
    assert.equal(inputs.name, want.name, text(form));
    assert.equal(inputs.emails, want.emails.join(', '));
    assert.equal(inputs.phone, want.phones[0]);
    assert.match(text(form), /From the resume \(\d+ %\)/);
    assert.ok(h.sandbox.files.downloads >= 1, 'the file came through Graph');

    const made = await invoke('submitAction', message, { ...submitData(form), ...inputs, share: 'public' });
    assert.match(text(made), /Candidate created/, text(made));
    assert.match(text(made), /Show Candidate/);
    const [record] = await candidatesNamed(want.name);
    assert.ok(record);
    assert.equal(record.sourceType, 'Outlook');
    assert.equal(record.share, 'public');
    assert.deepEqual((await h.app.services.crm.resumeOf(TENANT, record.id))?.bytes, fixture(PDF));
    const activities = await h.app.services.crm.activitiesOf(TENANT, record.id, 10);
    assert.deepEqual(
      activities.map((a) => a.messageId),
      ['1732960000001'],
    );

    // The same resume in another message: the candidate is offered for update, not made twice.
    const second = payload('1732960000002', [file(FILE_URL, 'Arjun Mehta CV.pdf')]);
    const again = await invoke('submitAction', second, {
      action: 'captureRead',
      source: 'file:0',
      share: 'private',
    });
    assert.match(text(again), new RegExp(`Update ${want.name} \\(same address\\)`));
    assert.doesNotMatch(text(again), /Create a new candidate/);
    const updated = await invoke('submitAction', second, { ...submitData(again), ...inputsOf(again) });
    assert.match(text(updated), /Candidate updated/, text(updated));
    assert.equal((await candidatesNamed(want.name)).length, 1);
    assert.equal((await h.app.services.crm.activitiesOf(TENANT, record.id, 10)).length, 2);
  });

  it('says so for a message with nothing to read, and gives the reason with Retry for a refused file', async () => {
    const empty = await invoke('fetchTask', payload('1732960000003', [], ''));
    assert.match(text(empty), /No resume here/);

    const scanned = `${FILE_URL.replace('Arjun%20Mehta%20CV', 'scan')}`;
    h.sandbox.files.add(scanned, {
      name: 'scan.pdf',
      contentType: 'application/pdf',
      bytes: readFileSync(new URL('../../fixtures/resumes/hostile/scanned-image.pdf', import.meta.url)),
    });
    // One file and no text: straight to reading it.
    // As Teams sends a file's message: its body is only the attachment's tag, so there is no text to offer.
    const refused = await invoke(
      'fetchTask',
      payload('1732960000004', [file(scanned, 'scan.pdf')], '<attachment id="a1"></attachment>'),
    );
    assert.match(text(refused), /No candidate was made/);
    assert.match(text(refused), /no text to read/i);
    assert.match(text(refused), /"title":"Retry"/);

    const gone = payload('1732960000005', [file(`${FILE_URL}.missing`, 'gone.pdf')], '');
    const missing = await invoke('fetchTask', gone);
    assert.match(text(missing), /gone from SharePoint/);

    // A file in someone else's OneDrive (or a channel's site), linked from Sam's message: never read.
    const ridersFile = FILE_URL.replace(
      'sam_patel_northwindstaffing_com',
      'riley_morgan_northwindstaffing_com',
    );
    h.sandbox.files.add(ridersFile, {
      name: 'Riley private.pdf',
      contentType: 'application/pdf',
      bytes: fixture(PDF),
    });
    const before = h.sandbox.files.downloads;
    for (const url of [
      ridersFile,
      'https://northwindstaffing.sharepoint.com/sites/Recruiting/Shared%20Documents/cv.pdf',
    ]) {
      const foreign = await invoke('fetchTask', payload('1732960000007', [file(url, 'cv.pdf')], ''));
      assert.match(text(foreign), /not in its sender's OneDrive/);
    }
    assert.equal(h.sandbox.files.downloads, before, 'nothing was downloaded');

    // Without Files.Read.All consented, Graph refuses the file: the card says what to do instead.
    h.sandbox.faults.add({ route: 'shares', status: 403, code: 'accessDenied', times: 1 });
    const denied = await invoke(
      'fetchTask',
      payload('1732960000006', [file(FILE_URL, 'Arjun Mehta CV.pdf')], ''),
    );
    assert.match(text(denied), /may not read files shared in Teams/);
  });
});
