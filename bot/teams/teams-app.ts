import { randomUUID } from 'node:crypto';
import { type Activity, MessageActivity } from '@microsoft/teams.api';
import { App, ExpressAdapter, type IActivityContext } from '@microsoft/teams.apps';
import type { AdaptiveCard } from '@microsoft/teams.cards';
import type express from 'express';
import { helpCard } from '../cards/help-card.ts';
import { associateDialogCard, linkedCard, syncDialogCard } from '../cards/record-cards.ts';
import {
  accessCard,
  failureCard,
  noticeCard,
  notificationsCard,
  welcomeCard,
} from '../cards/notice-cards.ts';
import {
  errorsCard,
  progressCard,
  retryResultCard,
  runResultCard,
  settingsCard,
  statusCard,
} from '../cards/sync-cards.ts';
import type { AppConfig } from '../config/config.ts';
import { AppError } from '../errors/app-error.ts';
import { type MessageLinking, summarize, type TeamsMessagePayload } from '../crm/message-linking.ts';
import type { Logger } from '../logging/logger.ts';
import type { UserRef } from '../sync/mail-sync.ts';
import type { SyncService } from '../sync/sync-service.ts';
import { effectiveCutoff, type SyncSettings } from '../sync/sync-settings.ts';
import type { NotificationCenter } from '../notifications/notification-center.ts';
import { COMMANDS, type CommandName, parseCommand } from './commands.ts';
import type { ConversationRepository } from './conversation-store.ts';
import { SdkLogger } from './sdk-logger.ts';
import { sandboxBotToken } from './teams-sender.ts';

/**
 * The Teams app on the Teams SDK. Routes are thin: work out who is asking, call one use case of
 * SyncService, answer with a card. In Azure mode the SDK validates Bot Framework tokens on
 * /api/messages; only sandbox mode lets the Agents Playground in without one.
 */

export interface TeamsAppDeps {
  config: AppConfig;
  logger: Logger;
  server: express.Application;
  sync?: SyncService;
  conversations?: ConversationRepository;
  /** The settings tab, once it is served; cards leave the button out until then. */
  settingsUrl?: string;
  linking?: MessageLinking;
  notifications?: NotificationCenter;
  /** The mail address of a Microsoft 365 user, for matching the sender of a Teams message. */
  senderAddress?: (aadObjectId: string) => Promise<string | undefined>;
}

/** The sandbox bot's id, as `.m365agentsplayground.yml` names it. */
export const SANDBOX_BOT_ID = 'crm-sync-local-bot';

const COMMAND_TITLES: Record<string, string> = {
  syncToCrm: 'Sync to CRM',
  associate: 'Associate with CRM records',
};

function dialog(title: string, card: AdaptiveCard) {
  return {
    task: {
      type: 'continue' as const,
      value: {
        title,
        width: 'medium' as const,
        height: 'large' as const,
        card: { contentType: 'application/vnd.microsoft.card.adaptive', content: card },
      },
    },
  };
}

/** Card refreshes while a sync runs: often enough to look alive, well under Teams' per-conversation limits. */
const PROGRESS_UPDATE_MS = 1_000;

function cardMessage(card: AdaptiveCard): MessageActivity {
  return new MessageActivity().addCard('adaptive', card);
}

function userOf(activity: Activity): UserRef | undefined {
  const tenantId =
    activity.conversation?.tenantId ??
    (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
  const userId = activity.from?.aadObjectId;
  return tenantId && userId ? { tenantId, userId } : undefined;
}

function cardResponse(card: AdaptiveCard) {
  return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } as const;
}

export function createTeamsApp(deps: TeamsAppDeps): App {
  const { config, logger } = deps;
  const settingsUrl = deps.settingsUrl ?? '';
  const app = new App({
    httpServerAdapter: new ExpressAdapter(deps.server),
    logger: new SdkLogger(logger.child({ component: 'teams-sdk' })),
    messagingEndpoint: '/api/messages',
    activity: { mentions: { stripText: true } },
    // Explicit in both modes so that the SDK never takes it from the environment.
    dangerouslyAllowUnauthenticatedRequests: config.mode === 'sandbox',
    ...(config.mode === 'azure'
      ? {
          clientId: config.bot.clientId,
          tenantId: config.bot.tenantId,
          ...(config.bot.clientSecret ? { clientSecret: config.bot.clientSecret } : {}),
          ...(config.bot.managedIdentityClientId
            ? { managedIdentityClientId: config.bot.managedIdentityClientId }
            : {}),
        }
      : // The Playground checks no tokens, but the SDK sends proactive messages only with an app identity.
        { clientId: SANDBOX_BOT_ID, token: sandboxBotToken(SANDBOX_BOT_ID) }),
  });

  const failed = (error: unknown, activity: Activity) => {
    const correlationId = randomUUID();
    logger.error(
      {
        correlationId,
        activityType: activity.type,
        err: { message: (error as Error).message, name: (error as Error).name },
      },
      'handler failed',
    );
    return failureCard(correlationId);
  };

  // Every activity refreshes the user's conversation reference for proactive messages.
  app.use(async (ctx) => {
    const user = userOf(ctx.activity);
    if (user && deps.conversations && ctx.activity.conversation?.conversationType === 'personal') {
      try {
        await deps.conversations.remember(user.tenantId, user.userId, {
          serviceUrl: ctx.activity.serviceUrl ?? '',
          conversationId: ctx.activity.conversation.id,
          channelId: ctx.activity.channelId,
          botId: ctx.activity.recipient.id,
          userTeamsId: ctx.activity.from.id,
        });
      } catch (error) {
        logger.warn(
          { err: { message: (error as Error).message } },
          'could not store the conversation reference',
        );
      }
    }
    return ctx.next();
  });

  app.on('install.add', async ({ activity, send }) => {
    const user = userOf(activity);
    const syncOn = user && deps.sync ? (await deps.sync.access(user)).allowed : false;
    await send(cardMessage(welcomeCard({ syncOn, settingsUrl })));
  });

  app.on('message', async (ctx) => {
    const { activity, send } = ctx;
    try {
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
      const access = await deps.sync.access(user);
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
        await send(cardMessage(statusCard(await statusView(user, sync))));
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
        startSyncWithProgress(ctx, user, sync, sent.id);
        return;
      }
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
        await send(cardMessage(errorsCard(await sync.errors(user), (await sync.setAside?.(user)) ?? [])));
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
              cutoff:
                effectiveCutoff(settings, new Date()).toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
              settingsUrl,
            }),
          ),
        );
        return;
      default:
        await send(cardMessage(helpCard({ commands: COMMANDS })));
    }
  }

  async function statusView(user: UserRef, sync: SyncService) {
    const status = await sync.status(user);
    return {
      active: status.active,
      emailSync: status.emailSync,
      ...(status.mailbox ? { mailboxStatus: status.mailbox.status } : {}),
      ...(status.mailbox?.note ? { mailboxNote: status.mailbox.note } : {}),
      ...(status.mailbox?.lastRun ? { lastRun: status.mailbox.lastRun } : {}),
      counts: status.counts,
      folders: status.folders,
      ...(status.nextRun ? { nextRun: status.nextRun } : {}),
      settingsUrl,
    };
  }

  /** Runs sync all in the background and keeps one card up to date until it finishes. */
  function startSyncWithProgress(
    ctx: IActivityContext<Activity>,
    user: UserRef,
    sync: SyncService,
    activityId: string,
  ) {
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
        progressCard({ folder: p.folder, processed: p.processed, total: p.total, counts: p.byStatus }),
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

  app.on('card.action', async (ctx) => {
    const { activity } = ctx;
    const data = (activity.value?.action?.data ?? {}) as { verb?: string; messageId?: string };
    const verb = activity.value?.action?.verb ?? data.verb;
    try {
      const user = userOf(activity);
      if (!user || !deps.sync)
        return cardResponse(noticeCard('I could not tell who you are', undefined, 'Attention'));
      const sync = deps.sync;
      if (verb === 'turnOn') {
        if (!(await sync.tenantEnabled(user.tenantId)))
          return cardResponse(accessCard({ reason: 'tenant_disabled', settingsUrl }));
        await sync.turnOn(user);
        return cardResponse(
          noticeCard(
            'Email sync is on',
            'New email in your Inbox and Sent Items will sync from now on. Type "sync status" to check on it.',
            'Good',
          ),
        );
      }
      const access = await sync.access(user);
      if (!access.allowed) return cardResponse(accessCard({ reason: access.reason, settingsUrl }));
      switch (verb) {
        case 'syncNow':
          if (activity.replyToId)
            startSyncWithProgress(
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
        case 'pause':
        case 'resume':
          await sync.setActive(user, verb === 'resume');
          return cardResponse(statusCard(await statusView(user, sync)));
        case 'refreshStatus':
          return cardResponse(statusCard(await statusView(user, sync)));
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
          return cardResponse(errorsCard(await sync.errors(user), (await sync.setAside?.(user)) ?? []));
        case 'retry': {
          if (!data.messageId) return cardResponse(errorsCard(await sync.errors(user)));
          const before = (await sync.errors(user, 100)).find((e) => e.messageId === data.messageId);
          try {
            const entry = await sync.retry(user, data.messageId);
            return cardResponse(retryResultCard(before?.subject ?? entry?.subject ?? '', entry));
          } catch (error) {
            if (!AppError.is(error, 'mail.not_found')) throw error;
            return cardResponse(
              noticeCard(
                'That email is no longer in your mailbox',
                'It was deleted or moved out of reach, so there is nothing to retry.',
              ),
            );
          }
        }
        case 'retryAll': {
          const result = await sync.retryAll(user);
          return cardResponse(
            noticeCard(
              `Retried ${result.retried} emails`,
              `${result.synced} synced, ${result.stillFailing} still failing.`,
              result.stillFailing === 0 ? 'Good' : 'Attention',
            ),
          );
        }
        default:
          return cardResponse(helpCard({ commands: COMMANDS }));
      }
    } catch (error) {
      return cardResponse(failed(error, activity));
    }
  });

  /** Who is asking and whether they may; a dialog with the access card when they may not. */
  async function actionUser(activity: Activity) {
    const user = userOf(activity);
    if (!user || !deps.sync || !deps.linking)
      return {
        denied: dialog('CRM Sync', noticeCard('I could not tell who you are', undefined, 'Attention')),
      };
    const access = await deps.sync.access(user);
    if (!access.allowed)
      return { denied: dialog('CRM Sync', accessCard({ reason: access.reason, settingsUrl })) };
    return { user, linking: deps.linking };
  }

  async function summaryOf(payload: TeamsMessagePayload) {
    const senderId = payload.from?.user?.id;
    const address =
      senderId && deps.senderAddress ? await deps.senderAddress(senderId).catch(() => undefined) : undefined;
    return summarize(payload, address);
  }

  app.on('message.ext.open', async ({ activity }) => {
    try {
      const value = activity.value as { commandId?: string; messagePayload?: TeamsMessagePayload };
      const who = await actionUser(activity);
      if (who.denied) return who.denied;
      if (!value.messagePayload)
        return dialog(
          'CRM Sync',
          noticeCard('Use this on a message', 'Open it from the "..." menu of a message.', 'Attention'),
        );
      const summary = await summaryOf(value.messagePayload);
      if (value.commandId === 'associate')
        return dialog(COMMAND_TITLES.associate!, associateDialogCard(summary, '', undefined));
      const matches = await who.linking.matches(who.user.tenantId, summary);
      return dialog(COMMAND_TITLES.syncToCrm!, syncDialogCard(summary, matches));
    } catch (error) {
      return dialog('CRM Sync', failed(error, activity));
    }
  });

  app.on('message.ext.submit', async ({ activity }) => {
    try {
      const value = activity.value as {
        commandId?: string;
        messagePayload?: TeamsMessagePayload;
        data?: Record<string, unknown>;
      };
      const who = await actionUser(activity);
      if (who.denied) return who.denied;
      if (!value.messagePayload)
        return dialog('CRM Sync', noticeCard('Use this on a message', undefined, 'Attention'));
      const data = value.data ?? {};
      const summary = await summaryOf(value.messagePayload);
      const action = String(data.action ?? '');
      if (action === 'openAssociate')
        return dialog(COMMAND_TITLES.associate!, associateDialogCard(summary, '', undefined));
      if (action === 'search') {
        const query = String(data.query ?? '').trim();
        const results = query ? await who.linking.search(who.user.tenantId, query) : [];
        return dialog(COMMAND_TITLES.associate!, associateDialogCard(summary, query, results));
      }
      const picked = Object.entries(data)
        .filter(([key, v]) => key.startsWith('record:') && String(v) === 'true')
        .map(([key]) => key.slice('record:'.length));
      const result = await who.linking.link(who.user, value.messagePayload, picked);
      const linked = result.records.map((record) => ({ record, url: who.linking.deepLink(record) }));
      return dialog(
        action === 'associate' ? COMMAND_TITLES.associate! : COMMAND_TITLES.syncToCrm!,
        linkedCard(summary, linked, result.created),
      );
    } catch (error) {
      return dialog('CRM Sync', failed(error, activity));
    }
  });

  return app;
}
