import { AppError } from '../errors/app-error.ts';
import { TENANT_DISABLED_MESSAGE, TenantSwitch } from './tenant-switch.ts';
import type { Page, Store } from '../store/store.port.ts';
import type { CrmConnector, CrmRecord } from '../crm/crm.port.ts';
import {
  counterpartOf,
  type EmailFilter,
  type LedgerCounts,
  type LedgerEntry,
  type LedgerRepository,
  type LedgerStatus,
} from './ledger.ts';
import { type LeaseHold, type MailSync, RESUME_AFTER_SECONDS, type UserRef } from './mail-sync.ts';
import type { SyncEvents } from './sync-events.ts';
import type { ItemCounts, ItemEntry, ItemLedgerRepository } from './item-ledger.ts';
import { ItemSync } from './item-sync.ts';
import type { ItemKind } from '../mail-source/item-source.port.ts';
import {
  type SyncSettings,
  type SyncSettingsInput,
  type SyncSettingsRepository,
  anySyncOn,
  scheduledNext,
  syncSettingsSchema,
} from './sync-settings.ts';
import { emptySummary, type MailboxState, type RunSummary, type SyncStateRepository } from './sync-state.ts';

/**
 * What people ask of the sync, for the bot and the tab: is it on, what happened, do it now, pause,
 * resume, what failed and try it again. One use case a method; the callers only render.
 */

export type Access =
  { allowed: true; settings: SyncSettings } | { allowed: false; reason: 'tenant_disabled' | 'sync_off' };

/**
 * What an action needs: most need the user's sync on (email, contacts, tasks or calendar); the
 * seeds' Sync Selected kind (one item the user picked: retry, associate, unmatched, turning sync
 * on) needs only the organization's switch.
 */
export type AccessNeeds = 'sync_on' | 'organization';

export interface SyncStatus {
  active: boolean;
  emailSync: boolean;
  mailbox?: MailboxState;
  counts: LedgerCounts;
  /** Contacts, tasks and calendar: whether each is on, and its ledger's counts. */
  items: Record<ItemKind, { enabled: boolean; counts: LedgerCounts }>;
  folders: string[];
  /** Filled in by the scheduler once it exists; until then nothing runs on a timer. */
  nextRun?: string;
}

function nextRunOf(settings: SyncSettings): { nextRun?: string } {
  const next = scheduledNext(settings, new Date());
  return next === null ? {} : { nextRun: new Date(next).toISOString() };
}

/** What the sync service asks of the background machinery, which the composition root wires in. */
export interface SyncServiceHooks {
  /** The organization's switch changed (change notifications stop or resume). */
  onTenantSwitched?: (tenantId: string, enabled: boolean) => Promise<void>;
  /** Called when a user's sync becomes active (turned on, resumed): the worker subscribes to their folders. */
  readonly onActive?: (user: UserRef) => Promise<void>;
  /** Runs `work` holding the user's mailbox lease; undefined when someone else holds it. */
  /** Runs `work` holding the user's mailbox (one run per mailbox); undefined when another holds it. */
  readonly exclusive?: <T>(user: UserRef, work: (lease: LeaseHold) => Promise<T>) => Promise<T | undefined>;
  /**
   * Hands work to the worker: a run of the mailbox (Resend All, which can take long, so whoever
   * asked, a Teams invoke or the tab, is answered at once), or a sync the user started here that
   * paused on an outage (`delaySeconds` later, so it finishes without being started over).
   */
  readonly queue?: (
    user: UserRef,
    what: { mode: 'all' | 'resend_all' } | { messageId: string },
    delaySeconds?: number,
  ) => Promise<void>;
  /** The user's sync jobs that kept failing and were set aside (the poison queue). */
  readonly setAside?: (user: UserRef) => Promise<Array<{ reason: string; poisonedAt: string }>>;
}

export class SyncService {
  private readonly tenants: TenantSwitch;
  private readonly deps: {
    mailSync: MailSync;
    crm: CrmConnector;
    ledger: LedgerRepository;
    itemLedger: ItemLedgerRepository;
    settings: SyncSettingsRepository;
    state: SyncStateRepository;
    events: SyncEvents;
  };
  private readonly hooks: SyncServiceHooks;

  constructor(
    store: Store,
    deps: {
      mailSync: MailSync;
      crm: CrmConnector;
      ledger: LedgerRepository;
      itemLedger: ItemLedgerRepository;
      settings: SyncSettingsRepository;
      state: SyncStateRepository;
      events: SyncEvents;
    },
    hooks: SyncServiceHooks = {},
  ) {
    this.tenants = new TenantSwitch(store);
    this.deps = deps;
    this.hooks = hooks;
  }

  /** The user's sync jobs set aside after repeated failures (none when there is no worker queue). */
  async setAside(user: UserRef): Promise<Array<{ reason: string; poisonedAt: string }>> {
    return (await this.hooks.setAside?.(user)) ?? [];
  }

  get events(): SyncEvents {
    return this.deps.events;
  }

  /** The tenant's switch and who set it last. */
  tenant(tenantId: string): Promise<{ enabled: boolean; enabledBy?: string; enabledAt?: string }> {
    return this.tenants.get(tenantId);
  }

  tenantEnabled(tenantId: string): Promise<boolean> {
    return this.tenants.enabled(tenantId);
  }

  /**
   * An admin's switch for the whole organization (the seeds' "enabled at the backend"). Turned off,
   * its users' change notifications stop; turned on again, those of users whose sync is active resume.
   */
  async setTenantEnabled(tenantId: string, enabled: boolean, by: string): Promise<void> {
    await this.tenants.set(tenantId, enabled, by);
    await this.hooks.onTenantSwitched?.(tenantId, enabled);
  }

  /** Nobody turns sync on while the organization has it off. */
  private async mustBeEnabled(tenantId: string): Promise<void> {
    if (!(await this.tenants.enabled(tenantId)))
      throw new AppError('auth.forbidden', TENANT_DISABLED_MESSAGE);
  }

  async access(user: UserRef, needs: AccessNeeds = 'sync_on'): Promise<Access> {
    if (!(await this.tenantEnabled(user.tenantId))) return { allowed: false, reason: 'tenant_disabled' };
    const stored = await this.deps.settings.get(user.tenantId, user.userId);
    if (needs === 'sync_on' && !(stored && anySyncOn(stored.settings)))
      return { allowed: false, reason: 'sync_off' };
    return {
      allowed: true,
      settings:
        stored?.settings ??
        syncSettingsSchema.parse({ enabledAt: new Date().toISOString(), emailSync: false }),
    };
  }

  /** Turns email sync on with the seeds' defaults; the cutoff is now, unless it was on before. */
  async turnOn(user: UserRef): Promise<SyncSettings> {
    await this.mustBeEnabled(user.tenantId);
    const stored = await this.deps.settings.get(user.tenantId, user.userId);
    const settings = stored?.settings ?? syncSettingsSchema.parse({ enabledAt: new Date().toISOString() });
    const saved = await this.deps.settings.save(
      user.tenantId,
      user.userId,
      { ...settings, emailSync: true, active: true },
      stored?.etag,
    );
    await this.hooks.onActive?.(user);
    return saved;
  }

  async status(user: UserRef): Promise<SyncStatus> {
    const [stored, mailbox, counts, itemCounts] = await Promise.all([
      this.deps.settings.get(user.tenantId, user.userId),
      this.deps.state.mailbox(user.tenantId, user.userId),
      this.deps.ledger.counts(user.tenantId, user.userId),
      this.deps.itemLedger.counts(user.tenantId, user.userId),
    ]);
    const on = (kind: ItemKind) => (stored ? ItemSync.enabled(stored.settings, kind) : false);
    return {
      active: stored?.settings.active ?? false,
      emailSync: stored?.settings.emailSync ?? false,
      ...(mailbox ? { mailbox } : {}),
      counts,
      items: {
        contact: { enabled: on('contact'), counts: itemCounts.contact },
        task: { enabled: on('task'), counts: itemCounts.task },
        event: { enabled: on('event'), counts: itemCounts.event },
      },
      folders: stored?.settings.folders ?? [],
      ...(stored ? nextRunOf(stored.settings) : {}),
    };
  }

  /** Sync all now, unless another sync of the mailbox holds it (then a `busy` summary, and nothing runs twice). */
  async syncNow(user: UserRef): Promise<RunSummary> {
    const summary = this.hooks.exclusive
      ? await this.hooks.exclusive(user, (lease) =>
          this.deps.mailSync.run(user, { mode: 'all', trigger: 'manual', lease }),
        )
      : await this.deps.mailSync.run(user, { mode: 'all', trigger: 'manual' });
    if (summary?.status === 'paused') await this.hooks.queue?.(user, { mode: 'all' }, RESUME_AFTER_SECONDS);
    if (summary) return summary;
    return {
      ...emptySummary('busy', 'all', 'manual', new Date()),
      status: 'busy',
      note: 'Your mailbox is being synced right now (a change or a schedule started it); new mail will be in shortly.',
    };
  }

  /**
   * The seeds' Resend All: every email of the selected folders since the cutoff goes to the CRM
   * again (those already there get their links refreshed, never a second activity). Queued for the
   * worker; callers ask the user to confirm first and check `access`.
   */
  async queueResendAll(user: UserRef): Promise<void> {
    if (!this.hooks.queue) throw new Error('there is no worker queue to run Resend All');
    await this.hooks.queue(user, { mode: 'resend_all' });
  }

  /**
   * Saves the user's settings from the tab. A change made meanwhile (another tab, the bot's pause)
   * is refused, never overwritten: `ifMatch` is the etag the tab read, and settings that exist are
   * only replaced with one. The cutoff default (when sync was first turned on) is kept.
   */
  async saveSettings(
    user: UserRef,
    input: SyncSettingsInput,
    ifMatch: string | undefined,
  ): Promise<{ settings: SyncSettings; etag: string }> {
    const stored = await this.deps.settings.get(user.tenantId, user.userId);
    if (stored && !ifMatch)
      throw new AppError('store.precondition_failed', 'settings exist already; read them before saving');
    const before = stored?.settings;
    const on = (s: SyncSettings | undefined) => s !== undefined && anySyncOn(s) && s.active;
    // Turning sync on (from off or paused) needs the organization's switch on.
    const parsed = syncSettingsSchema.safeParse({
      ...input,
      enabledAt: before?.enabledAt ?? new Date().toISOString(),
    });
    if (parsed.success && on(parsed.data) && !on(before)) await this.mustBeEnabled(user.tenantId);
    const saved = await this.deps.settings.saveVersioned(
      user.tenantId,
      user.userId,
      { ...input, enabledAt: before?.enabledAt ?? new Date().toISOString() },
      stored ? { ifMatch } : { create: true },
    );
    if (before && on(before) && !on(saved.settings))
      this.deps.events.emit('paused', { ...user, note: 'paused in the settings tab' });
    if (on(saved.settings)) {
      if (before && !on(before)) this.deps.events.emit('resumed', { ...user, byUser: true });
      // Folders may have changed: change notifications follow the folders now chosen.
      await this.hooks.onActive?.(user);
    }
    return saved;
  }

  async settingsOf(user: UserRef): Promise<{ settings: SyncSettings; etag: string } | undefined> {
    return this.deps.settings.get(user.tenantId, user.userId);
  }

  /** The newest synced emails. */
  async recentlySynced(user: UserRef, limit = 10): Promise<LedgerEntry[]> {
    return this.deps.ledger.recentlySynced(user.tenantId, user.userId, limit);
  }

  async setActive(user: UserRef, active: boolean): Promise<SyncSettings> {
    if (active) await this.mustBeEnabled(user.tenantId);
    const stored = await this.deps.settings.get(user.tenantId, user.userId);
    if (!stored) throw new Error('sync is not turned on');
    const saved = await this.deps.settings.save(
      user.tenantId,
      user.userId,
      { ...stored.settings, active },
      stored.etag,
    );
    if (active) {
      this.deps.events.emit('resumed', { ...user, byUser: true });
      await this.hooks.onActive?.(user);
    } else {
      this.deps.events.emit('paused', { ...user, note: 'paused by you' });
    }
    return saved;
  }

  async errors(user: UserRef, limit = 10): Promise<LedgerEntry[]> {
    return (await this.deps.ledger.errors(user.tenantId, user.userId, { limit })).items.map((i) => i.value);
  }

  /** Sync selected for an Error item: three fresh attempts. */
  async retry(user: UserRef, messageId: string): Promise<LedgerEntry | undefined> {
    return (await this.retried(user, messageId)).entry;
  }

  /** Sync selected as a retry; one an outage paused is queued for the worker to try again. */
  private async retried(user: UserRef, messageId: string) {
    const result = await this.deps.mailSync.syncSelected(user, messageId, 'retry');
    if (result.summary.status === 'paused')
      await this.hooks.queue?.(user, { messageId }, RESUME_AFTER_SECONDS);
    return result;
  }

  /** The counts by status, for the Emails view's filters (kept by the store as entries change). */
  async emailCounts(user: UserRef): Promise<LedgerCounts> {
    return this.deps.ledger.counts(user.tenantId, user.userId);
  }

  /** The Emails view: every email the sync has seen, newest first, filtered, a page at a time. */
  async emails(
    user: UserRef,
    filter: EmailFilter,
    page: { limit?: number; continuation?: string } = {},
  ): Promise<Page<LedgerEntry>> {
    return this.deps.ledger.emails(user.tenantId, user.userId, filter, page);
  }

  /**
   * Associate: links an email the user chose (a no-match one, typically) to records they picked,
   * besides whatever it already has. One activity, under the same key automatic sync uses, so a
   * later run or a second click never makes another.
   */
  async associate(user: UserRef, messageId: string, recordIds: readonly string[]): Promise<LedgerEntry> {
    const { summary, entry } = await this.deps.mailSync.syncSelected(user, messageId, 'manual', {
      mode: 'add',
      recordIds,
    });
    if (summary.status === 'needs_consent')
      throw new AppError('mail.needs_consent', summary.note ?? 'CRM Sync needs access to your mailbox.');
    if (summary.status !== 'completed' || !entry)
      throw new AppError(
        'sync.paused',
        `${summary.note ?? 'The email could not be synced just now'}; try again shortly.`,
      );
    return entry;
  }

  /** One email's ledger entry, if the sync has seen it. */
  async entry(user: UserRef, messageId: string): Promise<LedgerEntry | undefined> {
    return this.deps.ledger.get(user.tenantId, user.userId, messageId);
  }

  /** Candidates, contacts and companies by name or address, for Associate. */
  async findRecords(user: UserRef, query: string, limit = 10): Promise<CrmRecord[]> {
    return this.deps.crm.search(user.tenantId, query.slice(0, 200), limit, user.userId);
  }

  /** The records an email's entry is linked to, each with where "Show" goes. */
  async linkedRecords(user: UserRef, entry: LedgerEntry): Promise<Array<{ record: CrmRecord; url: string }>> {
    // Each record read whole (a few), so a card says when it last had an activity: this one.
    const ids = Object.values(entry.matched ?? {})
      .flat()
      .slice(0, 10);
    const records = await Promise.all(ids.map((id) => this.deps.crm.record(user.tenantId, id)));
    return records.flatMap((record) => (record ? [{ record, url: this.deps.crm.deepLink(record) }] : []));
  }

  /**
   * "Create and link": a candidate or contact made from a no-match email's sender (its first
   * recipient, for sent mail), then associated with it.
   */
  async createFromEmail(
    user: UserRef,
    messageId: string,
    input: { type: 'candidate' | 'contact'; name?: string; companyId?: string },
  ): Promise<{ record: CrmRecord; entry: LedgerEntry }> {
    const seen = await this.deps.ledger.get(user.tenantId, user.userId, messageId);
    if (!seen) throw new AppError('store.not_found', 'That email is not in your sync history.');
    // Only mail that matched nobody: a kept-out email (a blocked address, colleagues only) never
    // becomes a record in the organization's CRM, whoever asks.
    if (seen.status !== 'no_match')
      throw new AppError(
        'input.invalid',
        'Only an email with no candidate or contact can make a new record.',
      );
    const email = counterpartOf(seen);
    if (!email) throw new AppError('input.invalid', 'This email has no address to make a record from.');
    const record = await this.deps.crm.createRecord(user.tenantId, {
      type: input.type,
      name: input.name?.trim() || nameFromAddress(email),
      email,
      ...(input.companyId ? { companyId: input.companyId } : {}),
    });
    return { record, entry: await this.associate(user, messageId, [record.id]) };
  }

  /** One kind's items the sync has seen (contacts, tasks, events), newest first, a page at a time. */
  async items(
    user: UserRef,
    kind: ItemKind,
    filter: { status?: LedgerStatus },
    page: { limit?: number; continuation?: string } = {},
  ): Promise<Page<ItemEntry>> {
    return this.deps.itemLedger.list(user.tenantId, user.userId, kind, filter, page);
  }

  /** Each kind's counts by status. */
  async itemCounts(user: UserRef): Promise<ItemCounts> {
    return this.deps.itemLedger.counts(user.tenantId, user.userId);
  }

  /**
   * Sync Selected for a contact, task or event (and Retry of an Error one): synced now, whatever
   * its kind's switch says. An outage answers as one, and the item waits to be tried again.
   */
  async syncItem(user: UserRef, kind: ItemKind, itemId: string): Promise<ItemEntry> {
    const { summary, entry } = await this.deps.mailSync.syncItem(user, kind, itemId, 'manual');
    if (summary.status === 'needs_consent')
      throw new AppError('mail.needs_consent', summary.note ?? 'CRM Sync needs access to your mailbox.');
    if (summary.status !== 'completed' || !entry)
      throw new AppError(
        'sync.paused',
        `${summary.note ?? 'It could not be synced just now'}; try again shortly.`,
      );
    return entry;
  }

  async retryAll(user: UserRef): Promise<{ retried: number; synced: number; stillFailing: number }> {
    const result = { retried: 0, synced: 0, stillFailing: 0 };
    const ids = (await this.deps.ledger.allErrors(user.tenantId, user.userId)).map((e) => e.messageId);
    for (const id of ids) {
      const { summary, entry } = await this.retried(user, id);
      result.retried++;
      if (entry?.status === 'synced') result.synced++;
      else if (entry?.status === 'error') result.stillFailing++;
      // An outage: the rest would pause the same way. This one is queued; the others stay Error,
      // for the user's next Retry all.
      if (summary.status === 'paused') break;
    }
    return result;
  }
}

/** "ava.kim@outlook.com" → "Ava Kim": a starting point the user can correct. */
export function nameFromAddress(address: string): string {
  const local = address.slice(0, Math.max(0, address.indexOf('@'))).slice(0, 64);
  const words = local.split(/[._-]+/).filter((w) => w.length > 0);
  return words.map((w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase()).join(' ') || address;
}
