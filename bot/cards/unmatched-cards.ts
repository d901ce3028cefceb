import {
  ActionSet,
  AdaptiveCard,
  Container,
  ExecuteAction,
  OpenUrlAction,
  TextBlock,
} from '@microsoft/teams.cards';
import type { CrmRecord } from '../crm/crm.port.ts';
import { counterpartOf, type LedgerEntry } from '../sync/ledger.ts';
import { cardDateTime } from './card-time.ts';
import { CARD_VERSION } from './help-card.ts';
import { associateSearch, recordContainer, showButton } from './record-cards.ts';

/**
 * `unmatched`: the emails no candidate or contact matched, and what to do about one: Associate it
 * with records the user finds, or make its sender a candidate or contact. Every button is an
 * Action.Execute whose answer replaces the card, so the chat keeps one card per email in hand.
 */

export const UNMATCHED_VERBS = {
  list: 'unmatched.list',
  pick: 'unmatched.pick',
  search: 'unmatched.search',
  link: 'unmatched.link',
  create: 'unmatched.create',
} as const;

/** Cards show this many; the Emails view has them all. */
export const UNMATCHED_SHOWN = 8;

const who = (entry: LedgerEntry) =>
  entry.direction === 'sent'
    ? `to ${counterpartOf(entry) ?? 'no recipient'}`
    : (counterpartOf(entry) ?? 'no sender');

function emailHeader(entry: LedgerEntry): TextBlock[] {
  return [
    new TextBlock(entry.subject || '(no subject)', { weight: 'Bolder', wrap: true }),
    new TextBlock(`${who(entry)} · ${cardDateTime(entry.receivedAt)}`, {
      isSubtle: true,
      wrap: true,
      spacing: 'None',
    }),
  ];
}

export function unmatchedCard(
  entries: readonly LedgerEntry[],
  total: number,
  emailsUrl: string,
): AdaptiveCard {
  const more = new OpenUrlAction(emailsUrl, { title: 'Open the Emails view' });
  if (entries.length === 0) {
    return new AdaptiveCard(
      new TextBlock('Every email synced so far matched a candidate or contact.', {
        wrap: true,
        color: 'Good',
      }),
    )
      .withVersion(CARD_VERSION)
      .withFallbackText('No unmatched emails');
  }
  return new AdaptiveCard(
    new TextBlock(`Emails with no candidate or contact (${total})`, {
      size: 'Medium',
      weight: 'Bolder',
      wrap: true,
    }),
    new TextBlock('Associate one with records you find, or add its sender to the CRM.', {
      wrap: true,
      isSubtle: true,
      spacing: 'None',
    }),
    ...entries.map((entry) =>
      new Container(
        ...emailHeader(entry),
        new ActionSet(
          new ExecuteAction({
            title: 'Associate…',
            verb: UNMATCHED_VERBS.pick,
            data: { verb: UNMATCHED_VERBS.pick, messageId: entry.messageId },
          }),
        ),
      ).withSeparator(true),
    ),
  )
    .withVersion(CARD_VERSION)
    .withActions(more)
    .withFallbackText(`${total} emails with no match`);
}

/** One email to associate: a search box, what it found to tick, and "create" from its address. */
export function unmatchedAssociateCard(
  entry: LedgerEntry,
  query: string,
  results: readonly CrmRecord[] | undefined,
): AdaptiveCard {
  const data = { messageId: entry.messageId };
  const address = counterpartOf(entry);
  const search = associateSearch(query, results);
  const card = new AdaptiveCard(...emailHeader(entry), ...search.body).withVersion(CARD_VERSION);
  const actions = [
    new ExecuteAction({
      title: 'Search',
      verb: UNMATCHED_VERBS.search,
      data: { verb: UNMATCHED_VERBS.search, ...data },
    }),
  ];
  if (search.found)
    actions.push(
      new ExecuteAction({
        title: 'Associate',
        verb: UNMATCHED_VERBS.link,
        data: { verb: UNMATCHED_VERBS.link, ...data },
      }),
    );
  if (address) {
    for (const type of ['candidate', 'contact'] as const)
      actions.push(
        new ExecuteAction({
          title: `Add ${address} as a ${type}`,
          verb: UNMATCHED_VERBS.create,
          data: { verb: UNMATCHED_VERBS.create, ...data, type },
        }),
      );
  }
  // Teams shows at most five actions: Search, Associate and the two "add" ones fit.
  return card.withActions(...actions.slice(0, 5)).withFallbackText('Associate an email');
}

/** Where the email went: one activity, with Show buttons for its records and its link type. */
export function unmatchedLinkedCard(
  entry: LedgerEntry,
  records: ReadonlyArray<{ record: CrmRecord; url: string }>,
  created?: CrmRecord,
): AdaptiveCard {
  return new AdaptiveCard(
    new TextBlock(created ? `${created.name} is now a ${created.type}` : 'Associated', {
      size: 'Medium',
      weight: 'Bolder',
      wrap: true,
      color: 'Good',
    }),
    ...emailHeader(entry),
    new TextBlock('is on:', { wrap: true, spacing: 'Small' }),
    ...records.map(({ record }) => recordContainer(record)),
    ...(entry.linkType
      ? [new TextBlock(`Link type: ${entry.linkType}`, { wrap: true, isSubtle: true })]
      : []),
  )
    .withVersion(CARD_VERSION)
    .withActions(
      ...records.slice(0, 4).map(({ record, url }) => showButton(record, url)),
      new ExecuteAction({
        title: 'More unmatched',
        verb: UNMATCHED_VERBS.list,
        data: { verb: UNMATCHED_VERBS.list },
      }),
    )
    .withFallbackText(`Linked to ${records.map((r) => r.record.name).join(', ')}`);
}
