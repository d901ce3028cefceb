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
  /** Candidates captured from a resume (CaptureME), or updated from one. */
  title?: string;
  employer?: string;
  links?: string[];
  skills?: string[];
  history?: CandidateProfile['history'];
  education?: CandidateProfile['education'];
  /** Where the record came from ("Outlook" for a captured candidate): the CRM's Source Type. */
  sourceType?: string;
  /** The seeds' Share type: a private candidate is its owner's. */
  share?: 'private' | 'public';
  ownerId?: string;
  /** Words the CRM's keyword search finds the record by ("Outlook" for every captured candidate). */
  keywords?: string[];
  /** The resume file stored with the record (its bytes are in the attachment store). */
  resume?: { name: string; contentType: string; size: number };
}

/** What a resume says of a candidate, as the user confirmed it in the capture form. */
export interface CandidateProfile {
  name: string;
  emails: string[];
  /** E.164 where it could be normalised, else as written. */
  phone?: string;
  /** Where they live, in readable words ("Leeds, UK"). */
  location?: string;
  /** Current job title and employer. */
  title?: string;
  employer?: string;
  links: string[];
  skills: string[];
  history: Array<{ employer?: string; title?: string; start?: string; end?: string }>;
  education: Array<{ institution: string; degree?: string; year?: string }>;
}

/** CaptureME: a candidate made from a resume, or an existing one the user chose to update. */
export interface CaptureInput {
  tenantId: string;
  /** The recruiter capturing: the record's owner. */
  userId: string;
  /** The capture's identity (user, email and resume): the same capture writes one candidate, once. */
  captureKey: string;
  profile: CandidateProfile;
  share: 'private' | 'public';
  /** Update this candidate instead of making one (a duplicate the user was offered). */
  updateId?: string;
  resume?: { name: string; contentType: string; bytes: Buffer };
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
  /**
   * Candidates, contacts and companies by name, address, keyword or skill. With `viewerId`, a
   * private candidate (the seeds' Share type) is found by its owner only.
   */
  search(tenantId: string, query: string, limit?: number, viewerId?: string): Promise<CrmRecord[]>;
  /** One record with its company's name and when it last had an activity, for match cards. */
  record(tenantId: string, id: string): Promise<CrmRecord | undefined>;
  /** Where "Show Candidate" / "Show Contact" go. */
  deepLink(record: Pick<CrmRecord, 'id' | 'type'>): string;
  /**
   * Makes a candidate or contact; refused (`input.invalid`) when a record of that type already has
   * the address, so a double click never makes two.
   */
  createRecord(tenantId: string, record: NewRecord): Promise<CrmRecord>;
  /**
   * CaptureME. Makes a candidate with Source Type "Outlook", the keyword "Outlook", the user as
   * owner and the resume stored with it; or, with `updateId`, updates that candidate (addresses,
   * links and skills added, the resume's current title, employer and location written, nothing
   * emptied). Idempotent per `captureKey`; refused (`input.invalid`, `context.existingId`) when a
   * candidate already has one of the addresses and `updateId` does not name it: never a silent
   * duplicate.
   */
  captureCandidate(input: CaptureInput): Promise<{ record: CrmRecord; created: boolean }>;
  /** The resume file a candidate was captured from; undefined when it has none. */
  resumeOf(
    tenantId: string,
    id: string,
  ): Promise<{ name: string; contentType: string; bytes: Buffer } | undefined>;
  /** The records an activity is linked to now (links are only ever added); none if it does not exist. */
  activityLinks(tenantId: string, activityId: string): Promise<ActivityInput['links']>;
}
