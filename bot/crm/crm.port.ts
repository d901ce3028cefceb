import type { Readable } from 'node:stream';
import type { CrmItems } from './crm-items.port.ts';
/**
 * The CRM port: what the sync and the bot need from a recruiting CRM. The built-in CRM (records in
 * our store) is the first adapter; external CRMs (Bullhorn, Dataverse) come later behind the same one.
 */

export type CrmRecordType = 'candidate' | 'contact' | 'company';

export interface CrmRecord {
  id: string;
  type: CrmRecordType;
  name: string;
  /** Every address the record has, as entered. */
  emails: string[];
  phone?: string;
  mobile?: string;
  /** Candidate: the role they are after. Contact: their title. */
  role?: string;
  department?: string;
  /** A postal address, in readable lines. */
  address?: string;
  website?: string;
  notes?: string;
  companyId?: string;
  companyName?: string;
  /** Company: the domains its people write from (never a generic mail domain). */
  domains?: string[];
  lastActivityAt?: string;
}

/** A candidate or contact found by one of its addresses. */
export interface DirectoryMatch {
  record: CrmRecord;
  address: string;
}

export interface Directory {
  /** Candidates and contacts by address, case-insensitive, over every address a record has. */
  lookup(addresses: readonly string[]): { candidates: DirectoryMatch[]; contacts: DirectoryMatch[] };
  /** A candidate, contact or company by id, from the same index (no I/O). */
  get(id: string): CrmRecord | undefined;
  /** Companies whose domain these domains are, or are subdomains of; each company once. */
  companiesByDomain(domains: readonly string[]): DirectoryMatch[];
}

/** A candidate or contact made from an email's sender (the Emails view's "Create"). */
export interface NewRecord {
  type: 'candidate' | 'contact';
  name: string;
  email: string;
  companyId?: string;
}

export type Visibility = 'metadata' | 'subject' | 'full';

export interface ActivityInput {
  tenantId: string;
  userId: string;
  /** What makes two copies the same email: the Internet Message-ID, else the Graph id. */
  messageKey: string;
  messageId: string;
  subject?: string;
  from?: string;
  to: string[];
  cc: string[];
  direction: 'received' | 'sent';
  occurredAt: string;
  body?: { contentType: 'text' | 'html'; content: string };
  /** Attachments to store with the activity; `open` gives the bytes, read once, as they are stored. */
  attachments: Array<{
    name: string;
    contentType: string;
    size: number;
    open: () => Promise<Readable | Buffer>;
  }>;
  webLink?: string;
  /** Records to link: matched candidates and contacts, and companies if the user asked for them. */
  links: Array<{ id: string; type: CrmRecordType }>;
}

export interface ActivityResult {
  activityId: string;
  /** False when the activity existed already (a retry, a copy, a moved message); links were merged. */
  created: boolean;
}

/** Emails become activities here; Outlook's contacts, tasks and events go through CrmItems. */
export interface CrmConnector extends CrmItems {
  /** The tenant's directory for matching; cheap to call per run, refreshed when records change. */
  directory(tenantId: string): Promise<Directory>;
  /** Idempotent per (tenant, user, messageKey): never a second activity for the same email. */
  recordActivity(input: ActivityInput): Promise<ActivityResult>;
  search(tenantId: string, query: string, limit?: number): Promise<CrmRecord[]>;
  /** One record with its company's name and when it last had an activity, for match cards. */
  record(tenantId: string, id: string): Promise<CrmRecord | undefined>;
  /** Where "Show Candidate" / "Show Contact" go. */
  deepLink(record: Pick<CrmRecord, 'id' | 'type'>): string;
  /**
   * Makes a candidate or contact; refused (`input.invalid`) when a record of that type already has
   * the address, so a double click never makes two.
   */
  createRecord(tenantId: string, record: NewRecord): Promise<CrmRecord>;
  /** The records an activity is linked to now (links are only ever added); none if it does not exist. */
  activityLinks(tenantId: string, activityId: string): Promise<ActivityInput['links']>;
}
