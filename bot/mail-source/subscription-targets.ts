import type { ItemKind } from './item-source.port.ts';

/**
 * What one change-notification subscription watches: a mail folder, the contacts or the calendar.
 * Stored as one string (a subscription record's `folderId`): a mail folder's id as it always was,
 * or `items:<kind>` (Graph's ids never hold a colon). To Do has no target: Graph offers To Do
 * change notifications only with delegated permissions (subscription-post-subscriptions,
 * "Not supported" for applications), so task sync runs on the schedule (and Sync now).
 */
export type SubscriptionTarget =
  { kind: 'email'; folderId: string } | { kind: 'contact' } | { kind: 'event' };

const PREFIX = 'items:';

export function targetKey(target: SubscriptionTarget): string {
  if (target.kind === 'email') return target.folderId;
  return `${PREFIX}${target.kind}`;
}

export function parseTarget(key: string): SubscriptionTarget {
  if (!key.startsWith(PREFIX)) return { kind: 'email', folderId: key };
  const rest = key.slice(PREFIX.length);
  if (rest === 'contact' || rest === 'event') return { kind: rest };
  return { kind: 'email', folderId: key };
}

/** The kind of item a target's notifications are about. */
export function targetKind(key: string): 'email' | Exclude<ItemKind, 'task'> {
  return parseTarget(key).kind;
}

/**
 * The Graph resource to subscribe to, and the changes to hear of. Mail: created and updated (a
 * message leaving a folder is found by the folder's delta). Contacts and events: deletions too, as
 * Sync Deleted Items acts on them.
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
  }
}
