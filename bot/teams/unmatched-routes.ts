import type { AdaptiveCard } from '@microsoft/teams.cards';
import { noticeCard } from '../cards/notice-cards.ts';
import {
  UNMATCHED_SHOWN,
  UNMATCHED_VERBS,
  unmatchedAssociateCard,
  unmatchedCard,
  unmatchedLinkedCard,
} from '../cards/unmatched-cards.ts';
import type { UserRef } from '../sync/mail-sync.ts';
import type { SyncService } from '../sync/sync-service.ts';
import type { RouteContext } from './route-helpers.ts';

/**
 * `unmatched` and its buttons: the no-match emails, and Associate / add the sender for one. The
 * work is the Emails view's (SyncService.associate, createFromEmail), so a chat and the tab link
 * an email the same way: one activity, under the key automatic sync uses.
 */

export async function unmatchedListCard(
  rc: RouteContext,
  user: UserRef,
  sync: SyncService,
): Promise<AdaptiveCard> {
  const [page, counts] = await Promise.all([
    sync.emails(user, { status: 'no_match' }, { limit: UNMATCHED_SHOWN }),
    sync.emailCounts(user),
  ]);
  const emailsUrl = rc.deps.emailsUrl?.('no_match') ?? rc.settingsUrl;
  return unmatchedCard(
    page.items.map((i) => i.value),
    counts.no_match,
    emailsUrl,
  );
}

export function isUnmatchedVerb(verb: string | undefined): boolean {
  return verb !== undefined && (Object.values(UNMATCHED_VERBS) as string[]).includes(verb);
}

/** What a ticked record comes back as from the card's toggles: `record:<id>: "true"`. */
function pickedIds(data: Record<string, unknown>): string[] {
  return Object.entries(data)
    .filter(([key, value]) => key.startsWith('record:') && value === 'true')
    .map(([key]) => key.slice('record:'.length))
    .slice(0, 25);
}

/**
 * The card a button's press answers with. Associate and create write to the CRM (and read the
 * email from Graph): the caller runs them within Teams' invoke budget.
 */
export async function unmatchedAction(
  rc: RouteContext,
  user: UserRef,
  sync: SyncService,
  verb: string,
  data: Record<string, unknown>,
): Promise<AdaptiveCard> {
  if (verb === UNMATCHED_VERBS.list) return unmatchedListCard(rc, user, sync);
  const messageId = typeof data.messageId === 'string' ? data.messageId : '';
  const entry = messageId ? await sync.entry(user, messageId) : undefined;
  if (!entry)
    return noticeCard('That email is not in your sync history', 'Type "unmatched" for the current list.');
  const query = typeof data.query === 'string' ? data.query.trim().slice(0, 200) : '';
  switch (verb) {
    case UNMATCHED_VERBS.pick:
      return unmatchedAssociateCard(entry, '', undefined);
    case UNMATCHED_VERBS.search:
      return unmatchedAssociateCard(entry, query, query ? await sync.findRecords(user, query) : []);
    case UNMATCHED_VERBS.link: {
      const ids = pickedIds(data);
      if (ids.length === 0)
        return unmatchedAssociateCard(entry, query, query ? await sync.findRecords(user, query) : []);
      const linked = await sync.associate(user, messageId, ids);
      return unmatchedLinkedCard(linked, await sync.linkedRecords(user, linked));
    }
    case UNMATCHED_VERBS.create: {
      const type = data.type === 'contact' ? 'contact' : 'candidate';
      const { record, entry: linked } = await sync.createFromEmail(user, messageId, { type });
      return unmatchedLinkedCard(linked, await sync.linkedRecords(user, linked), record);
    }
    default:
      return unmatchedListCard(rc, user, sync);
  }
}
