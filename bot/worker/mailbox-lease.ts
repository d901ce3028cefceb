import { AppError } from '../errors/app-error.ts';
import { CONTAINERS } from '../store/containers.ts';
import { type Collection, type Doc, type Store, userPartition } from '../store/store.port.ts';

/**
 * One syncer per mailbox across every instance: a lease in the user's sync state, taken and
 * renewed with etag-guarded writes and expiring on its own, so a crashed worker's mailbox is
 * picked up by another once the lease runs out.
 */

interface LeaseDoc extends Doc {
  kind: 'lease';
  owner: string;
  expiresAt: number;
}

export interface Lease {
  tenantId: string;
  userId: string;
  owner: string;
  expiresAt: number;
  etag: string;
}

/** Lease documents outlive their expiry only briefly; the store deletes them after a day. */
const LEASE_DOC_TTL_SECONDS = 24 * 60 * 60;

export class MailboxLeases {
  private readonly items: Collection<LeaseDoc>;
  private readonly now: () => number;

  constructor(store: Store, options: { now?: () => number } = {}) {
    this.items = store.collection<LeaseDoc>(CONTAINERS.syncState);
    this.now = options.now ?? Date.now;
  }

  /** Takes the mailbox for `ttlMs`, or answers undefined while someone else holds it. */
  async acquire(tenantId: string, userId: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    const pk = userPartition(tenantId, userId);
    const current = await this.items.read(pk, 'lease');
    if (current && current.value.owner !== owner && current.value.expiresAt > this.now()) return undefined;
    const doc: LeaseDoc = {
      id: 'lease',
      pk,
      kind: 'lease',
      owner,
      expiresAt: this.now() + ttlMs,
      ttl: LEASE_DOC_TTL_SECONDS,
    };
    try {
      const written = current
        ? await this.items.replace(doc, { ifMatch: current.etag })
        : await this.items.create(doc);
      return { tenantId, userId, owner, expiresAt: doc.expiresAt, etag: written.etag };
    } catch (error) {
      // Someone else took or renewed it between the read and the write.
      if (
        AppError.is(error, 'store.precondition_failed') ||
        AppError.is(error, 'store.conflict') ||
        AppError.is(error, 'store.not_found')
      ) {
        return undefined;
      }
      throw error;
    }
  }

  /** Extends a held lease; undefined when it was lost (expired and taken by another worker). */
  async renew(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    const doc: LeaseDoc = {
      id: 'lease',
      pk: userPartition(lease.tenantId, lease.userId),
      kind: 'lease',
      owner: lease.owner,
      expiresAt: this.now() + ttlMs,
      ttl: LEASE_DOC_TTL_SECONDS,
    };
    try {
      const written = await this.items.replace(doc, { ifMatch: lease.etag });
      return { ...lease, expiresAt: doc.expiresAt, etag: written.etag };
    } catch (error) {
      if (AppError.is(error, 'store.precondition_failed') || AppError.is(error, 'store.not_found'))
        return undefined;
      throw error;
    }
  }

  /** Whether a lease still holds the mailbox: renewed (not lost to another owner) and unexpired. */
  holds(lease: Lease | undefined): boolean {
    return lease !== undefined && lease.expiresAt > this.now();
  }

  /** Gives the mailbox back at once (graceful shutdown, job done). */
  async release(lease: Lease): Promise<void> {
    try {
      await this.items.delete(userPartition(lease.tenantId, lease.userId), 'lease', { ifMatch: lease.etag });
    } catch (error) {
      if (!AppError.is(error, 'store.precondition_failed')) throw error;
    }
  }

  /**
   * Runs `work` holding the mailbox, renewing the lease as it goes; undefined if the mailbox is
   * busy. `work` is told whether it still holds the mailbox: a lease lost (a stall past its expiry,
   * another owner since) stays lost, and the work should stop writing.
   */
  async runExclusive<T>(
    tenantId: string,
    userId: string,
    owner: string,
    ttlMs: number,
    work: (lease: { held(): boolean }) => Promise<T>,
  ): Promise<T | undefined> {
    let lease = await this.acquire(tenantId, userId, owner, ttlMs);
    if (!lease) return undefined;
    const keepAlive = setInterval(() => {
      void (async () => {
        lease = lease ? await this.renew(lease, ttlMs) : undefined;
      })().catch(() => undefined);
    }, ttlMs / 3);
    try {
      return await work({ held: () => this.holds(lease) });
    } finally {
      clearInterval(keepAlive);
      if (lease) await this.release(lease).catch(() => undefined);
    }
  }
}
