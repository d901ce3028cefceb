/**
 * What the tab API (tab-api.ts) answers, shared by the server, which builds its answers against
 * these types, and the tab (tab/src/types.ts re-exports them): one definition, no hand-kept copy.
 * What the tab sends is validated with the server's schemas (the settings: sync-settings.ts), whose
 * inferred types are used on both sides too. Types only, so the browser build can use it as it is.
 */
import type { Exported, LedgerCounts, LedgerEntry } from '../sync/ledger.ts';
import type { ItemRunCounts } from '../sync/sync-state.ts';

export type { Exported, LedgerCounts };
import type { SyncSettings as StoredSettings } from '../sync/sync-settings.ts';

export type { SyncSettings } from '../sync/sync-settings.ts';
export type { Schedule } from '../sync/schedule.ts';

/** GET /settings: never saved yet, the defaults and no etag. */
export interface SettingsAnswer {
  settings: StoredSettings;
  etag: string | null;
  /** When the daily Sync All (settings.syncAllAt) next runs; null when it does not. */
  nextSyncAll: string | null;
}

export interface Me {
  tenantId: string;
  userId: string;
  name?: string;
  upn?: string;
  isAdmin: boolean;
  mode: 'sandbox' | 'azure';
  tenantEnabled: boolean;
}

export interface Folder {
  id: string;
  displayName: string;
  parentFolderId: string;
  path: string;
  wellKnownName: string | null;
  totalItemCount: number;
  neverAutomatic: boolean;
}

export interface RecordLink {
  id: string;
  type: 'candidate' | 'contact' | 'company';
  name: string;
  link: string;
}

export interface Status {
  active: boolean;
  emailSync: boolean;
  tenantEnabled: boolean;
  mailbox?: {
    status: 'ok' | 'paused' | 'needs_consent';
    note?: string;
    lastSuccessAt?: string;
    lastRun?: {
      status: string;
      finishedAt: string;
      synced: number;
      noMatch: number;
      errors: number;
      note?: string;
      items?: Partial<Record<'contact' | 'task' | 'event', ItemRunCounts>>;
    };
  };
  counts: LedgerCounts;
  /** Contacts, tasks and calendar: whether each is on, and its counts by status. */
  items: Record<'contact' | 'task' | 'event', { enabled: boolean; counts: LedgerCounts }>;
  folders: string[];
  nextRun?: string;
  running: { folder: string; processed: number; total: number; byStatus: LedgerCounts } | null;
  errors: Array<{
    messageId: string;
    subject: string;
    from?: string;
    folderId: string;
    /** The folder's path, when the mailbox's folder tree could be read. */
    folder: string | null;
    receivedAt: string;
    note?: string;
    attempts: number;
  }>;
  setAside: Array<{ reason: string; poisonedAt: string }>;
  recent: Array<{
    messageId: string;
    subject: string;
    from?: string;
    receivedAt: string;
    /** When it went to the CRM: the list's order. */
    syncedAt: string;
    direction: 'received' | 'sent';
    records: RecordLink[];
  }>;
}

export interface NotificationItem {
  id: string;
  title: string;
  text: string;
  severity: 'info' | 'success' | 'warning' | 'error';
  read: boolean;
  createdAt: string;
}

import type { CrmRecord } from '../crm/crm.port.ts';

export type { CrmRecord };

export interface Activity {
  id: string;
  subject: string | null;
  from: string | null;
  to: string[];
  cc: string[];
  direction: 'received' | 'sent';
  occurredAt: string;
  preview: string | null;
  attachments: Array<{ name: string; size: number }>;
  webLink: string | null;
}

/** An appointment on a record's page: a calendar event synced from someone's Outlook. */
export interface RecordAppointment {
  id: string;
  subject: string | null;
  /** UTC instants. */
  start: string;
  end: string;
  /** The zone the organizer set it in (a Windows or IANA name). */
  timeZone: string | null;
  isAllDay: boolean;
  location: string | null;
  /** An http(s) link only; anything else is left out. */
  onlineMeetingUrl: string | null;
  organizer: string | null;
  status: 'scheduled' | 'cancelled';
  webLink: string | null;
}

/** A task on a record's page: a To Do task synced from its owner's Outlook. */
export interface RecordTask {
  id: string;
  title: string;
  /** A UTC date-time, or a day (`2026-12-04`). */
  dueAt: string | null;
  status: 'not_started' | 'in_progress' | 'completed' | 'waiting' | 'deferred';
  priority: 'low' | 'normal' | 'high';
  webLink: string | null;
}

/** GET /records/:type/:id: the record, its emails newest first, its appointments and tasks. */
export interface RecordAnswer {
  record: CrmRecord;
  activities: Activity[];
  /** Coming ones soonest first, then past ones latest first. */
  appointments: RecordAppointment[];
  /** Open ones by due date, then completed ones. */
  tasks: RecordTask[];
}

/** One row of the Emails view. */
export interface EmailRow {
  messageId: string;
  subject: string;
  from: string | null;
  to: string[];
  /** Who it is with: the sender, or for sent mail the first recipient (a new record's address). */
  counterpart: string | null;
  direction: 'received' | 'sent';
  receivedAt: string;
  folderId: string;
  folder: string | null;
  status: LedgerEntry['status'];
  exported: Exported;
  note: string | null;
  linkType: 'Cand' | 'Con' | 'CandCon' | null;
  records: RecordLink[];
  attempts: number;
  trigger: string | null;
  /** When the sync last looked at it. */
  updatedAt: string;
  /** Pending: when its next try is due. */
  retryAt: string | null;
  /** CaptureME on this email (the "Captured" filter fills it in). */
  capture?: {
    state: 'pending' | 'done' | 'error';
    /** The attachment's name, or the email's body. */
    source: string;
    share: 'private' | 'public';
    candidate: RecordLink | null;
    error: string | null;
    at: string;
  };
}

export interface EmailsAnswer {
  emails: EmailRow[];
  /** Pass back as `continuation` for the next page; null on the last. */
  continuation: string | null;
  /** The whole mailbox's count per status (first page only). */
  counts: LedgerCounts | null;
}

/** One row of a contacts, tasks or calendar view: what the sync did with one Outlook item. */
export interface ItemRow {
  kind: 'contact' | 'task' | 'event';
  itemId: string;
  /** A contact's name, a task's title, an event's subject ('' when it is kept private). */
  title: string;
  /** An event's start, a task's due date (else when it was made), a contact's last change. */
  at: string;
  status: LedgerEntry['status'];
  exported: Exported;
  note: string | null;
  linkType: 'Cand' | 'Con' | 'CandCon' | null;
  records: RecordLink[];
  /** Deleted or cancelled in Outlook since it was synced. */
  removed: 'deleted' | 'cancelled' | null;
  attempts: number;
  trigger: string | null;
  updatedAt: string;
  retryAt: string | null;
}

export interface ItemsAnswer {
  items: ItemRow[];
  continuation: string | null;
  /** This kind's count per status (first page only). */
  counts: LedgerCounts | null;
}
