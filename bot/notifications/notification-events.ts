import { AdaptiveCard, ExecuteAction, TextBlock } from '@microsoft/teams.cards';
import { CARD_VERSION, SEVERITY_COLOR } from '../cards/help-card.ts';
import type { Logger } from '../logging/logger.ts';
import type { SyncEvents } from '../sync/sync-events.ts';
import type { Notifier, OutboxDoc } from './notifier.ts';

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
  events.on('needsConsent', ({ tenantId, userId, note }) => {
    const day = new Date().toISOString().slice(0, 10);
    safely(
      notifier.notify(
        { tenantId, userId },
        {
          id: `needs-consent-${day}`,
          title: 'CRM Sync needs access to your mailbox',
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

export function notificationCard(doc: OutboxDoc): AdaptiveCard {
  return new AdaptiveCard(
    new TextBlock(doc.title, {
      size: 'Medium',
      weight: 'Bolder',
      wrap: true,
      color: SEVERITY_COLOR[doc.severity],
    }),
    new TextBlock(doc.text, { wrap: true }),
    ...(doc.counts && doc.counts.runs > 1
      ? [new TextBlock(`From ${doc.counts.runs} automatic syncs.`, { wrap: true, isSubtle: true })]
      : []),
  )
    .withVersion(CARD_VERSION)
    .withActions(
      ...(doc.counts && doc.counts.errors > 0
        ? [new ExecuteAction({ title: 'Show errors and retry', verb: 'errors', data: { verb: 'errors' } })]
        : []),
    )
    .withFallbackText(doc.title);
}
