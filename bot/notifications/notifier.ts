import { randomUUID } from 'node:crypto';
import type { AdaptiveCard } from '@microsoft/teams.cards';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logging/logger.ts';
import { CONTAINERS } from '../store/containers.ts';
import { type Collection, type Doc, type Store, userPartition } from '../store/store.port.ts';
import type { SyncSettingsRepository } from '../sync/sync-settings.ts';
import type { RunSummary } from '../sync/sync-state.ts';
import type { ConversationRef, ConversationRepository } from '../teams/conversation-store.ts';
import type { NotificationCenter } from './notification-center.ts';
import { ConversationRateLimiter } from './rate-limiter.ts';

/**
 * Proactive notifications: written to the notification center and to an outbox in the store, then
 * delivered to the user's Teams chat within Teams' rate limits. The outbox makes delivery survive
 * crashes; a notification has a stable id, so queuing it twice sends it once. Automatic-sync results
 * are gathered into one digest per quiet period, as the user chose.
 */

export interface ProactiveSender {
  /** Throws an error with `status` 429 and `retryAfterMs` when Teams throttles. */
  send(ref: ConversationRef, card: AdaptiveCard): Promise<void>;
}

/** A CRM record an automatic run put email on: the card offers a Show button for it. */
export interface RunRecord {
  type: 'candidate' | 'contact';
  id: string;
  name: string;
}

/** An email an automatic run synced, as its card lists it. */
export interface RunEmail {
  subject: string;
  receivedAt: string;
  /** Cand, Con or CandCon: what kind of records the email is on. */
  linkType?: string;
}

/** What an automatic run synced, as far as its card names it (a few; `more` when there were others). */
export interface RunContents {
  emails: RunEmail[];
  records: RunRecord[];
  more: boolean;
}

/** Records named on one card at most: Show buttons beyond a handful crowd the card out. */
export const MAX_RECORDS = 5;
/** Emails listed on one card at most. */
export const MAX_EMAILS = 5;

export interface OutboxDoc extends Doc {
  kind: 'outbox';
  tenantId: string;
  userId: string;
  title: string;
  text: string;
  severity: 'info' | 'success' | 'warning' | 'error';
  counts?: {
    synced: number;
    noMatch: number;
    errors: number;
    runs: number;
    /** Contacts, tasks and appointments the runs wrote to the CRM, and the ones that failed. */
    items?: { synced: number; errors: number };
  };
  /** A digest's newest synced emails and the records they are on (candidates first). */
  contents?: RunContents;
  /** The tab's view the card links to besides: `captured`, the Emails view's CaptureME filter. */
  open?: 'captured';
  state: 'pending' | 'sending' | 'sent' | 'failed';
  attempts: number;
  sendAfter: number;
  createdAt: string;
  note?: string;
}

interface DigestState extends Doc {
  kind: 'digestState';
  /** When the user's latest digest was (or is) due to go out. */
  lastSendAfter: number;
}

/** The outbox is read across users by the delivery loop, so it is one partition. */
const OUTBOX = 'outbox';
/**
 * An outbox item lives a week: sent or given up on long before, it is only a record by then, and
 * the store drops it by itself (Cosmos DB TTL; the embedded store's purge).
 */
export const OUTBOX_TTL_SECONDS = 7 * 24 * 3600;
const MAX_ATTEMPTS = 5;
/** A send that was claimed but never confirmed (the process died) is tried again after this. */
const SENDING_TIMEOUT_MS = 60_000;

export interface NotifierOptions {
  store: Store;
  center: NotificationCenter;
  conversations: ConversationRepository;
  settings: SyncSettingsRepository;
  /** Only the process that delivers needs one; workers only queue notifications. */
  sender?: ProactiveSender;
  render: (doc: OutboxDoc) => AdaptiveCard;
  logger: Logger;
  now?: () => number;
  limiter?: ConversationRateLimiter;
  /** What an automatic run synced, for its card's list and Show buttons; without it the card has counts only. */
  contentsOf?: (user: { tenantId: string; userId: string }, summary: RunSummary) => Promise<RunContents>;
}

/** Two digests' contents as one: newest emails first, candidates before contacts, each record once. */
export function mergeContents(older: RunContents | undefined, newer: RunContents): RunContents {
  const emails = [...newer.emails, ...(older?.emails ?? [])];
  const seen = new Set<string>();
  const records: RunRecord[] = [];
  for (const record of [...newer.records, ...(older?.records ?? [])]) {
    const key = `${record.type}:${record.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    records.push(record);
  }
  records.sort((a, b) => (a.type === b.type ? 0 : a.type === 'candidate' ? -1 : 1));
  return {
    emails: emails.slice(0, MAX_EMAILS),
    records: records.slice(0, MAX_RECORDS),
    more: newer.more || Boolean(older?.more) || emails.length > MAX_EMAILS || records.length > MAX_RECORDS,
  };
}

export class Notifier {
  private readonly outbox: Collection<OutboxDoc>;
  private readonly digests: Collection<DigestState>;
  private readonly options: NotifierOptions;
  private readonly now: () => number;
  private readonly limiter: ConversationRateLimiter;
  private timer?: NodeJS.Timeout;
  private delivering?: Promise<number>;
  private sender?: ProactiveSender;
  /** Sent and failed deliveries, for tests and /readyz. */
  readonly stats = { sent: 0, throttled: 0, failed: 0 };

  constructor(options: NotifierOptions) {
    this.options = options;
    this.outbox = options.store.collection<OutboxDoc>(CONTAINERS.notifications);
    this.digests = options.store.collection<DigestState>(CONTAINERS.notifications);
    this.now = options.now ?? Date.now;
    this.limiter = options.limiter ?? new ConversationRateLimiter();
    this.sender = options.sender;
  }

  /** Queues one notification; the same id twice is one notification. */
  async notify(
    user: { tenantId: string; userId: string },
    note: {
      id: string;
      title: string;
      text: string;
      severity: OutboxDoc['severity'];
      /** Records the card offers a Show button for. */
      records?: RunRecord[];
      /** A view of the tab the card opens: CaptureME's captures, to retry one. */
      open?: OutboxDoc['open'];
    },
  ): Promise<void> {
    const { records, open, ...centerNote } = note;
    await this.options.center.add(user.tenantId, user.userId, centerNote);
    try {
      await this.outbox.create({
        id: `${user.tenantId}|${user.userId}|${note.id}`,
        pk: OUTBOX,
        kind: 'outbox',
        ttl: OUTBOX_TTL_SECONDS,
        ...user,
        title: note.title,
        text: note.text,
        severity: note.severity,
        ...(records?.length ? { contents: { emails: [], records, more: false } } : {}),
        ...(open ? { open } : {}),
        state: 'pending',
        attempts: 0,
        sendAfter: this.now(),
        createdAt: new Date(this.now()).toISOString(),
      });
    } catch (error) {
      if (!AppError.is(error, 'store.conflict')) throw error;
    }
  }

  /** An automatic run's result, gathered with the others of the user's quiet period into one card. */
  async automaticRun(user: { tenantId: string; userId: string }, summary: RunSummary): Promise<void> {
    const itemRuns = Object.values(summary.items ?? {});
    const items = {
      synced: itemRuns.reduce((sum, k) => sum + k.synced, 0),
      errors: itemRuns.reduce((sum, k) => sum + k.errors, 0),
    };
    if (summary.synced + summary.errors + items.synced + items.errors === 0) return;
    const stored = await this.options.settings.get(user.tenantId, user.userId);
    const prefs = stored?.settings.notifications ?? { level: 'all', everyMinutes: 60 };
    if (prefs.level === 'off' || (prefs.level === 'errors' && summary.errors + items.errors === 0)) return;
    const contents =
      summary.synced > 0 && this.options.contentsOf
        ? await this.options.contentsOf(user, summary).catch((error: unknown) => {
            // The card still goes out with its counts; only its list and buttons are missing.
            this.options.logger.warn(
              { err: { message: (error as Error).message } },
              'could not read what the run synced',
            );
            return undefined;
          })
        : undefined;
    const pk = userPartition(user.tenantId, user.userId);
    const period = prefs.everyMinutes * 60_000;
    const digestId = (sendAfter: number) => `${user.tenantId}|${user.userId}|digest-${sendAfter}`;
    for (;;) {
      const now = this.now();
      const last = (await this.digests.read(pk, 'digest-state'))?.value.lastSendAfter;
      // Results gather in the digest still waiting to go out; once it has gone, the next one is due a
      // period later, or at once after a quiet period.
      const open = last === undefined ? undefined : await this.outbox.read(OUTBOX, digestId(last));
      const sendAfter =
        open?.value.state === 'pending' && last !== undefined
          ? last
          : Math.max(now, (last ?? -period) + period);
      const current =
        open?.value.state === 'pending' ? open : await this.outbox.read(OUTBOX, digestId(sendAfter));
      const counts = current?.value.counts ?? { synced: 0, noMatch: 0, errors: 0, runs: 0 };
      const merged = {
        synced: counts.synced + summary.synced,
        noMatch: counts.noMatch + summary.noMatch,
        errors: counts.errors + summary.errors,
        runs: counts.runs + 1,
        items: {
          synced: (counts.items?.synced ?? 0) + items.synced,
          errors: (counts.items?.errors ?? 0) + items.errors,
        },
      };
      const itemsText =
        merged.items.synced + merged.items.errors > 0
          ? `; contacts, tasks and appointments: ${merged.items.synced} synced, ${merged.items.errors} errors`
          : '';
      const mergedContents = contents
        ? mergeContents(current?.value.contents, contents)
        : current?.value.contents;
      const doc: OutboxDoc = {
        id: digestId(sendAfter),
        pk: OUTBOX,
        kind: 'outbox',
        ttl: OUTBOX_TTL_SECONDS,
        ...user,
        title:
          merged.errors > 0
            ? `${merged.errors} email${merged.errors === 1 ? '' : 's'} could not be synced`
            : merged.items.errors > 0
              ? `${merged.items.errors} Outlook item${merged.items.errors === 1 ? '' : 's'} could not be synced`
              : merged.synced > 0
                ? 'New email synced to your CRM'
                : 'Outlook items synced to your CRM',
        text: `${merged.synced} synced, ${merged.noMatch} with no match, ${merged.errors} errors${itemsText}`,
        severity: merged.errors + merged.items.errors > 0 ? 'error' : 'success',
        counts: merged,
        ...(mergedContents ? { contents: mergedContents } : {}),
        state: 'pending',
        attempts: 0,
        sendAfter,
        createdAt: current?.value.createdAt ?? new Date(now).toISOString(),
      };
      try {
        if (current) await this.outbox.replace(doc, { ifMatch: current.etag });
        else await this.outbox.create(doc);
        await this.digests.upsert({ id: 'digest-state', pk, kind: 'digestState', lastSendAfter: sendAfter });
        return;
      } catch (error) {
        // Another run wrote the digest first (or it just went out): read again and merge.
        if (!AppError.is(error, 'store.precondition_failed') && !AppError.is(error, 'store.conflict'))
          throw error;
      }
    }
  }

  /** Starts delivering from the outbox through `sender` (the app process, which hosts the bot). */
  start(sender: ProactiveSender, intervalMs = 200): void {
    this.sender = sender;
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.delivering ??= this.deliver()
        .catch((error: unknown) => {
          this.options.logger.warn(
            { err: { message: (error as Error).message } },
            'notification delivery failed',
          );
          return 0;
        })
        .finally(() => {
          this.delivering = undefined;
        });
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.delivering;
  }

  /** One pass over what is due; returns how many were sent. */
  async deliver(): Promise<number> {
    const sender = this.sender;
    if (!sender) throw new Error('the notifier has no sender: only the app process delivers');
    const now = this.now();
    const due = await this.outbox.query(OUTBOX, {
      filters: [
        { field: 'state', op: 'in', value: ['pending', 'sending'] },
        { field: 'sendAfter', op: '<=', value: now },
      ],
      orderBy: { field: 'sendAfter', direction: 'asc' },
      limit: 50,
    });
    let sent = 0;
    for (const { value: doc, etag } of due.items) {
      if (doc.state === 'sending' && doc.sendAfter > now - SENDING_TIMEOUT_MS) continue;
      if (doc.counts && doc.attempts === 0 && doc.state === 'pending') {
        // A digest is final once it is due: now it belongs in the notification center too.
        await this.options.center.add(doc.tenantId, doc.userId, {
          id: doc.id,
          title: doc.title,
          text: doc.text,
          severity: doc.severity,
        });
      }
      const ref = await this.options.conversations.get(doc.tenantId, doc.userId);
      if (!ref) {
        await this.settle(doc, etag, {
          state: 'failed',
          note: 'the user has not opened CRM Sync in Teams yet; kept in the notification center',
        });
        continue;
      }
      const wait = this.limiter.wait(ref.conversationId, now);
      if (wait > 0) {
        await this.settle(doc, etag, { sendAfter: now + wait });
        continue;
      }
      // Claim it first, so a second delivery pass (another instance) does not send it too.
      const claimed = await this.settle(doc, etag, { state: 'sending', sendAfter: now });
      if (!claimed) continue;
      try {
        this.limiter.record(ref.conversationId, now);
        await sender.send(ref, this.options.render(doc));
        await this.settle(claimed.doc, claimed.etag, { state: 'sent' });
        this.stats.sent++;
        sent++;
      } catch (error) {
        const status = (error as { status?: number }).status;
        if (status === 429) {
          this.stats.throttled++;
          const retryAfter = (error as { retryAfterMs?: number }).retryAfterMs ?? 1_000;
          await this.settle(claimed.doc, claimed.etag, {
            state: 'pending',
            sendAfter: now + retryAfter * (1 + Math.random() / 2),
          });
        } else {
          const attempts = doc.attempts + 1;
          const failed = attempts >= MAX_ATTEMPTS;
          if (failed) this.stats.failed++;
          await this.settle(claimed.doc, claimed.etag, {
            state: failed ? 'failed' : 'pending',
            attempts,
            sendAfter: now + 2 ** attempts * 1_000,
            note: (error as Error).message,
          });
        }
      }
    }
    return sent;
  }

  /** Whether every notification due by now has left the outbox (for tests and shutdown). */
  async pending(): Promise<number> {
    return this.outbox.count(OUTBOX, [{ field: 'state', op: 'in', value: ['pending', 'sending'] }]);
  }

  private async settle(
    doc: OutboxDoc,
    etag: string,
    change: Partial<OutboxDoc>,
  ): Promise<{ doc: OutboxDoc; etag: string } | undefined> {
    const next = { ...doc, ...change };
    try {
      const written = await this.outbox.replace(next, { ifMatch: etag });
      return { doc: next, etag: written.etag };
    } catch (error) {
      if (AppError.is(error, 'store.precondition_failed')) return undefined;
      throw error;
    }
  }
}

export function newNotificationId(): string {
  return randomUUID();
}
