import { emptyCounts } from './ledger.ts';
import type { UserRef } from './mail-sync.ts';
import type { SyncEventMap, SyncEvents } from './sync-events.ts';
import type { SyncMode } from './sync-state.ts';

/**
 * The sync runs under way in this process, from the sync's own events, so the tab can show a
 * progress bar. Runs in another process (an extra `npm run worker`) are not seen here; the tab
 * then shows their result when they finish.
 */

/** The latest progress event of a run, and when it came. */
export type RunInProgress = Omit<SyncEventMap['progress'], 'tenantId' | 'userId'> & { updatedAt: string };

const STARTING = 'starting';
/** Longer than a page of delta takes, even throttled; a run quiet this long has died. */
const SILENT_RUN_MS = 5 * 60_000;
const key = (tenantId: string, userId: string) => `${tenantId}|${userId}`;

export class RunProgress {
  private readonly runs = new Map<string, RunInProgress>();
  private readonly stops: Array<() => void>;

  constructor(events: SyncEvents) {
    this.stops = [
      events.on('progress', ({ tenantId, userId, ...run }) => {
        this.runs.set(key(tenantId, userId), {
          ...run,
          byStatus: { ...run.byStatus },
          updatedAt: new Date().toISOString(),
        });
      }),
      events.on('runSummary', (s) => {
        const runId = this.runs.get(key(s.tenantId, s.userId))?.runId;
        if (runId === s.summary.runId || runId === STARTING) this.runs.delete(key(s.tenantId, s.userId));
      }),
    ];
  }

  /** Marks a run as started before its first page, so the tab shows it at once. */
  starting(user: UserRef, mode: SyncMode): void {
    const k = key(user.tenantId, user.userId);
    if (this.runs.has(k)) return;
    this.runs.set(k, {
      runId: STARTING,
      mode,
      folder: '',
      processed: 0,
      total: 0,
      byStatus: emptyCounts(),
      updatedAt: new Date().toISOString(),
    });
  }

  /** Forgets a run that ended without a summary event (it failed, or it never started). */
  ended(user: UserRef): void {
    this.runs.delete(key(user.tenantId, user.userId));
  }

  of(user: UserRef): RunInProgress | undefined {
    const run = this.runs.get(key(user.tenantId, user.userId));
    // A run that crashed sends no summary: once silent this long it is not shown as running.
    if (run && Date.now() - Date.parse(run.updatedAt) > SILENT_RUN_MS) {
      this.runs.delete(key(user.tenantId, user.userId));
      return undefined;
    }
    return run;
  }

  close(): void {
    for (const stop of this.stops) stop();
  }
}
