import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../bot/config/config.ts';
import { createLogger } from '../../bot/logging/logger.ts';
import { type RunningApp, startApp } from '../../bot/main.ts';
import { NotificationCenter } from '../../bot/notifications/notification-center.ts';
import type { SandboxServer } from '../../bot/sandbox/sandbox-server.ts';
import { freePort } from '../support/free-port.ts';
import { Playground } from '../support/playground.ts';
import { RILEY, startSeededSandbox, type TestGraph } from '../support/sandbox.ts';

const TENANT = '7c3e1f5a-2b4d-4e6f-8a9b-0c1d2e3f4a5b';
const RILEY_ID = '4f2b8c1e-9d3a-4b5c-8e7f-1a2b3c4d5e6f';

describe('proactive notifications through the Agents Playground', function () {
  this.timeout(60_000);
  let app: RunningApp;
  let server: SandboxServer;
  let graph: TestGraph;
  let playground: Playground;
  let dataDir: string;

  before(async () => {
    const started = await startSeededSandbox();
    ({ server, graph } = started);
    dataDir = mkdtempSync(join(tmpdir(), 'crm-sync-proactive-'));
    const config = loadConfig({
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      GRAPH_BASE_URL: server.graphBaseUrl,
      LOG_LEVEL: 'silent',
    });
    app = await startApp(config, createLogger({ level: 'silent' }));
    playground = await Playground.start(`${app.url}/api/messages`);
    const since = playground.eventCount;
    await playground.install();
    await playground.nextBotMessage(since); // the welcome card, which also stores the conversation
    await app.services.syncService.turnOn({ tenantId: TENANT, userId: RILEY_ID });
  });
  after(async () => {
    await playground?.stop();
    await app?.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const add = (subject: string) =>
    graph.adminCall('POST', `/users/${RILEY}/messages`, {
      folder: 'inbox',
      message: {
        subject,
        from: { emailAddress: { name: 'Victor Dubois', address: 'victor.dubois@outlook.com' } },
        toRecipients: [{ emailAddress: { name: 'Riley', address: RILEY } }],
      },
    });

  it('tells the user about the first automatic sync after a quiet period, in their chat and the notification center', async () => {
    const since = playground.eventCount;
    const started = Date.now();
    await add('First after a quiet period');
    const card = await playground.nextBotMessage(since, 15_000);
    assert.match(JSON.stringify(card), /New email synced to your CRM/);
    assert.match(JSON.stringify(card), /1 synced/);
    assert.ok(Date.now() - started < 10_000);
    const center = await new NotificationCenter(app.store).latest(TENANT, RILEY_ID);
    assert.equal(center[0]?.title, 'New email synced to your CRM');
  });

  it('gathers later automatic syncs of the quiet period into one pending card instead of one per email', async () => {
    const since = playground.eventCount;
    for (const n of [1, 2, 3]) await add(`During the quiet period ${n}`);
    await new Promise((r) => setTimeout(r, 2_500));
    assert.ok(!playground.eventsSince(since).some((e) => e.action === 'createMessage'), 'no card per email');
    assert.equal(await app.notifier.pending(), 1, 'one digest waits for the end of the period');
  });
});
