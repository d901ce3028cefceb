import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { SyncJob } from '../../bot/worker/jobs.ts';
import { RILEY_ID, riley, startAppHarness, TENANT, type AppHarness } from '../support/app-harness.ts';
import { launchBrowser, screenshot } from '../support/browser.ts';

/**
 * The tab's Resend All (asks first) and daily "Sync all at" time, in headless Chromium against the
 * app in sandbox mode. The browser is in Tokyo's time zone, which is what the tab must save.
 */

describe('Resend All and the daily Sync All in the tab', function () {
  this.timeout(120_000);
  let h: AppHarness;
  let browser: Browser;
  let page: Page;

  const open = async (path: string) => {
    await page.goto(`${h.app.url}/tab/${path}`);
    await page.getByRole('heading', { level: 1, name: 'CRM Sync' }).waitFor();
  };
  const settings = async () => (await h.app.services.settings.get(TENANT, RILEY_ID))!.settings;

  /** The mailbox jobs waiting in the queue, given back untouched (the worker is stopped meanwhile). */
  async function queuedMailboxJobs(): Promise<SyncJob[]> {
    const messages = await h.app.services.queue.receive({ max: 32, visibilitySeconds: 60 });
    for (const message of messages) await h.app.services.queue.release(message, 0);
    return messages.map((m) => m.body).filter((job) => job.kind === 'mailbox');
  }

  before(async () => {
    h = await startAppHarness();
    browser = await launchBrowser();
    page = await browser.newPage({
      viewport: { width: 1280, height: 900 },
      timezoneId: 'Asia/Tokyo',
      locale: 'en-US',
    });
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
  });
  beforeEach(async () => {
    await h.app.services.syncService.turnOn(riley);
  });

  it('Resend all asks first: Cancel queues nothing, and confirming queues one Resend All that runs', async () => {
    await h.app.services.worker.stop();
    try {
      await open('settings/status');
      await page.getByRole('button', { name: 'Resend all' }).click();
      const dialog = page.getByRole('dialog', { name: 'Resend all your email to the CRM?' });
      await dialog.waitFor();
      const said = (await dialog.textContent()) ?? '';
      assert.match(said, /Every email in your selected folders \(inbox, sentitems\) since your cutoff date/);
      assert.match(said, /not duplicated: their links to candidates and contacts are refreshed/);
      assert.match(said, /can take a long time/);
      assert.match(said, /not usually needed/);
      await screenshot(page, 'resend-all-confirmation');
      assert.deepEqual(await queuedMailboxJobs(), [], 'opening the dialog queues nothing');

      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      assert.deepEqual(await queuedMailboxJobs(), [], 'Cancel queues nothing');

      await page.getByRole('button', { name: 'Resend all' }).click();
      await dialog.getByRole('button', { name: 'Yes, resend all' }).click();
      await page.getByText('Resend All has started').waitFor();
      assert.deepEqual(await queuedMailboxJobs(), [
        { kind: 'mailbox', tenantId: TENANT, userId: RILEY_ID, trigger: 'manual', mode: 'resend_all' },
      ]);
    } finally {
      h.app.services.worker.start();
    }
    const deadline = Date.now() + 60_000;
    let lastRun = (await h.app.services.state.mailbox(TENANT, RILEY_ID))?.lastRun;
    while (lastRun?.mode !== 'resend_all' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      lastRun = (await h.app.services.state.mailbox(TENANT, RILEY_ID))?.lastRun;
    }
    assert.equal(lastRun?.mode, 'resend_all', JSON.stringify(lastRun));
    assert.equal(lastRun.status, 'completed');
  });

  it('sets a daily Sync All time in the browser’s time zone, saves it, and shows when it runs next', async () => {
    await open('settings/schedule');
    await page.getByRole('heading', { level: 2, name: 'Schedule', exact: true }).waitFor();
    await page.getByRole('switch', { name: 'Also sync all my folders every day' }).check();
    await page.getByLabel('Sync all at (Asia/Tokyo)').fill('19:45');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Your next sync uses these settings.').waitFor();
    const saved = await settings();
    assert.deepEqual(saved.syncAllAt, { at: '19:45', timeZone: 'Asia/Tokyo' });
    assert.equal(saved.schedule.kind, 'interval', 'the automatic schedule is left as it was');

    // 19:45 in Tokyo is 10:45 UTC: the next one within a day, shown in the user's own time.
    const next = page.locator('[data-next-sync-all]');
    await next.waitFor();
    const iso = (await next.getAttribute('data-next-sync-all')) ?? '';
    assert.match(iso, /T10:45:00\.000Z$/);
    const ahead = new Date(iso).getTime() - Date.now();
    assert.ok(ahead > 0 && ahead <= 24 * 3600_000, iso);
    assert.match((await next.textContent()) ?? '', /Next Sync All: .*7:45\sPM/);
    await screenshot(page, 'schedule-sync-all-at');

    await page.getByRole('switch', { name: 'Also sync all my folders every day' }).uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Your next sync uses these settings.').waitFor();
    assert.equal((await settings()).syncAllAt, undefined);
    await next.waitFor({ state: 'detached' });
  });
});
