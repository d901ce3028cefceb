import type { BuiltinCrm } from '../crm/builtin-crm.ts';
import { importFixture, type ImportPreview, previewImport } from '../crm/csv-import.ts';
import type { MailSource } from '../mail-source/mail-source.port.ts';
import type { LedgerRepository } from '../sync/ledger.ts';
import type { SyncService } from '../sync/sync-service.ts';
import { anySyncOn, type SyncSettingsRepository } from '../sync/sync-settings.ts';
import type { SyncStateRepository } from '../sync/sync-state.ts';

/**
 * What a tenant admin does in the tab: switch CRM Sync on for the organization, see the CRM
 * connection, watch every user's sync health, and import candidates and contacts from CSV.
 */

export interface UserHealth {
  userId: string;
  name: string;
  /** off: the user has not turned sync on; paused: by them or by an outage; needs_consent: Graph refused. */
  state: 'active' | 'off' | 'paused' | 'needs_consent';
  note?: string;
  lastSuccessAt?: string;
  lastRunAt?: string;
  errors: number;
  pending: number;
  synced: number;
}

export class TenantAdmin {
  private readonly deps: {
    sync: SyncService;
    settings: SyncSettingsRepository;
    state: SyncStateRepository;
    ledger: LedgerRepository;
    crm: BuiltinCrm;
    mailSource: MailSource;
  };

  constructor(deps: TenantAdmin['deps']) {
    this.deps = deps;
  }

  async overview(tenantId: string) {
    const [tenant, directory, activities] = await Promise.all([
      this.deps.sync.tenant(tenantId),
      this.deps.crm.directory(tenantId),
      this.deps.crm.countActivities(tenantId),
    ]);
    const count = (type: string) => directory.records.filter((r) => r.type === type).length;
    return {
      tenant,
      crm: {
        kind: 'builtin' as const,
        name: 'Built-in CRM',
        candidates: count('candidate'),
        contacts: count('contact'),
        companies: count('company'),
        activities,
      },
    };
  }

  async setEnabled(tenantId: string, enabled: boolean, by: string): Promise<void> {
    await this.deps.sync.setTenantEnabled(tenantId, enabled, by);
  }

  async users(tenantId: string): Promise<UserHealth[]> {
    const ids = await this.deps.settings.usersOf(tenantId);
    const health = await Promise.all(ids.map((id) => this.health(tenantId, id)));
    return health.sort((a, b) => a.name.localeCompare(b.name));
  }

  private async health(tenantId: string, userId: string): Promise<UserHealth> {
    const [stored, mailbox, counts, name] = await Promise.all([
      this.deps.settings.get(tenantId, userId),
      this.deps.state.mailbox(tenantId, userId),
      this.deps.ledger.counts(tenantId, userId),
      this.deps.mailSource.mailbox(userId).then(
        (m) => m.displayName,
        () => userId, // a mailbox Graph no longer serves still shows, by id
      ),
    ]);
    const on = stored !== undefined && anySyncOn(stored.settings);
    let state: UserHealth['state'] = on ? (stored.settings.active ? 'active' : 'paused') : 'off';
    if (on && mailbox?.status === 'needs_consent') state = 'needs_consent';
    else if (on && mailbox?.status === 'paused') state = 'paused';
    return {
      userId,
      name,
      state,
      ...(mailbox?.note && state !== 'active' ? { note: mailbox.note } : {}),
      ...(mailbox?.lastSuccessAt ? { lastSuccessAt: mailbox.lastSuccessAt } : {}),
      ...(mailbox?.lastRun ? { lastRunAt: mailbox.lastRun.finishedAt } : {}),
      errors: counts.error,
      pending: counts.pending,
      synced: counts.synced,
    };
  }

  async previewImport(tenantId: string, csv: string): Promise<ImportPreview> {
    return previewImport(csv, await this.deps.crm.directory(tenantId));
  }

  /** Imports the rows that are valid; rows with errors are left out and reported back. */
  async import(tenantId: string, csv: string) {
    const directory = await this.deps.crm.directory(tenantId);
    const preview = previewImport(csv, directory);
    if (preview.rows.length > 0)
      await this.deps.crm.importDirectory(tenantId, importFixture(preview.rows, directory));
    return {
      added: preview.rows.filter((r) => r.action === 'add').length,
      updated: preview.rows.filter((r) => r.action === 'update').length,
      skipped: new Set(preview.errors.map((e) => e.line)).size,
      errors: preview.errors,
    };
  }
}
