import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { riley, RILEY_ID, TENANT, startAppHarness, type AppHarness } from '../support/app-harness.ts';
import { launchBrowser, screenshot, seriousViolations } from '../support/browser.ts';
import { RILEY } from '../support/sandbox.ts';

/**
 * The tab's Emails view in headless Chromium against the app in sandbox mode: every filter, the
 * Exported column with its note and link type, and Associate / create from a no-match email.
 * Each test opens the view afresh over the same synced mailbox; none relies on another's clicks.
 */

describe('Emails view in the browser', function () {
  this.timeout(120_000);
  let h: AppHarness;
  let browser: Browser;
  let page: Page;
  const ids: Record<string, string> = {};

  const add = async (key: string, folder: string, message: Record<string, unknown>) => {
    ids[key] = String((await h.graph.adminCall('POST', `/users/${RILEY}/messages`, { folder, message })).id);
  };
  const person = (name: string, address: string) => ({ emailAddress: { name, address } });
  /** The rows shown now, as their message ids. */
  const shown = async () =>
    page
      .locator('tr[data-message-id]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-message-id')));
  const open = async (query = '') => {
    await page.goto(`${h.app.url}/tab/settings/emails${query}`);
    await page.getByRole('heading', { level: 2, name: 'Emails', exact: true }).waitFor();
    await page.locator('tr[data-message-id]').first().waitFor();
  };
  /** Waits for the table to settle on a new answer (the first row changes or the count does). */
  const settled = async (check: (rows: Array<string | null>) => boolean) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const rows = await shown();
      if (check(rows)) return rows;
      if (Date.now() > deadline)
        throw new Error(`the table never settled: ${JSON.stringify(rows.slice(0, 5))}`);
      await page.waitForTimeout(100);
    }
  };
  const entry = (id: string) => h.app.services.ledger.get(TENANT, RILEY_ID, id);

  before(async () => {
    h = await startAppHarness();
    await add('noMatch', 'inbox', {
      subject: 'Zanzibar opening for a data engineer',
      from: person('Pat Newcomer', 'pat.newcomer@freshmail.example'),
      toRecipients: [person('Riley', RILEY)],
      receivedDateTime: '2026-11-28T09:00:00Z',
    });
    await add('blocked', 'inbox', {
      subject: 'Compensation details, HR in copy',
      from: person('Ava', 'ava.kim@outlook.com'),
      toRecipients: [person('Riley', RILEY)],
      ccRecipients: [person('HR', 'hr@blocked.example')],
      receivedDateTime: '2026-11-27T09:00:00Z',
    });
    await add('archived', 'archive', {
      subject: 'An archived thread with Victor',
      from: person('Victor', 'victor.dubois@fabrikam.com'),
      toRecipients: [person('Riley', RILEY)],
      receivedDateTime: '2026-10-01T09:00:00Z',
    });
    await h.app.services.settings.save(TENANT, RILEY_ID, {
      enabledAt: '2020-01-01T00:00:00.000Z',
      folders: ['inbox', 'sentitems', 'archive'],
      blocklist: ['@blocked.example'],
    });
    const summary = await h.app.services.mailSync.run(riley, { mode: 'all', trigger: 'manual' });
    assert.equal(summary.status, 'completed');
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
  });

  it('lists every email newest first, with Exported, link type, records and counts per status', async () => {
    await open();
    const rows = await shown();
    assert.equal(rows.length, 50, 'a page of 50');
    const dates = await page
      .locator('tr[data-message-id]')
      .evaluateAll((r) => r.map((row) => row.querySelector('td')?.textContent ?? ''));
    assert.ok(dates.length === 50);
    const all = await h.app.services.ledger.all(TENANT, RILEY_ID);
    const newest = [...all].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt)).slice(0, 50);
    assert.deepEqual(
      rows,
      newest.map((e) => e.messageId),
      'newest first',
    );
    const counts = await h.app.services.ledger.counts(TENANT, RILEY_ID);
    await page
      .getByRole('combobox', { name: 'Status' })
      .getByText(`No match (${counts.no_match})`)
      .waitFor({ state: 'attached' });
    const synced = page.locator('tr[data-status="synced"]').first();
    assert.equal(await synced.getByTestId('exported').textContent(), 'Yes');
    assert.match((await synced.textContent()) ?? '', /Cand|Con/);
    assert.ok((await synced.getByRole('link', { name: /^Show (candidate|contact)/ }).count()) > 0);
    await screenshot(page, 'emails-view');
    await page.getByRole('button', { name: 'Load more' }).click();
    await settled((r) => r.length > 50);
    assert.deepEqual(await seriousViolations(page), []);
  });

  it('filters by status: no match, kept out (with the blocklist entry), synced', async () => {
    await open();
    await page.getByRole('combobox', { name: 'Status' }).selectOption('no_match');
    const noMatch = await settled((r) => r.includes(ids.noMatch!) && r.length < 50);
    const statuses = await page
      .locator('tr[data-message-id]')
      .evaluateAll((r) => r.map((row) => row.getAttribute('data-status')));
    assert.ok(
      statuses.every((s) => s === 'no_match'),
      JSON.stringify(statuses),
    );
    assert.equal(noMatch.length, (await h.app.services.ledger.counts(TENANT, RILEY_ID)).no_match);

    await page.getByRole('combobox', { name: 'Status' }).selectOption('skipped');
    await settled((r) => r.includes(ids.blocked!));
    const row = page.locator(`tr[data-message-id="${ids.blocked}"]`);
    assert.equal(await row.getByTestId('exported').textContent(), 'No');
    await row.getByText('blocked: hr@blocked.example (@blocked.example) is on your blocklist').waitFor();

    await page.goto(`${h.app.url}/tab/settings/emails?status=synced`);
    await settled((r) => r.length > 0 && !r.includes(ids.noMatch!));
    const synced = await page
      .locator('tr[data-message-id]')
      .evaluateAll((r) => r.map((row) => row.getAttribute('data-status')));
    assert.ok(synced.every((s) => s === 'synced'));
  });

  it('filters by folder and by a date range', async () => {
    await open();
    const archive = h.sandbox.model.wellKnown(RILEY_ID, 'archive')!;
    await page.getByRole('combobox', { name: 'Folder' }).selectOption(archive.id);
    const inArchive = await settled((r) => r.includes(ids.archived!) && !r.includes(ids.noMatch!));
    for (const id of inArchive) assert.equal((await entry(id!))?.folderId, archive.id);

    await page.getByRole('combobox', { name: 'Folder' }).selectOption('');
    await page.getByLabel('Received from').fill('2026-11-27');
    await page.getByLabel('Received before').fill('2026-11-28');
    await page.getByRole('button', { name: 'Apply' }).click();
    const inRange = await settled((r) => r.includes(ids.blocked!) && !r.includes(ids.noMatch!));
    for (const id of inRange) {
      const received = (await entry(id!))!.receivedAt;
      assert.ok(received >= '2026-11-27' && received < '2026-11-28', received);
    }
  });

  it('searches whole words of the subject and addresses', async () => {
    await open();
    await page.getByRole('searchbox', { name: 'Search' }).fill('zanzibar');
    await page.getByRole('button', { name: 'Apply' }).click();
    assert.deepEqual(await settled((r) => r.length === 1), [ids.noMatch]);
    await page.getByRole('searchbox', { name: 'Search' }).fill('victor.dubois@fabrikam.com archived');
    await page.getByRole('button', { name: 'Apply' }).click();
    assert.deepEqual(await settled((r) => r.length === 1 && r[0] !== ids.noMatch), [ids.archived]);
    await page.getByRole('searchbox', { name: 'Search' }).fill('nothing-has-this-word');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No emails match these filters.').waitFor();
  });

  it('associates a no-match email with a record found by search: one activity, linked', async () => {
    await open('?status=no_match');
    const row = page.locator(`tr[data-message-id="${ids.noMatch}"]`);
    await row.getByRole('button', { name: 'Associate…' }).click();
    const panel = page.getByRole('group', { name: /^Associate/ });
    await panel.getByRole('searchbox').fill('Victor');
    await panel.getByRole('button', { name: 'Search' }).click();
    await panel.getByRole('checkbox', { name: /^Victor Dubois \(candidate/ }).check();
    await screenshot(page, 'emails-associate');
    await panel.getByRole('button', { name: 'Link to 1 record' }).click();
    await page.getByText(/^Linked to Victor Dubois/).waitFor();
    await row.getByTestId('exported').getByText('Yes').waitFor();
    await row.getByRole('link', { name: 'Show candidate Victor Dubois' }).waitFor();
    const synced = await entry(ids.noMatch!);
    assert.equal(synced?.status, 'synced');
    assert.equal(synced?.linkType, 'Cand');
    const activities = (await h.app.services.crm.listActivities(TENANT)).filter(
      (a) => a.messageId === ids.noMatch,
    );
    assert.equal(activities.length, 1);
  });

  it('makes a contact from a no-match email’s sender and links the email to them', async () => {
    await add('newContact', 'inbox', {
      subject: 'Introducing our hiring plans',
      from: person('Sam Hiring', 'sam.hiring@newclient.example'),
      toRecipients: [person('Riley', RILEY)],
      receivedDateTime: '2026-11-29T09:00:00Z',
    });
    await h.app.services.mailSync.run(riley, { mode: 'all', trigger: 'manual', folders: ['inbox'] });
    await open('?status=no_match');
    const row = page.locator(`tr[data-message-id="${ids.newContact}"]`);
    await row.getByRole('button', { name: 'Associate…' }).click();
    await page.getByRole('button', { name: 'Create contact from sam.hiring@newclient.example' }).click();
    await page.getByText('Sam Hiring is now a contact, and this email is linked to them.').waitFor();
    const synced = await entry(ids.newContact!);
    assert.equal(synced?.status, 'synced');
    assert.equal(synced?.linkType, 'Con');
    const record = (await h.app.services.crm.directory(TENANT)).lookup(['sam.hiring@newclient.example'])
      .contacts[0];
    assert.equal(record?.record.name, 'Sam Hiring');
  });
});
