import { createHash } from 'node:crypto';
import { AdaptiveCard, ExecuteAction, OpenUrlAction, TextBlock } from '@microsoft/teams.cards';
import { cardDateTime } from '../cards/card-time.ts';
import { CARD_VERSION, SEVERITY_COLOR } from '../cards/help-card.ts';
import type { Logger } from '../logging/logger.ts';
import type { SyncEvents } from '../sync/sync-events.ts';
import type { TabLinks } from '../tab/tab-links.ts';
import { MAX_RECORDS, type Notifier, type OutboxDoc, type RunContents, type RunRecord } from './notifier.ts';

/**
 * Which sync events become notifications: automatic runs (gathered per quiet period), needs consent
 * (once a day), and pauses the user did not ask for. Manual syncs report on their own card.
 */
export function connectNotifications(events: SyncEvents, notifier: Notifier, logger: Logger): void {
  const safely = (work: Promise<unknown>) =>
    void work.catch((error: unknown) =>
      logger.warn({ err: { message: (error as Error).message } }, 'could not queue a notification'),
    );
  events.on('runSummary', ({ tenantId, userId, summary }) => {
    if (
      summary.status === 'completed' &&
      (summary.trigger === 'scheduled' || summary.trigger === 'notified')
    ) {
      safely(notifier.automaticRun({ tenantId, userId }, summary));
    }
  });
  events.on('needsConsent', ({ tenantId, userId, note, what }) => {
    const day = new Date().toISOString().slice(0, 10);
    safely(
      notifier.notify(
        { tenantId, userId },
        {
          id: what ? `needs-consent-${what}-${day}` : `needs-consent-${day}`,
          title: `CRM Sync needs access to your ${what ?? 'mailbox'}`,
          text: `${note} Ask your Microsoft 365 administrator to grant CRM Sync access again.`,
          severity: 'error',
        },
      ),
    );
  });
  events.on('resumed', ({ tenantId, userId, byUser, pausedAt }) => {
    if (byUser) return;
    // One notice per pause: two runs of the mailbox resuming together make one card.
    const episode = pausedAt ?? new Date().toISOString().slice(0, 13);
    safely(
      notifier.notify(
        { tenantId, userId },
        {
          id: `resumed-${episode}`,
          title: 'Sync resumed',
          text: 'The connection is back; syncing picked up where it stopped.',
          severity: 'success',
        },
      ),
    );
  });
  // CaptureME's Process Later happens in a sync the user is not watching: they hear how it went.
  events.on('captured', ({ tenantId, userId, messageId, candidate, error }) => {
    const key = createHash('sha256').update(messageId).digest('base64url').slice(0, 16);
    safely(
      notifier.notify(
        { tenantId, userId },
        candidate
          ? {
              id: `captured-${key}`,
              title: candidate.created ? 'Candidate captured' : 'Email added to a candidate you have',
              text: candidate.created
                ? `${candidate.name} is a new candidate in your CRM, from the resume you saved for later (Source Type: Outlook).`
                : `${candidate.name} was already in your CRM, so the email went on their record and nothing else changed.`,
              severity: 'success',
              records: [{ type: 'candidate', id: candidate.id, name: candidate.name }],
            }
          : {
              id: `capture-failed-${key}-${new Date().toISOString().slice(0, 13)}`,
              title: 'CaptureME could not make a candidate',
              text: `${error ?? 'The resume could not be read.'} Retry it from the Emails view (Captured), or use Process Now.`,
              severity: 'error',
              open: 'captured',
            },
      ),
    );
  });
  events.on('paused', ({ tenantId, userId, note, pausedAt }) => {
    if (note === 'paused by you') return;
    safely(
      notifier.notify(
        { tenantId, userId },
        {
          id: `paused-${pausedAt ?? Date.now()}`,
          title: 'Sync paused for now',
          text: `${note} It resumes on its own.`,
          severity: 'warning',
        },
      ),
    );
  });
}

/** Actions a card may have: the Adaptive Cards host default (`actions.maxActions`), beyond which renderers drop them. */
const MAX_ACTIONS = 5;
const TYPE_WORD = { candidate: 'Candidate', contact: 'Contact' } as const;

/** "Show Candidate: Ava Kim", short enough for a button. */
function showTitle(record: RunRecord): string {
  const name = record.name.length > 40 ? `${record.name.slice(0, 39)}…` : record.name;
  return `Show ${TYPE_WORD[record.type]}: ${name}`;
}

/** The emails a digest lists: subject, when it arrived, and its link type (Cand, Con, CandCon). */
function emailBlocks(contents: RunContents): TextBlock[] {
  if (contents.emails.length === 0) return [];
  return [
    new TextBlock(contents.more ? 'Newest synced emails' : 'Synced emails', {
      weight: 'Bolder',
      wrap: true,
      spacing: 'Medium',
    }),
    ...contents.emails.map(
      (email) =>
        new TextBlock(
          [email.subject || '(no subject)', cardDateTime(email.receivedAt), email.linkType]
            .filter(Boolean)
            .join(' · '),
          { wrap: true, spacing: 'None', maxLines: 2 },
        ),
    ),
  ];
}

/**
 * A notification as its card. An automatic-sync digest names what it synced: its newest emails, a
 * Show button for each record they are on (candidates first, a few at most), and the Emails view
 * when there is more than fits. Without `links` (no tab to open) it has no buttons into the tab.
 */
export function notificationCard(doc: OutboxDoc, links?: Pick<TabLinks, 'record' | 'emails'>): AdaptiveCard {
  const contents = doc.contents;
  const errorsAction =
    doc.counts && doc.counts.errors > 0
      ? [new ExecuteAction({ title: 'Show errors and retry', verb: 'errors', data: { verb: 'errors' } })]
      : [];
  let room = MAX_ACTIONS - errorsAction.length;
  const records = links && contents ? contents.records.slice(0, MAX_RECORDS) : [];
  const more = Boolean(links && contents && (contents.more || records.length > room));
  if (more) room -= 1;
  const shown = records.slice(0, room);
  return new AdaptiveCard(
    new TextBlock(doc.title, {
      size: 'Medium',
      weight: 'Bolder',
      wrap: true,
      color: SEVERITY_COLOR[doc.severity],
    }),
    new TextBlock(doc.text, { wrap: true }),
    ...(contents ? emailBlocks(contents) : []),
    ...(doc.counts && doc.counts.runs > 1
      ? [new TextBlock(`From ${doc.counts.runs} automatic syncs.`, { wrap: true, isSubtle: true })]
      : []),
  )
    .withVersion(CARD_VERSION)
    .withActions(
      ...errorsAction,
      ...shown.map(
        (record) => new OpenUrlAction(links!.record(record.type, record.id), { title: showTitle(record) }),
      ),
      ...(more && links ? [new OpenUrlAction(links.emails(), { title: 'Open the Emails view' })] : []),
      ...(links && doc.open === 'captured'
        ? [new OpenUrlAction(links.emails('captured'), { title: 'Retry in the Emails view' })]
        : []),
    )
    .withFallbackText(doc.title);
}
