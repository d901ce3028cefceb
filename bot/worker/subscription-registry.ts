import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors/app-error.ts';
import type { MailSubscriptions } from '../mail-source/mail-source.port.ts';
import { CONTAINERS } from '../store/containers.ts';
import { type Collection, type Doc, queryAll, type Store } from '../store/store.port.ts';

/**
 * Our Graph subscriptions: which user and folder each one is for, and the clientState secret Graph
 * echoes in every notification, so forged or unknown notifications are recognised and dropped.
 *
 * A clientState is `<tenant>.<user>.<nonce>.<HMAC of the three>` under a key of this deployment
 * (one document in the store, read once per process). So the webhook tells a forged notification
 * from Graph's with no store work at all (`ownerOf`), knows whose mailbox a genuine one is about
 * without trusting the rest of the body, and only then looks the subscription up (`verify`): an
 * anonymous caller cannot make the app read the store, however many items it posts.
 */

/** Outlook message subscriptions live at most 4230 minutes; we ask for 4200 and renew a day ahead. */
export const SUBSCRIPTION_MINUTES = 4200;
export const RENEW_BEFORE_MS = 24 * 60 * 60 * 1000;

export interface SubscriptionDoc extends Doc {
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

/** Claims to create a folder's subscription, so that two processes never make two. */
const CLAIM_PARTITION = 'graph-subscription-claims';
const CLAIM_STALE_MS = 30_000;

interface ClaimDoc extends Doc {
  kind: 'subscription-claim';
  at: string;
}

interface KeyDoc extends Doc {
  kind: 'client-state-key';
  key: string;
}

/** 128 bits of HMAC-SHA256 over the owner and the nonce: a clientState fits Graph's 128 characters. */
const mac = (key: Buffer, tenantId: string, userId: string, nonce: string) =>
  createHmac('sha256', key).update(`${tenantId}|${userId}|${nonce}`).digest('base64url').slice(0, 22);
/** Graph allows a clientState of up to 128 characters; ours are 66. */
const MAX_CLIENT_STATE = 128;

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Made before clientStates named and signed their owner: such a subscription is replaced rather than renewed. */
const isUnsigned = (clientState: string) => clientState.split('.').length !== 4;

export class SubscriptionRegistry {
  private readonly items: Collection<SubscriptionDoc>;
  private readonly keys: Collection<KeyDoc>;
  private readonly graph: MailSubscriptions;
  private readonly claims: Collection<ClaimDoc>;
  private readonly urls: { notification: string; lifecycle: string };
  private readonly wanted?: (tenantId: string, userId: string) => Promise<readonly string[]>;
  private readonly onError?: (subscription: SubscriptionDoc, error: unknown) => void;
  private key?: Buffer;

  constructor(
    store: Store,
    graph: MailSubscriptions,
    urls: { notification: string; lifecycle: string },
    options: {
      /** The folder ids a user's subscriptions should cover now: none when sync is off or paused. */
      wanted?: (tenantId: string, userId: string) => Promise<readonly string[]>;
      /** One subscription could not be renewed: the others go on; this says which and why. */
      onError?: (subscription: SubscriptionDoc, error: unknown) => void;
    } = {},
  ) {
    this.items = store.collection<SubscriptionDoc>(CONTAINERS.syncState);
    this.keys = store.collection<KeyDoc>(CONTAINERS.syncState);
    this.claims = store.collection<ClaimDoc>(CONTAINERS.syncState);
    this.graph = graph;
    this.urls = urls;
    if (options.wanted) this.wanted = options.wanted;
    if (options.onError) this.onError = options.onError;
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

  private newClientState(tenantId: string, userId: string): string {
    const nonce = randomBytes(8).toString('base64url');
    return `${tenantId}.${userId}.${nonce}.${mac(this.signingKey(), tenantId, userId, nonce)}`;
  }

  /** Whose mailbox a clientState we made is about (a keyed hash, no store work); undefined if not ours. */
  ownerOf(clientState: unknown): { tenantId: string; userId: string } | undefined {
    if (typeof clientState !== 'string' || clientState.length > MAX_CLIENT_STATE) return undefined;
    const parts = clientState.split('.');
    if (parts.length !== 4) return undefined;
    const [tenantId, userId, nonce, given] = parts as [string, string, string, string];
    return sameText(given, mac(this.signingKey(), tenantId, userId, nonce))
      ? { tenantId, userId }
      : undefined;
  }

  /** The subscription a notification names, if its clientState is ours and the one we gave it. */
  async verify(subscriptionId: string, clientState: unknown): Promise<SubscriptionDoc | undefined> {
    const owner = this.ownerOf(clientState);
    if (!owner || subscriptionId.length === 0 || subscriptionId.length > 128) return undefined;
    const found = (await this.items.read(PARTITION, subscriptionId))?.value;
    return found &&
      sameText(found.clientState, clientState as string) &&
      found.tenantId === owner.tenantId &&
      found.userId === owner.userId
      ? found
      : undefined;
  }

  /** All of a user's subscriptions, however many (Graph allows up to 1,000 per mailbox). */
  async forUser(tenantId: string, userId: string): Promise<SubscriptionDoc[]> {
    return queryAll(this.items, PARTITION, {
      filters: [
        { field: 'tenantId', op: '=', value: tenantId },
        { field: 'userId', op: '=', value: userId },
      ],
    });
  }

  /**
   * The user's subscriptions become exactly these folders': the ones no longer chosen are dropped.
   * Returns how many folders are still uncovered because another process is creating theirs.
   */
  async reconcile(tenantId: string, userId: string, folderIds: readonly string[]): Promise<number> {
    for (const stale of (await this.forUser(tenantId, userId)).filter(
      (s) => !folderIds.includes(s.folderId),
    )) {
      await this.drop(stale);
    }
    return this.ensure(tenantId, userId, folderIds);
  }

  private async drop(subscription: SubscriptionDoc): Promise<void> {
    await this.graph.unsubscribe(subscription.subscriptionId, subscription.userId);
    await this.items.delete(PARTITION, subscription.id);
  }

  /**
   * Subscribes to each folder not yet covered; renews the ones close to expiry, and re-creates any
   * that Graph no longer has (it deletes a subscription once it expires). Safe to run from several
   * processes at once: creating a folder's subscription is claimed first, so only one is made.
   * Returns how many folders another process holds the claim for (its creation under way, or
   * abandoned by a crash until the claim goes stale): a caller that must see them covered retries.
   */
  async ensure(
    tenantId: string,
    userId: string,
    folderIds: readonly string[],
    now = new Date(),
  ): Promise<number> {
    let claimedElsewhere = 0;
    const existing = await this.forUser(tenantId, userId);
    for (const folderId of folderIds) {
      // Duplicates left by an older version (or a lost race) are dropped, the newest kept.
      const mine = existing
        .filter((s) => s.folderId === folderId)
        .sort((a, b) => b.expiresAt.localeCompare(a.expiresAt));
      for (const extra of mine.slice(1)) await this.drop(extra);
      let current = mine[0];
      if (current && isUnsigned(current.clientState)) {
        await this.drop(current);
        current = undefined;
      }
      if (current && Date.parse(current.expiresAt) - now.getTime() > RENEW_BEFORE_MS) continue;
      if (current && (await this.renew(current, now))) continue;
      if (!(await this.create(tenantId, userId, folderId, now))) claimedElsewhere++;
    }
    return claimedElsewhere;
  }

  /**
   * Extends a subscription to now + SUBSCRIPTION_MINUTES (never from its old expiry, which Graph
   * refuses past 4,230 minutes from now). False when Graph no longer has it: the record is forgotten.
   */
  private async renew(subscription: SubscriptionDoc, now: Date): Promise<boolean> {
    try {
      const renewed = await this.graph.renew(
        subscription.subscriptionId,
        subscription.userId,
        new Date(now.getTime() + SUBSCRIPTION_MINUTES * 60_000),
      );
      await this.items.upsert({ ...subscription, expiresAt: renewed.expiresAt });
      return true;
    } catch (error) {
      if (!AppError.is(error, 'mail.not_found')) throw error;
      await this.forget(subscription.subscriptionId);
      return false;
    }
  }

  /** Makes the folder's subscription; false when another process holds the claim to make it. */
  private async create(tenantId: string, userId: string, folderId: string, now: Date): Promise<boolean> {
    const claimId = `${tenantId}|${userId}|${folderId}`;
    if (!(await this.claim(claimId, now))) return false; // another process is creating it right now
    try {
      // It may have been made between the caller's look and the claim.
      if ((await this.forUser(tenantId, userId)).some((s) => s.folderId === folderId)) return true;
      const clientState = this.newClientState(tenantId, userId);
      const created = await this.graph.subscribe({
        userId,
        folderId,
        notificationUrl: this.urls.notification,
        lifecycleNotificationUrl: this.urls.lifecycle,
        clientState,
        expiresAt: new Date(now.getTime() + SUBSCRIPTION_MINUTES * 60_000),
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
      return true;
    } finally {
      await this.claims.delete(CLAIM_PARTITION, claimId).catch(() => undefined);
    }
  }

  /** Takes the right to create one folder's subscription; a claim older than 30 s (Graph validates in at most 10) is abandoned. */
  private async claim(id: string, now: Date): Promise<boolean> {
    const doc: ClaimDoc = {
      id,
      pk: CLAIM_PARTITION,
      kind: 'subscription-claim',
      at: now.toISOString(),
      // Released when done; one left by a crash goes by itself.
      ttl: 3600,
    };
    try {
      await this.claims.create(doc);
      return true;
    } catch (error) {
      if (!AppError.is(error, 'store.conflict')) throw error;
    }
    const held = await this.claims.read(CLAIM_PARTITION, id);
    if (held && now.getTime() - Date.parse(held.value.at) < CLAIM_STALE_MS) return false;
    try {
      await this.claims.replace(doc, held ? { ifMatch: held.etag } : {});
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Renews every subscription that expires within a day, each on its own: one that fails does not
   * stop the others. Subscriptions no longer wanted (sync off or paused, the folder deselected, the
   * organization switched off) are dropped instead; ones Graph deleted are made again.
   */
  async renewDue(now = new Date()): Promise<number> {
    const due = await queryAll(this.items, PARTITION, {
      filters: [
        { field: 'expiresAt', op: '<=', value: new Date(now.getTime() + RENEW_BEFORE_MS).toISOString() },
      ],
    });
    const wanted = new Map<string, readonly string[]>();
    let renewed = 0;
    for (const subscription of due) {
      const { tenantId, userId, folderId } = subscription;
      try {
        const key = `${tenantId}|${userId}`;
        if (!wanted.has(key)) wanted.set(key, (await this.wanted?.(tenantId, userId)) ?? [folderId]);
        if (!wanted.get(key)!.includes(folderId)) {
          await this.drop(subscription);
          continue;
        }
        await this.ensure(tenantId, userId, [folderId], now);
        renewed++;
      } catch (error) {
        this.onError?.(subscription, error);
      }
    }
    return renewed;
  }

  /**
   * Graph asks for reauthorization: extend the subscription from now (Graph refuses an expiry more
   * than 4,230 minutes ahead), or make it again if Graph no longer has it.
   */
  async reauthorize(subscription: SubscriptionDoc, now = new Date()): Promise<void> {
    if (await this.renew(subscription, now)) return;
    await this.restore(subscription, now);
  }

  /** Graph removed a subscription: make it again if the user still wants that folder, else forget it. */
  async restore(subscription: SubscriptionDoc, now = new Date()): Promise<void> {
    await this.forget(subscription.subscriptionId);
    const { tenantId, userId, folderId } = subscription;
    const wanted = (await this.wanted?.(tenantId, userId)) ?? [folderId];
    if (wanted.includes(folderId)) await this.ensure(tenantId, userId, [folderId], now);
  }

  /** Graph removed it (subscriptionRemoved): forget it so the next ensure() makes a new one. */
  async forget(subscriptionId: string): Promise<void> {
    await this.items.delete(PARTITION, subscriptionId);
  }
}
