import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { CONTAINERS } from '../../bot/store/containers.ts';
import { SqliteStore } from '../../bot/store/sqlite-store.ts';
import type { Doc } from '../../bot/store/store.port.ts';

interface Activity extends Doc {
  type: 'activity';
  body: string;
}

/** About 4 MB of activities with 40 KB bodies: a thousand pages of log, the size SQLite checkpoints at. */
async function fill(store: SqliteStore, from: number, count = 100): Promise<void> {
  const crm = store.collection<Activity>(CONTAINERS.crm);
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      crm.create({ id: `a-${from + i}`, pk: 'tenant', type: 'activity', body: 'x'.repeat(40_000) }),
    ),
  );
}

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('embedded store: checkpoints in a thread of their own', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'crm-sync-checkpoints-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('copies the log into the database file while the store writes, and leaves no log when closed', async () => {
    const path = join(dir, 'store.db');
    const store = new SqliteStore({ path, purgeIntervalMs: 0 });
    await store.init([CONTAINERS.crm]);
    const fileAtStart = statSync(path).size;
    const pragma = (name: string) =>
      Object.values({ ...(store as unknown as { db: DatabaseSync }).db.prepare(`PRAGMA ${name}`).get() })[0];
    // Commits checkpoint only at the backstop, 16,000 pages (128 MB), not SQLite's 1,000: not in
    // this test. The log file is cut back to twice that when the log starts over.
    assert.equal(pragma('wal_autocheckpoint'), 16_000, 'commits leave checkpoints to the thread');
    assert.equal(pragma('journal_size_limit'), 2 * 16_000 * 8192);
    // The committing connection does not checkpoint (its automatic checkpoint is off): the file
    // only grows because the thread copies the log into it.
    for (let round = 0; round < 3; round++) await fill(store, round * 100);
    await until(() => statSync(path).size > fileAtStart + 8 * 1024 * 1024, 'the log reaches the file');
    // Every write is readable through another connection, as it would be after a crash.
    const other = new DatabaseSync(path, { readOnly: true });
    assert.equal(
      (other.prepare('SELECT COUNT(*) AS n FROM "c_crm"').get() as { n: number }).n,
      300,
      'all 300 activities committed',
    );
    other.close();
    assert.equal(pragma('wal_autocheckpoint'), 16_000, 'the thread is still the one checkpointing');
    await store.close();
    assert.ok(!existsSync(`${path}-wal`) || statSync(`${path}-wal`).size === 0, 'no log left behind');
    const reopened = new SqliteStore({ path, purgeIntervalMs: 0 });
    await reopened.init([CONTAINERS.crm]);
    const read = await reopened.collection<Activity>(CONTAINERS.crm).read('tenant', 'a-299');
    assert.equal(read?.value.body.length, 40_000);
    await reopened.close();
  });

  it('keeps the log bounded under writes that never pause', async function () {
    this.timeout(120_000);
    const path = join(dir, 'busy.db');
    // What this proves: the thread's checkpoints, back to back while writes keep coming, leave the
    // writer's own one the lock it needs, or the log would grow to the 160 MB written. The
    // backstop at 8 MB, a sixteenth of its own, so that 160 MB of writes prove the bound. Past
    // the backstop the log grows by what is written while the thread's checkpoint in progress ends
    // (the writer's own needs its lock): on a disk whose syncs a busy machine slowed, a backstop of
    // 32 MB saw the log reach 52 MB here, and 64 MB once in CI.
    const store = new SqliteStore({ path, purgeIntervalMs: 0, walBackstopPages: 1_000 });
    await store.init([CONTAINERS.crm]);
    // 160 MB with no pause between commits: the log only starts over when a write begins with it
    // all copied, which the thread alone never manages while writes keep coming.
    let largest = 0;
    for (let round = 0; round < 40; round++) {
      await fill(store, round * 100);
      largest = Math.max(largest, statSync(`${path}-wal`).size);
    }
    await store.close();
    assert.ok(largest < 64 * 1024 * 1024, `the log reached ${Math.round(largest / 1048576)} MB`);
  });

  it('closes at once, with SQLite checkpointing again, when the thread has stopped', async () => {
    const path = join(dir, 'stopped.db');
    const store = new SqliteStore({ path, purgeIntervalMs: 0 });
    await store.init([CONTAINERS.crm]);
    const worker = (store as unknown as { checkpointer: { worker: { terminate(): Promise<number> } } })
      .checkpointer.worker;
    await worker.terminate();
    const db = (store as unknown as { db: DatabaseSync }).db;
    await until(
      () =>
        (db.prepare('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number })
          .wal_autocheckpoint === 1000,
      "SQLite's own checkpoints are back",
    );
    // With them, the log file is cut back to twice their 1,000 pages again, not the backstop's.
    assert.equal(
      (db.prepare('PRAGMA journal_size_limit').get() as { journal_size_limit: number }).journal_size_limit,
      2 * 1000 * 8192,
    );
    await fill(store, 0);
    const started = Date.now();
    await store.close();
    assert.ok(Date.now() - started < 2_000, `closed in ${Date.now() - started} ms`);
  });

  it('finishes closing when closing is the last thing a process does', () => {
    // The thread is unreferenced so an open store never keeps a process alive; while it closes it
    // must be held, or the process ends mid-close (exit 13, an unsettled await).
    const store = pathToFileURL(
      join(import.meta.dirname, '..', '..', 'bot', 'store', 'sqlite-store.ts'),
    ).href;
    const containers = pathToFileURL(
      join(import.meta.dirname, '..', '..', 'bot', 'store', 'containers.ts'),
    ).href;
    const script = `
      import { SqliteStore } from ${JSON.stringify(store)};
      import { CONTAINERS } from ${JSON.stringify(containers)};
      const store = new SqliteStore({ path: ${JSON.stringify(join(dir, 'last.db'))}, purgeIntervalMs: 0 });
      await store.init([CONTAINERS.crm]);
      await store.close();
      console.log('closed');`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'closed');
  });

  it("keeps the log from growing without the thread: SQLite's own checkpoints when it is off", async () => {
    const path = join(dir, 'own.db');
    const store = new SqliteStore({ path, purgeIntervalMs: 0, backgroundCheckpoints: false });
    await store.init([CONTAINERS.crm]);
    const db = (store as unknown as { db: DatabaseSync }).db;
    assert.equal(
      (db.prepare('PRAGMA journal_size_limit').get() as { journal_size_limit: number }).journal_size_limit,
      2 * 1000 * 8192,
    );
    for (let round = 0; round < 6; round++) await fill(store, round * 100);
    // SQLite's automatic checkpoint at 1,000 pages (8 MB) keeps the log near it, with one batch of
    // 4 MB past it at most: never the 24 MB written.
    const size = statSync(`${path}-wal`).size;
    assert.ok(size < 14 * 1024 * 1024, `the log is ${Math.round(size / 1048576)} MB`);
    await store.close();
  });
});

describe('embedded store: page size', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'crm-sync-pages-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const pageSize = (path: string) => {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      return (db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size;
    } finally {
      db.close();
    }
  };

  it('makes a new file with 8 KB pages, where an email body takes half the log frames', async () => {
    const path = join(dir, 'new.db');
    const store = new SqliteStore({ path, purgeIntervalMs: 0 });
    await store.init([CONTAINERS.crm]);
    await fill(store, 0, 10);
    await store.close();
    assert.equal(pageSize(path), 8192);
  });

  it('keeps the page size of a file made before, with what it holds', async () => {
    const path = join(dir, 'old.db');
    const old = new DatabaseSync(path);
    old.exec('PRAGMA page_size = 4096; PRAGMA journal_mode = WAL;');
    old.close();
    const first = new SqliteStore({ path, purgeIntervalMs: 0 });
    await first.init([CONTAINERS.crm]);
    await fill(first, 0, 10);
    await first.close();
    const again = new SqliteStore({ path, purgeIntervalMs: 0 });
    await again.init([CONTAINERS.crm]);
    await fill(again, 10, 10);
    const crm = again.collection<Activity>(CONTAINERS.crm);
    assert.equal((await crm.read('tenant', 'a-3'))?.value.body.length, 40_000);
    assert.equal(await crm.count('tenant'), 20);
    await again.close();
    assert.equal(pageSize(path), 4096);
  });
});
