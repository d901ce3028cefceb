import type { Activity } from '@microsoft/teams.api';
import type { App } from '@microsoft/teams.apps';
import type { AdaptiveCard } from '@microsoft/teams.cards';
import { accessCard, noticeCard } from '../cards/notice-cards.ts';
import { plainTextCard } from '../cards/plain-text.ts';
import { associateDialogCard, linkedCard, syncDialogCard } from '../cards/record-cards.ts';
import { summarize, type TeamsMessagePayload } from '../crm/message-linking.ts';
import { CaptureAction } from './capture-action.ts';
import { INVOKE_BUDGET_MS, type RouteContext, userOf, withinBudget } from './route-helpers.ts';
import { sendToUserChat } from './teams-sender.ts';

/** How long the message action waits for Graph to name the sender before going on without. */
const SENDER_LOOKUP_MS = 2_000;

/** The message actions "Sync to CRM" and "Associate": a dialog (fetchTask), then its submissions. */

const COMMAND_TITLES: Record<string, string> = {
  syncToCrm: 'Sync to CRM',
  associate: 'Associate with CRM records',
  captureCandidate: 'Capture candidate',
};
const CAPTURE = 'captureCandidate';

function dialog(title: string, card: AdaptiveCard) {
  return {
    task: {
      type: 'continue' as const,
      value: {
        title,
        width: 'medium' as const,
        height: 'large' as const,
        card: { contentType: 'application/vnd.microsoft.card.adaptive', content: plainTextCard(card) },
      },
    },
  };
}

export function registerMessageActionRoutes(app: App, rc: RouteContext): void {
  const { deps, settingsUrl, failed } = rc;
  /**
   * Who is asking and whether they may; a dialog with the access card when they may not. Sync to
   * CRM and Associate are the seeds' Sync Selected: one message the user picked, whatever their own
   * email sync switch says. Only the organization's switch refuses them.
   */
  async function actionUser(activity: Activity) {
    const user = userOf(activity);
    if (!user || !deps.sync || !deps.linking)
      return {
        denied: dialog('CRM Sync', noticeCard('I could not tell who you are', undefined, 'Attention')),
      };
    const access = await deps.sync.access(user, 'organization');
    if (!access.allowed)
      return { denied: dialog('CRM Sync', accessCard({ reason: access.reason, settingsUrl })) };
    return { user, linking: deps.linking };
  }

  /**
   * The message's summary, with its sender's mail address when Graph gives it within two seconds:
   * the addresses in the message still match without it, and Teams will not wait.
   */
  async function summaryOf(payload: TeamsMessagePayload, budgetMs = SENDER_LOOKUP_MS) {
    const senderId = payload.from?.user?.id;
    const lookup =
      senderId && deps.senderAddress
        ? deps.senderAddress(senderId).catch(() => undefined)
        : Promise.resolve(undefined);
    const address = await withinBudget(lookup, Math.max(0, budgetMs));
    return summarize(payload, address.done ? address.value : undefined);
  }

  const sendLater = (user: { tenantId: string; userId: string }, card: AdaptiveCard) =>
    sendToUserChat(app, deps.conversations, user, card);
  const capture =
    deps.capture && deps.linking ? new CaptureAction(deps.capture, deps.linking, sendLater) : undefined;
  const budget = () => {
    // One budget for the whole answer, from the moment the invoke arrived: each step gets what is left.
    const deadline = Date.now() + INVOKE_BUDGET_MS;
    return () => Math.max(0, deadline - Date.now());
  };

  app.on('message.ext.open', async ({ activity }) => {
    const left = budget();
    try {
      const value = activity.value as { commandId?: string; messagePayload?: TeamsMessagePayload };
      const who = await actionUser(activity);
      if (who.denied) return who.denied;
      if (!value.messagePayload)
        return dialog(
          'CRM Sync',
          noticeCard('Use this on a message', 'Open it from the "..." menu of a message.', 'Attention'),
        );
      if (value.commandId === CAPTURE)
        return dialog(
          COMMAND_TITLES[CAPTURE]!,
          capture
            ? await capture.open(who.user, value.messagePayload, left)
            : noticeCard('CaptureME is not set up here', undefined, 'Attention'),
        );
      const summary = await summaryOf(value.messagePayload);
      if (value.commandId === 'associate')
        return dialog(COMMAND_TITLES.associate!, associateDialogCard(summary, '', undefined));
      const matches = await who.linking.matches(who.user.tenantId, summary);
      return dialog(COMMAND_TITLES.syncToCrm!, syncDialogCard(summary, matches));
    } catch (error) {
      return dialog('CRM Sync', failed(error, activity));
    }
  });

  app.on('message.ext.submit', async ({ activity }) => {
    // One budget for the whole answer, from the moment the invoke arrived: each step gets what is left.
    const deadline = Date.now() + INVOKE_BUDGET_MS;
    const left = () => Math.max(0, deadline - Date.now());
    try {
      const value = activity.value as {
        commandId?: string;
        messagePayload?: TeamsMessagePayload;
        data?: Record<string, unknown>;
      };
      const who = await actionUser(activity);
      if (who.denied) return who.denied;
      if (!value.messagePayload)
        return dialog('CRM Sync', noticeCard('Use this on a message', undefined, 'Attention'));
      const data = value.data ?? {};
      if (value.commandId === CAPTURE) {
        if (!capture)
          return dialog('CRM Sync', noticeCard('CaptureME is not set up here', undefined, 'Attention'));
        const step = data.action === 'captureCreate' ? capture.create : capture.read;
        return dialog(
          COMMAND_TITLES[CAPTURE]!,
          await step.call(capture, who.user, value.messagePayload, data, left),
        );
      }
      const summary = await summaryOf(value.messagePayload, Math.min(SENDER_LOOKUP_MS, left() - 1_000));
      const action = String(data.action ?? '');
      if (action === 'openAssociate')
        return dialog(COMMAND_TITLES.associate!, associateDialogCard(summary, '', undefined));
      if (action === 'search') {
        const query = String(data.query ?? '').trim();
        const results = query ? await who.linking.search(who.user, query) : [];
        return dialog(COMMAND_TITLES.associate!, associateDialogCard(summary, query, results));
      }
      const picked = Object.entries(data)
        .filter(([key, v]) => key.startsWith('record:') && String(v) === 'true')
        .map(([key]) => key.slice('record:'.length));
      const title = action === 'associate' ? COMMAND_TITLES.associate! : COMMAND_TITLES.syncToCrm!;
      const linking = who.linking;
      const work = linking.link(who.user, value.messagePayload, picked).then((result) =>
        linkedCard(
          summary,
          result.records.map((record) => ({ record, url: linking.deepLink(record) })),
          result.created,
        ),
      );
      const answer = await withinBudget(work, left());
      if (answer.done) return dialog(title, answer.value);
      // Still writing (a slow CRM or store): answer Teams now, and post the result when it is in.
      const user = who.user;
      void answer.later
        .then(
          (card) => sendLater(user, card),
          (error: unknown) => sendLater(user, failed(error, activity)),
        )
        .catch(() => undefined);
      return dialog(
        title,
        noticeCard(
          'Saving to your CRM…',
          'This is taking a moment. The result will be in your chat with CRM Sync.',
          'Default',
        ),
      );
    } catch (error) {
      return dialog('CRM Sync', failed(error, activity));
    }
  });
}
