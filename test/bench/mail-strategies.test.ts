import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_TENANT } from '../../bench/generate.ts';
import { peerStrategy } from '../../bench/mail-strategies.ts';
import { seedRealisticMailbox } from '../../bench/realistic-mail.ts';
import { GraphSandbox, MAILBOX_WINDOW_MS } from '../../bot/sandbox/graph-sandbox.ts';
import { MailboxModel } from '../../bot/sandbox/mailbox-model.ts';
import { startSandboxServer } from '../../bot/sandbox/sandbox-server.ts';
import { SqliteStore } from '../../bot/store/sqlite-store.ts';

/**
 * The backfill benchmark's ratio to the peer rests on how the peer's time is taken when the
 * mailbox budget refuses it: it waits as Retry-After says, and the wait is counted (and the
 * sandbox's budget clock moved on by it) instead of slept.
 */
describe('benchmarks: the peer strategy under the mailbox budget', function () {
  this.timeout(60_000);

  it('reads every message, waits out each refused window as Retry-After says, and counts the waits in its time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-sync-peer-'));
    const model = new MailboxModel();
    seedRealisticMailbox(model, 250, 50);
    let skewMs = 0;
    // A budget of 100 requests a window: the folders (2), one page of ids and 250 GETs need three windows.
    const sandbox = new GraphSandbox({
      model,
      tenantId: BENCH_TENANT,
      requestsPerWindow: 100,
      budgetNow: () => Date.now() + skewMs,
    });
    const server = await startSandboxServer(sandbox);
    const store = new SqliteStore({ path: join(dir, 'peer.db') });
    try {
      const peer = await peerStrategy({
        graphUrl: server.graphBaseUrl,
        store,
        advanceBudget: async (ms) => {
          skewMs += ms;
        },
      });
      assert.equal(peer.messages, 250);
      assert.equal(sandbox.batchedRequests, 2 + 250 + sandbox.throttled, 'each refused GET was sent again');
      assert.ok(sandbox.throttled > 0);
      assert.equal(peer.throttledWaits, 2, 'one wait for each window it ran out of');
      const windows = (2 * MAILBOX_WINDOW_MS) / 1000;
      assert.ok(
        peer.waitedSeconds > windows - 30 && peer.waitedSeconds <= windows,
        `${peer.waitedSeconds} s waited`,
      );
      assert.ok(Math.abs(peer.seconds - peer.withoutWaits.seconds - peer.waitedSeconds) < 1);
      assert.ok(peer.messagesPerSecond < 250 / windows, `${peer.messagesPerSecond}/s`);
      const written = await store
        .collection({ name: 'peer_activities', partitionKeyPath: '/pk' })
        .count(BENCH_TENANT);
      assert.equal(written, 250, 'one activity a message');
    } finally {
      await store.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
