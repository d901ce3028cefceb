import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { MailSubscriptions } from '../mail-source/mail-source.port.ts';
import { CONTAINERS } from '../store/containers.ts';
import type { Collection, Doc, Store } from '../store/store.port.ts';

/**
 * Our Graph subscriptions: which user and folder each one is for, and the clientState secret Graph
 * echoes in every notification, so forged or unknown notifications are recognised and dropped.
 */

/** Outlook message subscriptions live at most 4230 minutes; we ask for 4200 and renew a day ahead. */
export const SUBSCRIPTION_MINUTES = 4200;
export const RENEW_BEFORE_MS = 24 * 60 * 60 * 1000;

interface SubscriptionDoc extends Doc {
  kind: 'subscription';
  subscriptionId: string;
  tenantId: string;
  userId: string;
  folderId: string;
  clientState: string;
  expiresAt: string;
}

/** Subscriptions are looked up by id when a notification arrives, so they share one small partition. */
const PARTITION = 'graph-subscriptions';

export class SubscriptionRegistry {
  private readonly items: Collection<SubscriptionDoc>;
  private readonly graph: MailSubscriptions;
  private readonly urls: { notification: string; lifecycle: string };

  constructor(store: Store, graph: MailSubscriptions, urls: { notification: string; lifecycle: string }) {
    this.items = store.collection<SubscriptionDoc>(CONTAINERS.syncState);
    this.graph = graph;
    this.urls = urls;
  }

  /** The subscription a notification names, if its clientState is the one we gave it. */
  async verify(subscriptionId: string, clientState: unknown): Promise<SubscriptionDoc | undefined> {
    const found = (await this.items.read(PARTITION, subscriptionId))?.value;
    if (!found || typeof clientState !== 'string') return undefined;
    const expected = Buffer.from(found.clientState);
    const given = Buffer.from(clientState);
    return expected.length === given.length && timingSafeEqual(expected, given) ? found : undefined;
  }

  async forUser(tenantId: string, userId: string): Promise<SubscriptionDoc[]> {
    const page = await this.items.query(PARTITION, {
      filters: [
        { field: 'tenantId', op: '=', value: tenantId },
        { field: 'userId', op: '=', value: userId },
      ],
      limit: 100,
    });
    return page.items.map((i) => i.value);
  }

  /** The user's subscriptions become exactly these folders': the ones no longer chosen are dropped. */
  async reconcile(tenantId: string, userId: string, folderIds: readonly string[]): Promise<void> {
    for (const stale of (await this.forUser(tenantId, userId)).filter(
      (s) => !folderIds.includes(s.folderId),
    )) {
      await this.graph.unsubscribe(stale.subscriptionId, userId);
      await this.items.delete(PARTITION, stale.id);
    }
    await this.ensure(tenantId, userId, folderIds);
  }

  /** Subscribes to each folder not yet covered; renews the ones close to expiry. */
  async ensure(
    tenantId: string,
    userId: string,
    folderIds: readonly string[],
    now = new Date(),
  ): Promise<void> {
    const existing = await this.forUser(tenantId, userId);
    for (const folderId of folderIds) {
      const current = existing.find((s) => s.folderId === folderId);
      const expiresAt = new Date(now.getTime() + SUBSCRIPTION_MINUTES * 60_000);
      if (current && Date.parse(current.expiresAt) - now.getTime() > RENEW_BEFORE_MS) continue;
      if (current) {
        const renewed = await this.graph.renew(current.subscriptionId, userId, expiresAt);
        await this.items.upsert({ ...current, expiresAt: renewed.expiresAt });
        continue;
      }
      const clientState = randomBytes(32).toString('base64url');
      const created = await this.graph.subscribe({
        userId,
        folderId,
        notificationUrl: this.urls.notification,
        lifecycleNotificationUrl: this.urls.lifecycle,
        clientState,
        expiresAt,
      });
      await this.items.upsert({
        id: created.id,
        pk: PARTITION,
        kind: 'subscription',
        subscriptionId: created.id,
        tenantId,
        userId,
        folderId,
        clientState,
        expiresAt: created.expiresAt,
      });
    }
  }

  /** Renews every subscription that expires within a day, well before Graph would drop it. */
  async renewDue(now = new Date()): Promise<number> {
    const page = await this.items.query(PARTITION, {
      filters: [
        { field: 'expiresAt', op: '<=', value: new Date(now.getTime() + RENEW_BEFORE_MS).toISOString() },
      ],
      limit: 200,
    });
    for (const { value } of page.items) {
      const renewed = await this.graph.renew(
        value.subscriptionId,
        value.userId,
        new Date(now.getTime() + SUBSCRIPTION_MINUTES * 60_000),
      );
      await this.items.upsert({ ...value, expiresAt: renewed.expiresAt });
    }
    return page.items.length;
  }

  /** Graph removed it (subscriptionRemoved): forget it so the next ensure() makes a new one. */
  async forget(subscriptionId: string): Promise<void> {
    await this.items.delete(PARTITION, subscriptionId);
  }
}
