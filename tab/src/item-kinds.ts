import type { ItemRow, LedgerCounts } from './types.ts';

/** Contacts, tasks and calendar: the words each kind's view, section and status line use. */

export type ItemKind = ItemRow['kind'];

export const ITEM_KINDS: readonly ItemKind[] = ['contact', 'task', 'event'];

export interface KindWords {
  /** The switcher's and the status page's name for the kind. */
  label: string;
  /** "Contact sync", "Calendar sync": the switch a sentence names. */
  sync: string;
  /** "contacts": in sentences. */
  plural: string;
  /** Its settings section (settings/<section>) and that section's title. */
  section: 'contacts' | 'tasks' | 'calendar';
  sectionTitle: string;
  /** The title column's and the date column's headers. */
  titleHeader: string;
  atHeader: string;
  /** Shown for a blank title. */
  untitled: string;
}

export const KINDS: Readonly<Record<ItemKind, KindWords>> = {
  contact: {
    label: 'Contacts',
    sync: 'Contact sync',
    plural: 'contacts',
    section: 'contacts',
    sectionTitle: 'Contacts',
    titleHeader: 'Name',
    atHeader: 'Last changed',
    untitled: '(no name)',
  },
  task: {
    label: 'Tasks',
    sync: 'Task sync',
    plural: 'tasks',
    section: 'tasks',
    sectionTitle: 'Tasks',
    titleHeader: 'Task',
    atHeader: 'Due (or made)',
    untitled: '(no title)',
  },
  event: {
    label: 'Calendar',
    sync: 'Calendar sync',
    plural: 'appointments',
    section: 'calendar',
    sectionTitle: 'Calendar',
    titleHeader: 'Appointment',
    atHeader: 'Starts',
    // The engine blanks a private appointment's subject: it never leaves the mailbox.
    untitled: '(private appointment)',
  },
};

/** The statuses an item can have, in the order the filter and the status lines give them. */
export const ITEM_STATUS_LABELS: Array<[keyof LedgerCounts, string]> = [
  ['synced', 'Synced'],
  ['skipped', 'Kept out'],
  ['error', 'Error'],
  ['pending', 'Pending'],
  ['no_match', 'No match'],
];

/** "3 synced, 1 kept out, 0 errors, 0 pending": no match only when there is some (items rarely have it). */
export function countsText(counts: LedgerCounts): string {
  return ITEM_STATUS_LABELS.filter(([key]) => key !== 'no_match' || counts.no_match > 0)
    .map(
      ([key, label]) =>
        `${counts[key]} ${key === 'error' ? (counts.error === 1 ? 'error' : 'errors') : label.toLowerCase()}`,
    )
    .join(', ');
}

/** The Items view's address for a kind, optionally one status. */
export function itemsPath(kind: ItemKind, status?: string): string {
  return `settings/items?kind=${kind}${status ? `&status=${status}` : ''}`;
}
