import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../bot/config/config.ts';
import { createLogger } from '../../bot/logging/logger.ts';
import { createHttpApp } from '../../bot/main.ts';
import { ALL_CONTAINERS } from '../../bot/store/containers.ts';
import { SqliteStore } from '../../bot/store/sqlite-store.ts';

const azureEnv = {
  CLIENT_ID: '11111111-2222-3333-4444-555555555555',
  AAD_APP_CLIENT_ID: '22222222-3333-4444-5555-666666666666',
  TENANT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  BOT_TYPE: 'SingleTenant',
  CLIENT_SECRET: 'test-only-secret',
  COSMOS_ENDPOINT: 'https://agency.documents.azure.com:443/',
  STORAGE_ACCOUNT_NAME: 'agencystorage',
  PUBLIC_URL: 'https://crm-sync.agency.example',
};

async function serve(env: Record<string, string>) {
  const store = new SqliteStore({ path: ':memory:', purgeIntervalMs: 0 });
  await store.init(ALL_CONTAINERS);
  const { server } = await createHttpApp({
    config: loadConfig(env),
    logger: createLogger({ level: 'silent' }),
    store,
  });
  const http = createServer(server);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/messages`;
  return {
    url,
    close: async () => {
      await new Promise<void>((r) => http.close(() => r()));
      await store.close();
    },
  };
}

const activity = {
  type: 'message',
  id: '1',
  text: 'help',
  channelId: 'msteams',
  serviceUrl: 'http://127.0.0.1:9/',
  from: { id: '29:user' },
  conversation: { id: 'a:conversation' },
  recipient: { id: '28:bot' },
};

describe('bot endpoint authentication', () => {
  it('refuses activities without a Bot Framework token in Azure mode', async () => {
    const bot = await serve(azureEnv);
    try {
      const missing = await fetch(bot.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity),
      });
      assert.equal(missing.status, 401);
      const forged = await fetch(bot.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-real-token' },
        body: JSON.stringify(activity),
      });
      assert.equal(forged.status, 401);
    } finally {
      await bot.close();
    }
  });

  it('answers oversized and malformed bodies with clear errors', async () => {
    const bot = await serve({});
    try {
      const malformed = await fetch(bot.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"type":',
      });
      assert.equal(malformed.status, 400);
      assert.equal(((await malformed.json()) as { error: { code: string } }).error.code, 'invalid_json');
      const huge = await fetch(bot.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...activity, text: 'x'.repeat(2 * 1024 * 1024) }),
      });
      assert.equal(huge.status, 413);
    } finally {
      await bot.close();
    }
  });
});
