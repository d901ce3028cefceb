import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import { dailyAt, dailyTimeSchema, nextSlot, scheduleSchema } from './schedule.ts';
import { CONTAINERS } from '../store/containers.ts';
import { type Collection, type Doc, queryAll, type Store, userPartition } from '../store/store.port.ts';

/**
 * A user's sync options, with the seeds' defaults: email sync on, attachments off, Inbox and Sent
 * Items (with their subfolders), nothing before the moment sync was turned on, received mail
 * matched on the sender and sent mail on To and Cc, internal-only threads skipped, full content.
 */

/** RFC 5321's limit for an address: nothing longer reaches a regular expression. */
const address = z.string().trim().max(254).toLowerCase().email();
/**
 * Bounds on every list a user can fill: each entry is checked for every address of every email,
 * and the whole document is read on every run, so neither may grow without limit.
 */
export const SETTINGS_LIMITS = {
  folders: 200,
  blocklist: 1_000,
  extraOwnAddresses: 100,
  internalDomains: 100,
} as const;
const domain = z
  .string()
  .trim()
  .max(253)
  .toLowerCase()
  .refine((v) => /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(v), { message: 'must be a domain name' });
/** An address, or `@domain` for a whole domain and its subdomains. */
/** The furthest back a scan may reach: ten years. */
export const DAYS_BACK_MAX = 3650;

export const blocklistEntry = z
  .string()
  .trim()
  .max(254)
  .toLowerCase()
  .refine((v) => /^@[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(v) || z.email().safeParse(v).success, {
    message: 'must be an email address or @domain',
  });

export const syncSettingsSchema = z.object({
  /** The Influence agent's switch: paused means nothing syncs automatically. */
  active: z.boolean().default(true),
  emailSync: z.boolean().default(true),
  attachments: z.boolean().default(false),
  attachmentMaxMb: z.number().int().min(1).max(150).default(25),
  /** Folder ids or well-known names; a folder's subfolders come along unless includeSubfolders is off. */
  folders: z.array(z.string().min(1).max(512)).max(SETTINGS_LIMITS.folders).default(['inbox', 'sentitems']),
  includeSubfolders: z.boolean().default(true),
  /** When sync was turned on: the default cutoff, as in the seeds. */
  enabledAt: z.iso.datetime(),
  /** "Emails before this date are not synced"; overrides enabledAt. */
  cutoff: z.iso.datetime().optional(),
  /** Days to scan back from now; overrides both. */
  daysBack: z.number().int().min(0).max(DAYS_BACK_MAX).optional(),
  matchAllParticipants: z.boolean().default(false),
  skipInternalOnly: z.boolean().default(true),
  blocklist: z.array(blocklistEntry).max(SETTINGS_LIMITS.blocklist).default([]),
  visibility: z.enum(['metadata', 'subject', 'full']).default('full'),
  linkCompanies: z.boolean().default(false),
  /** What automatic sync tells the user, and how often at most (manual syncs always report back). */
  notifications: z
    .object({
      level: z.enum(['off', 'errors', 'all']),
      everyMinutes: z.union([z.literal(0), z.literal(15), z.literal(60), z.literal(240), z.literal(1440)]),
    })
    .default({ level: 'all', everyMinutes: 60 }),
  /** When automatic sync runs besides change notifications: the safety net. */
  schedule: scheduleSchema.default({ kind: 'interval', minutes: 15 }),
  /**
   * The seeds' "Schedule Sync at": a sync all of the selected folders every day at this time in the
   * user's time zone, besides the automatic schedule (after the day's work, say). It is the user's
   * own request, so pausing automatic sync does not stop it; turning email sync off does.
   */
  syncAllAt: dailyTimeSchema.optional(),
  /**
   * Contacts, tasks and calendar items (bot/sync/item-sync.ts). Contact sync is off by default
   * (duplicates, overwrites: the seeds' reasons) and turning it on needs the user's explicit
   * confirmation. "Sync Deleted Items": an item deleted in Outlook is deleted in the CRM too.
   */
  contacts: z
    .object({ enabled: z.boolean(), confirmedAt: z.iso.datetime().optional() })
    .refine((c) => !c.enabled || c.confirmedAt !== undefined, {
      message: 'turning contact sync on needs your confirmation that duplicates and overwrites can happen',
    })
    .default({ enabled: false }),
  tasks: z
    .object({ enabled: z.boolean(), syncDeleted: z.boolean(), otherInfoInDescription: z.boolean() })
    .default({ enabled: false, syncDeleted: false, otherInfoInDescription: false }),
  calendar: z
    .object({ enabled: z.boolean(), syncDeleted: z.boolean() })
    .default({ enabled: false, syncDeleted: false }),
  /** Aliases Graph does not list; they are the user's own and never matched. */
  extraOwnAddresses: z.array(address).max(SETTINGS_LIMITS.extraOwnAddresses).default([]),
  /** Other domains of the agency, for the internal-only rule. */
  internalDomains: z.array(domain).max(SETTINGS_LIMITS.internalDomains).default([]),
});

export type SyncSettings = z.infer<typeof syncSettingsSchema>;
export type SyncSettingsInput = z.input<typeof syncSettingsSchema>;

interface SettingsDoc extends Doc {
  settings: SyncSettings;
  updatedAt: string;
}

const SETTINGS_ID = 'sync-settings';

export function effectiveCutoff(settings: SyncSettings, now: Date): Date {
  if (settings.daysBack !== undefined) return new Date(now.getTime() - settings.daysBack * 86_400_000);
  return new Date(settings.cutoff ?? settings.enabledAt);
}

/** Every user's next scheduled run, in one partition, so the scheduler finds who is due in one query. */
export const SCHEDULE_INDEX = 'schedule-index';

export interface ScheduleIndexDoc extends Doc {
  tenantId: string;
  userId: string;
  /** Milliseconds: the earlier of `next`'s two; null when nothing runs on a schedule. */
  nextRunAt: number | null;
  /**
   * Each kind's next slot, claimed separately so that both run, each once. Absent in entries
   * written before the daily Sync All existed: their nextRunAt is the automatic schedule's.
   */
  next?: ScheduledSlots;
}

/** The next slot of each kind of scheduled run, in milliseconds; null when that kind does not run. */
export interface ScheduledSlots {
  /** The automatic schedule's (mode `automatic`): while any kind's sync is on and not paused. */
  automatic: number | null;
  /** The daily Sync All's (mode `all`): while any kind's sync is on, paused or not. */
  syncAll: number | null;
}

/** Whether any kind of item syncs: email, contacts, tasks or calendar. */
export function anySyncOn(settings: SyncSettings): boolean {
  return (
    settings.emailSync || settings.contacts.enabled || settings.tasks.enabled || settings.calendar.enabled
  );
}

export function scheduledSlots(settings: SyncSettings, now: Date): ScheduledSlots {
  if (!anySyncOn(settings)) return { automatic: null, syncAll: null };
  return {
    automatic: settings.active ? (nextSlot(settings.schedule, now)?.getTime() ?? null) : null,
    syncAll: settings.syncAllAt ? (nextSlot(dailyAt(settings.syncAllAt), now)?.getTime() ?? null) : null,
  };
}

/** The next scheduled run of any kind: the earlier of the automatic schedule's and the daily Sync All's. */
export function scheduledNext(settings: SyncSettings, now: Date): number | null {
  const { automatic, syncAll } = scheduledSlots(settings, now);
  if (automatic === null) return syncAll;
  if (syncAll === null) return automatic;
  return Math.min(automatic, syncAll);
}

/** What the schedule index keeps of a user's settings: when each kind of run is next due. */
export function indexTimes(settings: SyncSettings, now: Date): Pick<ScheduleIndexDoc, 'nextRunAt' | 'next'> {
  return { nextRunAt: scheduledNext(settings, now), next: scheduledSlots(settings, now) };
}

export class SyncSettingsRepository {
  private readonly items: Collection<SettingsDoc>;
  private readonly index: Collection<ScheduleIndexDoc>;
  private readonly now: () => Date;

  constructor(store: Store, options: { now?: () => Date } = {}) {
    this.items = store.collection<SettingsDoc>(CONTAINERS.settings);
    this.index = store.collection<ScheduleIndexDoc>(CONTAINERS.settings);
    this.now = options.now ?? (() => new Date());
  }

  async get(tenantId: string, userId: string): Promise<{ settings: SyncSettings; etag: string } | undefined> {
    const found = await this.items.read(userPartition(tenantId, userId), SETTINGS_ID);
    return found ? { settings: found.value.settings, etag: found.etag } : undefined;
  }

  /** Writes settings; with `ifMatch`, a concurrent change is refused instead of overwritten. */
  async save(
    tenantId: string,
    userId: string,
    input: SyncSettingsInput,
    ifMatch?: string,
  ): Promise<SyncSettings> {
    return (await this.saveVersioned(tenantId, userId, input, ifMatch ? { ifMatch } : {})).settings;
  }

  /**
   * Writes settings and returns their new etag. `ifMatch` refuses a change made meanwhile
   * (`store.precondition_failed`); `create` refuses to overwrite settings someone else just created.
   */
  async saveVersioned(
    tenantId: string,
    userId: string,
    input: SyncSettingsInput,
    precondition: { ifMatch?: string; create?: boolean },
  ): Promise<{ settings: SyncSettings; etag: string }> {
    const parsed = syncSettingsSchema.safeParse(input);
    if (!parsed.success) {
      throw new AppError(
        'input.invalid',
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        { context: { fields: parsed.error.issues.map((i) => i.path.join('.')) } },
      );
    }
    const doc: SettingsDoc = {
      id: SETTINGS_ID,
      pk: userPartition(tenantId, userId),
      settings: parsed.data,
      updatedAt: new Date().toISOString(),
    };
    let written;
    if (precondition.ifMatch) written = await this.items.replace(doc, { ifMatch: precondition.ifMatch });
    else if (precondition.create) written = await this.items.create(doc);
    else written = await this.items.upsert(doc);
    await this.index.upsert({
      id: `${tenantId}|${userId}`,
      pk: SCHEDULE_INDEX,
      tenantId,
      userId,
      ...indexTimes(parsed.data, this.now()),
    });
    return { settings: parsed.data, etag: written.etag };
  }

  /** Everyone in a tenant who has sync settings, from the schedule index (one partition). */
  async usersOf(tenantId: string): Promise<string[]> {
    const docs = await queryAll(this.index, SCHEDULE_INDEX, {
      filters: [{ field: 'tenantId', op: '=', value: tenantId }],
    });
    return docs.map((d) => d.userId);
  }
}
