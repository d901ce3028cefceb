import { createHash } from 'node:crypto';
import { AppError } from '../errors/app-error.ts';
import { type Collection, type Doc, type Filter, type QueryOptions, queryAll } from '../store/store.port.ts';
import type { CrmDoc } from './builtin-crm.ts';
import type { RecordDoc } from './builtin-crm-records.ts';
import { BuiltinCrmContacts } from './builtin-crm-contacts.ts';
import { checkItemSize } from './item-size.ts';
import type {
  AppointmentInput,
  ContactInput,
  ContactResult,
  CrmAppointment,
  CrmItems,
  CrmTask,
  TaskInput,
} from './crm-items.port.ts';
import type { CrmRecord, Directory } from './crm.port.ts';

/**
 * Outlook's contacts, tasks and events in the built-in CRM. Contacts are records
 * (builtin-crm-contacts.ts); tasks and appointments sit beside the email activities, in the
 * tenant's activity buckets, linked to records the same way, so a record's page reads them alike.
 */

/** What the built-in CRM lends its items: its collection, partitions, directory and error mapping. */
export interface CrmItemsContext {
  items: Collection<CrmDoc>;
  now: () => Date;
  /** The largest item accepted (an activity's cap). */
  maxItemBytes: number;
  directory(
    tenantId: string,
  ): Promise<Directory & { records: CrmRecord[]; companyByName(name: string): CrmRecord | undefined }>;
  /** Records just written: the directory's version moves on (and this process's index takes them). */
  recordsWritten(tenantId: string, docs: readonly RecordDoc[]): Promise<void>;
  /** The activity bucket an item of this id lives in. */
  bucketOf(tenantId: string, id: string): string;
  /** Every activity bucket of the tenant. */
  buckets(tenantId: string): string[];
  /** A store outage as `crm.unavailable`; anything else as it is. */
  unavailable(error: unknown): unknown;
}

export interface TaskDoc extends Doc, Omit<TaskInput, 'tenantId'> {
  type: 'task';
  linkIds: string[];
  /** Not completed: open tasks come first on a record's page. */
  open: boolean;
  /** The due date, or the far future for a task without one, so every task can be ordered by it. */
  dueSort: string;
  createdAt: string;
  updatedAt: string;
}

export interface AppointmentDoc extends Doc, Omit<AppointmentInput, 'tenantId'> {
  type: 'appointment';
  linkIds: string[];
  createdAt: string;
  updatedAt: string;
}

type ItemDoc = TaskDoc | AppointmentDoc;
type Fresh<D extends ItemDoc> = Omit<D, 'createdAt' | 'updatedAt'>;

const NO_DUE_DATE = '9999-12-31';
const DEFAULT_LIMIT = 50;

export class BuiltinCrmItems implements CrmItems {
  private readonly crm: CrmItemsContext;
  private readonly contacts: BuiltinCrmContacts;

  constructor(crm: CrmItemsContext) {
    this.crm = crm;
    this.contacts = new BuiltinCrmContacts(crm);
  }

  static itemId(tenantId: string, userId: string, kind: ItemDoc['type'], key: string): string {
    const digest = createHash('sha256')
      .update(`${tenantId}\u0000${userId}\u0000${kind}\u0000${key}`)
      .digest('base64url');
    return `${kind}-${digest.slice(0, 32)}`;
  }

  upsertContact(input: ContactInput): Promise<ContactResult> {
    return this.contacts.upsert(input);
  }

  async upsertTask(input: TaskInput): Promise<{ taskId: string; created: boolean }> {
    const id = BuiltinCrmItems.itemId(input.tenantId, input.userId, 'task', input.key);
    const fresh: Fresh<TaskDoc> = {
      id,
      pk: this.crm.bucketOf(input.tenantId, id),
      type: 'task',
      userId: input.userId,
      key: input.key,
      title: input.title,
      status: input.status,
      priority: input.priority,
      ...(input.dueAt ? { dueAt: input.dueAt } : {}),
      ...(input.description ? { description: input.description } : {}),
      links: input.links,
      linkIds: input.links.map((l) => l.id),
      ...(input.webLink ? { webLink: input.webLink } : {}),
      open: input.status !== 'completed',
      dueSort: input.dueAt ?? NO_DUE_DATE,
    };
    return { taskId: id, created: await this.upsertItem(fresh) };
  }

  async upsertAppointment(input: AppointmentInput): Promise<{ appointmentId: string; created: boolean }> {
    const id = BuiltinCrmItems.itemId(input.tenantId, input.userId, 'appointment', input.key);
    const { tenantId, ...rest } = input;
    const fresh: Fresh<AppointmentDoc> = {
      ...withoutUndefined(rest),
      id,
      pk: this.crm.bucketOf(tenantId, id),
      type: 'appointment',
      linkIds: input.links.map((l) => l.id),
    };
    return { appointmentId: id, created: await this.upsertItem(fresh) };
  }

  deleteTask(tenantId: string, userId: string, key: string): Promise<boolean> {
    return this.deleteItem(tenantId, BuiltinCrmItems.itemId(tenantId, userId, 'task', key));
  }

  deleteAppointment(tenantId: string, userId: string, key: string): Promise<boolean> {
    return this.deleteItem(tenantId, BuiltinCrmItems.itemId(tenantId, userId, 'appointment', key));
  }

  /** Open tasks, soonest due first (undated last); then completed ones, the latest first. */
  async tasksOf(tenantId: string, recordId: string, limit = DEFAULT_LIMIT): Promise<CrmTask[]> {
    const open = (
      await this.linked<TaskDoc>(tenantId, recordId, 'task', {
        filters: [{ field: 'open', op: '=', value: true }],
        orderBy: { field: 'dueSort', direction: 'asc' },
        limit,
      })
    ).sort((a, b) => a.dueSort.localeCompare(b.dueSort) || a.id.localeCompare(b.id));
    if (open.length >= limit) return open.slice(0, limit).map(toTask);
    const done = (
      await this.linked<TaskDoc>(tenantId, recordId, 'task', {
        filters: [{ field: 'open', op: '=', value: false }],
        orderBy: { field: 'updatedAt', direction: 'desc' },
        limit: limit - open.length,
      })
    ).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.id.localeCompare(b.id));
    return [...open, ...done].slice(0, limit).map(toTask);
  }

  /**
   * The appointments not over yet, soonest first, then past ones, the latest first: on a
   * candidate's page the recruiter looks first for the next interview, then for the last one.
   */
  async appointmentsOf(tenantId: string, recordId: string, limit = DEFAULT_LIMIT): Promise<CrmAppointment[]> {
    const now = this.crm.now().toISOString();
    const coming = (
      await this.linked<AppointmentDoc>(tenantId, recordId, 'appointment', {
        filters: [{ field: 'end', op: '>=', value: now }],
        orderBy: { field: 'start', direction: 'asc' },
        limit,
      })
    ).sort((a, b) => a.start.localeCompare(b.start) || a.id.localeCompare(b.id));
    if (coming.length >= limit) return coming.slice(0, limit).map(toAppointment);
    const past = (
      await this.linked<AppointmentDoc>(tenantId, recordId, 'appointment', {
        filters: [{ field: 'end', op: '<', value: now }],
        orderBy: { field: 'start', direction: 'desc' },
        limit: limit - coming.length,
      })
    ).sort((a, b) => b.start.localeCompare(a.start) || a.id.localeCompare(b.id));
    return [...coming, ...past].slice(0, limit).map(toAppointment);
  }

  /** One page from each bucket, side by side; the caller merges them in the same order. */
  /** Every task or appointment of the tenant, in id order; for audits, benchmarks and tests. */
  async list<D extends ItemDoc>(tenantId: string, type: D['type']): Promise<D[]> {
    const parts = await Promise.all(
      this.crm
        .buckets(tenantId)
        .map((pk) => queryAll(this.crm.items, pk, { filters: [{ field: 'type', op: '=', value: type }] })),
    );
    return (parts.flat() as unknown as D[]).sort((a, b) => a.id.localeCompare(b.id));
  }

  private async linked<D extends ItemDoc>(
    tenantId: string,
    recordId: string,
    type: D['type'],
    options: QueryOptions & { filters: Filter[] },
  ): Promise<D[]> {
    try {
      const pages = await Promise.all(
        this.crm.buckets(tenantId).map((pk) =>
          this.crm.items.query(pk, {
            ...options,
            filters: [
              { field: 'type', op: '=', value: type },
              { field: 'linkIds', op: 'contains', value: recordId },
              ...options.filters,
            ],
          }),
        ),
      );
      return pages.flatMap((page) => page.items.map((i) => i.value as D));
    } catch (error) {
      throw this.crm.unavailable(error);
    }
  }

  /**
   * Outlook is the source of truth for its own tasks and events: its copy replaces the CRM's,
   * which keeps only when it was first made. The same copy again writes nothing. True when made.
   */
  private async upsertItem<D extends ItemDoc>(fresh: Fresh<D>): Promise<boolean> {
    checkItemSize(
      { ...fresh, createdAt: this.crm.now().toISOString(), updatedAt: '' },
      this.crm.maxItemBytes,
      fresh.type,
    );
    try {
      for (;;) {
        const current = await this.crm.items.read(fresh.pk, fresh.id);
        const now = this.crm.now().toISOString();
        if (!current) {
          try {
            await this.crm.items.create({ ...fresh, createdAt: now, updatedAt: now } as D);
            return true;
          } catch (error) {
            if (!AppError.is(error, 'store.conflict')) throw error;
            continue;
          }
        }
        const before = current.value as D;
        if (sameContent(before, fresh)) return false;
        try {
          await this.crm.items.replace({ ...fresh, createdAt: before.createdAt, updatedAt: now } as D, {
            ifMatch: current.etag,
          });
          return false;
        } catch (error) {
          if (!AppError.is(error, 'store.precondition_failed')) throw error;
        }
      }
    } catch (error) {
      throw this.crm.unavailable(error);
    }
  }

  private async deleteItem(tenantId: string, id: string): Promise<boolean> {
    try {
      return await this.crm.items.delete(this.crm.bucketOf(tenantId, id), id);
    } catch (error) {
      throw this.crm.unavailable(error);
    }
  }
}

/** Whether the stored item already says what the fresh one says (timestamps and store fields aside). */
function sameContent(before: object, fresh: object): boolean {
  const ignored = new Set(['createdAt', 'updatedAt']);
  const a = before as Record<string, unknown>;
  const b = fresh as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (ignored.has(key) || key.startsWith('_')) continue;
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) return false;
  }
  return true;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function toTask(doc: TaskDoc): CrmTask {
  return {
    id: doc.id,
    userId: doc.userId,
    key: doc.key,
    title: doc.title,
    status: doc.status,
    priority: doc.priority,
    ...(doc.dueAt ? { dueAt: doc.dueAt } : {}),
    ...(doc.description ? { description: doc.description } : {}),
    links: doc.links,
    ...(doc.webLink ? { webLink: doc.webLink } : {}),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

function toAppointment(doc: AppointmentDoc): CrmAppointment {
  return {
    id: doc.id,
    userId: doc.userId,
    key: doc.key,
    eventId: doc.eventId,
    ...(doc.subject !== undefined ? { subject: doc.subject } : {}),
    start: doc.start,
    end: doc.end,
    ...(doc.timeZone ? { timeZone: doc.timeZone } : {}),
    isAllDay: doc.isAllDay,
    ...(doc.location ? { location: doc.location } : {}),
    ...(doc.onlineMeetingUrl ? { onlineMeetingUrl: doc.onlineMeetingUrl } : {}),
    ...(doc.organizer ? { organizer: doc.organizer } : {}),
    attendees: doc.attendees,
    ...(doc.body ? { body: doc.body } : {}),
    status: doc.status,
    links: doc.links,
    ...(doc.webLink ? { webLink: doc.webLink } : {}),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}
