import { AppError } from '../errors/app-error.ts';
import type { EmailAddress } from './mail-source.port.ts';
import { batchError, PREFER_IMMUTABLE, readDeltaPage, userPath } from './graph-delta.ts';
import type { GraphHttp } from './graph-http.ts';
import type {
  CalendarWindow,
  ContactItem,
  EventAttendee,
  EventItem,
  EventSensitivity,
  ItemCollection,
  ItemDeltaPage,
  ItemKind,
  ItemSource,
  TaskItem,
  TaskLinkedResource,
  TaskStatus,
  ZonedDateTime,
} from './item-source.port.ts';

/**
 * Contacts, To Do tasks and the calendar from Microsoft Graph (real or sandbox), over the same
 * HTTP client as mail: its retries, throttling and error codes (`mail.throttled`,
 * `mail.delta_reset` on 410, `mail.not_found`, `mail.needs_consent`) apply unchanged.
 *
 * Per API, as Graph documents it: contact delta takes `$select` (contact-delta); todoTask delta
 * takes `$select` and `$expand`, so linked resources come with each page at no extra request
 * (todotask-delta); calendarView delta takes neither (event-delta, "OData query parameters"), needs
 * startDateTime and endDateTime on the first request, and is asked for UTC (`Prefer:
 * outlook.timezone="UTC"`, also its default). Immutable ids throughout (`IdType="ImmutableId"`).
 */

/**
 * Items per delta page. Contacts and tasks are a few KB each and events (with bodies and
 * attendees) up to tens of KB, so 100 make pages of well under a few MB.
 */
export const ITEM_DELTA_PAGE_SIZE = 100;
/** Graph's list APIs page at most 1000 ($top); folder and list listings are small. */
const LIST_TOP = 100;
/** Page size of an id-only listing (Outlook's largest `$top`). */
const IDS_TOP = 1000;
/** Graph refuses a JSON batch of more than 20 requests. */
const BATCH_MAX = 20;
/** Hostile content: what one field, and one list, may hold before the rest is dropped. */
const MAX_TEXT = 4_000;
const MAX_LONG_TEXT = 64_000;
const MAX_LIST = 50;

const CONTACT_SELECT = [
  'id', 'parentFolderId', 'displayName', 'givenName', 'surname', 'emailAddresses', 'companyName',
  'jobTitle', 'department', 'businessPhones', 'mobilePhone', 'homePhones', 'businessAddress',
  'businessHomePage', 'categories', 'personalNotes', 'changeKey', 'lastModifiedDateTime',
].join(','); // prettier-ignore
const TASK_SELECT = [
  'id', 'title', 'status', 'importance', 'dueDateTime', 'startDateTime', 'completedDateTime',
  'reminderDateTime', 'isReminderOn', 'categories', 'body', 'createdDateTime', 'lastModifiedDateTime',
].join(','); // prettier-ignore
const EVENT_SELECT = [
  'id', 'iCalUId', 'type', 'seriesMasterId', 'subject', 'start', 'end', 'originalStartTimeZone',
  'isAllDay', 'isCancelled', 'sensitivity', 'showAs', 'location', 'onlineMeeting', 'organizer',
  'attendees', 'body', 'categories', 'webLink', 'changeKey', 'lastModifiedDateTime',
].join(','); // prettier-ignore

type Json = Record<string, unknown>;

function text(value: unknown, max = MAX_TEXT): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.slice(0, max).trim();
  return trimmed || undefined;
}

function texts(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .slice(0, MAX_LIST)
    .map((v) => text(v))
    .filter((v): v is string => v !== undefined);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function zonedDateTime(value: unknown): ZonedDateTime | undefined {
  const v = value as { dateTime?: unknown; timeZone?: unknown } | null | undefined;
  const dateTime = text(v?.dateTime, 40);
  return dateTime ? { dateTime, timeZone: text(v?.timeZone, 100) ?? 'UTC' } : undefined;
}

function body(value: unknown): { contentType: 'text' | 'html'; content: string } | undefined {
  const v = value as { contentType?: unknown; content?: unknown } | null | undefined;
  if (typeof v?.content !== 'string') return undefined;
  return {
    contentType: v.contentType === 'html' ? 'html' : 'text',
    content: v.content.slice(0, MAX_LONG_TEXT),
  };
}

function emailAddress(value: unknown): EmailAddress | undefined {
  const v = value as { name?: unknown; address?: unknown } | null | undefined;
  const address = text(v?.address, 320);
  return address ? { name: text(v?.name, 320) ?? address, address } : undefined;
}

/** A physicalAddress as one line: street, city, state, postal code, country, as far as given. */
function oneLine(value: unknown): string | undefined {
  const v = (value ?? {}) as Json;
  const parts = ['street', 'city', 'state', 'postalCode', 'countryOrRegion']
    .map((k) => text(v[k], 500)?.split(/\s+/).join(' '))
    .filter((p): p is string => p !== undefined);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

export function toContactItem(contact: Json, folderId?: string): ContactItem {
  return {
    id: String(contact.id),
    folderId: text(contact.parentFolderId, 500) ?? folderId ?? '',
    displayName: text(contact.displayName) ?? '',
    ...optional('givenName', text(contact.givenName)),
    ...optional('surname', text(contact.surname)),
    // Outlook's empty address slots come back as entries without an address: left out.
    emails: (Array.isArray(contact.emailAddresses) ? contact.emailAddresses.slice(0, MAX_LIST) : [])
      .map((e) => emailAddress(e)?.address)
      .filter((a): a is string => a !== undefined),
    ...optional('companyName', text(contact.companyName)),
    ...optional('jobTitle', text(contact.jobTitle)),
    ...optional('department', text(contact.department)),
    businessPhones: texts(contact.businessPhones),
    ...optional('mobilePhone', text(contact.mobilePhone)),
    homePhones: texts(contact.homePhones),
    ...optional('businessAddress', oneLine(contact.businessAddress)),
    ...optional('businessHomePage', text(contact.businessHomePage)),
    categories: texts(contact.categories),
    ...optional('personalNotes', text(contact.personalNotes, MAX_LONG_TEXT)),
    ...optional('changeKey', text(contact.changeKey, 200)),
    lastModifiedAt: text(contact.lastModifiedDateTime, 40) ?? new Date(0).toISOString(),
  };
}

const TASK_STATUSES = new Set<TaskStatus>([
  'notStarted',
  'inProgress',
  'completed',
  'waitingOnOthers',
  'deferred',
]);
const IMPORTANCE = new Set(['low', 'normal', 'high']);

export function toTaskItem(task: Json, listId: string): TaskItem {
  const linked = Array.isArray(task.linkedResources)
    ? (task.linkedResources as Json[]).slice(0, MAX_LIST)
    : [];
  const status = task.status as TaskStatus;
  const importance = task.importance as TaskItem['importance'];
  const etag = text(task['@odata.etag'], 200)?.replace(/^W\/"|"$/g, '');
  return {
    id: String(task.id),
    listId,
    title: text(task.title) ?? '',
    status: TASK_STATUSES.has(status) ? status : 'notStarted',
    importance: IMPORTANCE.has(importance) ? importance : 'normal',
    ...optional('dueAt', zonedDateTime(task.dueDateTime)),
    ...optional('startAt', zonedDateTime(task.startDateTime)),
    ...optional('completedAt', zonedDateTime(task.completedDateTime)),
    ...optional('reminderAt', zonedDateTime(task.reminderDateTime)),
    isReminderOn: task.isReminderOn === true,
    categories: texts(task.categories),
    ...optional('body', body(task.body)),
    linkedResources: linked.map((r): TaskLinkedResource => ({
      ...optional('webUrl', text(r.webUrl, 2_000)),
      ...optional('applicationName', text(r.applicationName, 200)),
      ...optional('displayName', text(r.displayName)),
      ...optional('externalId', text(r.externalId, 500)),
    })),
    createdAt: text(task.createdDateTime, 40) ?? new Date(0).toISOString(),
    lastModifiedAt: text(task.lastModifiedDateTime, 40) ?? new Date(0).toISOString(),
    // To Do has no changeKey; its etag plays that part.
    ...optional('changeKey', etag),
  };
}

const EVENT_TYPES = new Set(['singleInstance', 'occurrence', 'exception', 'seriesMaster']);
const SENSITIVITIES = new Set(['normal', 'personal', 'private', 'confidential']);
const ATTENDEE_TYPES = new Set(['required', 'optional', 'resource']);

export function toEventItem(event: Json): EventItem {
  const attendees = (Array.isArray(event.attendees) ? (event.attendees as Json[]).slice(0, 500) : [])
    .map((a): EventAttendee | undefined => {
      const address = emailAddress(a.emailAddress);
      if (!address) return undefined;
      const type = String(a.type);
      const response = text((a.status as Json | undefined)?.response, 50);
      return {
        ...address,
        type: (ATTENDEE_TYPES.has(type) ? type : 'required') as EventAttendee['type'],
        ...optional('response', response),
      };
    })
    .filter((a): a is EventAttendee => a !== undefined);
  const type = String(event.type);
  const sensitivity = String(event.sensitivity);
  const organizer = emailAddress((event.organizer as Json | undefined)?.emailAddress);
  return {
    id: String(event.id),
    iCalUId: text(event.iCalUId, 500) ?? String(event.id),
    type: (EVENT_TYPES.has(type) ? type : 'singleInstance') as EventItem['type'],
    ...optional('seriesMasterId', text(event.seriesMasterId, 500)),
    subject: text(event.subject) ?? '',
    start: zonedDateTime(event.start) ?? { dateTime: '', timeZone: 'UTC' },
    end: zonedDateTime(event.end) ?? { dateTime: '', timeZone: 'UTC' },
    ...optional('originalTimeZone', text(event.originalStartTimeZone, 100)),
    isAllDay: event.isAllDay === true,
    isCancelled: event.isCancelled === true,
    // Fails closed: a page that leaves the sensitivity out (or names one we do not know) is read
    // as private, so a private appointment is never written for lack of the word.
    sensitivity: (SENSITIVITIES.has(sensitivity) ? sensitivity : 'private') as EventSensitivity,
    ...optional('showAs', text(event.showAs, 50)),
    ...optional('location', text((event.location as Json | undefined)?.displayName)),
    ...optional('onlineMeetingUrl', text((event.onlineMeeting as Json | null | undefined)?.joinUrl, 2_000)),
    ...optional('organizer', organizer),
    attendees,
    ...optional('body', body(event.body)),
    categories: texts(event.categories),
    ...optional('webLink', text(event.webLink, 2_000)),
    ...optional('changeKey', text(event.changeKey, 200)),
    lastModifiedAt: text(event.lastModifiedDateTime, 40) ?? new Date(0).toISOString(),
  };
}

export class GraphItemSource implements ItemSource {
  private readonly http: GraphHttp;

  constructor(http: GraphHttp) {
    this.http = http;
  }

  get requestCount(): number {
    return this.http.requestCount;
  }

  private prefer(extra = ''): string {
    return `odata.maxpagesize=${ITEM_DELTA_PAGE_SIZE}, ${PREFER_IMMUTABLE}${extra}`;
  }

  /** Every page of a listing. */
  private async all(
    userId: string,
    first: Json & { value?: Json[]; '@odata.nextLink'?: string },
  ): Promise<Json[]> {
    const values = [...(first.value ?? [])];
    let next = first['@odata.nextLink'];
    while (next) {
      const page = await this.http.request<{ value: Json[]; '@odata.nextLink'?: string }>(
        userId,
        'GET',
        next,
      );
      values.push(...page.value);
      next = page['@odata.nextLink'];
    }
    return values;
  }

  /**
   * The default folder (by its well-known name) and its subfolders in one `$batch`, then each
   * level's child folders in batches of up to 20: contact folders carry no child count, so every
   * folder is asked once.
   */
  async contactFolders(userId: string): Promise<ItemCollection[]> {
    const base = `${userPath(userId)}/contactFolders`;
    const first = await this.http.batch<Json>(userId, [
      { id: 'default', method: 'GET', url: `${base}/contacts?$select=id,displayName` },
      {
        id: 'children',
        method: 'GET',
        url: `${base}?$top=${LIST_TOP}&$select=id,displayName,parentFolderId`,
      },
    ]);
    const answer = (id: string) => {
      const response = first.get(id);
      if (!response || response.status !== 200) throw batchError(response ?? { id, status: 500 });
      return response.body as Json;
    };
    const root = answer('default');
    const result: ItemCollection[] = [
      { id: String(root.id), displayName: text(root.displayName) ?? 'Contacts', wellKnownName: 'contacts' },
    ];
    let level = await this.all(userId, answer('children'));
    while (level.length > 0) {
      result.push(...level.map((f) => ({ id: String(f.id), displayName: text(f.displayName) ?? '' })));
      const next: Json[] = [];
      for (let i = 0; i < level.length; i += BATCH_MAX) {
        const chunk = level.slice(i, i + BATCH_MAX);
        const answers = await this.http.batch<Json>(
          userId,
          chunk.map((f, index) => ({
            id: String(index),
            method: 'GET',
            url: `${base}/${encodeURIComponent(String(f.id))}/childFolders?$top=${LIST_TOP}&$select=id,displayName,parentFolderId`,
          })),
        );
        for (const response of answers.values()) {
          if (response.status !== 200) throw batchError(response);
          next.push(...(await this.all(userId, response.body as Json)));
        }
      }
      if (result.length + next.length > 1_000) break; // a mailbox with more folders than that is not a recruiter's
      level = next;
    }
    return result;
  }

  async contactsDelta(userId: string, folderId: string, link?: string): Promise<ItemDeltaPage<ContactItem>> {
    const url =
      link ??
      `${userPath(userId)}/contactFolders/${encodeURIComponent(folderId)}/contacts/delta?$select=${CONTACT_SELECT}`;
    const { items, ...page } = await readDeltaPage<Json>(this.http, userId, url, this.prefer());
    return { items: items.map((c) => toContactItem(c, folderId)), ...page };
  }

  async contact(userId: string, contactId: string): Promise<ContactItem> {
    const contact = await this.http.request<Json>(
      userId,
      'GET',
      `${userPath(userId)}/contacts/${encodeURIComponent(contactId)}?$select=${CONTACT_SELECT}`,
      { headers: { prefer: PREFER_IMMUTABLE } },
    );
    return toContactItem(contact);
  }

  async taskLists(userId: string): Promise<ItemCollection[]> {
    const first = await this.http.request<Json>(
      userId,
      'GET',
      `${userPath(userId)}/todo/lists?$top=${LIST_TOP}`,
    );
    return (await this.all(userId, first)).map((list) => {
      const wellKnown = text(list.wellknownListName, 50);
      return {
        id: String(list.id),
        displayName: text(list.displayName) ?? '',
        ...(wellKnown && wellKnown !== 'none' ? { wellKnownName: wellKnown } : {}),
      };
    });
  }

  async tasksDelta(userId: string, listId: string, link?: string): Promise<ItemDeltaPage<TaskItem>> {
    const url =
      link ??
      `${userPath(userId)}/todo/lists/${encodeURIComponent(listId)}/tasks/delta?$select=${TASK_SELECT}&$expand=linkedResources`;
    const { items, ...page } = await readDeltaPage<Json>(this.http, userId, url, this.prefer());
    return { items: items.map((t) => toTaskItem(t, listId)), ...page };
  }

  async task(userId: string, listId: string, taskId: string): Promise<TaskItem> {
    const task = await this.http.request<Json>(
      userId,
      'GET',
      `${userPath(userId)}/todo/lists/${encodeURIComponent(listId)}/tasks/${encodeURIComponent(taskId)}?$select=${TASK_SELECT}&$expand=linkedResources`,
    );
    return toTaskItem(task, listId);
  }

  async eventsDelta(
    userId: string,
    window: CalendarWindow,
    link?: string,
  ): Promise<ItemDeltaPage<EventItem>> {
    const url =
      link ??
      `${userPath(userId)}/calendarView/delta?startDateTime=${encodeURIComponent(window.start)}&endDateTime=${encodeURIComponent(window.end)}`;
    const { items, ...page } = await readDeltaPage<Json>(
      this.http,
      userId,
      url,
      this.prefer(', outlook.timezone="UTC"'),
    );
    return { items: items.map(toEventItem), ...page };
  }

  async collectionExists(userId: string, kind: 'contact' | 'task', collectionId: string): Promise<boolean> {
    const id = encodeURIComponent(collectionId);
    const path = kind === 'contact' ? `contactFolders/${id}?$select=id` : `todo/lists/${id}`;
    try {
      await this.http.request<Json>(userId, 'GET', `${userPath(userId)}/${path}`);
      return true;
    } catch (error) {
      if (AppError.is(error, 'mail.not_found')) return false;
      throw error;
    }
  }

  async itemIds(
    userId: string,
    kind: ItemKind,
    collectionId: string,
    window?: CalendarWindow,
  ): Promise<Set<string>> {
    const base = userPath(userId);
    const id = encodeURIComponent(collectionId);
    let url: string | undefined =
      kind === 'contact'
        ? `${base}/contactFolders/${id}/contacts?$select=id&$top=${IDS_TOP}`
        : kind === 'task'
          ? `${base}/todo/lists/${id}/tasks?$select=id&$top=${IDS_TOP}`
          : `${base}/calendarView?startDateTime=${encodeURIComponent(window?.start ?? '')}&endDateTime=${encodeURIComponent(window?.end ?? '')}&$select=id&$top=${IDS_TOP}`;
    const ids = new Set<string>();
    // Every page asks for immutable ids, as the ledger keys items by them.
    while (url) {
      const page: { value?: Json[]; '@odata.nextLink'?: string } = await this.http.request(
        userId,
        'GET',
        url,
        {
          headers: { prefer: PREFER_IMMUTABLE },
        },
      );
      for (const item of page.value ?? []) ids.add(String(item.id));
      url = page['@odata.nextLink'];
    }
    return ids;
  }

  /**
   * The event in the user's calendar. Outlook keeps a deleted event in Deleted Items, where
   * `/events/{id}` still finds it; `/calendar/events/{id}` looks in the calendar only.
   */
  async event(userId: string, eventId: string): Promise<EventItem> {
    const event = await this.http.request<Json>(
      userId,
      'GET',
      `${userPath(userId)}/calendar/events/${encodeURIComponent(eventId)}?$select=${EVENT_SELECT}`,
      { headers: { prefer: `${PREFER_IMMUTABLE}, outlook.timezone="UTC"` } },
    );
    return toEventItem(event);
  }
}
