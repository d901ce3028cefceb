import { hostname } from 'node:os';
import { targetKind } from '../mail-source/subscription-targets.ts';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger.ts';
import type { JobQueue, QueuedMessage } from '../queue/queue.port.ts';
import type { MailSync } from '../sync/mail-sync.ts';
import { RESUME_AFTER_SECONDS } from '../sync/mail-sync.ts';
import type { SyncEvents } from '../sync/sync-events.ts';
import type { SyncJob } from './jobs.ts';
import type { Lease, MailboxLeases } from './mailbox-lease.ts';

/**
 * Takes sync jobs off the queue and runs them, one mailbox at a time across all instances (the
 * lease). A job whose mailbox is busy goes back for a few seconds; a failing job is retried with
 * backoff and, after MAX_FAILURES failures, moved to the poison queue and reported, never dropped.
 */

/** A job that fails this many times is set aside in the poison queue. */
export const MAX_FAILURES = 5;
/**
 * A job handed out this often without ever finishing crashes its worker each time (waiting and
 * retrying re-queue it as a fresh message, so they do not count here): set it aside too.
 */
export const MAX_DELIVERIES = 10;
/** How long a job and a mailbox stay with a worker that stops answering (crashed): then another takes over. */
export const DEFAULT_LEASE_SECONDS = 120;
const BUSY_RETRY_SECONDS = 3;
/**
 * A job whose mailbox is busy first waits this long for it here, looking every BUSY_POLL_MS: most
 * often the holder is another notification's job of the same mailbox, done within a few hundred
 * ms, and going back to the queue would cost the email BUSY_RETRY_SECONDS (the fan-in benchmark's
 * p99). A long run (a backfill) outlasts the wait, and the job goes back as before.
 */
export const DEFAULT_BUSY_WAIT_MS = 1_500;
const BUSY_POLL_MS = 100;
/**
 * Jobs one worker runs at once. A notified folder's job is mostly waiting (Graph, the queue, the
 * store): at 2 a worker sat 35 % idle while the fan-in benchmark's queue grew (50 notifications a
 * second over two workers). Jobs of one mailbox still run one at a time: each holds its lease.
 */
export const DEFAULT_CONCURRENCY = 8;
/** A subscription claimed by another process: by then it is made, or the claim has gone stale. */
const CLAIMED_RETRY_SECONDS = 35;
/** After a store or queue fault outside the sync itself: soon, the fault is usually brief. */
const INFRA_RETRY_SECONDS = 10;

export interface SyncWorkerOptions {
  queue: JobQueue<SyncJob>;
  leases: MailboxLeases;
  mailSync: MailSync;
  events: SyncEvents;
  logger: Logger;
  concurrency?: number;
  pollMs?: number;
  leaseSeconds?: number;
  /** How long a job waits here for its busy mailbox before going back to the queue. */
  busyWaitMs?: number;
  /**
   * Makes a user's change-notification subscriptions match their settings (a `subscriptions` job);
   * false while another process holds the claim to create one of them.
   */
  reconcile?: (user: { tenantId: string; userId: string }) => Promise<boolean>;
}

export class SyncWorker {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly options: SyncWorkerOptions;
  private running = false;
  private readonly inFlight = new Set<Promise<void>>();
  private wakeUp?: () => void;
  private loopDone?: Promise<void>;

  constructor(options: SyncWorkerOptions) {
    this.options = options;
  }

  private get leaseSeconds(): number {
    return this.options.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** A job was just queued here: look now rather than at the next poll. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stops taking jobs and waits for the ones under way; their leases are released as they finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loopDone;
    await Promise.allSettled([...this.inFlight]);
  }

  private async loop(): Promise<void> {
    const concurrency = this.options.concurrency ?? DEFAULT_CONCURRENCY;
    while (this.running) {
      const free = concurrency - this.inFlight.size;
      let received: QueuedMessage<SyncJob>[] = [];
      if (free > 0) {
        try {
          received = await this.options.queue.receive({ max: free, visibilitySeconds: this.leaseSeconds });
        } catch (error) {
          this.options.logger.warn(
            { err: { message: (error as Error).message } },
            'queue receive failed; retrying',
          );
        }
      }
      for (const message of received) {
        const work = this.handleSafely(message).finally(() => {
          this.inFlight.delete(work);
          this.wake();
        });
        this.inFlight.add(work);
      }
      if (received.length === 0 || this.inFlight.size >= concurrency) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.pollMs ?? 500);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }

  /**
   * A job's failure never escapes: a store or queue fault anywhere (taking the lease, completing,
   * setting aside) is logged and the message becomes visible again a little later, where its next
   * delivery retries it, instead of an unhandled rejection taking the process down.
   */
  private async handleSafely(message: QueuedMessage<SyncJob>): Promise<void> {
    try {
      await this.handle(message);
    } catch (error) {
      this.options.logger.error(
        { job: message.body.kind, err: { message: (error as Error).message } },
        'could not process a sync job; it will be retried',
      );
      await this.options.queue.release(message, INFRA_RETRY_SECONDS).catch(() => undefined);
    }
  }

  private async handle(message: QueuedMessage<SyncJob>): Promise<void> {
    const job = message.body;
    const { queue, leases, logger } = this.options;
    if (job.kind === 'subscriptions') {
      // No mailbox lease: subscriptions are claimed one by one by the registry, and no sync runs.
      try {
        const settled = (await this.options.reconcile?.(job)) ?? true;
        // A claim held elsewhere: that creation is under way or was abandoned by a crash; look
        // again once the claim would have gone stale.
        if (settled) await queue.complete(message);
        else await this.later(message, job, CLAIMED_RETRY_SECONDS);
      } catch (error) {
        await this.failed(message, error);
      }
      return;
    }
    const leaseMs = this.leaseSeconds * 1000;
    // An owner per job, not per worker: leases are re-entrant for their owner, and two jobs of one
    // mailbox in this worker (its Inbox and its Sent Items notified together) must not run at once.
    const owner = `${this.owner}:${randomUUID().slice(0, 8)}`;
    let lease = await leases.acquire(job.tenantId, job.userId, owner, leaseMs);
    const waitUntil = Date.now() + (this.options.busyWaitMs ?? DEFAULT_BUSY_WAIT_MS);
    while (!lease && this.running && Date.now() + BUSY_POLL_MS <= waitUntil) {
      await new Promise((r) => setTimeout(r, BUSY_POLL_MS));
      lease = await leases.acquire(job.tenantId, job.userId, owner, leaseMs);
    }
    if (!lease) {
      await this.later(message, job, BUSY_RETRY_SECONDS);
      return;
    }
    let held = message;
    // Keep the lease and the message while a long sync runs.
    const keepAlive = setInterval(() => {
      void (async () => {
        lease = lease ? await leases.renew(lease, leaseMs) : undefined;
        held = await queue.extend(held, this.leaseSeconds);
      })().catch((error: unknown) =>
        logger.warn({ err: { message: (error as Error).message } }, 'could not keep the job'),
      );
    }, leaseMs / 3);
    // Lost when a renewal finds another owner, or when renewals stall past the lease's expiry.
    const hold = { held: () => leases.holds(lease) };
    try {
      const summary =
        job.kind === 'folder'
          ? await this.options.mailSync.run(job, {
              mode: 'automatic',
              trigger: 'notified',
              // A mail folder's notification syncs that folder; one for contacts, the calendar or
              // a task list syncs that kind.
              ...(targetKind(job.folderId) === 'email'
                ? { onlyFolderIds: [job.folderId] }
                : { kinds: [targetKind(job.folderId)] }),
              lease: hold,
            })
          : job.kind === 'message'
            ? (await this.options.mailSync.syncSelected(job, job.messageId, 'retry')).summary
            : await this.options.mailSync.run(job, { mode: job.mode, trigger: job.trigger, lease: hold });
      if (summary.status === 'paused') {
        // The network or a service is down: the run kept its place; try again a little later.
        await this.later(held, job, RESUME_AFTER_SECONDS);
      } else if (summary.status === 'busy') {
        // The lease was lost mid-run: whoever holds the mailbox may be syncing another folder, so
        // this job's folder waits its turn rather than being dropped.
        await this.later(held, job, BUSY_RETRY_SECONDS);
      } else {
        if (job.kind === 'mailbox' && job.trigger === 'scheduled' && summary.status === 'completed') {
          // The schedule also checks that the user's subscriptions are all there (one lost with a
          // failed lifecycle event, say): a read when they are, Graph only for what is missing.
          await this.options
            .reconcile?.(job)
            .catch((error: unknown) =>
              logger.warn(
                { err: { message: (error as Error).message } },
                'could not check the subscriptions',
              ),
            );
        }
        await queue.complete(held);
      }
    } catch (error) {
      await this.failed(held, error);
    } finally {
      clearInterval(keepAlive);
      if (lease) await leases.release(lease as Lease).catch(() => undefined);
    }
  }

  /**
   * Puts the job back as a fresh message, due after `delaySeconds`, and takes this one off the
   * queue. Sending first means a crash in between leaves a duplicate, which a delta sync shrugs off.
   */
  private async later(message: QueuedMessage<SyncJob>, job: SyncJob, delaySeconds: number): Promise<void> {
    await this.options.queue.send(job, { delaySeconds });
    await this.options.queue.complete(message).catch(() => undefined);
  }

  private async failed(message: QueuedMessage<SyncJob>, error: unknown): Promise<void> {
    const { queue, logger, events } = this.options;
    const reason = (error as Error).message;
    const failures = (message.body.failures ?? 0) + 1;
    logger.error(
      { job: message.body.kind, failures, dequeueCount: message.dequeueCount, err: { message: reason } },
      'sync job failed',
    );
    if (failures >= MAX_FAILURES || message.dequeueCount >= MAX_DELIVERIES) {
      await queue.poison(message, `failed ${failures} times: ${reason}`);
      events.emit('paused', {
        tenantId: message.body.tenantId,
        userId: message.body.userId,
        note: `a sync job kept failing and was set aside: ${reason}`,
      });
      return;
    }
    await this.later(message, { ...message.body, failures }, Math.min(300, 2 ** failures * 5));
  }
}
