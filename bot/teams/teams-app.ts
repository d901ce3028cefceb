import { randomUUID } from 'node:crypto';
import { MessageActivity } from '@microsoft/teams.api';
import { App, ExpressAdapter } from '@microsoft/teams.apps';
import type express from 'express';
import { helpCard } from '../cards/help-card.ts';
import type { AppConfig } from '../config/config.ts';
import type { Logger } from '../logging/logger.ts';
import { COMMANDS, parseCommand } from './commands.ts';
import { SdkLogger } from './sdk-logger.ts';

/**
 * The Teams app on the Teams SDK: its routes are thin, each parses the activity, calls one use case
 * and answers with a card. In Azure mode the SDK validates Bot Framework tokens on /api/messages;
 * only sandbox mode lets the Agents Playground in without one.
 */
export function createTeamsApp(options: {
  config: AppConfig;
  logger: Logger;
  server: express.Application;
}): App {
  const { config, logger } = options;
  const app = new App({
    httpServerAdapter: new ExpressAdapter(options.server),
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
      : {}),
  });

  app.on('message', async ({ activity, send }) => {
    const command = parseCommand(activity.text);
    const card = helpCard({
      commands: COMMANDS,
      ...(command.name === undefined && command.input && command.input !== 'help'
        ? { unknownInput: command.input }
        : {}),
    });
    await send(new MessageActivity().addCard('adaptive', card));
  });

  app.event('error', ({ error, activity }) => {
    const correlationId = randomUUID();
    logger.error(
      { correlationId, activityType: activity?.type, err: { message: error.message, name: error.name } },
      'handler failed',
    );
  });

  return app;
}
