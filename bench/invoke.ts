import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDirectoryFixture } from '../bot/crm/directory-seed.ts';
import { ALL_CONTAINERS } from '../bot/store/containers.ts';
import { SqliteStore } from '../bot/store/sqlite-store.ts';
import { SyncSettingsRepository } from '../bot/sync/sync-settings.ts';
import { freePort } from '../test/support/free-port.ts';
import { latencyStats, startProcess, waitForHttp } from './bench-support.ts';

/**
 * Invoke latency: 50 users at once, each opening "Sync to CRM" on a message (fetchTask) and
 * submitting it (submitAction), against the app in sandbox mode (its own process, the sandbox in
 * another). Target on a 2-core machine: p99 <= 300 ms for each.
 */

const USERS = Number(process.env.BENCH_USERS || 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 20);

export async function invoke(): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-sync-invoke-'));
  const tenantId = readDirectoryFixture().tenantId;
  const users = Array.from(
    { length: USERS },
    (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  );
  const store = new SqliteStore({ path: join(dataDir, 'crm-sync.db'), purgeIntervalMs: 0 });
  await store.init(ALL_CONTAINERS);
  const settings = new SyncSettingsRepository(store);
  for (const user of users) await settings.save(tenantId, user, { enabledAt: new Date().toISOString() });
  await store.close();

  const [sandboxPort, appPort] = [await freePort(), await freePort()];
  const children: ChildProcess[] = [];
  try {
    children.push(
      (
        await startProcess(
          'bot/sandbox/sandbox-main.ts',
          { SANDBOX_PORT: String(sandboxPort) },
          /sandbox listening/,
        )
      ).child,
    );
    children.push(
      (
        await startProcess(
          'bot/main.ts',
          { PORT: String(appPort), DATA_DIR: dataDir, SANDBOX_PORT: String(sandboxPort), LOG_LEVEL: 'warn' },
          /./,
        )
      ).child,
    );
    await waitForHttp(`http://127.0.0.1:${appPort}/healthz`, 'the app');
    const endpoint = `http://127.0.0.1:${appPort}/api/messages`;
    const activity = (user: string, name: string, value: Record<string, unknown>) => ({
      type: 'invoke',
      name,
      id: crypto.randomUUID(),
      channelId: 'msteams',
      serviceUrl: 'http://127.0.0.1:9/',
      from: { id: `29:${user}`, aadObjectId: user },
      recipient: { id: '28:crm-sync-local-bot' },
      conversation: { id: `a:${user}`, tenantId, conversationType: 'personal' },
      channelData: { tenant: { id: tenantId } },
      value,
    });
    const payload = (i: number) => ({
      id: `bench-${i}`,
      subject: 'FW: candidate',
      createdDateTime: new Date().toISOString(),
      body: {
        contentType: 'html',
        content: `<p>From victor.dubois@fabrikam.com and jordan.${i}@example.com</p>`,
      },
      from: { user: { id: '8a1d2c3b-4e5f-4a6b-9c7d-2e3f4a5b6c7d', displayName: 'Sam Patel' } },
    });
    const timed = async (body: unknown): Promise<number> => {
      const started = performance.now();
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      if (response.status !== 200 || !text.includes('"task"'))
        throw new Error(`invoke answered ${response.status}: ${text.slice(0, 200)}`);
      return performance.now() - started;
    };
    // Warm-up: one round per user, not measured (first requests compile code paths and fill caches).
    await Promise.all(
      users.map((user, i) =>
        timed(
          activity(user, 'composeExtension/fetchTask', {
            commandId: 'syncToCrm',
            commandContext: 'message',
            messagePayload: payload(i),
          }),
        ),
      ),
    );

    const fetchTask: number[] = [];
    const submitAction: number[] = [];
    process.stderr.write(`invoke: ${USERS} users x ${ROUNDS} rounds of fetchTask + submitAction\n`);
    const started = performance.now();
    await Promise.all(
      users.map(async (user, u) => {
        for (let round = 0; round < ROUNDS; round++) {
          const messagePayload = payload(u * ROUNDS + round);
          fetchTask.push(
            await timed(
              activity(user, 'composeExtension/fetchTask', {
                commandId: 'syncToCrm',
                commandContext: 'message',
                messagePayload,
              }),
            ),
          );
          submitAction.push(
            await timed(
              activity(user, 'composeExtension/submitAction', {
                commandId: 'syncToCrm',
                commandContext: 'message',
                messagePayload,
                data: { action: 'sync', 'record:candidate-081': 'true', 'record:contact-005': 'true' },
              }),
            ),
          );
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const f = latencyStats(fetchTask);
    const s = latencyStats(submitAction);
    return {
      users: USERS,
      rounds: ROUNDS,
      requestsPerSecond: Math.round((fetchTask.length + submitAction.length) / seconds),
      fetchTaskMs: f,
      submitActionMs: s,
      targets: { fetchTaskP99: f.p99 <= 300, submitActionP99: s.p99 <= 300 },
    };
  } finally {
    for (const child of children) child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
