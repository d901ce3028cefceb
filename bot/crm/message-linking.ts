import type { UserRef } from '../sync/mail-sync.ts';
import type { CrmConnector, CrmRecord } from './crm.port.ts';
import { htmlToText } from './html-text.ts';

/**
 * "Sync to CRM" and "Associate" on a Teams message (an email shared to Teams from Outlook, or any
 * chat or channel message): which records it matches, and linking it to the ones the user picks.
 * One activity per message, however often it is synced or associated; later picks add links.
 */

export interface TeamsMessagePayload {
  id: string;
  subject?: string | null;
  createdDateTime?: string;
  linkToMessage?: string;
  body?: { contentType?: string; content?: string };
  from?: { user?: { id?: string; displayName?: string } | null } | null;
  /** Graph's chatMessage attachments: a file is a `reference` to its SharePoint or OneDrive URL. */
  attachments?: Array<{
    id?: string;
    contentType?: string;
    contentUrl?: string | null;
    name?: string | null;
  }>;
}

export interface MessageSummary {
  messageId: string;
  subject: string;
  from: string;
  preview: string;
  sentAt?: string;
  addresses: string[];
}

/**
 * An address, with every run bounded (local part 64, labels 63, at most 8 dots, TLD 24: RFC 5321's
 * limits), so scanning hostile text stays linear; the look-behind keeps a match from starting inside
 * a longer run of address characters.
 */
const EMAIL =
  /(?<![A-Za-z0-9._%+'-])[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z])/g;
/** The start of a message is where its addresses are (a forward's header); the rest is not scanned. */
const SCANNED_CHARS = 64 * 1024;

function plainText(body: TeamsMessagePayload['body']): string {
  const content = body?.content ?? '';
  const text = body?.contentType === 'html' ? htmlToText(content) : content;
  return text.replace(/\s+/g, ' ').trim();
}

export function summarize(payload: TeamsMessagePayload, senderAddress?: string): MessageSummary {
  const text = plainText(payload.body);
  const found = new Set((text.slice(0, SCANNED_CHARS).match(EMAIL) ?? []).map((a) => a.toLowerCase()));
  if (senderAddress) found.add(senderAddress.toLowerCase());
  return {
    messageId: payload.id,
    // Outlook's own limit for a subject: a longer one is not from a person and would overflow a card.
    subject: payload.subject?.trim().slice(0, 255) || text.slice(0, 80) || '(no text)',
    from: payload.from?.user?.displayName ?? 'someone',
    // Without a subject the text's start stands in for it; repeating it as the preview says nothing.
    preview: payload.subject?.trim() || text.length > 80 ? text.slice(0, 300) : '',
    ...(payload.createdDateTime ? { sentAt: payload.createdDateTime } : {}),
    addresses: [...found],
  };
}

export class MessageLinking {
  private readonly crm: CrmConnector;

  constructor(crm: CrmConnector) {
    this.crm = crm;
  }

  /** Candidates and contacts whose addresses the message carries. */
  async matches(tenantId: string, summary: MessageSummary): Promise<CrmRecord[]> {
    const directory = await this.crm.directory(tenantId);
    const found = directory.lookup(summary.addresses);
    const records = await Promise.all(
      [...found.candidates, ...found.contacts].map((m) => this.crm.record(tenantId, m.record.id)),
    );
    return records.filter((r): r is CrmRecord => r !== undefined);
  }

  search(user: UserRef, query: string): Promise<CrmRecord[]> {
    return this.crm.search(user.tenantId, query, 15, user.userId);
  }

  /** Records the message as one activity linked to the chosen records (ids the user picked). */
  async link(user: UserRef, payload: TeamsMessagePayload, recordIds: readonly string[]) {
    // The picked records come from the directory index in memory: one activity write, no reads per record.
    const directory = await this.crm.directory(user.tenantId);
    const records = recordIds.map((id) => directory.get(id)).filter((r): r is CrmRecord => r !== undefined);
    if (records.length === 0) return { records, activityId: undefined, created: false };
    const linkedAt = payload.createdDateTime ?? new Date().toISOString();
    const summary = summarize(payload);
    const result = await this.crm.recordActivity({
      tenantId: user.tenantId,
      userId: user.userId,
      messageKey: `teams:${payload.id}`,
      messageId: payload.id,
      subject: summary.subject,
      from: summary.from,
      to: [],
      cc: [],
      direction: 'received',
      occurredAt: payload.createdDateTime ?? new Date().toISOString(),
      ...(payload.body?.content
        ? {
            body: {
              contentType: payload.body.contentType === 'html' ? 'html' : 'text',
              content: payload.body.content,
            },
          }
        : {}),
      attachments: [],
      ...(payload.linkToMessage ? { webLink: payload.linkToMessage } : {}),
      links: records.map((r) => ({ id: r.id, type: r.type })),
    });
    // This message is now each record's latest activity, or at least one of them.
    const shown = records.map((r) => ({
      ...r,
      lastActivityAt: r.lastActivityAt && r.lastActivityAt > linkedAt ? r.lastActivityAt : linkedAt,
    }));
    return { records: shown, activityId: result.activityId, created: result.created };
  }

  deepLink(record: CrmRecord): string {
    return this.crm.deepLink(record);
  }
}
