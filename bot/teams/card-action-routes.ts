import type { Activity } from '@microsoft/teams.api';
import type { App, IActivityContext } from '@microsoft/teams.apps';
import type { AdaptiveCard } from '@microsoft/teams.cards';
import { helpCard } from '../cards/help-card.ts';
import { accessCard, noticeCard, notificationsCard } from '../cards/notice-cards.ts';
import { RESEND_ALL_VERBS, resendAllCancelledCard, resendAllQueuedCard } from '../cards/resend-cards.ts';
import { errorsCard, progressCard, retryResultCard, statusCard } from '../cards/sync-cards.ts';
import { AppError } from '../errors/app-error.ts';
import { COMMANDS } from './commands.ts';
import {
  cardResponse,
  isPersonal,
  PERSONAL_ONLY,
  type RouteContext,
  userOf,
  withinBudget,
} from './route-helpers.ts';
import { sendToUserChat } from './teams-sender.ts';
import { isUnmatchedVerb, unmatchedAction } from './unmatched-routes.ts';
import { startSyncWithProgress, statusView } from './sync-progress.ts';

/** Card buttons (Action.Execute): each answers with the card that replaces the one pressed. */
export function registerCardActionRoutes(app: App, rc: RouteContext): void {
  const { deps, settingsUrl, failed } = rc;
  /**
   * The card the work makes, if it comes within Teams' invoke budget; otherwise a card that says
   * it is under way, and the result is posted to the user's chat when it is in.
   */
  async function answerInTime(
    activity: Activity,
    user: { tenantId: string; userId: string },
    work: Promise<AdaptiveCard>,
    underWay: string,
  ) {
    const answer = await withinBudget(work);
    if (answer.done) return cardResponse(answer.value);
    void answer.later
      .then(
        (card) => sendToUserChat(app, deps.conversations, user, card),
        (error: unknown) => sendToUserChat(app, deps.conversations, user, failed(error, activity)),
      )
      .catch(() => undefined);
    return cardResponse(
      noticeCard(underWay, 'This is taking a moment: the result will follow in this chat.'),
    );
  }

  app.on('card.action', async (ctx) => {
    const { activity } = ctx;
    const data = (activity.value?.action?.data ?? {}) as { verb?: string; messageId?: string };
    const verb = activity.value?.action?.verb ?? data.verb;
    try {
      if (!isPersonal(activity))
        return cardResponse(noticeCard(PERSONAL_ONLY.title, PERSONAL_ONLY.text, 'Attention'));
      const user = userOf(activity);
      if (!user || !deps.sync)
        return cardResponse(noticeCard('I could not tell who you are', undefined, 'Attention'));
      const sync = deps.sync;
      // Turning sync on, and the seeds' Sync Selected kind (retry, associate), need only the
      // organization's switch; the rest need the user's email sync on too.
      const access = await sync.access(
        user,
        verb === 'turnOn' || verb === 'retry' || verb === 'retryAll' || isUnmatchedVerb(verb)
          ? 'organization'
          : 'sync_on',
      );
      if (!access.allowed) return cardResponse(accessCard({ reason: access.reason, settingsUrl }));
      if (verb === 'turnOn') {
        await sync.turnOn(user);
        return cardResponse(
          noticeCard(
            'Email sync is on',
            'New email in your Inbox and Sent Items will sync from now on. Type "sync status" to check on it.',
            'Good',
          ),
        );
      }
      if (isUnmatchedVerb(verb)) {
        // Linking reads Graph and writes the CRM: within Teams' budget, or the result follows.
        return await answerInTime(
          activity,
          user,
          unmatchedAction(
            rc,
            user,
            sync,
            verb!,
            (activity.value?.action?.data ?? {}) as Record<string, unknown>,
          ),
          'Linking the email',
        );
      }
      switch (verb) {
        case 'syncNow':
          if (activity.replyToId)
            startSyncWithProgress(
              rc,
              ctx as unknown as IActivityContext<Activity>,
              user,
              sync,
              activity.replyToId,
            );
          return cardResponse(
            progressCard({
              folder: 'starting',
              processed: 0,
              total: 0,
              counts: { synced: 0, no_match: 0, error: 0 },
            }),
          );
        case RESEND_ALL_VERBS.confirm:
          // A queued job: the worker runs it, this invoke only answers.
          await sync.queueResendAll(user);
          return cardResponse(resendAllQueuedCard());
        case RESEND_ALL_VERBS.cancel:
          return cardResponse(resendAllCancelledCard());
        case 'pause':
        case 'resume':
          await sync.setActive(user, verb === 'resume');
          return cardResponse(statusCard(await statusView(rc, user, sync)));
        case 'refreshStatus':
          return cardResponse(statusCard(await statusView(rc, user, sync)));
        case 'markAllRead':
        case 'clearNotifications': {
          const center = deps.notifications;
          if (!center) return cardResponse(notificationsCard([], 0));
          if (verb === 'markAllRead') await center.markAllRead(user.tenantId, user.userId);
          else await center.clear(user.tenantId, user.userId);
          return cardResponse(
            notificationsCard(
              await center.latest(user.tenantId, user.userId),
              await center.unreadCount(user.tenantId, user.userId),
            ),
          );
        }
        case 'errors':
          return cardResponse(errorsCard(await sync.errors(user), await sync.setAside(user)));
        case 'retry': {
          const messageId = data.messageId;
          if (!messageId) return cardResponse(errorsCard(await sync.errors(user)));
          const before = (await sync.errors(user, 100)).find((e) => e.messageId === messageId);
          return await answerInTime(
            activity,
            user,
            sync.retry(user, messageId).then(
              (entry) => retryResultCard(before?.subject ?? entry?.subject ?? '', entry),
              (error: unknown) => {
                if (!AppError.is(error, 'mail.not_found')) throw error;
                return noticeCard(
                  'That email is no longer in your mailbox',
                  'It was deleted or moved out of reach, so there is nothing to retry.',
                );
              },
            ),
            'Retrying that email…',
          );
        }
        case 'retryAll':
          return await answerInTime(
            activity,
            user,
            sync
              .retryAll(user)
              .then((result) =>
                noticeCard(
                  `Retried ${result.retried} emails`,
                  `${result.synced} synced, ${result.stillFailing} still failing.`,
                  result.stillFailing === 0 ? 'Good' : 'Attention',
                ),
              ),
            'Retrying your Error emails…',
          );
        default:
          return cardResponse(helpCard({ commands: COMMANDS }));
      }
    } catch (error) {
      return cardResponse(failed(error, activity));
    }
  });
}
