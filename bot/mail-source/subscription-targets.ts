import type { ItemKind } from './item-source.port.ts';

/**
 * What one change-notification subscription watches: a mail folder, the contacts, the calendar,
 * or one To Do list. Stored as one string (a subscription record's `folderId`): a mail folder's id
 * as it always was, or `items:<kind>` and `items:task:<list id>` (Graph's ids never hold a colon).
 */
export type SubscriptionTarget =
  | { kind: 'email'; folderId: string }
  | { kind: 'contact' }
  | { kind: 'event' }
  | { kind: 'task'; listId: string };

const PREFIX = 'items:';

export function targetKey(target: SubscriptionTarget): string {
  if (target.kind === 'email') return target.folderId;
  if (target.kind === 'task') return `${PREFIX}task:${target.listId}`;
  return `${PREFIX}${target.kind}`;
}

export function parseTarget(key: string): SubscriptionTarget {
  if (!key.startsWith(PREFIX)) return { kind: 'email', folderId: key };
  const rest = key.slice(PREFIX.length);
  if (rest === 'contact' || rest === 'event') return { kind: rest };
  if (rest.startsWith('task:') && rest.length > 5) return { kind: 'task', listId: rest.slice(5) };
  return { kind: 'email', folderId: key };
}

/** The kind of item a target's notifications are about. */
export function targetKind(key: string): 'email' | ItemKind {
  return parseTarget(key).kind;
}

/**
 * The Graph resource to subscribe to, and the changes to hear of. Mail: created and updated (a
 * message leaving a folder is found by the folder's delta). Contacts, events and tasks: deletions
 * too, as Sync Deleted Items acts on them.
 */
export function targetSubscription(userId: string, key: string): { resource: string; changeType: string } {
  const target = parseTarget(key);
  const user = `/users/${userId}`;
  switch (target.kind) {
    case 'email':
      return {
        resource: `${user}/mailFolders('${target.folderId}')/messages`,
        changeType: 'created,updated',
      };
    case 'contact':
      return { resource: `${user}/contacts`, changeType: 'created,updated,deleted' };
    case 'event':
      return { resource: `${user}/events`, changeType: 'created,updated,deleted' };
    case 'task':
      return { resource: `${user}/todo/lists/${target.listId}/tasks`, changeType: 'created,updated,deleted' };
  }
}
