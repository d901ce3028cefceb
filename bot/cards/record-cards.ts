import {
  AdaptiveCard,
  Container,
  Fact,
  FactSet,
  OpenUrlAction,
  SubmitAction,
  TextBlock,
  TextInput,
  ToggleInput,
} from '@microsoft/teams.cards';
import type { CrmRecord } from '../crm/crm.port.ts';
import type { MessageSummary } from '../crm/message-linking.ts';
import { linkTypeOf } from '../sync/matching.ts';
import { cardDate, cardDateTime } from './card-time.ts';
import { CARD_VERSION } from './help-card.ts';

/** Cards for CRM records and the message-action dialogs that link a message to them. */

const TYPE_WORD: Record<CrmRecord['type'], string> = {
  candidate: 'Candidate',
  contact: 'Contact',
  company: 'Company',
};

export function showButton(record: CrmRecord, url: string): OpenUrlAction {
  return new OpenUrlAction(url, { title: `Show ${TYPE_WORD[record.type]}` });
}

/** A candidate or contact: who they are, how to reach them, and the way to their record. */
export function recordContainer(record: CrmRecord): Container {
  const subtitle = [TYPE_WORD[record.type], record.role, record.companyName].filter(Boolean).join(' · ');
  return new Container(
    new TextBlock(record.name, { weight: 'Bolder', wrap: true }),
    new TextBlock(subtitle, { isSubtle: true, wrap: true, spacing: 'None' }),
    new FactSet(
      new Fact('Email', record.emails.join(', ') || '—'),
      ...(record.phone ? [new Fact('Phone', record.phone)] : []),
    ),
    new TextBlock(`Last activity: ${cardDateTime(record.lastActivityAt, 'none yet')}`, {
      isSubtle: true,
      wrap: true,
      spacing: 'Small',
    }),
  ).withSeparator(true);
}

export function recordCard(record: CrmRecord, url: string): AdaptiveCard {
  return new AdaptiveCard(recordContainer(record))
    .withVersion(CARD_VERSION)
    .withActions(showButton(record, url))
    .withFallbackText(`${TYPE_WORD[record.type]}: ${record.name}`);
}

function summaryBlock(summary: MessageSummary): Container {
  return new Container(
    new TextBlock(summary.subject, { weight: 'Bolder', wrap: true, maxLines: 2 }),
    new TextBlock(`From ${summary.from}${summary.sentAt ? ` · ${cardDate(summary.sentAt)}` : ''}`, {
      isSubtle: true,
      wrap: true,
      spacing: 'None',
    }),
    ...(summary.preview
      ? [new TextBlock(summary.preview, { wrap: true, maxLines: 3, spacing: 'Small' })]
      : []),
  ).withStyle('emphasis');
}

/** A toggle per record, `record:<id>`: what the user ticks comes back as `record:<id>: "true"`. */
function pickList(records: readonly CrmRecord[], checked: boolean) {
  return records.map(
    (record) =>
      new ToggleInput(
        `${record.name} (${TYPE_WORD[record.type]}${record.emails[0] ? `, ${record.emails[0]}` : ''})`,
        {
          id: `record:${record.id}`,
          value: checked ? 'true' : 'false',
          valueOn: 'true',
          valueOff: 'false',
          wrap: true,
        },
      ),
  );
}

/** "Sync to CRM": the message and the records it matches, each selectable; no match offers Associate. */
export function syncDialogCard(summary: MessageSummary, matches: readonly CrmRecord[]): AdaptiveCard {
  const card = new AdaptiveCard(summaryBlock(summary)).withVersion(CARD_VERSION);
  if (matches.length === 0) {
    card.body.push(
      new TextBlock(
        summary.addresses.length > 0
          ? `No candidate or contact has ${summary.addresses.length === 1 ? 'this address' : 'these addresses'}: ${summary.addresses.join(', ')}.`
          : 'This message carries no email address to match.',
        { wrap: true },
      ),
      new TextBlock('Associate it with any record instead.', { wrap: true, weight: 'Bolder' }),
    );
    return card
      .withActions(new SubmitAction({ title: 'Associate instead', data: { action: 'openAssociate' } }))
      .withFallbackText('No match');
  }
  card.body.push(
    new TextBlock('Link this message to:', { weight: 'Bolder', wrap: true }),
    ...pickList(matches, true),
  );
  return card
    .withActions(new SubmitAction({ title: 'Sync to CRM', data: { action: 'sync' } }))
    .withFallbackText('Sync to CRM');
}

/**
 * Associate's search, wherever it is offered: the search box, then what the search found to tick
 * (or that it found nothing). `found` says whether there is anything to associate with.
 */
export function associateSearch(
  query: string,
  results: readonly CrmRecord[] | undefined,
): { body: Array<TextInput | TextBlock | ToggleInput>; found: boolean } {
  const body: Array<TextInput | TextBlock | ToggleInput> = [
    new TextInput({
      id: 'query',
      label: 'Find candidates, contacts or companies',
      placeholder: 'Name or email address',
      value: query,
      maxLength: 200,
    }),
  ];
  if (results === undefined) return { body, found: false };
  if (results.length === 0) {
    body.push(new TextBlock(`Nothing found for "${query}".`, { wrap: true, color: 'Attention' }));
    return { body, found: false };
  }
  body.push(
    new TextBlock('Pick the records to link:', { weight: 'Bolder', wrap: true }),
    ...pickList(results, false),
  );
  return { body, found: true };
}

/** "Associate": search records by name or address and pick one or more. */
export function associateDialogCard(
  summary: MessageSummary,
  query: string,
  results: readonly CrmRecord[] | undefined,
): AdaptiveCard {
  const search = associateSearch(query, results);
  const actions = [new SubmitAction({ title: 'Search', data: { action: 'search' } })];
  if (search.found) actions.push(new SubmitAction({ title: 'Associate', data: { action: 'associate' } }));
  return new AdaptiveCard(summaryBlock(summary), ...search.body)
    .withVersion(CARD_VERSION)
    .withActions(...actions)
    .withFallbackText('Associate');
}

/** The seeds' link type (Cand / Con / CandCon) of what the message is now on. */
function linkTypeLine(records: readonly CrmRecord[]): TextBlock[] {
  const type = linkTypeOf(records);
  return type ? [new TextBlock(`Link type: ${type}`, { wrap: true, isSubtle: true, spacing: 'Small' })] : [];
}

/** Where the message went, with a Show button per record and the link type. */
export function linkedCard(
  summary: MessageSummary,
  linked: ReadonlyArray<{ record: CrmRecord; url: string }>,
  created: boolean,
): AdaptiveCard {
  if (linked.length === 0) {
    return new AdaptiveCard(new TextBlock('Nothing was picked, so nothing was linked.', { wrap: true }))
      .withVersion(CARD_VERSION)
      .withFallbackText('Nothing linked');
  }
  return new AdaptiveCard(
    new TextBlock(created ? 'Synced to your CRM' : 'Added to the activity already in your CRM', {
      size: 'Medium',
      weight: 'Bolder',
      wrap: true,
      color: 'Good',
    }),
    new TextBlock(`"${summary.subject}" is on:`, { wrap: true }),
    ...linked.map(({ record }) => recordContainer(record)),
    ...linkTypeLine(linked.map((l) => l.record)),
  )
    .withVersion(CARD_VERSION)
    .withActions(...linked.slice(0, 5).map(({ record, url }) => showButton(record, url)))
    .withFallbackText(`Linked to ${linked.map((l) => l.record.name).join(', ')}`);
}
