import { CONTAINERS } from '../store/containers.ts';
import { type Collection, type Doc, type Store, userPartition } from '../store/store.port.ts';

/** Where to send a user proactive messages: refreshed on every activity, so a moved service URL is followed. */
export interface ConversationRef extends Doc {
  serviceUrl: string;
  conversationId: string;
  channelId: string;
  botId: string;
  userTeamsId: string;
  updatedAt: string;
}

export class ConversationRepository {
  private readonly items: Collection<ConversationRef>;

  constructor(store: Store) {
    this.items = store.collection<ConversationRef>(CONTAINERS.conversations);
  }

  async get(tenantId: string, userId: string): Promise<ConversationRef | undefined> {
    return (await this.items.read(userPartition(tenantId, userId), 'personal'))?.value;
  }

  /** Writes only when something changed, so a chatty user costs no writes. */
  async remember(
    tenantId: string,
    userId: string,
    ref: Omit<ConversationRef, 'id' | 'pk' | 'updatedAt'>,
  ): Promise<void> {
    const current = await this.get(tenantId, userId);
    if (
      current &&
      current.serviceUrl === ref.serviceUrl &&
      current.conversationId === ref.conversationId &&
      current.botId === ref.botId
    ) {
      return;
    }
    await this.items.upsert({
      id: 'personal',
      pk: userPartition(tenantId, userId),
      ...ref,
      updatedAt: new Date().toISOString(),
    });
  }
}
