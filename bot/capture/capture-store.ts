import { createHash } from 'node:crypto';
import { CONTAINERS } from '../store/containers.ts';
import { type Collection, type Doc, queryAll, type Store, userPartition } from '../store/store.port.ts';

/**
 * What CaptureME knows of one email of one user: a choice saved for later (Process Later), the
 * candidate it made, or why it could not. Kept beside the user's sync state (their partition), one
 * item per email; `kind` carries the state so the pending ones are one indexed query per run.
 */

export type CaptureShare = 'private' | 'public';

/** Where the resume is: the email's body, or one of its attachments (by Graph's attachment id). */
export type CaptureSource = { kind: 'body' } | { kind: 'attachment'; id: string; name: string };

export interface CaptureDoc extends Doc {
  kind: 'capture:pending' | 'capture:done' | 'capture:error';
  /** The email's immutable id. */
  messageId: string;
  source: CaptureSource;
  share: CaptureShare;
  /** When the choice was saved, or the capture made. */
  savedAt: string;
  /** Done: the candidate made or updated. */
  candidateId?: string;
  candidateName?: string;
  /** Done: whether it was a new candidate; false when an existing one was linked or updated. */
  created?: boolean;
  /** Error: the reason, in words the user reads. */
  error?: string;
  /** The email's sender and date, as the Emails view's "Captured" shows it before the sync has seen it. */
  from?: string;
  receivedAt?: string;
  updatedAt: string;
}

export const CAPTURE_KINDS: ReadonlyArray<CaptureDoc['kind']> = [
  'capture:pending',
  'capture:done',
  'capture:error',
];

export class CaptureRepository {
  private readonly items: Collection<CaptureDoc>;

  constructor(store: Store) {
    this.items = store.collection<CaptureDoc>(CONTAINERS.syncState);
  }

  async get(tenantId: string, userId: string, messageId: string): Promise<CaptureDoc | undefined> {
    const found = await this.items.read(userPartition(tenantId, userId), captureId(messageId));
    return found?.value.kind.startsWith('capture:') ? found.value : undefined;
  }

  /** The user's choices waiting for the next sync. */
  pending(tenantId: string, userId: string): Promise<CaptureDoc[]> {
    return queryAll(this.items, userPartition(tenantId, userId), {
      filters: [{ field: 'kind', op: '=', value: 'capture:pending' }],
    });
  }

  /** Every capture of the user (pending, done, in error), newest first: the Emails view's "Captured". */
  async all(tenantId: string, userId: string): Promise<CaptureDoc[]> {
    const all = await queryAll(this.items, userPartition(tenantId, userId), {
      filters: [{ field: 'kind', op: 'in', value: [...CAPTURE_KINDS] }],
    });
    return all.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  async save(
    tenantId: string,
    userId: string,
    doc: Omit<CaptureDoc, 'id' | 'pk' | 'updatedAt'>,
    now: Date,
  ): Promise<CaptureDoc> {
    const next: CaptureDoc = {
      ...doc,
      id: captureId(doc.messageId),
      pk: userPartition(tenantId, userId),
      updatedAt: now.toISOString(),
    };
    await this.items.upsert(next);
    return next;
  }

  /** Clear Settings: the pending choice goes; a capture already made stays. */
  async clear(tenantId: string, userId: string, messageId: string): Promise<boolean> {
    const found = await this.get(tenantId, userId, messageId);
    if (found?.kind !== 'capture:pending') return false;
    return this.items.delete(userPartition(tenantId, userId), captureId(messageId));
  }
}

/** Graph ids are long and case-sensitive: the item's id is a hash of the email's id. */
function captureId(messageId: string): string {
  return `capture-${createHash('sha256').update(messageId).digest('hex').slice(0, 32)}`;
}
