import type { CalendarInstance } from './calendar-view.ts';
import { zoned } from './calendar-view.ts';
import { opaqueId, type SandboxCollection, type SandboxItem } from './items-model.ts';

/**
 * Graph v1.0 shapes of contacts, contact folders, To Do lists and tasks, and events, field for field
 * as the Graph docs show them (test/contracts/graph/contact-*.json, todotask-*.json, event-*.json).
 */

/** Every property of a contact in v1.0 (contact resource); `$select` of anything else is a 400. */
export const CONTACT_PROPERTIES = new Set([
  'id', 'createdDateTime', 'lastModifiedDateTime', 'changeKey', 'categories', 'parentFolderId',
  'birthday', 'fileAs', 'displayName', 'givenName', 'initials', 'middleName', 'nickName', 'surname',
  'title', 'yomiGivenName', 'yomiSurname', 'yomiCompanyName', 'generation', 'imAddresses',
  'jobTitle', 'companyName', 'department', 'officeLocation', 'profession', 'businessHomePage',
  'assistantName', 'manager', 'homePhones', 'mobilePhone', 'businessPhones', 'spouseName',
  'personalNotes', 'children', 'emailAddresses', 'homeAddress', 'businessAddress', 'otherAddress',
]); // prettier-ignore

/** Every property of a todoTask in v1.0 (todoTask resource). */
export const TASK_PROPERTIES = new Set([
  'id', 'body', 'bodyLastModifiedDateTime', 'categories', 'completedDateTime', 'createdDateTime',
  'dueDateTime', 'hasAttachments', 'importance', 'isReminderOn', 'lastModifiedDateTime',
  'recurrence', 'reminderDateTime', 'startDateTime', 'status', 'title',
]); // prettier-ignore

/** Every property of an event in v1.0 (event resource); `$select` of anything else is a 400. */
export const EVENT_PROPERTIES = new Set([
  'id', 'allowNewTimeProposals', 'attendees', 'body', 'bodyPreview', 'categories', 'changeKey',
  'createdDateTime', 'end', 'hasAttachments', 'hideAttendees', 'iCalUId', 'importance', 'isAllDay',
  'isCancelled', 'isDraft', 'isOnlineMeeting', 'isOrganizer', 'isReminderOn', 'lastModifiedDateTime',
  'location', 'locations', 'onlineMeeting', 'onlineMeetingProvider', 'onlineMeetingUrl', 'organizer',
  'originalEndTimeZone', 'originalStart', 'originalStartTimeZone', 'recurrence',
  'reminderMinutesBeforeStart', 'responseRequested', 'responseStatus', 'sensitivity', 'seriesMasterId',
  'showAs', 'start', 'subject', 'transactionId', 'type', 'webLink',
]); // prettier-ignore

export interface ItemView {
  immutableIds: boolean;
  select?: readonly string[];
}

export function pick(full: Record<string, unknown>, select: readonly string[] | undefined) {
  if (!select) return full;
  const picked: Record<string, unknown> = { '@odata.etag': full['@odata.etag'], id: full.id };
  for (const field of select) if (field in full) picked[field] = full[field];
  return picked;
}

export function itemId(item: SandboxItem, immutable: boolean): string {
  return immutable ? item.immutableId : item.restId;
}

export function contactFolderJson(folder: SandboxCollection): Record<string, unknown> {
  return { id: folder.id, displayName: folder.displayName, parentFolderId: folder.parentFolderId ?? '' };
}

export function contactJson(item: SandboxItem<'contact'>, view: ItemView): Record<string, unknown> {
  const f = item.fields;
  const full: Record<string, unknown> = {
    '@odata.etag': `W/"${item.changeKey}"`,
    id: itemId(item, view.immutableIds),
    createdDateTime: item.createdDateTime,
    lastModifiedDateTime: item.lastModifiedDateTime,
    changeKey: item.changeKey,
    categories: f.categories ?? [],
    parentFolderId: item.collectionId,
    birthday: null,
    fileAs: '',
    displayName: f.displayName,
    givenName: f.givenName ?? null,
    initials: null,
    middleName: null,
    nickName: null,
    surname: f.surname ?? null,
    title: null,
    yomiGivenName: null,
    yomiSurname: null,
    yomiCompanyName: null,
    generation: null,
    imAddresses: [],
    jobTitle: f.jobTitle ?? null,
    companyName: f.companyName ?? null,
    department: f.department ?? null,
    officeLocation: null,
    profession: null,
    businessHomePage: f.businessHomePage ?? null,
    assistantName: null,
    manager: null,
    homePhones: f.homePhones ?? [],
    mobilePhone: f.mobilePhone ?? null,
    businessPhones: f.businessPhones ?? [],
    spouseName: null,
    personalNotes: f.personalNotes ?? '',
    children: [],
    // Outlook keeps up to three address slots; an empty one comes back with an empty address.
    emailAddresses: (f.emailAddresses ?? []).map((e) => ({ name: e.name ?? e.address, address: e.address })),
    homeAddress: {},
    businessAddress: f.businessAddress ?? {},
    otherAddress: {},
  };
  return pick(full, view.select);
}

export function taskListJson(list: SandboxCollection): Record<string, unknown> {
  return {
    '@odata.etag': `W/"${opaqueId('', list.id, String(list.generation)).slice(0, 24)}"`,
    displayName: list.displayName,
    isOwner: true,
    isShared: false,
    wellknownListName: list.wellKnownName ?? 'none',
    id: list.id,
  };
}

export function linkedResourcesJson(item: SandboxItem<'task'>): Array<Record<string, unknown>> {
  return (item.fields.linkedResources ?? []).map((r, index) => ({
    id: opaqueId('', item.immutableId, 'linked', String(index)).slice(0, 36),
    webUrl: r.webUrl ?? null,
    applicationName: r.applicationName ?? null,
    displayName: r.displayName ?? null,
    externalId: r.externalId ?? null,
  }));
}

export function taskJson(
  item: SandboxItem<'task'>,
  view: ItemView & { expandLinkedResources?: boolean },
): Record<string, unknown> {
  const f = item.fields;
  const full: Record<string, unknown> = {
    '@odata.etag': `W/"${item.changeKey}"`,
    importance: f.importance ?? 'normal',
    isReminderOn: f.isReminderOn ?? false,
    status: f.status ?? 'notStarted',
    title: f.title,
    createdDateTime: item.createdDateTime,
    lastModifiedDateTime: item.lastModifiedDateTime,
    bodyLastModifiedDateTime: item.lastModifiedDateTime,
    hasAttachments: false,
    categories: f.categories ?? [],
    id: item.immutableId,
    body: f.body ?? { content: '', contentType: 'text' },
    // To Do leaves unset dates out rather than sending null (todotask-get-response.json).
    ...(f.dueDateTime ? { dueDateTime: f.dueDateTime } : {}),
    ...(f.startDateTime ? { startDateTime: f.startDateTime } : {}),
    ...(f.completedDateTime ? { completedDateTime: f.completedDateTime } : {}),
    ...(f.reminderDateTime ? { reminderDateTime: f.reminderDateTime } : {}),
  };
  const picked = pick(full, view.select);
  // A navigation property: only with $expand=linkedResources, as Graph serves relationships.
  if (view.expandLinkedResources) picked.linkedResources = linkedResourcesJson(item);
  return picked;
}

export interface EventView {
  immutableIds: boolean;
  zone: { name: string; iana: string };
  /** The calendar owner's address, to tell organizer from attendee. */
  ownerMail: string;
}

/** An event as Graph serves it: a single instance, an occurrence of a series, or the series master. */
export function eventJson(
  item: SandboxItem<'event'>,
  view: EventView,
  instance?: CalendarInstance,
): Record<string, unknown> {
  const f = item.fields;
  const start = instance?.start ?? Date.parse(f.start);
  const end = instance?.end ?? Date.parse(f.end);
  const isOrganizer = !f.organizer || f.organizer.address.toLowerCase() === view.ownerMail.toLowerCase();
  const type = instance?.type ?? (f.recurrence ? 'seriesMaster' : 'singleInstance');
  const id = instance ? instance.id(view.immutableIds) : itemId(item, view.immutableIds);
  const text = f.body?.content ?? '';
  return {
    '@odata.type': '#microsoft.graph.event',
    '@odata.etag': `W/"${item.changeKey}"`,
    id,
    createdDateTime: item.createdDateTime,
    lastModifiedDateTime: item.lastModifiedDateTime,
    changeKey: item.changeKey,
    categories: f.categories ?? [],
    transactionId: null,
    originalStartTimeZone: f.originalStartTimeZone ?? 'UTC',
    originalEndTimeZone: f.originalStartTimeZone ?? 'UTC',
    iCalUId: instance?.iCalUId ?? item.uid,
    reminderMinutesBeforeStart: f.reminderMinutesBeforeStart ?? 15,
    isReminderOn: f.isReminderOn ?? true,
    hasAttachments: false,
    subject: f.subject,
    bodyPreview: text
      .replace(/<[^>]{0,200}>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 255),
    importance: f.importance ?? 'normal',
    sensitivity: f.sensitivity ?? 'normal',
    isAllDay: f.isAllDay ?? false,
    isCancelled: f.isCancelled ?? false,
    isOrganizer,
    responseRequested: true,
    seriesMasterId: instance?.type === 'occurrence' ? itemId(item, view.immutableIds) : null,
    showAs: f.showAs ?? 'busy',
    type,
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: f.isOnlineMeeting ?? false,
    onlineMeetingProvider: f.isOnlineMeeting ? 'teamsForBusiness' : 'unknown',
    allowNewTimeProposals: true,
    isDraft: false,
    hideAttendees: false,
    responseStatus: {
      response: isOrganizer ? 'organizer' : 'accepted',
      time: isOrganizer ? '0001-01-01T00:00:00Z' : item.createdDateTime,
    },
    body: f.body ?? { contentType: 'html', content: '' },
    start: zoned(start, view.zone, f.isAllDay),
    end: zoned(end, view.zone, f.isAllDay),
    location: f.location
      ? { displayName: f.location, locationType: 'default', uniqueId: f.location, uniqueIdType: 'private' }
      : { displayName: '', locationType: 'default', uniqueIdType: 'unknown', address: {}, coordinates: {} },
    locations: f.location
      ? [{ displayName: f.location, locationType: 'default', uniqueIdType: 'unknown' }]
      : [],
    recurrence: type === 'seriesMaster' ? (f.recurrence ?? null) : null,
    attendees: (f.attendees ?? []).map((a) => ({
      type: a.type,
      status: a.status ?? { response: 'none', time: '0001-01-01T00:00:00Z' },
      emailAddress: { name: a.emailAddress.name ?? a.emailAddress.address, address: a.emailAddress.address },
    })),
    organizer: {
      emailAddress: f.organizer
        ? { name: f.organizer.name ?? f.organizer.address, address: f.organizer.address }
        : { name: view.ownerMail, address: view.ownerMail },
    },
    onlineMeeting: f.isOnlineMeeting && f.onlineMeetingUrl ? { joinUrl: f.onlineMeetingUrl } : null,
  };
}
