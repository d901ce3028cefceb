import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ContactFields,
  type EventFields,
  ItemsModel,
  type Recurrence,
  type TaskFields,
} from './items-model.ts';
import { type MailboxModel, messageIdOf } from './mailbox-model.ts';

/**
 * Seeds contacts, To Do tasks and events (fixtures/sandbox/items.json). Dates in the fixture are
 * relative to the week the sandbox starts in: `day` counts days from that week's Monday 00:00 UTC
 * and `time` is a UTC time of day, so the seeded interviews are always this week's.
 */
export const DEFAULT_ITEMS_FIXTURE = join(
  import.meta.dirname,
  '..',
  '..',
  'fixtures',
  'sandbox',
  'items.json',
);

const DAY_MS = 86_400_000;

interface When {
  day: number;
  time?: string;
}

export interface ItemsFixture {
  users: Array<{
    user: string;
    contactFolders?: Array<{ key: string; displayName: string }>;
    contacts?: Array<ContactFields & { key: string; folder: string }>;
    taskLists?: Array<{ key: string; displayName: string }>;
    tasks?: Array<
      Omit<TaskFields, 'title'> & {
        key: string;
        list: string;
        title?: string;
        due?: When;
        start?: When;
        reminder?: When;
        completed?: When;
        /** A task To Do made from a flagged email: the seeded message's key. */
        flaggedMessage?: string;
      }
    >;
    events?: Array<
      Omit<EventFields, 'start' | 'end' | 'recurrence'> & {
        key: string;
        day: number;
        time?: string;
        minutes?: number;
        allDay?: boolean;
        /** A weekly series on this weekday, from `day` on, without end. */
        weekly?: string;
      }
    >;
  }>;
}

export function readItemsFixture(path: string = DEFAULT_ITEMS_FIXTURE): ItemsFixture {
  return JSON.parse(readFileSync(path, 'utf8')) as ItemsFixture;
}

/** Monday 00:00 UTC of the week `now` falls in. */
export function weekStart(now: number): number {
  const midnight = Math.floor(now / DAY_MS) * DAY_MS;
  return midnight - ((new Date(midnight).getUTCDay() + 6) % 7) * DAY_MS;
}

export function seedItems(
  fixture: ItemsFixture,
  mailbox: MailboxModel,
  items: ItemsModel = new ItemsModel(),
  now: number = Date.now(),
): ItemsModel {
  const monday = weekStart(now);
  const at = (when: When) => {
    const [h, m] = (when.time ?? '00:00').split(':').map(Number);
    return monday + when.day * DAY_MS + ((h ?? 0) * 60 + (m ?? 0)) * 60_000;
  };
  const utc = (when: When) => ({
    dateTime: `${new Date(at(when)).toISOString().slice(0, 19)}.0000000`,
    timeZone: 'UTC',
  });
  // Made a week before the seeded week, so every seeded item predates the sandbox's start.
  const created = new Date(monday - 7 * DAY_MS).toISOString();
  for (const spec of fixture.users) {
    const user = mailbox.findUser(spec.user);
    if (!user) throw new Error(`items fixture: no user ${spec.user}`);
    items.addUser(user.id);
    const folders = new Map<string, string>();
    for (const folder of spec.contactFolders ?? [])
      folders.set(folder.key, items.addCollection(user.id, 'contactFolder', folder.displayName).id);
    for (const { key, folder, ...fields } of spec.contacts ?? []) {
      const folderId = folders.get(folder) ?? items.find(user.id, 'contactFolder', folder)?.id;
      if (!folderId) throw new Error(`contact ${key}: no folder ${folder}`);
      items.add(user.id, 'contact', folderId, fields, key, created);
    }
    const lists = new Map<string, string>();
    for (const list of spec.taskLists ?? [])
      lists.set(list.key, items.addCollection(user.id, 'taskList', list.displayName).id);
    for (const { key, list, due, start, reminder, completed, flaggedMessage, ...rest } of spec.tasks ?? []) {
      const listId = lists.get(list) ?? items.find(user.id, 'taskList', list)?.id;
      if (!listId) throw new Error(`task ${key}: no list ${list}`);
      const fields: TaskFields = { ...rest, title: rest.title ?? '' };
      if (due) fields.dueDateTime = utc(due);
      if (start) fields.startDateTime = utc(start);
      if (reminder) {
        fields.reminderDateTime = utc(reminder);
        fields.isReminderOn = true;
      }
      if (completed) fields.completedDateTime = utc(completed);
      if (flaggedMessage) {
        const message = mailbox.message(user.id, messageIdOf(user.id, flaggedMessage));
        if (!message) throw new Error(`task ${key}: no message ${flaggedMessage}`);
        message.graph.flag = { flagStatus: 'flagged' };
        fields.title ||= message.graph.subject ?? '';
        fields.linkedResources = [
          {
            webUrl: message.graph.webLink ?? '',
            applicationName: 'Microsoft Outlook',
            displayName: message.graph.subject ?? '',
            externalId: message.immutableId,
          },
        ];
      }
      items.add(user.id, 'task', listId, fields, key, created);
    }
    const calendar = items.wellKnown(user.id, 'calendar', 'calendar')!;
    for (const { key, day, time, minutes, allDay, weekly, ...rest } of spec.events ?? []) {
      const start = allDay ? monday + day * DAY_MS : at({ day, ...(time ? { time } : {}) });
      const end = allDay ? start + DAY_MS : start + (minutes ?? 60) * 60_000;
      const recurrence: Recurrence | undefined = weekly
        ? {
            pattern: { type: 'weekly', interval: 1, daysOfWeek: [weekly], firstDayOfWeek: 'sunday' },
            range: {
              type: 'noEnd',
              startDate: new Date(start).toISOString().slice(0, 10),
              recurrenceTimeZone: rest.originalStartTimeZone ?? 'UTC',
            },
          }
        : undefined;
      items.add(
        user.id,
        'event',
        calendar.id,
        {
          ...rest,
          start: new Date(start).toISOString(),
          end: new Date(end).toISOString(),
          ...(allDay ? { isAllDay: true } : {}),
          ...(recurrence ? { recurrence } : {}),
        },
        key,
        created,
      );
    }
  }
  return items;
}
