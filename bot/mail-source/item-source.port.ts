import type { EmailAddress } from './mail-source.port.ts';
/**
 * The item source port: the user's Outlook contacts, Microsoft To Do tasks and calendar events, as
 * the sync needs them. Like the mail source, one adapter (Graph) serves both Microsoft Graph and the
 * Microsoft 365 sandbox. Every item carries its immutable id, which stays the same when the item
 * moves between contact folders or task lists.
 */

/** The three kinds of Outlook item besides email that the sync carries to the CRM. */
export type ItemKind = 'contact' | 'task' | 'event';
export const ITEM_KINDS: readonly ItemKind[] = ['contact', 'task', 'event'];

/** A collection whose delta the sync follows: a contact folder, a To Do list, or the calendar view. */
export interface ItemCollection {
  id: string;
  displayName: string;
  /** To Do: `defaultList` or `flaggedEmails`; contacts: `contacts` for the default folder. */
  wellKnownName?: string;
}

export interface ContactItem {
  /** Immutable id. */
  id: string;
  /** The contact folder it is in. */
  folderId: string;
  displayName: string;
  givenName?: string;
  surname?: string;
  /** Every address, as entered (Graph's emailAddresses[].address), empty ones left out. */
  emails: string[];
  companyName?: string;
  jobTitle?: string;
  department?: string;
  businessPhones: string[];
  mobilePhone?: string;
  homePhones: string[];
  /** One line: street, city, state, postal code, country, as far as given. */
  businessAddress?: string;
  businessHomePage?: string;
  categories: string[];
  personalNotes?: string;
  /** Graph's changeKey: a new one means the contact changed. */
  changeKey?: string;
  lastModifiedAt: string;
}

/** A date and time as Graph gives them, with the time zone it is in. */
export interface ZonedDateTime {
  /** ISO local date-time without offset, e.g. `2026-12-03T09:00:00.0000000`. */
  dateTime: string;
  /** A Windows or IANA zone name, as Graph names it (`UTC`, `Pacific Standard Time`). */
  timeZone: string;
}

export interface TaskLinkedResource {
  webUrl?: string;
  applicationName?: string;
  displayName?: string;
  /** For a task made from a flagged email: the email's id. */
  externalId?: string;
}

export type TaskStatus = 'notStarted' | 'inProgress' | 'completed' | 'waitingOnOthers' | 'deferred';

export interface TaskItem {
  /** Immutable id. */
  id: string;
  /** The To Do list it is in. */
  listId: string;
  title: string;
  status: TaskStatus;
  importance: 'low' | 'normal' | 'high';
  dueAt?: ZonedDateTime;
  startAt?: ZonedDateTime;
  completedAt?: ZonedDateTime;
  reminderAt?: ZonedDateTime;
  isReminderOn: boolean;
  categories: string[];
  body?: { contentType: 'text' | 'html'; content: string };
  linkedResources: TaskLinkedResource[];
  createdAt: string;
  lastModifiedAt: string;
  changeKey?: string;
}

export type EventSensitivity = 'normal' | 'personal' | 'private' | 'confidential';

export interface EventAttendee extends EmailAddress {
  type: 'required' | 'optional' | 'resource';
  response?: string;
}

export interface EventItem {
  /** Immutable id; an occurrence of a series has its own. */
  id: string;
  /** Unique across calendars and per occurrence (Graph's iCalUId). */
  iCalUId: string;
  type: 'singleInstance' | 'occurrence' | 'exception' | 'seriesMaster';
  seriesMasterId?: string;
  subject: string;
  /** In UTC (asked for with `Prefer: outlook.timezone="UTC"`). */
  start: ZonedDateTime;
  end: ZonedDateTime;
  /** The zone the organizer set the event in (originalStartTimeZone), for display. */
  originalTimeZone?: string;
  isAllDay: boolean;
  isCancelled: boolean;
  sensitivity: EventSensitivity;
  showAs?: string;
  location?: string;
  onlineMeetingUrl?: string;
  organizer?: EmailAddress;
  attendees: EventAttendee[];
  body?: { contentType: 'text' | 'html'; content: string };
  categories: string[];
  webLink?: string;
  changeKey?: string;
  lastModifiedAt: string;
}

export interface ItemDeltaPage<T> {
  items: T[];
  /** Immutable ids that left the collection (moved elsewhere or deleted). */
  removed: string[];
  /** Present while the round has more pages. */
  nextLink?: string;
  /** Present on the last page: where the next round starts. */
  deltaLink?: string;
}

/** The calendar view a delta round covers: recurring series are expanded inside it. */
export interface CalendarWindow {
  start: string;
  end: string;
}

export interface ItemSource {
  /** Every contact folder of the user, the default Contacts folder first. */
  contactFolders(userId: string): Promise<ItemCollection[]>;
  contactsDelta(userId: string, folderId: string, link?: string): Promise<ItemDeltaPage<ContactItem>>;
  /** One contact by immutable id; `mail.not_found` when it is gone. */
  contact(userId: string, contactId: string): Promise<ContactItem>;
  /** Every To Do list of the user. */
  taskLists(userId: string): Promise<ItemCollection[]>;
  /** A list's task delta; tasks come with their linked resources. */
  tasksDelta(userId: string, listId: string, link?: string): Promise<ItemDeltaPage<TaskItem>>;
  task(userId: string, listId: string, taskId: string): Promise<TaskItem>;
  /** The default calendar's view delta in `window` (ignored when `link` continues a round). */
  eventsDelta(userId: string, window: CalendarWindow, link?: string): Promise<ItemDeltaPage<EventItem>>;
  event(userId: string, eventId: string): Promise<EventItem>;
  /**
   * Whether a contact folder or To Do list is still there (GET by id): a listing that leaves one out
   * is not proof it was deleted (Graph's lists are known to miss some).
   */
  collectionExists(userId: string, kind: 'contact' | 'task', collectionId: string): Promise<boolean>;
  /**
   * The immutable ids in a contact folder, a To Do list or the calendar view of `window`: a listing
   * of ids only, a few requests for thousands of items.
   */
  itemIds(
    userId: string,
    kind: ItemKind,
    collectionId: string,
    window?: CalendarWindow,
  ): Promise<Set<string>>;
  /** Graph requests made so far, for benchmarks. */
  readonly requestCount: number;
}
