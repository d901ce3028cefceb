import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import type { DirectoryFixture } from './builtin-crm.ts';
import { companyRecordId } from './builtin-crm-records.ts';
import type { CrmRecord, Directory } from './crm.port.ts';

/**
 * Candidates and contacts from a CSV file, as agencies export them from a spreadsheet or their old
 * CRM. Pure: text in, a preview with row-level errors out, and the records to import. A row whose
 * address a record of the same kind already has updates that record instead of adding a duplicate.
 */

/** Largest import accepted in one go; bigger files are split by the admin. */
export const MAX_IMPORT_ROWS = 5_000;

/** Header spellings accepted for each column (case, spaces and underscores are ignored). */
const COLUMNS = {
  type: ['type', 'recordtype', 'kind'],
  firstName: ['firstname', 'first', 'givenname'],
  lastName: ['lastname', 'last', 'surname', 'familyname'],
  emails: ['email', 'emails', 'emailaddress', 'emailaddresses'],
  phone: ['phone', 'phonenumber', 'mobile'],
  role: ['title', 'role', 'jobtitle', 'position'],
  company: ['company', 'companyname', 'organization', 'employer'],
} as const;
type Column = keyof typeof COLUMNS;

const email = z.email();

export interface ImportRow {
  /** Line in the file (the header is line 1). */
  line: number;
  type: 'candidate' | 'contact';
  firstName: string;
  lastName: string;
  emails: string[];
  phone?: string;
  role?: string;
  company?: string;
  /** Whether the row updates a record the CRM has (same kind, same address) or adds one. */
  action: 'add' | 'update';
  id: string;
}

export interface ImportProblem {
  line: number;
  field: string;
  message: string;
}

export interface ImportPreview {
  rows: ImportRow[];
  errors: ImportProblem[];
}

const normalise = (header: string) => header.toLowerCase().replace(/[\s_-]/g, '');

function columnsOf(header: string[]): { map: Partial<Record<Column, number>>; errors: ImportProblem[] } {
  const map: Partial<Record<Column, number>> = {};
  header.forEach((raw, index) => {
    const name = normalise(raw);
    for (const [column, names] of Object.entries(COLUMNS) as Array<[Column, readonly string[]]>) {
      if (names.includes(name) && map[column] === undefined) map[column] = index;
    }
  });
  const errors = (['type', 'firstName', 'lastName', 'emails'] as const)
    .filter((c) => map[c] === undefined)
    .map((c) => ({ line: 1, field: c, message: `no "${COLUMNS[c][0]}" column in the header row` }));
  return { map, errors };
}

const stableId = (prefix: string, key: string) =>
  `${prefix}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;

export function previewImport(csv: string, directory: Directory & { records: CrmRecord[] }): ImportPreview {
  let table: string[][];
  try {
    table = parse(csv, { skip_empty_lines: true, trim: true, relax_column_count: true, bom: true });
  } catch (error) {
    return {
      rows: [],
      errors: [{ line: 0, field: 'file', message: `not a CSV file: ${(error as Error).message}` }],
    };
  }
  const [header, ...body] = table;
  if (!header) return { rows: [], errors: [{ line: 0, field: 'file', message: 'the file is empty' }] };
  if (body.length > MAX_IMPORT_ROWS)
    return {
      rows: [],
      errors: [
        {
          line: 0,
          field: 'file',
          message: `at most ${MAX_IMPORT_ROWS} rows at a time (this file has ${body.length})`,
        },
      ],
    };
  const { map, errors } = columnsOf(header);
  if (errors.length > 0) return { rows: [], errors };
  const rows: ImportRow[] = [];
  const seenInFile = new Map<string, number>();
  body.forEach((cells, i) => {
    const line = i + 2;
    const cell = (c: Column) => (map[c] === undefined ? '' : (cells[map[c]] ?? '').trim());
    const problems: ImportProblem[] = [];
    const type = cell('type').toLowerCase();
    if (type !== 'candidate' && type !== 'contact')
      problems.push({ line, field: 'type', message: `must be candidate or contact (was "${cell('type')}")` });
    if (!cell('firstName') && !cell('lastName'))
      problems.push({ line, field: 'name', message: 'a first or last name is required' });
    const emails = cell('emails')
      .split(/[;,\s]+/)
      .map((e) => e.trim())
      .filter((e) => e !== '');
    if (emails.length === 0)
      problems.push({ line, field: 'email', message: 'at least one email address is required' });
    for (const address of emails) {
      if (!email.safeParse(address).success)
        problems.push({ line, field: 'email', message: `"${address}" is not an email address` });
    }
    const key = `${type}|${emails[0]?.toLowerCase()}`;
    if (problems.length === 0 && seenInFile.has(key))
      problems.push({
        line,
        field: 'email',
        message: `same ${type} and address as line ${seenInFile.get(key)}`,
      });
    if (problems.length > 0) {
      errors.push(...problems);
      return;
    }
    seenInFile.set(key, line);
    const recordType = type as 'candidate' | 'contact';
    const existing = directory.lookup(emails)[recordType === 'candidate' ? 'candidates' : 'contacts'][0];
    rows.push({
      line,
      type: recordType,
      firstName: cell('firstName'),
      lastName: cell('lastName'),
      emails,
      ...(cell('phone') ? { phone: cell('phone') } : {}),
      ...(cell('role') ? { role: cell('role') } : {}),
      ...(cell('company') ? { company: cell('company') } : {}),
      action: existing ? 'update' : 'add',
      id: existing?.record.id ?? stableId(recordType, emails[0]!.toLowerCase()),
    });
  });
  return { rows, errors };
}

/** The preview's rows as records to import; companies found by name, or added. */
export function importFixture(
  rows: readonly ImportRow[],
  directory: { records: CrmRecord[] },
): DirectoryFixture {
  const companies = new Map(
    directory.records.filter((r) => r.type === 'company').map((r) => [r.name.toLowerCase(), r.id]),
  );
  const byId = new Map(directory.records.map((r) => [r.id, r]));
  const fixture: DirectoryFixture = { companies: [], contacts: [], candidates: [] };
  for (const row of rows) {
    let companyId: string | undefined;
    if (row.company) {
      const name = row.company.toLowerCase();
      companyId = companies.get(name);
      if (!companyId) {
        companyId = companyRecordId(name);
        companies.set(name, companyId);
        fixture.companies.push({ id: companyId, name: row.company });
      }
    }
    // An update adds the file's addresses to the record's; it never drops one the CRM has.
    const known = byId.get(row.id);
    companyId ??= known?.companyId;
    const emails: string[] = [];
    for (const address of [...(known?.emails ?? []), ...row.emails]) {
      if (!emails.some((e) => e.toLowerCase() === address.toLowerCase())) emails.push(address);
    }
    const person = {
      id: row.id,
      firstName: row.firstName,
      lastName: row.lastName,
      emails,
      ...(row.phone ? { phone: row.phone } : {}),
    };
    if (row.type === 'candidate')
      fixture.candidates.push({ ...person, ...(row.role ? { role: row.role } : {}) });
    else
      fixture.contacts.push({
        ...person,
        ...(row.role ? { title: row.role } : {}),
        ...(companyId ? { companyId } : {}),
      });
  }
  return fixture;
}
