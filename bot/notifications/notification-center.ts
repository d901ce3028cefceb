import { CONTAINERS } from '../store/containers.ts';
import { type Collection, type Doc, queryAll, type Store, userPartition } from '../store/store.port.ts';

/**
 * The notification center: every notification a user was sent, kept 90 days, read or unread.
 * The notifier (the background worker) writes here; the bot's `notifications` command and the tab read.
 */

/** Kept 90 days, as the notification center promises, then expired by the store. */
export const NOTIFICATION_TTL_SECONDS = 90 * 24 * 60 * 60;

export interface Notification extends Doc {
  kind: 'notification';
  title: string;
  text: string;
  severity: 'info' | 'success' | 'warning' | 'error';
  read: boolean;
  createdAt: string;
}

export class NotificationCenter {
  private readonly items: Collection<Notification>;

  constructor(store: Store) {
    this.items = store.collection<Notification>(CONTAINERS.notifications);
  }

  async add(
    tenantId: string,
    userId: string,
    note: Pick<Notification, 'id' | 'title' | 'text' | 'severity'>,
  ): Promise<void> {
    await this.items.upsert({
      ...note,
      pk: userPartition(tenantId, userId),
      kind: 'notification',
      read: false,
      createdAt: new Date().toISOString(),
      ttl: NOTIFICATION_TTL_SECONDS,
    });
  }

  /** Newest first. */
  async latest(tenantId: string, userId: string, limit = 10): Promise<Notification[]> {
    const page = await this.items.query(userPartition(tenantId, userId), {
      filters: [{ field: 'kind', op: '=', value: 'notification' }],
      orderBy: { field: 'createdAt', direction: 'desc' },
      limit,
    });
    return page.items.map((i) => i.value);
  }

  /** Marks every unread notification read; returns how many were. */
  async markAllRead(tenantId: string, userId: string): Promise<number> {
    const pk = userPartition(tenantId, userId);
    const unread = await queryAll(this.items, pk, {
      filters: [
        { field: 'kind', op: '=', value: 'notification' },
        { field: 'read', op: '=', value: false },
      ],
    });
    await this.items.upsertMany(unread.map((n) => ({ ...n, read: true })));
    return unread.length;
  }

  /** Marks the given notifications read; ids of other users' notifications are simply not found. */
  async markRead(tenantId: string, userId: string, ids: readonly string[]): Promise<number> {
    const pk = userPartition(tenantId, userId);
    let marked = 0;
    for (const id of ids) {
      const found = await this.items.read(pk, id);
      if (!found || found.value.kind !== 'notification' || found.value.read) continue;
      await this.items.replace({ ...found.value, read: true }, { ifMatch: found.etag });
      marked++;
    }
    return marked;
  }

  /** Empties the user's notification center. */
  async clear(tenantId: string, userId: string): Promise<number> {
    const pk = userPartition(tenantId, userId);
    const all = await queryAll(this.items, pk, {
      filters: [{ field: 'kind', op: '=', value: 'notification' }],
    });
    for (const n of all) await this.items.delete(pk, n.id);
    return all.length;
  }

  async unreadCount(tenantId: string, userId: string): Promise<number> {
    return this.items.count(userPartition(tenantId, userId), [
      { field: 'kind', op: '=', value: 'notification' },
      { field: 'read', op: '=', value: false },
    ]);
  }
}
