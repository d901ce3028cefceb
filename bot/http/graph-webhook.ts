import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from '../logging/logger.ts';
import type { JobQueue } from '../queue/queue.port.ts';
import type { SyncJob } from '../worker/jobs.ts';
import type { SubscriptionRegistry } from '../worker/subscription-registry.ts';

type Subscription = NonNullable<Awaited<ReturnType<SubscriptionRegistry['verify']>>>;

/**
 * Graph change notifications: answer the validation handshake, check each notification's
 * subscription and clientState, enqueue a delta sync of its folder, and reply 202 at once (Graph
 * wants an answer within 3 seconds). Duplicates and out-of-order notifications are harmless: each
 * becomes a delta sync, which reads only what changed.
 */

export interface WebhookCounters {
  accepted: number;
  dropped: number;
}

/** Graph's documented notification bodies are small; anything larger is not from Graph. */
const MAX_BODY = '1mb';

function handshake(req: Request, res: Response): boolean {
  const token = req.query.validationToken;
  if (typeof token !== 'string') return false;
  // Graph sends the token URL-encoded and wants it back decoded, as plain text, within 10 seconds.
  res.status(200).type('text/plain').set('X-Content-Type-Options', 'nosniff').send(token);
  return true;
}

export function graphWebhook(options: {
  registry: SubscriptionRegistry;
  queue: JobQueue<SyncJob>;
  logger: Logger;
  onQueued?: () => void;
}): { router: Router; counters: WebhookCounters } {
  const counters: WebhookCounters = { accepted: 0, dropped: 0 };
  const router = express.Router();
  const json = express.json({ limit: MAX_BODY });

  /**
   * Answers the handshake, or replies 202 and yields each notification whose subscription and
   * clientState check out; the rest are dropped and counted.
   */
  const verified = (
    path: string,
    handle: (item: Record<string, unknown>, subscription: Subscription) => Promise<void>,
  ) =>
    router.post(path, json, async (req, res) => {
      if (handshake(req, res)) return;
      const items = Array.isArray(req.body?.value) ? (req.body.value as Array<Record<string, unknown>>) : [];
      res.status(202).end();
      for (const item of items) {
        const subscription = await options.registry.verify(
          String(item.subscriptionId ?? ''),
          item.clientState,
        );
        if (!subscription) {
          counters.dropped++;
          options.logger.warn(
            { subscriptionId: item.subscriptionId, path },
            'dropped a notification with an unknown subscription or wrong clientState',
          );
          continue;
        }
        counters.accepted++;
        await handle(item, subscription);
        options.onQueued?.();
      }
    });

  verified('/notifications', async (_item, { tenantId, userId, folderId }) => {
    await options.queue.send({ kind: 'folder', tenantId, userId, folderId, trigger: 'notified' });
  });

  verified('/lifecycle', async (item, subscription) => {
    const { tenantId, userId, folderId } = subscription;
    if (item.lifecycleEvent === 'subscriptionRemoved') {
      await options.registry.forget(subscription.subscriptionId);
      await options.registry.ensure(tenantId, userId, [folderId]);
    } else if (item.lifecycleEvent === 'reauthorizationRequired') {
      // Renewing is how a subscription is reauthorized; passing its expiry makes ensure() renew it now.
      await options.registry.ensure(
        tenantId,
        userId,
        [folderId],
        new Date(Date.parse(subscription.expiresAt)),
      );
    }
    // Missed notifications, a removed or a reauthorized subscription: catch up with a delta sync.
    await options.queue.send({ kind: 'folder', tenantId, userId, folderId, trigger: 'missed' });
  });

  return { router, counters };
}
