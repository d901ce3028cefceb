import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { RunningApp } from '../../bot/main.ts';
import type { GraphSandbox } from '../../bot/sandbox/graph-sandbox.ts';
import { CONTAINERS } from '../../bot/store/containers.ts';
import { SqliteStore } from '../../bot/store/sqlite-store.ts';
import { userPartition } from '../../bot/store/store.port.ts';
import { type AppHarness, RILEY_ID, riley, startAppHarness, TENANT } from '../support/app-harness.ts';
import { type Azurite, startAzurite } from '../support/azurite.ts';
import type { Playground } from '../support/playground.ts';
import { RILEY, type TestGraph } from '../support/sandbox.ts';

const WORKER = join(import.meta.dirname, '..', '..', 'bot', 'worker', 'worker-main.ts');

describe('several worker processes sharing one Azure Storage queue (Azurite), one killed mid-job', function () {
  this.timeout(120_000);
  let azurite: Azurite;
  let h: AppHarness;
  let sandbox: GraphSandbox;
  let graph: TestGraph;
  let app: RunningApp;
  let playground: Playground;
  let dataDir: string;
  const workers: ChildProcess[] = [];

  before(async () => {
    azurite = await startAzurite();
    const shared = { QUEUE_CONNECTION_STRING: azurite.connectionString, WORKER_LEASE_SECONDS: '4' };
    h = await startAppHarness({ env: shared, playground: true, install: true });
    ({ app, sandbox, graph, dataDir } = h);
    playground = h.playground!;
    // Only the separate worker processes take jobs here; the app keeps its webhook and notifier.
    await app.services.worker.stop();
    await app.services.syncService.turnOn(riley);
    const stored = await app.services.settings.get(TENANT, RILEY_ID);
    // A card for every automatic sync, so each one can be counted.
    await app.services.settings.save(TENANT, RILEY_ID, {
      ...stored!.settings,
      notifications: { level: 'all', everyMinutes: 0 },
    });
    const env = {
      DATA_DIR: dataDir,
      GRAPH_BASE_URL: h.server.graphBaseUrl,
      // Subscriptions a worker makes send Graph to the app's webhook.
      PUBLIC_URL: app.url,
      LOG_LEVEL: 'silent',
      ...shared,
    };
    for (let i = 0; i < 3; i++) {
      workers.push(
        spawn(process.execPath, [WORKER], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' }),
      );
    }
    await h.subscribed(riley);
  });

  after(async () => {
    for (const worker of workers)
      if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGTERM');
    await Promise.all(
      workers.map((w) =>
        w.exitCode === null && w.signalCode === null ? new Promise((r) => w.once('exit', r)) : undefined,
      ),
    );
    await h?.stop();
    await azurite?.stop();
  });

  it('syncs every email exactly once and delivers every notification exactly once', async () => {
    const since = playground.eventCount;
    // Slow delta pages keep each job in flight long enough to kill its worker there.
    sandbox.faults.add({ route: 'delta', latencyMs: 400 });
    const ids: string[] = [];
    for (let batch = 0; batch < 4; batch++) {
      for (let n = 0; n < 3; n++) {
        const added = await graph.adminCall('POST', `/users/${RILEY}/messages`, {
          folder: batch % 2 ? 'inbox' : 'sentitems',
          message: {
            subject: `Batch ${batch} message ${n}`,
            from:
              batch % 2
                ? { emailAddress: { name: 'Victor', address: 'victor.dubois@outlook.com' } }
                : { emailAddress: { name: 'Riley', address: RILEY } },
            toRecipients: [
              batch % 2
                ? { emailAddress: { name: 'Riley', address: RILEY } }
                : { emailAddress: { name: 'Victor', address: 'victor.dubois@outlook.com' } },
            ],
          },
        });
        ids.push(String(added.id));
      }
      await new Promise((r) => setTimeout(r, 300));
    }

    // Find a worker process in the middle of a job (it holds the mailbox lease) and kill it.
    const watcher = new SqliteStore({ path: join(dataDir, 'crm-sync.db'), purgeIntervalMs: 0 });
    await watcher.init([CONTAINERS.syncState]);
    const leases = watcher.collection<{ id: string; pk: string; owner: string; expiresAt: number }>(
      CONTAINERS.syncState,
    );
    let killed: number | undefined;
    const deadline = Date.now() + 20_000;
    while (killed === undefined && Date.now() < deadline) {
      const lease = (await leases.read(userPartition(TENANT, RILEY_ID), 'lease'))?.value;
      const pid = lease && lease.expiresAt > Date.now() ? Number(lease.owner.split(':')[1]) : undefined;
      const victim = workers.find((w) => w.pid === pid && w.exitCode === null);
      if (victim) {
        victim.kill('SIGKILL');
        killed = victim.pid;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    await watcher.close();
    assert.ok(killed, 'a worker was caught mid-job and killed');
    sandbox.faults.clear();

    // Everything still arrives: the killed worker's job comes back once its lease and visibility run out.
    const until = Date.now() + 60_000;
    for (;;) {
      const entries = await Promise.all(ids.map((id) => app.services.ledger.get(TENANT, RILEY_ID, id)));
      if (entries.every((e) => e?.status === 'synced')) break;
      if (Date.now() > until)
        throw new Error(`not synced: ${entries.filter((e) => e?.status !== 'synced').length}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const activities = (await app.services.crm.listActivities(TENANT)).filter((a) =>
      ids.includes(a.messageId),
    );
    assert.equal(activities.length, ids.length, 'one activity per email');
    assert.equal(new Set(activities.map((a) => a.messageKey)).size, ids.length);
    const ledger = (await app.services.ledger.all(TENANT, RILEY_ID)).filter((e) => ids.includes(e.messageId));
    assert.equal(ledger.length, ids.length, 'one ledger entry per email');

    // Every notification queued is delivered, and each arrives once.
    const drained = Date.now() + 20_000;
    while ((await app.notifier.pending()) > 0 && Date.now() < drained)
      await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await app.notifier.pending(), 0);
    const cards = playground.eventsSince(since).filter((e) => e.action === 'createMessage');
    assert.ok(app.notifier.stats.sent > 0, 'notifications were sent');
    assert.equal(cards.length, app.notifier.stats.sent, 'each notification arrived exactly once');
  });
});
