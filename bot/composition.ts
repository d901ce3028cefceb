import { randomUUID } from 'node:crypto';
import { GraphItemSource } from './mail-source/graph-item-source.ts';
import { targetKey } from './mail-source/subscription-targets.ts';
import { ItemSync } from './sync/item-sync.ts';
import { clientCredentialsToken } from './mail-source/client-credentials.ts';
import { join } from 'node:path';
import type * as IdentitySdk from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import type { AppConfig } from './config/config.ts';
import type { AttachmentStore } from './crm/attachment-store.port.ts';
import { BlobAttachmentStore } from './crm/blob-attachment-store.ts';
import { BuiltinCrm } from './crm/builtin-crm.ts';
import { seedSandboxDirectory } from './crm/directory-seed.ts';
import { FileAttachmentStore } from './crm/file-attachment-store.ts';
import type { Logger } from './logging/logger.ts';
import { GraphHttp, type RetryPolicy } from './mail-source/graph-http.ts';
import { GraphMailSource } from './mail-source/graph-mail-source.ts';
import { ALL_CONTAINERS, AZURE_CONTAINERS } from './store/containers.ts';
import { CosmosStore } from './store/cosmos-store.ts';
import { SqliteStore } from './store/sqlite-store.ts';
import type { Store } from './store/store.port.ts';
import { ItemLedgerRepository } from './sync/item-ledger.ts';
import { LedgerRepository } from './sync/ledger.ts';
import { TenantSwitch } from './sync/tenant-switch.ts';
import { MailSync, RESUME_AFTER_SECONDS, type UserRef } from './sync/mail-sync.ts';
import { SyncEvents } from './sync/sync-events.ts';
import { SyncService } from './sync/sync-service.ts';
import { type SyncJob, SYNC_QUEUE } from './worker/jobs.ts';
import { MailboxLeases } from './worker/mailbox-lease.ts';
import { SubscriptionRegistry } from './worker/subscription-registry.ts';
import { Scheduler } from './worker/scheduler.ts';
import { NotificationCenter } from './notifications/notification-center.ts';
import { connectNotifications, notificationCard } from './notifications/notification-events.ts';
import { runContentsReader } from './notifications/run-contents.ts';
import { Notifier } from './notifications/notifier.ts';
import { ConversationRepository } from './teams/conversation-store.ts';
import { SyncWorker } from './worker/sync-worker.ts';
import type { JobQueue } from './queue/queue.port.ts';
import { StorageQueue } from './queue/storage-queue.ts';
import { StoreQueue } from './queue/store-queue.ts';
import { SyncSettingsRepository } from './sync/sync-settings.ts';
import { SyncStateRepository } from './sync/sync-state.ts';
import { FIXES, runStartupChecks } from './startup-checks.ts';
import { RunProgress } from './sync/run-progress.ts';
import { TenantAdmin } from './admin/tenant-admin.ts';
import { CaptureService } from './capture/capture-service.ts';
import { CaptureRepository } from './capture/capture-store.ts';
import { createResumeReader } from './capture/resume-reader.ts';
import type { ResumeReader } from './capture/resume.port.ts';
import { SkillsRepository } from './capture/skills-store.ts';
import { AppError } from './errors/app-error.ts';
import { GraphFiles } from './mail-source/graph-files.ts';
import { type TabLinks, tabLinks } from './tab/tab-links.ts';

/**
 * The one place that picks adapters: sandbox mode gets the embedded store, local files for
 * attachments and the Microsoft 365 sandbox; Azure mode gets Cosmos DB and Graph with the app's
 * managed identity (or client secret).
 */

/**
 * The app's client id in the sandbox tenant (a name: the sandbox's Entra checks only that there is
 * one; its Graph keeps Exchange's budget per app, under this name).
 */
export const SANDBOX_CLIENT_ID = 'crm-sync-sandbox-app';
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
/** The audience Entra ID expects of a managed identity's token used as a federated credential. */
const FEDERATED_TOKEN_SCOPE = 'api://AzureADTokenExchange/.default';
/** The blob container for CRM attachments; the infrastructure creates it in Azure. */
export const ATTACHMENTS_CONTAINER = 'attachments';

export interface Services {
  store: Store;
  attachments: AttachmentStore;
  crm: BuiltinCrm;
  mailSource: GraphMailSource;
  /** Contacts, To Do and the calendar from Graph. */
  itemSource: GraphItemSource;
  /** The Graph client under the mail source (its retries and per-mailbox limits), for the sandbox's Outlook page. */
  graph: GraphHttp;
  ledger: LedgerRepository;
  /** Contacts, tasks and events the sync has seen. */
  itemLedger: ItemLedgerRepository;
  settings: SyncSettingsRepository;
  state: SyncStateRepository;
  events: SyncEvents;
  mailSync: MailSync;
  syncService: SyncService;
  queue: JobQueue<SyncJob>;
  leases: MailboxLeases;
  subscriptions: SubscriptionRegistry;
  /** What a user's change notifications should cover now: mail folders, contacts, the calendar. */
  subscriptionTargets(user: UserRef): Promise<string[]>;
  worker: SyncWorker;
  scheduler: Scheduler;
  /** Queues notifications from every process; the app process also delivers them. */
  notifier: Notifier;
  /** What users were told, kept 90 days: the notifier writes it, the bot and the tab read it. */
  notifications: NotificationCenter;
  /** Sync runs under way in this process, for the tab's progress bar. */
  progress: RunProgress;
  admin: TenantAdmin;
  /** CaptureME: resumes in email and Teams messages become candidates. */
  capture: CaptureService;
  /** The skills CaptureME looks for, per organization (admins edit them in the tab). */
  skills: SkillsRepository;
  /** Files shared in Teams messages, read through Graph (CaptureME's message action). */
  files: GraphFiles;
  /** The resume reader's worker threads (ended on close). */
  reader: ResumeReader;
  /** Links into the tab, for cards and notifications. */
  links: TabLinks;
  close(): Promise<void>;
}

/**
 * The Azure SDKs, loaded where they are used: a machine on the embedded store and its own queue
 * never loads them (with them, the app's modules take 37 MB more once loaded).
 */
type Identity = typeof IdentitySdk;
const azureSdk = {
  identity: () => import('@azure/identity'),
  cosmos: () => import('@azure/cosmos'),
  blob: () => import('@azure/storage-blob'),
  queue: () => import('@azure/storage-queue'),
};

function azureCredential(config: Extract<AppConfig, { mode: 'azure' }>, identity: Identity): TokenCredential {
  if (config.bot.managedIdentityClientId)
    return new identity.ManagedIdentityCredential(config.bot.managedIdentityClientId);
  return new identity.ClientSecretCredential(
    config.bot.tenantId,
    config.bot.clientId,
    config.bot.clientSecret ?? '',
  );
}

/**
 * Graph's credential: the Entra app, to which the Graph application permissions are granted (an
 * admin consents to them once). With a managed identity the app proves who it is with the
 * identity's token through a federated credential on the Entra app; otherwise with a certificate
 * or, last, a client secret.
 */
function graphCredential(config: Extract<AppConfig, { mode: 'azure' }>, sdk: Identity): TokenCredential {
  const { tenantId, managedIdentityClientId, clientSecret } = config.bot;
  const clientId = config.aadApp.clientId;
  if (managedIdentityClientId) {
    const identity = new sdk.ManagedIdentityCredential(managedIdentityClientId);
    return new sdk.ClientAssertionCredential(tenantId, clientId, async () => {
      const token = await identity.getToken(FEDERATED_TOKEN_SCOPE);
      if (!token) throw new Error('the managed identity returned no token for the federated credential');
      return token.token;
    });
  }
  if (config.aadApp.certificatePath)
    return new sdk.ClientCertificateCredential(tenantId, clientId, {
      certificatePath: config.aadApp.certificatePath,
    });
  return new sdk.ClientSecretCredential(tenantId, clientId, clientSecret ?? '');
}

async function createStore(config: AppConfig, credential: TokenCredential | undefined): Promise<Store> {
  if (config.mode === 'sandbox') return new SqliteStore({ path: join(config.dataDir, 'crm-sync.db') });
  const { CosmosClient } = await azureSdk.cosmos();
  return new CosmosStore({
    client: new CosmosClient({
      endpoint: config.cosmos.endpoint,
      aadCredentials: credential,
    }),
    database: config.cosmos.database,
    // With Entra ID, Cosmos refuses to create containers; the infrastructure creates them.
    manageContainers: false,
  });
}

export async function createServices(
  config: AppConfig,
  logger: Logger,
  overrides: {
    store?: Store;
    attachments?: AttachmentStore;
    graphBaseUrl?: string;
    appUrl?: string;
    retry?: RetryPolicy;
    maxActivityBytes?: number;
    publicUrl?: string;
  } = {},
): Promise<Services> {
  const identity = config.mode === 'azure' ? await azureSdk.identity() : undefined;
  const credential = config.mode === 'azure' ? azureCredential(config, identity!) : undefined;
  const store = overrides.store ?? (await createStore(config, credential));
  if (config.mode === 'sandbox') await store.init(ALL_CONTAINERS);
  // In Azure the first call to Cosmos DB is where a missing role or endpoint shows: say which.
  else
    await runStartupChecks([
      { name: 'Cosmos DB', fix: FIXES.cosmos, probe: () => store.init(AZURE_CONTAINERS) },
    ]);
  const attachments =
    overrides.attachments ??
    (config.mode === 'sandbox'
      ? new FileAttachmentStore(join(config.dataDir, 'attachments'))
      : new BlobAttachmentStore(
          new (await azureSdk.blob()).BlobServiceClient(
            config.storage.blobUrl,
            credential,
          ).getContainerClient(ATTACHMENTS_CONTAINER),
        ));
  const graphIdentity = config.mode === 'azure' ? graphCredential(config, identity!) : undefined;
  const graphBaseUrl = overrides.graphBaseUrl ?? config.graphBaseUrl;
  const token = graphIdentity
    ? async () => (await graphIdentity.getToken(GRAPH_SCOPE))?.token ?? ''
    : // The sandbox's Entra stand-in, by the same grant an app registration uses.
      clientCredentialsToken({
        tokenUrl: `${new URL(graphBaseUrl).origin}/${config.mode === 'sandbox' ? config.sandboxTenantId : config.bot.tenantId}/oauth2/v2.0/token`,
        clientId: SANDBOX_CLIENT_ID,
        scope: GRAPH_SCOPE,
      });
  const http = new GraphHttp({
    baseUrl: graphBaseUrl,
    token,
    ...(overrides.retry ? { retry: overrides.retry } : {}),
  });
  const mailSource = new GraphMailSource(http);
  const links = tabLinks(
    overrides.appUrl ?? config.publicUrl,
    config.mode === 'azure' ? config.teamsAppId : undefined,
  );
  const crm = new BuiltinCrm({
    store,
    attachments,
    appUrl: overrides.appUrl ?? config.publicUrl,
    recordUrl: links.record,
    ...(overrides.maxActivityBytes ? { maxActivityBytes: overrides.maxActivityBytes } : {}),
    // Cosmos DB caps a logical partition at 20 GB, the embedded store does not.
    ...(store instanceof SqliteStore ? { activityBuckets: 1 } : {}),
  });
  const ledger = new LedgerRepository(store);
  const itemLedger = new ItemLedgerRepository(store);
  const settings = new SyncSettingsRepository(store);
  const state = new SyncStateRepository(store);
  const events = new SyncEvents();
  const tenantSwitch = new TenantSwitch(store);
  const itemSource = new GraphItemSource(http);
  const items = new ItemSync({
    source: itemSource,
    crm,
    ledger: itemLedger,
    mailLedger: ledger,
    mailSource,
    state,
    events,
    logger: logger.child({ component: 'sync' }),
    now: () => new Date(),
    retryAfterSeconds: RESUME_AFTER_SECONDS,
  });
  // CaptureME's reader starts its worker threads on the first resume, not before.
  const reader = createResumeReader();
  const skills = new SkillsRepository(store);
  const captures = new CaptureRepository(store);
  // Process Later is settled by the sync, and Process Now links the email through it: each needs
  // the other, so the sync reaches CaptureME through this late-bound reference.
  const late: { capture?: CaptureService } = {};
  const mailSync = new MailSync({
    mailSource,
    items,
    captures: {
      pending: (user) => late.capture!.pending(user),
      settle: (user, doc) => late.capture!.settle(user, doc),
    },
    crm,
    ledger,
    settings,
    state,
    tenants: tenantSwitch,
    events,
    logger: logger.child({ component: 'sync' }),
  });
  const capture = new CaptureService({
    mailSource,
    reader,
    crm,
    captures,
    skills: (tenantId) => skills.get(tenantId),
    linkEmail: async (user, messageId, candidateId) => {
      const { summary } = await mailSync.syncSelected(user, messageId, 'outlook', {
        mode: 'add',
        recordIds: [candidateId],
      });
      if (summary.status !== 'completed')
        throw new AppError(
          'mail.unavailable',
          `The candidate is in the CRM, but the email could not be put on it yet (${summary.note ?? summary.status}); Process Now again puts it there.`,
        );
    },
    events,
    logger: logger.child({ component: 'capture' }),
  });
  late.capture = capture;
  const files = new GraphFiles(http);
  const queue: JobQueue<SyncJob> =
    config.mode === 'azure'
      ? new StorageQueue<SyncJob>(
          new (await azureSdk.queue()).QueueServiceClient(config.storage.queueUrl, credential),
          SYNC_QUEUE,
        )
      : config.queueConnectionString
        ? new StorageQueue<SyncJob>(
            (await azureSdk.queue()).QueueServiceClient.fromConnectionString(config.queueConnectionString),
            SYNC_QUEUE,
          )
        : new StoreQueue<SyncJob>(store, SYNC_QUEUE);
  if (config.mode === 'sandbox') await queue.init();
  else
    await runStartupChecks([
      { name: 'the job queue (Azure Storage)', fix: FIXES.queue, probe: () => queue.init() },
    ]);
  const leases = new MailboxLeases(store);
  const publicUrl = overrides.publicUrl ?? config.publicUrl;
  /**
   * What a user's change notifications should cover, while their sync is active and their
   * organization has CRM Sync on: their automatic mail folders if email sync is on, their contacts
   * and their calendar if those are (To Do has no application subscriptions: tasks follow the
   * schedule); nothing otherwise. The one rule renewal, the subscriptions job and the
   * organization's switch all follow.
   */
  const subscribedFolders = async (user: UserRef): Promise<string[]> => {
    const [stored, enabled] = await Promise.all([
      settings.get(user.tenantId, user.userId),
      tenantSwitch.enabled(user.tenantId),
    ]);
    if (!enabled || !stored || !stored.settings.active) return [];
    const targets = stored.settings.emailSync ? await mailSync.automaticFolderIds(user) : [];
    if (stored.settings.contacts.enabled) targets.push(targetKey({ kind: 'contact' }));
    if (stored.settings.calendar.enabled) targets.push(targetKey({ kind: 'event' }));
    return targets;
  };
  const subscriptionLog = logger.child({ component: 'subscriptions' });
  const subscriptions = new SubscriptionRegistry(
    store,
    mailSource,
    {
      notification: `${publicUrl}/api/graph/notifications`,
      lifecycle: `${publicUrl}/api/graph/lifecycle`,
    },
    {
      // What a user's change notifications should cover: their automatic folders while their sync
      // is on and active and their organization has CRM Sync on; nothing otherwise.
      wanted: (tenantId, userId) => subscribedFolders({ tenantId, userId }),
      onError: (subscription, error) =>
        subscriptionLog.warn(
          {
            subscriptionId: subscription.subscriptionId,
            userId: subscription.userId,
            err: { message: (error as Error).message },
          },
          'could not renew a change-notification subscription; the others go on',
        ),
    },
  );
  await subscriptions.init();
  const syncService = new SyncService(
    store,
    { mailSync, crm, ledger, itemLedger, settings, state, events },
    {
      // A user whose sync becomes active, or who changes folders, gets change notifications for
      // exactly their automatic folders: queued for the worker, as Graph's validation of each new
      // subscription takes seconds and Teams wants an answer within 5.
      onActive: async (user) => {
        await queue.send({ kind: 'subscriptions', ...user });
        worker.wake();
      },
      // The organization switched off: nobody's change notifications keep coming; switched on again:
      // those of users whose sync is on and active come back.
      onTenantSwitched: async (tenantId, enabled) => {
        for (const userId of await settings.usersOf(tenantId)) {
          await subscriptions.reconcile(
            tenantId,
            userId,
            enabled ? await subscribedFolders({ tenantId, userId }) : [],
          );
        }
      },
      exclusive: (user, work) =>
        leases.runExclusive(
          user.tenantId,
          user.userId,
          // One owner per run: leases are re-entrant for their owner, and a second Sync now must
          // find the mailbox busy rather than start a second run beside the first.
          `manual:${process.pid}:${randomUUID().slice(0, 8)}`,
          config.workerLeaseSeconds * 1000,
          work,
        ),
      queue: async (user, what, delaySeconds) => {
        await queue.send(
          'messageId' in what
            ? { kind: 'message', ...user, messageId: what.messageId }
            : { kind: 'mailbox', ...user, mode: what.mode, trigger: 'manual' },
          delaySeconds ? { delaySeconds } : {},
        );
        if (!delaySeconds) worker.wake();
      },
      setAside: async (user) =>
        (await queue.poisoned(100)).filter(
          (p) => p.body.tenantId === user.tenantId && p.body.userId === user.userId,
        ),
    },
  );
  const worker = new SyncWorker({
    queue,
    leases,
    mailSync,
    events,
    logger: logger.child({ component: 'worker' }),
    leaseSeconds: config.workerLeaseSeconds,
    reconcile: async (user) =>
      (await subscriptions.reconcile(user.tenantId, user.userId, await subscribedFolders(user))) === 0,
  });
  const notifications = new NotificationCenter(store);
  const notifier = new Notifier({
    store,
    center: notifications,
    conversations: new ConversationRepository(store),
    settings,
    render: (doc) => notificationCard(doc, links),
    contentsOf: runContentsReader(ledger, crm),
    logger: logger.child({ component: 'notifier' }),
  });
  connectNotifications(events, notifier, logger);
  const scheduler = new Scheduler({
    store,
    settings,
    queue,
    subscriptions,
    logger: logger.child({ component: 'scheduler' }),
    onQueued: () => worker.wake(),
  });
  const progress = new RunProgress(events);
  const admin = new TenantAdmin({ sync: syncService, settings, state, ledger, crm, mailSource });
  return {
    progress,
    admin,
    capture,
    skills,
    files,
    reader,
    links,
    store,
    attachments,
    crm,
    mailSource,
    graph: http,
    ledger,
    itemLedger,
    itemSource,
    settings,
    state,
    events,
    mailSync,
    syncService,
    queue,
    leases,
    subscriptions,
    subscriptionTargets: subscribedFolders,
    worker,
    scheduler,
    notifier,
    notifications,
    close: async () => {
      await reader.close();
      progress.close();
      scheduler.stop();
      await worker.stop();
      await notifier.stop();
      await store.close();
    },
  };
}

/**
 * The sandbox tenant as `npm start` has it: its CRM seeded once, and CRM Sync enabled by its admin
 * the first time (an admin who turns it off in the tab later keeps it off).
 */
export async function prepareSandboxTenant(services: Services, logger: Logger): Promise<string> {
  const tenantId = await seedSandboxDirectory(services.crm, logger);
  if ((await services.syncService.tenant(tenantId)).enabledBy === undefined) {
    await services.syncService.setTenantEnabled(tenantId, true, 'sandbox');
  }
  return tenantId;
}
