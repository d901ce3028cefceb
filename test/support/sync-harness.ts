import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Services, createServices } from '../../bot/composition.ts';
import { loadConfig } from '../../bot/config/config.ts';
import type { ActivityDoc } from '../../bot/crm/builtin-crm.ts';
import { FileAttachmentStore } from '../../bot/crm/file-attachment-store.ts';
import { readDirectoryFixture } from '../../bot/crm/directory-seed.ts';
import { createLogger } from '../../bot/logging/logger.ts';
import { ALL_CONTAINERS } from '../../bot/store/containers.ts';
import { SqliteStore } from '../../bot/store/sqlite-store.ts';
import type { SyncSettingsInput } from '../../bot/sync/sync-settings.ts';
import type { UserRef } from '../../bot/sync/mail-sync.ts';
import { RILEY, SAM, startSeededSandbox, type TestGraph } from './sandbox.ts';

/** Retries that honour Retry-After but do not make tests wait for real backoff. */
export const FAST_RETRY = { maxRetries: 4, baseDelayMs: 1, maxDelayMs: 20 };

export interface SyncHarness {
  graph: TestGraph;
  sandbox: Awaited<ReturnType<typeof startSeededSandbox>>['sandbox'];
  services: Services;
  store: SqliteStore;
  /** Where the CRM keeps attachment bytes. */
  attachments: FileAttachmentStore;
  riley: UserRef;
  sam: UserRef;
  tenantId: string;
  /** Another set of services over the same store and sandbox (another process, another CRM limit). */
  reopen(overrides?: { maxActivityBytes?: number }): Promise<Services>;
  enable(user: UserRef, settings?: Partial<SyncSettingsInput>): Promise<void>;
  activities(): Promise<ActivityDoc[]>;
  stop(): Promise<void>;
}

export async function startSyncHarness(options: { maxActivityBytes?: number } = {}): Promise<SyncHarness> {
  const started = await startSeededSandbox();
  const dir = mkdtempSync(join(tmpdir(), 'crm-sync-test-'));
  const store = new SqliteStore({ path: ':memory:', purgeIntervalMs: 0 });
  await store.init(ALL_CONTAINERS);
  const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
  const logger = createLogger({ level: 'silent' });
  const attachments = new FileAttachmentStore(join(dir, 'attachments'));
  const open = (maxActivityBytes?: number) =>
    createServices(config, logger, {
      store,
      attachments,
      graphBaseUrl: started.server.graphBaseUrl,
      retry: FAST_RETRY,
      ...(maxActivityBytes ? { maxActivityBytes } : {}),
    });
  const services = await open(options.maxActivityBytes);
  const directory = readDirectoryFixture();
  await services.crm.importDirectory(directory.tenantId, directory);
  await services.syncService.setTenantEnabled(directory.tenantId, true, 'test');
  const userRef = async (upn: string) => ({
    tenantId: directory.tenantId,
    userId: (await services.mailSource.mailbox(upn)).id,
  });
  return {
    graph: started.graph,
    sandbox: started.sandbox,
    services,
    store,
    attachments,
    tenantId: directory.tenantId,
    riley: await userRef(RILEY),
    sam: await userRef(SAM),
    reopen: (overrides = {}) => open(overrides.maxActivityBytes),
    enable: async (user, settings = {}) => {
      await services.settings.save(user.tenantId, user.userId, {
        enabledAt: '2020-01-01T00:00:00.000Z',
        ...settings,
      });
    },
    activities: () => services.crm.listActivities(directory.tenantId),
    stop: async () => {
      await started.server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
