import type { Activity } from '@microsoft/teams.api';
import type { IActivityContext } from '@microsoft/teams.apps';
import type { AdaptiveCard } from '@microsoft/teams.cards';
import { progressCard, runResultCard } from '../cards/sync-cards.ts';
import type { UserRef } from '../sync/mail-sync.ts';
import type { SyncService } from '../sync/sync-service.ts';
import { cardMessage, type RouteContext } from './route-helpers.ts';

/** The status card's view, and "sync now" with one progress card kept up to date. */

/** Card refreshes while a sync runs: often enough to look alive, well under Teams' per-conversation limits. */
const PROGRESS_UPDATE_MS = 1_000;

export async function statusView(rc: RouteContext, user: UserRef, sync: SyncService) {
  const { settingsUrl } = rc;
  const status = await sync.status(user);
  return {
    active: status.active,
    emailSync: status.emailSync,
    ...(status.mailbox ? { mailboxStatus: status.mailbox.status } : {}),
    ...(status.mailbox?.note ? { mailboxNote: status.mailbox.note } : {}),
    ...(status.mailbox?.lastRun ? { lastRun: status.mailbox.lastRun } : {}),
    counts: status.counts,
    items: status.items,
    folders: status.folders,
    ...(status.nextRun ? { nextRun: status.nextRun } : {}),
    settingsUrl,
  };
}

/** Runs sync all in the background and keeps one card up to date until it finishes. */
export function startSyncWithProgress(
  rc: RouteContext,
  ctx: IActivityContext<Activity>,
  user: UserRef,
  sync: SyncService,
  activityId: string,
) {
  const { settingsUrl, logger, failed } = rc;
  const conversationId = ctx.activity.conversation.id;
  const update = (card: AdaptiveCard) =>
    ctx.api.conversations.activities(conversationId).update(activityId, cardMessage(card));
  let lastUpdate = 0;
  const stop = sync.events.on('progress', (p) => {
    if (p.tenantId !== user.tenantId || p.userId !== user.userId) return;
    const now = Date.now();
    if (now - lastUpdate < PROGRESS_UPDATE_MS) return;
    lastUpdate = now;
    void update(
      progressCard({
        folder: p.folder,
        processed: p.processed,
        total: p.total,
        counts: p.byStatus,
        ...(p.items ? { items: p.items } : {}),
      }),
    ).catch((error: unknown) =>
      logger.warn({ err: { message: (error as Error).message } }, 'progress card update failed'),
    );
  });
  void sync
    .syncNow(user)
    .then((summary) => update(runResultCard(summary, settingsUrl)))
    .catch(async (error: unknown) => {
      await update(failed(error, ctx.activity)).catch(() => undefined);
    })
    .finally(stop);
}
