import type {
  CollectionKind,
  ContactFields,
  EventFields,
  ItemsModel,
  Recurrence,
  TaskFields,
} from './items-model.ts';

/**
 * The admin API for contacts, To Do tasks and events (`/_sandbox/users/{user}/...`), for tests and
 * people to change a user's items while the app runs:
 *
 *   POST   contact-folders            {"displayName": "Clients", "parent"?: "contacts"}
 *   DELETE contact-folders/{id or name} (its contacts to Deleted Items)
 *   POST   contacts                   {"folder"?: "contacts", "contact": {"displayName": ..., "emailAddresses": [...]}, "key"?}
 *   PATCH  contacts/{id}              {"jobTitle": "CTO"}
 *   POST   contacts/{id}/move         {"folder": "Clients"}
 *   DELETE contacts/{id}               (to Deleted Items, where only /contacts/{id} still finds it)
 *   POST   task-lists                 {"displayName": "Placements"}
 *   DELETE task-lists/{id or name}     (its tasks with it, as To Do deletes a list)
 *   POST   tasks                      {"list"?: "defaultList", "task": {"title": ..., "dueDateTime"?: {...}}, "key"?}
 *   PATCH  tasks/{id}                 {"importance": "high"}
 *   POST   tasks/{id}/complete
 *   POST   tasks/{id}/move            {"list": "Placements"}
 *   DELETE tasks/{id}
 *   POST   events                     {"event": {"subject", "start", "end" (ISO, UTC), "attendees"?, ...,
 *                                       "weekly"?: {"count"?: 6, "until"?: "2027-01-31"}, "private"?: true, "online"?: true}, "key"?,
 *                                       "iCalUId"?: another event's (a re-sent invitation)}
 *   PATCH  events/{id}                {"subject": ..., "start": ..., "end": ...}
 *   POST   events/{id}/cancel
 *   DELETE events/{id}                 (to Deleted Items, where only /events/{id} still finds it)
 *   POST   reset-delta                {"kind": "contacts" | "tasks" | "events", "collection"?: id or name}
 *
 * Collections are named by id, well-known name (`contacts`, `defaultList`, `flaggedEmails`) or display name.
 */

export interface AdminAnswer {
  status: number;
  body?: unknown;
}

const KINDS: Record<string, CollectionKind> = {
  contacts: 'contactFolder',
  tasks: 'taskList',
  events: 'calendar',
};
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined || value === null || value === '') throw new Error(`${what} is required`);
  return value;
}

function instant(value: unknown, what: string): string {
  const ms = typeof value === 'string' && value.length <= 40 ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new Error(`${what} must be an ISO date-time`);
  return new Date(ms).toISOString();
}

/** An admin event body as the model keeps it: UTC instants, a weekly series, the shortcuts. */
function eventFields(spec: Record<string, unknown>, partial: boolean): Partial<EventFields> {
  const { weekly, private: isPrivate, online, ...rest } = spec;
  const fields = { ...rest } as Partial<EventFields>;
  if (!partial) need(fields.subject, 'event.subject');
  if (!partial || fields.start !== undefined) fields.start = instant(fields.start, 'event.start');
  if (!partial || fields.end !== undefined) fields.end = instant(fields.end, 'event.end');
  if (fields.start && fields.end && fields.end <= fields.start)
    throw new Error('event.end must be after event.start');
  if (isPrivate === true) fields.sensitivity = 'private';
  if (online === true) {
    fields.isOnlineMeeting = true;
    fields.onlineMeetingUrl ??= `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${Date.now().toString(36)}%40thread.v2/0`;
  }
  if (weekly && fields.start) {
    const { count, until } = weekly as { count?: number; until?: string };
    const day = new Date(fields.start);
    const recurrence: Recurrence = {
      pattern: {
        type: 'weekly',
        interval: 1,
        daysOfWeek: [WEEKDAYS[day.getUTCDay()]!],
        firstDayOfWeek: 'sunday',
      },
      range: {
        startDate: fields.start.slice(0, 10),
        recurrenceTimeZone: 'UTC',
        ...(count
          ? { type: 'numbered', numberOfOccurrences: count }
          : until
            ? { type: 'endDate', endDate: until }
            : { type: 'noEnd' }),
      } as Recurrence['range'],
    };
    fields.recurrence = recurrence;
  }
  return fields;
}

export function itemsAdmin(
  items: ItemsModel,
  userId: string,
  parts: string[],
  method: string,
  body: Record<string, unknown>,
  now: () => number = Date.now,
): AdminAnswer | undefined {
  const [what, id, action] = parts;
  const collection = (kind: CollectionKind, ref: unknown, fallback: string) => {
    const found = items.find(userId, kind, String(ref ?? fallback));
    if (!found) throw new Error(`no ${kind} ${String(ref ?? fallback)}`);
    return found;
  };
  if (what === 'reset-delta' && method === 'POST') {
    const kind = KINDS[String(body.kind)];
    if (!kind) throw new Error('kind must be contacts, tasks or events');
    const targets = body.collection
      ? [collection(kind, body.collection, '')]
      : items.collectionsOf(userId, kind);
    for (const target of targets) items.resetDeltaTokens(target.id);
    return { status: 204 };
  }
  if (what === 'contact-folders' && !id && method === 'POST') {
    const parent = collection('contactFolder', body.parent, 'contacts');
    const folder = items.addCollection(
      userId,
      'contactFolder',
      String(need(body.displayName, 'displayName')),
      {
        parentFolderId: parent.id,
      },
    );
    return { status: 201, body: { id: folder.id } };
  }
  if (what === 'task-lists' && !id && method === 'POST') {
    const list = items.addCollection(userId, 'taskList', String(need(body.displayName, 'displayName')));
    return { status: 201, body: { id: list.id } };
  }
  if (what === 'task-lists' && id && !action && method === 'DELETE') {
    items.deleteCollection(userId, 'taskList', collection('taskList', id, '').id);
    return { status: 204 };
  }
  if (what === 'contact-folders' && id && !action && method === 'DELETE') {
    items.deleteCollection(userId, 'contactFolder', collection('contactFolder', id, '').id);
    return { status: 204 };
  }
  const key = body.key ? String(body.key) : undefined;
  if (what === 'contacts') {
    if (!id && method === 'POST') {
      const folder = collection('contactFolder', body.folder, 'contacts');
      const contact = body.contact as ContactFields | undefined;
      need(contact?.displayName, 'contact.displayName');
      const added = items.add(userId, 'contact', folder.id, contact!, key);
      return { status: 201, body: { id: added.immutableId, folderId: folder.id } };
    }
    if (id && action === 'move' && method === 'POST') {
      const folder = collection('contactFolder', body.folder, '');
      const moved = items.move(userId, 'contact', id, folder.id);
      return { status: 200, body: { id: moved.immutableId, folderId: folder.id } };
    }
    if (id && !action && method === 'PATCH') {
      items.update(userId, 'contact', id, body as Partial<ContactFields>);
      return { status: 204 };
    }
    if (id && !action && method === 'DELETE') {
      items.delete(userId, 'contact', id);
      return { status: 204 };
    }
  }
  if (what === 'tasks') {
    if (!id && method === 'POST') {
      const list = collection('taskList', body.list, 'defaultList');
      const task = body.task as TaskFields | undefined;
      need(task?.title, 'task.title');
      const added = items.add(userId, 'task', list.id, task!, key);
      return { status: 201, body: { id: added.immutableId, listId: list.id } };
    }
    if (id && action === 'complete' && method === 'POST') {
      const completedDateTime = {
        dateTime: `${new Date(now()).toISOString().slice(0, 19)}.0000000`,
        timeZone: 'UTC',
      };
      items.update(userId, 'task', id, { status: 'completed', completedDateTime });
      return { status: 204 };
    }
    if (id && action === 'move' && method === 'POST') {
      const list = collection('taskList', body.list, '');
      const moved = items.move(userId, 'task', id, list.id);
      return { status: 200, body: { id: moved.immutableId, listId: list.id } };
    }
    if (id && !action && method === 'PATCH') {
      items.update(userId, 'task', id, body as Partial<TaskFields>);
      return { status: 204 };
    }
    if (id && !action && method === 'DELETE') {
      items.delete(userId, 'task', id);
      return { status: 204 };
    }
  }
  if (what === 'events') {
    const calendar = collection('calendar', 'calendar', 'calendar');
    if (!id && method === 'POST') {
      const fields = eventFields((body.event ?? {}) as Record<string, unknown>, false) as EventFields;
      const uid = body.iCalUId ? String(body.iCalUId).slice(0, 500) : undefined;
      const added = items.add(userId, 'event', calendar.id, fields, key, undefined, uid);
      return { status: 201, body: { id: added.immutableId, iCalUId: added.uid } };
    }
    if (id && action === 'cancel' && method === 'POST') {
      // What an attendee's calendar shows once the organizer cancels: the meeting stays, marked cancelled.
      const event = items.item(userId, 'event', id);
      if (!event) throw new Error(`no event ${id}`);
      const subject = event.fields.subject.startsWith('Canceled: ')
        ? event.fields.subject
        : `Canceled: ${event.fields.subject}`;
      items.update(userId, 'event', id, { isCancelled: true, subject, showAs: 'free' });
      return { status: 204 };
    }
    if (id && !action && method === 'PATCH') {
      items.update(userId, 'event', id, eventFields(body, true));
      return { status: 204 };
    }
    if (id && !action && method === 'DELETE') {
      items.delete(userId, 'event', id);
      return { status: 204 };
    }
  }
  return undefined;
}
