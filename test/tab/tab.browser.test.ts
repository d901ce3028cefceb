import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { SyncSettingsInput } from '../../bot/sync/sync-settings.ts';
import { NotificationCenter } from '../../bot/notifications/notification-center.ts';
import { riley, RILEY_ID, TENANT, startAppHarness, type AppHarness } from '../support/app-harness.ts';
import { launchBrowser, screenshot, seriousViolations } from '../support/browser.ts';
import { RILEY } from '../support/sandbox.ts';

/**
 * The settings tab in headless Chromium against the app in sandbox mode (the tab acts as the
 * sandbox's recruiter): what a recruiter does in it, and that the next sync does what they chose.
 */

const SECTIONS = [
  ['status', 'Sync status'],
  ['emails', 'Emails'],
  ['items', 'Outlook items'],
  ['email', 'Email'],
  ['contacts', 'Contacts'],
  ['tasks', 'Tasks'],
  ['calendar', 'Calendar'],
  ['schedule', 'Schedule'],
  ['folders', 'Folders'],
  ['privacy', 'Privacy'],
  ['notifications', 'Notifications'],
  ['center', 'Notification center'],
  ['admin', 'Admin'],
] as const;

describe('settings tab in the browser', function () {
  this.timeout(120_000);
  let h: AppHarness;
  let browser: Browser;
  let page: Page;

  const open = async (path: string, target: Page = page) => {
    await target.goto(`${h.app.url}/tab/${path}`);
    await target.getByRole('heading', { level: 1, name: 'CRM Sync' }).waitFor();
  };
  const section = (name: string, target: Page = page) =>
    target.getByRole('heading', { level: 2, name, exact: true }).waitFor();
  const save = async (target: Page = page) => {
    await target.getByRole('button', { name: 'Save' }).click();
    await target.getByText('Your next sync uses these settings.').waitFor();
  };
  const settings = async () => (await h.app.services.settings.get(TENANT, RILEY_ID))!.settings;
  /**
   * Each test sets up the settings and data it needs, so none relies on the ones before it.
   * Sync on, with these settings over the defaults.
   */
  const syncOn = async (over: Partial<SyncSettingsInput> = {}) => {
    const on = await h.app.services.syncService.turnOn(riley);
    await h.app.services.settings.save(TENANT, RILEY_ID, { ...on, ...over });
  };
  /** Riley's Inbox and Archive synced, ten years back (what the folder and cutoff test chooses). */
  const mailboxSynced = async () => {
    await syncOn({ folders: ['inbox', 'archive'], daysBack: 3650 });
    if ((await h.app.services.ledger.counts(TENANT, RILEY_ID)).synced === 0)
      await h.app.services.mailSync.run(riley, { mode: 'all', trigger: 'manual' });
  };

  before(async () => {
    h = await startAppHarness();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
  });

  it('lines the navigation items up on one left edge', async () => {
    await open('settings/notifications');
    await section('Notifications');
    const tabs = page.getByRole('navigation', { name: 'Settings sections' }).getByRole('tab');
    const lefts: number[] = [];
    for (const tab of await tabs.all()) lefts.push((await tab.boundingBox())!.x);
    assert.equal(lefts.length, SECTIONS.length);
    for (const x of lefts) assert.ok(Math.abs(x - lefts[0]!) <= 0.5, `left edges ${lefts.join(', ')}`);
    // Their labels too: the visible text starts at one x however long the label is. (A tab keeps a
    // hidden bold copy of its label to reserve space; only what is shown counts.)
    const labelLefts = await tabs.evaluateAll((items) =>
      items.map((item) => {
        // Runs in the page: the DOM's types are not in this project's lib.
        type Rect = { left: number; width: number };
        type Node = { nodeType: number; parentElement: unknown; childNodes: Iterable<Node> };
        const win = globalThis as unknown as {
          document: {
            createRange(): { selectNodeContents(n: unknown): void; getClientRects(): Iterable<Rect> };
          };
          getComputedStyle(e: unknown): { visibility: string };
        };
        const shown: number[] = [];
        const walk = (node: Node) => {
          if (node.nodeType === 3) {
            if (win.getComputedStyle(node.parentElement).visibility !== 'visible') return;
            const range = win.document.createRange();
            range.selectNodeContents(node);
            for (const r of range.getClientRects()) if (r.width > 0) shown.push(r.left);
          } else for (const child of node.childNodes) walk(child);
        };
        walk(item as unknown as Node);
        return Math.min(...shown);
      }),
    );
    for (const x of labelLefts)
      assert.ok(Math.abs(x - labelLefts[0]!) <= 0.5, `label left edges ${labelLefts.join(', ')}`);
  });

  it('turns sync on from the status page', async () => {
    const stored = await h.app.services.settings.get(TENANT, RILEY_ID);
    if (stored)
      await h.app.services.settings.save(TENANT, RILEY_ID, { ...stored.settings, emailSync: false });
    await open('settings/status');
    await section('Sync status');
    await page.getByRole('switch', { name: 'Sync is off' }).click();
    await page.getByText('Sync is on: new mail syncs within seconds.').waitFor();
    assert.equal((await settings()).emailSync, true);
  });

  it('changes the folders, the schedule and the cutoff, each with a clear confirmation', async () => {
    await syncOn({ folders: ['inbox', 'sentitems'], schedule: { kind: 'interval', minutes: 15 } });
    await open('settings/folders');
    await section('Folders');
    await page.getByRole('checkbox', { name: /^Sent Items/ }).uncheck();
    await page.getByRole('checkbox', { name: /^Archive/ }).check();
    assert.equal(await page.getByRole('checkbox', { name: /^Deleted Items/ }).isDisabled(), true);
    await save();
    assert.deepEqual((await settings()).folders.sort(), ['archive', 'inbox']);

    await page.getByRole('tab', { name: 'Schedule' }).click();
    await section('Schedule');
    await page.getByText(/also syncs within seconds of arriving/).waitFor();
    await page.getByRole('radio', { name: 'Every day at a time' }).check();
    await page.getByLabel(/Time of day/).fill('06:30');
    await save();
    const schedule = (await settings()).schedule;
    assert.equal(schedule.kind, 'daily');
    assert.equal(schedule.kind === 'daily' && schedule.at, '06:30');

    await page.getByRole('tab', { name: 'Email', exact: true }).click();
    await section('Email');
    await page.getByRole('radio', { name: 'The last number of days' }).check();
    await page.getByLabel('Days back').fill('3650');
    await page.getByText(/That is 3650 days of mail/).waitFor();
    await save();
    assert.equal((await settings()).daysBack, 3650);
  });

  it('runs a sync from the status page: counts, an error with Retry, the chosen folders only', async () => {
    await syncOn({ folders: ['inbox', 'archive'], daysBack: 3650 });
    await h.graph.adminCall('POST', `/users/${RILEY}/messages`, {
      folder: 'inbox',
      message: {
        subject: 'Mass mailing',
        from: { emailAddress: { name: 'Victor', address: 'victor.dubois@fabrikam.com' } },
        toRecipients: Array.from({ length: 30_000 }, (_, i) => ({
          emailAddress: {
            name: `R${i}`,
            address: `recipient-number-${i}@a-rather-long-mass-mailing-domain.example`,
          },
        })),
      },
    });
    await open('settings/status');
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByText('Sync started').waitFor();
    const errorRow = page.getByRole('row', { name: /Mass mailing/ });
    await errorRow.waitFor({ timeout: 60_000 });
    const synced = Number(await page.locator('[data-count="synced"] span').first().textContent());
    assert.ok(synced > 0, `synced count ${synced}`);
    assert.match((await errorRow.textContent()) ?? '', /Inbox/);
    await screenshot(page, 'status-after-sync');

    // The folders chosen in the tab decided what the sync read: Sent Items no longer.
    const sent = h.sandbox.model.wellKnown(RILEY_ID, 'sentitems')!.id;
    const entries = await h.app.services.ledger.all(TENANT, RILEY_ID);
    assert.ok(entries.length > 0);
    assert.equal(entries.filter((e) => e.folderId === sent).length, 0, 'nothing from Sent Items');

    await errorRow.getByRole('button', { name: /Retry/ }).click();
    await page.getByText(/Still failing: /).waitFor();
  });

  it('opens a record page from a recently synced email', async () => {
    await mailboxSynced();
    await open('settings/status');
    const table = page.getByRole('table', { name: 'Recently synced emails' });
    // Labelled with when each was synced, the list's order, so it never reads as unsorted.
    await table.getByRole('columnheader', { name: 'Synced' }).waitFor();
    const recent = await h.app.services.syncService.recentlySynced(riley, 10);
    const synced = recent.map((e) => e.updatedAt);
    assert.deepEqual(synced, [...synced].sort().reverse(), 'newest synced first');
    const link = table.getByRole('link').first();
    const name = (await link.textContent())!;
    await link.click();
    await page.getByRole('heading', { level: 2, name }).waitFor();
    assert.match(page.url(), /\/tab\/records\/(candidate|contact)\//);
    const timeline = page.getByRole('list', { name: 'Activity timeline' });
    await timeline.waitFor();
    assert.ok((await timeline.getByRole('listitem').count()) > 0);
    await screenshot(page, 'record-page');
  });

  it('shows a record’s appointments and tasks from Outlook beside its emails', async () => {
    const crm = h.app.services.crm;
    const links = [{ id: 'candidate-002', type: 'candidate' as const }];
    const start = Date.now() + 48 * 3_600_000;
    await crm.upsertAppointment({
      tenantId: TENANT,
      userId: RILEY_ID,
      key: 'ical-browser',
      eventId: 'e-browser',
      subject: 'Second interview',
      start: new Date(start).toISOString(),
      end: new Date(start + 3_600_000).toISOString(),
      timeZone: 'Pacific Standard Time',
      isAllDay: false,
      location: 'Contoso, floor 3',
      onlineMeetingUrl: 'https://teams.example/l/meetup-join/2',
      attendees: [],
      status: 'scheduled',
      links,
    });
    await crm.upsertTask({
      tenantId: TENANT,
      userId: RILEY_ID,
      key: 'todo-browser',
      title: 'Chase references',
      status: 'in_progress',
      priority: 'high',
      dueAt: '2026-12-04',
      links,
    });
    await open('records/candidate/candidate-002');
    const appointments = page.getByRole('list', { name: 'Appointments' });
    const meeting = appointments.getByRole('listitem').filter({ hasText: 'Second interview' });
    await meeting.waitFor();
    assert.match((await meeting.textContent())!, /Contoso, floor 3/);
    assert.match((await meeting.textContent())!, /\(set in Pacific Standard Time\)/);
    assert.equal(
      await meeting.getByRole('link', { name: 'Join online' }).getAttribute('href'),
      'https://teams.example/l/meetup-join/2',
    );
    const task = page
      .getByRole('list', { name: 'Tasks' })
      .getByRole('listitem')
      .filter({ hasText: 'Chase references' });
    await task.waitFor();
    assert.match((await task.textContent())!, /In progress.*High priority.*Due Dec 4, 2026/);
    assert.deepEqual(
      (await seriousViolations(page)).map((v) => `${v.id} ${v.help}`),
      [],
    );
    await screenshot(page, 'record-page-items');
  });

  it('refuses invalid blocklist entries and says "changed elsewhere" instead of overwriting', async () => {
    await syncOn({ attachments: false, skipInternalOnly: true, blocklist: [] });
    await open('settings/privacy');
    await section('Privacy');
    await page.getByLabel('Blocked addresses and domains').fill('@competitor.example\nnot an address');
    await page.getByText('Not valid: not an address').waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Fix the entries marked as not valid first.').waitFor();
    await page.getByLabel('Blocked addresses and domains').fill('@competitor.example');
    await save();
    assert.deepEqual((await settings()).blocklist, ['@competitor.example']);

    const other = await browser.newPage();
    await open('settings/email', other);
    await open('settings/email');
    await page.getByRole('switch', { name: 'Upload attachments' }).click();
    await save();
    await other.getByRole('switch', { name: 'Skip threads that are internal to our organization' }).click();
    await other.getByRole('button', { name: 'Save' }).click();
    await other.getByText('Changed elsewhere').waitFor();
    await other.getByRole('button', { name: 'Reload' }).click();
    // After the reload the other tab shows the change made elsewhere.
    await other.getByRole('switch', { name: 'Upload attachments', checked: true }).waitFor();
    await other.close();
    assert.equal((await settings()).skipInternalOnly, true, 'the stale save changed nothing');
  });

  it('asks for confirmation before turning contact sync on', async () => {
    await syncOn({ contacts: { enabled: false } });
    await open('settings/contacts');
    await page.getByText(/^Contact sync is off: /).waitFor();
    await page.getByRole('switch', { name: 'Sync my Outlook contacts' }).click();
    const dialog = page.getByRole('dialog', { name: 'Turn on contact sync?' });
    await dialog.getByText(/duplicate contacts/).waitFor();
    await dialog.getByText(/overwrite CRM contact details/).waitFor();
    await dialog.getByRole('button', { name: 'Turn on contact sync' }).click();
    await save();
    const contacts = (await settings()).contacts;
    assert.equal(contacts.enabled, true);
    assert.ok(contacts.confirmedAt);
  });

  it('shows the notification center unread first, marks read and clears', async () => {
    const center = new NotificationCenter(h.app.store);
    await center.markAllRead(TENANT, RILEY_ID);
    await center.add(TENANT, RILEY_ID, { id: 'b1', title: 'Unread one', text: 'x', severity: 'error' });
    await open('notifications');
    await section('Notification center');
    const first = page.getByRole('list', { name: 'Notifications' }).getByRole('listitem').first();
    assert.match((await first.textContent()) ?? '', /Unread one/);
    await first.getByRole('button', { name: 'Mark read' }).click();
    await page.getByRole('button', { name: 'Mark all read' }).and(page.locator(':disabled')).waitFor();
    assert.equal(await center.unreadCount(TENANT, RILEY_ID), 0);
    await page.getByRole('button', { name: 'Clear all' }).click();
    await page.getByText('No notifications.').waitFor();
  });

  it('lets the admin see users and preview a CSV import with row errors', async () => {
    await syncOn();
    await open('settings/admin');
    await section('Admin');
    await page
      .getByRole('table', { name: 'Users and their sync health' })
      .getByText('Riley Morgan')
      .waitFor();
    await page.locator('input[type=file]').setInputFiles({
      name: 'people.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        'type,first name,last name,email\ncandidate,Ada,Lovelace,ada@example.com\nfriend,X,Y,x@example.com\n',
      ),
    });
    await page.getByText('1 rows ready to import, 1 problems.').waitFor();
    await page
      .getByRole('table', { name: 'Rows with problems' })
      .getByText(/must be candidate or contact/)
      .waitFor();
    await page.getByRole('button', { name: 'Import 1 rows' }).click();
    await page.getByText('Imported: 1 added, 0 updated, 1 rows skipped.').waitFor();
  });

  it('shows every section in light, dark and high-contrast themes with no serious accessibility violations', async () => {
    const found: string[] = [];
    for (const [id, heading] of SECTIONS) {
      await open(id === 'center' ? 'notifications' : `settings/${id}`);
      await section(heading);
      await page.waitForLoadState('networkidle');
      await screenshot(page, `section-${id}`);
      for (const v of await seriousViolations(page))
        found.push(
          `${id}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
        );
    }
    for (const theme of ['dark', 'contrast']) {
      await page.goto(`${h.app.url}/tab/settings/email?theme=${theme}`);
      await section('Email');
      assert.equal(await page.locator(`[data-theme="${theme}"]`).count(), 1);
      await screenshot(page, `theme-${theme}`);
      for (const v of await seriousViolations(page)) found.push(`${theme}: ${v.id} ${v.help}`);
    }
    assert.deepEqual(found, []);
  });
});
