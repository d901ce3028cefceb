import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../bot/config/config.ts';
import { createLogger } from '../bot/logging/logger.ts';
import { startApp } from '../bot/main.ts';
import type { LedgerEntry } from '../bot/sync/ledger.ts';
import { freePort } from '../test/support/free-port.ts';
import { Playground } from '../test/support/playground.ts';
import { startSeededSandbox } from '../test/support/sandbox.ts';

/**
 * Notification latency, with sync on: 1,000 emails arrive in the sandbox mailbox one by one; for
 * each, the time from the sandbox posting its change notification to the email being in the CRM
 * (its ledger entry written as synced, which happens right after the activity). And, after a quiet
 * period, the time from the first email to its notification card arriving in the Agents Playground.
 * Targets on a 2-core machine: activity p95 <= 1 s; that first card within 2 s.
 */

const EMAILS = Number(process.env.BENCH_EMAILS || 1000);
const GAP_MS = Number(process.env.BENCH_GAP_MS || 20);
const TENANT = '7c3e1f5a-2b4d-4e6f-8a9b-0c1d2e3f4a5b';
const RILEY_ID = '4f2b8c1e-9d3a-4b5c-8e7f-1a2b3c4d5e6f';

function percentile(sorted: number[], p: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0);
}

export async function notifyLatency(): Promise<Record<string, unknown>> {
  const { server, sandbox } = await startSeededSandbox();
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-sync-notify-bench-'));
  const app = await startApp(
    loadConfig({
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      GRAPH_BASE_URL: server.graphBaseUrl,
      LOG_LEVEL: 'silent',
    }),
    createLogger({ level: 'silent' }),
  );
  const playground = await Playground.start(`${app.url}/api/messages`);
  try {
    let since = playground.eventCount;
    await playground.install();
    await playground.nextBotMessage(since);
    await app.services.syncService.turnOn({ tenantId: TENANT, userId: RILEY_ID });

    // When the sandbox raises a change (and posts its notification), and when the email is synced.
    const notifiedAt = new Map<string, number>();
    const syncedAt = new Map<string, number>();
    sandbox.model.onChange((change) => {
      if (change.changeType === 'created' && !notifiedAt.has(change.message.immutableId))
        notifiedAt.set(change.message.immutableId, performance.now());
    });
    const putMany = app.services.ledger.putMany.bind(app.services.ledger);
    app.services.ledger.putMany = async (entries: readonly LedgerEntry[]) => {
      await putMany(entries);
      const now = performance.now();
      for (const e of entries)
        if (e.status === 'synced' && !syncedAt.has(e.messageId)) syncedAt.set(e.messageId, now);
    };
    const inbox = sandbox.model.wellKnown(RILEY_ID, 'inbox')!.id;
    const add = (n: number) =>
      sandbox.model.addMessage(RILEY_ID, inbox, {
        subject: `Latency ${n}`,
        from: { emailAddress: { name: 'Victor Dubois', address: 'victor.dubois@outlook.com' } },
        toRecipients: [{ emailAddress: { name: 'Riley', address: 'riley.morgan@northwindstaffing.com' } }],
        body: { contentType: 'text', content: 'Following up on the role.' },
      }).immutableId;

    // First email after a quiet period: how soon its card is in the user's chat.
    since = playground.eventCount;
    const firstAt = performance.now();
    add(-1);
    await playground.nextBotMessage(since, 30_000);
    const firstCardMs = Math.round(performance.now() - firstAt);

    process.stderr.write(`notify-latency: ${EMAILS} emails, one every ${GAP_MS} ms\n`);
    const ids: string[] = [];
    for (let n = 0; n < EMAILS; n++) {
      ids.push(add(n));
      await new Promise((r) => setTimeout(r, GAP_MS));
    }
    const deadline = Date.now() + 120_000;
    while (ids.some((id) => !syncedAt.has(id)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const latencies = ids
      .filter((id) => syncedAt.has(id))
      .map((id) => (syncedAt.get(id) as number) - (notifiedAt.get(id) as number));
    const sorted = [...latencies].sort((a, b) => a - b);
    const activities = (await app.services.crm.listActivities(TENANT)).filter((a) =>
      ids.includes(a.messageId),
    );
    const result = {
      emails: EMAILS,
      synced: latencies.length,
      activityMs: { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: percentile(sorted, 100) },
      firstCardMs,
      duplicates: activities.length - new Set(activities.map((a) => a.messageKey)).size,
    };
    return {
      ...result,
      targets: {
        activityP95: result.activityMs.p95 <= 1_000,
        firstCard: firstCardMs <= 2_000,
        allSynced: result.synced === EMAILS,
        duplicates: result.duplicates === 0,
      },
    };
  } finally {
    await playground.stop();
    await app.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
