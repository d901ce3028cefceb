import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Browser, Frame, Page } from 'playwright-core';
import type { SandboxMessage } from '../../bot/sandbox/mailbox-model.ts';
import { RILEY_ID, TENANT, riley, startAppHarness, type AppHarness } from '../support/app-harness.ts';
import { launchBrowser, screenshot, seriousViolations } from '../support/browser.ts';

/**
 * The Outlook add-in as a recruiter meets it locally: the sandbox's Outlook page, an email opened,
 * the add-in's buttons, the real task pane (with the sandbox's Office.js stand-in) in headless
 * Chromium, against the app in sandbox mode.
 */

const VICTOR = 'victor.dubois@fabrikam.com';

describe('Outlook add-in in the browser', function () {
  this.timeout(120_000);
  let h: AppHarness;
  let browser: Browser;
  let page: Page;
  const mail: Record<string, SandboxMessage> = {};

  const deliver = (key: string, from: string, subject: string, minutesAgo: number) => {
    const model = h.sandbox.model;
    mail[key] = model.addMessage(RILEY_ID, model.wellKnown(RILEY_ID, 'inbox')!.id, {
      subject,
      from: { emailAddress: { name: from, address: from } },
      toRecipients: [{ emailAddress: { address: 'riley.morgan@northwindstaffing.com' } }],
      body: { contentType: 'html', content: `<p>${subject}</p><script>parent.hacked = true</script>` },
      receivedDateTime: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
      internetMessageId: `<${key}@browser.test>`,
    });
  };
  const openOutlook = async (query = '') => {
    await page.goto(`${h.app.url}/sandbox/outlook/${query}`);
    await page.locator('[data-message]').first().waitFor();
  };
  const select = (subject: string) => page.getByRole('button', { name: new RegExp(subject) }).click();
  const pane = async (): Promise<Frame> => {
    await page.locator('#pane-frame').waitFor();
    for (let i = 0; i < 100; i++) {
      const frame = page.frame({ url: /\/tab\/outlook\.html/ });
      if (frame) return frame;
      await page.waitForTimeout(50);
    }
    throw new Error('the task pane did not open');
  };
  const ribbon = (name: string) =>
    page.getByRole('toolbar', { name: 'CRM Sync (add-in)' }).getByRole('button', { name });

  /**
   * "Browser: open to a move" synced from Outlook, as the first test does by clicking: each test
   * that needs it says so, so none relies on the order they run in.
   */
  const openSyncedFromOutlook = async () => {
    const entry = await h.app.services.ledger.get(TENANT, RILEY_ID, mail.open!.immutableId);
    if (entry?.status !== 'synced') {
      const { summary } = await h.app.services.mailSync.syncSelected(
        riley,
        mail.open!.immutableId,
        'outlook',
      );
      assert.equal(summary.status, 'completed', summary.note);
    }
  };
  /** Riley's Inbox synced by a folder run, a month back, after anything synced from Outlook. */
  const inboxSynced = async () => {
    await h.app.services.settings.save(TENANT, RILEY_ID, {
      enabledAt: new Date().toISOString(),
      emailSync: true,
      daysBack: 30,
    });
    const summary = await h.app.services.mailSync.run(riley, {
      mode: 'all',
      trigger: 'manual',
      folders: ['inbox'],
    });
    assert.equal(summary.status, 'completed');
  };

  before(async () => {
    h = await startAppHarness();
    deliver('open', VICTOR, 'Browser: open to a move', 1);
    deliver('intro', 'new.person@example.org', 'Browser: an introduction', 2);
    deliver('second', VICTOR, 'Browser: a second note', 3);
    browser = await launchBrowser();
    // bypassCSP lets axe-core be injected into the pages; the mail body frame stays sandboxed.
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, bypassCSP: true });
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
  });

  it('syncs an email from a candidate: matches, Sync to CRM, Yes and CandCon, Show Candidate', async () => {
    await openOutlook();
    await select('Browser: open to a move');
    await ribbon('Sync to CRM').click();
    const frame = await pane();
    await frame.getByRole('heading', { name: 'Matches' }).waitFor();
    await frame.getByText('Not synced yet').waitFor();
    const matches = frame.getByRole('list', { name: 'Candidates and contacts its addresses match' });
    assert.equal(await matches.getByRole('checkbox').count(), 2);
    assert.equal(await matches.getByRole('checkbox', { checked: true }).count(), 2);
    await frame.getByRole('button', { name: 'Sync to CRM' }).click();
    await frame.getByText('Yes: it is in the CRM').waitFor();
    assert.equal(await frame.getByTestId('link-type').textContent(), 'CandCon');
    await frame.getByText('Synced to 2 records.').waitFor();
    assert.equal(await page.evaluate(() => (globalThis as { hacked?: boolean }).hacked), undefined);
    await screenshot(page, 'outlook-synced');

    const [record] = await Promise.all([
      page.waitForEvent('popup'),
      frame.getByRole('link', { name: 'Show Candidate' }).click(),
    ]);
    await record.waitForURL(/\/tab\/records\/candidate\//);
    await record.getByText('Browser: open to a move').first().waitFor();
    await record.close();
  });

  it('the folder sync afterwards makes no second activity', async () => {
    await openSyncedFromOutlook();
    await inboxSynced();
    const entry = await h.app.services.ledger.get(TENANT, RILEY_ID, mail.open!.immutableId);
    const candidate = entry!.matched!.candidates[0]!;
    const activities = (await h.app.services.crm.activitiesOf(TENANT, candidate, 100)).filter(
      (a) => a.messageId === mail.open!.immutableId,
    );
    assert.equal(activities.length, 1);
  });

  it('associates a no-match email with a searched contact', async () => {
    await openOutlook();
    await select('Browser: an introduction');
    await ribbon('Associate').click();
    const frame = await pane();
    await frame.getByText(/No match: no candidate or contact has the address of the sender/).waitFor();
    await frame.getByRole('searchbox', { name: 'Search candidates, contacts and companies' }).fill('novak');
    await frame.getByRole('button', { name: 'Search' }).click();
    const results = frame.getByRole('list', { name: 'Search results' });
    await results.getByRole('checkbox').first().waitFor();
    await results.getByRole('checkbox', { name: /Liam Novak/ }).check();
    await frame.getByRole('button', { name: 'Associate' }).click();
    await frame.getByText('Yes: it is in the CRM').waitFor();
    assert.equal(await frame.getByTestId('link-type').textContent(), 'Con');
    await frame.getByRole('link', { name: 'Show Contact' }).waitFor();
    const entry = await h.app.services.ledger.get(TENANT, RILEY_ID, mail.intro!.immutableId);
    assert.equal(entry?.status, 'synced');
    assert.equal(entry?.linkType, 'Con');
  });

  it('captures a candidate from a resume: Process Now with the form, then Process Later and Clear Settings', async () => {
    const resume = readFileSync(new URL('../../fixtures/resumes/06-annalena-schmidt.pdf', import.meta.url));
    const want = (
      JSON.parse(
        readFileSync(new URL('../../fixtures/resumes/expected.json', import.meta.url), 'utf8'),
      ) as Record<string, { name: string }>
    )['06-annalena-schmidt.pdf']!;
    const model = h.sandbox.model;
    for (const [key, subject] of [
      ['cv', 'Browser: application with CV'],
      ['cvLater', 'Browser: another application'],
    ] as const)
      mail[key] = model.addMessage(RILEY_ID, model.wellKnown(RILEY_ID, 'inbox')!.id, {
        subject,
        from: { emailAddress: { name: 'Applicant', address: `${key}@applicants.example` } },
        toRecipients: [{ emailAddress: { address: 'riley.morgan@northwindstaffing.com' } }],
        body: { contentType: 'html', content: '<p>My CV is attached.</p>' },
        receivedDateTime: new Date().toISOString(),
        internetMessageId: `<${key}@browser.test>`,
        attachments: [
          {
            name: 'CV.pdf',
            contentType: 'application/pdf',
            contentBytes: resume.toString('base64'),
            isInline: false,
          },
        ],
      });
    await openOutlook();
    await select('Browser: application with CV');
    await ribbon('Capture candidate').click();
    let frame = await pane();
    await frame.getByRole('heading', { name: 'Capture candidate' }).waitFor();
    assert.equal(await frame.getByRole('radio', { name: 'CV.pdf' }).isChecked(), true);
    await frame.getByRole('radio', { name: 'Public' }).check();
    await frame.getByRole('button', { name: 'Process Now' }).click();
    const name = frame.getByRole('textbox', { name: 'Name' });
    await name.waitFor();
    assert.equal(await name.inputValue(), want.name);
    // Where the name came from, marked in the resume's own words.
    assert.equal(await frame.getByTestId('field-source').first().locator('mark').textContent(), want.name);
    await frame.getByRole('textbox', { name: 'Current title' }).fill('Lead Data Engineer');
    const history = frame.getByRole('textbox', { name: /^Work history/ });
    assert.match(await history.inputValue(), / \| /, 'the work history the resume gave, a line each');
    await history.fill('Lead Data Engineer | Contoso | 2021 | Present');
    await frame.getByRole('button', { name: 'Create candidate' }).click();
    await frame.getByText(new RegExp(`Captured ${want.name}`)).waitFor();
    await frame.getByText('Yes: it is in the CRM').waitFor();
    await screenshot(page, 'outlook-captured');
    const candidate = (await h.app.services.crm.directory(TENANT)).records.find(
      (r) => r.type === 'candidate' && r.name === want.name,
    );
    assert.equal(candidate?.title, 'Lead Data Engineer');
    assert.deepEqual(candidate?.history, [
      { title: 'Lead Data Engineer', employer: 'Contoso', start: '2021', end: 'Present' },
    ]);
    assert.equal(candidate?.share, 'public');

    await select('Browser: another application');
    await ribbon('Capture candidate').click();
    frame = await pane();
    await frame.getByRole('button', { name: 'Process Later' }).click();
    await frame.getByText(/Saved for later: a private candidate from CV\.pdf/).waitFor();
    await frame.getByRole('button', { name: 'Clear Settings' }).click();
    await frame.getByText('The saved CaptureME choice is cleared.').waitFor();
    await frame.getByRole('button', { name: 'Clear Settings' }).waitFor({ state: 'detached' });
    const violations = await seriousViolations(frame);
    assert.deepEqual(violations, [], JSON.stringify(violations, null, 1));
  });

  it('a pinned pane follows the selected email; an unpinned one closes', async () => {
    await openSyncedFromOutlook();
    await inboxSynced();
    await openOutlook();
    await select('Browser: open to a move');
    await ribbon('CRM status').click();
    let frame = await pane();
    await frame.getByText('Yes: it is in the CRM').waitFor();
    await page.getByRole('checkbox', { name: 'Pin' }).check();
    await select('Browser: a second note');
    await frame.getByRole('heading', { level: 1, name: 'Browser: a second note' }).waitFor();
    // The folder sync took this one in: the pane shows its own status.
    await frame.getByText('Yes: it is in the CRM').waitFor();
    assert.equal(await frame.getByRole('checkbox', { checked: true }).count(), 2, 'its own matches, ticked');

    await page.getByRole('checkbox', { name: 'Pin' }).uncheck();
    await select('Browser: an introduction');
    await page.locator('#pane').waitFor({ state: 'hidden' });
    frame = await (async () => {
      await ribbon('CRM status').click();
      return pane();
    })();
    await frame.getByRole('heading', { level: 1, name: 'Browser: an introduction' }).waitFor();
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`has no serious or critical accessibility violations, ${theme}`, async () => {
      await openSyncedFromOutlook();
      await openOutlook(theme === 'dark' ? '?theme=dark' : '');
      await select('Browser: open to a move');
      await ribbon('CRM status').click();
      const frame = await pane();
      await frame.getByText('Yes: it is in the CRM').waitFor();
      await page.setViewportSize({ width: 1400, height: 900 });
      await screenshot(page, `outlook-pane-${theme}`);
      assert.deepEqual(await seriousViolations(frame), [], 'the task pane');
      assert.deepEqual(await seriousViolations(page), [], 'the local Outlook page');
    });
  }
});
