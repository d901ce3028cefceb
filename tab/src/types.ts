/**
 * What the tab API takes and answers (bot/tab/tab-api.ts). The settings come from the schema the
 * server validates them with; the answers the server assembles without a schema are kept here by
 * hand, and the tab's browser tests hold them to the API.
 */

// The settings the server validates with (bot/sync/sync-settings.ts): one definition for both sides.
export type { SyncSettings } from '../../bot/sync/sync-settings.ts';
export type { Schedule } from '../../bot/sync/schedule.ts';

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

import type { LedgerCounts } from '../../bot/sync/ledger.ts';

export type { LedgerCounts };

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
    };
  };
  counts: LedgerCounts;
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

export interface CrmRecord {
  id: string;
  type: 'candidate' | 'contact' | 'company';
  name: string;
  emails: string[];
  phone?: string;
  role?: string;
  companyName?: string;
  lastActivityAt?: string;
}

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
