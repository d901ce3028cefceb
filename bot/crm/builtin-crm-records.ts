import { createHash } from 'node:crypto';
import type { Doc } from '../store/store.port.ts';
import type { CrmRecord, CrmRecordType } from './crm.port.ts';

/**
 * A company, candidate or contact as the built-in CRM keeps it (in the tenant's partition), and the
 * few rules every writer of one shares: how its id is made and how it sorts.
 */
export interface RecordDoc extends Doc {
  type: CrmRecordType;
  name: string;
  sortName: string;
  emails: string[];
  phone?: string;
  mobile?: string;
  /** Candidate: the role they are after. Contact: their title. */
  role?: string;
  department?: string;
  address?: string;
  website?: string;
  notes?: string;
  companyId?: string;
  /** Companies: the domains their people write from. */
  domains?: string[];
  /** Contacts made or updated from Outlook: each `${userId}|${sourceId}` they came from. */
  sources?: string[];
  /** Candidates captured from a resume (CaptureME): see CrmRecord. */
  title?: string;
  employer?: string;
  links?: string[];
  skills?: string[];
  history?: CrmRecord['history'];
  education?: CrmRecord['education'];
  sourceType?: string;
  share?: 'private' | 'public';
  ownerId?: string;
  keywords?: string[];
  resume?: { name: string; contentType: string; size: number; ref: string };
  /** Each capture key the record was made or updated from: a capture done again writes nothing. */
  captures?: string[];
  updatedAt: string;
}

/**
 * The id of a record made for an address (or a company for its name): the same input always
 * makes the same id, so two writers at once make one record, not two.
 */
export function recordId(type: CrmRecordType, key: string): string {
  return `${type}-${createHash('sha256').update(`${type}|${key}`).digest('hex').slice(0, 16)}`;
}

/** A company's id from its name, trimmed and in lower case (as the CSV import makes them). */
export function companyRecordId(name: string): string {
  return `company-${createHash('sha256').update(name.trim().toLowerCase()).digest('hex').slice(0, 16)}`;
}

/** "Ada Lovelace" sorts as "lovelace ada"; a surname given apart is used as it is. */
export function sortNameOf(name: string, surname?: string, givenName?: string): string {
  if (surname?.trim()) return `${surname.trim()} ${givenName?.trim() ?? ''}`.trim().toLowerCase();
  const space = name.lastIndexOf(' ');
  return (space > 0 ? `${name.slice(space + 1)} ${name.slice(0, space)}` : name).toLowerCase();
}

/** The record as the CRM port shows it: no partition, no provenance. */
export function toRecord(doc: RecordDoc): CrmRecord {
  return {
    id: doc.id,
    type: doc.type,
    name: doc.name,
    emails: doc.emails,
    ...(doc.phone ? { phone: doc.phone } : {}),
    ...(doc.mobile ? { mobile: doc.mobile } : {}),
    ...(doc.role ? { role: doc.role } : {}),
    ...(doc.department ? { department: doc.department } : {}),
    ...(doc.address ? { address: doc.address } : {}),
    ...(doc.website ? { website: doc.website } : {}),
    ...(doc.notes ? { notes: doc.notes } : {}),
    ...(doc.companyId ? { companyId: doc.companyId } : {}),
    ...(doc.domains?.length ? { domains: doc.domains } : {}),
    ...(doc.title ? { title: doc.title } : {}),
    ...(doc.employer ? { employer: doc.employer } : {}),
    ...(doc.links?.length ? { links: doc.links } : {}),
    ...(doc.skills?.length ? { skills: doc.skills } : {}),
    ...(doc.history?.length ? { history: doc.history } : {}),
    ...(doc.education?.length ? { education: doc.education } : {}),
    ...(doc.sourceType ? { sourceType: doc.sourceType } : {}),
    ...(doc.share ? { share: doc.share } : {}),
    ...(doc.ownerId ? { ownerId: doc.ownerId } : {}),
    ...(doc.keywords?.length ? { keywords: doc.keywords } : {}),
    ...(doc.resume
      ? { resume: { name: doc.resume.name, contentType: doc.resume.contentType, size: doc.resume.size } }
      : {}),
  };
}
