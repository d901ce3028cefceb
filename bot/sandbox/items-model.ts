import { createHash, randomUUID } from 'node:crypto';

/**
 * The sandbox's Outlook items besides mail, per user: contact folders and contacts, To Do lists and
 * tasks, and the default calendar's events. Like the mailbox model, every change takes the user's
 * next sequence number, and an item leaving a collection (moved or deleted) leaves a tombstone there
 * with that number, so a delta round reports it as `@removed`.
 *
 * Moves keep the immutable id. For contacts that is Graph's documented rule for immutable ids (an
 * item keeps it while it stays in its mailbox; the REST id changes with the folder). Graph v1.0 has
 * no move action for contacts or To Do tasks; Outlook and To Do move them in their own clients, and
 * the sandbox assumes those moves keep the id too (undocumented), while leaving a tombstone in the
 * old collection as a move of mail does.
 */

export type ItemKind = 'contact' | 'task' | 'event';
export type CollectionKind = 'contactFolder' | 'taskList' | 'calendar';
const COLLECTION_OF: Record<ItemKind, CollectionKind> = {
  contact: 'contactFolder',
  task: 'taskList',
  event: 'calendar',
};

export interface SandboxCollection {
  id: string;
  userId: string;
  kind: CollectionKind;
  displayName: string;
  /** Contact folders: the parent folder (the default folder's is the mailbox root). */
  parentFolderId?: string;
  /** `contacts` for the default contact folder; `defaultList` / `flaggedEmails` for To Do; `calendar`. */
  wellKnownName?: string;
  /** Bumped to invalidate every delta token issued for this collection (Graph's sync reset). */
  generation: number;
}

export interface DateTimeTimeZone {
  dateTime: string;
  timeZone: string;
}
export interface EmailAddressJson {
  name?: string;
  address: string;
}
export interface PhysicalAddress {
  street?: string;
  city?: string;
  state?: string;
  postalCode?: string;
  countryOrRegion?: string;
}

export interface ContactFields {
  displayName: string;
  givenName?: string | null;
  surname?: string | null;
  emailAddresses?: EmailAddressJson[];
  companyName?: string | null;
  jobTitle?: string | null;
  department?: string | null;
  businessPhones?: string[];
  mobilePhone?: string | null;
  homePhones?: string[];
  businessAddress?: PhysicalAddress;
  businessHomePage?: string | null;
  categories?: string[];
  personalNotes?: string;
}

export interface LinkedResourceFields {
  webUrl?: string;
  applicationName?: string;
  displayName?: string;
  externalId?: string;
}

export interface TaskFields {
  title: string;
  status?: 'notStarted' | 'inProgress' | 'completed' | 'waitingOnOthers' | 'deferred';
  importance?: 'low' | 'normal' | 'high';
  dueDateTime?: DateTimeTimeZone | null;
  startDateTime?: DateTimeTimeZone | null;
  completedDateTime?: DateTimeTimeZone | null;
  reminderDateTime?: DateTimeTimeZone | null;
  isReminderOn?: boolean;
  categories?: string[];
  body?: { contentType: 'text' | 'html'; content: string };
  linkedResources?: LinkedResourceFields[];
}

export interface Attendee {
  type: 'required' | 'optional' | 'resource';
  status?: { response: string; time: string };
  emailAddress: EmailAddressJson;
}

/** Graph's patternedRecurrence, the subset the sandbox expands: daily and weekly patterns. */
export interface Recurrence {
  pattern: {
    type: 'daily' | 'weekly';
    interval: number;
    daysOfWeek?: string[];
    firstDayOfWeek?: string;
  };
  range: {
    type: 'endDate' | 'noEnd' | 'numbered';
    startDate: string;
    endDate?: string;
    numberOfOccurrences?: number;
    recurrenceTimeZone?: string;
  };
}

export interface EventFields {
  subject: string;
  body?: { contentType: 'text' | 'html'; content: string };
  /** UTC instants (ISO with Z); served in the zone the request prefers. */
  start: string;
  end: string;
  /** The zone the organizer made the event in (Windows name), as Graph reports it. */
  originalStartTimeZone?: string;
  isAllDay?: boolean;
  isCancelled?: boolean;
  sensitivity?: 'normal' | 'personal' | 'private' | 'confidential';
  showAs?: 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown';
  importance?: 'low' | 'normal' | 'high';
  location?: string;
  isOnlineMeeting?: boolean;
  onlineMeetingUrl?: string;
  organizer?: EmailAddressJson;
  attendees?: Attendee[];
  categories?: string[];
  isReminderOn?: boolean;
  reminderMinutesBeforeStart?: number;
  /** A series master's pattern; the calendar view expands it into occurrences. */
  recurrence?: Recurrence | null;
}

interface FieldsOf {
  contact: ContactFields;
  task: TaskFields;
  event: EventFields;
}

export interface SandboxItem<K extends ItemKind = ItemKind> {
  kind: K;
  immutableId: string;
  /** The id Graph gives without `IdType="ImmutableId"`; a contact's changes with its folder. */
  restId: string;
  userId: string;
  collectionId: string;
  seq: number;
  changeKey: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  /** Base of iCalUId for events (an occurrence's is derived from it). */
  uid: string;
  fields: FieldsOf[K];
}

export interface ItemTombstone {
  immutableId: string;
  restId: string;
  seq: number;
}

export interface ItemChange {
  kind: ItemKind;
  userId: string;
  collectionId: string;
  item: SandboxItem;
  changeType: 'created' | 'updated' | 'deleted';
}

export function opaqueId(prefix: string, ...parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest('base64url');
  return `${prefix}${digest.slice(0, 38)}AAA=`;
}

function changeKeyOf(seq: number, id: string): string {
  return createHash('sha1').update(`${id}:${seq}`).digest('base64').slice(0, 24);
}

/** Graph's prefixes: Outlook items start AAMkAD (REST) or AAkALg (immutable); To Do ids are Outlook ids too. */
const ID_PREFIX: Record<ItemKind, string> = {
  contact: 'AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AContact',
  task: 'AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0ATask',
  event: 'AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AEvent',
};

/** The immutable id of the item added with `key` (deterministic, so seeds and tests can name items). */
export function itemIdOf(userId: string, kind: ItemKind, key: string): string {
  return opaqueId(ID_PREFIX[kind], userId, kind, key);
}

export class ItemsModel {
  readonly collections = new Map<string, SandboxCollection>();
  private readonly items = new Map<string, SandboxItem>();
  /**
   * Contacts and events deleted in Outlook: Outlook moves them to Deleted Items, where a GET by id
   * (`/contacts/{id}`, `/events/{id}`) still finds them, while their folder or calendar does not.
   */
  private readonly recycled = new Map<string, SandboxItem>();
  private readonly recycledRestIds = new Map<string, string>();
  /** The user's Deleted Items mail folder, where a deleted contact or event goes (the mailbox model's). */
  deletedItemsOf?: (userId: string) => string | undefined;
  private readonly restIds = new Map<string, string>();
  private readonly members = new Map<string, Set<string>>();
  private readonly tombstones = new Map<string, ItemTombstone[]>();
  private readonly seqByUser = new Map<string, number>();
  private readonly listeners = new Set<(change: ItemChange) => void>();
  private readonly clock: () => number;

  constructor(now: () => number = Date.now) {
    this.clock = now;
  }

  onChange(listener: (change: ItemChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The default contact folder, the default and flagged-email To Do lists, and the calendar. */
  addUser(userId: string): void {
    if (this.wellKnown(userId, 'contactFolder', 'contacts')) return;
    this.addCollection(userId, 'contactFolder', 'Contacts', {
      wellKnownName: 'contacts',
      parentFolderId: opaqueId('AQMkAD', userId, 'root'),
    });
    this.addCollection(userId, 'taskList', 'Tasks', { wellKnownName: 'defaultList' });
    this.addCollection(userId, 'taskList', 'Flagged email', { wellKnownName: 'flaggedEmails' });
    this.addCollection(userId, 'calendar', 'Calendar', { wellKnownName: 'calendar' });
  }

  addCollection(
    userId: string,
    kind: CollectionKind,
    displayName: string,
    options: { wellKnownName?: string; parentFolderId?: string } = {},
  ): SandboxCollection {
    const parentFolderId =
      kind === 'contactFolder'
        ? (options.parentFolderId ?? this.wellKnown(userId, 'contactFolder', 'contacts')?.id)
        : undefined;
    const id = opaqueId(
      kind === 'taskList' ? 'AAMkADTodoList' : 'AQMkAD',
      userId,
      kind,
      displayName,
      parentFolderId ?? '',
    );
    if (this.collections.has(id)) throw new Error(`${kind} ${displayName} already exists`);
    const collection: SandboxCollection = {
      id,
      userId,
      kind,
      displayName,
      generation: 1,
      ...(parentFolderId ? { parentFolderId } : {}),
      ...(options.wellKnownName ? { wellKnownName: options.wellKnownName } : {}),
    };
    this.collections.set(id, collection);
    this.members.set(id, new Set());
    this.tombstones.set(id, []);
    return collection;
  }

  wellKnown(userId: string, kind: CollectionKind, name: string): SandboxCollection | undefined {
    for (const c of this.collections.values()) {
      if (c.userId === userId && c.kind === kind && c.wellKnownName?.toLowerCase() === name.toLowerCase())
        return c;
    }
    return undefined;
  }

  /** A collection by id, or a contact folder by the well-known name `contacts`, as Graph resolves it. */
  resolve(userId: string, kind: CollectionKind, idOrName: string): SandboxCollection | undefined {
    const byId = this.collections.get(idOrName);
    if (byId && byId.userId === userId && byId.kind === kind) return byId;
    if (kind === 'contactFolder' && idOrName.toLowerCase() === 'contacts')
      return this.wellKnown(userId, kind, 'contacts');
    return undefined;
  }

  /** For admin routes and seeds: by id, well-known name or display name. */
  find(userId: string, kind: CollectionKind, ref: string): SandboxCollection | undefined {
    const lower = ref.toLowerCase();
    return (
      this.resolve(userId, kind, ref) ??
      this.wellKnown(userId, kind, ref) ??
      [...this.collections.values()].find(
        (c) => c.userId === userId && c.kind === kind && c.displayName.toLowerCase() === lower,
      )
    );
  }

  collectionsOf(userId: string, kind: CollectionKind): SandboxCollection[] {
    return [...this.collections.values()].filter((c) => c.userId === userId && c.kind === kind);
  }

  childFolders(folderId: string): SandboxCollection[] {
    return [...this.collections.values()].filter(
      (c) => c.kind === 'contactFolder' && c.parentFolderId === folderId,
    );
  }

  memberIds(collectionId: string): ReadonlySet<string> {
    return this.members.get(collectionId) ?? new Set();
  }

  tombstonesOf(collectionId: string): readonly ItemTombstone[] {
    return this.tombstones.get(collectionId) ?? [];
  }

  currentSeq(userId: string): number {
    return this.seqByUser.get(userId) ?? 0;
  }

  /** By immutable id or REST id, only the user's own, only of the kind asked for. */
  item<K extends ItemKind>(userId: string, kind: K, id: string): SandboxItem<K> | undefined {
    const immutableId = this.items.has(id) ? id : this.restIds.get(id);
    const item = immutableId ? this.items.get(immutableId) : undefined;
    return item?.userId === userId && item.kind === kind ? (item as SandboxItem<K>) : undefined;
  }

  /** A contact or event in Deleted Items (see `recycled`), by immutable or REST id. */
  recycledItem<K extends ItemKind>(userId: string, kind: K, id: string): SandboxItem<K> | undefined {
    const item = this.recycled.get(id) ?? this.recycled.get(this.recycledRestIds.get(id) ?? '');
    return item?.userId === userId && item.kind === kind ? (item as SandboxItem<K>) : undefined;
  }

  itemsIn<K extends ItemKind>(collectionId: string, kind: K): Array<SandboxItem<K>> {
    return [...this.memberIds(collectionId)]
      .map((id) => this.items.get(id))
      .filter((i): i is SandboxItem<K> => i?.kind === kind);
  }

  add<K extends ItemKind>(
    userId: string,
    kind: K,
    collectionId: string,
    fields: FieldsOf[K],
    key: string = randomUUID(),
    createdAt?: string,
    /** An event's iCalUId when it is not its own: a re-sent invitation carries the meeting's. */
    uid?: string,
  ): SandboxItem<K> {
    const collection = this.mustCollection(userId, COLLECTION_OF[kind], collectionId);
    const immutableId = itemIdOf(userId, kind, key);
    if (this.items.has(immutableId)) throw new Error(`${kind} ${key} already exists`);
    const now = createdAt ?? new Date(this.clock()).toISOString();
    const item: SandboxItem<K> = {
      kind,
      immutableId,
      restId: '',
      userId,
      collectionId: collection.id,
      seq: 0,
      changeKey: '',
      createdDateTime: now,
      lastModifiedDateTime: now,
      uid:
        uid ??
        `040000008200E00074C5B7101A82E008${createHash('sha256').update(immutableId).digest('hex').slice(0, 56).toUpperCase()}`,
      fields: structuredClone(fields),
    };
    this.items.set(immutableId, item);
    this.place(item, collection.id);
    this.touch(item, 'created');
    return item;
  }

  update<K extends ItemKind>(
    userId: string,
    kind: K,
    id: string,
    patch: Partial<FieldsOf[K]>,
  ): SandboxItem<K> {
    const item = this.mustItem(userId, kind, id);
    Object.assign(item.fields, structuredClone(patch));
    item.lastModifiedDateTime = new Date(this.clock()).toISOString();
    this.touch(item, 'updated');
    return item;
  }

  /** A move between contact folders or task lists: same immutable id, a tombstone in the old one. */
  move<K extends ItemKind>(userId: string, kind: K, id: string, destinationId: string): SandboxItem<K> {
    const item = this.mustItem(userId, kind, id);
    const destination = this.mustCollection(userId, COLLECTION_OF[kind], destinationId);
    if (item.collectionId === destination.id) return item;
    const from = item.collectionId;
    this.members.get(from)?.delete(item.immutableId);
    const previousRestId = item.restId;
    this.place(item, destination.id);
    const seq = this.nextSeq(userId);
    this.tombstones.get(from)?.push({ immutableId: item.immutableId, restId: previousRestId, seq });
    this.emit({ kind, userId, collectionId: from, item, changeType: 'deleted' });
    item.lastModifiedDateTime = new Date(this.clock()).toISOString();
    this.touch(item, 'created');
    return item;
  }

  delete(userId: string, kind: ItemKind, id: string): void {
    const item = this.mustItem(userId, kind, id);
    this.members.get(item.collectionId)?.delete(item.immutableId);
    this.items.delete(item.immutableId);
    this.restIds.delete(item.restId);
    const seq = this.nextSeq(userId);
    this.tombstones.get(item.collectionId)?.push({ immutableId: item.immutableId, restId: item.restId, seq });
    this.emit({ kind, userId, collectionId: item.collectionId, item, changeType: 'deleted' });
    // To Do deletes for good; Outlook keeps a deleted contact or event in Deleted Items.
    if (kind !== 'task') {
      const deletedItems = this.deletedItemsOf?.(userId) ?? opaqueId('AQMkAD', userId, 'deleteditems');
      const restId = opaqueId('AAMkAD', item.immutableId, deletedItems);
      this.recycled.set(item.immutableId, { ...item, collectionId: deletedItems, restId });
      this.recycledRestIds.set(restId, item.immutableId);
    }
  }

  /**
   * A To Do list deleted with its tasks, or a contact folder with its contacts (to Deleted Items):
   * the collection and its delta answer 404 from then on.
   */
  deleteCollection(userId: string, kind: 'taskList' | 'contactFolder', id: string): void {
    const list = this.mustCollection(userId, kind, id);
    if (list.wellKnownName) throw new Error(`${list.displayName} is a default one and cannot be deleted`);
    if (this.childFolders(id).length > 0) throw new Error(`${list.displayName} has folders inside`);
    const itemKind = kind === 'taskList' ? 'task' : 'contact';
    for (const immutableId of [...this.memberIds(id)]) this.delete(userId, itemKind, immutableId);
    this.collections.delete(id);
    this.members.delete(id);
    this.tombstones.delete(id);
  }

  /** Graph's sync reset: every delta token of the collection stops working (410 Gone). */
  resetDeltaTokens(collectionId: string): void {
    const collection = this.collections.get(collectionId);
    if (collection) collection.generation++;
  }

  private mustCollection(userId: string, kind: CollectionKind, id: string): SandboxCollection {
    const collection = this.collections.get(id);
    if (collection?.userId !== userId || collection.kind !== kind)
      throw new Error(`no ${kind} ${id} for user ${userId}`);
    return collection;
  }

  private mustItem<K extends ItemKind>(userId: string, kind: K, id: string): SandboxItem<K> {
    const item = this.item(userId, kind, id);
    if (!item) throw new Error(`no ${kind} ${id} for user ${userId}`);
    return item;
  }

  private place(item: SandboxItem, collectionId: string): void {
    if (item.restId) this.restIds.delete(item.restId);
    item.collectionId = collectionId;
    // To Do ids do not take part in Outlook's IdType: one id whatever the header says.
    item.restId =
      item.kind === 'task' ? item.immutableId : opaqueId('AAMkAD', item.immutableId, collectionId);
    if (item.restId !== item.immutableId) this.restIds.set(item.restId, item.immutableId);
    this.members.get(collectionId)?.add(item.immutableId);
  }

  private touch(item: SandboxItem, changeType: ItemChange['changeType']): void {
    item.seq = this.nextSeq(item.userId);
    item.changeKey = changeKeyOf(item.seq, item.immutableId);
    this.emit({ kind: item.kind, userId: item.userId, collectionId: item.collectionId, item, changeType });
  }

  private nextSeq(userId: string): number {
    const seq = (this.seqByUser.get(userId) ?? 0) + 1;
    this.seqByUser.set(userId, seq);
    return seq;
  }

  private emit(change: ItemChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
