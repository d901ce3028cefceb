import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../bot/errors/app-error.ts';
import { ALL_CONTAINERS, AZURE_CONTAINERS, CONTAINERS } from '../../bot/store/containers.ts';
import { CosmosStore } from '../../bot/store/cosmos-store.ts';
import { SqliteStore } from '../../bot/store/sqlite-store.ts';
import { type ContainerDefinition, type Doc, type Store, userPartition } from '../../bot/store/store.port.ts';
import { startCosmosServer } from '../support/cosmos-server.ts';
import { DatabaseSync } from 'node:sqlite';

interface Entry extends Doc {
  status: 'synced' | 'error' | 'no_match' | 'pending';
  updatedAt: string;
  attempts: number;
  flagged?: boolean;
  body?: string;
}

const ledger: ContainerDefinition = CONTAINERS.ledger;

/** A fresh database file for the test, removed after it. */
async function withDatabaseFile(work: (path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-sync-sqlite-'));
  try {
    await work(join(dir, 'store.db'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const expiring: ContainerDefinition = CONTAINERS.notifications;

interface Harness {
  store: Store;
  /** Moves the store's clock forward, where the adapter lets us. */
  advance?: (ms: number) => void;
  stop: () => Promise<void>;
}

const adapters: Array<{ name: string; start: () => Promise<Harness>; emulatorGaps: string[] }> = [
  {
    name: 'embedded (SQLite)',
    emulatorGaps: [],
    start: async () => {
      let now = Date.parse('2026-01-01T00:00:00Z');
      const store = new SqliteStore({ path: ':memory:', now: () => now, purgeIntervalMs: 0 });
      await store.init(ALL_CONTAINERS);
      return { store, advance: (ms) => (now += ms), stop: () => store.close() };
    },
  },
  {
    name: 'Cosmos DB (@azure/cosmos against @vercel/cosmosdb-server)',
    // The local server does not enforce TTL; real Cosmos does, and the adapter passes `ttl` through.
    emulatorGaps: ['ttl'],
    start: async () => {
      const server = await startCosmosServer();
      const store = new CosmosStore({
        client: server.client,
        database: `test-${randomUUID()}`,
        manageContainers: true,
      });
      await store.init(ALL_CONTAINERS);
      return { store, stop: server.stop };
    },
  },
];

function entry(pk: string, id: string, over: Partial<Entry> = {}): Entry {
  return { id, pk, status: 'pending', updatedAt: '2026-01-01T00:00:00.000Z', attempts: 0, ...over };
}

for (const adapter of adapters) {
  describe(`store contract: ${adapter.name}`, () => {
    let h: Harness;
    const alice = userPartition('tenant-a', 'alice');
    const bob = userPartition('tenant-a', 'bob');

    before(async () => {
      h = await adapter.start();
    });
    after(async () => {
      await h.stop();
    });

    it('creates, reads, upserts, replaces and deletes an item by id within its partition', async () => {
      const items = h.store.collection<Entry>(ledger);
      const created = await items.create(entry(alice, 'm1'));
      assert.ok(created.etag);
      const read = await items.read(alice, 'm1');
      assert.deepEqual(read?.value, entry(alice, 'm1'));
      assert.equal(read?.etag, created.etag);

      const upserted = await items.upsert(entry(alice, 'm1', { status: 'synced', attempts: 1 }));
      assert.notEqual(upserted.etag, created.etag);
      const replaced = await items.replace(entry(alice, 'm1', { status: 'error', attempts: 2 }), {
        ifMatch: upserted.etag,
      });
      assert.equal((await items.read(alice, 'm1'))?.value.status, 'error');
      assert.equal((await items.read(alice, 'm1'))?.etag, replaced.etag);

      assert.equal(await items.delete(alice, 'm1'), true);
      assert.equal(await items.read(alice, 'm1'), undefined);
      assert.equal(await items.delete(alice, 'm1'), false);
    });

    it('refuses to create an item whose id exists, with a typed conflict', async () => {
      const items = h.store.collection<Entry>(ledger);
      await items.create(entry(alice, 'dup'));
      await assert.rejects(items.create(entry(alice, 'dup')), (e) => AppError.is(e, 'store.conflict'));
    });

    it('rejects a write with a stale etag instead of overwriting', async () => {
      const items = h.store.collection<Entry>(ledger);
      const first = await items.create(entry(alice, 'stale'));
      await items.replace(entry(alice, 'stale', { attempts: 1 }), { ifMatch: first.etag });
      await assert.rejects(
        items.replace(entry(alice, 'stale', { attempts: 99 }), { ifMatch: first.etag }),
        (e) => AppError.is(e, 'store.precondition_failed'),
      );
      await assert.rejects(items.delete(alice, 'stale', { ifMatch: first.etag }), (e) =>
        AppError.is(e, 'store.precondition_failed'),
      );
      assert.equal((await items.read(alice, 'stale'))?.value.attempts, 1);
    });

    it('says not found when replacing an item that does not exist', async () => {
      const items = h.store.collection<Entry>(ledger);
      await assert.rejects(items.replace(entry(alice, 'ghost')), (e) => AppError.is(e, 'store.not_found'));
    });

    it('keeps one user’s items out of another user’s reads and queries', async () => {
      const items = h.store.collection<Entry>(ledger);
      await items.create(entry(bob, 'bob-only', { status: 'error' }));
      assert.equal(await items.read(alice, 'bob-only'), undefined);
      const page = await items.query(alice, { filters: [{ field: 'status', op: '=', value: 'error' }] });
      assert.ok(page.items.every((i) => i.value.pk === alice));
      assert.ok(!page.items.some((i) => i.value.id === 'bob-only'));
      assert.equal(await items.count(bob, [{ field: 'status', op: '=', value: 'error' }]), 1);
    });

    it('pages with continuation tokens and returns every item exactly once, in order', async () => {
      const items = h.store.collection<Entry>(ledger);
      const pk = userPartition('tenant-p', 'pager');
      const ids: string[] = [];
      for (let i = 0; i < 53; i++) {
        const id = `p${String(i).padStart(3, '0')}`;
        ids.push(id);
        // Several items share a timestamp so ordering ties are exercised.
        const updatedAt = new Date(Date.UTC(2026, 0, 1, 0, 0, Math.floor(i / 3))).toISOString();
        await items.create(entry(pk, id, { updatedAt, status: i % 2 ? 'synced' : 'error' }));
      }
      const seen: string[] = [];
      const stamps: string[] = [];
      let continuation: string | undefined;
      let pages = 0;
      do {
        const page = await items.query(pk, {
          orderBy: { field: 'updatedAt', direction: 'desc' },
          limit: 10,
          ...(continuation ? { continuation } : {}),
        });
        pages++;
        assert.ok(page.items.length <= 10);
        seen.push(...page.items.map((i) => i.value.id));
        stamps.push(...page.items.map((i) => i.value.updatedAt));
        continuation = page.continuation;
      } while (continuation);
      assert.equal(pages, 6);
      assert.deepEqual([...seen].sort(), ids);
      assert.equal(new Set(seen).size, 53);
      assert.deepEqual(stamps, [...stamps].sort().reverse());
    });

    it('filters with comparisons and sets, and counts what matches', async () => {
      const items = h.store.collection<Entry>(ledger);
      const pk = userPartition('tenant-f', 'filter');
      await items.create(entry(pk, 'a', { status: 'error', attempts: 3, flagged: true }));
      await items.create(entry(pk, 'b', { status: 'synced', attempts: 1, flagged: false }));
      await items.create(entry(pk, 'c', { status: 'no_match', attempts: 1 }));
      await items.create(entry(pk, 'd', { status: 'pending', attempts: 0 }));

      const ids = async (filters: Parameters<typeof items.query>[1]) =>
        (await items.query(pk, filters)).items.map((i) => i.value.id).sort();
      assert.deepEqual(await ids({ filters: [{ field: 'attempts', op: '>=', value: 1 }] }), ['a', 'b', 'c']);
      assert.deepEqual(await ids({ filters: [{ field: 'status', op: 'in', value: ['error', 'pending'] }] }), [
        'a',
        'd',
      ]);
      assert.deepEqual(await ids({ filters: [{ field: 'flagged', op: '=', value: true }] }), ['a']);
      assert.deepEqual(await ids({ filters: [{ field: 'status', op: '!=', value: 'synced' }] }), [
        'a',
        'c',
        'd',
      ]);
      assert.equal(await items.count(pk, [{ field: 'attempts', op: '=', value: 1 }]), 2);
      assert.equal(await items.count(pk), 4);
    });

    it('finds items whose array field holds a value', async () => {
      const items = h.store.collection<Entry & { tags: string[] }>(ledger);
      const pk = userPartition('tenant-c', 'contains');
      await items.create({ ...entry(pk, 'x'), tags: ['candidate-1', 'contact-2'] });
      await items.create({ ...entry(pk, 'y'), tags: ['contact-2'] });
      await items.create({ ...entry(pk, 'z'), tags: [] });
      const ids = async (value: string) =>
        (await items.query(pk, { filters: [{ field: 'tags', op: 'contains', value }] })).items
          .map((i) => i.value.id)
          .sort();
      assert.deepEqual(await ids('contact-2'), ['x', 'y']);
      assert.deepEqual(await ids('candidate-1'), ['x']);
      assert.deepEqual(await ids('nobody'), []);
    });

    it('finds items by an indexed array field through every kind of write', async () => {
      interface Activity extends Doc {
        type: string;
        linkIds: string[];
        occurredAt: string;
      }
      const crm = h.store.collection<Activity>(CONTAINERS.crm);
      assert.ok(CONTAINERS.crm.arrayQueryFields?.includes('linkIds'));
      const pk = `tenant-${randomUUID()}`;
      const doc = (id: string, linkIds: string[]) => ({ id, pk, type: 'activity', linkIds, occurredAt: id });
      const linked = async (record: string) =>
        (
          await crm.query(pk, {
            filters: [
              { field: 'type', op: '=', value: 'activity' },
              { field: 'linkIds', op: 'contains', value: record },
            ],
            orderBy: { field: 'occurredAt', direction: 'desc' },
          })
        ).items.map((i) => i.value.id);
      await crm.create(doc('a1', ['cand-1']));
      await crm.upsert(doc('a2', ['cand-1', 'con-1']));
      await crm.upsertMany([doc('a3', ['con-1'])]);
      assert.deepEqual(await linked('cand-1'), ['a2', 'a1']);
      assert.deepEqual(await linked('con-1'), ['a3', 'a2']);
      // A link added, a link dropped, an item deleted.
      const a1 = (await crm.read(pk, 'a1'))!;
      await crm.replace({ ...a1.value, linkIds: ['con-1'] }, { ifMatch: a1.etag });
      await crm.upsert(doc('a3', ['cand-1']));
      await crm.delete(pk, 'a2');
      assert.deepEqual(await linked('cand-1'), ['a3']);
      assert.deepEqual(await linked('con-1'), ['a1']);
      assert.deepEqual(await linked('nobody'), []);
    });

    it('pages an array-index filter in order whether its element is rare or on most items', async function () {
      this.timeout(120_000);
      const items = h.store.collection<Entry & { terms: string[]; receivedAt: string }>(ledger);
      assert.ok(CONTAINERS.ledger.arrayQueryFields?.includes('terms'));
      const pk = userPartition('tenant-terms', randomUUID());
      // More items share "common" than a store may sort in memory; a few carry "rare".
      const docs = Array.from({ length: 1_100 }, (_, i) => ({
        ...entry(pk, `m${String(i).padStart(4, '0')}`),
        receivedAt: new Date(Date.UTC(2026, 0, 1) + ((i * 7919) % 1_100) * 60_000).toISOString(),
        terms: i % 100 === 0 ? ['common', 'rare'] : ['common'],
      }));
      await items.upsertMany(docs);
      const expected = (term: string) =>
        docs
          .filter((d) => d.terms.includes(term))
          .sort((a, b) => b.receivedAt.localeCompare(a.receivedAt) || b.id.localeCompare(a.id))
          .map((d) => d.id);
      const paged = async (term: string, pages: number) => {
        const ids: string[] = [];
        let continuation: string | undefined;
        for (let n = 0; n < pages; n++) {
          const page = await items.query(pk, {
            filters: [{ field: 'terms', op: 'contains', value: term }],
            orderBy: { field: 'receivedAt', direction: 'desc' },
            limit: 40,
            ...(continuation ? { continuation } : {}),
          });
          ids.push(...page.items.map((i) => i.value.id));
          continuation = page.continuation;
          if (!continuation) break;
        }
        return ids;
      };
      assert.deepEqual(await paged('common', 3), expected('common').slice(0, 120));
      assert.deepEqual(await paged('rare', 3), expected('rare'));
    });

    it('counts a counted field’s values exactly through creates, changes, upserts and deletes', async () => {
      assert.ok(CONTAINERS.ledger.countedFields?.includes('status'));
      const items = h.store.collection<Entry>(ledger);
      const pk = userPartition('tenant-counts', randomUUID());
      const count = (status: string) => items.count(pk, [{ field: 'status', op: '=', value: status }]);
      await items.create(entry(pk, 'c1', { status: 'synced' }));
      await items.upsertMany([entry(pk, 'c2', { status: 'error' }), entry(pk, 'c3', { status: 'error' })]);
      await items.upsert(entry(pk, 'c2', { status: 'synced' }));
      const c3 = (await items.read(pk, 'c3'))!;
      await items.replace({ ...c3.value, status: 'pending' }, { ifMatch: c3.etag });
      await items.upsert(entry(pk, 'c1', { status: 'synced' }));
      assert.deepEqual([await count('synced'), await count('error'), await count('pending')], [2, 0, 1]);
      await items.delete(pk, 'c1');
      assert.deepEqual([await count('synced'), await count('error'), await count('pending')], [1, 0, 1]);
      assert.equal(await count('no_match'), 0);
      // Another partition's are its own.
      assert.equal(
        await items.count(userPartition('tenant-counts', 'nobody'), [
          { field: 'status', op: '=', value: 'synced' },
        ]),
        0,
      );
    });

    it('refuses field names that are not plain identifiers', async () => {
      const items = h.store.collection<Entry>(ledger);
      await assert.rejects(
        items.query(alice, { filters: [{ field: 'status = 1 OR 1', op: '=', value: 'x' }] }),
        (e) => AppError.is(e, 'store.invalid_query'),
      );
    });

    it('hides and then removes items whose time to live has passed', async function () {
      if (adapter.emulatorGaps.includes('ttl')) {
        // @vercel/cosmosdb-server does not enforce `ttl`; real Cosmos does. The adapter writes
        // `ttl` and the container's defaultTtl (-1) as Cosmos documents them.
        this.skip();
      }
      const notes = h.store.collection<Doc & { text: string }>(expiring);
      const pk = userPartition('tenant-t', 'ttl');
      await notes.create({ id: 'short', pk, ttl: 60, text: 'gone soon' });
      await notes.create({ id: 'forever', pk, text: 'stays' });
      h.advance?.(61_000);
      assert.equal(await notes.read(pk, 'short'), undefined);
      assert.deepEqual(
        (await notes.query(pk)).items.map((i) => i.value.id),
        ['forever'],
      );
      // The id is free again once the item has expired.
      await notes.create({ id: 'short', pk, ttl: 60, text: 'again' });
      assert.equal((await notes.read(pk, 'short'))?.value.text, 'again');
    });

    it('answers a ping while it is reachable', async () => {
      await h.store.ping();
    });
  });
}

describe('Cosmos DB containers created at start-up', () => {
  it('have the partition key, TTL and unindexed bodies the definitions ask for, and init is idempotent', async () => {
    const server = await startCosmosServer();
    try {
      const database = `containers-${randomUUID()}`;
      const store = new CosmosStore({ client: server.client, database, manageContainers: true });
      await store.init(ALL_CONTAINERS);
      await store.init(ALL_CONTAINERS);
      for (const definition of ALL_CONTAINERS) {
        const { resource } = await server.client.database(database).container(definition.name).read();
        assert.deepEqual(resource?.partitionKey?.paths, ['/pk'], definition.name);
        assert.equal(resource?.defaultTtl, definition.defaultTtlSeconds, definition.name);
        const excluded = (resource?.indexingPolicy?.excludedPaths ?? []).map((p) => p.path);
        for (const path of definition.excludedPaths ?? [])
          assert.ok(excluded.includes(path), `${definition.name} ${path}`);
      }
    } finally {
      await server.stop();
    }
  });

  it('names every missing container when it may not create them (Entra ID in Azure)', async () => {
    const server = await startCosmosServer();
    try {
      const database = `missing-${randomUUID()}`;
      await server.client.databases.create({ id: database });
      await server.client
        .database(database)
        .containers.create({ id: 'settings', partitionKey: { paths: ['/pk'] } });
      const store = new CosmosStore({ client: server.client, database, manageContainers: false });
      await assert.rejects(store.init(AZURE_CONTAINERS), (error: unknown) => {
        assert.ok(AppError.is(error, 'store.unavailable'));
        assert.match(error.message, /ledger, itemLedger, syncState, conversations, notifications, crm/);
        return true;
      });
    } finally {
      await server.stop();
    }
  });
});

describe('embedded store: an array index added to an existing database', () => {
  it('is filled from the items already there', async () => {
    const { arrayQueryFields: _, ...before } = CONTAINERS.crm;
    await withDatabaseFile(async (path) => {
      const old = new SqliteStore({ path, purgeIntervalMs: 0 });
      await old.init([before]);
      await old
        .collection<Doc & { linkIds: string[] }>(before)
        .create({ id: 'a1', pk: 't', linkIds: ['cand-1', 'con-1'] });
      await old.close();

      const store = new SqliteStore({ path, purgeIntervalMs: 0 });
      await store.init([CONTAINERS.crm]);
      const found = await store
        .collection<Doc>(CONTAINERS.crm)
        .query('t', { filters: [{ field: 'linkIds', op: 'contains', value: 'con-1' }] });
      assert.deepEqual(
        found.items.map((i) => i.value.id),
        ['a1'],
      );
      await store.close();
    });
  });

  it('drops the index of a field the definition no longer queries, and keeps those it still does', async () => {
    // The CRM's sortName was indexed and never queried: every activity wrote a page of it.
    const before: ContainerDefinition = {
      ...CONTAINERS.crm,
      queryFields: ['type', 'sortName'],
      compositeIndexes: [['type', 'sortName']],
    };
    const indexes = (db: DatabaseSync) =>
      db
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'c_crm' ORDER BY name`)
        .all()
        .map((row) => row.name);
    await withDatabaseFile(async (path) => {
      const old = new SqliteStore({ path, purgeIntervalMs: 0 });
      await old.init([before]);
      await old
        .collection<Doc & { type: string; sortName: string }>(CONTAINERS.crm)
        .create({ id: 'c1', pk: 't', type: 'candidate', sortName: 'lee ada' });
      assert.deepEqual(indexes((old as unknown as { db: DatabaseSync }).db), [
        'ix_crm_expires',
        'ix_crm_sortName',
        'ix_crm_type',
        'ix_crm_type_sortName',
      ]);
      await old.close();

      const store = new SqliteStore({ path, purgeIntervalMs: 0 });
      await store.init([CONTAINERS.crm]);
      const db = (store as unknown as { db: DatabaseSync }).db;
      assert.deepEqual(indexes(db), ['ix_crm_expires', 'ix_crm_type']);
      // What still reads by type reads through its index, and finds what was there.
      const plan = db
        .prepare(
          `EXPLAIN QUERY PLAN SELECT id FROM "c_crm" WHERE pk = 't' AND json_extract(doc, '$.type') = 'candidate'`,
        )
        .all()
        .map((row) => String(row.detail));
      assert.ok(
        plan.some((step) => step.includes('ix_crm_type')),
        plan.join('; '),
      );
      const found = await store
        .collection<Doc>(CONTAINERS.crm)
        .query('t', { filters: [{ field: 'type', op: '=', value: 'candidate' }] });
      assert.deepEqual(
        found.items.map((i) => i.value.id),
        ['c1'],
      );
      await store.close();
    });
  });

  it('keeps an index whose name differs only in case from one the definition wants (SQLite names ignore case)', async () => {
    await withDatabaseFile(async (path) => {
      const db = new DatabaseSync(path);
      db.exec(`CREATE TABLE "c_crm" (
        pk TEXT NOT NULL, id TEXT NOT NULL, etag TEXT NOT NULL, expires_at INTEGER, doc TEXT NOT NULL,
        extra TEXT, body_ref INTEGER, PRIMARY KEY (pk, id)) WITHOUT ROWID`);
      db.exec(`CREATE INDEX "IX_CRM_TYPE" ON "c_crm" (pk, json_extract(doc, '$.type'), id)`);
      db.close();
      const store = new SqliteStore({ path, purgeIntervalMs: 0 });
      await store.init([CONTAINERS.crm]);
      const names = (store as unknown as { db: DatabaseSync }).db
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'c_crm' ORDER BY name`)
        .all()
        .map((row) => String(row.name));
      assert.deepEqual(names, ['IX_CRM_TYPE', 'ix_crm_expires'], 'the type index is still there');
      await store.close();
    });
  });

  it('counts the items already there when a counted field is new to the definition', async () => {
    const { countedFields: _, ...before } = CONTAINERS.ledger;
    await withDatabaseFile(async (path) => {
      const old = new SqliteStore({ path, purgeIntervalMs: 0 });
      await old.init([before]);
      await old.collection<Doc & { status: string }>(before).upsertMany([
        { id: 'a', pk: 't', status: 'synced' },
        { id: 'b', pk: 't', status: 'synced' },
        { id: 'c', pk: 't', status: 'error' },
      ]);
      await old.close();
      const store = new SqliteStore({ path, purgeIntervalMs: 0 });
      await store.init([CONTAINERS.ledger]);
      const items = store.collection<Doc & { status: string }>(CONTAINERS.ledger);
      assert.equal(await items.count('t', [{ field: 'status', op: '=', value: 'synced' }]), 2);
      await items.upsert({ id: 'c', pk: 't', status: 'synced' });
      assert.equal(await items.count('t', [{ field: 'status', op: '=', value: 'synced' }]), 3);
      assert.equal(await items.count('t', [{ field: 'status', op: '=', value: 'error' }]), 0);
      await store.close();
    });
  });

  it('counts again a counted field taken out of the definition and later put back', async () => {
    const { countedFields: _, ...without } = CONTAINERS.ledger;
    type Item = Doc & { status: string };
    await withDatabaseFile(async (path) => {
      const open = async (definition: typeof without) => {
        const store = new SqliteStore({ path, purgeIntervalMs: 0 });
        await store.init([definition]);
        return { store, items: store.collection<Item>(definition) };
      };
      const first = await open(CONTAINERS.ledger);
      await first.items.upsertMany([
        { id: 'a', pk: 't', status: 'synced' },
        { id: 'b', pk: 't', status: 'synced' },
      ]);
      await first.store.close();
      // A build that counts nothing deletes one and writes two.
      const second = await open(without);
      await second.items.delete('t', 'a');
      await second.items.upsertMany([
        { id: 'c', pk: 't', status: 'synced' },
        { id: 'd', pk: 't', status: 'synced' },
      ]);
      await second.store.close();
      const third = await open(CONTAINERS.ledger);
      assert.equal(await third.items.count('t', [{ field: 'status', op: '=', value: 'synced' }]), 3);
      await third.store.close();
    });
  });

  it('keeps a count unchanged when a write fails before it is made (an item that cannot be stored)', async () => {
    type Item = Doc & { kindStatus: string; n?: bigint };
    const store = new SqliteStore({ path: ':memory:', purgeIntervalMs: 0 });
    try {
      await store.init([CONTAINERS.itemLedger]);
      const items = store.collection<Item>(CONTAINERS.itemLedger);
      const count = () => items.count('t', [{ field: 'kindStatus', op: '=', value: 'task:synced' }]);
      await items.upsert({ id: 'a', pk: 't', kindStatus: 'task:synced' });
      await assert.rejects(items.upsert({ id: 'a', pk: 't', kindStatus: 'task:synced', n: 1n }), TypeError);
      assert.equal(await count(), 1);
      await items.upsert({ id: 'a', pk: 't', kindStatus: 'task:error' });
      assert.equal(await count(), 0);
    } finally {
      await store.close();
    }
  });

  it('fills the sorted elements of a sort field new to the definition, and keeps them as items change', async () => {
    const { arraySortField: _, ...before } = CONTAINERS.ledger;
    type Item = Doc & { terms: string[]; receivedAt: string };
    const item = (id: string, receivedAt: string, terms: string[]): Item => ({
      id,
      pk: 't',
      terms,
      receivedAt,
    });
    await withDatabaseFile(async (path) => {
      const old = new SqliteStore({ path, purgeIntervalMs: 0 });
      await old.init([before]);
      await old
        .collection<Item>(before)
        .upsertMany([item('a', '2026-01-01', ['x']), item('b', '2026-03-01', ['x'])]);
      await old.close();
      // What the build before the search index kept: its sorted elements' table and triggers.
      const { DatabaseSync } = await import('node:sqlite');
      const raw = new DatabaseSync(path);
      raw.exec(`CREATE TABLE "o_ledger" (pk, field, value, sort, id);
        CREATE TRIGGER "to_ledger_terms_del" AFTER DELETE ON "c_ledger" BEGIN DELETE FROM "o_ledger" WHERE id = OLD.id; END;`);
      raw.close();

      const store = new SqliteStore({ path, purgeIntervalMs: 0 });
      await store.init([CONTAINERS.ledger]);
      const items = store.collection<Item>(CONTAINERS.ledger);
      const newest = async (term: string) =>
        (
          await items.query('t', {
            filters: [{ field: 'terms', op: 'contains', value: term }],
            orderBy: { field: 'receivedAt', direction: 'desc' },
          })
        ).items.map((i) => i.value.id);
      assert.deepEqual(await newest('x'), ['b', 'a'], 'filled from the items already there');
      // A new item, a date changed, a word dropped, an item deleted: the order follows each.
      await items.upsert(item('c', '2026-02-01', ['x', 'y']));
      await items.upsert(item('a', '2026-04-01', ['x']));
      await items.upsert(item('b', '2026-03-01', ['y']));
      assert.deepEqual(await newest('x'), ['a', 'c']);
      assert.deepEqual(await newest('y'), ['b', 'c']);
      await items.delete('t', 'c');
      assert.deepEqual(await newest('y'), ['b']);
      const db = (store as unknown as { db: DatabaseSync }).db;
      assert.deepEqual(
        db.prepare(`SELECT name FROM sqlite_master WHERE name IN ('o_ledger', 'to_ledger_terms_del')`).all(),
        [],
        'the earlier index is gone',
      );
      await store.close();
    });
  });
});

describe('embedded store: a new item writes its own elements', () => {
  it('writes them as the triggers that later take them out read them: no row is left behind', async () => {
    const store = new SqliteStore({ path: ':memory:', purgeIntervalMs: 0 });
    try {
      await store.init([CONTAINERS.ledger, CONTAINERS.crm]);
      // The store's own database (a private field): an in-memory one has no other way in.
      const db = (store as unknown as { db: DatabaseSync }).db;
      const rows = (table: string) =>
        (db.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get() as { n: number }).n;
      type Entry = Doc & { terms: unknown[]; receivedAt: unknown };
      const ledger = store.collection<Entry>(CONTAINERS.ledger);
      // A lone surrogate (an address cut in the middle of an emoji), a number, a boolean, a null, a
      // nested list, and a sort value that is a Date: each as JSON reads it.
      const odd = ['caf\ud83d', 7, true, null, ['a'], 'plain'];
      await ledger.create({ id: 'one', pk: 't', terms: odd, receivedAt: new Date('2026-01-01T00:00:00Z') });
      await ledger.upsertMany([{ id: 'two', pk: 't', terms: odd, receivedAt: '2026-02-01' }]);
      assert.equal(rows('f_ledger'), 2, 'one search row each');
      for (const value of odd.filter((v) => v !== null && !Array.isArray(v)) as Array<
        string | number | boolean
      >) {
        const found = await ledger.count('t', [{ field: 'terms', op: 'contains', value }]);
        assert.equal(found, 2, `found by ${JSON.stringify(value)}`);
      }
      assert.equal(
        await ledger.count('t', [{ field: 'terms', op: 'contains', value: '7' }]),
        0,
        '"7" is not 7',
      );
      assert.equal(await ledger.count('t', [{ field: 'terms', op: 'contains', value: null }]), 0);
      const found = await ledger.query('t', {
        filters: [{ field: 'terms', op: 'contains', value: 'plain' }],
        orderBy: { field: 'receivedAt', direction: 'desc' },
      });
      assert.deepEqual(
        found.items.map((i) => i.value.id),
        ['two', 'one'],
      );
      // The update trigger takes out what the create wrote, whatever the value.
      await ledger.upsert({ id: 'one', pk: 't', terms: [], receivedAt: '2026-01-01' });
      assert.equal(rows('f_ledger'), 1, 'an item without elements has no search row');
      await ledger.delete('t', 'two');
      assert.equal(rows('f_ledger'), 0);
      // The unsorted elements (a CRM activity's links) likewise.
      type Activity = Doc & { type: string; linkIds: unknown[] };
      const crm = store.collection<Activity>(CONTAINERS.crm);
      await crm.create({ id: 'a', pk: 't', type: 'activity', linkIds: ['c1', 'x\udfff', 3] });
      assert.equal(rows('e_crm'), 3);
      await crm.delete('t', 'a');
      assert.equal(rows('e_crm'), 0);
    } finally {
      await store.close();
    }
  });
});

describe('embedded store: the search index of a sorted container', () => {
  type Item = Doc & { terms: string[]; receivedAt: string; status?: string };
  const open = async () => {
    const store = new SqliteStore({ path: ':memory:', purgeIntervalMs: 0 });
    await store.init([CONTAINERS.ledger]);
    const db = (store as unknown as { db: DatabaseSync }).db;
    const seqOf = (id: string) =>
      (db.prepare(`SELECT seq FROM "c_ledger" WHERE id = ?`).get(id) as { seq: number | null }).seq;
    return { store, items: store.collection<Item>(CONTAINERS.ledger), seqOf };
  };

  it('keeps an item’s place when what it is found by is unchanged, and moves it when it changes', async () => {
    const { store, items, seqOf } = await open();
    try {
      await items.upsert({
        id: 'a',
        pk: 't',
        terms: ['x'],
        receivedAt: '2026-01-01T00:00:00Z',
        status: 'pending',
      });
      const first = seqOf('a');
      assert.notEqual(first, null);
      // A status change (the ledger's most common write) leaves the search row alone.
      await items.upsert({
        id: 'a',
        pk: 't',
        terms: ['x'],
        receivedAt: '2026-01-01T00:00:00Z',
        status: 'synced',
      });
      const current = (await items.read('t', 'a'))!;
      await items.replace({ ...current.value, status: 'error' }, { ifMatch: current.etag });
      assert.equal(seqOf('a'), first);
      await items.upsert({ id: 'a', pk: 't', terms: ['y'], receivedAt: '2026-01-01T00:00:00Z' });
      assert.notEqual(seqOf('a'), first);
      const found = (term: string) => items.count('t', [{ field: 'terms', op: 'contains', value: term }]);
      assert.deepEqual([await found('x'), await found('y')], [0, 1], 'the old words are gone');
      // Nothing left to be found by: out of the search index altogether.
      const moved = (await items.read('t', 'a'))!;
      await items.replace({ ...moved.value, terms: [] }, { ifMatch: moved.etag });
      assert.equal(seqOf('a'), null);
      assert.equal(await found('y'), 0);
    } finally {
      await store.close();
    }
  });

  it('writes its rows with no trigger on an insert or an update, which made every write three times dearer', async () => {
    // With any such trigger (even an empty one) SQLite read the document's JSON again for each of
    // the ledger's expression indexes: about 90 µs a write against 25. Deletes keep theirs.
    const { store } = await open();
    try {
      const db = (store as unknown as { db: DatabaseSync }).db;
      const triggers = db
        .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'c_ledger'`)
        .all() as Array<{ name: string; sql: string }>;
      assert.ok(triggers.length > 0);
      for (const trigger of triggers) assert.match(trigger.sql, /AFTER DELETE ON/, trigger.name);
    } finally {
      await store.close();
    }
  });

  it('counts the status of items with and without a place in the search index through upserts', async () => {
    const { store, items } = await open();
    try {
      const count = (status: string) => items.count('t', [{ field: 'status', op: '=', value: status }]);
      const placed = { terms: ['x'], receivedAt: '2026-01-01T00:00:00Z' };
      // No date to sort by: no place, though the item is there.
      const unplaced = { terms: ['x'], receivedAt: 'not a date' };
      await items.upsertMany([
        { id: 'a', pk: 't', ...placed, status: 'pending' },
        { id: 'b', pk: 't', ...unplaced, status: 'pending' },
      ]);
      await items.upsertMany([
        { id: 'a', pk: 't', ...placed, status: 'synced' },
        { id: 'b', pk: 't', ...unplaced, status: 'synced' },
        { id: 'c', pk: 't', ...placed, terms: ['y'], status: 'synced' },
      ]);
      await items.upsert({ id: 'a', pk: 't', ...unplaced, status: 'error' });
      assert.deepEqual([await count('pending'), await count('synced'), await count('error')], [0, 2, 1]);
    } finally {
      await store.close();
    }
  });

  it('never gives a new item the place of a search row no item holds, whose words would find it', async () => {
    const { store, items, seqOf } = await open();
    try {
      const at = '2026-03-01T10:00:00.000Z';
      // Every place of one millisecond held by an item with the word "secret"...
      await items.upsertMany(
        Array.from({ length: 1024 }, (_, i) => ({
          id: `old-${i}`,
          pk: 't',
          terms: ['secret'],
          receivedAt: at,
        })),
      );
      // ...then moved by an older process, which relied on a trigger to take the old search rows
      // out: the rows stay, held by no item.
      const db = (store as unknown as { db: DatabaseSync }).db;
      db.exec(`UPDATE "c_ledger" SET seq = NULL WHERE id LIKE 'old-%'`);
      await items.upsert({ id: 'new', pk: 't', terms: ['fresh'], receivedAt: at });
      assert.notEqual(seqOf('new'), null);
      const found = await items.query('t', {
        filters: [{ field: 'terms', op: 'contains', value: 'secret' }],
        orderBy: { field: 'receivedAt', direction: 'desc' },
      });
      assert.deepEqual(
        found.items.map((i) => i.value.id),
        [],
        'the old word finds nothing, not the new item',
      );
      assert.equal(await items.count('t', [{ field: 'terms', op: 'contains', value: 'fresh' }]), 1);
    } finally {
      await store.close();
    }
  });

  it('drops the triggers an earlier build kept, and counts afresh at start what it counted', async () => {
    await withDatabaseFile(async (path) => {
      const first = new SqliteStore({ path, purgeIntervalMs: 0 });
      await first.init([CONTAINERS.ledger]);
      const items = first.collection<Item>(CONTAINERS.ledger);
      await items.upsertMany([
        { id: 'a', pk: 't', terms: ['x'], receivedAt: '2026-02-01T00:00:00Z', status: 'synced' },
        { id: 'b', pk: 't', terms: ['x'], receivedAt: '2026-02-02T00:00:00Z', status: 'error' },
      ]);
      // An earlier build's triggers (as it made them at its start during a deploy), and a count
      // they and this build's writes both kept.
      const db = (first as unknown as { db: DatabaseSync }).db;
      db.exec(
        `CREATE TRIGGER "tk_ledger_status_ins" AFTER INSERT ON "c_ledger" BEGIN
           UPDATE "k_ledger" SET n = n + 1 WHERE pk = NEW.pk AND value = json_extract(NEW.doc, '$.status'); END;
         CREATE TRIGGER "ts_ledger_upd" AFTER UPDATE OF seq ON "c_ledger" BEGIN SELECT 1; END;`,
      );
      await items.create({
        id: 'c',
        pk: 't',
        terms: ['x'],
        receivedAt: '2026-02-03T00:00:00Z',
        status: 'synced',
      });
      await first.close();
      const again = new SqliteStore({ path, purgeIntervalMs: 0 });
      await again.init([CONTAINERS.ledger]);
      const names = (again as unknown as { db: DatabaseSync }).db
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'c_ledger'`)
        .all()
        .map((r) => r.name);
      assert.ok(!names.includes('tk_ledger_status_ins') && !names.includes('ts_ledger_upd'), String(names));
      const ledger = again.collection<Item>(CONTAINERS.ledger);
      const count = (status: string) => ledger.count('t', [{ field: 'status', op: '=', value: status }]);
      assert.deepEqual([await count('synced'), await count('error')], [2, 1]);
      await ledger.create({
        id: 'd',
        pk: 't',
        terms: ['x'],
        receivedAt: '2026-02-04T00:00:00Z',
        status: 'error',
      });
      assert.deepEqual([await count('synced'), await count('error')], [2, 2]);
      await again.close();
    });
  });

  it('finds and pages every item sharing one second, more than a millisecond has places for', async () => {
    const { store, items } = await open();
    try {
      // Graph's dates are whole seconds: an email to all staff is thousands of entries at one time.
      const at = '2026-05-01T09:00:00Z';
      const docs = Array.from({ length: 3_000 }, (_, i) => ({
        id: `m${i}`,
        pk: `user-${i % 7}`,
        terms: ['same'],
        receivedAt: at,
      }));
      docs.push({ id: 'later', pk: 'user-0', terms: ['same'], receivedAt: '2026-05-01T09:00:01Z' });
      docs.push({ id: 'earlier', pk: 'user-0', terms: ['same'], receivedAt: '2026-05-01T08:59:59Z' });
      await items.upsertMany(docs);
      const seen: string[] = [];
      let continuation: string | undefined;
      do {
        const page = await items.query('user-0', {
          filters: [{ field: 'terms', op: 'contains', value: 'same' }],
          orderBy: { field: 'receivedAt', direction: 'desc' },
          limit: 100,
          ...(continuation ? { continuation } : {}),
        });
        seen.push(...page.items.map((i) => i.value.id));
        continuation = page.continuation;
      } while (continuation);
      const mine = docs.filter((d) => d.pk === 'user-0').length;
      assert.equal(seen[0], 'later', 'newest first');
      assert.equal(seen.at(-1), 'earlier');
      assert.equal(seen.length, mine);
      assert.equal(new Set(seen).size, mine, 'none twice, and none of another partition');
    } finally {
      await store.close();
    }
  });

  it('indexes at start the items an earlier build wrote without a place (a rollback, an old process)', async () => {
    await withDatabaseFile(async (path) => {
      const first = new SqliteStore({ path, purgeIntervalMs: 0 });
      await first.init([CONTAINERS.ledger]);
      await first
        .collection<Item>(CONTAINERS.ledger)
        .upsert({ id: 'new', pk: 't', terms: ['x'], receivedAt: '2026-02-01T00:00:00Z' });
      // What an earlier build writes: the row, no seq, nothing in the search index.
      const db = (first as unknown as { db: DatabaseSync }).db;
      db.prepare(`INSERT INTO "c_ledger" (pk, id, etag, doc) VALUES ('t', 'old', '"e"', ?)`).run(
        JSON.stringify({ id: 'old', pk: 't', terms: ['x'], receivedAt: '2026-01-01T00:00:00Z' }),
      );
      await first.close();
      const again = new SqliteStore({ path, purgeIntervalMs: 0 });
      await again.init([CONTAINERS.ledger]);
      const found = await again.collection<Item>(CONTAINERS.ledger).query('t', {
        filters: [{ field: 'terms', op: 'contains', value: 'x' }],
        orderBy: { field: 'receivedAt', direction: 'desc' },
      });
      assert.deepEqual(
        found.items.map((i) => i.value.id),
        ['new', 'old'],
      );
      await again.close();
    });
  });

  it('refuses a continuation token it did not issue, with a clear error', async () => {
    const { store, items } = await open();
    try {
      await assert.rejects(
        items.query('t', {
          filters: [{ field: 'terms', op: 'contains', value: 'x' }],
          orderBy: { field: 'receivedAt', direction: 'desc' },
          // An earlier build's token: the sort value and the id.
          continuation: Buffer.from(JSON.stringify(['2026-01-01', 'a'])).toString('base64url'),
        }),
        (error) => AppError.is(error, 'store.invalid_query'),
      );
    } finally {
      await store.close();
    }
  });
});

/** The CRM's tables as an earlier build made them, its bodies' table with `bodyColumns`. */
function crmTablesBefore(bodyColumns: string): string {
  return `CREATE TABLE "c_crm" (pk TEXT NOT NULL, id TEXT NOT NULL, etag TEXT NOT NULL, expires_at INTEGER,
            doc TEXT NOT NULL, extra TEXT, body_ref INTEGER, PRIMARY KEY (pk, id)) WITHOUT ROWID;
          CREATE TABLE "b_crm" (${bodyColumns});`;
}

describe('embedded store: bodies apart from the indexed document', () => {
  it('keeps an excluded field out of the document its indexes read, and reads the item back whole', async () => {
    const { DatabaseSync } = await import('node:sqlite');
    type Activity = Doc & { type: string; linkIds: string[]; body?: { content: string } };
    await withDatabaseFile(async (path) => {
      const store = new SqliteStore({ path, purgeIntervalMs: 0 });
      await store.init([CONTAINERS.crm]);
      const crm = store.collection<Activity>(CONTAINERS.crm);
      const body = { content: `<p>${'quoted thread '.repeat(2000)}</p>` };
      await crm.create({ id: 'a1', pk: 't', type: 'activity', linkIds: ['cand-1'], body });
      await crm.upsertMany([{ id: 'a2', pk: 't', type: 'activity', linkIds: ['cand-1'] }]);
      assert.deepEqual((await crm.read('t', 'a1'))?.value.body, body);
      const found = await crm.query('t', {
        filters: [{ field: 'linkIds', op: 'contains', value: 'cand-1' }],
      });
      assert.deepEqual(
        found.items.map((i) => [i.value.id, i.value.body?.content.length]),
        [
          ['a1', body.content.length],
          ['a2', undefined],
        ],
      );
      await store.close();
      const raw = new DatabaseSync(path);
      const row = raw.prepare(`SELECT doc FROM "c_crm" WHERE id = 'a1'`).get() as { doc: string };
      raw.close();
      assert.equal(row.doc.includes('quoted thread'), false);
    });
  });

  it('reads a row written with its body inside the document, from a database made before', async () => {
    const { DatabaseSync } = await import('node:sqlite');
    await withDatabaseFile(async (path) => {
      const raw = new DatabaseSync(path);
      raw.exec(
        `CREATE TABLE "c_crm" (pk TEXT NOT NULL, id TEXT NOT NULL, etag TEXT NOT NULL, expires_at INTEGER, doc TEXT NOT NULL, PRIMARY KEY (pk, id)) WITHOUT ROWID`,
      );
      raw
        .prepare(`INSERT INTO "c_crm" VALUES ('t', 'old', '"e"', NULL, ?)`)
        .run(JSON.stringify({ id: 'old', pk: 't', type: 'activity', body: { content: 'hello' } }));
      raw.close();
      const store = new SqliteStore({ path, purgeIntervalMs: 0 });
      await store.init([CONTAINERS.crm]);
      const crm = store.collection<Doc & { body?: { content: string } }>(CONTAINERS.crm);
      assert.deepEqual((await crm.read('t', 'old'))?.value.body, { content: 'hello' });
      await store.close();
    });
  });

  it("keeps a body's longest text as it is, outside the JSON, and reads every shape back whole", async () => {
    const { DatabaseSync } = await import('node:sqlite');
    type Activity = Doc & { type: string; linkIds: string[]; body?: unknown; attachments?: unknown };
    await withDatabaseFile(async (path) => {
      const store = new SqliteStore({ path, purgeIntervalMs: 0 });
      await store.init([CONTAINERS.crm]);
      const crm = store.collection<Activity>(CONTAINERS.crm);
      const html = `<p class="q">"Quoted"\n\t\\ thread — ✓ 😀 </p>${'<br/>'.repeat(3000)}`;
      const items: Activity[] = [
        // An email's HTML body beside its attachments' list.
        {
          id: 'html',
          pk: 't',
          type: 'activity',
          linkIds: [],
          body: { contentType: 'html', content: html },
          attachments: [{ name: 'cv.pdf', ref: 'x' }],
        },
        // A field that is a string of its own.
        { id: 'plain', pk: 't', type: 'activity', linkIds: [], body: html },
        // A lone surrogate, which UTF-8 cannot carry: kept in the JSON, whose escape keeps it.
        { id: 'lone', pk: 't', type: 'activity', linkIds: [], body: { content: `a\ud800b${html}` } },
        // Nothing but an empty list.
        { id: 'empty', pk: 't', type: 'activity', linkIds: [], attachments: [] },
        // A short body whose longest string is its first key's: the keys come back in their order.
        { id: 'short', pk: 't', type: 'activity', linkIds: [], body: { contentType: 'text', content: 'ok' } },
      ];
      for (const item of items) await crm.create(item);
      for (const item of items) {
        const { etag: _etag, ...value } = (await crm.read('t', item.id))!.value as Activity & {
          etag?: string;
        };
        assert.deepEqual(value, item, item.id);
        assert.equal(
          JSON.stringify(value.body),
          JSON.stringify(item.body),
          `${item.id}: keys in their order`,
        );
      }
      await store.close();
      const raw = new DatabaseSync(path);
      const rows = raw
        .prepare(
          `SELECT c.id, b.body, b.text, b.text_at FROM "c_crm" AS c JOIN "b_crm" AS b ON b.rowid = c.body_ref ORDER BY c.id`,
        )
        .all() as Array<{ id: string; body: string; text: string | null; text_at: string | null }>;
      raw.close();
      const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
      // A build from before parses the column as JSON: a row kept apart fails it, rather than
      // reading as an email without its text that a later write would keep so.
      assert.throws(() => JSON.parse(byId.html!.body), SyntaxError);
      assert.deepEqual(JSON.parse(byId.html!.body.slice('text-apart:'.length)), {
        body: { contentType: 'html' },
        attachments: [{ name: 'cv.pdf', ref: 'x' }],
      });
      assert.equal(byId.html!.text, html);
      assert.deepEqual(JSON.parse(byId.html!.text_at!), { field: 'body', key: 'content', index: 1 });
      assert.equal(byId.plain!.text, html);
      assert.deepEqual(JSON.parse(byId.plain!.text_at!), { field: 'body', index: 0 });
      assert.equal(byId.lone!.text, null);
      assert.equal(
        (JSON.parse(byId.lone!.body) as { body: { content: string } }).body.content.length,
        html.length + 3,
      );
      assert.equal(byId.empty!.text, null);
      assert.deepEqual(JSON.parse(byId.short!.text_at!), { field: 'body', key: 'contentType', index: 0 });
    });
  });

  it('finishes a migration of the bodies’ table that stopped half way', async () => {
    const { DatabaseSync } = await import('node:sqlite');
    await withDatabaseFile(async (path) => {
      const raw = new DatabaseSync(path);
      // A process stopped between its two column additions left `text` without `text_at`.
      raw.exec(crmTablesBefore('body TEXT NOT NULL, text TEXT'));
      raw.close();
      const store = new SqliteStore({ path, purgeIntervalMs: 0 });
      await store.init([CONTAINERS.crm]);
      type Activity = Doc & { type: string; linkIds: string[]; body?: { content: string } };
      const crm = store.collection<Activity>(CONTAINERS.crm);
      await crm.create({ id: 'a', pk: 't', type: 'activity', linkIds: [], body: { content: 'hello' } });
      assert.deepEqual((await crm.read('t', 'a'))?.value.body, { content: 'hello' });
      await store.close();
    });
  });

  it('reads bodies written before their text was kept apart, and writes new ones beside them', async () => {
    const { DatabaseSync } = await import('node:sqlite');
    await withDatabaseFile(async (path) => {
      const raw = new DatabaseSync(path);
      raw.exec(crmTablesBefore('body TEXT NOT NULL'));
      const ref = raw
        .prepare(`INSERT INTO "b_crm" (body) VALUES (?)`)
        .run(JSON.stringify({ body: { contentType: 'html', content: '<p>old</p>' } })).lastInsertRowid;
      raw
        .prepare(`INSERT INTO "c_crm" VALUES ('t', 'old', '"e"', NULL, ?, NULL, ?)`)
        .run(JSON.stringify({ id: 'old', pk: 't', type: 'activity', linkIds: [] }), ref);
      raw.close();
      const store = new SqliteStore({ path, purgeIntervalMs: 0 });
      await store.init([CONTAINERS.crm]);
      type Activity = Doc & {
        type: string;
        linkIds: string[];
        body?: { contentType: string; content: string };
      };
      const crm = store.collection<Activity>(CONTAINERS.crm);
      assert.deepEqual((await crm.read('t', 'old'))?.value.body, {
        contentType: 'html',
        content: '<p>old</p>',
      });
      await crm.create({
        id: 'new',
        pk: 't',
        type: 'activity',
        linkIds: [],
        body: { contentType: 'text', content: 'new' },
      });
      assert.deepEqual((await crm.read('t', 'new'))?.value.body, { contentType: 'text', content: 'new' });
      await store.close();
    });
  });

  it('keeps one body row per item through replaces, upserts without a body, conflicts and deletes', async () => {
    const store = new SqliteStore({ path: ':memory:', purgeIntervalMs: 0 });
    try {
      await store.init([CONTAINERS.crm]);
      type Activity = Doc & { type: string; linkIds: string[]; body?: { content: string } };
      const crm = store.collection<Activity>(CONTAINERS.crm);
      // The store's own database (a private field): an in-memory one has no other way in.
      const db = (store as unknown as { db: DatabaseSync }).db;
      const bodies = async () => (db.prepare(`SELECT COUNT(*) AS n FROM "b_crm"`).get() as { n: number }).n;
      const item = (id: string, content?: string): Activity => ({
        id,
        pk: 't',
        type: 'activity',
        linkIds: [],
        ...(content ? { body: { content } } : {}),
      });
      const first = await crm.create(item('a1', 'one'));
      await assert.rejects(crm.create(item('a1', 'again')), (e) => AppError.is(e, 'store.conflict'));
      assert.equal(await bodies(), 1, 'the refused create left no body behind');
      await crm.replace(item('a1', 'two'), { ifMatch: first.etag });
      assert.equal(await bodies(), 1);
      assert.equal((await crm.read('t', 'a1'))?.value.body?.content, 'two');
      await crm.upsert(item('a1'));
      assert.equal(await bodies(), 0);
      assert.equal((await crm.read('t', 'a1'))?.value.body, undefined);
      await crm.upsertMany([item('a1', 'three'), item('a2', 'four')]);
      assert.equal(await bodies(), 2);
      await crm.delete('t', 'a1');
      assert.equal(await bodies(), 1);
      assert.equal((await crm.read('t', 'a2'))?.value.body?.content, 'four');
    } finally {
      await store.close();
    }
  });
});

describe('embedded store: creates made together', () => {
  it('writes them together, fails only the one that conflicts, and shows them to what comes after', async () => {
    const store = new SqliteStore({ path: ':memory:', purgeIntervalMs: 0 });
    try {
      await store.init([ledger]);
      const entries = store.collection<Entry>(ledger);
      const entry = (id: string): Entry => ({
        id,
        pk: 'p',
        status: 'synced',
        updatedAt: '2026-01-01T00:00:00.000Z',
        attempts: 0,
      });
      const made = ['e1', 'e2', 'e1', 'e3'].map((id) =>
        entries.create(entry(id)).then(
          () => 'created',
          (e: unknown) => (AppError.is(e, 'store.conflict') ? 'conflict' : 'failed'),
        ),
      );
      // A read made in the same turn, after the creates, sees them (not yet awaited).
      const seen = await entries.read('p', 'e3');
      assert.equal(seen?.value.id, 'e3');
      assert.deepEqual(await Promise.all(made), ['created', 'created', 'conflict', 'created']);
      assert.equal(await entries.count('p'), 3);
    } finally {
      await store.close();
    }
  });
});
