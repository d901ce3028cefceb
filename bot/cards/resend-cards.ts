import { cardDateTime } from './card-time.ts';
import { AdaptiveCard, ExecuteAction, TextBlock } from '@microsoft/teams.cards';
import { CARD_VERSION } from './help-card.ts';
import { noticeCard } from './notice-cards.ts';

/**
 * Resend All asks first (the seeds: "This is not at all recommended"): what it does, then Confirm
 * or Cancel. Only Confirm queues it; both answers replace the card, so it cannot be pressed twice.
 */

export const RESEND_ALL_VERBS = { confirm: 'resendAllConfirm', cancel: 'resendAllCancel' } as const;

/** `cutoff`: ISO; Teams shows it in the viewer's time zone. */
export function resendAllConfirmCard(view: {
  folders: string[];
  cutoff: string;
  /** "Contacts", "Tasks", "Calendar": the other kinds the user syncs, which are written again too. */
  otherKinds?: string[];
}): AdaptiveCard {
  return new AdaptiveCard(
    new TextBlock('Resend all your email to the CRM?', { size: 'Medium', weight: 'Bolder', wrap: true }),
    new TextBlock(
      `Every email in your selected folders (${view.folders.join(', ') || 'none'}) since ${cardDateTime(view.cutoff)} is sent to the CRM again.`,
      { wrap: true },
    ),
    new TextBlock(
      'Emails already in the CRM are not duplicated: their links to candidates and contacts are refreshed.',
      { wrap: true },
    ),
    ...(view.otherKinds?.length
      ? [
          new TextBlock(
            `${view.otherKinds.join(', ')}: written to the CRM again too, each still one CRM item.`,
            { wrap: true },
          ),
        ]
      : []),
    new TextBlock(
      'It can take a long time on a large mailbox, and it is not usually needed: "sync now" already picks up anything new.',
      { wrap: true, color: 'Attention' },
    ),
  )
    .withVersion(CARD_VERSION)
    .withActions(
      new ExecuteAction({
        title: 'Confirm: resend all',
        verb: RESEND_ALL_VERBS.confirm,
        data: { verb: RESEND_ALL_VERBS.confirm },
      }),
      new ExecuteAction({
        title: 'Cancel',
        verb: RESEND_ALL_VERBS.cancel,
        data: { verb: RESEND_ALL_VERBS.cancel },
      }),
    )
    .withFallbackText('Resend all your email to the CRM?');
}

export function resendAllQueuedCard(): AdaptiveCard {
  return noticeCard(
    'Resend All has started',
    'Your selected folders are being sent to the CRM again in the background. Type "sync status" to see the last run when it is done.',
    'Good',
  );
}

export function resendAllCancelledCard(): AdaptiveCard {
  return noticeCard('Resend All cancelled', 'Nothing was sent again.');
}
