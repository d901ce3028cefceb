import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Attachment, MailFolder, Message, User } from '@microsoft/microsoft-graph-types';
import { htmlToText } from '../crm/html-text.ts';
import type {
  MailboxModel,
  SandboxAttachment,
  SandboxFolder,
  SandboxMessage,
  SandboxUser,
} from './mailbox-model.ts';

/** Shapes of Graph v1.0 responses, field for field as the Graph docs show them. */

export interface GraphResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  raw?: Buffer;
  /** Bytes made as they are sent (a generated attachment of megabytes is never held whole). */
  stream?: () => Readable;
}

const ERROR_CODES: Record<number, { code: string; message: string }> = {
  400: { code: 'BadRequest', message: 'Bad request.' },
  401: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure. Invalid audience.' },
  403: { code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' },
  404: { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' },
  410: { code: 'SyncStateNotFound', message: 'The sync state generation is not found.' },
  429: { code: 'TooManyRequests', message: 'Please retry again later.' },
  500: { code: 'InternalServerError', message: 'An internal server error occurred.' },
  503: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable.' },
  504: { code: 'GatewayTimeout', message: 'The gateway timed out.' },
};

export function graphError(
  status: number,
  code?: string,
  message?: string,
  headers: Record<string, string> = {},
): GraphResponse {
  const known = ERROR_CODES[status] ?? { code: 'UnknownError', message: 'An error occurred.' };
  const requestId = randomUUID();
  return {
    status,
    headers: { 'request-id': requestId, 'client-request-id': requestId, ...headers },
    body: {
      error: {
        code: code ?? known.code,
        message: message ?? known.message,
        innerError: {
          date: new Date().toISOString().slice(0, 19),
          'request-id': requestId,
          'client-request-id': requestId,
          ...(status === 429 ? { code: '429', status: '429' } : {}),
        },
      },
    },
  };
}

export function userJson(user: SandboxUser): User {
  return {
    businessPhones: user.businessPhones ?? [],
    displayName: user.displayName,
    givenName: user.givenName ?? null,
    jobTitle: user.jobTitle ?? null,
    mail: user.mail,
    mobilePhone: user.mobilePhone ?? null,
    officeLocation: user.officeLocation ?? null,
    preferredLanguage: user.preferredLanguage ?? 'en-US',
    surname: user.surname ?? null,
    userPrincipalName: user.userPrincipalName,
    id: user.id,
  };
}

export function folderJson(model: MailboxModel, folder: SandboxFolder): MailFolder {
  const ids = [...model.folderMessageIds(folder.id)];
  const unread = ids.filter((id) => model.message(folder.userId, id)?.graph.isRead === false).length;
  return {
    id: folder.id,
    displayName: folder.displayName,
    parentFolderId: folder.parentFolderId,
    childFolderCount: model.childFolders(folder.id).length,
    unreadItemCount: unread,
    totalItemCount: ids.length,
    isHidden: folder.isHidden,
  };
}

/** Every property a message has in v1.0; `$select` of anything else is a 400, as in Graph. */
export const MESSAGE_PROPERTIES = new Set([
  'id',
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'categories',
  'receivedDateTime',
  'sentDateTime',
  'hasAttachments',
  'internetMessageId',
  'subject',
  'bodyPreview',
  'importance',
  'parentFolderId',
  'conversationId',
  'conversationIndex',
  'isDeliveryReceiptRequested',
  'isReadReceiptRequested',
  'isRead',
  'isDraft',
  'webLink',
  'inferenceClassification',
  'body',
  'uniqueBody',
  'sender',
  'from',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'replyTo',
  'flag',
  'internetMessageHeaders',
]);

export interface MessageView {
  immutableIds: boolean;
  select?: readonly string[];
  /** `Prefer: outlook.body-content-type="text"`. */
  textBody?: boolean;
  /** `$expand=attachments`, with the attachments' own `$select` when it had one. */
  attachments?: { select?: readonly string[] };
}

/**
 * What an attachment has to `$select` (inside `$expand=attachments(...)` or on its list): the base
 * type's properties. A file attachment's own (`contentBytes`, `contentId`) are refused there, as
 * Graph refuses them (microsoft/microsoft-graph-explorer-v4#3916); its bytes come unselected or
 * from `$value`.
 */
export const ATTACHMENT_PROPERTIES = new Set([
  'id',
  'lastModifiedDateTime',
  'name',
  'contentType',
  'size',
  'isInline',
]);

/** Graph's text body (`Prefer: outlook.body-content-type="text"`): block tags break lines. */
function htmlToPlainText(html: string): string {
  return htmlToText(html, { inlineTag: '' })
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function messageId(message: SandboxMessage, immutableIds: boolean): string {
  return immutableIds ? message.immutableId : message.restId;
}

export function messageJson(message: SandboxMessage, view: MessageView): Message & Record<string, unknown> {
  const g = message.graph;
  const body =
    view.textBody && g.body?.contentType === 'html'
      ? { contentType: 'text' as const, content: htmlToPlainText(g.body.content ?? '') }
      : g.body;
  const full: Record<string, unknown> = {
    '@odata.type': '#microsoft.graph.message',
    '@odata.etag': `W/"${message.changeKey}"`,
    id: messageId(message, view.immutableIds),
    createdDateTime: g.createdDateTime,
    lastModifiedDateTime: g.lastModifiedDateTime,
    changeKey: message.changeKey,
    categories: g.categories,
    receivedDateTime: g.receivedDateTime,
    sentDateTime: g.sentDateTime,
    hasAttachments: g.hasAttachments,
    internetMessageId: g.internetMessageId,
    subject: g.subject,
    bodyPreview: g.bodyPreview,
    importance: g.importance,
    parentFolderId: message.folderId,
    conversationId: g.conversationId,
    isDeliveryReceiptRequested: g.isDeliveryReceiptRequested,
    isReadReceiptRequested: g.isReadReceiptRequested,
    isRead: g.isRead,
    isDraft: g.isDraft,
    webLink: g.webLink,
    inferenceClassification: g.inferenceClassification,
    body,
    sender: g.sender,
    from: g.from,
    toRecipients: g.toRecipients,
    ccRecipients: g.ccRecipients,
    bccRecipients: g.bccRecipients,
    replyTo: g.replyTo,
    flag: g.flag,
  };
  // A navigation property: only with $expand, whatever $select says, as Graph serves relationships.
  const expanded = view.attachments
    ? { attachments: message.attachments.map((a) => attachmentJson(a, view.attachments?.select)) }
    : {};
  if (!view.select) return { ...full, ...expanded };
  const picked: Record<string, unknown> = {
    '@odata.type': full['@odata.type'],
    '@odata.etag': full['@odata.etag'],
    id: full.id,
    ...expanded,
  };
  for (const field of view.select) {
    if (field === 'uniqueBody') picked.uniqueBody = body;
    else if (field === 'internetMessageHeaders') {
      picked.internetMessageHeaders = [
        { name: 'Message-ID', value: g.internetMessageId },
        { name: 'Subject', value: g.subject },
      ];
    } else if (field in full) picked[field] = full[field];
  }
  return picked;
}

/** The first bytes a file of this type starts with, so a generated attachment looks like one. */
function magicOf(contentType: string): Buffer {
  if (contentType.includes('wordprocessingml') || contentType.includes('zip'))
    return Buffer.from('504b0304140006000800', 'hex');
  if (contentType === 'image/png') return Buffer.from('89504e470d0a1a0a', 'hex');
  if (contentType === 'image/jpeg') return Buffer.from('ffd8ffe000104a464946', 'hex');
  return Buffer.from('%PDF-1.4\n', 'latin1');
}

function fillerBytes(size: number, contentType = 'application/pdf'): Buffer {
  // A large attachment's bytes are made on request so fixtures stay small.
  const bytes = Buffer.alloc(size, 0x20);
  magicOf(contentType).copy(bytes, 0, 0, Math.min(size, 16));
  return bytes;
}

const FILLER_CHUNK = 64 * 1024;
const filler = Buffer.alloc(FILLER_CHUNK, 0x20);

/** The same bytes as `fillerBytes`, made chunk by chunk as the reader asks for them. */
function fillerStream(size: number, contentType: string): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const length = Math.min(FILLER_CHUNK, size - sent);
      const chunk = Buffer.from(filler.subarray(0, length));
      if (sent === 0) magicOf(contentType).copy(chunk, 0, 0, Math.min(length, 16));
      sent += length;
      this.push(chunk);
    },
  });
}

/**
 * A generated file attachment's `$value` as a stream (undefined when the attachment has stored
 * bytes or is not a plain file: those are small and served whole by `attachmentBytes`).
 */
export function attachmentStream(attachment: SandboxAttachment): (() => Readable) | undefined {
  if ((attachment.kind ?? 'file') !== 'file' || attachment.contentBytes) return undefined;
  return () => fillerStream(attachment.size, attachment.contentType);
}

/** An attachment's `$value`: a file's bytes, an attached email's MIME; a cloud link has none (undefined). */
export function attachmentBytes(attachment: SandboxAttachment): Buffer | undefined {
  if (attachment.kind === 'reference') return undefined;
  if (attachment.kind === 'item') {
    const item = attachment.item ?? { subject: attachment.name, from: 'someone@example.com', body: '' };
    return Buffer.from(
      `From: ${item.from}\r\nSubject: ${item.subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${item.body}\r\n`,
    );
  }
  return attachment.contentBytes
    ? Buffer.from(attachment.contentBytes, 'base64')
    : fillerBytes(attachment.size, attachment.contentType);
}

/** Base64 in lines of 76 characters (57 bytes), as MIME writes it. */
async function* base64Lines(chunks: AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<Buffer> {
  let rest = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const bytes = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    const whole = bytes.length - (bytes.length % 57);
    if (whole > 0) {
      const lines: string[] = [];
      for (let at = 0; at < whole; at += 57) lines.push(bytes.subarray(at, at + 57).toString('base64'));
      yield Buffer.from(`${lines.join('\r\n')}\r\n`);
    }
    rest = Buffer.from(bytes.subarray(whole));
  }
  if (rest.length > 0) yield Buffer.from(`${rest.toString('base64')}\r\n`);
}

/**
 * A header parameter's value as Exchange writes a file name: quoted when it is plain printable
 * ASCII, otherwise an RFC 2047 encoded word (`=?utf-8?B?...?=`), so no name can break a header.
 */
function mimeParameter(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value) && !/["\\]/.test(value)) return `"${value}"`;
  return `"=?utf-8?B?${Buffer.from(value).toString('base64')}?="`;
}

/** A value as one header line: line breaks would start headers of their own. */
function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}

function mimeAddress(recipient: {
  emailAddress?: { name?: string | null; address?: string | null } | null;
}): string {
  const address = oneLine(recipient.emailAddress?.address ?? '');
  const name = recipient.emailAddress?.name;
  return name ? `${mimeParameter(name)} <${address}>` : `<${address}>`;
}

/**
 * A message's MIME (`GET /messages/{id}/$value`), made as it is read, in the shape of Graph's
 * example (message-get, "Get MIME content"): the message's headers, multipart/mixed with the body
 * first, then each file attachment in base64 (`Content-Disposition: attachment` or, for a picture
 * in the body, `inline`, with its size) and each attached Outlook item as message/rfc822. A cloud
 * link has no bytes and no part.
 */
export function messageMime(message: SandboxMessage): () => Readable {
  return () => Readable.from(mimeParts(message));
}

async function* mimeParts(message: SandboxMessage): AsyncGenerator<Buffer> {
  const g = message.graph;
  const boundary = `_004_${message.seq.toString(16)}_`;
  const date = new Date(g.receivedDateTime ?? Date.now()).toUTCString().replace('GMT', '+0000');
  const recipients = (list: typeof g.toRecipients) => (list ?? []).map(mimeAddress).join(', ');
  const head = [
    ...(g.from ? [`From: ${mimeAddress(g.from)}`] : []),
    ...(g.toRecipients?.length ? [`To: ${recipients(g.toRecipients)}`] : []),
    ...(g.ccRecipients?.length ? [`CC: ${recipients(g.ccRecipients)}`] : []),
    `Subject: =?utf-8?B?${Buffer.from(g.subject ?? '').toString('base64')}?=`,
    `Date: ${date}`,
    `Message-ID: ${oneLine(g.internetMessageId ?? `<${message.immutableId}@sandbox>`)}`,
    `X-MS-Has-Attach: ${message.attachments.some((a) => !a.isInline) ? 'yes' : ''}`,
    `Content-Type: multipart/mixed;\r\n\tboundary="${boundary}"`,
    'MIME-Version: 1.0',
  ];
  yield Buffer.from(`${head.join('\r\n')}\r\n\r\n`);
  const html = g.body?.contentType === 'html';
  yield Buffer.from(
    `--${boundary}\r\nContent-Type: text/${html ? 'html' : 'plain'}; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n`,
  );
  yield* base64Lines([Buffer.from(g.body?.content ?? '')]);
  for (const attachment of message.attachments) {
    const kind = attachment.kind ?? 'file';
    if (kind === 'reference') continue;
    const name = mimeParameter(attachment.name);
    if (kind === 'item') {
      yield Buffer.from(
        `\r\n--${boundary}\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=${name}\r\n\r\n`,
      );
      yield attachmentBytes(attachment)!;
      continue;
    }
    const inline = attachment.isInline ? 'inline' : 'attachment';
    yield Buffer.from(
      `\r\n--${boundary}\r\nContent-Type: ${oneLine(attachment.contentType)}; name=${name}\r\nContent-Description: ${name}\r\n` +
        `Content-Disposition: ${inline}; filename=${name}; size=${attachment.size}\r\n` +
        `${attachment.isInline ? `Content-ID: <${attachment.id}@sandbox>\r\n` : ''}Content-Transfer-Encoding: base64\r\n\r\n`,
    );
    const stream = attachmentStream(attachment);
    yield* base64Lines(stream ? stream() : [attachmentBytes(attachment)!]);
  }
  yield Buffer.from(`\r\n--${boundary}--\r\n`);
}

const ODATA_TYPES = {
  file: '#microsoft.graph.fileAttachment',
  item: '#microsoft.graph.itemAttachment',
  reference: '#microsoft.graph.referenceAttachment',
} as const;

export function attachmentJson(
  attachment: SandboxAttachment,
  select?: readonly string[],
): Attachment & Record<string, unknown> {
  const kind = attachment.kind ?? 'file';
  const full: Record<string, unknown> = {
    '@odata.type': ODATA_TYPES[kind],
    ...(kind === 'file' ? { '@odata.mediaContentType': attachment.contentType } : {}),
    id: attachment.id,
    lastModifiedDateTime: attachment.lastModifiedDateTime,
    name: attachment.name,
    contentType: attachment.contentType,
    size: attachment.size,
    isInline: attachment.isInline,
    ...(kind === 'file' ? { contentId: null, contentLocation: null } : {}),
  };
  // Only a file attachment has contentBytes; an item is expanded with $expand, a reference has none.
  const wantsBytes = kind === 'file' && (!select || select.includes('contentBytes'));
  if (wantsBytes) full.contentBytes = attachmentBytes(attachment)!.toString('base64');
  if (!select) return full;
  const picked: Record<string, unknown> = { '@odata.type': full['@odata.type'], id: attachment.id };
  for (const field of select) if (field in full) picked[field] = full[field];
  return picked;
}

const LIST_DEFAULT_TOP = 10;
const LIST_MAX_TOP = 1000;

/** `$top` / `$skip` paging with `@odata.nextLink`, as Graph's list APIs do. */
export function pageList(
  request: { baseUrl: string; path: string; query: URLSearchParams },
  items: unknown[],
  context: string,
): GraphResponse {
  const top = Math.min(
    Number(request.query.get('$top') ?? LIST_DEFAULT_TOP) || LIST_DEFAULT_TOP,
    LIST_MAX_TOP,
  );
  const skip = Number(request.query.get('$skip') ?? 0) || 0;
  const body: Record<string, unknown> = {
    '@odata.context': `${request.baseUrl}/$metadata#${context}`,
    value: items.slice(skip, skip + top),
  };
  if (skip + top < items.length) {
    const next = new URL(`${request.baseUrl}${request.path}`);
    for (const [k, v] of request.query) next.searchParams.set(k, v);
    next.searchParams.set('$top', String(top));
    next.searchParams.set('$skip', String(skip + top));
    body['@odata.nextLink'] = next.toString();
  }
  return { status: 200, headers: {}, body };
}
