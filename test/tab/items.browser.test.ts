import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { itemIdOf } from '../../bot/sandbox/items-model.ts';
import { type ItemEntry, type ItemFacts, itemTransitions } from '../../bot/sync/item-ledger.ts';
import { emptyItemCounts } from '../../bot/sync/sync-state.ts';
import { RILEY_ID, TENANT, riley, startAppHarness, type AppHarness } from '../support/app-harness.ts';
import { launchBrowser, screenshot, seriousViolations } from '../support/browser.ts';

/**
 * The tab's Outlook items view (contacts, tasks, calendar), their settings sections and the status
 * page, in headless Chromium against the app in sandbox mode, over item ledger entries made with the
 * ledger's own transitions: synced ones linked to records of the seeded CRM, a private appointment
 * kept out, an error, a pending one, and ones deleted or cancelled in Outlook since they were synced.
 * Each test opens its page afresh; none relies on another's clicks.
 */

const NOW = '2026-11-30T12:00:00.000Z';
/** More contacts than a page holds (the API's default of 50), so Load more has a second page. */
const CONTACTS = 53;

describe('Outlook items view in the browser', function () {
  this.timeout(120_000);
  let h: AppHarness;
  let browser: Browser;
  let page: Page;
  let candidate: { id: string; name: string; link: string };
  let contact: { id: string; name: string; link: string };

  const ids = {
    removedContact: 'contact-removed',
    colleague: 'contact-colleague',
    interview: 'event-interview',
    privateEvent: 'event-private',
    cancelled: 'event-cancelled',
    pendingEvent: 'event-pending',
    call: 'task-call',
    deletedTask: 'task-deleted',
    failedTask: 'task-failed',
  };
  const longNote =
    'the CRM refused it: https://crm.example/api/v1/tasks/validation-error-for-a-very-long-field-name-without-any-spaces-at-all';

  /** The rows shown now, as their item ids. */
  const shown = async () =>
    page.locator('tr[data-item-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-item-id')));
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
  const open = async (query: string) => {
    await page.goto(`${h.app.url}/tab/settings/items${query}`);
    await page.getByRole('heading', { level: 2, name: 'Outlook items', exact: true }).waitFor();
  };
  /** Each kind's entries as the ledger has them, newest first: what the view must list. */
  const newest = async (kind: ItemEntry['kind']) =>
    [...(await h.app.services.itemLedger.all(TENANT, RILEY_ID, kind))]
      .sort((a, b) => b.at.localeCompare(a.at))
      .map((e) => e.itemId);

  /** What the status page shows of the last run: seeded, as a Sync now in another test records its own. */
  const seedLastRun = () =>
    h.app.services.state.saveMailbox(TENANT, RILEY_ID, {
      lastRun: {
        runId: 'run-1',
        mode: 'automatic',
        trigger: 'scheduled',
        status: 'completed',
        startedAt: NOW,
        finishedAt: NOW,
        folders: 1,
        processed: 0,
        synced: 0,
        noMatch: 0,
        errors: 0,
        skipped: 0,
        keptOut: 0,
        alreadySynced: 0,
        activitiesCreated: 0,
        items: {
          task: { ...emptyItemCounts(), processed: 7, synced: 2, unchanged: 3, removed: 1, errors: 1 },
        },
      },
    });

  before(async () => {
    h = await startAppHarness();
    const services = h.app.services;
    const directory = await services.crm.directory(TENANT);
    const record = (id: string) => {
      const found = directory.get(id);
      assert.ok(found, `${id} is in the seeded CRM`);
      return { id, name: found.name, link: services.crm.deepLink(found) };
    };
    candidate = record('candidate-001');
    contact = record('contact-001');

    const pk = services.itemLedger.partition(TENANT, RILEY_ID);
    const facts = (kind: ItemFacts['kind'], itemId: string, title: string, at: string): ItemFacts => ({
      kind,
      itemId,
      collectionId: kind === 'event' ? 'calendar' : `${kind}-folder`,
      title,
      at,
      trigger: 'scheduled',
    });
    const synced = (f: ItemFacts, links: { candidates?: string[]; contacts?: string[] }, notes: string[]) =>
      itemTransitions.synced(
        pk,
        f,
        undefined,
        {
          crmId: `crm-${f.itemId}`,
          linkType:
            links.candidates?.length && links.contacts?.length
              ? 'CandCon'
              : links.candidates?.length
                ? 'Cand'
                : 'Con',
          candidates: links.candidates ?? [],
          contacts: links.contacts ?? [],
          failedAttempts: 0,
          notes,
        },
        NOW,
      );

    const entries: ItemEntry[] = [];
    for (let i = 0; i < CONTACTS; i++) {
      const day = String(1 + (i % 28)).padStart(2, '0');
      const f = facts(
        'contact',
        `contact-${i}`,
        `Contact number ${i}`,
        `2026-${i < 28 ? '10' : '09'}-${day}T08:00:00.000Z`,
      );
      entries.push(synced(f, { contacts: [contact.id] }, ['CRM contact updated: phone']));
    }
    const removedContact = synced(
      facts('contact', ids.removedContact, 'Gone Fromoutlook', '2026-11-20T08:00:00.000Z'),
      { contacts: [contact.id] },
      ['new CRM contact'],
    );
    entries.push(
      itemTransitions.removed(
        removedContact,
        'deleted',
        'deleted in Outlook; the CRM contact stays (the CRM keeps more about a person than Outlook)',
        'scheduled',
        NOW,
      ),
      itemTransitions.skipped(
        pk,
        facts('contact', ids.colleague, 'A Colleague', '2026-11-21T08:00:00.000Z'),
        undefined,
        'a colleague: colleague@contoso.example is inside your organization',
        NOW,
      ),
    );

    entries.push(
      synced(
        facts('task', ids.call, `Call ${candidate.name} about the offer`, '2026-12-03T00:00:00.000Z'),
        { candidates: [candidate.id], contacts: [contact.id] },
        ['new CRM task'],
      ),
      itemTransitions.removed(
        synced(
          facts('task', ids.deletedTask, 'Old follow-up', '2026-11-02T00:00:00.000Z'),
          { contacts: [contact.id] },
          ['new CRM task'],
        ),
        'deleted',
        'deleted in Outlook, so deleted in the CRM (Sync Deleted Items is on)',
        'scheduled',
        NOW,
      ),
      itemTransitions.failed(
        pk,
        facts('task', ids.failedTask, 'Prepare the shortlist', '2026-11-25T00:00:00.000Z'),
        undefined,
        3,
        longNote,
        NOW,
      ),
    );

    entries.push(
      synced(
        facts('event', ids.interview, `Interview with ${candidate.name}`, '2026-12-02T14:00:00.000Z'),
        { candidates: [candidate.id] },
        ['new CRM appointment', 'one occurrence of a recurring series'],
      ),
      itemTransitions.skipped(
        pk,
        facts('event', ids.privateEvent, '', '2026-12-04T09:00:00.000Z'),
        undefined,
        'private appointment: never synced',
        NOW,
      ),
      itemTransitions.removed(
        synced(
          facts('event', ids.cancelled, 'Team lunch', '2026-11-28T12:00:00.000Z'),
          { contacts: [contact.id] },
          ['new CRM appointment'],
        ),
        'cancelled',
        'cancelled in Outlook, so cancelled in the CRM (Sync Deleted Items is on)',
        'scheduled',
        NOW,
      ),
    );
    const pending = itemTransitions.pending(
      pk,
      facts('event', ids.pendingEvent, 'Quarterly review', '2026-11-15T10:00:00.000Z'),
      undefined,
      'the CRM is not answering',
      '2026-11-30T12:05:00.000Z',
      NOW,
    );
    assert.ok(pending);
    entries.push(pending);
    await services.itemLedger.putMany(entries);

    await services.settings.save(TENANT, RILEY_ID, {
      ...(await services.syncService.turnOn(riley)),
      contacts: { enabled: true, confirmedAt: NOW },
      tasks: { enabled: true, syncDeleted: true, otherInfoInDescription: false },
      calendar: { enabled: true, syncDeleted: true },
    });
    await seedLastRun();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
  });

  it('lists each kind newest first, switching kinds with the kind tabs', async () => {
    await open('');
    const kinds = page.getByRole('tablist', { name: 'Kind of item' });
    for (const [label, kind] of [
      ['Contacts', 'contact'],
      ['Tasks', 'task'],
      ['Calendar', 'event'],
    ] as const) {
      await kinds.getByRole('tab', { name: label }).click();
      const expected = (await newest(kind)).slice(0, 50);
      assert.deepEqual(
        await settled((r) => r.length === expected.length && r[0] === expected[0]),
        expected,
        `${kind}: newest first`,
      );
      assert.match(page.url(), new RegExp(`kind=${kind}`), 'the address follows the kind');
    }
  });

  it('shows Exported, link type, records as links, the note, and the removed marker', async () => {
    await open('?kind=task');
    const call = page.locator(`tr[data-item-id="${ids.call}"]`);
    await call.waitFor();
    assert.equal(await call.getByTestId('exported').textContent(), 'Yes');
    await call.getByText('CandCon', { exact: true }).waitFor();
    const candidateLink = call.getByRole('link', { name: `Show candidate ${candidate.name}` });
    assert.equal(await candidateLink.getAttribute('href'), candidate.link);
    assert.equal(
      await call.getByRole('link', { name: `Show contact ${contact.name}` }).getAttribute('href'),
      contact.link,
    );
    assert.equal(await call.getByTestId('removed').count(), 0);

    const deleted = page.locator(`tr[data-item-id="${ids.deletedTask}"]`);
    assert.equal(await deleted.getByTestId('removed').textContent(), 'Removed in Outlook');
    await deleted.getByText('deleted in Outlook, so deleted in the CRM (Sync Deleted Items is on)').waitFor();

    // A long note without spaces wraps inside its column instead of widening the table past the page.
    const failed = page.locator(`tr[data-item-id="${ids.failedTask}"]`);
    assert.equal(await failed.getByTestId('exported').textContent(), 'Error');
    await failed.getByText(longNote).waitFor();
    const width = await page.evaluate(() => {
      const doc = (
        globalThis as unknown as {
          document: { documentElement: { scrollWidth: number; clientWidth: number } };
        }
      ).document.documentElement;
      return { scroll: doc.scrollWidth, client: doc.clientWidth };
    });
    assert.ok(width.scroll <= width.client, `the page scrolls sideways: ${width.scroll} > ${width.client}`);
    await screenshot(page, 'items-tasks');

    await open('?kind=event');
    const privateRow = page.locator(`tr[data-item-id="${ids.privateEvent}"]`);
    await privateRow.getByText('(private appointment)').waitFor();
    assert.equal(await privateRow.getByTestId('exported').textContent(), 'No');
    await privateRow.getByText('private appointment: never synced').waitFor();
    const cancelled = page.locator(`tr[data-item-id="${ids.cancelled}"]`);
    assert.equal(await cancelled.getByTestId('removed').textContent(), 'Cancelled in Outlook');
    const pending = page.locator(`tr[data-item-id="${ids.pendingEvent}"]`);
    assert.equal(await pending.getByTestId('exported').textContent(), 'Pending');
    await pending.getByText(/^Next try /).waitFor();
    await screenshot(page, 'items-calendar');
  });

  it('filters by status, with each status counted in the filter', async () => {
    await open('?kind=contact');
    const status = page.getByRole('combobox', { name: 'Status' });
    const counts = (await h.app.services.itemLedger.counts(TENANT, RILEY_ID)).contact;
    assert.equal(counts.synced, CONTACTS + 1);
    for (const text of [
      `All (${CONTACTS + 2})`,
      `Synced (${counts.synced})`,
      'Kept out (1)',
      'Error (0)',
      'Pending (0)',
    ])
      await status.getByText(text, { exact: true }).waitFor({ state: 'attached' });

    await status.selectOption('skipped');
    assert.deepEqual(await settled((r) => r.length === 1), [ids.colleague]);
    await page.getByText('a colleague: colleague@contoso.example is inside your organization').waitFor();
    assert.match(page.url(), /status=skipped/);

    await status.selectOption('error');
    await page.getByText('No contacts with this status.').waitFor();

    await open('?kind=task&status=error');
    assert.deepEqual(await settled((r) => r.length === 1), [ids.failedTask]);
  });

  it('loads the next page with Load more, and has none after the last', async () => {
    await open('?kind=contact');
    await settled((r) => r.length === 50);
    await page.getByRole('button', { name: 'Load more' }).click();
    const all = await settled((r) => r.length > 50);
    assert.deepEqual(all, await newest('contact'));
    assert.equal(await page.getByRole('button', { name: 'Load more' }).count(), 0);
  });

  it('says what to do when a kind has nothing yet: turn it on in its section', async () => {
    await h.app.services.settings.save(TENANT, RILEY_ID, {
      ...(await h.app.services.settings.get(TENANT, RILEY_ID))!.settings,
      tasks: { enabled: false, syncDeleted: false, otherInfoInDescription: false },
    });
    // Riley's tasks are seeded: an answer with none stands in for a user who never synced a task.
    await page.route('**/api/tab/items?kind=task*', (route) =>
      route.fulfill({
        json: {
          items: [],
          continuation: null,
          counts: { synced: 0, no_match: 0, error: 0, pending: 0, skipped: 0 },
        },
      }),
    );
    try {
      await open('?kind=task');
      await page.getByText(/^No tasks yet\. Turn task sync on in Tasks settings/).waitFor();
      await page.getByRole('link', { name: 'Tasks settings' }).click();
      await page.getByRole('heading', { level: 2, name: 'Tasks', exact: true }).waitFor();
    } finally {
      await page.unroute('**/api/tab/items?kind=task*');
      await h.app.services.settings.save(TENANT, RILEY_ID, {
        ...(await h.app.services.settings.get(TENANT, RILEY_ID))!.settings,
        tasks: { enabled: true, syncDeleted: true, otherInfoInDescription: false },
      });
    }
  });

  it('shows the error the API gives when Sync now cannot sync an item, not a success', async () => {
    await open('?kind=event');
    const row = page.locator(`tr[data-item-id="${ids.pendingEvent}"]`);
    await row.getByRole('button', { name: 'Sync now: Quarterly review' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = (await alert.textContent()) ?? '';
    assert.match(text, /^Quarterly review could not be synced: /);
    // The words are the API's own ({error: {message}}), not a stand-in: this appointment is not in
    // the sandbox's Outlook, so the API answers that it is no longer there.
    const answer = await page.evaluate(async (id) => {
      const res = await fetch(`/api/tab/items/event/${id}/sync`, { method: 'POST' });
      return { status: res.status, body: (await res.json()) as { error?: { message?: string } } };
    }, ids.pendingEvent);
    assert.ok(answer.status >= 400, `status ${answer.status}`);
    const message = answer.body.error?.message ?? '';
    assert.ok(message.length > 0);
    assert.ok(text.includes(message.replace(/ \(reference [^)]*\)$/, '')), `${text} / ${message}`);
    assert.equal(await page.getByText(/: synced/).count(), 0);
  });

  it('shows each kind’s counts and a way to its list in its section, and no longer says "coming"', async () => {
    const counts = await h.app.services.itemLedger.counts(TENANT, RILEY_ID);
    for (const [section, heading, line] of [
      [
        'contacts',
        'Contacts',
        `Contact sync is on: ${counts.contact.synced} synced, 1 kept out, 0 errors, 0 pending.`,
      ],
      ['tasks', 'Tasks', 'Task sync is on: 2 synced, 0 kept out, 1 error, 0 pending.'],
      ['calendar', 'Calendar', 'Calendar sync is on: 2 synced, 1 kept out, 0 errors, 1 pending.'],
    ] as const) {
      await page.goto(`${h.app.url}/tab/settings/${section}`);
      await page.getByRole('heading', { level: 2, name: heading, exact: true }).waitFor();
      await page.getByTestId('item-status').getByText(line).waitFor();
      assert.equal(await page.getByText(/coming in a later release/).count(), 0, section);
    }
    // The calendar section says what is never synced and how far the calendar reaches.
    await page.getByText(/Private appointments are never synced/).waitFor();
    await page.getByText(/180 days ahead, and a recurring meeting occurrence by occurrence/).waitFor();
    await page.getByText(/one that is cancelled is marked cancelled there/).waitFor();
    await page.getByRole('link', { name: 'See your appointments' }).click();
    await page.getByRole('heading', { level: 2, name: 'Outlook items', exact: true }).waitFor();
    await page
      .getByRole('tablist', { name: 'Kind of item' })
      .getByRole('tab', { name: 'Calendar', selected: true })
      .waitFor();
    await settled((r) => r[0] === ids.privateEvent);
  });

  it('shows each kind beside email on the status page, with what the last run did', async () => {
    await seedLastRun();
    await page.goto(`${h.app.url}/tab/settings/status`);
    const table = page.getByRole('table', { name: 'Contacts, tasks and calendar' });
    await table.waitFor();
    const tasks = table.locator('tr[data-kind="task"]');
    assert.equal(await tasks.getByTestId('counts').textContent(), '2 synced, 0 kept out, 1 error, 0 pending');
    assert.equal(
      await tasks.getByTestId('last-run').textContent(),
      '2 synced, 3 unchanged, 1 removed in Outlook, 0 kept out, 1 errors',
    );
    assert.equal(await table.locator('tr[data-kind="contact"]').getByTestId('last-run').textContent(), '—');
    await table.getByRole('link', { name: 'Tasks' }).click();
    await settled((r) => r[0] === ids.call);
  });

  it('has no serious accessibility violations in light, dark and high-contrast themes', async () => {
    const found: string[] = [];
    for (const theme of ['light', 'dark', 'contrast']) {
      for (const kind of ['task', 'event']) {
        await page.goto(`${h.app.url}/tab/settings/items?kind=${kind}&theme=${theme}`);
        await page.locator('tr[data-item-id]').first().waitFor();
        assert.equal(await page.locator(`[data-theme="${theme}"]`).count(), 1);
        await screenshot(page, `items-${kind}-${theme}`);
        for (const v of await seriousViolations(page))
          found.push(
            `${theme} ${kind}: ${v.id} ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
          );
      }
    }
    for (const section of ['contacts', 'tasks', 'calendar', 'status']) {
      await page.goto(`${h.app.url}/tab/settings/${section}`);
      await page.getByRole('heading', { level: 2 }).first().waitFor();
      await page.waitForLoadState('networkidle');
      for (const v of await seriousViolations(page)) found.push(`${section}: ${v.id} ${v.help}`);
    }
    assert.deepEqual(found, []);
  });

  // Last: the contact it syncs changes the contacts' counts the other tests read.
  it('syncs one item with Sync now and shows its row as the sync left it', async () => {
    // A real contact of Riley's Outlook (the sandbox's seed), waiting in the ledger as pending.
    const itemId = itemIdOf(RILEY_ID, 'contact', 'c-priya-shah');
    const pk = h.app.services.itemLedger.partition(TENANT, RILEY_ID);
    const waiting = itemTransitions.pending(
      pk,
      {
        kind: 'contact',
        itemId,
        collectionId: 'contacts',
        title: 'Priya Shah',
        at: '2026-11-29T09:00:00.000Z',
      },
      undefined,
      'the CRM cannot be reached',
      '2026-11-30T12:01:00.000Z',
      NOW,
    );
    await h.app.services.itemLedger.put(waiting!);
    await open('?kind=contact&status=pending');
    const row = page.locator(`tr[data-item-id="${itemId}"]`);
    await row.getByRole('button', { name: 'Sync now: Priya Shah' }).click();
    await row.getByText('Yes', { exact: true }).waitFor();
    await row.getByText(/new CRM contact|the CRM contact already had all of it/).waitFor();
    const entry = await h.app.services.itemLedger.get(TENANT, RILEY_ID, 'contact', itemId);
    assert.equal(entry?.status, 'synced');
    const record = await h.app.services.crm.record(TENANT, entry!.crmId!);
    assert.equal(record?.name, 'Priya Shah');
  });
});
