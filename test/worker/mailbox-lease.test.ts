import assert from 'node:assert/strict';
import { ALL_CONTAINERS } from '../../bot/store/containers.ts';
import { SqliteStore } from '../../bot/store/sqlite-store.ts';
import { MailboxLeases } from '../../bot/worker/mailbox-lease.ts';
import { type SyncHarness, startSyncHarness } from '../support/sync-harness.ts';

describe('mailbox lease', () => {
  let store: SqliteStore;
  let now = Date.parse('2026-11-23T10:00:00Z');
  let leases: MailboxLeases;

  beforeEach(async () => {
    store = new SqliteStore({ path: ':memory:', now: () => now, purgeIntervalMs: 0 });
    await store.init(ALL_CONTAINERS);
    leases = new MailboxLeases(store, { now: () => now });
  });
  afterEach(() => store.close());

  it('lets one worker hold a mailbox at a time', async () => {
    const a = await leases.acquire('t', 'u', 'worker-a', 60_000);
    assert.ok(a);
    assert.equal(await leases.acquire('t', 'u', 'worker-b', 60_000), undefined);
    assert.ok(await leases.acquire('t', 'other-user', 'worker-b', 60_000), 'other mailboxes are free');
  });

  it('gives only one of several simultaneous takers the lease', async () => {
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((w) => leases.acquire('t', 'u', w, 60_000)));
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('lets another worker take over once a crashed worker’s lease expires', async () => {
    const crashed = await leases.acquire('t', 'u', 'worker-a', 60_000);
    now += 61_000;
    const taken = await leases.acquire('t', 'u', 'worker-b', 60_000);
    assert.ok(taken);
    assert.equal(await leases.renew(crashed!, 60_000), undefined, 'the old holder learns it lost the lease');
  });

  it('is kept by renewing it before it expires, and freed by releasing it', async () => {
    let lease = await leases.acquire('t', 'u', 'worker-a', 60_000);
    now += 50_000;
    lease = await leases.renew(lease!, 60_000);
    now += 50_000;
    assert.equal(await leases.acquire('t', 'u', 'worker-b', 60_000), undefined, 'renewed, still held');
    await leases.release(lease!);
    assert.ok(await leases.acquire('t', 'u', 'worker-b', 60_000));
  });
});

describe('one run per mailbox', function () {
  this.timeout(30_000);
  let h: SyncHarness;
  beforeEach(async () => {
    h = await startSyncHarness();
    await h.enable(h.riley, { folders: ['inbox'] });
  });
  afterEach(() => h.stop());

  it('runs one Sync now at a time: a second click while the first runs is told the mailbox is busy', async () => {
    h.sandbox.faults.add({ route: 'delta', latencyMs: 300, times: 1 });
    const first = h.services.syncService.syncNow(h.riley);
    await new Promise((r) => setTimeout(r, 100)); // the first run holds the mailbox and waits on Graph
    const second = await h.services.syncService.syncNow(h.riley);
    assert.equal(second.status, 'busy');
    assert.equal((await first).status, 'completed');
  });

  it('stops writing bookmarks once its lease is lost, and leaves them to the run that took over', async () => {
    const read: Array<{ folderId: string; link?: string }> = [];
    const source = h.services.mailSource;
    const deltaPage = source.deltaPage.bind(source);
    // A folder has one page in flight at most (the next link comes with the page): two at once are
    // two folders read side by side.
    let inFlight = 0;
    let sideBySide = false;
    source.deltaPage = async (userId, folderId, link, signal) => {
      read.push({ folderId, ...(link ? { link } : {}) });
      sideBySide ||= ++inFlight > 1;
      try {
        return await deltaPage(userId, folderId, link, signal);
      } finally {
        inFlight--;
      }
    };
    // Held when the first page written asks, lost from then on: the folders read side by side, and
    // whichever page is written first is the one written while the run held the mailbox.
    let asked = 0;
    const summary = await h.services.mailSync.run(h.riley, {
      mode: 'all',
      trigger: 'scheduled',
      lease: { held: () => asked++ === 0 },
    });
    assert.equal(summary.status, 'busy');
    const folders = [...new Set(read.map((r) => r.folderId))];
    assert.ok(folders.length >= 2 && sideBySide, 'the inbox and its subfolders are read side by side');
    const cursors = await Promise.all(
      folders.map((id) => h.services.state.cursor(h.riley.tenantId, h.riley.userId, id)),
    );
    const moved = cursors.filter((c) => c !== undefined);
    // Pages read after it were read, and their bookmarks not written: those folders start over.
    assert.equal(moved.length, 1, 'only the page written while held moved its bookmark');
  });
});
