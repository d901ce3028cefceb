import type { Readable } from 'node:stream';
/**
 * The mail source port: what the sync needs from a mailbox. One adapter, Graph, serves both the
 * real Microsoft Graph and the Microsoft 365 sandbox; they differ only by base URL and credentials.
 */

export interface EmailAddress {
  name: string;
  address: string;
}

export interface MailboxInfo {
  id: string;
  displayName: string;
  /** Every address that is the user's own: primary, UPN and aliases. Never matched to CRM records. */
  addresses: string[];
}

/** The well-known folders the sync cares about, by their Graph names. */
export const WELL_KNOWN_FOLDER_NAMES = [
  'inbox',
  'sentitems',
  'deleteditems',
  'junkemail',
  'outbox',
  'drafts',
  'archive',
] as const;
export type WellKnownFolderName = (typeof WELL_KNOWN_FOLDER_NAMES)[number];

export interface MailFolderInfo {
  id: string;
  displayName: string;
  parentFolderId: string;
  /** Path from the top, e.g. "Inbox/Clients/Contoso". */
  path: string;
  wellKnownName?: WellKnownFolderName;
  totalItemCount: number;
  childFolderCount: number;
}

export interface MailMessage {
  /** Immutable id: stays the same when the message moves between folders. */
  id: string;
  internetMessageId?: string;
  conversationId?: string;
  folderId: string;
  subject: string;
  from?: EmailAddress;
  to: EmailAddress[];
  cc: EmailAddress[];
  bcc: EmailAddress[];
  receivedAt: string;
  sentAt?: string;
  isDraft: boolean;
  hasAttachments: boolean;
  body?: { contentType: 'text' | 'html'; content: string };
  webLink?: string;
}

/**
 * An attachment whose bytes can be stored: a file, or an attached Outlook item (an email or event,
 * stored as its MIME). Cloud links (reference attachments) carry no bytes and are only named.
 */
export interface MailAttachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
  kind: 'file' | 'item';
}

export interface AttachmentFiles {
  included: Array<Omit<MailAttachment, 'id'> & { open(): Promise<Readable> }>;
  leftOut: LeftOutAttachment[];
  /** Frees what holds the files' bytes meanwhile (a spool on disk); safe to call more than once. */
  release(): Promise<void>;
}

export interface LeftOutAttachment {
  name: string;
  size: number;
  /** Over the user's size limit, a link to a cloud file (nothing to store), or past the most a message may hand on. */
  reason: 'size' | 'link' | 'count';
}

export interface DeltaPage {
  messages: MailMessage[];
  /** Immutable ids of messages that left the folder (moved or deleted). */
  removed: string[];
  /** Present while the round has more pages. */
  nextLink?: string;
  /** Present on the last page: where the next round starts. */
  deltaLink?: string;
}

/** How much of a message to fetch: the seeds' three attempts. */
export type MessageDetail = 'full' | 'headers_body' | 'headers';

export interface MailSource {
  mailbox(userId: string): Promise<MailboxInfo>;
  folders(userId: string): Promise<MailFolderInfo[]>;
  /**
   * One page of a folder's delta round; no link starts a new round. `signal` abandons the read (a
   * page read ahead for a folder that has stopped): no retry is made after it.
   */
  deltaPage(userId: string, folderId: string, link?: string, signal?: AbortSignal): Promise<DeltaPage>;
  message(userId: string, messageId: string, detail: MessageDetail): Promise<MailMessage>;
  /** A message's attachments that fit in `maxBytes` in all; the rest are named in `leftOut`. No bytes yet. */
  attachments(
    userId: string,
    messageId: string,
    maxBytes: number,
  ): Promise<{ included: MailAttachment[]; leftOut: LeftOutAttachment[] }>;
  /** One attachment's bytes as a stream (Graph's `$value`), to be read to its end or destroyed. */
  openAttachment(userId: string, messageId: string, attachmentId: string): Promise<Readable>;
  /**
   * A message's attachments for the sync, at the fewest requests: those that fit in `maxBytes`
   * in all, each ready to open (and open again); the rest named. `release()` once they are stored.
   */
  attachmentFiles(userId: string, messageId: string, maxBytes: number): Promise<AttachmentFiles>;
  /** Graph requests made so far, for benchmarks. */
  readonly requestCount: number;
  /** Of those, downloads of bytes (`$value`: a message's MIME or one attachment), for benchmarks. */
  readonly downloadCount: number;
}

export interface SubscriptionRequest {
  userId: string;
  /** A mail folder's id, or an item collection's target (see subscription-targets.ts). */
  folderId: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string;
  clientState: string;
  expiresAt: Date;
}

/** Change notifications for new and changed mail in a folder, or for contacts, events or a task list. */
export interface MailSubscriptions {
  subscribe(request: SubscriptionRequest): Promise<{ id: string; expiresAt: string }>;
  renew(subscriptionId: string, userId: string, expiresAt: Date): Promise<{ expiresAt: string }>;
  unsubscribe(subscriptionId: string, userId: string): Promise<void>;
}
