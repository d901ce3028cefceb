import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { AppError } from '../errors/app-error.ts';
import { CONTAINERS } from '../store/containers.ts';
import {
  type Collection,
  type Doc,
  forEachPage,
  queryAll,
  type Store,
  tenantPartition,
} from '../store/store.port.ts';
import type { AttachmentStore } from './attachment-store.port.ts';
import { attachmentKey } from './file-attachment-store.ts';
import { checkItemSize } from './item-size.ts';
import { tabLinks } from '../tab/tab-links.ts';
import { BuiltinCrmCapture } from './builtin-crm-capture.ts';
import type { AppointmentDoc, CrmItemsContext, TaskDoc } from './builtin-crm-items.ts';
import { BuiltinCrmItems } from './builtin-crm-items.ts';
import { type RecordDoc, recordId, sortNameOf, toRecord } from './builtin-crm-records.ts';
import type {
  AppointmentInput,
  ContactInput,
  ContactResult,
  CrmAppointment,
  CrmTask,
  TaskInput,
} from './crm-items.port.ts';
import type {
  ActivityInput,
  ActivityResult,
  CaptureInput,
  CrmConnector,
  CrmRecord,
  CrmRecordType,
  Directory,
  DirectoryMatch,
  NewRecord,
} from './crm.port.ts';
import { companyDomain, domainAndParents } from './mail-domains.ts';

/**
 * The built-in CRM: companies, candidates, contacts and email activities of a tenant, kept in the
 * store's `crm` container (partitions: the tenant for its directory, ACTIVITY_BUCKETS more for its
 * email, tasks and appointments). Matching reads an in-memory index of the
 * tenant's addresses, rebuilt when the directory's version changes. Outlook's contacts, tasks and
 * events are builtin-crm-items.ts's, on the same collection and partitions.
 */

/**
 * A tenant's email activities are spread over this many partitions (by a hash of the activity's
 * id) in Cosmos DB, which caps a logical partition at 20 GB: one agency's mail outgrows that (16
 * take it to 320 GB), while its candidates, contacts and companies (in the tenant's own partition)
 * never do. A record's timeline reads the buckets side by side. The embedded store has no such cap
 * and uses one.
 */
export const ACTIVITY_BUCKETS = 16;

/** Cosmos DB items are at most 2 MB; an activity stays well under it, bodies included. */
export const MAX_ACTIVITY_BYTES = 1_500_000;

/** The activity as stored: the input less the tenant (it is the partition), attachments as references. */
export interface ActivityDoc extends Doc, Omit<ActivityInput, 'tenantId' | 'attachments'> {
  type: 'activity';
  attachments: Array<{ name: string; contentType: string; size: number; ref: string }>;
  linkIds: string[];
  createdAt: string;
}

interface VersionDoc extends Doc {
  type: 'meta';
  version: number;
}

export type CrmDoc = RecordDoc | ActivityDoc | VersionDoc | TaskDoc | AppointmentDoc;

const VERSION_ID = 'directory-version';

/** Record fields only Outlook's contacts write (builtin-crm-contacts.ts); an import keeps them. */
const OUTLOOK_ONLY_FIELDS = ['mobile', 'department', 'address', 'website', 'notes', 'sources'] as const;

export interface DirectoryFixture {
  companies: Array<{ id: string; name: string; domain?: string; phone?: string }>;
  contacts: Array<{
    id: string;
    firstName: string;
    lastName: string;
    emails: string[];
    phone?: string;
    title?: string;
    companyId?: string;
  }>;
  candidates: Array<{
    id: string;
    firstName: string;
    lastName: string;
    emails: string[];
    phone?: string;
    role?: string;
  }>;
}

class DirectoryIndex implements Directory {
  version: number;
  readonly records: CrmRecord[];
  private readonly byAddress = new Map<string, CrmRecord[]>();
  private readonly byId = new Map<string, CrmRecord>();
  private readonly byDomain = new Map<string, CrmRecord>();
  private readonly companiesByName = new Map<string, CrmRecord>();
  private readonly positions = new Map<string, number>();

  constructor(version: number, records: CrmRecord[]) {
    this.version = version;
    this.records = records;
    for (const [at, record] of records.entries()) {
      this.positions.set(record.id, at);
      this.index(record);
    }
  }

  private index(record: CrmRecord): void {
    this.byId.set(record.id, record);
    if (record.type === 'company') {
      // Two companies claiming one domain (or one name): the first keeps it, as an email links to one.
      for (const domain of record.domains ?? [])
        if (!this.byDomain.has(domain)) this.byDomain.set(domain, record);
      const name = record.name.trim().toLowerCase();
      if (!this.companiesByName.has(name)) this.companiesByName.set(name, record);
      return;
    }
    for (const email of record.emails) {
      const key = email.trim().toLowerCase();
      const list = this.byAddress.get(key);
      if (list) list.push(record);
      else this.byAddress.set(key, [record]);
    }
  }

  private unindex(record: CrmRecord): void {
    this.byId.delete(record.id);
    for (const [domain, holder] of this.byDomain) if (holder === record) this.byDomain.delete(domain);
    const name = record.name.trim().toLowerCase();
    if (this.companiesByName.get(name) === record) this.companiesByName.delete(name);
    for (const email of record.emails) {
      const key = email.trim().toLowerCase();
      const list = this.byAddress.get(key)?.filter((r) => r !== record);
      if (list?.length) this.byAddress.set(key, list);
      else this.byAddress.delete(key);
    }
  }

  /**
   * Takes in records this process has just written, as of `version`: a contact sync writes
   * thousands, and reading the whole directory again after each would cost each one every record.
   */
  apply(version: number, records: readonly CrmRecord[]): void {
    for (const record of records) {
      const old = this.byId.get(record.id);
      if (old) this.unindex(old);
      if (record.companyId) {
        const companyName = this.byId.get(record.companyId)?.name;
        if (companyName) record.companyName = companyName;
      }
      const at = this.positions.get(record.id);
      if (at === undefined) {
        this.positions.set(record.id, this.records.length);
        this.records.push(record);
      } else this.records[at] = record;
      this.index(record);
    }
    this.version = version;
  }

  /** A company by its name, trimmed and in any case. */
  companyByName(name: string): CrmRecord | undefined {
    return this.companiesByName.get(name.trim().toLowerCase());
  }

  get(id: string): CrmRecord | undefined {
    return this.byId.get(id);
  }

  lookup(addresses: readonly string[]) {
    const candidates: DirectoryMatch[] = [];
    const contacts: DirectoryMatch[] = [];
    const seen = new Set<string>();
    for (const raw of addresses) {
      const address = raw.trim().toLowerCase();
      for (const record of this.byAddress.get(address) ?? []) {
        if (seen.has(record.id)) continue;
        seen.add(record.id);
        (record.type === 'candidate' ? candidates : contacts).push({ record, address });
      }
    }
    return { candidates, contacts };
  }

  companiesByDomain(domains: readonly string[]): DirectoryMatch[] {
    const found: DirectoryMatch[] = [];
    if (this.byDomain.size === 0) return found;
    for (const domain of new Set(domains)) {
      for (const candidate of domainAndParents(domain)) {
        const record = this.byDomain.get(candidate);
        if (!record) continue;
        if (!found.some((m) => m.record.id === record.id)) found.push({ record, address: `@${candidate}` });
        break;
      }
    }
    return found;
  }
}

export interface BuiltinCrmOptions {
  store: Store;
  attachments: AttachmentStore;
  /** Base URL of the app, for deep links into the tab's record pages. */
  appUrl: string;
  /** Builds a record's link instead (a Teams deep link into the tab); the tab's URL under appUrl otherwise. */
  recordUrl?: (type: CrmRecordType, id: string) => string;
  now?: () => Date;
  /** Largest activity accepted; MAX_ACTIVITY_BYTES unless a test wants a smaller CRM. */
  maxActivityBytes?: number;
  /** Partitions per tenant for its activities: ACTIVITY_BUCKETS unless the store has no partition cap. */
  activityBuckets?: number;
}

/** Records an import writes together. */
const IMPORT_BATCH = 500;

export class BuiltinCrm implements CrmConnector {
  private readonly items: Collection<CrmDoc>;
  private readonly attachments: AttachmentStore;
  private readonly recordUrl: (type: CrmRecordType, id: string) => string;
  private readonly now: () => Date;
  private readonly indexes = new Map<string, DirectoryIndex>();
  private readonly maxActivityBytes: number;

  private readonly buckets: number;
  private readonly outlookItems: BuiltinCrmItems;
  private readonly captures: BuiltinCrmCapture;

  constructor(options: BuiltinCrmOptions) {
    this.maxActivityBytes = options.maxActivityBytes ?? MAX_ACTIVITY_BYTES;
    this.buckets = options.activityBuckets ?? ACTIVITY_BUCKETS;
    this.items = options.store.collection<CrmDoc>(CONTAINERS.crm);
    this.attachments = options.attachments;
    this.recordUrl = options.recordUrl ?? tabLinks(options.appUrl).record;
    this.now = options.now ?? (() => new Date());
    const context: CrmItemsContext = {
      items: this.items,
      now: this.now,
      maxItemBytes: this.maxActivityBytes,
      directory: (tenantId) => this.directory(tenantId),
      recordsWritten: (tenantId, docs) => this.recordsWritten(tenantId, docs),
      bucketOf: (tenantId, id) => this.activityPartition(tenantId, id),
      buckets: (tenantId) => this.activityBuckets(tenantId),
      unavailable: (error) => this.unavailable(error),
    };
    this.outlookItems = new BuiltinCrmItems(context);
    this.captures = new BuiltinCrmCapture(context, this.attachments);
  }

  captureCandidate(input: CaptureInput): Promise<{ record: CrmRecord; created: boolean }> {
    return this.captures.capture(input);
  }

  resumeOf(tenantId: string, id: string) {
    return this.captures.resumeOf(tenantId, id);
  }

  upsertContact(input: ContactInput): Promise<ContactResult> {
    return this.outlookItems.upsertContact(input);
  }

  upsertTask(input: TaskInput): Promise<{ taskId: string; created: boolean }> {
    return this.outlookItems.upsertTask(input);
  }

  deleteTask(tenantId: string, userId: string, key: string): Promise<boolean> {
    return this.outlookItems.deleteTask(tenantId, userId, key);
  }

  upsertAppointment(input: AppointmentInput): Promise<{ appointmentId: string; created: boolean }> {
    return this.outlookItems.upsertAppointment(input);
  }

  deleteAppointment(tenantId: string, userId: string, key: string): Promise<boolean> {
    return this.outlookItems.deleteAppointment(tenantId, userId, key);
  }

  tasksOf(tenantId: string, recordId: string, limit?: number): Promise<CrmTask[]> {
    return this.outlookItems.tasksOf(tenantId, recordId, limit);
  }

  appointmentsOf(tenantId: string, recordId: string, limit?: number): Promise<CrmAppointment[]> {
    return this.outlookItems.appointmentsOf(tenantId, recordId, limit);
  }

  async directory(tenantId: string): Promise<DirectoryIndex> {
    const pk = tenantPartition(tenantId);
    const version = ((await this.items.read(pk, VERSION_ID))?.value as VersionDoc | undefined)?.version ?? 0;
    const cached = this.indexes.get(tenantId);
    if (cached && cached.version === version) return cached;
    const docs = await queryAll(this.items, pk, {
      filters: [{ field: 'type', op: 'in', value: ['candidate', 'contact', 'company'] }],
    });
    const records = docs.map((doc) => toRecord(doc as RecordDoc));
    const companies = new Map(records.filter((r) => r.type === 'company').map((r) => [r.id, r.name]));
    for (const record of records) {
      if (record.companyId) {
        const companyName = companies.get(record.companyId);
        if (companyName) record.companyName = companyName;
      }
    }
    const index = new DirectoryIndex(version, records);
    this.indexes.set(tenantId, index);
    return index;
  }

  /** Loads records (a CSV import, the sandbox's seed) and bumps the directory's version. */
  async importDirectory(tenantId: string, fixture: DirectoryFixture): Promise<number> {
    const pk = tenantPartition(tenantId);
    const updatedAt = this.now().toISOString();
    const docs: RecordDoc[] = [
      ...fixture.companies.map((c) => {
        const domain = c.domain ? companyDomain(c.domain) : undefined;
        return {
          id: c.id,
          pk,
          type: 'company' as const,
          name: c.name,
          sortName: c.name.toLowerCase(),
          emails: [],
          ...(domain ? { domains: [domain] } : {}),
          ...(c.phone ? { phone: c.phone } : {}),
          updatedAt,
        };
      }),
      ...fixture.contacts.map((c) => ({
        id: c.id,
        pk,
        type: 'contact' as const,
        name: `${c.firstName} ${c.lastName}`.trim(),
        sortName: `${c.lastName} ${c.firstName}`.trim().toLowerCase(),
        emails: c.emails,
        ...(c.phone ? { phone: c.phone } : {}),
        ...(c.title ? { role: c.title } : {}),
        ...(c.companyId ? { companyId: c.companyId } : {}),
        updatedAt,
      })),
      ...fixture.candidates.map((c) => ({
        id: c.id,
        pk,
        type: 'candidate' as const,
        name: `${c.firstName} ${c.lastName}`.trim(),
        sortName: `${c.lastName} ${c.firstName}`.trim().toLowerCase(),
        emails: c.emails,
        ...(c.phone ? { phone: c.phone } : {}),
        ...(c.role ? { role: c.role } : {}),
        updatedAt,
      })),
    ];
    const known = await this.outlookOnlyFields(pk, docs);
    // A few hundred at a time: one transaction each in the embedded store (a record at a time was a
    // commit each, 5 s for 20,000), requests side by side in Cosmos DB.
    for (let i = 0; i < docs.length; i += IMPORT_BATCH)
      await this.items.upsertMany(
        docs.slice(i, i + IMPORT_BATCH).map((doc) => ({ ...known.get(doc.id), ...doc })),
      );
    return this.bumpVersion(pk);
  }

  /**
   * What Outlook's contacts added to records an import is about to write again: an import (a CSV,
   * the seed) knows nothing of these fields, and writing a record anew must not drop them.
   */
  private async outlookOnlyFields(pk: string, docs: readonly RecordDoc[]) {
    const kept = new Map<string, Partial<RecordDoc>>();
    if (docs.length === 0 || !(await this.items.read(pk, VERSION_ID))) return kept;
    const ids = new Set(docs.map((d) => d.id));
    const stored = await queryAll(this.items, pk, {
      filters: [{ field: 'type', op: 'in', value: ['candidate', 'contact', 'company'] }],
    });
    for (const doc of stored as RecordDoc[]) {
      if (!ids.has(doc.id)) continue;
      const fields = Object.fromEntries(OUTLOOK_ONLY_FIELDS.flatMap((f) => (doc[f] ? [[f, doc[f]]] : [])));
      if (Object.keys(fields).length > 0) kept.set(doc.id, fields);
    }
    return kept;
  }

  async createRecord(tenantId: string, input: NewRecord): Promise<CrmRecord> {
    const email = input.email.trim().toLowerCase();
    const name = input.name.trim() || email;
    const index = await this.directory(tenantId);
    const existing = index.lookup([email])[input.type === 'candidate' ? 'candidates' : 'contacts'][0];
    if (existing) {
      throw new AppError(
        'input.invalid',
        `${existing.record.name} is already a ${input.type} with ${email}.`,
        {
          context: { existingId: existing.record.id },
        },
      );
    }
    if (input.companyId && index.get(input.companyId)?.type !== 'company')
      throw new AppError('input.invalid', 'That company is not in the CRM.');
    const pk = tenantPartition(tenantId);
    // The id comes from the type and the address: two clicks at once make one record, not two.
    const id = recordId(input.type, email);
    const doc: RecordDoc = {
      id,
      pk,
      type: input.type,
      name,
      sortName: sortNameOf(name),
      emails: [email],
      ...(input.companyId ? { companyId: input.companyId } : {}),
      updatedAt: this.now().toISOString(),
    };
    try {
      await this.items.create(doc);
      await this.recordsWritten(tenantId, [doc]);
    } catch (error) {
      if (!AppError.is(error, 'store.conflict')) throw error;
      // Made a moment ago (a double click): the next read of the directory takes it from the store.
      await this.bumpVersion(pk);
    }
    return toRecord(doc);
  }

  async hasDirectory(tenantId: string): Promise<boolean> {
    return (await this.items.read(tenantPartition(tenantId), VERSION_ID)) !== undefined;
  }

  /**
   * Records this process wrote: the directory's version moves on, and the index cached here takes
   * them in place when nothing else changed the directory meanwhile (otherwise the next read
   * rebuilds it from the store, as for any change made elsewhere).
   */
  private async recordsWritten(tenantId: string, docs: readonly RecordDoc[]): Promise<void> {
    const version = await this.bumpVersion(tenantPartition(tenantId));
    const cached = this.indexes.get(tenantId);
    if (cached && cached.version === version - 1) cached.apply(version, docs.map(toRecord));
  }

  private async bumpVersion(pk: string): Promise<number> {
    for (;;) {
      const current = await this.items.read(pk, VERSION_ID);
      const version = ((current?.value as VersionDoc | undefined)?.version ?? 0) + 1;
      const doc: VersionDoc = { id: VERSION_ID, pk, type: 'meta', version };
      try {
        if (current) await this.items.replace(doc, { ifMatch: current.etag });
        else await this.items.create(doc);
        return version;
      } catch (error) {
        if (!AppError.is(error, 'store.precondition_failed') && !AppError.is(error, 'store.conflict'))
          throw error;
      }
    }
  }

  static activityId(tenantId: string, userId: string, messageKey: string): string {
    const digest = createHash('sha256')
      .update(`${tenantId}\u0000${userId}\u0000${messageKey}`)
      .digest('base64url');
    return `activity-${digest.slice(0, 32)}`;
  }

  /**
   * Whether the tenant has activities written before they were spread over buckets (in the
   * tenant's own partition): looked up once per process, so that tenants without any pay nothing.
   */
  private readonly legacy = new Map<string, { found: Promise<boolean>; at: number }>();
  private hasLegacy(tenantId: string): Promise<boolean> {
    const known = this.legacy.get(tenantId);
    // "Some" is kept; "none" is looked at again after ten minutes, as a process of the previous
    // version may still be writing there during a rolling deploy.
    if (known && Date.now() - known.at < 10 * 60_000) return known.found;
    const found = this.items
      .count(tenantPartition(tenantId), [{ field: 'type', op: '=', value: 'activity' }])
      .then((n) => n > 0);
    this.legacy.set(tenantId, { found, at: Date.now() });
    found.then(
      (yes) => {
        if (yes) this.legacy.set(tenantId, { found, at: Number.POSITIVE_INFINITY });
      },
      () => this.legacy.delete(tenantId),
    );
    return found;
  }

  /** The partitions that may hold the tenant's activities: its buckets, and its own partition if it has older ones. */
  private async activityPartitions(tenantId: string): Promise<string[]> {
    return (await this.hasLegacy(tenantId))
      ? [...this.activityBuckets(tenantId), tenantPartition(tenantId)]
      : this.activityBuckets(tenantId);
  }

  private activityPartition(tenantId: string, activityId: string): string {
    const bucket = createHash('sha256').update(activityId).digest()[0]! % this.buckets;
    return `${tenantPartition(tenantId)}|activities|${bucket}`;
  }

  private activityBuckets(tenantId: string): string[] {
    return Array.from({ length: this.buckets }, (_, b) => `${tenantPartition(tenantId)}|activities|${b}`);
  }

  /** Where an activity is: its bucket, or (written before buckets) the tenant's partition. */
  private async locate(tenantId: string, id: string) {
    const home = this.activityPartition(tenantId, id);
    const found = await this.items.read(home, id);
    if (found) return { pk: home, found };
    if (!(await this.hasLegacy(tenantId))) return undefined;
    const old = await this.items.read(tenantPartition(tenantId), id);
    return old ? { pk: tenantPartition(tenantId), found: old } : undefined;
  }

  async recordActivity(input: ActivityInput): Promise<ActivityResult> {
    const id = BuiltinCrm.activityId(input.tenantId, input.userId, input.messageKey);
    const pk = this.activityPartition(input.tenantId, id);
    // An email synced before activities had buckets is still the one activity it was.
    if (await this.hasLegacy(input.tenantId)) {
      const old = await this.locate(input.tenantId, id);
      if (old) {
        await this.mergeLinks(old.pk, id, input.links);
        return { activityId: id, created: false };
      }
    }
    // Uploading attachments is the costly part: not again for an email the CRM already has.
    if (input.attachments.length > 0 && (await this.items.read(pk, id))) {
      await this.mergeLinks(pk, id, input.links);
      return { activityId: id, created: false };
    }
    const attachments = [];
    for (const [index, attachment] of input.attachments.entries()) {
      // Keyed by position: two files of the same name, or names in scripts the key cannot carry,
      // never land on each other.
      const key = attachmentKey(input.tenantId, id, `${String(index).padStart(2, '0')}-${attachment.name}`);
      const source = await attachment.open();
      let size = Buffer.isBuffer(source) ? source.length : 0;
      // Counted on the way through: the stream is read once, by the store.
      const body = Buffer.isBuffer(source)
        ? source
        : source.pipe(
            new Transform({
              transform(chunk: Buffer, _encoding, done) {
                size += chunk.length;
                done(null, chunk);
              },
            }),
          );
      if (!Buffer.isBuffer(source)) source.once('error', (error) => (body as Transform).destroy(error));
      let ref: string;
      try {
        ref = await this.attachments.put(key, body, attachment.contentType);
      } finally {
        if (!Buffer.isBuffer(source)) source.destroy();
      }
      attachments.push({ name: attachment.name, contentType: attachment.contentType, size, ref });
    }
    const doc: ActivityDoc = {
      id,
      pk,
      type: 'activity',
      messageKey: input.messageKey,
      messageId: input.messageId,
      userId: input.userId,
      ...(input.subject !== undefined ? { subject: input.subject } : {}),
      ...(input.from ? { from: input.from } : {}),
      to: input.to,
      cc: input.cc,
      direction: input.direction,
      occurredAt: input.occurredAt,
      ...(input.body ? { body: input.body } : {}),
      attachments,
      ...(input.webLink ? { webLink: input.webLink } : {}),
      links: input.links,
      linkIds: input.links.map((l) => l.id),
      createdAt: this.now().toISOString(),
    };
    checkItemSize(doc, this.maxActivityBytes, 'activity');
    try {
      await this.items.create(doc);
      return { activityId: id, created: true };
    } catch (error) {
      if (!AppError.is(error, 'store.conflict')) throw this.unavailable(error);
    }
    await this.mergeLinks(pk, id, input.links);
    return { activityId: id, created: false };
  }

  async activityLinks(tenantId: string, activityId: string): Promise<ActivityInput['links']> {
    const found = (await this.locate(tenantId, activityId))?.found;
    return found?.value.type === 'activity' ? (found.value as ActivityDoc).links : [];
  }

  /** Associating or re-syncing an email that is already in the CRM adds links, never a second activity. */
  private async mergeLinks(pk: string, id: string, links: ActivityInput['links']): Promise<void> {
    for (;;) {
      const current = await this.items.read(pk, id);
      if (!current) throw new AppError('crm.unavailable', `activity ${id} vanished while adding links`);
      const activity = current.value as ActivityDoc;
      const missing = links.filter((l) => !activity.linkIds.includes(l.id));
      if (missing.length === 0) return;
      const merged: ActivityDoc = {
        ...activity,
        links: [...activity.links, ...missing],
        linkIds: [...activity.linkIds, ...missing.map((l) => l.id)],
      };
      try {
        await this.items.replace(merged, { ifMatch: current.etag });
        return;
      } catch (error) {
        if (!AppError.is(error, 'store.precondition_failed')) throw this.unavailable(error);
      }
    }
  }

  private unavailable(error: unknown): unknown {
    if (AppError.is(error, 'store.unavailable') || AppError.is(error, 'store.throttled')) {
      return new AppError('crm.unavailable', `the CRM cannot be reached: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return error;
  }

  async activity(tenantId: string, id: string): Promise<ActivityDoc | undefined> {
    const found = (await this.locate(tenantId, id))?.found;
    return found?.value.type === 'activity' ? (found.value as ActivityDoc) : undefined;
  }

  /** Every task Outlook's To Do brought in, in id order; for audits, benchmarks and tests. */
  listTasks(tenantId: string): Promise<TaskDoc[]> {
    return this.outlookItems.list<TaskDoc>(tenantId, 'task');
  }

  /** Every appointment the calendars brought in, in id order; for audits, benchmarks and tests. */
  listAppointments(tenantId: string): Promise<AppointmentDoc[]> {
    return this.outlookItems.list<AppointmentDoc>(tenantId, 'appointment');
  }

  /** Every activity of the tenant, in id order; for audits and tests. */
  async listActivities(tenantId: string): Promise<ActivityDoc[]> {
    const parts = await Promise.all(
      (await this.activityPartitions(tenantId)).map((pk) =>
        queryAll(this.items, pk, { filters: [{ field: 'type', op: '=', value: 'activity' }] }),
      ),
    );
    return (parts.flat() as ActivityDoc[]).sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * Every activity's message key, a page at a time: nothing but the keys is held, where the
   * activities themselves (bodies and all) are gigabytes at 200,000 emails.
   */
  async activityKeys(tenantId: string): Promise<string[]> {
    const keys: string[] = [];
    for (const pk of await this.activityPartitions(tenantId))
      await forEachPage(
        this.items,
        pk,
        { filters: [{ field: 'type', op: '=', value: 'activity' }] },
        (page) => {
          for (const item of page) keys.push((item as ActivityDoc).messageKey);
        },
      );
    return keys;
  }

  /** A record's activity timeline, newest first: each bucket's newest, merged. */
  async activitiesOf(tenantId: string, recordId: string, limit = 50): Promise<ActivityDoc[]> {
    const pages = await Promise.all(
      (await this.activityPartitions(tenantId)).map((pk) =>
        this.items.query(pk, {
          filters: [
            { field: 'type', op: '=', value: 'activity' },
            { field: 'linkIds', op: 'contains', value: recordId },
          ],
          orderBy: { field: 'occurredAt', direction: 'desc' },
          limit,
        }),
      ),
    );
    return pages
      .flatMap((page) => page.items.map((i) => i.value as ActivityDoc))
      .sort((a, b) => b.occurredAt.localeCompare(a.occurredAt))
      .slice(0, limit);
  }

  /** When a record last had an activity. */
  async lastActivityAt(tenantId: string, recordId: string): Promise<string | undefined> {
    return (await this.activitiesOf(tenantId, recordId, 1))[0]?.occurredAt;
  }

  async countActivities(tenantId: string): Promise<number> {
    const counts = await Promise.all(
      (await this.activityPartitions(tenantId)).map((pk) =>
        this.items.count(pk, [{ field: 'type', op: '=', value: 'activity' }]),
      ),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  async search(tenantId: string, query: string, limit = 20, viewerId?: string): Promise<CrmRecord[]> {
    const needle = query.trim().toLowerCase();
    if (!needle) return [];
    const index = await this.directory(tenantId);
    // A name or address containing the words, or a keyword or skill that is them ("Outlook" finds
    // every captured candidate, as the seeds' keyword search does).
    return index.records
      .filter((r) => viewerId === undefined || visibleTo(r, viewerId))
      .filter(
        (r) =>
          r.name.toLowerCase().includes(needle) ||
          r.emails.some((e) => e.toLowerCase().includes(needle)) ||
          r.keywords?.some((k) => k.toLowerCase() === needle) ||
          r.skills?.some((k) => k.toLowerCase() === needle),
      )
      .sort((a, b) => a.name.localeCompare(b.name))
      .slice(0, limit);
  }

  async record(tenantId: string, id: string): Promise<CrmRecord | undefined> {
    const found = await this.items.read(tenantPartition(tenantId), id);
    const value = found?.value;
    if (!value || !(value.type === 'candidate' || value.type === 'contact' || value.type === 'company'))
      return undefined;
    const record = toRecord(value);
    const lastActivityAt = await this.lastActivityAt(tenantId, id);
    if (lastActivityAt) record.lastActivityAt = lastActivityAt;
    if (record.companyId) {
      const company = await this.items.read(tenantPartition(tenantId), record.companyId);
      if (company?.value.type === 'company') record.companyName = company.value.name;
    }
    return record;
  }

  deepLink(record: Pick<CrmRecord, 'id' | 'type'>): string {
    return this.recordUrl(record.type, record.id);
  }
}

/** Whether a user may see a record: a private candidate is its owner's alone (the seeds' Share type). */
export function visibleTo(record: Pick<CrmRecord, 'share' | 'ownerId'>, userId: string): boolean {
  return record.share !== 'private' || record.ownerId === userId;
}
