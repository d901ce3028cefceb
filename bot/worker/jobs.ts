/** What the worker is asked to do. Jobs carry ids, never mail: the worker reads the rest itself. */
export type SyncJob =
  /**
   * A change notification (or a missed one) for one folder: a delta sync of that folder. `folderId`
   * may name contacts, the calendar or a task list instead (see subscription-targets.ts).
   */
  (
    | { kind: 'folder'; tenantId: string; userId: string; folderId: string; trigger: 'notified' | 'missed' }
    /**
     * A schedule tick (automatic, or the daily Sync All), a Resend All the user confirmed, or a
     * notification for a subscription not recorded yet: every selected folder.
     */
    | {
        kind: 'mailbox';
        tenantId: string;
        userId: string;
        trigger: 'scheduled' | 'manual' | 'notified';
        mode: 'automatic' | 'all' | 'resend_all';
      }
    /**
     * Make the user's change-notification subscriptions match their settings (sync turned on,
     * resumed, folders changed). Graph validates each new subscription by calling us back, which
     * takes seconds per folder: never inside a Teams invoke, which must answer within 5.
     */
    | { kind: 'subscriptions'; tenantId: string; userId: string }
    /** One email whose sync an outage paused (a retry from the tab): tried again on its own. */
    | { kind: 'message'; tenantId: string; userId: string; messageId: string }
  ) & {
    /** How many times the job has failed so far; waiting for a busy mailbox or an outage does not count. */
    failures?: number;
  };

/** Azure Storage and the embedded queue both take this name. */
export const SYNC_QUEUE = 'sync-jobs';
