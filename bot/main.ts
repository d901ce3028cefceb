import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudEnvironment } from '@microsoft/teams.api';
import type { App } from '@microsoft/teams.apps';
import express from 'express';
import { type AppConfig, loadConfigOrExit } from './config/config.ts';
import { graphWebhook, type WebhookCounters } from './http/graph-webhook.ts';
import { httpErrorHandler } from './http/http-errors.ts';
import { createLogger, type Logger } from './logging/logger.ts';
import { createServices, prepareSandboxTenant, type Services } from './composition.ts';
import { MessageLinking } from './crm/message-linking.ts';
import type { Notifier } from './notifications/notifier.ts';
import { TeamsProactiveSender } from './teams/teams-sender.ts';
import type { Store } from './store/store.port.ts';
import { ConversationRepository } from './teams/conversation-store.ts';
import { createTeamsApp } from './teams/teams-app.ts';
import { readMailboxFixture } from './sandbox/seed.ts';
import { tabApi } from './tab/tab-api.ts';
import { FixedIdentity, isAdmin, SsoTokenAuthenticator, type TabAuthenticator } from './tab/tab-identity.ts';
import { type PaneAuth, tabStatic } from './tab/tab-static.ts';
import { publicPages } from './http/public-pages.ts';
import { outlookApi } from './outlook/outlook-api.ts';
import { sandboxOutlook } from './outlook/sandbox-outlook.ts';
import { runStartupChecks, startupChecks } from './startup-checks.ts';

/** The composition root: the only place that picks adapters. */

export interface RunningApp {
  url: string;
  store: Store;
  services: Services;
  notifier: Notifier;
  close(): Promise<void>;
}

/**
 * Who the tab's caller is: a Teams SSO token in Azure mode; in sandbox mode (never where Azure
 * settings exist: the config refuses it) the sandbox's recruiter, an admin unless ADMIN_USERS
 * names others.
 */
export function tabAuthenticator(config: AppConfig): TabAuthenticator {
  if (config.mode === 'azure') {
    return new SsoTokenAuthenticator({
      clientId: config.aadApp.clientId,
      publicHost: new URL(config.publicUrl).host,
      allowedTenants: config.allowedTenants,
      adminUsers: config.adminUsers,
    });
  }
  const fixture = readMailboxFixture();
  const me = fixture.users[0]!;
  return new FixedIdentity({
    tenantId: fixture.tenantId,
    userId: me.id,
    name: me.displayName,
    upn: me.userPrincipalName,
    isAdmin: config.adminUsers.length === 0 || isAdmin({}, me.id, config.adminUsers),
  });
}

/** The task pane's sign-in: the Entra app's API scope in Azure (nested app authentication); none in the sandbox. */
export function paneAuth(config: AppConfig): PaneAuth {
  if (config.mode === 'sandbox') return 'sandbox';
  const clientId = config.aadApp.clientId;
  return {
    clientId,
    // The Entra app is single-tenant: its users sign in at the agency's own tenant, never `common`.
    tenantId: config.bot.tenantId,
    scope: `api://${new URL(config.publicUrl).host}/${clientId}/access_as_user`,
  };
}

/** The HTTP surface: health probes, the bot endpoint, the tab and its API, and a JSON error handler. */
export async function createHttpApp(options: {
  config: AppConfig;
  logger: Logger;
  store: Store;
  services?: Services;
  /** Tests put an SSO authenticator with a local key set here. */
  tabAuth?: TabAuthenticator;
  /** Tests put Bot Framework endpoints with a local key set here. */
  botCloud?: CloudEnvironment;
}): Promise<{ server: express.Application; teams: App }> {
  const { config, logger, store, services } = options;
  const server = express();
  server.disable('x-powered-by');
  // App Service's front end is the one proxy in front of the app: the client is the address it saw.
  if (config.mode === 'azure') server.set('trust proxy', 1);
  server.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Anyone can reach this (App Service's health check has no credentials), so it says only whether
  // each dependency answers: the reason goes to the log, and the webhook's counters are shown on
  // this machine's sandbox only (in Azure they are in the log and telemetry).
  server.get('/readyz', async (_req, res) => {
    const checks: Record<string, 'ok' | 'failing'> = {};
    const probe = async (name: string, ping: () => Promise<void>) => {
      try {
        await ping();
        checks[name] = 'ok';
      } catch (error) {
        checks[name] = 'failing';
        logger.warn(
          { dependency: name, err: { message: (error as Error).message } },
          'readiness probe failed',
        );
      }
    };
    await probe('store', () => store.ping());
    if (services) await probe('queue', () => services.queue.ping());
    const ready = Object.values(checks).every((v) => v === 'ok');
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not ready',
      ...checks,
      ...(config.mode === 'sandbox' && counters ? { changeNotifications: counters } : {}),
    });
  });
  let counters: WebhookCounters | undefined;
  if (services) {
    const webhook = graphWebhook({
      registry: services.subscriptions,
      queue: services.queue,
      logger: logger.child({ component: 'graph-webhook' }),
      onQueued: () => services.worker.wake(),
      onUnrecorded: async (user) => {
        const access = await services.syncService.access(user);
        if (!access.allowed || !access.settings.active) return false;
        await services.queue.send({ kind: 'mailbox', ...user, mode: 'automatic', trigger: 'notified' });
        return true;
      },
    });
    counters = webhook.counters;
    server.use('/api/graph', webhook.router);
    // One authenticator for both clients of the user API: the tab and the Outlook add-in.
    const auth = options.tabAuth ?? tabAuthenticator(config);
    server.use(
      '/api/tab',
      tabApi({
        auth,
        sync: services.syncService,
        progress: services.progress,
        crm: services.crm,
        mailSync: services.mailSync,
        notifications: services.notifications,
        admin: services.admin,
        capture: services.capture,
        skills: services.skills,
        mode: config.mode,
        logger: logger.child({ component: 'tab-api' }),
      }),
    );
    server.use(
      '/api/outlook',
      outlookApi({
        auth,
        mailSync: services.mailSync,
        crm: services.crm,
        capture: services.capture,
        tenantEnabled: (tenantId) => services.syncService.tenantEnabled(tenantId),
      }),
    );
    // The local Outlook page exists in sandbox mode only, like the sandbox it reads.
    if (config.mode === 'sandbox') {
      server.use(
        '/sandbox/outlook',
        sandboxOutlook({ auth, mailSync: services.mailSync, graph: services.graph }),
      );
    }
  }
  server.use('/tab', tabStatic({ pane: paneAuth(config) }));
  server.use(publicPages());
  const teams = createTeamsApp({
    config,
    logger,
    server,
    ...(options.botCloud ? { cloud: options.botCloud } : {}),
    ...(services
      ? {
          sync: services.syncService,
          conversations: new ConversationRepository(store),
          linking: new MessageLinking(services.crm),
          capture: {
            service: services.capture,
            openFile: (userId: string, url: string) => services.files.open(userId, url),
            addressesOf: async (aadObjectId: string) =>
              (await services.mailSource.mailbox(aadObjectId)).addresses,
          },
          notifications: services.notifications,
          settingsUrl: services.links.settings(),
          emailsUrl: services.links.emails,
          senderAddress: async (aadObjectId: string) =>
            (await services.mailSource.mailbox(aadObjectId)).addresses[0],
        }
      : {}),
  });
  await teams.initialize();
  server.use(httpErrorHandler(logger));
  return { server, teams };
}

export async function startApp(
  config: AppConfig,
  logger: Logger,
  options: {
    tabAuth?: TabAuthenticator;
    /** The store to use instead of the configured one (the soak test wraps it to inject faults). */
    store?: Store;
  } = {},
): Promise<RunningApp> {
  const services = await createServices(config, logger, options.store ? { store: options.store } : {});
  const { store } = services;
  if (config.mode === 'azure') {
    try {
      await runStartupChecks(startupChecks(services));
    } catch (error) {
      await services.close();
      throw error;
    }
  }
  if (config.mode === 'sandbox') {
    // The sandbox tenant's admin has enabled the app; each user still turns sync on for themselves.
    await prepareSandboxTenant(services, logger);
  }
  const { server, teams } = await createHttpApp({
    config,
    logger,
    store,
    services,
    ...(options.tabAuth ? { tabAuth: options.tabAuth } : {}),
  });
  const notifier = services.notifier;
  // On one machine the worker, scheduler and notifier run in the app's process; `npm run worker` adds workers.
  services.worker.start();
  services.scheduler.start();
  notifier.start(new TeamsProactiveSender(teams));

  const http: Server = createServer(server);
  http.listen(config.port, config.host);
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  logger.info({ mode: config.mode, url, messagingEndpoint: `${url}/api/messages` }, 'CRM Sync is listening');

  return {
    url,
    store,
    services,
    notifier,
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await services.close();
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  // Loaded only when used: OpenTelemetry costs about a second and 100 MB at start-up.
  const telemetry =
    config.mode === 'azure' && config.appInsightsConnectionString
      ? await import('./logging/azure-monitor.ts')
      : undefined;
  const logger = createLogger({
    level: config.logLevel,
    ...(telemetry ? { also: telemetry.logSink() } : {}),
  });
  const app = await startApp(config, logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    app
      .close()
      .then(() => telemetry?.stopTelemetry())
      .then(
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
