import type { Readable } from 'node:stream';
import { targetSubscription } from './subscription-targets.ts';
import { AppError } from '../errors/app-error.ts';
import type { Attachment, MailFolder, Message, Recipient, User } from '@microsoft/microsoft-graph-types';
import { batchError, PREFER_IMMUTABLE, readDeltaPage, userPath } from './graph-delta.ts';
import type { GraphHttp } from './graph-http.ts';
import {
  MAX_MIME_ATTACHMENTS,
  MimeUnreadable,
  spoolMimeAttachments,
  storedAttachmentName,
} from './mime-attachments.ts';

/** A 404 about the mailbox itself (Exchange does not host it), not about the folder asked for. */
function isMailboxError(body: unknown): boolean {
  const code = (body as { error?: { code?: string } } | undefined)?.error?.code;
  return code?.toLowerCase() === 'mailboxnotenabledforrestapi';
}
import {
  type AttachmentFiles,
  type DeltaPage,
  type EmailAddress,
  type LeftOutAttachment,
  type MailAttachment,
  type MailboxInfo,
  type MailFolderInfo,
  type MailMessage,
  type MailSource,
  type MessageDetail,
  type MailSubscriptions,
  type SubscriptionRequest,
  WELL_KNOWN_FOLDER_NAMES,
  type WellKnownFolderName,
} from './mail-source.port.ts';

/**
 * Microsoft Graph mail, real or sandbox. Folder sync reads message delta pages with everything the
 * sync stores selected, so one request carries a page of messages; single GETs are only for
 * sync-selected and for a degraded retry.
 */

/**
 * Messages per delta page. Pages carry whole bodies: recruiters' HTML mail is about 25 KB at the
 * median (quoted threads, signatures) with a tail to hundreds of KB, so 100 messages make a page of
 * a few MB, which a request reads in well under Graph's timeouts and a process holds without
 * strain; 1,000 would be tens of MB. At 100, reading costs 0.01 requests per email.
 */
export const DELTA_PAGE_SIZE = 100;

const HEADER_FIELDS = [
  'id',
  'internetMessageId',
  'conversationId',
  'parentFolderId',
  'subject',
  'from',
  'sender',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'receivedDateTime',
  'sentDateTime',
  'isDraft',
  'hasAttachments',
  'webLink',
];
const SELECT: Record<MessageDetail, string> = {
  full: [...HEADER_FIELDS, 'body'].join(','),
  headers_body: [...HEADER_FIELDS, 'body'].join(','),
  headers: HEADER_FIELDS.join(','),
};
/**
 * What a folder's delta pages select (for benchmarks that read the same pages side by side).
 * Attachments are not expanded into them: Graph documents `$expand` on message delta, but a
 * `$select` inside it is reported ignored there (microsoft-graph-docs-contrib#8431), which would
 * bring every file attachment's bytes, base64, in the page (resumes of megabytes, a hundred emails
 * a page). They are listed per email that has them (`attachments`), names and sizes only.
 */
export const DELTA_SELECT = SELECT.full;

function address(recipient: Recipient | null | undefined): EmailAddress | undefined {
  const email = recipient?.emailAddress;
  if (!email?.address) return undefined;
  return { name: email.name ?? email.address, address: email.address };
}

function addresses(list: Recipient[] | null | undefined): EmailAddress[] {
  return (list ?? []).map(address).filter((a): a is EmailAddress => a !== undefined);
}

export function toMailMessage(message: Message, folderId?: string): MailMessage {
  const from = address(message.from) ?? address(message.sender);
  const body =
    message.body?.content !== undefined && message.body?.content !== null ? message.body : undefined;
  return {
    id: String(message.id),
    ...(message.internetMessageId ? { internetMessageId: message.internetMessageId } : {}),
    ...(message.conversationId ? { conversationId: message.conversationId } : {}),
    folderId: message.parentFolderId ?? folderId ?? '',
    subject: message.subject ?? '',
    ...(from ? { from } : {}),
    to: addresses(message.toRecipients),
    cc: addresses(message.ccRecipients),
    bcc: addresses(message.bccRecipients),
    receivedAt: message.receivedDateTime ?? message.sentDateTime ?? new Date(0).toISOString(),
    ...(message.sentDateTime ? { sentAt: message.sentDateTime } : {}),
    isDraft: message.isDraft === true,
    hasAttachments: message.hasAttachments === true,
    ...(body
      ? { body: { contentType: body.contentType === 'html' ? 'html' : 'text', content: body.content ?? '' } }
      : {}),
    ...(message.webLink ? { webLink: message.webLink } : {}),
  };
}

/** Base64 in 76-character lines: a file's MIME is 4/3 of it and a line break per 57 bytes. */
const BASE64_GROWTH = 1.4;
/** The rest of a MIME besides the files kept: the message's own text (bodies to 500 KB and more, twice), headers, files left out. */
const MIME_ALLOWANCE = 8 * 1024 * 1024;

export class GraphMailSource implements MailSource, MailSubscriptions {
  private readonly http: GraphHttp;
  private downloads = 0;

  constructor(http: GraphHttp) {
    this.http = http;
  }

  get requestCount(): number {
    return this.http.requestCount;
  }

  private user(userId: string): string {
    return userPath(userId);
  }

  async mailbox(userId: string): Promise<MailboxInfo> {
    const user = await this.http.request<User>(
      userId,
      'GET',
      `${this.user(userId)}?$select=id,displayName,mail,userPrincipalName,proxyAddresses`,
    );
    const own = new Set<string>();
    for (const a of [user.mail, user.userPrincipalName]) if (a) own.add(a.toLowerCase());
    for (const proxy of user.proxyAddresses ?? []) {
      if (/^smtp:/i.test(proxy)) own.add(proxy.slice(5).toLowerCase());
    }
    return { id: String(user.id), displayName: user.displayName ?? '', addresses: [...own] };
  }

  async folders(userId: string): Promise<MailFolderInfo[]> {
    const wellKnown = await this.wellKnownIds(userId);
    const byId = new Map(Object.entries(wellKnown).map(([name, id]) => [id, name as WellKnownFolderName]));
    const result: MailFolderInfo[] = [];
    const walk = async (path: string, parentPath: string) => {
      let url: string | undefined = `${path}?$top=250`;
      while (url) {
        const page: { value: MailFolder[]; '@odata.nextLink'?: string } = await this.http.request(
          userId,
          'GET',
          url,
        );
        for (const folder of page.value) {
          const id = String(folder.id);
          const folderPath = parentPath ? `${parentPath}/${folder.displayName}` : String(folder.displayName);
          const wellKnownName = byId.get(id);
          result.push({
            id,
            displayName: folder.displayName ?? '',
            parentFolderId: folder.parentFolderId ?? '',
            path: folderPath,
            ...(wellKnownName ? { wellKnownName } : {}),
            totalItemCount: folder.totalItemCount ?? 0,
            childFolderCount: folder.childFolderCount ?? 0,
          });
          if ((folder.childFolderCount ?? 0) > 0) {
            await walk(`${this.user(userId)}/mailFolders/${encodeURIComponent(id)}/childFolders`, folderPath);
          }
        }
        url = page['@odata.nextLink'];
      }
    };
    await walk(`${this.user(userId)}/mailFolders`, '');
    return result;
  }

  /**
   * The well-known folders' ids in one `$batch` request. Only a 404 means the mailbox has no such
   * folder; a throttled inner request is retried, and anything else fails the call, so a bad
   * moment at Graph never reads as "no Inbox" (which would drop the user's subscriptions).
   */
  private async wellKnownIds(userId: string): Promise<Partial<Record<WellKnownFolderName, string>>> {
    const answers = await this.http.batch<MailFolder>(
      userId,
      WELL_KNOWN_FOLDER_NAMES.map((name) => ({
        id: name,
        method: 'GET',
        url: `${this.user(userId)}/mailFolders/${name}?$select=id`,
      })),
    );
    const ids: Partial<Record<WellKnownFolderName, string>> = {};
    for (const [name, response] of answers) {
      if (response.status === 200 && response.body?.id) ids[name as WellKnownFolderName] = response.body.id;
      else if (response.status !== 404 || isMailboxError(response.body)) throw batchError(response);
    }
    return ids;
  }

  async deltaPage(userId: string, folderId: string, link?: string, signal?: AbortSignal): Promise<DeltaPage> {
    const url =
      link ??
      `${this.user(userId)}/mailFolders/${encodeURIComponent(folderId)}/messages/delta?$select=${SELECT.full}`;
    const { items, ...page } = await readDeltaPage<Message>(
      this.http,
      userId,
      url,
      `odata.maxpagesize=${DELTA_PAGE_SIZE}, ${PREFER_IMMUTABLE}`,
      signal,
    );
    return { messages: items.map((m) => toMailMessage(m, folderId)), ...page };
  }

  async message(userId: string, messageId: string, detail: MessageDetail): Promise<MailMessage> {
    const message = await this.http.request<Message>(
      userId,
      'GET',
      `${this.user(userId)}/messages/${encodeURIComponent(messageId)}?$select=${SELECT[detail]}`,
      { headers: { prefer: PREFER_IMMUTABLE } },
    );
    return toMailMessage(message);
  }

  async attachments(userId: string, messageId: string, maxBytes: number) {
    const base = `${this.user(userId)}/messages/${encodeURIComponent(messageId)}/attachments`;
    const list = await this.http.request<{ value: Array<Attachment & { '@odata.type'?: string }> }>(
      userId,
      'GET',
      `${base}?$select=id,name,contentType,size,isInline`,
      { headers: { prefer: PREFER_IMMUTABLE } },
    );
    const included: MailAttachment[] = [];
    const leftOut: LeftOutAttachment[] = [];
    let total = 0;
    for (const item of list.value) {
      const size = item.size ?? 0;
      const name = item.name ?? 'attachment';
      const type = (item['@odata.type'] ?? '#microsoft.graph.fileAttachment').toLowerCase();
      if (type.endsWith('referenceattachment')) {
        leftOut.push({ name, size, reason: 'link' });
        continue;
      }
      // As many files as the MIME path hands on: a hostile email of thousands is not thousands of downloads.
      if (included.length >= MAX_MIME_ATTACHMENTS) {
        leftOut.push({ name, size, reason: 'count' });
        continue;
      }
      if (total + size > maxBytes) {
        leftOut.push({ name, size, reason: 'size' });
        continue;
      }
      total += size;
      const kind = type.endsWith('itemattachment') ? 'item' : 'file';
      included.push({
        id: String(item.id),
        // An attached email (or event) is stored as its MIME, as Outlook saves it.
        name: storedAttachmentName(name, kind),
        contentType: kind === 'item' ? 'message/rfc822' : (item.contentType ?? 'application/octet-stream'),
        size,
        kind,
      });
    }
    return { included, leftOut };
  }

  /**
   * One download of the message's MIME (`$value`) for all its files: one request where the list
   * and a download per file took two or more. The list and a download per file that fits serve
   * instead where the MIME does not: one that runs past what its kept files could take
   * (MIME_ALLOWANCE: files over the limit, or a very large body), one that cannot be read (malformed,
   * nested too deep, headers past their cap), or a 500 from Graph for it. Cloud links are not in the
   * MIME, as they are not always in the list either (microsoft-graph-docs-contrib#279): the sync
   * names them no more.
   */
  async attachmentFiles(userId: string, messageId: string, maxBytes: number): Promise<AttachmentFiles> {
    try {
      const mime = await this.http.download(
        userId,
        `${this.user(userId)}/messages/${encodeURIComponent(messageId)}/$value`,
      );
      this.downloads++;
      const spooled = await spoolMimeAttachments(mime, {
        maxBytes,
        maxMimeBytes: Math.ceil(maxBytes * BASE64_GROWTH) + MIME_ALLOWANCE,
      });
      return {
        included: spooled.included.map((a) => ({ ...a, open: async () => a.open() })),
        leftOut: spooled.leftOut,
        release: spooled.release,
      };
    } catch (error) {
      const failedHere = AppError.is(error, 'mail.unavailable') && error.context.status === 500;
      if (!(error instanceof MimeUnreadable) && !failedHere) throw error;
    }
    const listed = await this.attachments(userId, messageId, maxBytes);
    return {
      included: listed.included.map(({ id, ...a }) => ({
        ...a,
        open: () => this.openAttachment(userId, messageId, id),
      })),
      leftOut: listed.leftOut,
      release: async () => {},
    };
  }

  get downloadCount(): number {
    return this.downloads;
  }

  openAttachment(userId: string, messageId: string, attachmentId: string): Promise<Readable> {
    this.downloads++;
    return this.http.download(
      userId,
      `${this.user(userId)}/messages/${encodeURIComponent(messageId)}/attachments/${encodeURIComponent(attachmentId)}/$value`,
    );
  }

  async subscribe(request: SubscriptionRequest): Promise<{ id: string; expiresAt: string }> {
    const created = await this.http.request<{ id: string; expirationDateTime: string }>(
      request.userId,
      'POST',
      '/subscriptions',
      {
        body: {
          ...targetSubscription(request.userId, request.folderId),
          notificationUrl: request.notificationUrl,
          lifecycleNotificationUrl: request.lifecycleNotificationUrl,
          expirationDateTime: request.expiresAt.toISOString(),
          clientState: request.clientState,
        },
      },
    );
    return { id: created.id, expiresAt: created.expirationDateTime };
  }

  async renew(subscriptionId: string, userId: string, expiresAt: Date): Promise<{ expiresAt: string }> {
    const renewed = await this.http.request<{ expirationDateTime: string }>(
      userId,
      'PATCH',
      `/subscriptions/${encodeURIComponent(subscriptionId)}`,
      {
        body: { expirationDateTime: expiresAt.toISOString() },
      },
    );
    return { expiresAt: renewed.expirationDateTime };
  }

  /** One cheap call with the app's own permissions: can Graph be reached and are we allowed in? */
  async ping(): Promise<void> {
    await this.http.request('(start-up check)', 'GET', '/users?$top=1&$select=id');
  }

  async unsubscribe(subscriptionId: string, userId: string): Promise<void> {
    try {
      await this.http.request(userId, 'DELETE', `/subscriptions/${encodeURIComponent(subscriptionId)}`);
    } catch (error) {
      // Already gone (expired or removed by Graph): that is what we wanted.
      if (!AppError.is(error, 'mail.not_found')) throw error;
    }
  }
}
