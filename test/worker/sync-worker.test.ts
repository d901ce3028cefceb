import assert from 'node:assert/strict';
import { AppError } from '../../bot/errors/app-error.ts';
import { StoreQueue } from '../../bot/queue/store-queue.ts';
import type { SyncJob } from '../../bot/worker/jobs.ts';
import { MailboxLeases } from '../../bot/worker/mailbox-lease.ts';
import { MAX_FAILURES, SyncWorker } from '../../bot/worker/sync-worker.ts';
import { createLogger } from '../../bot/logging/logger.ts';
import { type SyncHarness, startSyncHarness } from '../support/sync-harness.ts';

describe('sync worker', function () {
  this.timeout(30_000);
  let h: SyncHarness;
  let now: number;
  let queue: StoreQueue<SyncJob>;
  let worker: SyncWorker;

  beforeEach(async () => {
    h = await startSyncHarness();
    now = Date.now();
    queue = new StoreQueue<SyncJob>(h.store, 'sync-jobs', { now: () => now });
    worker = new SyncWorker({
      queue,
      leases: new MailboxLeases(h.store, { now: () => now }),
      mailSync: h.services.mailSync,
      events: h.services.events,
      logger: createLogger({ level: 'silent' }),
      pollMs: 10,
      leaseSeconds: 5,
      // Every busy mailbox goes straight back to the queue here; the wait has its own test.
      busyWaitMs: 0,
    });
  });
  afterEach(async () => {
    await worker.stop();
    await h.stop();
  });

  it('runs a queued folder sync and completes the job', async () => {
    await h.enable(h.riley, { folders: ['inbox'] });
    const inbox = h.sandbox.model.wellKnown(h.riley.userId, 'inbox')!.id;
    await queue.send({ kind: 'folder', ...h.riley, folderId: inbox, trigger: 'notified' });
    worker.start();
    const deadline = Date.now() + 10_000;
    while (
      (await h.services.ledger.counts(h.riley.tenantId, h.riley.userId)).synced === 0 &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.ok((await h.services.ledger.counts(h.riley.tenantId, h.riley.userId)).synced > 10);
    assert.deepEqual(await queue.receive({ max: 5, visibilitySeconds: 1 }), [], 'the job is done and gone');
  });

  it('does not sync a folder the user no longer selects, whoever still notifies for it', async () => {
    await h.enable(h.riley, { folders: ['inbox'] });
    const sent = h.sandbox.model.wellKnown(h.riley.userId, 'sentitems')!.id;
    await queue.send({ kind: 'folder', ...h.riley, folderId: sent, trigger: 'notified' });
    worker.start();
    const deadline = Date.now() + 10_000;
    while ((await queue.receive({ max: 1, visibilitySeconds: 0 })).length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    const counts = await h.services.ledger.counts(h.riley.tenantId, h.riley.userId);
    assert.equal(counts.synced + counts.no_match + counts.error, 0, JSON.stringify(counts));
  });

  it('does not count waiting for a busy mailbox as a failure', async () => {
    await h.enable(h.riley, { folders: ['inbox'] });
    const held = await h.services.leases.acquire(h.riley.tenantId, h.riley.userId, 'long-backfill', 600_000);
    await queue.send({ kind: 'mailbox', ...h.riley, trigger: 'scheduled', mode: 'automatic' });
    worker.start();
    for (let i = 0; i < 40; i++) {
      now += 5_000; // the busy retry comes due again and again
      worker.wake();
      await new Promise((r) => setTimeout(r, 15));
    }
    assert.deepEqual(await queue.poisoned(), [], 'forty waits are not forty failures');
    await h.services.leases.release(held!);
    const deadline = Date.now() + 10_000;
    while (
      (await h.services.ledger.counts(h.riley.tenantId, h.riley.userId)).synced === 0 &&
      Date.now() < deadline
    ) {
      now += 5_000;
      worker.wake();
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok((await h.services.ledger.counts(h.riley.tenantId, h.riley.userId)).synced > 0);
  });

  it('waits briefly for a mailbox another job is finishing, instead of sending the job back', async () => {
    await h.enable(h.riley, { folders: ['inbox'] });
    const held = await h.services.leases.acquire(h.riley.tenantId, h.riley.userId, 'other-job', 600_000);
    const waiting = new SyncWorker({
      queue,
      leases: new MailboxLeases(h.store, { now: () => now }),
      mailSync: h.services.mailSync,
      events: h.services.events,
      logger: createLogger({ level: 'silent' }),
      pollMs: 10,
      leaseSeconds: 5,
    });
    const inbox = h.sandbox.model.wellKnown(h.riley.userId, 'inbox')!.id;
    await queue.send({ kind: 'folder', ...h.riley, folderId: inbox, trigger: 'notified' });
    waiting.start();
    try {
      await new Promise((r) => setTimeout(r, 300));
      await h.services.leases.release(held!);
      // The queue's clock stands still: a job sent back (due 3 s later) would never come round.
      const deadline = Date.now() + 10_000;
      while (
        (await h.services.ledger.counts(h.riley.tenantId, h.riley.userId)).synced === 0 &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok((await h.services.ledger.counts(h.riley.tenantId, h.riley.userId)).synced > 0);
    } finally {
      await waiting.stop();
    }
  });

  it('does not start "sync now" while a worker holds the mailbox, and runs it once the mailbox is free', async () => {
    await h.enable(h.riley, { folders: ['inbox'] });
    const held = await h.services.leases.acquire(
      h.riley.tenantId,
      h.riley.userId,
      'worker-elsewhere',
      60_000,
    );
    const busy = await h.services.syncService.syncNow(h.riley);
    assert.equal(busy.status, 'busy');
    assert.equal((await h.services.ledger.counts(h.riley.tenantId, h.riley.userId)).synced, 0);
    await h.services.leases.release(held!);
    const done = await h.services.syncService.syncNow(h.riley);
    assert.equal(done.status, 'completed');
    assert.ok(done.synced > 0);
  });

  it('resumes a manual Sync now that an outage paused, by itself, with one paused and one resumed notice', async () => {
    await h.enable(h.riley, { folders: ['inbox'], includeSubfolders: false });
    const notices: string[] = [];
    h.services.events.on('paused', () => notices.push('paused'));
    h.services.events.on('resumed', () => notices.push('resumed'));
    const crm = h.services.crm;
    const record = crm.recordActivity.bind(crm);
    crm.recordActivity = async () => {
      throw new AppError('crm.unavailable', 'the CRM cannot be reached (503)');
    };
    const paused = await h.services.syncService.syncNow(h.riley);
    crm.recordActivity = record;
    assert.equal(paused.status, 'paused');
    const counts = () => h.services.ledger.counts(h.riley.tenantId, h.riley.userId);
    const pending = (await counts()).pending;
    assert.ok(
      pending >= 1 && pending <= 8,
      `the emails in hand (8 at a time) wait for their next try: ${pending}`,
    );
    // Queued for the worker a minute on, not at once: the outage may last.
    assert.deepEqual(await queue.receive({ max: 5, visibilitySeconds: 0 }), []);
    now += 61_000;
    worker.start();
    const deadline = Date.now() + 15_000;
    while ((await h.services.state.mailbox(h.riley.tenantId, h.riley.userId))?.status !== 'ok') {
      if (Date.now() > deadline) throw new Error('the paused Sync now was never resumed');
      await new Promise((r) => setTimeout(r, 20));
    }
    const mailbox = await h.services.state.mailbox(h.riley.tenantId, h.riley.userId);
    assert.equal(mailbox?.lastRun?.mode, 'all', 'the same Sync all the user started');
    assert.equal((await counts()).pending, 0);
    assert.ok((await counts()).synced > 10);
    assert.deepEqual(notices, ['paused', 'resumed']);
  });

  it('sets aside a job that keeps failing, tells the user, and shows it with the errors', async () => {
    await h.enable(h.riley, { folders: ['inbox'] });
    h.sandbox.faults.add({ route: 'users', status: 400 }); // every attempt fails the same way
    const told: string[] = [];
    h.services.events.on('paused', (e) => told.push(e.note));
    await queue.send({ kind: 'mailbox', ...h.riley, trigger: 'scheduled', mode: 'automatic' });
    worker.start();
    const deadline = Date.now() + 20_000;
    while ((await queue.poisoned()).length === 0 && Date.now() < deadline) {
      now += 10 * 60_000; // the retry backoff passes at once
      worker.wake();
      await new Promise((r) => setTimeout(r, 20));
    }
    const [poisoned] = await queue.poisoned();
    assert.equal(poisoned?.body.failures, MAX_FAILURES - 1, 'its earlier failures travelled with it');
    assert.match(
      poisoned?.reason ?? '',
      new RegExp(`^failed ${MAX_FAILURES} times: Microsoft Graph answered 400`),
    );
    assert.equal(told.length, 1, JSON.stringify(told));
    // The errors card reads the same poison queue through the sync service.
    const aside = await h.services.syncService.setAside(h.riley);
    assert.equal(aside.length, 1);
    assert.equal(aside[0]?.reason, poisoned?.reason);
  });

  it('survives a store fault while taking the lease: no crash, and the job runs on its next delivery', async () => {
    await h.enable(h.riley, { folders: ['inbox'] });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const leases = new MailboxLeases(h.store, { now: () => now });
    const acquire = leases.acquire.bind(leases);
    let faults = 1;
    leases.acquire = async (...args) => {
      if (faults-- > 0) throw new Error('Cosmos DB is unavailable (503)');
      return acquire(...args);
    };
    await worker.stop();
    worker = new SyncWorker({
      queue,
      leases,
      mailSync: h.services.mailSync,
      events: h.services.events,
      logger: createLogger({ level: 'silent' }),
      pollMs: 10,
      leaseSeconds: 5,
    });
    try {
      await queue.send({ kind: 'mailbox', ...h.riley, trigger: 'scheduled', mode: 'automatic' });
      worker.start();
      const deadline = Date.now() + 10_000;
      while (
        (await h.services.ledger.counts(h.riley.tenantId, h.riley.userId)).synced === 0 &&
        Date.now() < deadline
      ) {
        now += 5_000; // the released message comes due again
        worker.wake();
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(unhandled, []);
      assert.ok((await h.services.ledger.counts(h.riley.tenantId, h.riley.userId)).synced > 0);
      assert.deepEqual(await queue.poisoned(), [], 'a fault outside the sync is not the job failing');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
