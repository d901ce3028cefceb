import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from '../logging/logger.ts';
import { clientAddress, KeyedRateLimiter, tooManyRequests } from './rate-limit.ts';
import type { JobQueue } from '../queue/queue.port.ts';
import type { SyncJob } from '../worker/jobs.ts';
import type { SubscriptionRegistry } from '../worker/subscription-registry.ts';

type Subscription = NonNullable<Awaited<ReturnType<SubscriptionRegistry['verify']>>>;

/**
 * Graph change notifications: answer the validation handshake, check each notification's
 * clientState (a keyed hash: no store work for forgeries) and subscription, enqueue one delta sync
 * per folder named, and reply 202 at once (Graph wants an answer within 3 seconds). Duplicates and
 * out-of-order notifications are harmless: each becomes a delta sync, which reads only what changed.
 * Anyone may call this endpoint (Graph does not authenticate to it), so anonymous requests are
 * bounded: 1 MB and 1,000 items, drops logged once a minute, and senders of malformed requests rate-limited.
 */

export interface WebhookCounters {
  accepted: number;
  dropped: number;
}

/** Graph's documented notification bodies are small; anything larger is not from Graph. */
const MAX_BODY = '1mb';
/**
 * Graph batches notifications, a few dozen at most in practice; a thousand is far above any batch
 * it sends and bounds the work one request can ask for.
 */
export const MAX_ITEMS = 1_000;
/** Requests with no genuine notification, per client address: a burst, then one every 5 s. */
const FORGED_LIMIT = { burst: 20, perSecond: 0.2 };
/** Graph wants an answer within 3 s; the queue gets this long, leaving room for the network. */
export const ANSWER_WITHIN_MS = 2_000;
/** Drops are logged in aggregate: one line a minute at most, with the count. */
const DROP_LOG_INTERVAL_MS = 60_000;

function handshake(req: Request, res: Response): boolean {
  const token = req.query.validationToken;
  if (typeof token !== 'string') return false;
  if (token.length > 1024) {
    res.status(400).json({ error: { code: 'invalid_input', message: 'validationToken is too long.' } });
    return true;
  }
  // Graph sends the token URL-encoded and wants it back decoded, as plain text, within 10 seconds.
  res.status(200).type('text/plain').set('X-Content-Type-Options', 'nosniff').send(token);
  return true;
}

type Item = Record<string, unknown>;
const isItem = (v: unknown): v is Item => typeof v === 'object' && v !== null && !Array.isArray(v);

export function graphWebhook(options: {
  registry: SubscriptionRegistry;
  queue: JobQueue<SyncJob>;
  logger: Logger;
  onQueued?: () => void;
  /**
   * Notifications with a clientState of ours for a subscription not recorded (yet): the mailbox the
   * clientState names and signs. Queues a sync of it and says whether it did (false: dropped).
   */
  onUnrecorded?: (owner: { tenantId: string; userId: string }) => Promise<boolean>;
}): { router: Router; counters: WebhookCounters } {
  const counters: WebhookCounters = { accepted: 0, dropped: 0 };
  const router = express.Router();
  const json = express.json({ limit: MAX_BODY });
  const forgers = new KeyedRateLimiter(FORGED_LIMIT);
  let unlogged = 0;
  let loggedAt = 0;

  const dropped = (count: number, path: string) => {
    counters.dropped += count;
    unlogged += count;
    const now = Date.now();
    if (now - loggedAt < DROP_LOG_INTERVAL_MS) return;
    options.logger.warn(
      { dropped: unlogged, path },
      'dropped notifications with an unknown subscription or a clientState that is not ours',
    );
    unlogged = 0;
    loggedAt = now;
  };

  /**
   * Answers the handshake before any body is read; otherwise checks every item's clientState with
   * the registry's key (no store work), then looks up each distinct genuine subscription once and
   * hands it to `handle` once, whatever the number of items naming it. Only malformed requests
   * (not JSON, not a collection, too many items) count against their sender's allowance: Graph
   * never sends those, so Graph's shared addresses are never throttled, even when someone points a
   * subscription of their own tenant at this endpoint.
   */
  const verified = (path: string, handle: (items: Item[], subscription: Subscription) => Promise<void>) =>
    router.post(
      path,
      (req, res, next) => {
        if (handshake(req, res)) return;
        const wait = forgers.retryAfter(clientAddress(req));
        if (wait > 0) {
          tooManyRequests(res, wait, 'Too many malformed requests.');
          return;
        }
        json(req, res, (error?: unknown) => {
          if (error) {
            forgers.take(clientAddress(req));
            dropped(1, path);
          }
          next(error);
        });
      },
      async (req, res) => {
        const value: unknown = req.body?.value;
        if (!Array.isArray(value) || value.length > MAX_ITEMS) {
          forgers.take(clientAddress(req));
          dropped(1, path);
          res.status(400).json({
            error: {
              code: 'invalid_input',
              message: `Expected a notification collection of at most ${MAX_ITEMS} items.`,
            },
          });
          return;
        }
        const bySubscription = new Map<string, Item[]>();
        for (const item of value) {
          if (
            !isItem(item) ||
            typeof item.subscriptionId !== 'string' ||
            !options.registry.ownerOf(item.clientState)
          )
            continue;
          const items = bySubscription.get(item.subscriptionId) ?? [];
          items.push(item);
          bySubscription.set(item.subscriptionId, items);
        }
        const genuine = [...bySubscription.values()].reduce((n, items) => n + items.length, 0);
        if (genuine < value.length) dropped(value.length - genuine, path);
        // Persist (enqueue) first, then answer: a 202 means the work is queued. A queue fault is a
        // 503, which Graph redelivers; work slower than Graph's deadline is answered 202 anyway so
        // the endpoint is never slow, and finishes on its own.
        let failed = false;
        const unrecordedOwners = new Set<string>();
        const work = (async () => {
          for (const [subscriptionId, items] of bySubscription) {
            try {
              const subscription = await options.registry.verify(subscriptionId, items[0]!.clientState);
              if (!subscription) {
                // Ours (the clientState names and signs its mailbox) but not recorded yet: Graph can
                // notify before the call that created the subscription has returned. That mailbox
                // is synced, once per request whatever the number of such subscriptions.
                const owner = options.registry.ownerOf(items[0]!.clientState)!;
                const key = `${owner.tenantId}|${owner.userId}`;
                const first = !unrecordedOwners.has(key);
                unrecordedOwners.add(key);
                if (path === '/notifications' && (!first || (await options.onUnrecorded?.(owner)))) {
                  counters.accepted += items.length;
                  if (first) options.onQueued?.();
                } else dropped(items.length, path);
                continue;
              }
              counters.accepted += items.length;
              await handle(items, subscription);
              options.onQueued?.();
            } catch (error) {
              // One subscription's failure (a store or queue fault) does not cost the others theirs.
              failed = true;
              options.logger.error(
                { subscriptionId, path, err: { message: (error as Error).message } },
                'could not act on a change notification',
              );
            }
          }
        })();
        let timer: NodeJS.Timeout | undefined;
        const late = await Promise.race([
          work.then(() => false),
          new Promise<boolean>((r) => {
            timer = setTimeout(() => r(true), ANSWER_WITHIN_MS);
          }),
        ]);
        clearTimeout(timer);
        res.status(!late && failed ? 503 : 202).end();
      },
    );

  // However many notifications name a folder, one delta sync of it reads everything they announce.
  verified('/notifications', async (_items, { tenantId, userId, folderId }) => {
    await options.queue.send({ kind: 'folder', tenantId, userId, folderId, trigger: 'notified' });
  });

  verified('/lifecycle', async (items, subscription) => {
    const { tenantId, userId, folderId } = subscription;
    const events = new Set(items.map((i) => i.lifecycleEvent));
    if (events.has('subscriptionRemoved')) await options.registry.restore(subscription);
    else if (events.has('reauthorizationRequired')) await options.registry.reauthorize(subscription);
    // Missed notifications, a removed or a reauthorized subscription: catch up with a delta sync.
    await options.queue.send({ kind: 'folder', tenantId, userId, folderId, trigger: 'missed' });
  });

  return { router, counters };
}
