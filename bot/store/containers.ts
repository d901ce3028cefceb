import type { ContainerDefinition } from './store.port.ts';

/**
 * Every container the app uses. The Cosmos adapter creates them at start-up where it may
 * (locally); in Azure, infra/azure.bicep creates the same containers with the same keys and TTLs.
 * All are partitioned by the synthetic `/pk`: `tenant|user` for a user's data, `tenant` for a
 * tenant's shared data (the built-in CRM directory, tenant settings).
 */
export const CONTAINERS = {
  /** A user's sync options (folders, schedule, blocklist, ...), one item per user. */
  settings: {
    name: 'settings',
    partitionKeyPath: '/pk',
    queryFields: ['nextRunAt', 'tenantId'],
  },
  /** One entry per (user, message): status, note, link type, attempts, CRM activity id. */
  ledger: {
    name: 'ledger',
    partitionKeyPath: '/pk',
    // Status and folder are the first fields of the composite indexes, which serve them alone too.
    queryFields: ['receivedAt'],
    // The Emails view: newest first within a status or a folder, read a page at a time.
    compositeIndexes: [
      ['status', 'receivedAt'],
      ['folderId', 'receivedAt'],
      ['status', 'folderId', 'receivedAt'],
      ['status', 'updatedAt'],
    ],
    // Its search: whole words of the subject and the participants (see searchTerms), newest first.
    arrayQueryFields: ['terms'],
    arraySortField: 'receivedAt',
    // Counts by status for the status page and the Emails view's filters, at any ledger size.
    countedFields: ['status'],
  },
  /**
   * The ledger of Outlook's other items: one entry per (user, contact / task / event), with the
   * same statuses as the email ledger. `kindStatus` (`contact:synced`) is counted, so each kind's
   * counts cost a read at any size; each kind's view reads newest first through its composite.
   */
  itemLedger: {
    name: 'itemLedger',
    partitionKeyPath: '/pk',
    queryFields: ['at'],
    compositeIndexes: [
      ['kind', 'at'],
      ['kindStatus', 'at'],
    ],
    countedFields: ['kindStatus'],
  },
  /** Delta links per folder, subscriptions, mailbox leases and run state. */
  syncState: {
    name: 'syncState',
    partitionKeyPath: '/pk',
    defaultTtlSeconds: -1,
    queryFields: ['kind'],
  },
  /** Conversation references for proactive messages, one per user. */
  conversations: {
    name: 'conversations',
    partitionKeyPath: '/pk',
  },
  /** The notification center and the notifier's outbox; kept 90 days (set per item). */
  notifications: {
    name: 'notifications',
    partitionKeyPath: '/pk',
    defaultTtlSeconds: -1,
    queryFields: ['createdAt', 'read', 'state', 'sendAfter', 'kind'],
  },
  /** The embedded job queue (one machine; Azure uses Storage queues): partition = queue name. */
  queue: {
    name: 'queue',
    partitionKeyPath: '/pk',
    queryFields: ['visibleAt'],
  },
  /**
   * The built-in CRM: companies, candidates, contacts and activities of a tenant. Activities hold
   * email bodies, which are never indexed.
   */
  crm: {
    name: 'crm',
    partitionKeyPath: '/pk',
    excludedPaths: ['/body/*', '/attachments/*'],
    queryFields: ['type'],
    // A record's activities (its timeline, its last activity) by the records they link; few per
    // record, so they are sorted by date as read rather than through an index on the date. A CRM
    // contact by the Outlook contacts it came from (a contact sync looks each new one up).
    arrayQueryFields: ['linkIds', 'sources'],
  },
} as const satisfies Record<string, ContainerDefinition>;

export const ALL_CONTAINERS: readonly ContainerDefinition[] = Object.values(CONTAINERS);

/** Azure keeps its job queue in Storage queues, so Cosmos DB needs every container but the embedded queue's. */
export const AZURE_CONTAINERS: readonly ContainerDefinition[] = ALL_CONTAINERS.filter(
  (c) => c !== CONTAINERS.queue,
);
