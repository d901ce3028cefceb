import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logging/logger.ts';
import type { JobQueue } from '../queue/queue.port.ts';
import { CONTAINERS } from '../store/containers.ts';
import { type Collection, type Doc, type Store, userPartition } from '../store/store.port.ts';
import { dailyAt, latestSlot } from '../sync/schedule.ts';
import {
  anySyncOn,
  indexTimes,
  SCHEDULE_INDEX,
  type ScheduleIndexDoc,
  type SyncSettings,
  type SyncSettingsRepository,
} from '../sync/sync-settings.ts';
import type { SyncJob } from './jobs.ts';
import type { SubscriptionRegistry } from './subscription-registry.ts';

/**
 * Runs each user's schedule: finds who is due in the schedule index, claims the slot (a create that
 * only one instance can win), queues the sync, and moves the user's next run on. Two kinds of slot,
 * each claimed on its own: the automatic schedule's (an automatic sync) and the daily Sync All's
 * (a sync all of the selected folders), so both run when both are due, each once. After downtime a
 * user is due once per kind, for the latest slot, however many were missed. It also renews
 * change-notification subscriptions before they expire.
 */

interface TickClaim extends Doc {
  kind: 'tick';
  slot: string;
}

/** The kinds of scheduled run: each has its own slots, claims and job. */
const KINDS = {
  automatic: {
    /** The claim ids that automatic slots have always had. */
    claimPrefix: 'tick',
    slot: (settings: SyncSettings, now: Date) =>
      anySyncOn(settings) && settings.active ? latestSlot(settings.schedule, now) : undefined,
    mode: 'automatic',
  },
  syncAll: {
    claimPrefix: 'sync-all',
    slot: (settings: SyncSettings, now: Date) =>
      anySyncOn(settings) && settings.syncAllAt ? latestSlot(dailyAt(settings.syncAllAt), now) : undefined,
    mode: 'all',
  },
} as const;

/** A claimed slot is remembered for two days, then the store forgets it. */
const CLAIM_TTL_SECONDS = 2 * 24 * 60 * 60;

export interface SchedulerOptions {
  store: Store;
  settings: SyncSettingsRepository;
  queue: JobQueue<SyncJob>;
  subscriptions?: SubscriptionRegistry;
  logger: Logger;
  now?: () => Date;
  onQueued?: () => void;
}

export class Scheduler {
  private readonly index: Collection<ScheduleIndexDoc>;
  private readonly claims: Collection<TickClaim>;
  private readonly options: SchedulerOptions;
  private readonly now: () => Date;
  private timer?: NodeJS.Timeout;

  constructor(options: SchedulerOptions) {
    this.options = options;
    this.index = options.store.collection<ScheduleIndexDoc>(CONTAINERS.settings);
    this.claims = options.store.collection<TickClaim>(CONTAINERS.syncState);
    this.now = options.now ?? (() => new Date());
  }

  /** Ticks every `intervalMs` until stopped; a slot is at most this late. */
  start(intervalMs = 30_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      void this.tick().catch((error: unknown) =>
        this.options.logger.warn({ err: { message: (error as Error).message } }, 'scheduler tick failed'),
      );
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass: queues every due user's sync once; returns how many were queued here. */
  async tick(): Promise<number> {
    const now = this.now();
    let queued = 0;
    const due = await this.index.query(SCHEDULE_INDEX, {
      filters: [{ field: 'nextRunAt', op: '<=', value: now.getTime() }],
      orderBy: { field: 'nextRunAt', direction: 'asc' },
      limit: 200,
    });
    for (const { value: entry, etag } of due.items) {
      const stored = await this.options.settings.get(entry.tenantId, entry.userId);
      // An entry from before the daily Sync All has only the automatic schedule's time.
      const dueAt = entry.next ?? { automatic: entry.nextRunAt, syncAll: null };
      for (const kind of ['automatic', 'syncAll'] as const) {
        const at = dueAt[kind];
        if (!stored || at === null || at > now.getTime()) continue;
        const { claimPrefix, slot: slotOf, mode } = KINDS[kind];
        const slot = slotOf(stored.settings, now);
        if (!slot || !(await this.claim(entry, claimPrefix, slot))) continue;
        await this.options.queue.send({
          kind: 'mailbox',
          tenantId: entry.tenantId,
          userId: entry.userId,
          trigger: 'scheduled',
          mode,
        });
        this.options.onQueued?.();
        queued++;
      }
      const next = stored
        ? indexTimes(stored.settings, now)
        : { nextRunAt: null, next: { automatic: null, syncAll: null } };
      try {
        await this.index.replace({ ...entry, ...next }, { ifMatch: etag });
      } catch (error) {
        // Another instance moved it on, or the user changed their settings: either way it is current.
        if (!AppError.is(error, 'store.precondition_failed') && !AppError.is(error, 'store.not_found'))
          throw error;
      }
    }
    await this.options.subscriptions?.renewDue(now);
    return queued;
  }

  private async claim(entry: ScheduleIndexDoc, prefix: string, slot: Date): Promise<boolean> {
    try {
      await this.claims.create({
        id: `${prefix}-${slot.toISOString()}`,
        pk: userPartition(entry.tenantId, entry.userId),
        kind: 'tick',
        slot: slot.toISOString(),
        ttl: CLAIM_TTL_SECONDS,
      });
      return true;
    } catch (error) {
      if (AppError.is(error, 'store.conflict')) return false;
      throw error;
    }
  }
}
