import { createHash } from 'node:crypto';
import type { MessageDetail } from '../mail-source/mail-source.port.ts';
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
import type { LinkType } from './matching.ts';
import type { SyncTrigger } from './sync-state.ts';

/**
 * One entry per (user, message): the seeds' Exported (synced / no match / error / blank), Exported
 * Note, Cand / Con / CandCon, attempts and the CRM activity. Transitions are pure functions; the
 * repository only reads and writes them.
 */

/**
 * `pending`: an attempt was stopped by an outage (the CRM, the store, Graph, the network) and the
 * email waits for its next try, at `retryAt`. `skipped`: a rule of the user's keeps it out of the
 * CRM (the blocklist, internal-only mail); the note says which.
 */
export type LedgerStatus = 'synced' | 'no_match' | 'error' | 'pending' | 'skipped';
export const LEDGER_STATUSES: readonly LedgerStatus[] = ['synced', 'no_match', 'error', 'pending', 'skipped'];

export interface LedgerEntry extends Doc, MessageFacts {
  status: LedgerStatus;
  note?: string;
  linkType?: LinkType;
  matched?: { candidates: string[]; contacts: string[]; companies?: string[] };
  attempts: number;
  activityId?: string;
  /** Pending: when the next try is due. */
  retryAt?: string;
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
  /** The first few recipients, for sent mail's "to" in the Emails view. */
  to?: string[];
  receivedAt: string;
  direction: 'received' | 'sent';
  /** What last looked at the email: a schedule, a change notification, the user, Outlook. */
  trigger?: SyncTrigger;
  /** Words of the subject and the participants' names and addresses, for the Emails view's search. */
  terms?: string[];
}

/** Recipients kept per entry: enough to say who sent mail went to. */
export const MAX_LEDGER_RECIPIENTS = 10;
const MAX_TERMS = 16;
/** The subject's share of them: the rest are for the person the email is with. */
const MAX_SUBJECT_TERMS = 10;
const MAX_TERM_LENGTH = 64;
const MAX_SEARCH_WORDS = 4;

/**
 * Lower-case words of a text: runs of letters and digits. One pass over at most `limit`
 * characters; mail is hostile, so no pattern here can backtrack.
 */
function words(text: string, limit = 255): string[] {
  return text
    .slice(0, limit)
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length >= 2 && w.length <= MAX_TERM_LENGTH);
}

/**
 * What an entry can be found by: the subject's words, and the person the email is with (its
 * sender, or for sent mail its first recipient): their address whole, its domain, the words of its
 * local part and of their name; at most MAX_TERMS. Matching whole words keeps the search an index
 * lookup at any mailbox size, and few words keep each email's write cheap: every word is a row of
 * the index, written with the email.
 */
export function searchTerms(
  subject: string,
  counterpart: { address: string; name?: string } | undefined,
): string[] {
  const terms = new Set<string>();
  const add = (term: string) => {
    if (terms.size < MAX_TERMS && term.length >= 2 && term.length <= MAX_TERM_LENGTH) terms.add(term);
  };
  for (const word of words(subject).slice(0, MAX_SUBJECT_TERMS)) add(word);
  if (counterpart) {
    const address = counterpart.address.trim().toLowerCase();
    // As long as a query's term may be (queryTerms cuts an address to the same length).
    add(address.slice(0, MAX_TERM_LENGTH));
    const at = address.lastIndexOf('@');
    if (at > 0) {
      add(address.slice(at + 1));
      for (const word of words(address.slice(0, at))) add(word);
    }
    for (const word of words(counterpart.name ?? '', 128)) add(word);
  }
  return [...terms];
}

/** A search box's text as terms every entry found must have: an address stays whole. */
export function queryTerms(query: string): string[] {
  const terms: string[] = [];
  for (const part of query.slice(0, 200).trim().toLowerCase().split(/\s+/)) {
    if (part.includes('@')) {
      const address = part.startsWith('@') ? part.slice(1) : part;
      if (address.length >= 2) terms.push(address.slice(0, MAX_TERM_LENGTH));
    } else terms.push(...words(part));
  }
  return [...new Set(terms)].slice(0, MAX_SEARCH_WORDS);
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

  /**
   * Not for the CRM, with the reason as its note: `no_match` (nobody on it is a candidate or
   * contact) or `skipped` (a rule of the user's keeps it out: the blocklist, naming the entry, or
   * internal-only mail).
   */
  notSynced(
    pk: string,
    facts: MessageFacts,
    previous: LedgerEntry | undefined,
    status: 'no_match' | 'skipped',
    reason: string,
    now: string,
  ): LedgerEntry {
    return { ...base(pk, facts, previous, now), status, note: reason };
  },

  /**
   * An outage stopped the attempt; the email waits for the run's next try at `retryAt`. It costs
   * none of its three attempts (they are for faults of the email itself), and a synced email stays
   * synced: its activity is there, whatever stopped a refresh of its links.
   */
  pending(
    pk: string,
    facts: MessageFacts,
    previous: LedgerEntry | undefined,
    reason: string,
    retryAt: string,
    now: string,
  ): LedgerEntry | undefined {
    if (previous?.status === 'synced') return undefined;
    return {
      ...base(pk, facts, previous, now),
      status: 'pending',
      note: `waiting to retry: ${reason}`,
      retryAt,
    };
  },

  /** All three attempts failed: Error; automatic sync then leaves it alone until the user retries it. */
  failed(
    pk: string,
    facts: MessageFacts,
    previous: LedgerEntry | undefined,
    failedAttempts: number,
    reason: string,
    now: string,
  ): LedgerEntry {
    return {
      ...base(pk, facts, previous, now),
      status: 'error',
      attempts: (previous?.attempts ?? 0) + failedAttempts,
      note: reason,
    };
  },
};

export type LedgerCounts = Record<LedgerStatus, number>;

/** Who an email is with: its sender, or for sent mail its first recipient. */
export function counterpartOf(entry: Pick<LedgerEntry, 'direction' | 'from' | 'to'>): string | undefined {
  return entry.direction === 'sent' ? entry.to?.[0] : entry.from;
}

/** The seeds' Exported column: Yes, No, Error, or blank while the email waits for its next try. */
export type Exported = 'Yes' | 'No' | 'Error' | '';
export const EXPORTED: Readonly<Record<LedgerStatus, Exported>> = {
  synced: 'Yes',
  no_match: 'No',
  skipped: 'No',
  error: 'Error',
  pending: '',
};

export function emptyCounts(): LedgerCounts {
  return { synced: 0, no_match: 0, error: 0, pending: 0, skipped: 0 };
}

/** The Emails view's filters; all optional, combined with AND. */
export interface EmailFilter {
  status?: LedgerStatus;
  folderId?: string;
  /** Received at or after (ISO). */
  since?: string;
  /** Received before (ISO). */
  before?: string;
  /** Whole words or addresses, each of which the email must have. */
  search?: string;
}

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
    return readByIds(this.items, pk, messageIds.map(ledgerId), (entry) => entry.messageId);
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
    const values = await Promise.all(
      LEDGER_STATUSES.map((status) => this.items.count(pk, [{ field: 'status', op: '=', value: status }])),
    );
    return Object.fromEntries(LEDGER_STATUSES.map((s, i) => [s, values[i] ?? 0])) as LedgerCounts;
  }

  /**
   * The Emails view: every email the sync has seen, newest first, a page at a time. Each filter is
   * an index lookup (status and folder with the date, search words through the terms' index).
   */
  async emails(
    tenantId: string,
    userId: string,
    filter: EmailFilter,
    page: { limit?: number; continuation?: string } = {},
  ): Promise<Page<LedgerEntry>> {
    const filters: Filter[] = [];
    if (filter.status) filters.push({ field: 'status', op: '=', value: filter.status });
    if (filter.folderId) filters.push({ field: 'folderId', op: '=', value: filter.folderId });
    if (filter.since) filters.push({ field: 'receivedAt', op: '>=', value: filter.since });
    if (filter.before) filters.push({ field: 'receivedAt', op: '<', value: filter.before });
    for (const term of queryTerms(filter.search ?? ''))
      filters.push({ field: 'terms', op: 'contains', value: term });
    return this.items.query(userPartition(tenantId, userId), {
      filters,
      orderBy: { field: 'receivedAt', direction: 'desc' },
      limit: page.limit ?? 50,
      ...(page.continuation ? { continuation: page.continuation } : {}),
    });
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
