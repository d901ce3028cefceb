import type { CrmRecord, CrmRecordType } from './crm.port.ts';
/**
 * What the CRM does with Outlook's other items: contacts become CRM contacts, To Do tasks CRM
 * tasks, calendar events CRM appointments. Part of the CRM port (every connector implements it);
 * kept in its own file because it is its own vocabulary. Every write is idempotent per its key, so
 * a retry, a 410 restart of a delta round or a moved item never makes a second one.
 */

export interface RecordLink {
  id: string;
  type: CrmRecordType;
}

/** An Outlook contact, as the CRM is asked to take it. Absent fields are unknown, never "clear it". */
export interface ContactInput {
  tenantId: string;
  userId: string;
  /** The Outlook contact's immutable id: the same Outlook contact always lands on the same CRM contact. */
  sourceId: string;
  name: string;
  givenName?: string;
  surname?: string;
  /** Every address; matched case-insensitively against every address of every CRM contact. */
  emails: string[];
  phone?: string;
  mobile?: string;
  title?: string;
  department?: string;
  companyName?: string;
  address?: string;
  website?: string;
  notes?: string;
}

export interface ContactResult {
  record: CrmRecord;
  /** `unchanged`: the CRM had everything Outlook has. */
  outcome: 'created' | 'updated' | 'unchanged';
  /** Which CRM fields Outlook filled in (never ones the CRM had and Outlook left empty). */
  fieldsSet: string[];
  /** The CRM company the contact is at, and whether it was made for it. */
  company?: { id: string; name: string; created: boolean };
  /** Other CRM contacts that also have one of the addresses (left as they are: the first one wins). */
  alsoMatched: string[];
}

export type CrmTaskStatus = 'not_started' | 'in_progress' | 'completed' | 'waiting' | 'deferred';

export interface TaskInput {
  tenantId: string;
  userId: string;
  /** The To Do task's immutable id. */
  key: string;
  title: string;
  status: CrmTaskStatus;
  priority: 'low' | 'normal' | 'high';
  /** ISO date-time in UTC, or a date (`2026-12-04`) for a task due on a day. */
  dueAt?: string;
  /** The task's body and, when the user asks for it, its other fields in readable lines. */
  description?: string;
  links: RecordLink[];
  webLink?: string;
}

export interface AppointmentInput {
  tenantId: string;
  userId: string;
  /** The event's iCalUId (one per occurrence of a series). */
  key: string;
  /** The event's immutable id, for the link back to Outlook. */
  eventId: string;
  subject?: string;
  /** UTC instants. */
  start: string;
  end: string;
  /** The zone the organizer set it in (a Windows or IANA name), for display. */
  timeZone?: string;
  isAllDay: boolean;
  location?: string;
  onlineMeetingUrl?: string;
  organizer?: string;
  attendees: string[];
  body?: { contentType: 'text' | 'html'; content: string };
  status: 'scheduled' | 'cancelled';
  links: RecordLink[];
  webLink?: string;
}

export interface CrmTask extends Omit<TaskInput, 'tenantId'> {
  id: string;
  createdAt: string;
  updatedAt: string;
}

export interface CrmAppointment extends Omit<AppointmentInput, 'tenantId'> {
  id: string;
  createdAt: string;
  updatedAt: string;
}

export interface CrmItems {
  /**
   * Finds the CRM contact by any of the addresses (then by the Outlook contact it came from) and
   * fills in what it lacks; makes one otherwise. Never a second contact for an address, and never a
   * CRM field emptied or overwritten with nothing. A company name goes to the CRM company of that
   * name or of the addresses' domain, made if there is none.
   */
  upsertContact(input: ContactInput): Promise<ContactResult>;
  /** Creates or updates the user's task for `key`; `created` false when it was there. */
  upsertTask(input: TaskInput): Promise<{ taskId: string; created: boolean }>;
  /** Deletes the user's task for `key`; false when there was none. */
  deleteTask(tenantId: string, userId: string, key: string): Promise<boolean>;
  upsertAppointment(input: AppointmentInput): Promise<{ appointmentId: string; created: boolean }>;
  /** Deletes the user's appointment for `key`; false when there was none. */
  deleteAppointment(tenantId: string, userId: string, key: string): Promise<boolean>;
  /** A record's tasks and appointments, soonest first, for its page beside its email activities. */
  tasksOf(tenantId: string, recordId: string, limit?: number): Promise<CrmTask[]>;
  appointmentsOf(tenantId: string, recordId: string, limit?: number): Promise<CrmAppointment[]>;
}
