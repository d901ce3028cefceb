import type { CaptureDoc } from '../capture/capture-store.ts';
import { randomUUID } from 'node:crypto';
import type { ActivityInput, CrmConnector, CrmRecord, Directory } from '../crm/crm.port.ts';
import { AppError } from '../errors/app-error.ts';
import { aboutThePayload, isOutage, pool, stopForFault } from './sync-faults.ts';
import { ItemSync } from './item-sync.ts';
import type { ItemEntry } from './item-ledger.ts';
import { ITEM_KINDS, type ItemKind } from '../mail-source/item-source.port.ts';
import type { Logger } from '../logging/logger.ts';
import type {
  MailboxInfo,
  MailFolderInfo,
  MailMessage,
  MailSource,
  MessageDetail,
} from '../mail-source/mail-source.port.ts';
import {
  ATTEMPT_DETAILS,
  emptyCounts,
  type LedgerEntry,
  MAX_LEDGER_RECIPIENTS,
  type LedgerRepository,
  type LedgerStatus,
  type MessageFacts,
  searchTerms,
  transitions,
} from './ledger.ts';
import { selectFolders } from './folder-selection.ts';
import { directionOf, type MatchResult, matchMessage, matchOf } from './matching.ts';
import type { SyncEvents } from './sync-events.ts';
import { TENANT_DISABLED_MESSAGE, type TenantSwitch } from './tenant-switch.ts';
import {
  effectiveCutoff,
  type SyncSettings,
  type SyncSettingsRepository,
  syncSettingsSchema,
} from './sync-settings.ts';
import {
  emptyItemCounts,
  emptySummary,
  type RunSummary,
  type SyncMode,
  type SyncStateRepository,
  type SyncTrigger,
} from './sync-state.ts';

/**
 * The mail sync: folder delta pages, filtered, matched and written to the CRM and the ledger. Every
 * step is safe to repeat: a folder's cursor is saved only after its page's items are in the ledger,
 * and the CRM writes one activity per email whatever happens, so a crash, a retry or a duplicate
 * notification never loses an email or makes a second activity.
 */

export interface UserRef {
  tenantId: string;
  userId: string;
}

/**
 * Which CRM records a hand-picked sync links: `only` narrows the email's matches to the ones the
 * user ticked ("Sync to CRM" in Outlook); `add` links these records besides whatever the email is
 * already linked to or matches ("Associate"), which may be any candidate, contact or company.
 */
export interface RecordPick {
  mode: 'only' | 'add';
  recordIds: readonly string[];
}

/** Where one email stands, without writing anything: the Outlook pane's first look. */
export interface EmailInspection {
  message: MailMessage;
  direction: 'received' | 'sent';
  match: MatchResult;
  entry?: LedgerEntry;
}

/**
 * How long a paused run waits before it is tried again (the worker re-queues it; a pending email's
 * `retryAt` says when). Outages are mostly short; a longer one is retried every minute until it ends.
 */
export const RESUME_AFTER_SECONDS = 60;

/** Messages of a page processed at once; the Graph client caps requests per mailbox on its own. */
const PAGE_CONCURRENCY = 8;
/**
 * Folders read side by side, in the order of the folder tree. A folder's delta pages come one after
 * another (each page names the next), so a run over one folder at a time waits a Graph round trip
 * per page; two folders read together overlap theirs. Their delta reads and their pages' item reads
 * (attachments) share Exchange's four requests at once per mailbox, which the Graph client keeps to.
 */
const FOLDER_CONCURRENCY = 2;
/** A folder whose delta is reset more often than this in one run is left for the next run. */
const MAX_RESETS_PER_FOLDER = 3;
/**
 * How long a mailbox's own addresses and folder tree are reused. Each change notification becomes a
 * run, and re-reading both every time would cost several Graph requests per email.
 */
const MAILBOX_VIEW_TTL_MS = 5 * 60_000;

interface MailboxView {
  mailbox: MailboxInfo;
  folders: MailFolderInfo[];
}

/**
 * CaptureME's Process Later, as the sync sees it (CaptureService): the user's saved choices, and the
 * candidate one becomes (its id, for the email's activity to link), or nothing when it could not
 * (the reason is kept with the choice).
 */
export interface PendingCaptures {
  pending(user: UserRef): Promise<CaptureDoc[]>;
  settle(user: UserRef, doc: CaptureDoc): Promise<string | undefined>;
}

export interface MailSyncDeps {
  mailSource: MailSource;
  /** Process Later's choices, settled when their email next syncs; absent where CaptureME is not wired. */
  captures?: PendingCaptures;
  /** Contacts, tasks and events; absent where only email is synced (some tests, older set-ups). */
  items?: ItemSync;
  crm: CrmConnector;
  ledger: LedgerRepository;
  settings: SyncSettingsRepository;
  state: SyncStateRepository;
  /** The organization's switch: nothing runs for a tenant whose admin has CRM Sync off. */
  tenants: TenantSwitch;
  events: SyncEvents;
  logger: Logger;
  now?: () => Date;
}

/** What one run can cover: email, and Outlook's other items. */
export type SyncKind = 'email' | ItemKind;
export const SYNC_KINDS: readonly SyncKind[] = ['email', ...ITEM_KINDS];

/** The kinds the user turned on. */
export function kindsOn(settings: SyncSettings): SyncKind[] {
  return SYNC_KINDS.filter((k) => (k === 'email' ? settings.emailSync : ItemSync.enabled(settings, k)));
}

const KIND_WORDS: Record<SyncKind, string> = {
  email: 'email',
  contact: 'contact',
  task: 'task',
  event: 'calendar',
};

const OWN_WORDS: Record<ItemKind, string> = { contact: 'contacts', task: 'tasks', event: 'calendar' };

/** "email", "contact and task": for notes. */
export function kindWords(kinds: readonly SyncKind[]): string {
  const words = kinds.map((k) => KIND_WORDS[k]);
  return words.length <= 1 ? (words[0] ?? 'email') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/** The mailbox's lease, as far as a run needs it: whether this run still holds the mailbox. */
export interface LeaseHold {
  held(): boolean;
}

interface RunContext {
  user: UserRef;
  /** Absent when nothing leases the mailbox (one-off runs, tests). */
  lease?: LeaseHold;
  pk: string;
  runId: string;
  mode: SyncMode;
  trigger: SyncTrigger;
  settings: SyncSettings;
  ownAddresses: Set<string>;
  internalDomains: Set<string>;
  folders: MailFolderInfo[];
  sentFolderIds: Set<string>;
  directory: Directory;
  cutoff: Date;
  force: boolean;
  pick?: RecordPick;
  summary: RunSummary;
  total: number;
  byStatus: Record<LedgerStatus, number>;
  /** When the mailbox was paused, if it was when this run started: the run announces it resumed. */
  pausedAt?: string;
  /** An outage's emails wait as pending: something tries them again (a run, a queued retry). */
  retried: boolean;
}

/**
 * Which of its folders' errors a run reports: a lost lease first (another run owns the mailbox
 * now), then an outage (the run is tried again, and the emails it marked pending are waiting for
 * that try), then a refused mailbox (the user's admin must act), then a folder's own fault.
 */
function gravity(error: unknown): number {
  if (AppError.is(error, 'sync.lease_lost')) return 3;
  if (isOutage(error)) return 2;
  if (AppError.is(error, 'mail.needs_consent')) return 1;
  return 0;
}

/** `excluded`: a rule of the user's (blocklist, internal only) keeps it out, recorded as skipped. */
type ItemOutcome = 'synced' | 'noMatch' | 'errors' | 'skipped' | 'excluded' | 'alreadySynced';

export class MailSync {
  private readonly deps: MailSyncDeps;
  private readonly now: () => Date;
  private readonly views = new Map<string, { at: number; view: Promise<MailboxView> }>();

  constructor(deps: MailSyncDeps) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
  }

  /** Sync all, automatic or resend all, over the user's selected folders (or the ones given). */
  async run(
    user: UserRef,
    options: {
      mode: Exclude<SyncMode, 'selected'>;
      trigger: SyncTrigger;
      /** Folder references (ids or well-known names) instead of the user's, with their subfolders. */
      folders?: string[];
      /** Only these folder ids, if the user's selection has them (a change notification's folder). */
      onlyFolderIds?: string[];
      /** The mailbox's lease: once it is lost, the run stops before writing another bookmark. */
      lease?: LeaseHold;
      /**
       * Only these kinds, of the ones the user turned on (a change notification for contacts runs
       * contacts). Every kind turned on otherwise; a folder's notification (`onlyFolderIds`) is email's.
       */
      kinds?: readonly SyncKind[];
    },
  ): Promise<RunSummary> {
    const summary = this.newSummary(options.mode, options.trigger);
    const [stored, enabled] = await Promise.all([
      this.deps.settings.get(user.tenantId, user.userId),
      this.deps.tenants.enabled(user.tenantId),
    ]);
    if (!enabled) {
      summary.status = 'disabled';
      summary.note = 'CRM Sync is turned off for your organization';
      return this.finish(user, summary);
    }
    const wanted = options.kinds ?? (options.onlyFolderIds ? ['email'] : SYNC_KINDS);
    const kinds = stored ? kindsOn(stored.settings).filter((k) => wanted.includes(k)) : [];
    if (!stored || kinds.length === 0 || (options.mode === 'automatic' && !stored.settings.active)) {
      summary.status = 'disabled';
      summary.note =
        !stored || kinds.length === 0
          ? `${kindWords(wanted.length === SYNC_KINDS.length ? ['email'] : wanted)} sync is turned off`
          : 'sync is paused';
      return this.finish(user, summary);
    }
    let mailRefused: unknown;
    try {
      const ctx = await this.context(user, stored.settings, summary);
      if (options.lease) ctx.lease = options.lease;
      if (kinds.includes('email')) {
        const selected = selectFolders(ctx.folders, {
          refs: options.folders ?? stored.settings.folders,
          includeSubfolders: stored.settings.includeSubfolders,
          automatic: options.mode === 'automatic',
        });
        // A change notification's folder narrows the selection and never widens it: a folder the
        // user no longer selects is not synced, whoever still notifies for it.
        const only = options.onlyFolderIds;
        const folders = only ? selected.filter((f) => only.includes(f.id)) : selected;
        ctx.total = folders.reduce((sum, f) => sum + f.totalItemCount, 0);
        summary.folders = folders.length;
        try {
          await this.syncFolders(ctx, folders);
          await this.settleCaptures(ctx);
        } catch (error) {
          // Mail refused: the mailbox needs consent, once the other kinds have had their turn.
          if (!AppError.is(error, 'mail.needs_consent')) throw error;
          mailRefused = error;
        }
      }
      // Contacts, tasks and events after the mail, in the same run: one lease, one summary. Each
      // kind stands alone: one Graph refuses (its permission not consented yet) or that fails on
      // its own stops that kind, not the others; an outage or a lost lease stops the run.
      for (const kind of kinds) if (kind !== 'email') await this.syncKindAlone(user, ctx, kind);
      if (mailRefused) throw mailRefused;
      summary.status = 'completed';
      await this.announceResumed(ctx);
    } catch (error) {
      await this.stopped(user, summary, error);
    }
    return this.finish(user, summary);
  }

  /** The folders automatic sync covers for this user: their selection less Deleted Items, Outbox, Junk. */
  async automaticFolderIds(user: UserRef): Promise<string[]> {
    const stored = await this.deps.settings.get(user.tenantId, user.userId);
    if (!stored) return [];
    const { folders } = await this.mailboxView(user.userId);
    return selectFolders(folders, {
      refs: stored.settings.folders,
      includeSubfolders: stored.settings.includeSubfolders,
      automatic: true,
    }).map((f) => f.id);
  }

  /**
   * Sync selected: one email, whatever the folder, the cutoff or the email sync switch say (the
   * seeds' Sync Selected); an Error item gets three fresh attempts. `pick` chooses the records.
   */
  async syncSelected(
    user: UserRef,
    messageId: string,
    trigger: SyncTrigger = 'manual',
    pick?: RecordPick,
  ): Promise<{ summary: RunSummary; entry?: LedgerEntry }> {
    if (!(await this.deps.tenants.enabled(user.tenantId))) {
      throw new AppError('auth.forbidden', TENANT_DISABLED_MESSAGE);
    }
    const summary = this.newSummary('selected', trigger);
    let id = messageId;
    try {
      // One email announces nothing about the mailbox, so its state is not read (Outlook waits).
      const ctx = await this.context(user, await this.settingsOf(user), summary, { lookOnly: true });
      if (pick) ctx.pick = pick;
      const message = await this.deps.mailSource.message(user.userId, messageId, 'full');
      // Graph answers with the immutable id, whatever form of id it was asked with.
      id = message.id;
      // A capture saved for later is made now, and the email linked to its candidate; a pick of
      // the user's is applied after it (links are only ever added).
      const captured = await this.settleCaptures(ctx, message);
      if (!captured || pick) {
        const previous = await this.deps.ledger.get(user.tenantId, user.userId, message.id);
        this.count(
          ctx,
          await this.processItem(ctx, message, previous, true, (entry) => this.deps.ledger.put(entry)),
        );
      }
      summary.status = 'completed';
    } catch (error) {
      await this.stopped(user, summary, error);
    }
    const entry = await this.deps.ledger.get(user.tenantId, user.userId, id);
    return { summary: await this.finish(user, summary), ...(entry ? { entry } : {}) };
  }

  /** One email's ledger entry and what it would match now, with the user's settings; writes nothing. */
  async inspect(user: UserRef, messageId: string): Promise<EmailInspection> {
    const settings = await this.settingsOf(user);
    const [message, ctx] = await Promise.all([
      this.deps.mailSource.message(user.userId, messageId, 'headers'),
      this.context(user, settings, this.newSummary('selected', 'outlook'), { lookOnly: true }),
    ]);
    const direction = directionOf(message, ctx.ownAddresses, ctx.sentFolderIds);
    const entry = await this.deps.ledger.get(user.tenantId, user.userId, message.id);
    return { message, direction, match: this.match(ctx, message, direction), ...(entry ? { entry } : {}) };
  }

  /**
   * Process Later: each choice the user saved (or the one for `only`'s email) becomes a candidate,
   * and its email is synced as selected, linked to it. Settled choices are done or in error, so a
   * run that stops here and is run again makes nothing twice (the CRM knows each capture). Whether
   * any were settled.
   */
  private async settleCaptures(ctx: RunContext, only?: MailMessage): Promise<boolean> {
    const captures = this.deps.captures;
    if (!captures) return false;
    const pending = (await captures.pending(ctx.user)).filter((p) => !only || p.messageId === only.id);
    let settled = false;
    for (const doc of pending) {
      const candidateId = await captures.settle(ctx.user, doc);
      if (!candidateId) continue;
      const message = only ?? (await this.deps.mailSource.message(ctx.user.userId, doc.messageId, 'full'));
      const previous = await this.deps.ledger.get(ctx.user.tenantId, ctx.user.userId, message.id);
      const linked: RunContext = {
        ...ctx,
        // The candidate was made just now: the run's directory predates it.
        directory: await this.deps.crm.directory(ctx.user.tenantId),
        pick: { mode: 'add', recordIds: [candidateId] },
      };
      this.count(
        ctx,
        await this.processItem(linked, message, previous, true, (e) => this.deps.ledger.put(e)),
      );
      settled = true;
    }
    return settled;
  }

  private async syncKindAlone(user: UserRef, ctx: RunContext, kind: ItemKind): Promise<void> {
    try {
      await this.items(kind).syncKind(ctx, kind);
    } catch (error) {
      if (AppError.is(error, 'sync.lease_lost') || isOutage(error)) throw error;
      const counts = ((ctx.summary.items ??= {})[kind] ??= emptyItemCounts());
      const refused = AppError.is(error, 'mail.needs_consent');
      counts.stopped = refused
        ? `Microsoft Graph refused access to your ${OWN_WORDS[kind]}: ${(error as Error).message}`
        : `stopped: ${(error as Error).message}`;
      // A refusal is the admin's to fix; anything else is unexpected, and logged as the error it is.
      const log = refused
        ? this.deps.logger.warn.bind(this.deps.logger)
        : this.deps.logger.error.bind(this.deps.logger);
      log(
        { kind, code: (error as AppError).code, err: { message: (error as Error).message } },
        'a kind of item stopped; the other kinds go on',
      );
      if (refused)
        this.deps.events.emit('needsConsent', { ...user, note: counts.stopped, what: OWN_WORDS[kind] });
    }
  }

  private items(kind: ItemKind): ItemSync {
    if (!this.deps.items) throw new AppError('internal', `${KIND_WORDS[kind]} sync is not set up here`);
    return this.deps.items;
  }

  /**
   * The seeds' Sync Selected for one contact, task or event: synced whatever its kind's switch
   * says; an Error item gets three fresh attempts.
   */
  async syncItem(
    user: UserRef,
    kind: ItemKind,
    itemId: string,
    trigger: SyncTrigger = 'manual',
  ): Promise<{ summary: RunSummary; entry?: ItemEntry }> {
    if (!(await this.deps.tenants.enabled(user.tenantId))) {
      throw new AppError('auth.forbidden', TENANT_DISABLED_MESSAGE);
    }
    const summary = this.newSummary('selected', trigger);
    let entry: ItemEntry | undefined;
    try {
      const ctx = await this.context(user, await this.settingsOf(user), summary, { lookOnly: true });
      entry = await this.items(kind).syncOne(ctx, kind, itemId);
      summary.status = 'completed';
    } catch (error) {
      await this.stopped(user, summary, error);
    }
    return { summary: await this.finish(user, summary), ...(entry ? { entry } : {}) };
  }

  private async settingsOf(user: UserRef): Promise<SyncSettings> {
    const stored = await this.deps.settings.get(user.tenantId, user.userId);
    return stored?.settings ?? syncSettingsSchema.parse({ enabledAt: this.now().toISOString() });
  }

  private match(ctx: RunContext, message: MailMessage, direction: 'received' | 'sent'): MatchResult {
    return matchMessage(message, {
      direction,
      ownAddresses: ctx.ownAddresses,
      internalDomains: ctx.internalDomains,
      matchAllParticipants: ctx.settings.matchAllParticipants,
      skipInternalOnly: ctx.settings.skipInternalOnly,
      blocklist: ctx.settings.blocklist,
      linkCompanies: ctx.settings.linkCompanies,
      directory: ctx.directory,
    });
  }

  /**
   * The match with the user's pick applied (see RecordPick). Links are only ever added to an
   * activity, so what it was linked to before stays; a pick that no longer fits the email (its
   * matches changed since the pane showed them) is refused before anything is written.
   */
  private picked(ctx: RunContext, match: MatchResult, previous: LedgerEntry | undefined): MatchResult {
    const pick = ctx.pick;
    if (!pick) return match;
    const found = match.kind === 'matched' ? [...match.candidates, ...match.contacts] : [];
    const chosen =
      pick.mode === 'only'
        ? found.filter((m) => pick.recordIds.includes(m.record.id)).map((m) => m.record.id)
        : pick.recordIds;
    if (chosen.length === 0) {
      throw new AppError(
        'input.invalid',
        'None of the records you ticked matches this email any more; reload to see its matches now.',
      );
    }
    const ids = new Set([
      ...(previous?.status === 'synced' ? Object.values(previous.matched ?? {}).flat() : []),
      ...(pick.mode === 'add' ? found.map((m) => m.record.id) : []),
      ...chosen,
    ]);
    const records = [...ids]
      .map((id) => ctx.directory.get(id))
      .filter((r): r is CrmRecord => r !== undefined)
      .map((record) => found.find((m) => m.record.id === record.id) ?? { record, address: '' });
    if (records.length === 0)
      throw new AppError('input.invalid', 'None of the chosen records exists in the CRM.');
    return matchOf(records);
  }

  private newSummary(mode: SyncMode, trigger: SyncTrigger): RunSummary {
    return emptySummary(randomUUID(), mode, trigger, this.now());
  }

  /**
   * The mailbox's folder tree as the sync sees it (read at most every MAILBOX_VIEW_TTL_MS);
   * `refresh` reads it again, so what a user is shown is also what the next sync uses.
   */
  async folderTree(userId: string, options: { refresh?: boolean } = {}): Promise<MailFolderInfo[]> {
    if (options.refresh) this.views.delete(userId);
    return (await this.mailboxView(userId)).folders;
  }

  /** The user's own addresses and folder tree, read at most every MAILBOX_VIEW_TTL_MS. */
  private mailboxView(userId: string): Promise<MailboxView> {
    const cached = this.views.get(userId);
    if (cached && this.now().getTime() - cached.at < MAILBOX_VIEW_TTL_MS) return cached.view;
    // Callers that ask meanwhile share the one read: fifty tabs opening at once are one Graph call.
    const at = this.now().getTime();
    const view = Promise.all([
      this.deps.mailSource.mailbox(userId),
      this.deps.mailSource.folders(userId),
    ]).then(([mailbox, folders]) => ({ mailbox, folders }));
    const entry = { at, view };
    this.views.set(userId, entry);
    view.catch(() => {
      if (this.views.get(userId) === entry) this.views.delete(userId);
    });
    return view;
  }

  private async context(
    user: UserRef,
    settings: SyncSettings,
    summary: RunSummary,
    options: { lookOnly?: boolean } = {},
  ): Promise<RunContext> {
    // The mailbox's state is read only to announce a resumed run; one email (a look, a selected
    // sync) announces nothing, so it does not read it.
    const [{ mailbox, folders }, directory, previous] = await Promise.all([
      this.mailboxView(user.userId),
      this.deps.crm.directory(user.tenantId),
      options.lookOnly ? undefined : this.deps.state.mailbox(user.tenantId, user.userId),
    ]);
    const ownAddresses = new Set(
      [...mailbox.addresses, ...settings.extraOwnAddresses].map((a) => a.toLowerCase()),
    );
    const internalDomains = new Set([
      ...[...ownAddresses].map((a) => a.slice(a.lastIndexOf('@') + 1)),
      ...settings.internalDomains,
    ]);
    return {
      user,
      pk: this.deps.ledger.partition(user.tenantId, user.userId),
      runId: summary.runId,
      mode: summary.mode,
      trigger: summary.trigger,
      settings,
      ownAddresses,
      internalDomains,
      folders,
      sentFolderIds: new Set(folders.filter((f) => f.wellKnownName === 'sentitems').map((f) => f.id)),
      directory,
      cutoff: effectiveCutoff(settings, this.now()),
      force: summary.mode === 'resend_all',
      summary,
      total: 0,
      byStatus: emptyCounts(),
      // Runs are resumed by the worker; one email only when it is a retry (queued likewise).
      retried: summary.mode !== 'selected' || summary.trigger === 'retry',
      ...(previous?.status === 'paused' ? { pausedAt: previous.pausedAt ?? previous.updatedAt } : {}),
    };
  }

  /**
   * The folders, FOLDER_CONCURRENCY at a time. What stops the run (an outage, a lost lease, a
   * refused mailbox) stops the other folders: their reads from Graph are abandoned, a page already
   * in hand is still written, and each keeps the cursor of its last page written, so the next run
   * goes on from there in every folder. A fault of one folder's own (a request Graph keeps
   * refusing, resets past the limit) lets the others go on to the end, so one broken folder does
   * not hold the rest of the mailbox back; the run then reports it. Of several errors the run
   * reports the one that decides what happens next (see `gravity`); each is logged with its folder.
   */
  private async syncFolders(ctx: RunContext, folders: readonly MailFolderInfo[]): Promise<void> {
    const halt = new AbortController();
    const errors: unknown[] = [];
    await pool(folders, FOLDER_CONCURRENCY, async (folder) => {
      if (halt.signal.aborted) return;
      try {
        await this.syncFolder(ctx, folder, halt.signal);
      } catch (error) {
        errors.push(error);
        if (!aboutThePayload(error)) halt.abort();
        this.deps.logger.warn(
          { folder: folder.path, code: (error as AppError).code, err: { message: (error as Error).message } },
          'a folder stopped',
        );
      }
    });
    if (errors.length === 0) return;
    throw errors.reduce((worst, error) => (gravity(error) > gravity(worst) ? error : worst));
  }

  /**
   * `halt`: another folder stopped the run. This one abandons its read from Graph and stops before
   * its next page; a page it already holds is written first, with its cursor.
   */
  private async syncFolder(ctx: RunContext, folder: MailFolderInfo, halt: AbortSignal): Promise<void> {
    const { tenantId, userId } = ctx.user;
    const cursor = await this.deps.state.cursor(tenantId, userId, folder.id);
    // The cutoff moved earlier than the one the folder was read with: a delta link only brings
    // changes, so the mail now included would never come. Start the folder over (the ledger keeps
    // what is already in from syncing twice). A later cutoff needs nothing: older mail is skipped.
    const widened = cursor?.from !== undefined && ctx.cutoff.getTime() < Date.parse(cursor.from);
    if (widened)
      this.deps.logger.info({ folder: folder.path }, 'the cutoff moved earlier; reading the folder again');
    // Resend all starts a fresh round; an interrupted one resumes where it was, still forced.
    let link = (ctx.force && !cursor?.forced) || widened ? undefined : cursor?.link;
    const forced = ctx.force || (cursor?.forced ?? false);
    const from = ctx.cutoff.toISOString();
    let resets = 0;
    type Page = Awaited<ReturnType<MailSource['deltaPage']>>;
    // Graph reads the next page while this one is written: its latency is hidden behind our work.
    // A folder that stops (it failed, or the run halted) abandons its reads, which would otherwise
    // go on being retried against the mailbox and its budget after the run ended.
    let ahead: Promise<Page> | undefined;
    const abandon = new AbortController();
    const reads = AbortSignal.any([halt, abandon.signal]);
    const readAhead = (next: string) => {
      ahead = this.deps.mailSource.deltaPage(userId, folder.id, next, reads);
      ahead.catch(() => undefined); // a failure surfaces when the page is awaited, not before
    };
    try {
      while (!halt.aborted) {
        let page: Page;
        try {
          const request = ahead ?? this.deps.mailSource.deltaPage(userId, folder.id, link, reads);
          ahead = undefined;
          page = await request;
        } catch (error) {
          // The run halted while this read was under way (the read threw the halt's reason): the
          // folder stops where its cursor is. A fault of its own that came first is still reported.
          if (halt.aborted && error === halt.reason) return;
          if (AppError.is(error, 'mail.not_found')) {
            // The folder was deleted since the tree was read: nothing left to sync there.
            this.deps.logger.warn({ folder: folder.path }, 'folder no longer exists; skipped');
            this.views.delete(userId);
            await this.deps.state.clearCursor(tenantId, userId, folder.id);
            return;
          }
          if (!AppError.is(error, 'mail.delta_reset') || resets >= MAX_RESETS_PER_FOLDER) throw error;
          // Graph's sync reset: start the folder over; the ledger keeps it from syncing anything twice.
          resets++;
          this.deps.logger.warn({ folder: folder.path, resets }, 'delta reset; starting the folder over');
          await this.deps.state.clearCursor(tenantId, userId, folder.id);
          link = undefined;
          continue;
        }
        if (page.nextLink) readAhead(page.nextLink);
        const runCtx = forced === ctx.force ? ctx : { ...ctx, force: forced };
        const existing = await this.deps.ledger.getMany(
          ctx.pk,
          page.messages.map((m) => m.id),
        );
        const entries: LedgerEntry[] = [];
        try {
          await pool(page.messages, PAGE_CONCURRENCY, async (message) => {
            const outcome = await this.processItem(
              runCtx,
              message,
              existing.get(message.id),
              false,
              (entry) => {
                entries.push(entry);
              },
            );
            this.count(ctx, outcome);
          });
        } catch (error) {
          // The run stops here, but what it learned stands: the emails done and the one now pending.
          // The page's cursor is not saved, so the next run reads the page again.
          await this.deps.ledger.putMany(entries).catch(() => undefined);
          throw error;
        }
        await this.deps.ledger.putMany(entries);
        // Another worker took the mailbox over (this one stalled past its lease): its run owns the
        // bookmarks now, and writing ours would move them under it. The page's ledger entries are
        // harmless: the same emails, the same keys.
        if (ctx.lease && !ctx.lease.held())
          throw new AppError('sync.lease_lost', 'another sync took the mailbox over');
        const next = page.nextLink ?? page.deltaLink;
        if (!next)
          throw new AppError(
            'mail.bad_request',
            `delta page for ${folder.path} had neither nextLink nor deltaLink`,
          );
        // Saved only now that every item of the page is in the ledger.
        await this.deps.state.saveCursor(tenantId, userId, folder.id, next, {
          forced: page.nextLink ? forced : false,
          from,
        });
        this.deps.events.emit('progress', {
          ...ctx.user,
          runId: ctx.runId,
          mode: ctx.mode,
          folder: folder.path,
          processed: ctx.summary.processed,
          total: Math.max(ctx.total, ctx.summary.processed),
          byStatus: { ...ctx.byStatus },
        });
        if (!page.nextLink) return;
        link = page.nextLink;
      }
    } finally {
      abandon.abort();
    }
  }

  private count(ctx: RunContext, outcome: ItemOutcome): void {
    ctx.summary.processed++;
    ctx.summary[outcome === 'excluded' ? 'keptOut' : outcome]++;
    if (outcome === 'synced' || outcome === 'alreadySynced') ctx.byStatus.synced++;
    else if (outcome === 'noMatch') ctx.byStatus.no_match++;
    else if (outcome === 'errors') ctx.byStatus.error++;
    else if (outcome === 'excluded') ctx.byStatus.skipped++;
  }

  /**
   * A run of a paused mailbox has finished: the mailbox is healthy again, and its user hears so once
   * (the notice's id is the pause's, so two runs resuming together make one card). Only a finished
   * run says so: a folder that syncs while another still fails is no recovery.
   */
  private async announceResumed(ctx: RunContext): Promise<void> {
    const pausedAt = ctx.pausedAt;
    if (!pausedAt) return;
    delete ctx.pausedAt;
    const { tenantId, userId } = ctx.user;
    await this.deps.state.saveMailbox(tenantId, userId, {
      status: 'ok',
      note: undefined,
      pausedAt: undefined,
    });
    this.deps.events.emit('resumed', { tenantId, userId, pausedAt });
  }

  /**
   * One email: filter, match, write to the CRM (up to three degraded attempts), and hand the ledger
   * entry to `record`, which a folder page collects and writes in one go.
   */
  private async processItem(
    ctx: RunContext,
    message: MailMessage,
    previous: LedgerEntry | undefined,
    selected: boolean,
    record: (entry: LedgerEntry) => Promise<void> | void,
  ): Promise<ItemOutcome> {
    if (message.isDraft) return 'skipped';
    if (!selected && new Date(message.receivedAt) < ctx.cutoff) return 'skipped';
    if (previous && !selected) {
      if (previous.status === 'error') return 'skipped';
      if (
        !ctx.force &&
        (previous.status === 'synced' || previous.status === 'no_match' || previous.status === 'skipped')
      )
        return 'alreadySynced';
    }
    const direction = directionOf(message, ctx.ownAddresses, ctx.sentFolderIds);
    // Metadata only: the subject is kept nowhere, not even as search words.
    const subject = ctx.settings.visibility === 'metadata' ? '' : message.subject;
    const facts: MessageFacts = {
      messageId: message.id,
      ...(message.internetMessageId ? { internetMessageId: message.internetMessageId } : {}),
      folderId: message.folderId,
      subject,
      ...(message.from ? { from: message.from.address } : {}),
      to: message.to.slice(0, MAX_LEDGER_RECIPIENTS).map((a) => a.address),
      receivedAt: message.receivedAt,
      direction,
      trigger: ctx.trigger,
      terms: searchTerms(subject, direction === 'sent' ? message.to[0] : message.from),
    };
    const now = () => this.now().toISOString();
    const found = this.match(ctx, message, direction);
    // A blocked address keeps the email out of the CRM even when the user picks records by hand.
    if (found.kind === 'skipped' && found.blockedBy && ctx.pick)
      throw new AppError('input.invalid', `This email is kept out of the CRM: ${found.reason}.`);
    const match = found.kind === 'skipped' && found.blockedBy ? found : this.picked(ctx, found, previous);
    // Already in the CRM: a rule or a match that changed since (resend all, sync selected) takes
    // nothing out of it, so its entry stays synced, with its activity, rather than read "No".
    if (match.kind !== 'matched' && previous?.status === 'synced') return 'alreadySynced';
    if (match.kind !== 'matched') {
      const status = match.kind === 'skipped' ? 'skipped' : 'no_match';
      await record(transitions.notSynced(ctx.pk, facts, previous, status, match.reason, now()));
      return status === 'skipped' ? 'excluded' : 'noMatch';
    }
    const failures: string[] = [];
    for (const [index, detail] of ATTEMPT_DETAILS.entries()) {
      try {
        // An email already in the CRM (resend all) only gets its links refreshed: no attachments again.
        const { input, notes, release } = await this.activityInput(
          ctx,
          message,
          direction,
          match,
          detail,
          !previous?.activityId,
        );
        // The attachments' spooled bytes go once the CRM has them (or the attempt failed); a spool
        // that will not go is the sweep's, not a reason to fail an email the CRM has.
        const result = await this.deps.crm
          .recordActivity(input)
          .finally(() =>
            release().catch((error: unknown) =>
              this.deps.logger.warn({ err: { message: (error as Error).message } }, 'attachment spool left'),
            ),
          );
        if (result.created) ctx.summary.activitiesCreated++;
        await record(
          transitions.synced(
            ctx.pk,
            facts,
            previous,
            {
              activityId: result.activityId,
              ...(match.linkType ? { linkType: match.linkType } : {}),
              candidates: match.candidates.map((c) => c.record.id),
              contacts: match.contacts.map((c) => c.record.id),
              companies: (match.companies ?? []).map((c) => c.record.id),
              detail,
              failedAttempts: index,
              notes: [...notes, ...(failures.length ? [`earlier attempts: ${failures.join(' | ')}`] : [])],
            },
            now(),
          ),
        );
        return 'synced';
      } catch (error) {
        if (!aboutThePayload(error)) {
          await stopForFault(error, {
            retried: ctx.retried,
            retryAt: new Date(this.now().getTime() + RESUME_AFTER_SECONDS * 1000),
            pending: (reason, retryAt) =>
              transitions.pending(ctx.pk, facts, previous, reason, retryAt, now()),
            record,
          });
        }
        failures.push((error as Error).message);
        this.deps.logger.warn(
          { messageId: message.id, detail, err: { message: (error as Error).message } },
          'sync attempt failed',
        );
      }
    }
    const note = failures.at(-1) ?? 'failed';
    await record(transitions.failed(ctx.pk, facts, previous, failures.length, note, now()));
    this.deps.events.emit('itemError', {
      ...ctx.user,
      runId: ctx.runId,
      messageId: message.id,
      subject: facts.subject,
      note,
    });
    return 'errors';
  }

  /** The activity for one attempt: less of the email each time, and only what the user lets through. */
  private async activityInput(
    ctx: RunContext,
    message: MailMessage,
    direction: 'received' | 'sent',
    match: Extract<MatchResult, { kind: 'matched' }>,
    detail: MessageDetail,
    fetchAttachments: boolean,
  ) {
    const notes: string[] = [];
    const visibility = ctx.settings.visibility;
    let attachments: ActivityInput['attachments'] = [];
    let release = async () => {};
    if (
      fetchAttachments &&
      detail === 'full' &&
      visibility === 'full' &&
      ctx.settings.attachments &&
      message.hasAttachments
    ) {
      const fetched = await this.deps.mailSource.attachmentFiles(
        ctx.user.userId,
        message.id,
        ctx.settings.attachmentMaxMb * 1024 * 1024,
      );
      release = fetched.release;
      // Streamed to the attachment store when the CRM writes them, never held whole.
      attachments = fetched.included.map((a) => ({
        name: a.name,
        contentType: a.contentType,
        size: a.size,
        open: a.open,
      }));
      const overSize = fetched.leftOut.filter((a) => a.reason === 'size');
      const cloudLinks = fetched.leftOut.filter((a) => a.reason === 'link');
      const pastCount = fetched.leftOut.filter((a) => a.reason === 'count');
      if (pastCount.length > 0)
        notes.push(`${pastCount.length} more attachments left out (too many in one email)`);
      if (overSize.length > 0) {
        notes.push(
          `attachments over the ${ctx.settings.attachmentMaxMb} MB limit left out: ${overSize.map((a) => `${a.name} (${Math.round(a.size / 1048576)} MB)`).join(', ')}`,
        );
      }
      if (cloudLinks.length > 0)
        notes.push(`links to cloud files, not stored: ${cloudLinks.map((a) => a.name).join(', ')}`);
    }
    const links = [...match.candidates, ...match.contacts, ...(match.companies ?? [])].map((m) => ({
      id: m.record.id,
      type: m.record.type,
    }));
    if (ctx.settings.linkCompanies) {
      for (const m of match.contacts)
        if (m.record.companyId && !links.some((l) => l.id === m.record.companyId))
          links.push({ id: m.record.companyId, type: 'company' });
    }
    const input: ActivityInput = {
      tenantId: ctx.user.tenantId,
      userId: ctx.user.userId,
      messageKey: message.internetMessageId ?? message.id,
      messageId: message.id,
      ...(visibility !== 'metadata' ? { subject: message.subject } : {}),
      ...(message.from ? { from: message.from.address } : {}),
      to: message.to.map((a) => a.address),
      cc: message.cc.map((a) => a.address),
      direction,
      occurredAt: message.receivedAt,
      ...(visibility === 'full' && detail !== 'headers' && message.body ? { body: message.body } : {}),
      attachments,
      ...(message.webLink ? { webLink: message.webLink } : {}),
      links,
    };
    return { input, notes, release };
  }

  private async stopped(user: UserRef, summary: RunSummary, error: unknown): Promise<void> {
    const note = (error as Error).message;
    if (AppError.is(error, 'sync.lease_lost')) {
      summary.status = 'busy';
      summary.note = 'another sync of your mailbox took over and carries on';
      return;
    }
    if (AppError.is(error, 'mail.needs_consent')) {
      summary.status = 'needs_consent';
      summary.note = `Microsoft Graph refused access to the mailbox: ${note}`;
      await this.deps.state.saveMailbox(user.tenantId, user.userId, {
        status: 'needs_consent',
        note: summary.note,
      });
      this.deps.events.emit('needsConsent', { ...user, note: summary.note });
      return;
    }
    if (isOutage(error)) {
      summary.status = 'paused';
      summary.note = `paused: ${note}`;
      // One hand-picked email (Associate, Outlook) is answered with the outage itself; the mailbox's
      // own runs say whether the mailbox is paused.
      if (summary.mode === 'selected' && summary.trigger !== 'retry') return;
      // The user hears of a pause once, not at every retry while the outage lasts.
      const before = await this.deps.state.mailbox(user.tenantId, user.userId).catch(() => undefined);
      const pausedAt =
        before?.status === 'paused' ? (before.pausedAt ?? before.updatedAt) : this.now().toISOString();
      await this.deps.state
        .saveMailbox(user.tenantId, user.userId, { status: 'paused', note: summary.note, pausedAt })
        .catch(() => undefined);
      if (before?.status !== 'paused')
        this.deps.events.emit('paused', { ...user, note: summary.note, pausedAt });
      return;
    }
    throw error;
  }

  private async finish(user: UserRef, summary: RunSummary): Promise<RunSummary> {
    summary.finishedAt = this.now().toISOString();
    // One email synced from Outlook is not a run of the mailbox: its last run and health stay as they were.
    if (summary.trigger === 'outlook' && summary.status === 'completed') return summary;
    if (summary.status === 'completed') {
      await this.deps.state.saveMailbox(user.tenantId, user.userId, {
        status: 'ok',
        note: undefined,
        pausedAt: undefined,
        lastRun: summary,
        lastSuccessAt: summary.finishedAt,
      });
    } else if (summary.status !== 'disabled') {
      await this.deps.state.saveMailbox(user.tenantId, user.userId, { lastRun: summary });
    }
    this.deps.events.emit('runSummary', { ...user, summary });
    return summary;
  }
}
