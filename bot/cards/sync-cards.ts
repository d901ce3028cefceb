import {
  ActionSet,
  AdaptiveCard,
  Container,
  ExecuteAction,
  Fact,
  FactSet,
  RefreshDefinition,
  Column,
  ColumnSet,
  TextBlock,
} from '@microsoft/teams.cards';
import { ITEM_KINDS, type ItemKind } from '../mail-source/item-source.port.ts';
import type { LedgerCounts, LedgerEntry } from '../sync/ledger.ts';
import type { ItemRunCounts, RunSummary } from '../sync/sync-state.ts';
import type { Schedule } from '../sync/schedule.ts';
import { cardDate, cardDateTime } from './card-time.ts';
import { CARD_VERSION, settingsButton } from './help-card.ts';

/** Cards about the sync: status, progress, errors, results. Pure functions of what they show. */

const STATUS_WORDS: Record<string, string> = {
  ok: 'OK',
  paused: 'Paused (will resume)',
  needs_consent: 'Needs consent',
};

function card(...body: ConstructorParameters<typeof AdaptiveCard>): AdaptiveCard {
  return new AdaptiveCard(...body).withVersion(CARD_VERSION);
}

export function countsFacts(counts: LedgerCounts): Fact[] {
  return [
    new Fact('Synced', String(counts.synced)),
    new Fact('No match', String(counts.no_match)),
    new Fact('Error', String(counts.error)),
    new Fact('Pending', String(counts.pending)),
    new Fact('Kept out', String(counts.skipped)),
  ];
}

export interface StatusView {
  active: boolean;
  emailSync: boolean;
  mailboxStatus?: string;
  mailboxNote?: string;
  lastRun?: RunSummary;
  counts: LedgerCounts;
  /** Contacts, tasks and calendar: each one's switch and counts. */
  items?: Record<ItemKind, { enabled: boolean; counts: LedgerCounts }>;
  folders: string[];
  nextRun?: string;
  settingsUrl: string;
}

export const ITEM_KIND_LABELS: Record<ItemKind, string> = {
  contact: 'Contacts',
  task: 'Tasks',
  event: 'Calendar',
};

/** "On: 12 synced, 1 error, 2 kept out" or "Off". */
export function itemKindLine(kind: { enabled: boolean; counts: LedgerCounts }): string {
  const { synced, error, skipped, pending } = kind.counts;
  const parts = [`${synced} synced`, `${error} error${error === 1 ? '' : 's'}`];
  if (skipped > 0) parts.push(`${skipped} kept out`);
  if (pending > 0) parts.push(`${pending} pending`);
  const seen = synced + error + skipped + pending > 0;
  if (!kind.enabled) return seen ? `Off (before: ${parts.join(', ')})` : 'Off';
  return `On: ${parts.join(', ')}`;
}

/** What a run did with one kind: "3 synced, 10 unchanged, 1 removed, 0 errors". */
export function itemRunLine(counts: ItemRunCounts): string {
  const parts = [`${counts.synced} synced`, `${counts.unchanged} unchanged`];
  if (counts.removed > 0) parts.push(`${counts.removed} removed in Outlook`);
  if (counts.skipped > 0) parts.push(`${counts.skipped} kept out`);
  parts.push(`${counts.errors} error${counts.errors === 1 ? '' : 's'}`);
  return counts.stopped ? `${parts.join(', ')}; ${counts.stopped}` : parts.join(', ');
}

export function statusCard(view: StatusView): AdaptiveCard {
  const items = view.items;
  const on = view.emailSync || (items ? ITEM_KINDS.some((kind) => items[kind].enabled) : false);
  const state = !on ? 'Off' : view.active ? 'Active' : 'Paused';
  const lastRun = view.lastRun
    ? `${cardDateTime(view.lastRun.finishedAt)}: ${view.lastRun.status}, ${view.lastRun.synced} synced, ${view.lastRun.noMatch} no match, ${view.lastRun.errors} errors`
    : 'no run yet';
  return (
    card(
      new TextBlock('CRM Sync status', { size: 'Large', weight: 'Bolder', wrap: true }),
      new FactSet(
        new Fact('Sync', state),
        new Fact('Mailbox', STATUS_WORDS[view.mailboxStatus ?? 'ok'] ?? view.mailboxStatus ?? 'OK'),
        new Fact('Folders', view.folders.join(', ') || 'none'),
        ...(items ? [new Fact('Email', view.emailSync ? 'On' : 'Off')] : []),
        ...countsFacts(view.counts),
        ...(items
          ? ITEM_KINDS.map((kind) => {
              const stopped = items[kind].enabled ? view.lastRun?.items?.[kind]?.stopped : undefined;
              const line = itemKindLine(items[kind]);
              return new Fact(ITEM_KIND_LABELS[kind], stopped ? `${line}. Last run: ${stopped}` : line);
            })
          : []),
      ),
      // Times are text blocks, not facts: Teams shows them in the viewer's time zone there.
      new TextBlock(`Last run: ${lastRun}`, { wrap: true }),
      new TextBlock(`Next scheduled run: ${cardDateTime(view.nextRun, 'none scheduled')}`, {
        wrap: true,
        spacing: 'None',
      }),
      ...(view.mailboxNote && view.mailboxStatus !== 'ok'
        ? [new TextBlock(view.mailboxNote, { wrap: true, color: 'Attention' })]
        : []),
    )
      // Teams refreshes the card with Action.Execute when someone looks at it again, so it never shows stale counts.
      .withRefresh(
        new RefreshDefinition({
          action: new ExecuteAction({ verb: 'refreshStatus', data: { verb: 'refreshStatus' } }),
        }),
      )
      .withActions(
        new ExecuteAction({ title: 'Sync now', verb: 'syncNow', data: { verb: 'syncNow' } }),
        view.active
          ? new ExecuteAction({ title: 'Pause', verb: 'pause', data: { verb: 'pause' } })
          : new ExecuteAction({ title: 'Resume', verb: 'resume', data: { verb: 'resume' } }),
        ...settingsButton(view.settingsUrl, 'Settings'),
      )
      .withFallbackText(`CRM Sync is ${state}. Synced ${view.counts.synced}, errors ${view.counts.error}.`)
  );
}

export interface ProgressView {
  folder: string;
  processed: number;
  total: number;
  counts: Pick<LedgerCounts, 'synced' | 'no_match' | 'error'>;
  /** Set while contacts, tasks or events are synced (after the mail): that kind's counts. */
  items?: ItemRunCounts;
}

/** A bar drawn with two weighted columns: ProgressBar is not in Adaptive Cards 1.5, which Teams renders. */
function progressBar(percent: number): ColumnSet {
  const done = Math.max(1, Math.min(99, percent));
  return new ColumnSet({
    columns: [
      new Column().withWidth(done).withStyle('accent').withMinHeight('8px'),
      new Column()
        .withWidth(100 - done)
        .withStyle('emphasis')
        .withMinHeight('8px'),
    ],
    spacing: 'Small',
  });
}

export function progressCard(view: ProgressView): AdaptiveCard {
  if (view.items) {
    // Contacts, tasks and events come after the mail and have no total to show a bar against.
    return card(
      new TextBlock('Syncing your Outlook items…', { size: 'Medium', weight: 'Bolder', wrap: true }),
      new TextBlock(`Now: ${view.folder}`, { wrap: true }),
      new FactSet(
        new Fact('Emails synced', String(view.counts.synced)),
        new Fact('Items synced', String(view.items.synced)),
        new Fact('Unchanged', String(view.items.unchanged)),
        new Fact('Errors', String(view.items.errors)),
      ),
    ).withFallbackText(`Syncing ${view.folder}`);
  }
  const percent = view.total > 0 ? Math.min(100, Math.round((view.processed / view.total) * 100)) : 0;
  return card(
    new TextBlock('Syncing your mail…', { size: 'Medium', weight: 'Bolder', wrap: true }),
    new TextBlock(`${view.processed} of about ${view.total} emails looked at (now: ${view.folder})`, {
      wrap: true,
    }),
    progressBar(percent),
    new FactSet(
      new Fact('Synced', String(view.counts.synced)),
      new Fact('No match', String(view.counts.no_match)),
      new Fact('Error', String(view.counts.error)),
    ),
  ).withFallbackText(`Syncing: ${view.processed} of ${view.total}`);
}

export function runResultCard(summary: RunSummary, settingsUrl: string): AdaptiveCard {
  const title =
    summary.status === 'completed'
      ? 'Sync finished'
      : summary.status === 'paused'
        ? 'Sync paused; it will resume where it stopped'
        : summary.status === 'needs_consent'
          ? 'CRM Sync needs access to your mailbox'
          : summary.status === 'busy'
            ? 'A sync of your mailbox is already running'
            : 'Sync is off';
  return card(
    new TextBlock(title, {
      size: 'Medium',
      weight: 'Bolder',
      wrap: true,
      color: summary.status === 'completed' ? 'Good' : 'Attention',
    }),
    new FactSet(
      new Fact('Synced', String(summary.synced)),
      new Fact('No match', String(summary.noMatch)),
      new Fact('Errors', String(summary.errors)),
      new Fact('Already synced', String(summary.alreadySynced)),
      new Fact('Skipped', String(summary.skipped)),
      ...ITEM_KINDS.flatMap((kind) => {
        const counts = summary.items?.[kind];
        return counts ? [new Fact(ITEM_KIND_LABELS[kind], itemRunLine(counts))] : [];
      }),
    ),
    ...(summary.note ? [new TextBlock(summary.note, { wrap: true, isSubtle: true })] : []),
  )
    .withActions(
      ...(summary.errors > 0
        ? [new ExecuteAction({ title: 'Show errors', verb: 'errors', data: { verb: 'errors' } })]
        : []),
      ...settingsButton(settingsUrl, 'Settings'),
    )
    .withFallbackText(`${title}: ${summary.synced} synced, ${summary.errors} errors`);
}

export function errorsCard(
  entries: readonly LedgerEntry[],
  setAside: ReadonlyArray<{ reason: string; poisonedAt: string }> = [],
): AdaptiveCard {
  const asideBlocks = setAside.length
    ? [
        new TextBlock(
          `${setAside.length} sync job${setAside.length === 1 ? ' was' : 's were'} set aside after repeated failures`,
          {
            weight: 'Bolder',
            wrap: true,
            color: 'Attention',
          },
        ),
        ...setAside.slice(0, 5).map(
          (job) =>
            new TextBlock(`${cardDateTime(job.poisonedAt)}: ${job.reason}`, {
              wrap: true,
              isSubtle: true,
              spacing: 'None',
            }),
        ),
        new TextBlock('The next scheduled or manual sync tries those folders again.', {
          wrap: true,
          isSubtle: true,
        }),
      ]
    : [];
  if (entries.length === 0 && asideBlocks.length > 0)
    return card(...asideBlocks).withFallbackText('Sync jobs were set aside');
  if (entries.length === 0) {
    return card(
      new TextBlock('No errors. Every email was synced or had no match.', { wrap: true, color: 'Good' }),
    ).withFallbackText('No errors');
  }
  return card(
    ...asideBlocks,
    new TextBlock('Emails that could not be synced', { size: 'Medium', weight: 'Bolder', wrap: true }),
    ...entries.map((entry) =>
      new Container(
        new TextBlock(entry.subject || '(no subject)', { weight: 'Bolder', wrap: true }),
        new TextBlock(
          [entry.from, cardDateTime(entry.receivedAt), entry.linkType].filter(Boolean).join(' · '),
          {
            isSubtle: true,
            wrap: true,
            spacing: 'None',
          },
        ),
        new TextBlock(entry.note ?? 'failed', { wrap: true, color: 'Attention', spacing: 'Small' }),
        new ActionSet(
          new ExecuteAction({
            title: 'Retry',
            verb: 'retry',
            data: { verb: 'retry', messageId: entry.messageId },
          }),
        ),
      ).withSeparator(true),
    ),
  )
    .withActions(new ExecuteAction({ title: 'Retry all', verb: 'retryAll', data: { verb: 'retryAll' } }))
    .withFallbackText(`${entries.length} emails could not be synced`);
}

export function retryResultCard(subject: string, entry: LedgerEntry | undefined): AdaptiveCard {
  const ok = entry?.status === 'synced';
  return card(
    new TextBlock(
      ok ? `Synced: ${subject || '(no subject)'}` : `Still failing: ${subject || '(no subject)'}`,
      {
        weight: 'Bolder',
        wrap: true,
        color: ok ? 'Good' : 'Attention',
      },
    ),
    ...(ok && entry?.linkType
      ? [new TextBlock(`Link type: ${entry.linkType}`, { wrap: true, isSubtle: true, spacing: 'Small' })]
      : []),
    ...(entry?.note ? [new TextBlock(entry.note, { wrap: true, isSubtle: true })] : []),
  ).withFallbackText(ok ? 'Synced' : 'Still failing');
}

export interface SettingsView {
  emailSync: boolean;
  active: boolean;
  folders: string[];
  includeSubfolders: boolean;
  attachments: boolean;
  attachmentMaxMb: number;
  /** An ISO time: emails received before it are not synced. */
  cutoff: string;
  visibility: string;
  matchAllParticipants: boolean;
  skipInternalOnly: boolean;
  blocklist: string[];
  schedule: Schedule;
  settingsUrl: string;
}

function scheduleWords(schedule: Schedule): string {
  if (schedule.kind === 'none') return 'No schedule (new mail still syncs through notifications)';
  if (schedule.kind === 'interval') return `Every ${schedule.minutes} minutes, and new mail within seconds`;
  return `Daily at ${schedule.at} (${schedule.timeZone}), and new mail within seconds`;
}

/** What the user's sync does today; changing it is the settings tab's job. */
export function settingsCard(view: SettingsView): AdaptiveCard {
  return card(
    new TextBlock('Your sync settings', { size: 'Medium', weight: 'Bolder', wrap: true }),
    new FactSet(
      new Fact('Email sync', view.emailSync ? (view.active ? 'On' : 'On, paused') : 'Off'),
      new Fact(
        'Folders',
        `${view.folders.join(', ') || 'none'}${view.includeSubfolders ? ' (with subfolders)' : ''}`,
      ),
      new Fact('Schedule', scheduleWords(view.schedule)),
      new Fact('Attachments', view.attachments ? `Yes, up to ${view.attachmentMaxMb} MB per email` : 'No'),
      new Fact(
        'What reaches the CRM',
        { metadata: 'Who and when only', subject: 'Subject, no body', full: 'The whole email' }[
          view.visibility
        ] ?? view.visibility,
      ),
      new Fact(
        'Match',
        view.matchAllParticipants ? 'Every participant' : 'Sender of received mail; To and Cc of sent mail',
      ),
      new Fact('Internal-only threads', view.skipInternalOnly ? 'Skipped' : 'Synced'),
      new Fact('Blocklist', view.blocklist.join(', ') || 'empty'),
    ),
    new TextBlock(`Emails before ${cardDate(view.cutoff)} are not synced.`, { wrap: true }),
    ...(view.settingsUrl
      ? []
      : [new TextBlock('You change these in the CRM Sync tab.', { wrap: true, isSubtle: true })]),
  )
    .withActions(...settingsButton(view.settingsUrl, 'Change settings'))
    .withFallbackText('Your sync settings');
}
