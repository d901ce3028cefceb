import type { App } from '@microsoft/teams.apps';
import type { AdaptiveCard } from '@microsoft/teams.cards';
import type { ProactiveSender } from '../notifications/notifier.ts';
import { cardMessage } from './route-helpers.ts';
import type { ConversationRef, ConversationRepository } from './conversation-store.ts';

/** Proactive messages through the Teams SDK to the user's stored conversation, on its own service URL. */
export class TeamsProactiveSender implements ProactiveSender {
  private readonly app: App;

  constructor(app: App) {
    this.app = app;
  }

  async send(ref: ConversationRef, card: AdaptiveCard): Promise<void> {
    const api = this.app.api.clone({ serviceUrl: ref.serviceUrl });
    try {
      await api.conversations.activities(ref.conversationId).create(cardMessage(card));
    } catch (error) {
      const response = (error as { response?: { status?: number; headers?: Record<string, string> } })
        .response;
      if (response?.status === 429) {
        const retryAfter = Number(response.headers?.['retry-after']);
        throw Object.assign(new Error('Teams is throttling this conversation (429)'), {
          status: 429,
          retryAfterMs: Number.isFinite(retryAfter) ? retryAfter * 1000 : 1000,
        });
      }
      throw error;
    }
  }
}

/**
 * An unsigned token for the Agents Playground, which checks none: in sandbox mode the SDK needs an app
 * identity to send proactive messages at all. Never used in Azure mode, where the SDK gets real tokens.
 */
export function sandboxBotToken(clientId: string): () => string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const token = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ aud: 'https://api.botframework.com', appid: clientId, exp: 4102444800 })}.`;
  return () => token;
}

/** Sends a card to a user's own chat with the bot: for results that come after an invoke was answered. */
export async function sendToUserChat(
  app: App,
  conversations: ConversationRepository | undefined,
  user: { tenantId: string; userId: string },
  card: AdaptiveCard,
): Promise<void> {
  const ref = await conversations?.get(user.tenantId, user.userId);
  if (ref) await new TeamsProactiveSender(app).send(ref, card);
}
