import type { Activity } from '@microsoft/teams.api';
import { MessageActivity } from '@microsoft/teams.api';
import type { AdaptiveCard } from '@microsoft/teams.cards';
import { plainTextCard } from '../cards/plain-text.ts';
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

/** Every card the bot sends goes through here or `cardResponse`: its text is shown as plain text. */
export function cardMessage(card: AdaptiveCard): MessageActivity {
  return new MessageActivity().addCard('adaptive', plainTextCard(card));
}

export function userOf(activity: Activity): UserRef | undefined {
  const tenantId =
    activity.conversation?.tenantId ??
    (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
  const userId = activity.from?.aadObjectId;
  return tenantId && userId ? { tenantId, userId } : undefined;
}

/**
 * Commands and card buttons answer with one person's sync state and mail, so they work only in
 * that person's 1:1 chat with the bot (the manifest installs the bot in personal scope; this holds
 * even if someone adds it elsewhere). Message actions are not commands: they work on any message.
 */
export function isPersonal(activity: Activity): boolean {
  return activity.conversation?.conversationType === 'personal';
}

export const PERSONAL_ONLY = {
  title: 'I answer in our 1:1 chat',
  text: 'Your sync status, errors and settings are yours alone: open CRM Sync from the Teams app bar and ask me there.',
} as const;

export function cardResponse(card: AdaptiveCard) {
  return {
    statusCode: 200,
    type: 'application/vnd.microsoft.card.adaptive',
    value: plainTextCard(card),
  } as const;
}

/**
 * Teams waits 5 seconds for an invoke's answer, then retries it and shows "Unable to reach app".
 * Work that may take longer (Graph under throttling, a slow store) is raced against this budget.
 */
export const INVOKE_BUDGET_MS = 4_000;

/** The work's result if it comes within `ms`; otherwise the work itself, still running, for later. */
export async function withinBudget<T>(
  work: Promise<T>,
  ms: number = INVOKE_BUDGET_MS,
): Promise<{ done: true; value: T } | { done: false; later: Promise<T> }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  try {
    const first = await Promise.race([work.then((value) => ({ value })), late]);
    return first === 'late' ? { done: false, later: work } : { done: true, value: first.value };
  } finally {
    clearTimeout(timer);
  }
}
