import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { graphWebhook, MAX_ITEMS } from '../../bot/http/graph-webhook.ts';
import { httpErrorHandler } from '../../bot/http/http-errors.ts';
import { createLogger } from '../../bot/logging/logger.ts';
import type { MailSubscriptions } from '../../bot/mail-source/mail-source.port.ts';
import { StoreQueue } from '../../bot/queue/store-queue.ts';
import { ALL_CONTAINERS } from '../../bot/store/containers.ts';
import { SqliteStore } from '../../bot/store/sqlite-store.ts';
import type { Store } from '../../bot/store/store.port.ts';
import type { SyncJob } from '../../bot/worker/jobs.ts';
import { SubscriptionRegistry } from '../../bot/worker/subscription-registry.ts';
import { interceptStore } from '../support/store-proxy.ts';

/** Every call any collection of the store receives, so a test can say "no store work at all". */
function counting(store: Store): { store: Store; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    store: interceptStore(store, (container, method, call) => {
      calls.push(`${container}.${method}`);
      return call();
    }),
  };
}

/** Graph's subscriptions as far as the registry needs them: ids handed out, nothing else. */
const graph: MailSubscriptions = {
  subscribe: async () => ({
    id: crypto.randomUUID(),
    expiresAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
  }),
  renew: async (_id, _user, expiresAt) => ({ expiresAt: expiresAt.toISOString() }),
  unsubscribe: async () => {},
};

describe('Graph webhook: anonymous requests cost no store work', function () {
  this.timeout(30_000);
  let raw: SqliteStore;
  let store: ReturnType<typeof counting>;
  let registry: SubscriptionRegistry;
  let server: Server;
  let base: string;
  let counters: { accepted: number; dropped: number };
  let logLines: number;
  const sent: SyncJob[] = [];

  before(async () => {
    raw = new SqliteStore({ path: ':memory:', purgeIntervalMs: 0 });
    await raw.init(ALL_CONTAINERS);
    store = counting(raw);
    registry = new SubscriptionRegistry(store.store, graph, {
      notification: 'https://crm-sync.example/api/graph/notifications',
      lifecycle: 'https://crm-sync.example/api/graph/lifecycle',
    });
    await registry.init();
    await registry.ensure('t1', 'u1', ['inbox', 'sent']);
    const queue = new StoreQueue<SyncJob>(store.store, 'sync');
    await queue.init();
    const sendOriginal = queue.send.bind(queue);
    queue.send = async (job, options) => {
      sent.push(job);
      await sendOriginal(job, options);
    };
    logLines = 0;
    const logger = createLogger({ level: 'silent' });
    const app = express();
    const webhook = graphWebhook({
      registry,
      queue,
      logger: Object.assign(Object.create(logger) as typeof logger, {
        warn: () => {
          logLines++;
        },
      }),
    });
    counters = webhook.counters;
    app.use('/api/graph', webhook.router);
    app.use(httpErrorHandler(logger));
    server = createServer(app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/graph`;
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await raw?.close();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const settle = () => new Promise((r) => setTimeout(r, 100));
  const forgedItem = (n: number) => ({
    subscriptionId: `7f1a${String(n).padStart(4, '0')}-0000-4000-8000-000000000000`,
    clientState: `t1.u1.guess${n}.${'A'.repeat(22)}`,
    changeType: 'created',
    resource: `Users/u1/Messages/${'x'.repeat(780)}${n}`,
    tenantId: 't1',
    subscriptionExpirationDateTime: '2026-12-03T00:00:00Z',
  });

  it('a 1 MB request of forged items reads and writes nothing, and logs one line', async () => {
    const items = Array.from({ length: MAX_ITEMS }, (_, n) => forgedItem(n));
    const body = JSON.stringify({ value: items });
    assert.ok(body.length > 1_000_000 && body.length <= 1024 * 1024, `${body.length} bytes`);
    store.calls.length = 0;
    const logsBefore = logLines;
    const res = await post('/notifications', body);
    assert.equal(res.status, 202);
    await settle();
    assert.deepEqual(store.calls, [], 'no store or queue work for forged items');
    assert.equal(sent.length, 0);
    assert.equal(logLines - logsBefore, 1, 'drops are logged in aggregate: one line');
    assert.ok(counters.dropped >= MAX_ITEMS);
  });

  it('refuses more items than Graph ever batches, and bodies over 1 MB, before any store work', async () => {
    store.calls.length = 0;
    const tooMany = await post('/notifications', {
      value: Array.from({ length: MAX_ITEMS + 1 }, () => ({})),
    });
    assert.equal(tooMany.status, 400);
    const huge = await post('/notifications', { value: [{ resource: 'x'.repeat(1024 * 1024) }] });
    assert.equal(huge.status, 413);
    assert.deepEqual(store.calls, []);
  });

  it('a genuine batch of many notifications for one folder is one lookup and one delta sync', async () => {
    const [inbox] = (await registry.forUser('t1', 'u1')).filter((s) => s.folderId === 'inbox');
    const genuine = {
      subscriptionId: inbox!.subscriptionId,
      clientState: inbox!.clientState,
      changeType: 'created',
      resource: 'Users/u1/Messages/AAMk1',
      tenantId: 't1',
    };
    store.calls.length = 0;
    sent.length = 0;
    const res = await post('/notifications', { value: [...Array(50).fill(genuine), forgedItem(1)] });
    assert.equal(res.status, 202);
    await settle();
    assert.deepEqual(
      sent.map((j) => j.kind === 'folder' && j.folderId),
      ['inbox'],
    );
    assert.equal(store.calls.filter((c) => c.endsWith('.read')).length, 1, store.calls.join(', '));
  });

  it('a clientState of ours on a subscription we do not have costs one lookup, and queues nothing without a handler', async () => {
    const [inbox] = await registry.forUser('t1', 'u1');
    sent.length = 0;
    store.calls.length = 0;
    const res = await post('/notifications', {
      value: Array.from({ length: 5 }, () => ({
        subscriptionId: 'not-ours',
        clientState: inbox!.clientState,
        changeType: 'created',
      })),
    });
    assert.equal(res.status, 202);
    await settle();
    assert.equal(sent.length, 0);
    assert.equal(store.calls.filter((c) => c.endsWith('.read')).length, 1, store.calls.join(', '));
  });

  it('will not take a clientState of ours for another mailbox: the owner it names is signed', async () => {
    const [inbox] = await registry.forUser('t1', 'u1');
    const [, , nonce, mac] = inbox!.clientState.split('.');
    assert.deepEqual(registry.ownerOf(inbox!.clientState), { tenantId: 't1', userId: 'u1' });
    assert.equal(registry.ownerOf(`t1.someone-else.${nonce}.${mac}`), undefined);
  });

  it('malformed and wrongly typed bodies get clear errors, never a 5xx', async () => {
    const bodies = ['{"value":', '[]', '{"value":{}}', '{"value":"x"}', 'null', '{"value":[null,1,"a",[]]}'];
    for (const body of bodies) {
      const res = await post('/lifecycle', body);
      assert.ok([202, 400].includes(res.status), `${body}: ${res.status}`);
    }
  });
});

describe('Graph webhook: senders of malformed requests are rate-limited, Graph never', function () {
  this.timeout(30_000);
  it('answers 429 once a client has sent 20 malformed requests, never to well-formed ones, and never parses a handshake', async () => {
    const raw = new SqliteStore({ path: ':memory:', purgeIntervalMs: 0 });
    await raw.init(ALL_CONTAINERS);
    const registry = new SubscriptionRegistry(raw, graph, { notification: 'n', lifecycle: 'l' });
    await registry.init();
    const app = express();
    const webhook = graphWebhook({
      registry,
      queue: new StoreQueue<SyncJob>(raw, 'sync'),
      logger: createLogger({ level: 'silent' }),
    });
    app.use('/api/graph', webhook.router);
    app.use(httpErrorHandler(createLogger({ level: 'silent' })));
    const server = createServer(app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/graph/notifications`;
    const post = (body: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    try {
      // Well-formed notifications that are not ours (another tenant's subscription pointed here,
      // from Graph's shared addresses): dropped, never throttled.
      for (let n = 0; n < 30; n++) {
        const res = await post(JSON.stringify({ value: [{ subscriptionId: 'x', clientState: 'y' }] }));
        assert.equal(res.status, 202, `well-formed ${n}`);
      }
      const statuses: number[] = [];
      for (let n = 0; n < 25; n++) {
        const res = await post(n % 2 ? '{"value":' : '{"value":"not a collection"}');
        statuses.push(res.status);
        if (res.status === 429) assert.ok(Number(res.headers.get('retry-after')) >= 1);
      }
      assert.deepEqual(
        statuses.slice(0, 20).filter((s) => s === 429),
        [],
      );
      assert.deepEqual(statuses.slice(20), Array(5).fill(429));
      // The validation handshake is answered before any body is read, whatever the body.
      const handshake = await fetch(`${url}?validationToken=abc`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ value: 'x'.repeat(900_000) }),
      });
      assert.equal(handshake.status, 200);
      assert.equal(await handshake.text(), 'abc');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await raw.close();
    }
  });
});

describe("Graph webhook: queued before it answers, within Graph's deadline", function () {
  this.timeout(30_000);
  let raw: SqliteStore;
  let registry: SubscriptionRegistry;
  let server: Server;
  let url: string;
  let send: (job: SyncJob) => Promise<void>;
  const unrecorded: unknown[] = [];

  before(async () => {
    raw = new SqliteStore({ path: ':memory:', purgeIntervalMs: 0 });
    await raw.init(ALL_CONTAINERS);
    registry = new SubscriptionRegistry(raw, graph, { notification: 'n', lifecycle: 'l' });
    await registry.init();
    await registry.ensure('t1', 'u1', ['inbox']);
    const queue = new StoreQueue<SyncJob>(raw, 'sync');
    await queue.init();
    queue.send = (job) => send(job);
    const app = express();
    app.use(
      '/api/graph',
      graphWebhook({
        registry,
        queue,
        logger: createLogger({ level: 'silent' }),
        onUnrecorded: async (owner) => {
          unrecorded.push(owner);
          return true;
        },
      }).router,
    );
    server = createServer(app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/graph/notifications`;
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await raw?.close();
  });

  const notify = async () => {
    const [inbox] = await registry.forUser('t1', 'u1');
    return fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        value: [
          { subscriptionId: inbox!.subscriptionId, clientState: inbox!.clientState, changeType: 'created' },
        ],
      }),
    });
  };

  it('answers 202 only once the job is queued', async () => {
    const events: string[] = [];
    send = async () => {
      await new Promise((r) => setTimeout(r, 200));
      events.push('queued');
    };
    const res = await notify();
    events.push(`answered ${res.status}`);
    assert.deepEqual(events, ['queued', 'answered 202']);
  });

  it('answers 503 when the queue fails, so that Graph delivers it again', async () => {
    send = async () => {
      throw new Error('Azure Storage is unavailable');
    };
    assert.equal((await notify()).status, 503);
  });

  it("answers 202 before Graph's deadline when the queue is slow, and still queues the job", async () => {
    const events: string[] = [];
    let release!: () => void;
    send = () =>
      new Promise<void>((resolve) => {
        release = () => {
          events.push('queued');
          resolve();
        };
      });
    const res = await notify();
    events.push(`answered ${res.status}`);
    release();
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(events, ['answered 202', 'queued'], 'answered within the deadline, queued after');
  });

  it('does not drop a notification of ours that arrives before its subscription is recorded', async () => {
    send = async () => {};
    const [inbox] = await registry.forUser('t1', 'u1');
    await registry.forget(inbox!.subscriptionId); // as if Graph notified before the record was written
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        value: [
          {
            subscriptionId: inbox!.subscriptionId,
            clientState: inbox!.clientState,
            changeType: 'created',
            resource: 'Users/u1/Messages/AAMk9',
            tenantId: 't1',
          },
        ],
      }),
    });
    assert.equal(res.status, 202);
    assert.deepEqual(unrecorded, [{ tenantId: 't1', userId: 'u1' }], 'the mailbox the clientState signs');
  });
});
