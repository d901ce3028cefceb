import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_TENANT, BENCH_USER } from '../../bench/generate.ts';
import { clientCredentialsToken } from '../../bot/mail-source/client-credentials.ts';
import { PEER_CLIENT_ID, peerStrategy } from '../../bench/mail-strategies.ts';
import { startSandbox } from '../../bench/backfill.ts';
import { seedRealisticMailbox } from '../../bench/realistic-mail.ts';
import { MAILBOX_WINDOW_MS } from '../../bot/sandbox/exchange-limits.ts';
import { GraphSandbox } from '../../bot/sandbox/graph-sandbox.ts';
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
    // A budget of 100 requests a window: the folders (2), a page of ids a folder and 250 GETs need three windows.
    const sandbox = new GraphSandbox({
      model,
      tenantId: BENCH_TENANT,
      requestsPerWindow: 100,
      budgetNow: () => Date.now() + skewMs,
    });
    // One GET fails with 503 and no Retry-After: the peer backs off for real, and that is no budget wait.
    sandbox.faults.add({ route: 'message', status: 503, times: 1 });
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
      assert.equal(peer.sampled, 250);
      assert.deepEqual(
        [...sandbox.budgetCounts.keys()],
        [PEER_CLIENT_ID],
        'the peer is an app of its own, with its own budget',
      );
      assert.equal(sandbox.budgetCounts.get(PEER_CLIENT_ID)?.refused, sandbox.throttled);
      assert.equal(
        sandbox.batchedRequests,
        2 + 250 + sandbox.throttled + 1,
        'each refused or failed GET was sent again',
      );
      assert.equal(sandbox.faults.injected, 1);
      assert.ok(sandbox.throttled > 0);
      assert.equal(peer.retryAfterWaits, 2, 'one wait for each window it ran out of');
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

  it('steers the benchmark sandbox over IPC: each call gets its own answer, latency and the budget clock apply, a dead sandbox fails the calls', async () => {
    const sandbox = await startSandbox({
      BENCH_MAIL: 'realistic',
      BENCH_MESSAGES: '20',
      BENCH_RECORDS: '10',
    });
    try {
      const answers = await Promise.all([
        sandbox.control({ advanceBudgetMs: 1_000 }),
        sandbox.control({ latencyMs: 1_000 }),
        sandbox.control({ advanceBudgetMs: 2_000 }),
      ]);
      assert.deepEqual(
        answers.map((a) => a.id),
        [...new Set(answers.map((a) => a.id))],
        'one answer a call',
      );
      assert.deepEqual(
        answers.map((a) => a.budgetSkewMs),
        [1_000, 1_000, 3_000],
        "each answer is its own call's",
      );
      const token = clientCredentialsToken({
        tokenUrl: `${new URL(sandbox.url).origin}/${BENCH_TENANT}/oauth2/v2.0/token`,
        clientId: 'ipc-test-app',
        scope: 'https://graph.microsoft.com/.default',
      });
      const user = async () => {
        const authorization = `Bearer ${await token()}`;
        const started = performance.now();
        const response = await fetch(`${sandbox.url}/users/${BENCH_USER.id}`, {
          headers: { authorization },
        });
        assert.equal(response.status, 200);
        return performance.now() - started;
      };
      assert.ok((await user()) >= 990, 'every request takes the latency asked for');
      await sandbox.control({ latencyMs: 0 });
      assert.ok((await user()) < 990, 'and none once it is taken off');
      const counts = (await sandbox.control({})).budgetCounts['ipc-test-app'];
      assert.deepEqual(counts, { admitted: 2, refused: 0 });

      sandbox.child.kill('SIGKILL');
      await assert.rejects(sandbox.control({ advanceBudgetMs: 1 }), 'a call the sandbox died under');
      await assert.rejects(sandbox.control({ advanceBudgetMs: 1 }), /exited|channel/, 'a call after');
    } finally {
      sandbox.child.kill('SIGTERM');
    }
  });
});
