import type express from 'express';
import { z } from 'zod';
import type { CaptureService } from '../capture/capture-service.ts';
import type { CrmConnector, CrmRecord } from '../crm/crm.port.ts';
import { captureRoutes } from './capture-api.ts';
import { AppError } from '../errors/app-error.ts';
import { EXPORTED } from '../sync/ledger.ts';
import { linkTypeOf } from '../sync/matching.ts';
import { TENANT_DISABLED_MESSAGE } from '../sync/tenant-switch.ts';
import type { MailSync, RecordPick, UserRef } from '../sync/mail-sync.ts';
import type { RunSummary } from '../sync/sync-state.ts';
import {
  authenticated,
  type Handler,
  parse,
  perUser,
  searchQuery,
  USER_LIMITS,
  userDataRouter,
} from '../tab/tab-api.ts';
import type { TabAuthenticator, TabIdentity } from '../tab/tab-identity.ts';
import type { AssociateRequest, EmailView, RecordView, SearchView, SyncRequest } from './outlook-types.ts';

/**
 * The Outlook add-in's API under /api/outlook: where the email open in Outlook stands in the CRM,
 * which records it matches, "Sync to CRM" and "Associate". The caller is authenticated exactly as
 * the tab's (an Entra ID token for our app, or the sandbox's fixed identity); the email is read
 * with Graph from the caller's own mailbox only, by the id Outlook gave the pane, so an id from any
 * other mailbox, or none, is a 404 and nothing is written.
 */

export interface OutlookApiDeps {
  auth: TabAuthenticator;
  mailSync: MailSync;
  crm: CrmConnector;
  /** Whether the caller's organization has CRM Sync enabled (the admin's switch). */
  tenantEnabled(tenantId: string): Promise<boolean>;
  /** CaptureME; its routes are absent (404) where it is not wired. */
  capture?: CaptureService;
}

/** Graph message ids are base64url-ish and a few hundred characters at most. */
const messageParams = z.object({
  id: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[A-Za-z0-9_\-+/=]+$/, 'is not a mail item id'),
});
const recordIds = z.array(z.string().min(1).max(200)).max(50);
const syncBody: z.ZodType<SyncRequest> = z.object({
  recordIds: recordIds.min(1, 'choose at least one record').optional(),
});
const associateBody: z.ZodType<AssociateRequest> = z.object({
  recordIds: recordIds.min(1, 'choose at least one record'),
});

export function outlookApi(deps: OutlookApiDeps): express.Router {
  const router = userDataRouter(deps.auth, '64kb');
  const authed = authenticated(deps.auth);
  const costly = perUser(USER_LIMITS.graph);
  // Nothing is read or written for an organization whose admin has not enabled CRM Sync (or turned
  // it off), as on every other path; the user's own email sync switch does not matter here (the
  // seeds' Sync Selected works with it off).
  const route = (handler: Handler) =>
    authed(async (req, res, me) => {
      if (!(await deps.tenantEnabled(me.tenantId))) {
        throw new AppError('auth.forbidden', TENANT_DISABLED_MESSAGE);
      }
      await handler(req, res, me);
    });
  const user = (me: TabIdentity): UserRef => ({ tenantId: me.tenantId, userId: me.userId });

  const recordView = async (tenantId: string, id: string): Promise<RecordView | undefined> => {
    const record = await deps.crm.record(tenantId, id);
    return record && view(record, deps.crm.deepLink(record));
  };

  const emailView = async (me: TabIdentity, messageId: string): Promise<EmailView> => {
    const { message, direction, match, entry } = await deps.mailSync
      .inspect(user(me), messageId)
      .catch(notInMailbox);
    // What the email is on is what its CRM activity links now (a sync, an Associate, linked companies).
    const links = entry?.activityId ? await deps.crm.activityLinks(me.tenantId, entry.activityId) : [];
    const linked = links.map((l) => l.id);
    const found = match.kind === 'matched' ? [...match.candidates, ...match.contacts] : [];
    const [records, matches] = await Promise.all([
      Promise.all(linked.map((id) => recordView(me.tenantId, id))),
      Promise.all(
        found.map(async (m) => {
          const shown = await recordView(me.tenantId, m.record.id);
          return shown && { ...shown, address: m.address };
        }),
      ),
    ]);
    return {
      message: {
        id: message.id,
        subject: message.subject,
        from: message.from?.address ?? null,
        receivedAt: message.receivedAt,
        direction,
      },
      status: {
        exported: entry ? EXPORTED[entry.status] : '',
        note: entry?.note ?? null,
        linkType: linkTypeOf(links) ?? null,
        records: records.filter((r): r is RecordView => r !== undefined),
        updatedAt: entry?.updatedAt ?? null,
      },
      matches: matches.filter((m): m is RecordView & { address: string } => m !== undefined),
      noMatchReason: match.kind !== 'matched' ? match.reason : null,
    };
  };

  const syncAndShow = async (me: TabIdentity, messageId: string, pick?: RecordPick) => {
    const { summary } = await deps.mailSync
      .syncSelected(user(me), messageId, 'outlook', pick)
      .catch(notInMailbox);
    refuseUnfinished(summary);
    return emailView(me, messageId);
  };

  router.get(
    '/messages/:id',
    route(async (req, res, me) => {
      res.json(await emailView(me, parse(messageParams, req.params).id));
    }),
  );

  router.post(
    '/messages/:id/sync',
    costly,
    route(async (req, res, me) => {
      const { id } = parse(messageParams, req.params);
      const body = parse(syncBody, req.body ?? {});
      res.json(
        await syncAndShow(me, id, body.recordIds ? { mode: 'only', recordIds: body.recordIds } : undefined),
      );
    }),
  );

  router.post(
    '/messages/:id/associate',
    costly,
    route(async (req, res, me) => {
      const { id } = parse(messageParams, req.params);
      const body = parse(associateBody, req.body ?? {});
      res.json(await syncAndShow(me, id, { mode: 'add', recordIds: body.recordIds }));
    }),
  );

  router.get(
    '/search',
    route(async (req, res, me) => {
      const { q } = parse(searchQuery, req.query);
      const records = await deps.crm.search(me.tenantId, q, 25, me.userId);
      const answer: SearchView = { records: records.map((r) => view(r, deps.crm.deepLink(r))) };
      res.json(answer);
    }),
  );

  if (deps.capture)
    captureRoutes({
      router,
      route,
      costly,
      messageId: (req) => parse(messageParams, req.params).id,
      capture: deps.capture,
      record: recordView,
      emailView,
      notInMailbox,
    });

  router.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'No such Outlook API route.' } });
  });
  return router;
}

function view(record: CrmRecord, link: string): RecordView {
  return {
    id: record.id,
    type: record.type,
    name: record.name,
    role: record.role ?? null,
    companyName: record.companyName ?? null,
    lastActivityAt: record.lastActivityAt ?? null,
    link,
  };
}

/** Graph's "not found" for an id outside the caller's mailbox, said the way the pane's user sees it. */
function notInMailbox(error: unknown): never {
  if (AppError.is(error, 'mail.not_found')) {
    throw new AppError('mail.not_found', 'That email is not in your mailbox (it may have been deleted).', {
      cause: error,
    });
  }
  throw error;
}

/** A sync that paused (Graph throttling, an outage) or lacks consent did not do what was asked. */
function refuseUnfinished(summary: RunSummary): void {
  if (summary.status === 'completed') return;
  if (summary.status === 'needs_consent')
    throw new AppError('mail.needs_consent', summary.note ?? 'needs consent');
  throw new AppError('mail.unavailable', summary.note ?? `the sync ${summary.status}`);
}
