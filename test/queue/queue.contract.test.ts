import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { QueueServiceClient } from '@azure/storage-queue';
import { AppError } from '../../bot/errors/app-error.ts';
import type { JobQueue } from '../../bot/queue/queue.port.ts';
import { StorageQueue } from '../../bot/queue/storage-queue.ts';
import { StoreQueue } from '../../bot/queue/store-queue.ts';
import { ALL_CONTAINERS } from '../../bot/store/containers.ts';
import { SqliteStore } from '../../bot/store/sqlite-store.ts';
import { startAzurite } from '../support/azurite.ts';

interface Job {
  kind: string;
  n: number;
}

const adapters: Array<{
  name: string;
  start: () => Promise<{ queue: () => JobQueue<Job>; stop: () => Promise<void> }>;
}> = [
  {
    name: 'embedded (in the SQLite store)',
    start: async () => {
      const store = new SqliteStore({ path: ':memory:', purgeIntervalMs: 0 });
      await store.init(ALL_CONTAINERS);
      return {
        queue: () => new StoreQueue<Job>(store, `jobs-${randomUUID().slice(0, 8)}`),
        stop: () => store.close(),
      };
    },
  },
  {
    name: 'Azure Storage queues (the real SDK against Azurite)',
    start: async () => {
      const azurite = await startAzurite();
      const service = QueueServiceClient.fromConnectionString(azurite.connectionString);
      return {
        queue: () => new StorageQueue<Job>(service, `jobs-${randomUUID().slice(0, 8)}`),
        stop: azurite.stop,
      };
    },
  },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const adapter of adapters) {
  describe(`queue contract: ${adapter.name}`, function () {
    this.timeout(30_000);
    let h: Awaited<ReturnType<(typeof adapter)['start']>>;
    let queue: JobQueue<Job>;
    before(async () => {
      h = await adapter.start();
    });
    after(() => h?.stop());
    beforeEach(async () => {
      queue = h.queue();
      await queue.init();
    });

    it('delivers a message once it is sent, and not again once it is completed', async () => {
      await queue.send({ kind: 'sync', n: 1 });
      const [message] = await queue.receive({ max: 5, visibilitySeconds: 30 });
      assert.deepEqual(message?.body, { kind: 'sync', n: 1 });
      assert.equal(message?.dequeueCount, 1);
      await queue.complete(message!);
      assert.deepEqual(await queue.receive({ max: 5, visibilitySeconds: 30 }), []);
    });

    it('hands an unfinished message out again after its visibility timeout (at least once)', async () => {
      await queue.send({ kind: 'sync', n: 2 });
      const [first] = await queue.receive({ max: 1, visibilitySeconds: 1 });
      assert.deepEqual(await queue.receive({ max: 1, visibilitySeconds: 1 }), [], 'hidden while held');
      await sleep(1_300);
      const [again] = await queue.receive({ max: 1, visibilitySeconds: 30 });
      assert.equal(again?.id, first?.id);
      assert.equal(again?.dequeueCount, 2);
      await assert.rejects(queue.complete(first!), (e) => AppError.is(e, 'queue.receipt_expired'));
      await queue.complete(again!);
    });

    it('keeps a delayed message back until its delay has passed', async () => {
      await queue.send({ kind: 'later', n: 3 }, { delaySeconds: 1 });
      assert.deepEqual(await queue.receive({ max: 1, visibilitySeconds: 30 }), []);
      await sleep(1_300);
      const [message] = await queue.receive({ max: 1, visibilitySeconds: 30 });
      assert.equal(message?.body.kind, 'later');
    });

    it('gives each message to one of several competing receivers', async () => {
      for (let n = 0; n < 20; n++) await queue.send({ kind: 'sync', n });
      const batches = await Promise.all(
        [1, 2, 3].map(() => queue.receive({ max: 10, visibilitySeconds: 30 })),
      );
      const ids = batches.flat().map((m) => m.body.n);
      assert.equal(new Set(ids).size, ids.length, 'no message handed out twice');
      const rest = await queue.receive({ max: 32, visibilitySeconds: 30 });
      assert.deepEqual(
        [...ids, ...rest.map((m) => m.body.n)].sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i),
      );
    });

    it('extends a held message, after which only the new receipt completes it', async () => {
      await queue.send({ kind: 'long', n: 4 });
      const [held] = await queue.receive({ max: 1, visibilitySeconds: 1 });
      const extended = await queue.extend(held!, 30);
      await sleep(1_300);
      assert.deepEqual(await queue.receive({ max: 1, visibilitySeconds: 30 }), [], 'still hidden');
      await assert.rejects(queue.complete(held!), (e) => AppError.is(e, 'queue.receipt_expired'));
      await queue.complete(extended);
    });

    it('releases a message for an immediate retry', async () => {
      await queue.send({ kind: 'retry', n: 5 });
      const [held] = await queue.receive({ max: 1, visibilitySeconds: 30 });
      await queue.release(held!);
      const [again] = await queue.receive({ max: 1, visibilitySeconds: 30 });
      assert.equal(again?.body.n, 5);
      assert.equal(again?.dequeueCount, 2);
    });

    it('moves a message that keeps failing to the poison queue with the reason, never dropping it', async () => {
      await queue.send({ kind: 'bad', n: 6 });
      const [held] = await queue.receive({ max: 1, visibilitySeconds: 30 });
      await queue.poison(held!, 'failed 5 times: Graph answered 403');
      assert.deepEqual(await queue.receive({ max: 5, visibilitySeconds: 30 }), []);
      const poisoned = await queue.poisoned();
      assert.equal(poisoned.length, 1);
      assert.deepEqual(poisoned[0]?.body, { kind: 'bad', n: 6 });
      assert.equal(poisoned[0]?.reason, 'failed 5 times: Graph answered 403');
    });

    it('answers a ping while reachable', async () => {
      await queue.ping();
    });
  });
}
