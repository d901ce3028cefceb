import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { TenantAdmin } from '../admin/tenant-admin.ts';
import type { CaptureService } from '../capture/capture-service.ts';
import type { SkillsRepository } from '../capture/skills-store.ts';
import { type BuiltinCrm, visibleTo } from '../crm/builtin-crm.ts';
import type { CrmAppointment, CrmTask } from '../crm/crm-items.port.ts';
import { htmlToText } from '../crm/html-text.ts';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logging/logger.ts';
import type { NotificationCenter } from '../notifications/notification-center.ts';
import { NEVER_AUTOMATIC } from '../sync/folder-selection.ts';
import type { MailSync } from '../sync/mail-sync.ts';
import type { RunProgress } from '../sync/run-progress.ts';
import type { SyncService } from '../sync/sync-service.ts';
import { scheduledSlots, type SyncSettings, syncSettingsSchema } from '../sync/sync-settings.ts';
import { TENANT_DISABLED_MESSAGE } from '../sync/tenant-switch.ts';
import { KeyedRateLimiter, type RateLimit, tooManyRequests } from '../http/rate-limit.ts';
import type { TabAuthenticator, TabIdentity } from './tab-identity.ts';
import { mountEmailRoutes } from './emails-api.ts';
import { mountItemRoutes } from './items-api.ts';
import type {
  Activity,
  CrmRecord as CrmRecordView,
  Folder,
  Me,
  NotificationItem,
  RecordAnswer,
  RecordAppointment,
  RecordTask,
  SettingsAnswer,
  Status,
} from './tab-types.ts';

/**
 * The tab's API under /api/tab. Every route knows its caller from the authenticator (a Teams SSO
 * token, or the sandbox's fixed identity) and acts only on that user's data; nothing in the URL
 * or the body can name another user. Settings writes are etag-guarded with If-Match.
 */

export interface TabApiDeps {
  auth: TabAuthenticator;
  sync: SyncService;
  progress: RunProgress;
  crm: BuiltinCrm;
  /** The folder tree, through the sync's own cache of it. */
  mailSync: MailSync;
  notifications: NotificationCenter;
  admin: TenantAdmin;
  /** CaptureME: the Emails view's "Captured" filter and its Retry; the admins' skills list. */
  capture?: CaptureService;
  skills?: SkillsRepository;
  mode: 'sandbox' | 'azure';
  logger: Logger;
}

/** Every request body but a CSV import's: settings with every list at its limit fit well within it. */
const BODY_LIMIT = '64kb';
/** CaptureME's skills list as an admin saves it (null: back to the shipped list); a few hundred KB at most. */
const skillsBody = z.object({ text: z.string().max(500_000).nullable() });
/** A CSV import up to MAX_IMPORT_ROWS rows fits well within this; only admins may send one. */
const IMPORT_LIMIT = '2mb';

/**
 * Requests per user and process. `all` is every call (the tab refreshes its status every few
 * seconds while a sync runs); `graph` is the calls that go to Microsoft Graph or start work (folder
 * tree, the directory's users, a sync, an import), which one person clicking has no need to repeat.
 */
export const USER_LIMITS = {
  all: { burst: 60, perSecond: 5 },
  graph: { burst: 20, perSecond: 1 },
} satisfies Record<string, RateLimit>;

export type Handler = (req: Request, res: Response, me: TabIdentity) => Promise<void>;

const callerOf = (res: Response) => res.locals.caller as TabIdentity | undefined;

/**
 * A route that knows its caller: the one `userDataRouter` authenticated, or (on a router of its
 * own) the authenticator's answer; its errors reach the handler chain.
 */
/** A list's continuation token from another list, or tampered with: the caller's error, a 400. */
export function refuseForeignContinuation(error: unknown): never {
  if (AppError.is(error, 'store.invalid_query'))
    throw new AppError('input.invalid', 'continuation: not a page of this list; start from the first page');
  throw error;
}

export function authenticated(auth: TabAuthenticator) {
  return (handler: Handler) =>
    async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      try {
        const me = callerOf(res) ?? (await auth.authenticate(req.get('authorization')));
        await handler(req, res, me);
      } catch (error) {
        next(error);
      }
    };
}

/** A middleware that holds each user to `limit`, for routes that cost more than a read. */
export function perUser(limit: RateLimit): express.RequestHandler {
  const limiter = new KeyedRateLimiter(limit);
  return (_req, res, next) => {
    const me = callerOf(res);
    const wait = me ? limiter.take(`${me.tenantId}/${me.userId}`) : 0;
    if (wait > 0) tooManyRequests(res, wait, `Too many requests; try again in ${wait} s.`);
    else next();
  };
}

/**
 * The router for one user's data. In this order: the caller is authenticated (before any body is
 * read, so an anonymous request costs no parsing), held to USER_LIMITS.all, its JSON body parsed
 * up to `limit` (larger only on `adminBodies` paths, for admins), and the answers marked no-store:
 * no browser or proxy may cache one user's data.
 */
export function userDataRouter(
  auth: TabAuthenticator,
  limit: string,
  adminBodies: Record<string, string> = {},
): express.Router {
  const router = express.Router();
  router.use((req, res, next) => {
    auth.authenticate(req.get('authorization')).then((me) => {
      res.locals.caller = me;
      next();
    }, next);
  });
  router.use(perUser(USER_LIMITS.all));
  const json = express.json({ limit });
  const larger = new Map(
    Object.entries(adminBodies).map(([path, max]) => [path, express.json({ limit: max })]),
  );
  router.use((req, res, next) => {
    const parser = larger.get(req.path);
    if (!parser) {
      json(req, res, next);
      return;
    }
    if (!callerOf(res)?.isAdmin) next(forbiddenToNonAdmins());
    else parser(req, res, next);
  });
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  return router;
}

const forbiddenToNonAdmins = () =>
  new AppError('auth.forbidden', 'Only your organization’s CRM Sync admins can do this.');

function invalid(error: z.ZodError): AppError {
  const fields = error.issues.map((i) => i.path.join('.') || '(body)');
  return new AppError(
    'input.invalid',
    error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    { context: { fields } },
  );
}

export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalid(parsed.error);
  return parsed.data;
}

const activeBody = z.object({ active: z.boolean() });
const retryBody = z.object({ messageId: z.string().min(1) });
const readBody = z.object({ ids: z.array(z.string().min(1)).max(500).optional() });
const tenantBody = z.object({ enabled: z.boolean() });
const csvBody = z.object({ csv: z.string().min(1, 'the file is empty') });
/** A directory search: short, like anything a person types into a search box. */
export const searchQuery = z.object({ q: z.string().max(200).default('') });
const recordParams = z.object({ type: z.enum(['candidate', 'contact', 'company']), id: z.string().min(1) });

export function tabApi(deps: TabApiDeps): express.Router {
  const router = userDataRouter(deps.auth, BODY_LIMIT, {
    '/admin/import/preview': IMPORT_LIMIT,
    '/admin/import': IMPORT_LIMIT,
    '/admin/skills': IMPORT_LIMIT,
  });
  const route = authenticated(deps.auth);
  const costly = perUser(USER_LIMITS.graph);
  const admin =
    (handler: Handler): Handler =>
    async (req, res, me) => {
      if (!me.isAdmin) throw forbiddenToNonAdmins();
      await handler(req, res, me);
    };
  const user = (me: TabIdentity) => ({ tenantId: me.tenantId, userId: me.userId });
  /** A sync of the whole mailbox needs the organization's switch and the user's email sync on: else 409. */
  const refusedSync = async (res: Response, me: TabIdentity): Promise<boolean> => {
    const access = await deps.sync.access(user(me));
    if (access.allowed) return false;
    const message =
      access.reason === 'tenant_disabled'
        ? TENANT_DISABLED_MESSAGE
        : 'Turn sync on first: email, contacts, tasks or calendar.';
    res.status(409).json({ error: { code: access.reason, message } });
    return true;
  };

  router.get(
    '/me',
    route(async (_req, res, me) => {
      res.json({
        ...me,
        mode: deps.mode,
        tenantEnabled: await deps.sync.tenantEnabled(me.tenantId),
      } satisfies Me);
    }),
  );

  router.get(
    '/settings',
    route(async (_req, res, me) => {
      const stored = await deps.sync.settingsOf(user(me));
      if (stored) {
        res.set('ETag', stored.etag).json(settingsAnswer(stored.settings, stored.etag));
        return;
      }
      // Never saved: the seeds' defaults, with sync off until the user turns it on.
      const defaults = syncSettingsSchema.parse({ enabledAt: new Date().toISOString(), emailSync: false });
      res.json(settingsAnswer(defaults, null));
    }),
  );

  router.put(
    '/settings',
    route(async (req, res, me) => {
      const ifMatch = req.get('if-match') ?? undefined;
      const saved = await deps.sync.saveSettings(user(me), req.body ?? {}, ifMatch);
      res.set('ETag', saved.etag).json(settingsAnswer(saved.settings, saved.etag));
    }),
  );

  router.post(
    '/sync/active',
    route(async (req, res, me) => {
      const { active } = parse(activeBody, req.body);
      const stored = await deps.sync.settingsOf(user(me));
      const settings =
        active && !stored?.settings.emailSync
          ? await deps.sync.turnOn(user(me))
          : await deps.sync.setActive(user(me), active);
      res.json({ active: settings.active, emailSync: settings.emailSync });
    }),
  );

  router.get(
    '/status',
    route(async (_req, res, me) => {
      const [status, errors, recent, setAside, tenantEnabled] = await Promise.all([
        deps.sync.status(user(me)),
        deps.sync.errors(user(me), 50),
        deps.sync.recentlySynced(user(me), 10),
        deps.sync.setAside(user(me)),
        deps.sync.tenantEnabled(me.tenantId),
      ]);
      const directory = await deps.crm.directory(me.tenantId);
      // Folder names for the errors table, from the sync's cached tree (no Graph call when it is warm).
      const folders = errors.length > 0 ? await deps.mailSync.folderTree(me.userId).catch(() => []) : [];
      const folderPath = (id: string) => folders.find((f) => f.id === id)?.path ?? null;
      const linkOf = (id: string) => {
        const record = directory.get(id);
        return record
          ? { id, type: record.type, name: record.name, link: deps.crm.deepLink(record) }
          : undefined;
      };
      const answer: Status = {
        ...status,
        tenantEnabled,
        running: deps.progress.of(user(me)) ?? null,
        errors: errors.map((e) => ({
          messageId: e.messageId,
          subject: e.subject,
          from: e.from,
          folderId: e.folderId,
          folder: folderPath(e.folderId),
          receivedAt: e.receivedAt,
          note: e.note,
          attempts: e.attempts,
          updatedAt: e.updatedAt,
        })),
        setAside,
        recent: recent.map((e) => ({
          messageId: e.messageId,
          subject: e.subject,
          from: e.from,
          receivedAt: e.receivedAt,
          syncedAt: e.updatedAt,
          direction: e.direction,
          records: [...(e.matched?.candidates ?? []), ...(e.matched?.contacts ?? [])]
            .map(linkOf)
            .filter((r) => r !== undefined),
        })),
      };
      res.json(answer);
    }),
  );

  router.post(
    '/sync',
    costly,
    route(async (_req, res, me) => {
      if (await refusedSync(res, me)) return;
      if (deps.progress.of(user(me))) {
        res
          .status(409)
          .json({ error: { code: 'busy', message: 'A sync of your mailbox is already running.' } });
        return;
      }
      deps.progress.starting(user(me), 'all');
      void deps.sync
        .syncNow(user(me))
        .catch((error: unknown) =>
          deps.logger.warn({ err: { message: (error as Error).message } }, 'sync from the tab failed'),
        )
        .finally(() => deps.progress.ended(user(me)));
      res.status(202).json({ started: true });
    }),
  );

  /** Resend All, which the tab asks the user to confirm first: queued for the worker. */
  router.post(
    '/sync/resend-all',
    costly,
    route(async (_req, res, me) => {
      if (await refusedSync(res, me)) return;
      await deps.sync.queueResendAll(user(me));
      res.status(202).json({ queued: true });
    }),
  );

  router.post(
    '/errors/retry',
    route(async (req, res, me) => {
      const { messageId } = parse(retryBody, req.body);
      const entry = await deps.sync.retry(user(me), messageId);
      if (!entry) throw new AppError('store.not_found', 'That email is not in your sync history.');
      res.json({ status: entry.status, note: entry.note ?? null });
    }),
  );

  router.post(
    '/errors/retry-all',
    costly,
    route(async (_req, res, me) => {
      res.json(await deps.sync.retryAll(user(me)));
    }),
  );

  router.get(
    '/folders',
    costly,
    route(async (_req, res, me) => {
      // Read afresh: a folder made in Outlook a minute ago shows, and the next sync sees it too.
      const folders = await deps.mailSync.folderTree(me.userId, { refresh: true });
      res.json({
        folders: folders.map((f): Folder => ({
          id: f.id,
          displayName: f.displayName,
          parentFolderId: f.parentFolderId,
          path: f.path,
          wellKnownName: f.wellKnownName ?? null,
          totalItemCount: f.totalItemCount,
          neverAutomatic: f.wellKnownName !== undefined && NEVER_AUTOMATIC.has(f.wellKnownName),
        })),
      });
    }),
  );

  router.get(
    '/notifications',
    route(async (_req, res, me) => {
      const items = await deps.notifications.latest(me.tenantId, me.userId, 100);
      // Unread first, newest first within each.
      items.sort((a, b) => Number(a.read) - Number(b.read) || b.createdAt.localeCompare(a.createdAt));
      res.json({
        unread: items.filter((n) => !n.read).length,
        items: items.map(({ id, title, text, severity, read, createdAt }): NotificationItem => ({
          id,
          title,
          text,
          severity,
          read,
          createdAt,
        })),
      });
    }),
  );

  router.post(
    '/notifications/read',
    route(async (req, res, me) => {
      const { ids } = parse(readBody, req.body ?? {});
      const marked = ids
        ? await deps.notifications.markRead(me.tenantId, me.userId, ids)
        : await deps.notifications.markAllRead(me.tenantId, me.userId);
      res.json({ marked });
    }),
  );

  router.delete(
    '/notifications',
    route(async (_req, res, me) => {
      res.json({ cleared: await deps.notifications.clear(me.tenantId, me.userId) });
    }),
  );

  mountEmailRoutes(router, deps, route, costly);
  mountItemRoutes(router, deps, route, costly);

  router.get(
    '/records',
    route(async (req, res, me) => {
      const { q } = parse(searchQuery, req.query);
      const records = await deps.crm.search(me.tenantId, q, 25, me.userId);
      res.json({ records: records.map((r) => ({ ...r, link: deps.crm.deepLink(r) })) });
    }),
  );

  // The resume a candidate was captured from, as a download: never shown inline (it is a file from
  // mail, possibly HTML), its name kept to safe characters.
  router.get(
    '/records/candidate/:id/resume',
    route(async (req, res, me) => {
      const { id } = parse(z.object({ id: z.string().min(1).max(200) }), req.params);
      const record = await deps.crm.record(me.tenantId, id);
      const resume =
        record && visibleTo(record, me.userId) ? await deps.crm.resumeOf(me.tenantId, id) : undefined;
      if (!resume) throw new AppError('store.not_found', 'This candidate has no resume stored.');
      const safeName = resume.name.replace(/[^A-Za-z0-9 ._-]/g, '_').slice(0, 120) || 'resume';
      res
        .set({
          'Content-Type': 'application/octet-stream',
          'Content-Disposition': `attachment; filename="${safeName}"`,
          'X-Content-Type-Options': 'nosniff',
          'Content-Security-Policy': "default-src 'none'; sandbox",
        })
        .send(resume.bytes);
    }),
  );

  router.get(
    '/records/:type/:id',
    route(async (req, res, me) => {
      const { type, id } = parse(recordParams, req.params);
      const record = await deps.crm.record(me.tenantId, id);
      // A private candidate is its owner's: to anyone else it is not there.
      if (!record || record.type !== type || !visibleTo(record, me.userId))
        throw new AppError('store.not_found', `No ${type} with id ${id} in your CRM.`);
      const [activities, appointments, tasks] = await Promise.all([
        deps.crm.activitiesOf(me.tenantId, id, 50),
        deps.crm.appointmentsOf(me.tenantId, id, 50),
        deps.crm.tasksOf(me.tenantId, id, 50),
      ]);
      res.json({
        record: record satisfies CrmRecordView,
        appointments: appointments.map(appointmentView),
        tasks: tasks.map(taskView),
        activities: activities.map((a): Activity => ({
          id: a.id,
          subject: a.subject ?? null,
          from: a.from ?? null,
          to: a.to,
          cc: a.cc,
          direction: a.direction,
          occurredAt: a.occurredAt,
          preview: a.body ? preview(a.body) : null,
          attachments: a.attachments.map(({ name, size }) => ({ name, size })),
          webLink: a.webLink ?? null,
        })),
      } satisfies RecordAnswer);
    }),
  );

  // CaptureME's skills list: the shipped one until an admin saves theirs (one skill a line).
  router.get(
    '/admin/skills',
    route(
      admin(async (_req, res, me) => {
        if (!deps.skills) throw new AppError('input.invalid', 'CaptureME is not set up here');
        const view = await deps.skills.view(me.tenantId);
        res.json({ ...view, text: view.skills.join('\n') });
      }),
    ),
  );

  router.put(
    '/admin/skills',
    route(
      admin(async (req, res, me) => {
        if (!deps.skills) throw new AppError('input.invalid', 'CaptureME is not set up here');
        const { text } = parse(skillsBody, req.body);
        await deps.skills.set(me.tenantId, text, me.upn ?? me.userId);
        const view = await deps.skills.view(me.tenantId);
        res.json({ ...view, text: view.skills.join('\n') });
      }),
    ),
  );

  router.get(
    '/admin/overview',
    route(
      admin(async (_req, res, me) => {
        res.json(await deps.admin.overview(me.tenantId));
      }),
    ),
  );

  router.put(
    '/admin/tenant',
    route(
      admin(async (req, res, me) => {
        const { enabled } = parse(tenantBody, req.body);
        await deps.admin.setEnabled(me.tenantId, enabled, me.upn ?? me.userId);
        res.json(await deps.admin.overview(me.tenantId));
      }),
    ),
  );

  router.get(
    '/admin/users',
    costly,
    route(
      admin(async (_req, res, me) => {
        res.json({ users: await deps.admin.users(me.tenantId) });
      }),
    ),
  );

  router.post(
    '/admin/import/preview',
    costly,
    route(
      admin(async (req, res, me) => {
        res.json(await deps.admin.previewImport(me.tenantId, parse(csvBody, req.body).csv));
      }),
    ),
  );

  router.post(
    '/admin/import',
    costly,
    route(
      admin(async (req, res, me) => {
        res.json(await deps.admin.import(me.tenantId, parse(csvBody, req.body).csv));
      }),
    ),
  );

  router.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'No such tab API route.' } });
  });
  return router;
}

function settingsAnswer(settings: SyncSettings, etag: string | null): SettingsAnswer {
  const next = scheduledSlots(settings, new Date()).syncAll;
  return { settings, etag, nextSyncAll: next === null ? null : new Date(next).toISOString() };
}

/** A short plain-text preview of an activity's body for the timeline. */
function appointmentView(a: CrmAppointment): RecordAppointment {
  return {
    id: a.id,
    subject: a.subject ?? null,
    start: a.start,
    end: a.end,
    timeZone: a.timeZone ?? null,
    isAllDay: a.isAllDay,
    location: a.location ?? null,
    onlineMeetingUrl: webUrl(a.onlineMeetingUrl),
    organizer: a.organizer ?? null,
    status: a.status,
    webLink: webUrl(a.webLink),
  };
}

function taskView(t: CrmTask): RecordTask {
  return {
    id: t.id,
    title: t.title,
    dueAt: t.dueAt ?? null,
    status: t.status,
    priority: t.priority,
    webLink: webUrl(t.webLink),
  };
}

/** A link the page may open: an event's join link comes from whoever sent the invitation. */
function webUrl(raw: string | undefined): string | null {
  if (!raw || !URL.canParse(raw)) return null;
  const url = new URL(raw);
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
}

function preview(body: { contentType: 'text' | 'html'; content: string }): string {
  // Only the start is shown: no need to read a long body to the end.
  const start = body.content.slice(0, 64 * 1024);
  const text = body.contentType === 'html' ? htmlToText(start) : start;
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 280 ? `${flat.slice(0, 277)}…` : flat;
}
