import { createHash } from 'node:crypto';
import type { ItemKind } from '../mail-source/item-source.port.ts';
import { CONTAINERS } from '../store/containers.ts';
import {
  type Collection,
  type Doc,
  type Filter,
  type Page,
  queryAll,
  readByIds,
  type Store,
  userPartition,
} from '../store/store.port.ts';
import { emptyCounts, LEDGER_STATUSES, type LedgerCounts, type LedgerStatus } from './ledger.ts';
import type { LinkType } from './matching.ts';
import type { SyncTrigger } from './sync-state.ts';

/**
 * The ledger of contacts, tasks and events: one entry per (user, item), with the email ledger's
 * statuses (Yes / No / Error / pending) and its rules: an Error item is left alone by automatic
 * sync until it changes in Outlook or the user retries it; a synced one is written again only when
 * Outlook changed it (its change key) or the user resends everything.
 */

export interface ItemFacts {
  kind: ItemKind;
  /** The item's immutable id. */
  itemId: string;
  /** Its contact folder or To Do list; `calendar` for events. */
  collectionId: string;
  /** What the user knows it by: a contact's name, a task's title, an event's subject ('' when kept private). */
  title: string;
  /** The date the view sorts by: an event's start, a task's due date (else its creation), a contact's last change. */
  at: string;
  /** The CRM's key for it when that is not the item's id: an event's iCalUId. */
  key?: string;
  /** Outlook's change key when it was last looked at: a new one means it changed. */
  changeKey?: string;
  trigger?: SyncTrigger;
}

export interface ItemEntry extends Doc, ItemFacts {
  /** `kind:status`, counted by the store so each kind's counts are one read. */
  kindStatus: `${ItemKind}:${LedgerStatus}`;
  status: LedgerStatus;
  note?: string;
  /** The CRM contact, task or appointment it became. */
  crmId?: string;
  linkType?: LinkType;
  matched?: { candidates: string[]; contacts: string[] };
  attempts: number;
  retryAt?: string;
  /** Gone from Outlook since it was synced (deleted, or an event cancelled); the note says what the CRM did. */
  removed?: 'deleted' | 'cancelled';
  createdAt: string;
  updatedAt: string;
}

export function itemEntryId(kind: ItemKind, itemId: string): string {
  return `${kind}-${createHash('sha256').update(itemId).digest('base64url').slice(0, 40)}`;
}

function base(pk: string, facts: ItemFacts, previous: ItemEntry | undefined, now: string): ItemEntry {
  const status = previous?.status ?? 'pending';
  return {
    id: itemEntryId(facts.kind, facts.itemId),
    pk,
    ...facts,
    kindStatus: `${facts.kind}:${status}`,
    status,
    attempts: previous?.attempts ?? 0,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
    ...(previous?.crmId ? { crmId: previous.crmId } : {}),
    ...(previous?.linkType ? { linkType: previous.linkType } : {}),
    ...(previous?.matched ? { matched: previous.matched } : {}),
  };
}

function withStatus(entry: ItemEntry, status: LedgerStatus): ItemEntry {
  return { ...entry, status, kindStatus: `${entry.kind}:${status}` };
}

export const itemTransitions = {
  synced(
    pk: string,
    facts: ItemFacts,
    previous: ItemEntry | undefined,
    result: {
      crmId: string;
      linkType?: LinkType;
      candidates: string[];
      contacts: string[];
      failedAttempts: number;
      notes: string[];
    },
    now: string,
  ): ItemEntry {
    const entry = withStatus(base(pk, facts, previous, now), 'synced');
    entry.attempts = (previous?.attempts ?? 0) + result.failedAttempts + 1;
    entry.crmId = result.crmId;
    if (result.linkType) entry.linkType = result.linkType;
    else delete entry.linkType;
    entry.matched = { candidates: result.candidates, contacts: result.contacts };
    if (result.notes.length > 0) entry.note = result.notes.join('; ');
    return entry;
  },

  /** Kept out of the CRM, with the reason (a private event, a colleague's contact, the blocklist). */
  skipped(pk: string, facts: ItemFacts, previous: ItemEntry | undefined, reason: string, now: string) {
    return { ...withStatus(base(pk, facts, previous, now), 'skipped'), note: reason };
  },

  /** Deleted or cancelled in Outlook after it was synced; `note` says what the CRM did about it. */
  removed(
    previous: ItemEntry,
    how: 'deleted' | 'cancelled',
    note: string,
    trigger: SyncTrigger,
    now: string,
  ): ItemEntry {
    return { ...previous, removed: how, note, trigger, updatedAt: now };
  },

  /** An outage stopped the attempt; a synced item stays synced (its CRM copy is there). */
  pending(
    pk: string,
    facts: ItemFacts,
    previous: ItemEntry | undefined,
    reason: string,
    retryAt: string,
    now: string,
  ): ItemEntry | undefined {
    if (previous?.status === 'synced') return undefined;
    return {
      ...withStatus(base(pk, facts, previous, now), 'pending'),
      note: `waiting to retry: ${reason}`,
      retryAt,
    };
  },

  failed(
    pk: string,
    facts: ItemFacts,
    previous: ItemEntry | undefined,
    failedAttempts: number,
    reason: string,
    now: string,
  ): ItemEntry {
    const entry = withStatus(base(pk, facts, previous, now), 'error');
    entry.attempts = (previous?.attempts ?? 0) + failedAttempts;
    entry.note = reason;
    return entry;
  },
};

export type ItemCounts = Record<ItemKind, LedgerCounts>;

export class ItemLedgerRepository {
  private readonly items: Collection<ItemEntry>;

  constructor(store: Store) {
    this.items = store.collection<ItemEntry>(CONTAINERS.itemLedger);
  }

  partition(tenantId: string, userId: string): string {
    return userPartition(tenantId, userId);
  }

  async get(
    tenantId: string,
    userId: string,
    kind: ItemKind,
    itemId: string,
  ): Promise<ItemEntry | undefined> {
    return (await this.items.read(userPartition(tenantId, userId), itemEntryId(kind, itemId)))?.value;
  }

  /** The entries for a page of one kind's items, in one query. */
  async getMany(pk: string, kind: ItemKind, itemIds: readonly string[]): Promise<Map<string, ItemEntry>> {
    return readByIds(
      this.items,
      pk,
      itemIds.map((id) => itemEntryId(kind, id)),
      (entry) => entry.itemId,
    );
  }

  async put(entry: ItemEntry): Promise<void> {
    await this.items.upsert(entry);
  }

  async putMany(entries: readonly ItemEntry[]): Promise<void> {
    if (entries.length > 0) await this.items.upsertMany(entries);
  }

  /** Each kind's counts by status: one counted read each. */
  async counts(tenantId: string, userId: string): Promise<ItemCounts> {
    const pk = userPartition(tenantId, userId);
    const kinds = ['contact', 'task', 'event'] as const;
    const result = { contact: emptyCounts(), task: emptyCounts(), event: emptyCounts() };
    await Promise.all(
      kinds.flatMap((kind) =>
        LEDGER_STATUSES.map(async (status) => {
          result[kind][status] = await this.items.count(pk, [
            { field: 'kindStatus', op: '=', value: `${kind}:${status}` },
          ]);
        }),
      ),
    );
    return result;
  }

  /** One kind's items, newest first, a page at a time; optionally one status. */
  async list(
    tenantId: string,
    userId: string,
    kind: ItemKind,
    filter: { status?: LedgerStatus } = {},
    page: { limit?: number; continuation?: string } = {},
  ): Promise<Page<ItemEntry>> {
    const filters: Filter[] = filter.status
      ? [{ field: 'kindStatus', op: '=', value: `${kind}:${filter.status}` }]
      : [{ field: 'kind', op: '=', value: kind }];
    return this.items.query(userPartition(tenantId, userId), {
      filters,
      orderBy: { field: 'at', direction: 'desc' },
      limit: page.limit ?? 50,
      ...(page.continuation ? { continuation: page.continuation } : {}),
    });
  }

  /** The entries of a contact folder, To Do list or the calendar (in a window) Outlook has not deleted. */
  async inCollection(
    pk: string,
    kind: ItemKind,
    collectionId: string,
    window?: { start: string; end: string },
  ): Promise<ItemEntry[]> {
    const entries = await queryAll(this.items, pk, {
      filters: [
        { field: 'kind', op: '=', value: kind },
        { field: 'collectionId', op: '=', value: collectionId },
        ...(window
          ? ([
              { field: 'at', op: '>=', value: window.start },
              { field: 'at', op: '<', value: window.end },
            ] as const)
          : []),
      ],
    });
    return entries.filter((e) => e.removed !== 'deleted');
  }

  /** Entries with this CRM key (an event's iCalUId) that Outlook has not deleted. */
  async withKey(pk: string, kind: ItemKind, key: string): Promise<ItemEntry[]> {
    const entries = await queryAll(this.items, pk, {
      filters: [
        { field: 'kind', op: '=', value: kind },
        { field: 'key', op: '=', value: key },
      ],
    });
    return entries.filter((e) => e.removed !== 'deleted');
  }

  /** Every entry of a kind; for audits, tests and removals. */
  async all(tenantId: string, userId: string, kind?: ItemKind): Promise<ItemEntry[]> {
    return queryAll(
      this.items,
      userPartition(tenantId, userId),
      kind ? { filters: [{ field: 'kind', op: '=', value: kind }] } : {},
    );
  }
}
