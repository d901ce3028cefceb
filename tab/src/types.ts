/** What the tab API answers (bot/tab/tab-api.ts); kept by hand, checked by the tab's browser tests. */

export type Schedule =
  | { kind: 'none' }
  | { kind: 'interval'; minutes: 5 | 15 | 30 | 45 | 60 }
  | { kind: 'daily'; at: string; timeZone: string };

export interface SyncSettings {
  active: boolean;
  emailSync: boolean;
  attachments: boolean;
  attachmentMaxMb: number;
  folders: string[];
  includeSubfolders: boolean;
  enabledAt: string;
  cutoff?: string;
  daysBack?: number;
  matchAllParticipants: boolean;
  skipInternalOnly: boolean;
  blocklist: string[];
  visibility: 'metadata' | 'subject' | 'full';
  linkCompanies: boolean;
  notifications: { level: 'off' | 'errors' | 'all'; everyMinutes: 0 | 15 | 60 | 240 | 1440 };
  schedule: Schedule;
  extraOwnAddresses: string[];
  internalDomains: string[];
  contacts: { enabled: boolean; confirmedAt?: string };
  tasks: { enabled: boolean; syncDeleted: boolean; otherInfoInDescription: boolean };
  calendar: { enabled: boolean; syncDeleted: boolean };
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

export type LedgerCounts = Record<'synced' | 'no_match' | 'error' | 'pending', number>;

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
