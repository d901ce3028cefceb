import { createHash } from 'node:crypto';
import type { ItemKind } from '../mail-source/item-source.port.ts';
import { CONTAINERS } from '../store/containers.ts';
import { type Collection, type Doc, queryAll, type Store, userPartition } from '../store/store.port.ts';

/**
 * What makes a sync resumable, kept in the store: a cursor per folder (the next page's link, or the
 * next round's delta link) and the mailbox's state (ok, paused, needs consent, and the last run).
 */

export interface FolderCursor extends Doc {
  kind: 'folderCursor';
  folderId: string;
  /** A nextLink while a round is under way, the deltaLink between rounds. */
  link: string;
  /** A resend-all round that was interrupted resumes as forced. */
  forced: boolean;
  /**
   * A round read from the start (no delta link: the first, after a 410, a new calendar window,
   * Resend All) that is still under way: at its end, what the ledger has and the round did not
   * see is looked up, as a delta round would have reported it removed.
   */
  full?: boolean;
  /** The cutoff the folder's round was read with: an earlier one since means reading it again. */
  from?: string;
  /** A calendar view's round: the window its delta link covers (recurring series expanded inside it). */
  window?: { start: string; end: string };
  updatedAt: string;
}

export type MailboxStatus = 'ok' | 'paused' | 'needs_consent';

export interface RunSummary {
  runId: string;
  mode: SyncMode;
  trigger: SyncTrigger;
  /** `busy`: another sync of the mailbox was under way (a worker holds its lease), so this one did not start. */
  status: 'completed' | 'paused' | 'needs_consent' | 'disabled' | 'busy';
  startedAt: string;
  finishedAt: string;
  folders: number;
  processed: number;
  synced: number;
  noMatch: number;
  errors: number;
  /** Drafts, and mail older than the cutoff: never recorded. */
  skipped: number;
  /** Kept out by a rule of the user's (blocklist, internal only), and recorded as such. */
  keptOut: number;
  alreadySynced: number;
  activitiesCreated: number;
  /** Contacts, tasks and events: each kind the run covered (the counts above are email's). */
  items?: Partial<Record<ItemKind, ItemRunCounts>>;
  note?: string;
}

/** What a run did with one kind of item besides email. */
export interface ItemRunCounts {
  processed: number;
  /** Written to the CRM: new, or changed in Outlook since. */
  synced: number;
  /** Unchanged since they were synced: nothing to write. */
  unchanged: number;
  /** Deleted or cancelled in Outlook since they were synced. */
  removed: number;
  /** Kept out: private events, colleagues' contacts, the blocklist. */
  skipped: number;
  errors: number;
  /**
   * Why this kind stopped short while the rest of the run went on: Graph refused it (a permission
   * not consented yet) or failed in a way that is no item's and no outage's fault.
   */
  stopped?: string;
}

export function emptyItemCounts(): ItemRunCounts {
  return { processed: 0, synced: 0, unchanged: 0, removed: 0, skipped: 0, errors: 0 };
}

export type SyncMode = 'selected' | 'all' | 'automatic' | 'resend_all';
export type SyncTrigger = 'manual' | 'scheduled' | 'notified' | 'retry' | 'cli' | 'outlook';

export interface MailboxState extends Doc {
  kind: 'mailbox';
  status: MailboxStatus;
  note?: string;
  /** Paused: since when (one pause, however many retries, is one notice). */
  pausedAt?: string;
  lastRun?: RunSummary;
  lastSuccessAt?: string;
  updatedAt: string;
}

function cursorId(folderId: string): string {
  return `folder-${createHash('sha256').update(folderId).digest('base64url').slice(0, 32)}`;
}

export class SyncStateRepository {
  private readonly items: Collection<FolderCursor | MailboxState>;

  constructor(store: Store) {
    this.items = store.collection<FolderCursor | MailboxState>(CONTAINERS.syncState);
  }

  async cursor(tenantId: string, userId: string, folderId: string): Promise<FolderCursor | undefined> {
    const found = await this.items.read(userPartition(tenantId, userId), cursorId(folderId));
    return found?.value.kind === 'folderCursor' ? found.value : undefined;
  }

  async saveCursor(
    tenantId: string,
    userId: string,
    folderId: string,
    link: string,
    round: { forced: boolean; full?: boolean; from?: string; window?: { start: string; end: string } },
  ): Promise<void> {
    await this.items.upsert({
      id: cursorId(folderId),
      pk: userPartition(tenantId, userId),
      kind: 'folderCursor',
      folderId,
      link,
      forced: round.forced,
      ...(round.full ? { full: true } : {}),
      ...(round.from ? { from: round.from } : {}),
      ...(round.window ? { window: round.window } : {}),
      updatedAt: new Date().toISOString(),
    });
  }

  /** The cursors whose key starts with `prefix` (`task:`: every To Do list's), for finding ones gone. */
  async cursors(tenantId: string, userId: string, prefix: string): Promise<FolderCursor[]> {
    const all = await queryAll(this.items, userPartition(tenantId, userId), {
      filters: [{ field: 'kind', op: '=', value: 'folderCursor' }],
    });
    return all.filter((c): c is FolderCursor => c.kind === 'folderCursor' && c.folderId.startsWith(prefix));
  }

  async clearCursor(tenantId: string, userId: string, folderId: string): Promise<void> {
    await this.items.delete(userPartition(tenantId, userId), cursorId(folderId));
  }

  async mailbox(tenantId: string, userId: string): Promise<MailboxState | undefined> {
    const found = await this.items.read(userPartition(tenantId, userId), 'mailbox');
    return found?.value.kind === 'mailbox' ? found.value : undefined;
  }

  async saveMailbox(
    tenantId: string,
    userId: string,
    change: Partial<Omit<MailboxState, 'id' | 'pk' | 'kind'>>,
  ): Promise<MailboxState> {
    const current = await this.mailbox(tenantId, userId);
    const next: MailboxState = {
      status: 'ok',
      ...current,
      ...change,
      id: 'mailbox',
      pk: userPartition(tenantId, userId),
      kind: 'mailbox',
      updatedAt: new Date().toISOString(),
    };
    await this.items.upsert(next);
    return next;
  }
}

/** A run with nothing done yet; the sync fills it in as it goes. */
export function emptySummary(runId: string, mode: SyncMode, trigger: SyncTrigger, at: Date): RunSummary {
  const now = at.toISOString();
  return {
    runId,
    mode,
    trigger,
    status: 'completed',
    startedAt: now,
    finishedAt: now,
    folders: 0,
    processed: 0,
    synced: 0,
    noMatch: 0,
    errors: 0,
    skipped: 0,
    keptOut: 0,
    alreadySynced: 0,
    activitiesCreated: 0,
  };
}
