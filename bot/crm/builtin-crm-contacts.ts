import { AppError } from '../errors/app-error.ts';
import { tenantPartition } from '../store/store.port.ts';
import type { CrmItemsContext } from './builtin-crm-items.ts';
import { companyRecordId, type RecordDoc, recordId, sortNameOf, toRecord } from './builtin-crm-records.ts';
import type { ContactInput, ContactResult } from './crm-items.port.ts';
import type { CrmRecord, Directory } from './crm.port.ts';
import { companyDomain } from './mail-domains.ts';

/**
 * Outlook contacts into the built-in CRM's contacts. The CRM usually knows more about a person
 * than the recruiter's address book, so Outlook only ever adds: a field it has is written, one it
 * leaves empty keeps the CRM's value, and addresses are a union. One CRM contact per address.
 */

type Index = Directory & { records: CrmRecord[]; companyByName(name: string): CrmRecord | undefined };
/** The contact's company; `doc` when it was made just now. */
type Company = NonNullable<ContactResult['company']> & { doc?: RecordDoc };

/** The record fields an Outlook contact fills in, by the CRM's name for each. */
type ContactField = 'name' | 'phone' | 'mobile' | 'role' | 'department' | 'address' | 'website' | 'notes';

export class BuiltinCrmContacts {
  private readonly crm: CrmItemsContext;
  /** Per tenant: the upsert in progress, so the next one reads the directory after it. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(crm: CrmItemsContext) {
    this.crm = crm;
  }

  /**
   * Serialized per tenant in this process, with the directory re-read under the lock, so two Outlook
   * contacts sharing an address make one CRM contact. Across processes the lock does not reach:
   * there the contact's id, made from its first address, makes two creations for the same first
   * address one; two Outlook contacts whose first addresses differ but share another can still
   * both be created by two processes at the same moment. The next upsert of either then reports the
   * other in `alsoMatched`; nothing merges them on its own.
   */
  upsert(input: ContactInput): Promise<ContactResult> {
    const previous = this.locks.get(input.tenantId) ?? Promise.resolve();
    const run = previous.then(() => this.upsertNow(input));
    const tail = run.catch(() => undefined);
    this.locks.set(input.tenantId, tail);
    void tail.then(() => {
      if (this.locks.get(input.tenantId) === tail) this.locks.delete(input.tenantId);
    });
    return run.catch((error: unknown) => {
      throw this.crm.unavailable(error);
    });
  }

  private async upsertNow(input: ContactInput): Promise<ContactResult> {
    const emails = uniqueAddresses(input.emails);
    const source = `${input.userId}|${input.sourceId}`;
    const pk = tenantPartition(input.tenantId);
    const index = await this.crm.directory(input.tenantId);
    // A candidate with the address is not this contact: a person can be both.
    const matches = index.lookup(emails).contacts;
    const alsoMatched = matches.slice(1).map((m) => m.record.id);
    const existing = matches[0]?.record.id ?? (await this.bySource(pk, source));
    const company = await this.company(pk, input, emails, index);
    const written = existing
      ? await this.update(pk, existing, input, emails, source, company)
      : await this.create(pk, input, emails, source, company);
    const changed = [
      ...(company?.doc ? [company.doc] : []),
      ...(written.fieldsSet.length > 0 ? [written.doc] : []),
    ];
    if (changed.length > 0) await this.crm.recordsWritten(input.tenantId, changed);
    const record = toRecord(written.doc);
    const companyName = company?.name ?? (record.companyId ? index.get(record.companyId)?.name : undefined);
    if (record.companyId && companyName) record.companyName = companyName;
    return {
      record,
      outcome: written.outcome,
      fieldsSet: written.fieldsSet,
      ...(company ? { company: { id: company.id, name: company.name, created: company.created } } : {}),
      alsoMatched,
    };
  }

  private async bySource(pk: string, source: string): Promise<string | undefined> {
    const page = await this.crm.items.query(pk, {
      filters: [
        { field: 'type', op: '=', value: 'contact' },
        { field: 'sources', op: 'contains', value: source },
      ],
      limit: 1,
    });
    return page.items[0]?.value.id;
  }

  private async create(
    pk: string,
    input: ContactInput,
    emails: string[],
    source: string,
    company: Company | undefined,
  ): Promise<Written> {
    const name =
      input.name.trim() ||
      [input.givenName?.trim(), input.surname?.trim()].filter(Boolean).join(' ') ||
      emails[0] ||
      'Unnamed contact';
    const id = recordId('contact', emails[0]?.toLowerCase() ?? `source|${source}`);
    const doc: RecordDoc = {
      id,
      pk,
      type: 'contact',
      name,
      sortName: sortNameOf(name, input.surname, input.givenName),
      emails,
      sources: [source],
      updatedAt: this.crm.now().toISOString(),
    };
    const fieldsSet: string[] = ['name', ...(emails.length > 0 ? ['emails'] : [])];
    for (const [field, value] of Object.entries(wantedFields(input))) {
      if (field === 'name' || value === undefined) continue;
      doc[field as ContactField] = value;
      fieldsSet.push(field);
    }
    if (company) {
      doc.companyId = company.id;
      fieldsSet.push('companyId');
    }
    try {
      await this.crm.items.create(doc);
      return { doc, outcome: 'created', fieldsSet };
    } catch (error) {
      if (!AppError.is(error, 'store.conflict')) throw error;
    }
    // Made a moment ago by another process (or Create in the Emails view) for the same address.
    return this.update(pk, id, input, emails, source, company);
  }

  private async update(
    pk: string,
    id: string,
    input: ContactInput,
    emails: string[],
    source: string,
    company: Company | undefined,
  ): Promise<Written> {
    for (;;) {
      const current = await this.crm.items.read(pk, id);
      if (!current) return this.create(pk, input, emails, source, company);
      const before = current.value as RecordDoc;
      const { doc, fieldsSet } = merged(before, input, emails, source, company);
      if (fieldsSet.length === 0 && before.sources?.includes(source))
        return { doc: before, outcome: 'unchanged', fieldsSet };
      doc.updatedAt = this.crm.now().toISOString();
      try {
        await this.crm.items.replace(doc, { ifMatch: current.etag });
        return { doc, outcome: fieldsSet.length > 0 ? 'updated' : 'unchanged', fieldsSet };
      } catch (error) {
        if (!AppError.is(error, 'store.precondition_failed')) throw error;
      }
    }
  }

  /** The company named, else the one of the addresses' domain, else a new one of that name. */
  private async company(
    pk: string,
    input: ContactInput,
    emails: string[],
    index: Index,
  ): Promise<Company | undefined> {
    const name = input.companyName?.trim();
    if (!name) return undefined;
    const wanted = name.toLowerCase();
    const byName = index.companyByName(wanted);
    if (byName) return { id: byName.id, name: byName.name, created: false };
    const domains = emails.flatMap((e) => companyDomain(e.slice(e.lastIndexOf('@') + 1)) ?? []);
    const byDomain = index.companiesByDomain(domains)[0]?.record;
    if (byDomain) return { id: byDomain.id, name: byDomain.name, created: false };
    const doc: RecordDoc = {
      id: companyRecordId(name),
      pk,
      type: 'company',
      name,
      sortName: name.toLowerCase(),
      emails: [],
      ...(domains[0] ? { domains: [domains[0]] } : {}),
      updatedAt: this.crm.now().toISOString(),
    };
    try {
      await this.crm.items.create(doc);
      return { id: doc.id, name, created: true, doc };
    } catch (error) {
      if (!AppError.is(error, 'store.conflict')) throw error;
    }
    const made = (await this.crm.items.read(pk, doc.id))?.value as RecordDoc | undefined;
    return { id: doc.id, name: made?.name ?? name, created: false };
  }
}

interface Written {
  doc: RecordDoc;
  outcome: ContactResult['outcome'];
  fieldsSet: string[];
}

/** Trimmed, without empties, each address once whatever its case; the first spelling is kept. */
export function uniqueAddresses(addresses: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of addresses) {
    const address = raw.trim();
    const key = address.toLowerCase();
    if (!address || seen.has(key)) continue;
    seen.add(key);
    out.push(address);
  }
  return out;
}

/** What Outlook has for each field; empty strings are "unknown", as absent ones are. */
function wantedFields(input: ContactInput): Partial<Record<ContactField, string>> {
  const values: Record<ContactField, string | undefined> = {
    name: input.name,
    phone: input.phone,
    mobile: input.mobile,
    role: input.title,
    department: input.department,
    address: input.address,
    website: input.website,
    notes: input.notes,
  };
  const out: Partial<Record<ContactField, string>> = {};
  for (const [field, value] of Object.entries(values) as Array<[ContactField, string | undefined]>) {
    const trimmed = value?.trim();
    if (trimmed) out[field] = trimmed;
  }
  return out;
}

/** The CRM's contact with what Outlook adds: fields it has that differ, addresses it lacks, its source. */
function merged(
  before: RecordDoc,
  input: ContactInput,
  emails: string[],
  source: string,
  company: Company | undefined,
): { doc: RecordDoc; fieldsSet: string[] } {
  const doc: RecordDoc = { ...before };
  const fieldsSet: string[] = [];
  for (const [field, value] of Object.entries(wantedFields(input)) as Array<[ContactField, string]>) {
    if (before[field] === value) continue;
    doc[field] = value;
    fieldsSet.push(field);
  }
  if (fieldsSet.includes('name')) doc.sortName = sortNameOf(doc.name, input.surname, input.givenName);
  const added = emails.filter((e) => !before.emails.some((known) => known.toLowerCase() === e.toLowerCase()));
  if (added.length > 0) {
    doc.emails = [...before.emails, ...added];
    fieldsSet.push('emails');
  }
  if (company && before.companyId !== company.id) {
    doc.companyId = company.id;
    fieldsSet.push('companyId');
  }
  if (!before.sources?.includes(source)) doc.sources = [...(before.sources ?? []), source];
  return { doc, fieldsSet };
}
