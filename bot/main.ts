import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CosmosClient } from '@azure/cosmos';
import { ManagedIdentityCredential } from '@azure/identity';
import express from 'express';
import { type AppConfig, ConfigError, loadConfig } from './config/config.ts';
import { httpErrorHandler } from './http/http-errors.ts';
import { createLogger, type Logger } from './logging/logger.ts';
import { ALL_CONTAINERS } from './store/containers.ts';
import { CosmosStore } from './store/cosmos-store.ts';
import { SqliteStore } from './store/sqlite-store.ts';
import type { Store } from './store/store.port.ts';
import { createTeamsApp } from './teams/teams-app.ts';

/** The composition root: the only place that picks adapters. */

export interface RunningApp {
  url: string;
  store: Store;
  close(): Promise<void>;
}

function createStore(config: AppConfig): Store {
  if (config.mode === 'sandbox') return new SqliteStore({ path: join(config.dataDir, 'crm-sync.db') });
  const credential = new ManagedIdentityCredential(config.bot.managedIdentityClientId ?? config.bot.clientId);
  return new CosmosStore({
    client: new CosmosClient({ endpoint: config.cosmos.endpoint, aadCredentials: credential }),
    database: config.cosmos.database,
    // With Entra ID, Cosmos refuses to create containers; infra/azure.bicep creates them.
    manageContainers: false,
  });
}

/** The HTTP surface: health probes, the bot endpoint and a JSON error handler. */
export async function createHttpApp(options: {
  config: AppConfig;
  logger: Logger;
  store: Store;
}): Promise<express.Application> {
  const { config, logger, store } = options;
  const server = express();
  server.disable('x-powered-by');
  server.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  server.get('/readyz', async (_req, res) => {
    try {
      await store.ping();
      res.json({ status: 'ready', store: 'ok' });
    } catch (error) {
      res.status(503).json({ status: 'not ready', store: (error as Error).message });
    }
  });
  const teams = createTeamsApp({ config, logger, server });
  await teams.initialize();
  server.use(httpErrorHandler(logger));
  return server;
}

export async function startApp(config: AppConfig, logger: Logger): Promise<RunningApp> {
  const store = createStore(config);
  await store.init(ALL_CONTAINERS);
  const server = await createHttpApp({ config, logger, store });

  const http: Server = createServer(server);
  http.listen(config.port, config.host);
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  logger.info({ mode: config.mode, url, messagingEndpoint: `${url}/api/messages` }, 'CRM Sync is listening');

  return {
    url,
    store,
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await store.close();
    },
  };
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel });
  const app = await startApp(config, logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: { message: (error as Error).message } }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    process.stderr.write(`CRM Sync failed to start: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
