import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../bot/config/config.ts';
import { createLogger } from '../../bot/logging/logger.ts';
import { type RunningApp, startApp } from '../../bot/main.ts';
import type { GraphSandbox } from '../../bot/sandbox/graph-sandbox.ts';
import type { SandboxServer } from '../../bot/sandbox/sandbox-server.ts';
import { freePort } from './free-port.ts';
import type { TabAuthenticator } from '../../bot/tab/tab-identity.ts';
import { Playground } from './playground.ts';
import { startSeededSandbox, type TestGraph } from './sandbox.ts';

/** The sandbox tenant and recruiter of the seed data and of `.m365agentsplayground.yml`. */
export const TENANT = '7c3e1f5a-2b4d-4e6f-8a9b-0c1d2e3f4a5b';
export const RILEY_ID = '4f2b8c1e-9d3a-4b5c-8e7f-1a2b3c4d5e6f';
export const riley = { tenantId: TENANT, userId: RILEY_ID };

export interface AppHarness {
  app: RunningApp;
  server: SandboxServer;
  sandbox: GraphSandbox;
  graph: TestGraph;
  dataDir: string;
  /** Present when started with `playground: true`. */
  playground?: Playground;
  /**
   * Resolves once the user's change-notification subscriptions match their settings: the worker
   * makes them in the background after sync is turned on or resumed (Graph validates each).
   */
  subscribed(user: { tenantId: string; userId: string }, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole product in sandbox mode for an end-to-end test: the seeded Microsoft 365 sandbox, the app
 * (bot, worker, scheduler, notifier) on a free port, and optionally the Agents Playground with the app
 * installed, so the conversation is known for proactive messages.
 */
export async function startAppHarness(
  options: {
    env?: Record<string, string>;
    playground?: boolean;
    install?: boolean;
    /** The tab's authenticator, e.g. SSO tokens against a local key set (test/support/sso.ts). */
    tabAuth?: TabAuthenticator;
  } = {},
): Promise<AppHarness> {
  const { server, sandbox, graph } = await startSeededSandbox();
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-sync-e2e-'));
  const config = loadConfig({
    PORT: String(await freePort()),
    DATA_DIR: dataDir,
    GRAPH_BASE_URL: server.graphBaseUrl,
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const app = await startApp(
    config,
    createLogger({ level: 'silent' }),
    options.tabAuth ? { tabAuth: options.tabAuth } : {},
  );
  const playground = options.playground ? await Playground.start(`${app.url}/api/messages`) : undefined;
  if (playground && options.install) {
    const since = playground.eventCount;
    await playground.install();
    await playground.nextBotMessage(since); // the welcome card; the conversation is now stored
  }
  return {
    app,
    server,
    sandbox,
    graph,
    dataDir,
    ...(playground ? { playground } : {}),
    subscribed: async (user, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const wanted = (await app.services.subscriptionTargets(user)).sort();
        const have = (await app.services.subscriptions.forUser(user.tenantId, user.userId))
          .map((s) => s.folderId)
          .sort();
        if (JSON.stringify(have) === JSON.stringify(wanted)) return;
        if (Date.now() > deadline)
          throw new Error(`subscriptions ${have.length} of ${wanted.length} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: async () => {
      await playground?.stop();
      await app.close();
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
