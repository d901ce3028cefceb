import { htmlToText } from '../crm/html-text.ts';
import type { TaskItem, ZonedDateTime } from '../mail-source/item-source.port.ts';

/**
 * Text work on contacts', tasks' and events' content, which is as hostile as mail: every input is
 * cut to a bound first, and nothing here can backtrack.
 */

/** How much of a task's title and body is searched for addresses. */
export const MAX_SCANNED_CHARS = 8_192;
/** Addresses taken from one text at most. */
export const MAX_SCANNED_ADDRESSES = 20;
/** The longest task description written to the CRM. */
export const MAX_DESCRIPTION_CHARS = 32_000;

/** A token that is an address: checked whole and short, so the pattern's work is linear in it. */
const ADDRESS = /^[a-z0-9._%+'-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+$/;
const SEPARATORS = new Set([
  ' ',
  '\t',
  '\n',
  '\r',
  ',',
  ';',
  '<',
  '>',
  '(',
  ')',
  '[',
  ']',
  '"',
  '|',
  '\u00a0',
]);

/**
 * The addresses in a text (`Call jane@x.com (cv attached)`), lower-cased, each once, at most
 * MAX_SCANNED_ADDRESSES, from the first MAX_SCANNED_CHARS characters: one pass, split by hand.
 */
export function addressesIn(text: string): string[] {
  const found = new Set<string>();
  const input = text.slice(0, MAX_SCANNED_CHARS);
  let start = 0;
  const take = (end: number) => {
    if (end - start >= 6 && end - start <= 254) {
      // Trailing punctuation of a sentence is not part of an address.
      let token = input.slice(start, end).toLowerCase();
      while (token.endsWith('.') || token.endsWith(':') || token.endsWith("'")) token = token.slice(0, -1);
      if (token.startsWith('mailto:')) token = token.slice(7);
      if (token.includes('@') && ADDRESS.test(token)) found.add(token);
    }
  };
  for (let i = 0; i <= input.length && found.size < MAX_SCANNED_ADDRESSES; i++) {
    if (i === input.length || SEPARATORS.has(input[i] as string)) {
      take(i);
      start = i + 1;
    }
  }
  return [...found];
}

/** A body as plain text, bounded. */
export function plainText(body: { contentType: 'text' | 'html'; content: string } | undefined, max: number) {
  if (!body?.content) return '';
  const text =
    body.contentType === 'html'
      ? htmlToText(body.content, { maxChars: max * 4 })
      : body.content.slice(0, max);
  return text.trim().slice(0, max);
}

/** `2026-12-04` for a day (Graph puts days at midnight), else `2026-12-04 09:30 (UTC)`. */
export function readableTime(value: ZonedDateTime | undefined): string | undefined {
  if (!value?.dateTime) return undefined;
  const day = value.dateTime.slice(0, 10);
  const time = value.dateTime.slice(11, 16);
  return !time || time === '00:00' ? day : `${day} ${time} (${value.timeZone || 'UTC'})`;
}

/** A Graph date-time in UTC (as asked for) as an ISO instant. */
export function utcInstant(value: ZonedDateTime): string {
  const local = value.dateTime.slice(0, 19);
  const parsed = Date.parse(`${local}Z`);
  return Number.isNaN(parsed) ? value.dateTime : new Date(parsed).toISOString();
}

const TASK_STATUS_WORDS: Record<TaskItem['status'], string> = {
  notStarted: 'Not started',
  inProgress: 'In progress',
  completed: 'Completed',
  waitingOnOthers: 'Waiting on someone else',
  deferred: 'Deferred',
};

/**
 * The seeds' "Sync Other Information": the task's fields the CRM task has no place for, one per
 * line, always in this order and form, so a task that did not change writes the same text.
 */
export function taskOtherInformation(task: TaskItem): string {
  const lines: string[] = [];
  const add = (label: string, value: string | undefined) => {
    if (value) lines.push(`${label}: ${value}`);
  };
  add('Start date', readableTime(task.startAt));
  add('Due date', readableTime(task.dueAt));
  add('Completed', readableTime(task.completedAt));
  add('Reminder', task.isReminderOn ? (readableTime(task.reminderAt) ?? 'on') : undefined);
  add('Status', TASK_STATUS_WORDS[task.status]);
  add('Importance', task.importance === 'normal' ? undefined : task.importance === 'high' ? 'High' : 'Low');
  add('Categories', task.categories.length ? task.categories.slice(0, 20).join(', ') : undefined);
  add('Created in Outlook', task.createdAt.slice(0, 10));
  return lines.length ? `From Outlook:\n${lines.join('\n')}` : '';
}
