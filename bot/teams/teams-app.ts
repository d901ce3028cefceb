import type { LedgerStatus } from '../sync/ledger.ts';
import { randomUUID } from 'node:crypto';
import { type Activity, type CloudEnvironment, PUBLIC } from '@microsoft/teams.api';
import { App, ExpressAdapter } from '@microsoft/teams.apps';
import type express from 'express';
import { failureCard, welcomeCard } from '../cards/notice-cards.ts';
import type { AppConfig } from '../config/config.ts';
import type { TeamsCapture } from './capture-action.ts';
import type { MessageLinking } from '../crm/message-linking.ts';
import type { Logger } from '../logging/logger.ts';
import type { NotificationCenter } from '../notifications/notification-center.ts';
import type { SyncService } from '../sync/sync-service.ts';
import { botActivityGate } from './bot-auth.ts';
import { registerCardActionRoutes } from './card-action-routes.ts';
import { registerCommandRoutes } from './command-routes.ts';
import type { ConversationRepository } from './conversation-store.ts';
import { registerMessageActionRoutes } from './message-action-routes.ts';
import { cardMessage, type RouteContext, userOf } from './route-helpers.ts';
import { SdkLogger } from './sdk-logger.ts';
import { isAllowedServiceUrl } from './service-urls.ts';
import { sandboxBotToken } from './teams-sender.ts';

/**
 * The Teams app on the Teams SDK, split as teams.ts splits its App: this file sets it up, and the
 * routes live by concern in command-, card-action- and message-action-routes. Routes are thin: work out who is asking, call one use case of
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
  /** The tab's Emails view, optionally filtered by status (cards' "Open the Emails view"). */
  emailsUrl?: (status?: LedgerStatus) => string;
  linking?: MessageLinking;
  /** CaptureME's message action; absent where it is not wired. */
  capture?: TeamsCapture;
  notifications?: NotificationCenter;
  /** The mail address of a Microsoft 365 user, for matching the sender of a Teams message. */
  senderAddress?: (aadObjectId: string) => Promise<string | undefined>;
  /**
   * Bot Framework's endpoints: the public cloud's unless a test serves its own key set. Always set
   * here, so that the SDK never takes the cloud from the CLOUD environment variable.
   */
  cloud?: CloudEnvironment;
}

/**
 * Activities that happen in the user's 1:1 chat with the bot: messages, installs and card buttons.
 * A message action ("Sync to CRM" on a message) is an invoke from wherever the message is, which
 * may be a 1:1 chat between two people, also of personal type, that the bot is not in: sending
 * notifications there would fail, so such an invoke never replaces the stored conversation.
 */
function fromTheBotsOwnChat(activity: Activity): boolean {
  if (activity.type === 'invoke') return activity.name === 'adaptiveCard/action';
  return (
    activity.type === 'message' ||
    activity.type === 'conversationUpdate' ||
    activity.type === 'installationUpdate'
  );
}

/** The sandbox bot's id, as `.m365agentsplayground.yml` names it. */
export const SANDBOX_BOT_ID = 'crm-sync-local-bot';

export function createTeamsApp(deps: TeamsAppDeps): App {
  const { config, logger } = deps;
  const settingsUrl = deps.settingsUrl ?? '';
  const cloud = deps.cloud ?? PUBLIC;
  if (config.mode === 'azure') {
    // Registered before the SDK's own route, so it runs first (bot-auth.ts says why).
    deps.server.post('/api/messages', ...botActivityGate({ appId: config.bot.clientId, cloud }));
  }
  const app = new App({
    cloud,
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

  // Every activity refreshes the user's conversation reference for proactive messages, if it
  // comes from Teams' own service (or, in the sandbox, from the Playground on this machine).
  app.use(async (ctx) => {
    const user = userOf(ctx.activity);
    if (
      user &&
      deps.conversations &&
      ctx.activity.conversation?.conversationType === 'personal' &&
      fromTheBotsOwnChat(ctx.activity) &&
      isAllowedServiceUrl(ctx.activity.serviceUrl, config.mode)
    ) {
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

  const rc: RouteContext = { deps, settingsUrl, logger, failed };
  registerCommandRoutes(app, rc);
  registerCardActionRoutes(app, rc);
  registerMessageActionRoutes(app, rc);
  return app;
}
