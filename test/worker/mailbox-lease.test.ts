import assert from 'node:assert/strict';
import { ALL_CONTAINERS } from '../../bot/store/containers.ts';
import { SqliteStore } from '../../bot/store/sqlite-store.ts';
import { MailboxLeases } from '../../bot/worker/mailbox-lease.ts';

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
