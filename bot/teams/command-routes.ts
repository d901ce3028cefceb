import type { Activity } from '@microsoft/teams.api';
import type { App, IActivityContext } from '@microsoft/teams.apps';
import { helpCard } from '../cards/help-card.ts';
import { accessCard, noticeCard, notificationsCard } from '../cards/notice-cards.ts';
import { resendAllConfirmCard } from '../cards/resend-cards.ts';
import { ITEM_KINDS } from '../mail-source/item-source.port.ts';
import { ItemSync } from '../sync/item-sync.ts';
import { errorsCard, ITEM_KIND_LABELS, progressCard, settingsCard, statusCard } from '../cards/sync-cards.ts';
import type { UserRef } from '../sync/mail-sync.ts';
import type { SyncService } from '../sync/sync-service.ts';
import { effectiveCutoff, type SyncSettings } from '../sync/sync-settings.ts';
import { unmatchedListCard } from './unmatched-routes.ts';
import { COMMANDS, type CommandName, parseCommand } from './commands.ts';
import { cardMessage, isPersonal, PERSONAL_ONLY, type RouteContext, userOf } from './route-helpers.ts';
import { startSyncWithProgress, statusView } from './sync-progress.ts';

/** Chat commands in the personal chat: help for anything unknown, an access card when not allowed. */
/** Commands of the seeds' Sync Selected kind: they work whatever the user's email sync switch says. */
const ORGANIZATION_ONLY: ReadonlySet<CommandName> = new Set(['unmatched']);

export function registerCommandRoutes(app: App, rc: RouteContext): void {
  const { deps, settingsUrl, failed } = rc;
  app.on('message', async (ctx) => {
    const { activity, send } = ctx;
    try {
      if (!isPersonal(activity)) {
        await send(cardMessage(noticeCard(PERSONAL_ONLY.title, PERSONAL_ONLY.text, 'Attention')));
        return;
      }
      const command = parseCommand(activity.text);
      if (command.name === undefined || command.name === 'help' || !deps.sync) {
        const unknown = command.name === undefined && command.input ? { unknownInput: command.input } : {};
        await send(cardMessage(helpCard({ commands: COMMANDS, ...unknown })));
        return;
      }
      const user = userOf(activity);
      if (!user) {
        await send(
          cardMessage(
            noticeCard(
              'I could not tell who you are',
              'Use CRM Sync from your own Microsoft 365 account.',
              'Attention',
            ),
          ),
        );
        return;
      }
      const access = await deps.sync.access(
        user,
        ORGANIZATION_ONLY.has(command.name) ? 'organization' : 'sync_on',
      );
      if (!access.allowed) {
        await send(cardMessage(accessCard({ reason: access.reason, settingsUrl })));
        return;
      }
      await runCommand(ctx, command.name, user, deps.sync, access.settings);
    } catch (error) {
      await send(cardMessage(failed(error, activity)));
    }
  });

  async function runCommand(
    ctx: IActivityContext<Activity>,
    name: CommandName,
    user: UserRef,
    sync: SyncService,
    settings: SyncSettings,
  ) {
    const { send } = ctx;
    switch (name) {
      case 'sync status': {
        await send(cardMessage(statusCard(await statusView(rc, user, sync))));
        return;
      }
      case 'sync now': {
        const sent = await send(
          cardMessage(
            progressCard({
              folder: 'starting',
              processed: 0,
              total: 0,
              counts: { synced: 0, no_match: 0, error: 0 },
            }),
          ),
        );
        startSyncWithProgress(rc, ctx, user, sync, sent.id);
        return;
      }
      case 'resend all':
        // Only the card's Confirm queues it (card-action-routes.ts).
        await send(
          cardMessage(
            resendAllConfirmCard({
              folders: settings.folders,
              cutoff: effectiveCutoff(settings, new Date()).toISOString(),
              otherKinds: ITEM_KINDS.filter((k) => ItemSync.enabled(settings, k)).map(
                (k) => ITEM_KIND_LABELS[k],
              ),
            }),
          ),
        );
        return;
      case 'pause':
        await sync.setActive(user, false);
        await send(
          cardMessage(
            noticeCard(
              'Sync paused',
              'Nothing syncs automatically until you type "resume". "sync now" still works.',
            ),
          ),
        );
        return;
      case 'resume':
        await sync.setActive(user, true);
        await send(
          cardMessage(
            noticeCard(
              'Sync resumed',
              'New mail in your selected folders syncs automatically again.',
              'Good',
            ),
          ),
        );
        return;
      case 'errors':
        await send(cardMessage(errorsCard(await sync.errors(user), await sync.setAside(user))));
        return;
      case 'unmatched':
        await send(cardMessage(await unmatchedListCard(rc, user, sync)));
        return;
      case 'notifications': {
        const items = deps.notifications ? await deps.notifications.latest(user.tenantId, user.userId) : [];
        const unread = deps.notifications
          ? await deps.notifications.unreadCount(user.tenantId, user.userId)
          : 0;
        await send(cardMessage(notificationsCard(items, unread)));
        return;
      }
      case 'settings':
        await send(
          cardMessage(
            settingsCard({
              ...settings,
              cutoff: effectiveCutoff(settings, new Date()).toISOString(),
              settingsUrl,
            }),
          ),
        );
        return;
      default:
        await send(cardMessage(helpCard({ commands: COMMANDS })));
    }
  }
}
