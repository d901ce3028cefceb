import { createHash } from 'node:crypto';
import type { MessageDetail } from '../mail-source/mail-source.port.ts';
import { CONTAINERS } from '../store/containers.ts';
import {
  type Collection,
  type Doc,
  type Page,
  queryAll,
  type Store,
  userPartition,
} from '../store/store.port.ts';
import type { LinkType } from './matching.ts';

/**
 * One entry per (user, message): the seeds' Exported (synced / no match / error / blank), Exported
 * Note, Cand / Con / CandCon, attempts and the CRM activity. Transitions are pure functions; the
 * repository only reads and writes them.
 */

export type LedgerStatus = 'synced' | 'no_match' | 'error' | 'pending';

export interface LedgerEntry extends Doc, MessageFacts {
  status: LedgerStatus;
  note?: string;
  linkType?: LinkType;
  matched?: { candidates: string[]; contacts: string[]; companies?: string[] };
  attempts: number;
  activityId?: string;
  createdAt: string;
  updatedAt: string;
}

/** The seeds' three attempts: the whole item, then headers and body, then headers only. */
export const ATTEMPT_DETAILS: readonly MessageDetail[] = ['full', 'headers_body', 'headers'];
export const MAX_ATTEMPTS = ATTEMPT_DETAILS.length;

const DETAIL_NOTE: Record<MessageDetail, string> = {
  full: 'the whole email',
  headers_body: 'headers and body only',
  headers: 'headers only',
};

export function ledgerId(messageId: string): string {
  return `msg-${createHash('sha256').update(messageId).digest('base64url').slice(0, 40)}`;
}

export interface MessageFacts {
  messageId: string;
  internetMessageId?: string;
  folderId: string;
  subject: string;
  from?: string;
  receivedAt: string;
  direction: 'received' | 'sent';
}

function base(pk: string, facts: MessageFacts, previous: LedgerEntry | undefined, now: string): LedgerEntry {
  return {
    id: ledgerId(facts.messageId),
    pk,
    ...facts,
    status: previous?.status ?? 'pending',
    attempts: previous?.attempts ?? 0,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
    ...(previous?.activityId ? { activityId: previous.activityId } : {}),
  };
}

export const transitions = {
  synced(
    pk: string,
    facts: MessageFacts,
    previous: LedgerEntry | undefined,
    result: {
      activityId: string;
      linkType?: LinkType;
      candidates: string[];
      contacts: string[];
      companies?: string[];
      detail: MessageDetail;
      failedAttempts: number;
      notes: string[];
    },
    now: string,
  ): LedgerEntry {
    const notes = [...result.notes];
    if (result.detail !== 'full')
      notes.unshift(
        `synced with ${DETAIL_NOTE[result.detail]} after ${result.failedAttempts} failed attempt(s)`,
      );
    const entry: LedgerEntry = {
      ...base(pk, facts, previous, now),
      status: 'synced',
      attempts: (previous?.attempts ?? 0) + result.failedAttempts + 1,
      activityId: result.activityId,
      ...(result.linkType ? { linkType: result.linkType } : {}),
      matched: {
        candidates: result.candidates,
        contacts: result.contacts,
        ...(result.companies?.length ? { companies: result.companies } : {}),
      },
    };
    if (notes.length > 0) entry.note = notes.join('; ');
    return entry;
  },

  noMatch(
    pk: string,
    facts: MessageFacts,
    previous: LedgerEntry | undefined,
    reason: string,
    now: string,
  ): LedgerEntry {
    return { ...base(pk, facts, previous, now), status: 'no_match', note: reason };
  },

  /** After the last of the three attempts the item is Error; automatic sync then leaves it alone. */
  failed(
    pk: string,
    facts: MessageFacts,
    previous: LedgerEntry | undefined,
    failedAttempts: number,
    reason: string,
    now: string,
  ): LedgerEntry {
    const attempts = (previous?.attempts ?? 0) + failedAttempts;
    return {
      ...base(pk, facts, previous, now),
      status: failedAttempts >= MAX_ATTEMPTS ? 'error' : 'pending',
      attempts,
      note: reason,
    };
  },
};

export type LedgerCounts = Record<LedgerStatus, number>;

export class LedgerRepository {
  private readonly items: Collection<LedgerEntry>;

  constructor(store: Store) {
    this.items = store.collection<LedgerEntry>(CONTAINERS.ledger);
  }

  partition(tenantId: string, userId: string): string {
    return userPartition(tenantId, userId);
  }

  async get(tenantId: string, userId: string, messageId: string): Promise<LedgerEntry | undefined> {
    return (await this.items.read(userPartition(tenantId, userId), ledgerId(messageId)))?.value;
  }

  /** The entries for a page of messages, in one query. */
  async getMany(pk: string, messageIds: readonly string[]): Promise<Map<string, LedgerEntry>> {
    const found = new Map<string, LedgerEntry>();
    for (let i = 0; i < messageIds.length; i += 500) {
      const ids = messageIds.slice(i, i + 500).map(ledgerId);
      for (const entry of await queryAll(this.items, pk, {
        filters: [{ field: 'id', op: 'in', value: ids }],
      })) {
        found.set(entry.messageId, entry);
      }
    }
    return found;
  }

  async put(entry: LedgerEntry): Promise<void> {
    await this.items.upsert(entry);
  }

  /** A page's entries at once, so the embedded store writes them in one transaction. */
  async putMany(entries: readonly LedgerEntry[]): Promise<void> {
    await this.items.upsertMany(entries);
  }

  async counts(tenantId: string, userId: string): Promise<LedgerCounts> {
    const pk = userPartition(tenantId, userId);
    const statuses: LedgerStatus[] = ['synced', 'no_match', 'error', 'pending'];
    const values = await Promise.all(
      statuses.map((status) => this.items.count(pk, [{ field: 'status', op: '=', value: status }])),
    );
    return Object.fromEntries(statuses.map((s, i) => [s, values[i] ?? 0])) as LedgerCounts;
  }

  /** Error items, newest first. */
  async errors(
    tenantId: string,
    userId: string,
    options: { limit?: number; continuation?: string } = {},
  ): Promise<Page<LedgerEntry>> {
    return this.items.query(userPartition(tenantId, userId), {
      filters: [{ field: 'status', op: '=', value: 'error' }],
      orderBy: { field: 'updatedAt', direction: 'desc' },
      limit: options.limit ?? 20,
      ...(options.continuation ? { continuation: options.continuation } : {}),
    });
  }

  /** The newest synced emails, for the tab's "recently synced" list. */
  async recentlySynced(tenantId: string, userId: string, limit = 10): Promise<LedgerEntry[]> {
    const page = await this.items.query(userPartition(tenantId, userId), {
      filters: [{ field: 'status', op: '=', value: 'synced' }],
      orderBy: { field: 'updatedAt', direction: 'desc' },
      limit,
    });
    return page.items.map((i) => i.value);
  }

  async all(tenantId: string, userId: string): Promise<LedgerEntry[]> {
    return queryAll(this.items, userPartition(tenantId, userId));
  }

  /** Every Error item, newest first: what "Retry all" works through. */
  async allErrors(tenantId: string, userId: string): Promise<LedgerEntry[]> {
    return queryAll(this.items, userPartition(tenantId, userId), {
      filters: [{ field: 'status', op: '=', value: 'error' }],
      orderBy: { field: 'updatedAt', direction: 'desc' },
    });
  }
}
