import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudEnvironment } from '@microsoft/teams.api';
import { loadConfig } from '../../bot/config/config.ts';
import { createLogger } from '../../bot/logging/logger.ts';
import { createHttpApp } from '../../bot/main.ts';
import { ALL_CONTAINERS } from '../../bot/store/containers.ts';
import { SqliteStore } from '../../bot/store/sqlite-store.ts';

/** A complete, valid Azure-mode configuration (nothing is contacted: only the HTTP surface is served). */
export const AZURE_ENV = {
  CLIENT_ID: '11111111-2222-3333-4444-555555555555',
  AAD_APP_CLIENT_ID: '22222222-3333-4444-5555-666666666666',
  TENANT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  BOT_TYPE: 'UserAssignedMsi',
  MANAGED_IDENTITY_CLIENT_ID: '99999999-8888-7777-6666-555555555555',
  COSMOS_ENDPOINT: 'https://agency.documents.azure.com:443/',
  STORAGE_ACCOUNT_NAME: 'agencystorage',
  PUBLIC_URL: 'https://crm-sync.agency.example',
} satisfies Record<string, string>;

/**
 * The app's HTTP surface (bot endpoint, tab, public pages) without services, on an in-memory store,
 * on 127.0.0.1 at a free port.
 */
export async function serveHttpApp(
  env: Record<string, string>,
  options: { botCloud?: CloudEnvironment } = {},
): Promise<{ base: string; store: SqliteStore; close(): Promise<void> }> {
  const store = new SqliteStore({ path: ':memory:', purgeIntervalMs: 0 });
  await store.init(ALL_CONTAINERS);
  const { server } = await createHttpApp({
    config: loadConfig(env),
    logger: createLogger({ level: 'silent' }),
    store,
    ...options,
  });
  const http = createServer(server);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    store,
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
      await store.close().catch(() => {});
    },
  };
}
