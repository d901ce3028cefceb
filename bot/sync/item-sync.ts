import type { CrmConnector, Directory, DirectoryMatch } from '../crm/crm.port.ts';
import type { CrmItems, RecordLink, TaskInput } from '../crm/crm-items.port.ts';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logging/logger.ts';
import type {
  CalendarWindow,
  ContactItem,
  EventItem,
  ItemDeltaPage,
  ItemKind,
  ItemSource,
  TaskItem,
} from '../mail-source/item-source.port.ts';
import type { MailSource } from '../mail-source/mail-source.port.ts';
import { type ItemEntry, type ItemFacts, type ItemLedgerRepository, itemTransitions } from './item-ledger.ts';
import {
  addressesIn,
  MAX_DESCRIPTION_CHARS,
  plainText,
  taskOtherInformation,
  utcInstant,
} from './item-text.ts';
import { MAX_ATTEMPTS, type LedgerRepository } from './ledger.ts';
import { blockedBy, linkTypeOf } from './matching.ts';
import { aboutThePayload, pool, stopForFault } from './sync-faults.ts';
import type { SyncEvents } from './sync-events.ts';
import type { SyncSettings } from './sync-settings.ts';
import {
  emptyItemCounts,
  type ItemRunCounts,
  type RunSummary,
  type SyncMode,
  type SyncStateRepository,
  type SyncTrigger,
} from './sync-state.ts';

/**
 * Contacts, To Do tasks and calendar events, synced by the same rules as email: delta pages per
 * collection (contact folder, task list, the calendar view), each page's entries in the ledger
 * before its bookmark moves, three attempts with less of the item each time, an outage pausing
 * the run with the item pending, and every CRM write idempotent on the item's key (its immutable
 * id; an event's iCalUId), so a crash, a 410 restart or a moved item never makes a second one.
 *
 * What differs by kind is in its handler: where its items are, what keeps one out of the CRM, what
 * it becomes there, and what a deletion in Outlook does.
 */

/** Items of a page worked on at once. */
const PAGE_CONCURRENCY = 8;
/** Unseen items settled, and written to the ledger, per step. */
const PAGE_SIZE_SETTLE = 100;
const MAX_RESETS_PER_COLLECTION = 3;
/**
 * The calendar window: recurring series are expanded inside it. It starts at the user's cutoff (no
 * earlier than a year back) and ends CALENDAR_AHEAD_DAYS ahead; once its end is less than
 * CALENDAR_RENEW_DAYS away, the next run reads a fresh window, so the future is always covered.
 */
export const CALENDAR_AHEAD_DAYS = 180;
export const CALENDAR_RENEW_DAYS = 90;
export const CALENDAR_BACK_DAYS_MAX = 365;
const DAY_MS = 86_400_000;
const CALENDAR_ID = 'calendar';

/** What the engine's run context gives an item sync (MailSync's run context is one). */
export interface ItemRunContext {
  user: { tenantId: string; userId: string };
  lease?: { held(): boolean };
  pk: string;
  runId: string;
  mode: SyncMode;
  trigger: SyncTrigger;
  settings: SyncSettings;
  ownAddresses: Set<string>;
  internalDomains: Set<string>;
  directory: Directory;
  /** The mailbox's folders: a contact in Deleted Items (a mail folder) was deleted. */
  folders: ReadonlyArray<{ id: string; wellKnownName?: string }>;
  cutoff: Date;
  force: boolean;
  summary: RunSummary;
  retried: boolean;
}

export interface ItemSyncDeps {
  source: ItemSource;
  crm: CrmConnector & CrmItems;
  ledger: ItemLedgerRepository;
  /** For tasks made from a flagged email: the email's matches. */
  mailLedger: LedgerRepository;
  mailSource: MailSource;
  state: SyncStateRepository;
  events: SyncEvents;
  logger: Logger;
  now: () => Date;
  /** When a paused item is tried again. */
  retryAfterSeconds: number;
}

interface ItemCollection {
  id: string;
  label: string;
  window?: CalendarWindow;
}

/** What to do with an item: write it, leave it, keep it out (and maybe take it out of the CRM). */
type Screen =
  | { act: 'write' }
  | { act: 'ignore' }
  | { act: 'skip'; reason: string; removeFromCrm?: boolean }
  | { act: 'keep'; how: 'cancelled' | 'deleted'; note: string };

interface Written {
  crmId: string;
  links: RecordLink[];
  notes: string[];
  removed?: 'cancelled';
}

interface KindHandler<T> {
  kind: ItemKind;
  /** For progress and notes: "Contacts", "Tasks", "Calendar". */
  label: string;
  collections(ctx: ItemRunContext): Promise<ItemCollection[]>;
  page(ctx: ItemRunContext, collection: ItemCollection, link?: string): Promise<ItemDeltaPage<T>>;
  id(item: T): string;
  facts(ctx: ItemRunContext, item: T, collectionId: string): Omit<ItemFacts, 'trigger'>;
  screen(ctx: ItemRunContext, item: T, previous: ItemEntry | undefined): Screen;
  /** Writes the item to the CRM; `attempt` 0 is all of it, 1 and 2 less each time. */
  write(ctx: ItemRunContext, item: T, attempt: number): Promise<Written>;
  /** The item now, wherever it is; undefined when it is gone for good. */
  locate(ctx: ItemRunContext, id: string, collections: readonly ItemCollection[]): Promise<T | undefined>;
  /** Whether a collection no longer listed is really gone; absent for the calendar, which cannot be. */
  exists?(ctx: ItemRunContext, collectionId: string): Promise<boolean>;
  /** The ids in a collection (in the window, for the calendar): a listing of ids only. */
  ids(ctx: ItemRunContext, collectionId: string, window?: CalendarWindow): Promise<Set<string>>;
  /**
   * The CRM's side of an item that `entry` synced and that is now gone from Outlook (`deleted`,
   * where Sync Deleted Items decides) or was made private (`private`: it leaves the CRM whatever
   * that option says). Returns the note for the ledger.
   */
  deleted(ctx: ItemRunContext, entry: ItemEntry, why: 'deleted' | 'private'): Promise<string>;
}

type Outcome = 'synced' | 'unchanged' | 'removed' | 'skipped' | 'errors' | 'ignored';

/** A Graph lookup that answers "gone" as undefined. */
async function unlessGone<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (AppError.is(error, 'mail.not_found')) return undefined;
    throw error;
  }
}

function lower(addresses: readonly string[]): string[] {
  return addresses.map((a) => a.trim().toLowerCase()).filter((a) => a.length > 0);
}

export class ItemSync {
  private readonly deps: ItemSyncDeps;
  private readonly handlers: {
    contact: KindHandler<ContactItem>;
    task: KindHandler<TaskItem>;
    event: KindHandler<EventItem>;
  };

  constructor(deps: ItemSyncDeps) {
    this.deps = deps;
    this.handlers = { contact: this.contactHandler(), task: this.taskHandler(), event: this.eventHandler() };
  }

  /** Whether the user turned this kind on. */
  static enabled(settings: SyncSettings, kind: ItemKind): boolean {
    if (kind === 'contact') return settings.contacts.enabled;
    if (kind === 'task') return settings.tasks.enabled;
    return settings.calendar.enabled;
  }

  /** Every collection of a kind, page by page from each one's bookmark. */
  async syncKind(ctx: ItemRunContext, kind: ItemKind): Promise<void> {
    const handler = this.handlers[kind] as KindHandler<unknown>;
    ctx.summary.items ??= {};
    ctx.summary.items[kind] ??= emptyItemCounts();
    const collections = await handler.collections(ctx);
    for (const collection of collections) await this.syncCollection(ctx, handler, collection, collections);
    await this.settleCollectionsGone(ctx, handler, collections);
  }

  /**
   * A contact folder or To Do list deleted in Outlook reports nothing about its items: a collection
   * that had a bookmark and is no longer listed has each of its items looked up (moved, or gone).
   */
  private async settleCollectionsGone(
    ctx: ItemRunContext,
    handler: KindHandler<unknown>,
    collections: readonly ItemCollection[],
  ): Promise<void> {
    const { tenantId, userId } = ctx.user;
    const listed = new Set(collections.map((c) => this.cursorKey(handler.kind, c.id)));
    const cursors = await this.deps.state.cursors(tenantId, userId, `${handler.kind}:`);
    for (const cursor of cursors) {
      if (listed.has(cursor.folderId) || !handler.exists) continue;
      const collectionId = cursor.folderId.slice(handler.kind.length + 1);
      // A listing can leave a list out; only Graph answering 404 for it says it is deleted.
      if (await handler.exists(ctx, collectionId)) {
        this.deps.logger.warn(
          { kind: handler.kind },
          'a collection missing from the listing is still there; left',
        );
        continue;
      }
      this.deps.logger.info({ kind: handler.kind }, 'a collection is gone; settling its items');
      await this.settleUnseen(ctx, handler, collectionId, new Set(), collections);
      await this.deps.state.clearCursor(tenantId, userId, cursor.folderId);
    }
  }

  /**
   * The ledger's items of a collection that a round read from the start did not see (or all of
   * them, when the collection is gone): each is looked up, then synced where it is now or settled
   * as deleted. A delta round reports these as removed; a round from the start cannot. An event
   * outside the window is out of the round's sight, not deleted, and is left as it is.
   */
  private async settleUnseen(
    ctx: ItemRunContext,
    handler: KindHandler<unknown>,
    collectionId: string,
    seen: ReadonlySet<string>,
    collections: readonly ItemCollection[],
    window?: CalendarWindow,
  ): Promise<void> {
    const unseen = (await this.deps.ledger.inCollection(ctx.pk, handler.kind, collectionId, window)).filter(
      (entry) => !seen.has(entry.itemId),
    );
    for (let i = 0; i < unseen.length; i += PAGE_SIZE_SETTLE) {
      this.checkLease(ctx);
      const entries: ItemEntry[] = [];
      try {
        await pool(unseen.slice(i, i + PAGE_SIZE_SETTLE), PAGE_CONCURRENCY, async (entry) => {
          const outcome = await this.settleRemoved(ctx, handler, entry, collections, (e) => {
            entries.push(e);
          });
          this.count(ctx, handler.kind, outcome);
        });
      } finally {
        await this.deps.ledger.putMany(entries);
      }
    }
  }

  /** The seeds' Sync Selected for one contact, task or event, whatever the kind's switch says. */
  async syncOne(ctx: ItemRunContext, kind: ItemKind, itemId: string): Promise<ItemEntry | undefined> {
    const handler = this.handlers[kind] as KindHandler<unknown>;
    ctx.summary.items ??= {};
    ctx.summary.items[kind] ??= emptyItemCounts();
    const { tenantId, userId } = ctx.user;
    const previous = await this.deps.ledger.get(tenantId, userId, kind, itemId);
    const collections = kind === 'task' ? await handler.collections(ctx) : [];
    // Where the ledger last saw it first: a task is looked for list by list.
    const ordered = previous
      ? [
          ...collections.filter((c) => c.id === previous.collectionId),
          ...collections.filter((c) => c.id !== previous.collectionId),
        ]
      : collections;
    const item = await handler.locate(ctx, itemId, ordered);
    if (item === undefined) {
      throw new AppError('mail.not_found', `That ${ITEM_WORDS[kind]} is no longer in Outlook.`);
    }
    const collectionId = this.collectionOf(kind, item);
    this.count(
      ctx,
      kind,
      await this.processItem(ctx, handler, item, collectionId, previous, true, (entry) =>
        this.deps.ledger.put(entry),
      ),
    );
    return this.deps.ledger.get(tenantId, userId, kind, handler.id(item));
  }

  /** A run that lost the mailbox's lease stops before it changes the CRM or a bookmark again. */
  private checkLease(ctx: ItemRunContext): void {
    if (ctx.lease && !ctx.lease.held())
      throw new AppError('sync.lease_lost', 'another sync took the mailbox over');
  }

  private collectionOf(kind: ItemKind, item: unknown): string {
    if (kind === 'contact') return (item as ContactItem).folderId;
    if (kind === 'task') return (item as TaskItem).listId;
    return CALENDAR_ID;
  }

  private cursorKey(kind: ItemKind, collectionId: string): string {
    return `${kind}:${collectionId}`;
  }

  private async syncCollection(
    ctx: ItemRunContext,
    handler: KindHandler<unknown>,
    collection: ItemCollection,
    collections: readonly ItemCollection[],
  ): Promise<void> {
    const { tenantId, userId } = ctx.user;
    const key = this.cursorKey(handler.kind, collection.id);
    const cursor = await this.deps.state.cursor(tenantId, userId, key);
    // A calendar window that no longer covers what it must (its end too close, the cutoff moved
    // earlier) starts a fresh round; the keys keep anything already synced from being made twice.
    const stale =
      collection.window !== undefined &&
      (cursor?.window === undefined ||
        Date.parse(cursor.window.end) - this.deps.now().getTime() < CALENDAR_RENEW_DAYS * DAY_MS ||
        Date.parse(collection.window.start) < Date.parse(cursor.window.start));
    let link = (ctx.force && !cursor?.forced) || stale ? undefined : cursor?.link;
    const window = link && cursor?.window ? cursor.window : collection.window;
    const forced = ctx.force || (cursor?.forced ?? false);
    const runCtx = forced === ctx.force ? ctx : { ...ctx, force: forced };
    // A round from the start (resumed, when a run stopped inside one) ends by settling what it did
    // not see; the ids this run saw spare those a lookup. One resumed from a bookmark looks up more.
    let full = link === undefined || (cursor?.full ?? false);
    // Resumed from a bookmark inside a round from the start: what earlier runs saw is not in `seen`,
    // so the round's end lists the collection's ids (a few requests) rather than look each one up.
    let resumed = link !== undefined && full;
    const seen = new Set<string>();
    let resets = 0;
    for (;;) {
      let page: ItemDeltaPage<unknown>;
      try {
        page = await handler.page(ctx, window ? { ...collection, window } : collection, link);
      } catch (error) {
        // A 404 settles a collection's items only once Graph says the collection itself is gone:
        // never the calendar's (it cannot be deleted; a 404 there is the mailbox's, not the events').
        if (
          AppError.is(error, 'mail.not_found') &&
          handler.exists &&
          !(await handler.exists(ctx, collection.id))
        ) {
          this.deps.logger.warn(
            { kind: handler.kind, collection: collection.label },
            'collection gone; settling its items',
          );
          const others = collections.filter((c) => c.id !== collection.id);
          await this.settleUnseen(runCtx, handler, collection.id, new Set(), others);
          await this.deps.state.clearCursor(tenantId, userId, key);
          return;
        }
        if (!AppError.is(error, 'mail.delta_reset') || resets >= MAX_RESETS_PER_COLLECTION) throw error;
        resets++;
        this.deps.logger.warn(
          { kind: handler.kind, collection: collection.label, resets },
          'delta reset; starting over',
        );
        await this.deps.state.clearCursor(tenantId, userId, key);
        link = undefined;
        full = true;
        resumed = false;
        seen.clear();
        continue;
      }
      for (const item of page.items) seen.add(handler.id(item));
      const ids = [...page.items.map((i) => handler.id(i)), ...page.removed];
      const existing = await this.deps.ledger.getMany(ctx.pk, handler.kind, ids);
      const entries: ItemEntry[] = [];
      const record = (entry: ItemEntry) => {
        entries.push(entry);
      };
      try {
        await pool(page.items, PAGE_CONCURRENCY, async (item) => {
          const id = handler.id(item);
          this.count(
            ctx,
            handler.kind,
            await this.processItem(runCtx, handler, item, collection.id, existing.get(id), false, record),
          );
        });
        // The page's items are in the ledger before its removals are settled: a re-sent invitation
        // (a new event with the old one's iCalUId) keeps the appointment the old one leaves.
        await this.deps.ledger.putMany(entries.splice(0));
        // Left this collection: moved (then it is wherever it is now) or deleted. Only items the
        // ledger knows matter; each is settled before the bookmark moves past it.
        for (const id of page.removed) {
          const previous = existing.get(id);
          if (!previous || previous.removed === 'deleted') continue;
          this.count(
            ctx,
            handler.kind,
            await this.settleRemoved(runCtx, handler, previous, collections, record),
          );
        }
      } catch (error) {
        await this.deps.ledger.putMany(entries).catch(() => undefined);
        throw error;
      }
      await this.deps.ledger.putMany(entries);
      this.checkLease(ctx);
      const next = page.nextLink ?? page.deltaLink;
      if (!next)
        throw new AppError(
          'mail.bad_request',
          `${handler.label} delta page had neither nextLink nor deltaLink`,
        );
      // The round's end: before its delta link is kept, what it did not see is settled.
      if (!page.nextLink && full) {
        if (resumed) for (const id of await handler.ids(ctx, collection.id, window)) seen.add(id);
        await this.settleUnseen(runCtx, handler, collection.id, seen, collections, window);
        this.checkLease(ctx);
      }
      await this.deps.state.saveCursor(tenantId, userId, key, next, {
        forced: page.nextLink ? forced : false,
        full: page.nextLink ? full : false,
        ...(window ? { window } : {}),
      });
      this.deps.events.emit('progress', {
        ...ctx.user,
        runId: ctx.runId,
        mode: ctx.mode,
        folder: `${handler.label}: ${collection.label}`,
        processed: ctx.summary.processed,
        total: ctx.summary.processed,
        // The run's email so far, as the mail's own progress gave it.
        byStatus: {
          synced: ctx.summary.synced + ctx.summary.alreadySynced,
          no_match: ctx.summary.noMatch,
          error: ctx.summary.errors,
          pending: 0,
          skipped: ctx.summary.keptOut,
        },
        kind: handler.kind,
        items: { ...(ctx.summary.items?.[handler.kind] ?? emptyItemCounts()) },
      });
      if (!page.nextLink) return;
      link = page.nextLink;
    }
  }

  /** An item the ledger knows left its collection: moved (sync it where it is) or deleted. */
  private async settleRemoved(
    ctx: ItemRunContext,
    handler: KindHandler<unknown>,
    previous: ItemEntry,
    collections: readonly ItemCollection[],
    record: (entry: ItemEntry) => void,
  ): Promise<Outcome> {
    const now = await handler.locate(ctx, previous.itemId, collections);
    if (now !== undefined) {
      return this.processItem(
        ctx,
        handler,
        now,
        this.collectionOf(handler.kind, now),
        previous,
        false,
        record,
      );
    }
    const at = this.deps.now().toISOString();
    // Whether the CRM has a copy is its id's to say: a later Error or a rule keeping it out since
    // does not take the copy out of the CRM.
    if (!previous.crmId) {
      record(itemTransitions.removed(previous, 'deleted', 'deleted in Outlook', ctx.trigger, at));
      return 'removed';
    }
    const note = await handler.deleted(ctx, previous, 'deleted');
    record(itemTransitions.removed(previous, 'deleted', note, ctx.trigger, at));
    return 'removed';
  }

  private async processItem(
    ctx: ItemRunContext,
    handler: KindHandler<unknown>,
    item: unknown,
    collectionId: string,
    previous: ItemEntry | undefined,
    selected: boolean,
    record: (entry: ItemEntry) => Promise<void> | void,
  ): Promise<Outcome> {
    const facts: ItemFacts = { ...handler.facts(ctx, item, collectionId), trigger: ctx.trigger };
    const now = () => this.deps.now().toISOString();
    const sameVersion = previous?.changeKey !== undefined && previous.changeKey === facts.changeKey;
    // A deleted one that is back (restored in Outlook) is written again, whatever its change key; a
    // cancelled event seen again unchanged (a round from the start lists it) is news to nobody.
    if (previous && !selected && !ctx.force && sameVersion && previous.removed !== 'deleted') {
      // Outlook has not changed it since: an Error stays for the user's retry, the rest stands.
      if (previous.status === 'error') return 'ignored';
      if (previous.status === 'synced' || previous.status === 'skipped') {
        // A move to another folder or list is news for the ledger, not for the CRM.
        if (previous.collectionId !== collectionId)
          await record({ ...previous, collectionId, updatedAt: now() });
        return 'unchanged';
      }
    }
    const screen = handler.screen(ctx, item, previous);
    if (screen.act === 'ignore') return 'ignored';
    if (screen.act === 'keep') {
      // Its CRM copy stays as it was; the ledger learns what happened, and its latest version.
      if (previous) {
        const removed = itemTransitions.removed(previous, screen.how, screen.note, ctx.trigger, now());
        await record({ ...removed, ...facts, kindStatus: removed.kindStatus });
      }
      return 'removed';
    }
    if (screen.act === 'skip') {
      let reason = screen.reason;
      // Made private after it was synced: privacy outranks Sync Deleted Items, so it leaves the CRM.
      let gone = false;
      if (screen.removeFromCrm && previous?.crmId) {
        reason = `${reason}; ${await handler.deleted(ctx, previous, 'private')}`;
        gone = true;
      }
      const skipped = itemTransitions.skipped(ctx.pk, facts, previous, reason, now());
      // A private one keeps no trace of who it was with, nor of a CRM copy it no longer has.
      if (screen.removeFromCrm) {
        delete skipped.matched;
        delete skipped.linkType;
      }
      if (gone) delete skipped.crmId;
      await record(skipped);
      return 'skipped';
    }
    const failures: string[] = [];
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        const written = await handler.write(ctx, item, attempt);
        const directory = ctx.directory;
        const candidates = written.links.filter((l) => l.type === 'candidate').map((l) => l.id);
        const contacts = written.links.filter((l) => l.type === 'contact').map((l) => l.id);
        const linkType = linkTypeOf(written.links.map((l) => directory.get(l.id) ?? l));
        const notes = [...written.notes];
        if (attempt > 0)
          notes.unshift(`synced with less of it after ${attempt} failed attempt(s): ${failures.join(' | ')}`);
        const entry = itemTransitions.synced(
          ctx.pk,
          facts,
          previous,
          {
            crmId: written.crmId,
            ...(linkType ? { linkType } : {}),
            candidates,
            contacts,
            failedAttempts: attempt,
            notes,
          },
          now(),
        );
        if (written.removed) entry.removed = written.removed;
        else delete entry.removed;
        await record(entry);
        return written.removed ? 'removed' : 'synced';
      } catch (error) {
        if (!aboutThePayload(error)) {
          await stopForFault(error, {
            retried: ctx.retried,
            retryAt: new Date(this.deps.now().getTime() + this.deps.retryAfterSeconds * 1000),
            pending: (reason, retryAt) =>
              itemTransitions.pending(ctx.pk, facts, previous, reason, retryAt, now()),
            record,
          });
        }
        failures.push((error as Error).message);
        this.deps.logger.warn(
          { kind: handler.kind, itemId: facts.itemId, attempt, err: { message: (error as Error).message } },
          'item sync attempt failed',
        );
      }
    }
    const note = failures.at(-1) ?? 'failed';
    await record(itemTransitions.failed(ctx.pk, facts, previous, failures.length, note, now()));
    this.deps.events.emit('itemError', {
      ...ctx.user,
      runId: ctx.runId,
      messageId: facts.itemId,
      subject: facts.title,
      note,
      kind: handler.kind,
    });
    return 'errors';
  }

  private count(ctx: ItemRunContext, kind: ItemKind, outcome: Outcome): void {
    const counts: ItemRunCounts = ((ctx.summary.items ??= {})[kind] ??= emptyItemCounts());
    if (outcome === 'ignored') return;
    counts.processed++;
    counts[outcome]++;
  }

  /** Candidates and contacts with these addresses, never the user's own; each record once. */
  private linksFor(ctx: ItemRunContext, addresses: readonly string[]): RecordLink[] {
    const notOwn = lower(addresses).filter((a) => !ctx.ownAddresses.has(a));
    const found = ctx.directory.lookup(notOwn);
    return [...found.candidates, ...found.contacts].map((m: DirectoryMatch) => ({
      id: m.record.id,
      type: m.record.type,
    }));
  }

  private firstBlocked(ctx: ItemRunContext, addresses: readonly string[]): string | undefined {
    for (const address of lower(addresses)) {
      if (ctx.ownAddresses.has(address)) continue;
      const entry = blockedBy(address, ctx.settings.blocklist);
      if (entry) return entry === address ? address : `${address} (${entry})`;
    }
    return undefined;
  }

  private contactHandler(): KindHandler<ContactItem> {
    const { source, crm } = this.deps;
    return {
      kind: 'contact',
      label: 'Contacts',
      collections: async (ctx) =>
        (await source.contactFolders(ctx.user.userId)).map((f) => ({ id: f.id, label: f.displayName })),
      page: (ctx, collection, link) => source.contactsDelta(ctx.user.userId, collection.id, link),
      id: (contact) => contact.id,
      facts: (_ctx, contact, collectionId) => ({
        kind: 'contact',
        itemId: contact.id,
        collectionId,
        title: this.contactName(contact).slice(0, 255),
        at: contact.lastModifiedAt,
        ...(contact.changeKey ? { changeKey: contact.changeKey } : {}),
      }),
      screen: (ctx, contact) => {
        const emails = lower(contact.emails);
        if (emails.length === 0 && !this.contactName(contact))
          return { act: 'skip', reason: 'no name or address to make a CRM contact of' };
        const colleague = emails.find(
          (a) => ctx.ownAddresses.has(a) || ctx.internalDomains.has(a.slice(a.lastIndexOf('@') + 1)),
        );
        if (colleague)
          return { act: 'skip', reason: `a colleague: ${colleague} is inside your organization` };
        const blocked = this.firstBlocked(ctx, emails);
        if (blocked) return { act: 'skip', reason: `blocked: ${blocked} is on your blocklist` };
        return { act: 'write' };
      },
      write: async (ctx, contact, attempt) => {
        const full = ctx.settings.visibility === 'full';
        const name = this.contactName(contact) || (contact.emails[0] ?? '');
        const result = await crm.upsertContact({
          tenantId: ctx.user.tenantId,
          userId: ctx.user.userId,
          sourceId: contact.id,
          name,
          emails: contact.emails,
          ...(contact.companyName ? { companyName: contact.companyName } : {}),
          ...(attempt < 2
            ? {
                ...(contact.givenName ? { givenName: contact.givenName } : {}),
                ...(contact.surname ? { surname: contact.surname } : {}),
                ...(contact.businessPhones[0] ? { phone: contact.businessPhones[0] } : {}),
                ...(contact.mobilePhone ? { mobile: contact.mobilePhone } : {}),
                ...(contact.jobTitle ? { title: contact.jobTitle } : {}),
                ...(contact.department ? { department: contact.department } : {}),
                ...(contact.businessAddress ? { address: contact.businessAddress } : {}),
                ...(contact.businessHomePage ? { website: contact.businessHomePage } : {}),
              }
            : {}),
          ...(attempt === 0 && full && contact.personalNotes
            ? { notes: contact.personalNotes.slice(0, 4_000) }
            : {}),
        });
        const notes: string[] = [];
        if (result.outcome === 'created') notes.push('new CRM contact');
        else if (result.outcome === 'updated')
          notes.push(`CRM contact updated: ${result.fieldsSet.join(', ')}`);
        else notes.push('the CRM contact already had all of it');
        if (result.company?.created) notes.push(`company ${result.company.name} added to the CRM`);
        if (result.alsoMatched.length > 0)
          notes.push(`${result.alsoMatched.length} other CRM contact(s) share an address; left as they are`);
        return { crmId: result.record.id, links: [{ id: result.record.id, type: 'contact' }], notes };
      },
      locate: async (ctx, id) => {
        const contact = await unlessGone(source.contact(ctx.user.userId, id));
        // Outlook keeps a deleted contact in Deleted Items: found by id, and gone for us.
        const deletedItems = ctx.folders.find((f) => f.wellKnownName === 'deleteditems')?.id;
        return contact && contact.folderId !== deletedItems ? contact : undefined;
      },
      exists: (ctx, folderId) => source.collectionExists(ctx.user.userId, 'contact', folderId),
      ids: (ctx, folderId) => source.itemIds(ctx.user.userId, 'contact', folderId),
      // The CRM contact stays: the CRM knows more about a person than Outlook (the seeds' reason).
      deleted: async () =>
        'deleted in Outlook; the CRM contact stays (the CRM keeps more about a person than Outlook)',
    };
  }

  private contactName(contact: ContactItem): string {
    return (contact.displayName || [contact.givenName, contact.surname].filter(Boolean).join(' ')).trim();
  }

  private taskHandler(): KindHandler<TaskItem> {
    const { source, crm } = this.deps;
    return {
      kind: 'task',
      label: 'Tasks',
      collections: async (ctx) =>
        (await source.taskLists(ctx.user.userId)).map((l) => ({ id: l.id, label: l.displayName })),
      page: (ctx, collection, link) => source.tasksDelta(ctx.user.userId, collection.id, link),
      id: (task) => task.id,
      facts: (_ctx, task, collectionId) => ({
        kind: 'task',
        itemId: task.id,
        collectionId,
        title: task.title.slice(0, 255),
        at: task.dueAt ? utcInstant(task.dueAt) : task.createdAt,
        ...(task.changeKey ? { changeKey: task.changeKey } : { changeKey: task.lastModifiedAt }),
      }),
      screen: (ctx, task) => {
        const blocked = this.firstBlocked(ctx, addressesIn(task.title));
        if (blocked) return { act: 'skip', reason: `blocked: ${blocked} is on your blocklist` };
        return { act: 'write' };
      },
      write: async (ctx, task, attempt) => {
        const links = await this.taskLinks(ctx, task);
        const full = ctx.settings.visibility === 'full';
        const parts: string[] = [];
        if (attempt === 0 && full) parts.push(plainText(task.body, MAX_DESCRIPTION_CHARS));
        if (attempt < 2 && ctx.settings.tasks.otherInfoInDescription) parts.push(taskOtherInformation(task));
        const description = parts.filter(Boolean).join('\n\n').slice(0, MAX_DESCRIPTION_CHARS);
        const input: TaskInput = {
          tenantId: ctx.user.tenantId,
          userId: ctx.user.userId,
          key: task.id,
          title: task.title.slice(0, 255) || '(no title)',
          status: TASK_STATUS[task.status],
          priority: task.importance,
          ...(task.dueAt ? { dueAt: task.dueAt.dateTime.slice(0, 10) } : {}),
          ...(description ? { description } : {}),
          links,
        };
        const result = await crm.upsertTask(input);
        const notes = [result.created ? 'new CRM task' : 'CRM task updated'];
        if (links.length === 0) notes.push('nobody in the CRM is named on it');
        return { crmId: result.taskId, links, notes };
      },
      locate: async (ctx, id, collections) => {
        for (const list of collections) {
          const task = await unlessGone(source.task(ctx.user.userId, list.id, id));
          if (task) return task;
        }
        return undefined;
      },
      exists: (ctx, listId) => source.collectionExists(ctx.user.userId, 'task', listId),
      ids: (ctx, listId) => source.itemIds(ctx.user.userId, 'task', listId),
      deleted: async (ctx, entry) => {
        if (!ctx.settings.tasks.syncDeleted)
          return 'deleted in Outlook; kept in the CRM (Sync Deleted Items is off)';
        await crm.deleteTask(ctx.user.tenantId, ctx.user.userId, entry.itemId);
        return 'deleted in Outlook, so deleted in the CRM (Sync Deleted Items is on)';
      },
    };
  }

  /**
   * Who a task is about: the people of the email it was made from (a flagged email: its linked
   * resource names the email), and anyone whose address is in its title or body.
   */
  private async taskLinks(ctx: ItemRunContext, task: TaskItem): Promise<RecordLink[]> {
    const addresses = [...addressesIn(task.title), ...addressesIn(plainText(task.body, 8_192))];
    const links = new Map<string, RecordLink>();
    for (const resource of task.linkedResources.slice(0, 5)) {
      if (!resource.externalId) continue;
      const { tenantId, userId } = ctx.user;
      const entry = await this.deps.mailLedger.get(tenantId, userId, resource.externalId);
      if (entry?.matched) {
        for (const id of [...entry.matched.candidates, ...entry.matched.contacts]) {
          const record = ctx.directory.get(id);
          if (record && record.type !== 'company') links.set(id, { id, type: record.type });
        }
        continue;
      }
      // Not synced (yet): the email's people, read from its headers.
      const message = await unlessGone(this.deps.mailSource.message(userId, resource.externalId, 'headers'));
      if (message) {
        addresses.push(
          ...[message.from, ...message.to, ...message.cc]
            .filter((a): a is NonNullable<typeof a> => a !== undefined)
            .map((a) => a.address),
        );
      }
    }
    for (const link of this.linksFor(ctx, addresses)) links.set(link.id, link);
    return [...links.values()];
  }

  private eventHandler(): KindHandler<EventItem> {
    const { source, crm } = this.deps;
    const participants = (event: EventItem) => [
      ...(event.organizer ? [event.organizer.address] : []),
      ...event.attendees.filter((a) => a.type !== 'resource').map((a) => a.address),
    ];
    const isPrivate = (event: EventItem) =>
      event.sensitivity === 'private' || event.sensitivity === 'confidential';
    return {
      kind: 'event',
      label: 'Calendar',
      collections: async (ctx) => [{ id: CALENDAR_ID, label: 'Calendar', window: this.calendarWindow(ctx) }],
      page: (ctx, collection, link) =>
        source.eventsDelta(ctx.user.userId, collection.window ?? this.calendarWindow(ctx), link),
      id: (event) => event.id,
      facts: (ctx, event) => ({
        kind: 'event',
        itemId: event.id,
        collectionId: CALENDAR_ID,
        // A private event's subject is kept nowhere; metadata-only keeps no subjects at all.
        title: isPrivate(event) || ctx.settings.visibility === 'metadata' ? '' : event.subject.slice(0, 255),
        at: utcInstant(event.start),
        key: event.iCalUId || event.id,
        ...(event.changeKey ? { changeKey: event.changeKey } : { changeKey: event.lastModifiedAt }),
      }),
      screen: (ctx, event, previous) => {
        if (event.type === 'seriesMaster') return { act: 'ignore' };
        if (isPrivate(event))
          return { act: 'skip', reason: 'private appointment: never synced', removeFromCrm: true };
        const blocked = this.firstBlocked(ctx, participants(event));
        if (blocked) return { act: 'skip', reason: `blocked: ${blocked} is on your blocklist` };
        if (event.isCancelled) {
          if (!previous?.crmId) return { act: 'skip', reason: 'cancelled in Outlook before it was synced' };
          if (!ctx.settings.calendar.syncDeleted)
            return {
              act: 'keep',
              how: 'cancelled',
              note: 'cancelled in Outlook; left as it was in the CRM (Sync Deleted Items is off)',
            };
        }
        return { act: 'write' };
      },
      write: async (ctx, event, attempt) => {
        const links = this.linksFor(ctx, participants(event));
        const visibility = ctx.settings.visibility;
        const result = await crm.upsertAppointment({
          tenantId: ctx.user.tenantId,
          userId: ctx.user.userId,
          key: event.iCalUId || event.id,
          eventId: event.id,
          ...(visibility !== 'metadata' ? { subject: event.subject.slice(0, 255) } : {}),
          start: utcInstant(event.start),
          end: utcInstant(event.end),
          ...(event.originalTimeZone ? { timeZone: event.originalTimeZone } : {}),
          isAllDay: event.isAllDay,
          ...(attempt < 2 && event.location ? { location: event.location.slice(0, 255) } : {}),
          ...(attempt < 2 && event.onlineMeetingUrl
            ? { onlineMeetingUrl: event.onlineMeetingUrl.slice(0, 2_048) }
            : {}),
          ...(event.organizer ? { organizer: event.organizer.address } : {}),
          attendees: attempt < 2 ? lower(event.attendees.map((a) => a.address)).slice(0, 250) : [],
          ...(attempt === 0 && visibility === 'full' && event.body?.content ? { body: event.body } : {}),
          status: event.isCancelled ? 'cancelled' : 'scheduled',
          links,
          ...(event.webLink ? { webLink: event.webLink } : {}),
        });
        const notes = [result.created ? 'new CRM appointment' : 'CRM appointment updated'];
        if (event.type === 'occurrence' || event.type === 'exception')
          notes.push('one occurrence of a recurring series');
        if (links.length === 0) notes.push('no attendee is in the CRM');
        if (event.isCancelled) {
          notes.unshift('cancelled in Outlook, so cancelled in the CRM (Sync Deleted Items is on)');
          return { crmId: result.appointmentId, links, notes, removed: 'cancelled' };
        }
        return { crmId: result.appointmentId, links, notes };
      },
      locate: (ctx, id) => unlessGone(source.event(ctx.user.userId, id)),
      ids: (ctx, _calendar, window) =>
        source.itemIds(ctx.user.userId, 'event', CALENDAR_ID, window ?? this.calendarWindow(ctx)),
      deleted: async (ctx, entry, why) => {
        if (why === 'deleted' && !ctx.settings.calendar.syncDeleted)
          return 'deleted in Outlook; kept in the CRM (Sync Deleted Items is off)';
        const key = entry.key ?? entry.itemId;
        if (why === 'deleted') {
          // A re-sent invitation is a new event with the same iCalUId: the meeting is still on.
          // The ledger names the candidates; Outlook says whether one is still in the calendar (both
          // may be going in the same page).
          const others = (await this.deps.ledger.withKey(ctx.pk, 'event', key)).filter(
            (e) => e.itemId !== entry.itemId && e.crmId && e.status === 'synced' && !e.removed,
          );
          for (const other of others.slice(0, 5)) {
            const live = await unlessGone(source.event(ctx.user.userId, other.itemId));
            if (live && !live.isCancelled)
              return 'deleted in Outlook; the CRM appointment stays, as another Outlook event is the same meeting (a re-sent invitation)';
          }
        }
        await crm.deleteAppointment(ctx.user.tenantId, ctx.user.userId, key);
        return why === 'private'
          ? 'made private in Outlook, so taken out of the CRM'
          : 'deleted in Outlook, so deleted in the CRM (Sync Deleted Items is on)';
      },
    };
  }

  calendarWindow(ctx: Pick<ItemRunContext, 'cutoff'>): CalendarWindow {
    return calendarWindow(ctx.cutoff, this.deps.now());
  }
}

/** From the cutoff (at most a year back) to CALENDAR_AHEAD_DAYS ahead, whole days in UTC. */
export function calendarWindow(cutoff: Date, now: Date): CalendarWindow {
  const earliest = now.getTime() - CALENDAR_BACK_DAYS_MAX * DAY_MS;
  const startMs = Math.floor(Math.max(cutoff.getTime(), earliest) / DAY_MS) * DAY_MS;
  const endMs = Math.ceil((now.getTime() + CALENDAR_AHEAD_DAYS * DAY_MS) / DAY_MS) * DAY_MS;
  return { start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString() };
}

const ITEM_WORDS: Record<ItemKind, string> = { contact: 'contact', task: 'task', event: 'appointment' };

const TASK_STATUS: Record<TaskItem['status'], TaskInput['status']> = {
  notStarted: 'not_started',
  inProgress: 'in_progress',
  completed: 'completed',
  waitingOnOthers: 'waiting',
  deferred: 'deferred',
};
