import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors/app-error.ts';
import type { MailSubscriptions } from '../mail-source/mail-source.port.ts';
import { CONTAINERS } from '../store/containers.ts';
import type { Collection, Doc, Store } from '../store/store.port.ts';

/**
 * Our Graph subscriptions: which user and folder each one is for, and the clientState secret Graph
 * echoes in every notification, so forged or unknown notifications are recognised and dropped.
 *
 * A clientState is `<nonce>.<HMAC of the nonce>` under a key of this deployment (one document in
 * the store, read once per process). So the webhook tells a forged notification from Graph's with
 * no store work at all (`isOurs`), and only then looks the subscription up (`verify`): an anonymous
 * caller cannot make the app read the store, however many items it posts.
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
/** The clientState key: its own partition, so that no query over subscriptions ever meets it. */
const KEY_PARTITION = 'graph-client-state-key';
const KEY_ID = 'client-state-key';

interface KeyDoc extends Doc {
  kind: 'client-state-key';
  key: string;
}

const mac = (key: Buffer, nonce: string) => createHmac('sha256', key).update(nonce).digest('base64url');
/** Graph allows a clientState of up to 128 characters; ours are 66. */
const MAX_CLIENT_STATE = 128;

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Made before clientStates were signed: such a subscription is replaced rather than renewed. */
const isUnsigned = (clientState: string) => !clientState.includes('.');

export class SubscriptionRegistry {
  private readonly items: Collection<SubscriptionDoc>;
  private readonly keys: Collection<KeyDoc>;
  private readonly graph: MailSubscriptions;
  private readonly urls: { notification: string; lifecycle: string };
  private key?: Buffer;

  constructor(store: Store, graph: MailSubscriptions, urls: { notification: string; lifecycle: string }) {
    this.items = store.collection<SubscriptionDoc>(CONTAINERS.syncState);
    this.keys = store.collection<KeyDoc>(CONTAINERS.syncState);
    this.graph = graph;
    this.urls = urls;
  }

  /** Loads this deployment's clientState key, making it the first time (every process agrees on one). */
  async init(): Promise<void> {
    if (this.key) return;
    let doc = (await this.keys.read(KEY_PARTITION, KEY_ID))?.value;
    if (!doc) {
      try {
        doc = (
          await this.keys.create({
            id: KEY_ID,
            pk: KEY_PARTITION,
            kind: 'client-state-key',
            key: randomBytes(32).toString('base64url'),
          })
        ).value;
      } catch (error) {
        if (!AppError.is(error) || error.code !== 'store.conflict') throw error;
        doc = (await this.keys.read(KEY_PARTITION, KEY_ID))?.value;
      }
    }
    if (!doc) throw new Error('the clientState key could not be read back');
    this.key = Buffer.from(doc.key, 'base64url');
  }

  private signingKey(): Buffer {
    if (!this.key) throw new Error('SubscriptionRegistry.init() has not run');
    return this.key;
  }

  private newClientState(): string {
    const nonce = randomBytes(16).toString('base64url');
    return `${nonce}.${mac(this.signingKey(), nonce)}`;
  }

  /** Whether this clientState is one we made: a keyed hash, no store work. */
  isOurs(clientState: unknown): boolean {
    if (typeof clientState !== 'string' || clientState.length > MAX_CLIENT_STATE) return false;
    const dot = clientState.indexOf('.');
    if (dot <= 0) return false;
    return sameText(clientState.slice(dot + 1), mac(this.signingKey(), clientState.slice(0, dot)));
  }

  /** The subscription a notification names, if its clientState is ours and the one we gave it. */
  async verify(subscriptionId: string, clientState: unknown): Promise<SubscriptionDoc | undefined> {
    if (!this.isOurs(clientState) || subscriptionId.length === 0 || subscriptionId.length > 128)
      return undefined;
    const found = (await this.items.read(PARTITION, subscriptionId))?.value;
    return found && sameText(found.clientState, clientState as string) ? found : undefined;
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
      await this.drop(stale);
    }
    await this.ensure(tenantId, userId, folderIds);
  }

  private async drop(subscription: SubscriptionDoc): Promise<void> {
    await this.graph.unsubscribe(subscription.subscriptionId, subscription.userId);
    await this.items.delete(PARTITION, subscription.id);
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
      let current = existing.find((s) => s.folderId === folderId);
      const expiresAt = new Date(now.getTime() + SUBSCRIPTION_MINUTES * 60_000);
      if (current && isUnsigned(current.clientState)) {
        await this.drop(current);
        current = undefined;
      }
      if (current && Date.parse(current.expiresAt) - now.getTime() > RENEW_BEFORE_MS) continue;
      if (current) {
        const renewed = await this.graph.renew(current.subscriptionId, userId, expiresAt);
        await this.items.upsert({ ...current, expiresAt: renewed.expiresAt });
        continue;
      }
      const clientState = this.newClientState();
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
      if (isUnsigned(value.clientState)) {
        await this.ensure(value.tenantId, value.userId, [value.folderId], now);
        continue;
      }
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
