/** What the worker is asked to do. Jobs carry ids, never mail: the worker reads the rest itself. */
export type SyncJob =
  /** A change notification (or a missed one) for one folder: a delta sync of that folder. */
  (
    | { kind: 'folder'; tenantId: string; userId: string; folderId: string; trigger: 'notified' | 'missed' }
    /** A schedule tick, a manual sync all, or a notification for a subscription not recorded yet: every selected folder. */
    | {
        kind: 'mailbox';
        tenantId: string;
        userId: string;
        trigger: 'scheduled' | 'manual' | 'notified';
        mode: 'automatic' | 'all';
      }
  ) & {
    /** How many times the job has failed so far; waiting for a busy mailbox or an outage does not count. */
    failures?: number;
  };

/** Azure Storage and the embedded queue both take this name. */
export const SYNC_QUEUE = 'sync-jobs';
