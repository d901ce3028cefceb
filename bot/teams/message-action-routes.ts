import type { Activity } from '@microsoft/teams.api';
import type { App } from '@microsoft/teams.apps';
import type { AdaptiveCard } from '@microsoft/teams.cards';
import { accessCard, noticeCard } from '../cards/notice-cards.ts';
import { plainTextCard } from '../cards/plain-text.ts';
import { associateDialogCard, linkedCard, syncDialogCard } from '../cards/record-cards.ts';
import { summarize, type TeamsMessagePayload } from '../crm/message-linking.ts';
import { type RouteContext, userOf } from './route-helpers.ts';

/** The message actions "Sync to CRM" and "Associate": a dialog (fetchTask), then its submissions. */

const COMMAND_TITLES: Record<string, string> = {
  syncToCrm: 'Sync to CRM',
  associate: 'Associate with CRM records',
};

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
  /** Who is asking and whether they may; a dialog with the access card when they may not. */
  async function actionUser(activity: Activity) {
    const user = userOf(activity);
    if (!user || !deps.sync || !deps.linking)
      return {
        denied: dialog('CRM Sync', noticeCard('I could not tell who you are', undefined, 'Attention')),
      };
    const access = await deps.sync.access(user);
    if (!access.allowed)
      return { denied: dialog('CRM Sync', accessCard({ reason: access.reason, settingsUrl })) };
    return { user, linking: deps.linking };
  }

  async function summaryOf(payload: TeamsMessagePayload) {
    const senderId = payload.from?.user?.id;
    const address =
      senderId && deps.senderAddress ? await deps.senderAddress(senderId).catch(() => undefined) : undefined;
    return summarize(payload, address);
  }

  app.on('message.ext.open', async ({ activity }) => {
    try {
      const value = activity.value as { commandId?: string; messagePayload?: TeamsMessagePayload };
      const who = await actionUser(activity);
      if (who.denied) return who.denied;
      if (!value.messagePayload)
        return dialog(
          'CRM Sync',
          noticeCard('Use this on a message', 'Open it from the "..." menu of a message.', 'Attention'),
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
      const summary = await summaryOf(value.messagePayload);
      const action = String(data.action ?? '');
      if (action === 'openAssociate')
        return dialog(COMMAND_TITLES.associate!, associateDialogCard(summary, '', undefined));
      if (action === 'search') {
        const query = String(data.query ?? '').trim();
        const results = query ? await who.linking.search(who.user.tenantId, query) : [];
        return dialog(COMMAND_TITLES.associate!, associateDialogCard(summary, query, results));
      }
      const picked = Object.entries(data)
        .filter(([key, v]) => key.startsWith('record:') && String(v) === 'true')
        .map(([key]) => key.slice('record:'.length));
      const result = await who.linking.link(who.user, value.messagePayload, picked);
      const linked = result.records.map((record) => ({ record, url: who.linking.deepLink(record) }));
      return dialog(
        action === 'associate' ? COMMAND_TITLES.associate! : COMMAND_TITLES.syncToCrm!,
        linkedCard(summary, linked, result.created),
      );
    } catch (error) {
      return dialog('CRM Sync', failed(error, activity));
    }
  });
}
