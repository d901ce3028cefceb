import { createHash, randomUUID } from 'node:crypto';
import type { Message, Recipient } from '@microsoft/microsoft-graph-types';
import { htmlToText } from '../crm/html-text.ts';

/**
 * The sandbox's mailboxes: users, folders and messages, with the change log that delta queries
 * and change notifications are computed from. Every change to a message takes the mailbox's next
 * sequence number; a message leaving a folder leaves a tombstone there with that number, so a
 * delta round can report it as `@removed`, as Graph does.
 */

/** Folder names Graph resolves in URLs (`/mailFolders/inbox`); the subset a recruiter's mailbox has. */
export const WELL_KNOWN_FOLDERS = [
  'inbox',
  'sentitems',
  'deleteditems',
  'junkemail',
  'outbox',
  'drafts',
  'archive',
  'msgfolderroot',
] as const;
export type WellKnownFolder = (typeof WELL_KNOWN_FOLDERS)[number];

export interface SandboxUser {
  id: string;
  displayName: string;
  mail: string;
  userPrincipalName: string;
  givenName?: string;
  surname?: string;
  jobTitle?: string;
  officeLocation?: string;
  mobilePhone?: string;
  businessPhones?: string[];
  preferredLanguage?: string;
}

export interface SandboxFolder {
  id: string;
  userId: string;
  displayName: string;
  parentFolderId: string;
  wellKnownName?: WellKnownFolder;
  isHidden: boolean;
  /** Bumped to invalidate every delta token issued for this folder (Graph's sync reset). */
  generation: number;
}

export interface SandboxAttachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  lastModifiedDateTime: string;
  /** Base64; absent for generated large attachments, whose bytes are made on request. */
  contentBytes?: string;
  /**
   * Graph's three kinds: a file (the default), an attached Outlook item (an email, served as its
   * MIME by `$value`), or a reference to a cloud file (a link; no bytes at all).
   */
  kind?: 'file' | 'item' | 'reference';
  /** The attached email of an item attachment. */
  item?: { subject: string; from: string; body: string };
  /** The cloud file a reference attachment points to. */
  sourceUrl?: string;
}

/** A message as the sandbox keeps it: Graph's fields plus bookkeeping. */
export interface SandboxMessage {
  immutableId: string;
  /** The id Graph hands out without `IdType="ImmutableId"`; it changes when the message moves. */
  restId: string;
  userId: string;
  folderId: string;
  seq: number;
  changeKey: string;
  graph: Omit<Message, 'id' | 'parentFolderId' | 'changeKey' | 'attachments'>;
  attachments: SandboxAttachment[];
}

export interface Tombstone {
  immutableId: string;
  restId: string;
  seq: number;
}

export type MailboxChange = {
  userId: string;
  folderId: string;
  message: SandboxMessage;
  changeType: 'created' | 'updated' | 'deleted';
};

export interface NewMessage {
  subject: string;
  from: Recipient;
  toRecipients?: Recipient[];
  ccRecipients?: Recipient[];
  bccRecipients?: Recipient[];
  replyTo?: Recipient[];
  body?: { contentType: 'text' | 'html'; content: string };
  /**
   * A body made when it is read instead of kept (generated benchmark mailboxes: 50,000 bodies of
   * tens of KB would be gigabytes held for nothing). Must return the same body every time.
   */
  bodySource?: () => { contentType: 'text' | 'html'; content: string };
  /** Graph's bodyPreview when the body is made on read (computing it would make every body once). */
  bodyPreview?: string;
  receivedDateTime?: string;
  sentDateTime?: string;
  internetMessageId?: string;
  conversationId?: string;
  isRead?: boolean;
  isDraft?: boolean;
  importance?: 'low' | 'normal' | 'high';
  categories?: string[];
  attachments?: Array<Omit<SandboxAttachment, 'id' | 'lastModifiedDateTime' | 'size'> & { size?: number }>;
}

function opaqueId(prefix: string, ...parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest('base64url');
  return `${prefix}${digest.slice(0, 38)}AAA=`;
}

/** The immutable id of the message added with `key` (seeds link to messages by key). */
export function messageIdOf(userId: string, key: string): string {
  return opaqueId('AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A', userId, 'message', key);
}

function changeKey(seq: number, id: string): string {
  return createHash('sha1').update(`${id}:${seq}`).digest('base64').slice(0, 24);
}

function preview(body: NewMessage['body']): string {
  if (!body) return '';
  const text = body.contentType === 'html' ? htmlToText(body.content) : body.content;
  return text.replace(/\s+/g, ' ').trim().slice(0, 255);
}

export class MailboxModel {
  readonly users = new Map<string, SandboxUser>();
  readonly folders = new Map<string, SandboxFolder>();
  private readonly messagesById = new Map<string, SandboxMessage>();
  private readonly restIds = new Map<string, string>();
  private readonly folderMessages = new Map<string, Set<string>>();
  private readonly tombstones = new Map<string, Tombstone[]>();
  private readonly seqByUser = new Map<string, number>();
  private readonly listeners = new Set<(change: MailboxChange) => void>();

  onChange(listener: (change: MailboxChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  addUser(user: SandboxUser): SandboxUser {
    this.users.set(user.id, user);
    this.seqByUser.set(user.id, 0);
    const root = this.addFolder(user.id, {
      displayName: 'Top of Information Store',
      wellKnownName: 'msgfolderroot',
    });
    root.parentFolderId = opaqueId('AQMkAD', user.id, 'root-parent');
    return user;
  }

  listUsers(): SandboxUser[] {
    return [...this.users.values()];
  }

  findUser(idOrUpn: string): SandboxUser | undefined {
    const direct = this.users.get(idOrUpn);
    if (direct) return direct;
    const lower = idOrUpn.toLowerCase();
    for (const user of this.users.values()) {
      if (user.userPrincipalName.toLowerCase() === lower || user.mail.toLowerCase() === lower) return user;
    }
    return undefined;
  }

  addFolder(
    userId: string,
    spec: {
      displayName: string;
      wellKnownName?: WellKnownFolder;
      parentFolderId?: string;
      isHidden?: boolean;
    },
  ): SandboxFolder {
    const root = spec.wellKnownName === 'msgfolderroot' ? undefined : this.wellKnown(userId, 'msgfolderroot');
    const folder: SandboxFolder = {
      id: opaqueId(
        'AQMkAD',
        userId,
        'folder',
        spec.wellKnownName ?? '',
        spec.displayName,
        spec.parentFolderId ?? '',
      ),
      userId,
      displayName: spec.displayName,
      parentFolderId: spec.parentFolderId ?? root?.id ?? '',
      isHidden: spec.isHidden ?? false,
      generation: 1,
      ...(spec.wellKnownName ? { wellKnownName: spec.wellKnownName } : {}),
    };
    this.folders.set(folder.id, folder);
    this.folderMessages.set(folder.id, new Set());
    this.tombstones.set(folder.id, []);
    return folder;
  }

  wellKnown(userId: string, name: WellKnownFolder): SandboxFolder | undefined {
    for (const folder of this.folders.values()) {
      if (folder.userId === userId && folder.wellKnownName === name) return folder;
    }
    return undefined;
  }

  /** A folder by id or well-known name (case-insensitive), as Graph resolves it in a URL. */
  resolveFolder(userId: string, idOrName: string): SandboxFolder | undefined {
    const byId = this.folders.get(idOrName);
    if (byId?.userId === userId) return byId;
    const name = idOrName.toLowerCase();
    return (WELL_KNOWN_FOLDERS as readonly string[]).includes(name)
      ? this.wellKnown(userId, name as WellKnownFolder)
      : undefined;
  }

  childFolders(folderId: string): SandboxFolder[] {
    return [...this.folders.values()].filter((f) => f.parentFolderId === folderId);
  }

  folderMessageIds(folderId: string): ReadonlySet<string> {
    return this.folderMessages.get(folderId) ?? new Set();
  }

  folderTombstones(folderId: string): readonly Tombstone[] {
    return this.tombstones.get(folderId) ?? [];
  }

  currentSeq(userId: string): number {
    return this.seqByUser.get(userId) ?? 0;
  }

  /** By immutable id or by the id Graph gives without `IdType="ImmutableId"`. */
  message(userId: string, id: string): SandboxMessage | undefined {
    const immutableId = this.messagesById.has(id) ? id : this.restIds.get(id);
    const message = immutableId ? this.messagesById.get(immutableId) : undefined;
    return message?.userId === userId ? message : undefined;
  }

  messageCount(): number {
    return this.messagesById.size;
  }

  addMessage(userId: string, folderId: string, spec: NewMessage, key: string = randomUUID()): SandboxMessage {
    const user = this.users.get(userId);
    const folder = this.folders.get(folderId);
    if (!user || folder?.userId !== userId) throw new Error(`no folder ${folderId} for user ${userId}`);
    const immutableId = messageIdOf(userId, key);
    if (this.messagesById.has(immutableId)) throw new Error(`message ${key} already exists`);
    const now = new Date().toISOString();
    const received = spec.receivedDateTime ?? now;
    const attachments = (spec.attachments ?? []).map((a, index) => ({
      ...a,
      id: opaqueId('AAMkAGAtt', immutableId, String(index)),
      size: a.size ?? (a.contentBytes ? Buffer.from(a.contentBytes, 'base64').length : 0),
      lastModifiedDateTime: received,
    }));
    const message: SandboxMessage = {
      immutableId,
      restId: '',
      userId,
      folderId,
      seq: 0,
      changeKey: '',
      attachments,
      graph: {
        createdDateTime: received,
        lastModifiedDateTime: received,
        receivedDateTime: received,
        sentDateTime: spec.sentDateTime ?? received,
        hasAttachments: attachments.some((a) => !a.isInline),
        internetMessageId: spec.internetMessageId ?? `<${randomUUID()}@sandbox.local>`,
        subject: spec.subject,
        bodyPreview: spec.bodyPreview ?? preview(spec.body),
        importance: spec.importance ?? 'normal',
        conversationId: spec.conversationId ?? opaqueId('AAQkAD', userId, 'conversation', spec.subject),
        isDeliveryReceiptRequested: false,
        isReadReceiptRequested: false,
        isRead: spec.isRead ?? false,
        isDraft: spec.isDraft ?? false,
        webLink: `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(immutableId)}&exvsurl=1&viewmodel=ReadMessageItem`,
        inferenceClassification: 'focused',
        body: spec.body ?? { contentType: 'text', content: '' },
        sender: spec.from,
        from: spec.from,
        toRecipients: spec.toRecipients ?? [],
        ccRecipients: spec.ccRecipients ?? [],
        bccRecipients: spec.bccRecipients ?? [],
        replyTo: spec.replyTo ?? [],
        categories: spec.categories ?? [],
        flag: { flagStatus: 'notFlagged' },
      },
    };
    if (spec.bodySource) {
      const source = spec.bodySource;
      Object.defineProperty(message.graph, 'body', { get: source, enumerable: true, configurable: true });
    }
    this.messagesById.set(immutableId, message);
    this.place(message, folderId);
    this.touch(message, 'created');
    return message;
  }

  /** Outlook's move: the immutable id stays, the REST id changes, the old folder gets a tombstone. */
  moveMessage(userId: string, id: string, destinationFolderId: string): SandboxMessage {
    const message = this.mustFind(userId, id);
    const destination = this.folders.get(destinationFolderId);
    if (destination?.userId !== userId)
      throw new Error(`no folder ${destinationFolderId} for user ${userId}`);
    if (message.folderId === destination.id) return message;
    const from = message.folderId;
    this.folderMessages.get(from)?.delete(message.immutableId);
    const previousRestId = message.restId;
    this.place(message, destination.id);
    const seq = this.nextSeq(userId);
    this.tombstones.get(from)?.push({ immutableId: message.immutableId, restId: previousRestId, seq });
    this.emit({ userId, folderId: from, message, changeType: 'deleted' });
    this.touch(message, 'created');
    return message;
  }

  updateMessage(
    userId: string,
    id: string,
    patch: Partial<Pick<Message, 'isRead' | 'subject' | 'categories' | 'importance'>>,
  ) {
    const message = this.mustFind(userId, id);
    Object.assign(message.graph, patch);
    message.graph.lastModifiedDateTime = new Date().toISOString();
    this.touch(message, 'updated');
    return message;
  }

  /** Permanent deletion (what Graph's DELETE does is a move to Deleted Items; see moveMessage). */
  deleteMessage(userId: string, id: string): void {
    const message = this.mustFind(userId, id);
    this.folderMessages.get(message.folderId)?.delete(message.immutableId);
    this.messagesById.delete(message.immutableId);
    this.restIds.delete(message.restId);
    const seq = this.nextSeq(userId);
    this.tombstones
      .get(message.folderId)
      ?.push({ immutableId: message.immutableId, restId: message.restId, seq });
    this.emit({ userId, folderId: message.folderId, message, changeType: 'deleted' });
  }

  /** Graph's sync reset: every delta token for the folder stops working (410 Gone). */
  resetDeltaTokens(folderId: string): void {
    const folder = this.folders.get(folderId);
    if (folder) folder.generation++;
  }

  private mustFind(userId: string, id: string): SandboxMessage {
    const message = this.message(userId, id);
    if (!message) throw new Error(`no message ${id} for user ${userId}`);
    return message;
  }

  private place(message: SandboxMessage, folderId: string): void {
    if (message.restId) this.restIds.delete(message.restId);
    message.folderId = folderId;
    message.restId = opaqueId('AAMkAD', message.immutableId, folderId);
    this.restIds.set(message.restId, message.immutableId);
    this.folderMessages.get(folderId)?.add(message.immutableId);
  }

  private touch(message: SandboxMessage, changeType: MailboxChange['changeType']): void {
    message.seq = this.nextSeq(message.userId);
    message.changeKey = changeKey(message.seq, message.immutableId);
    this.emit({ userId: message.userId, folderId: message.folderId, message, changeType });
  }

  private nextSeq(userId: string): number {
    const seq = (this.seqByUser.get(userId) ?? 0) + 1;
    this.seqByUser.set(userId, seq);
    return seq;
  }

  private emit(change: MailboxChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
