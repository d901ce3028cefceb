import type { Activity } from '@microsoft/teams.api';
import { MessageActivity } from '@microsoft/teams.api';
import type { AdaptiveCard } from '@microsoft/teams.cards';
import type { Logger } from '../logging/logger.ts';
import type { UserRef } from '../sync/mail-sync.ts';
import type { TeamsAppDeps } from './teams-app.ts';

/** Small pieces every Teams route uses: who is asking, and cards as messages and invoke answers. */

/** What every route needs: the app's dependencies, the settings link, the log, the failure card. */
export interface RouteContext {
  deps: TeamsAppDeps;
  settingsUrl: string;
  logger: Logger;
  failed: (error: unknown, activity: Activity) => AdaptiveCard;
}

export function cardMessage(card: AdaptiveCard): MessageActivity {
  return new MessageActivity().addCard('adaptive', card);
}

export function userOf(activity: Activity): UserRef | undefined {
  const tenantId =
    activity.conversation?.tenantId ??
    (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
  const userId = activity.from?.aadObjectId;
  return tenantId && userId ? { tenantId, userId } : undefined;
}

export function cardResponse(card: AdaptiveCard) {
  return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } as const;
}
