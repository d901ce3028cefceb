import type express from 'express';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import type { CrmConnector, Directory } from '../crm/crm.port.ts';
import { counterpartOf, EXPORTED, LEDGER_STATUSES, type LedgerEntry } from '../sync/ledger.ts';
import type { MailSync, UserRef } from '../sync/mail-sync.ts';
import type { SyncService } from '../sync/sync-service.ts';
import { type Handler, parse, refuseForeignContinuation } from './tab-api.ts';
import type { TabIdentity } from './tab-identity.ts';
import type { EmailRow, EmailsAnswer, RecordLink } from './tab-types.ts';
import type { CaptureService } from '../capture/capture-service.ts';
import type { CaptureDoc } from '../capture/capture-store.ts';

/** Where a page of the Captured filter starts, from the token the previous page gave. */
function capturedOffset(token: string): number {
  const digits = token.startsWith('captured:') ? token.slice('captured:'.length) : '';
  if (!/^\d{1,6}$/.test(digits))
    throw new AppError(
      'input.invalid',
      'continuation: not a token this list gave; start from the first page',
    );
  return Number(digits);
}

/** A captured email the sync has not seen yet, as a row: its sender and date, no subject. */
function unsyncedEntry(doc: CaptureDoc): LedgerEntry {
  return {
    id: doc.messageId,
    pk: doc.pk,
    messageId: doc.messageId,
    folderId: '',
    subject: '',
    ...(doc.from ? { from: doc.from } : {}),
    receivedAt: doc.receivedAt ?? doc.savedAt,
    direction: 'received',
    status: 'pending',
    attempts: 0,
    note: 'Not synced yet: the candidate is made when it syncs.',
    createdAt: doc.savedAt,
    updatedAt: doc.updatedAt,
  };
}

/**
 * The Emails view's API: every email the sync has seen, with the seeds' Exported column (Yes / No
 * / Error), its note and link type, and what to do about a no-match one (Associate, or create a
 * candidate or contact from its sender). The caller is the authenticated user; every route reads
 * and writes only their own ledger, whatever the query or body says.
 */

const isoDate = z.iso.datetime({ offset: true }).or(z.iso.date());
/** The Emails view's CaptureME filter: every email a capture was made from or saved on. */
const CAPTURED = 'captured';
const emailsQuery = z.object({
  status: z.enum([CAPTURED, ...LEDGER_STATUSES]).optional(),
  folderId: z.string().min(1).max(512).optional(),
  since: isoDate.optional(),
  before: isoDate.optional(),
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  continuation: z.string().min(1).max(4096).optional(),
});
const recordIds = z.array(z.string().min(1).max(200)).min(1, 'choose at least one record').max(25);
const associateBody = z.object({ messageId: z.string().min(1).max(1024), recordIds });
const createBody = z.object({
  messageId: z.string().min(1).max(1024),
  type: z.enum(['candidate', 'contact']),
  name: z.string().trim().max(200).optional(),
  companyId: z.string().min(1).max(200).optional(),
});

/** A date without a time means the start of that day (UTC), as the date inputs send it. */
const instant = (value: string | undefined) =>
  value === undefined
    ? undefined
    : new Date(value.length === 10 ? `${value}T00:00:00Z` : value).toISOString();

export function emailRow(
  entry: LedgerEntry,
  directory: Directory,
  crm: Pick<CrmConnector, 'deepLink'>,
  folderPath: (id: string) => string | null,
): EmailRow {
  const ids = [
    ...(entry.matched?.candidates ?? []),
    ...(entry.matched?.contacts ?? []),
    ...(entry.matched?.companies ?? []),
  ];
  const records = ids.flatMap((id): RecordLink[] => {
    const record = directory.get(id);
    return record ? [{ id, type: record.type, name: record.name, link: crm.deepLink(record) }] : [];
  });
  return {
    messageId: entry.messageId,
    subject: entry.subject,
    from: entry.from ?? null,
    to: entry.to ?? [],
    counterpart: counterpartOf(entry) ?? null,
    direction: entry.direction,
    receivedAt: entry.receivedAt,
    folderId: entry.folderId,
    folder: folderPath(entry.folderId),
    status: entry.status,
    exported: EXPORTED[entry.status],
    note: entry.note ?? null,
    linkType: entry.linkType ?? null,
    records,
    attempts: entry.attempts,
    trigger: entry.trigger ?? null,
    updatedAt: entry.updatedAt,
    retryAt: entry.retryAt ?? null,
  };
}

export function mountEmailRoutes(
  router: express.Router,
  deps: { sync: SyncService; crm: CrmConnector; mailSync: MailSync; capture?: CaptureService },
  route: (handler: Handler) => express.RequestHandler,
  costly: express.RequestHandler,
): void {
  const user = (me: TabIdentity): UserRef => ({ tenantId: me.tenantId, userId: me.userId });
  const rowsOf = async (me: UserRef, entries: LedgerEntry[]) => {
    const directory = await deps.crm.directory(me.tenantId);
    // Folder names from the sync's cached tree: no Graph call when it is warm, none at all if not needed.
    const folders = entries.length > 0 ? await deps.mailSync.folderTree(me.userId).catch(() => []) : [];
    const folderPath = (id: string) => folders.find((f) => f.id === id)?.path ?? null;
    return entries.map((e) => emailRow(e, directory, deps.crm, folderPath));
  };

  /** A capture's row: its email's ledger entry when the sync has seen it, else what the capture knows. */
  const capturedRows = async (me: UserRef, docs: CaptureDoc[]) => {
    const directory = await deps.crm.directory(me.tenantId);
    const entries = await Promise.all(docs.map((d) => deps.sync.entry(me, d.messageId)));
    const rows = await rowsOf(
      me,
      docs.map((doc, i) => entries[i] ?? unsyncedEntry(doc)),
    );
    return rows.map((row, i) => {
      const doc = docs[i]!;
      const record = doc.candidateId ? directory.get(doc.candidateId) : undefined;
      return {
        ...row,
        capture: {
          state: doc.kind === 'capture:pending' ? 'pending' : doc.kind === 'capture:done' ? 'done' : 'error',
          source: doc.source.kind === 'body' ? 'the email’s body' : doc.source.name,
          share: doc.share,
          candidate: record
            ? { id: record.id, type: record.type, name: record.name, link: deps.crm.deepLink(record) }
            : null,
          error: doc.error ?? null,
          at: doc.updatedAt,
        },
      } satisfies EmailRow;
    });
  };

  router.get(
    '/emails',
    route(async (req, res, me) => {
      const query = parse(emailsQuery, req.query);
      if (query.status === CAPTURED) {
        if (!deps.capture) throw new AppError('input.invalid', 'status: CaptureME is not set up here');
        // A person's captures are few (one per application they chose to capture): read whole, newest
        // first, and paged by position (`captured:<n>`; any other token is refused).
        const at = query.continuation === undefined ? 0 : capturedOffset(query.continuation);
        const all = await deps.capture.list(user(me));
        const docs = all.slice(at, at + query.limit);
        const next = at + docs.length;
        const answer: EmailsAnswer = {
          emails: await capturedRows(user(me), docs),
          continuation: next < all.length ? `captured:${next}` : null,
          counts: null,
        };
        res.json(answer);
        return;
      }
      const since = instant(query.since);
      const before = instant(query.before);
      if (since && before && since >= before)
        throw new AppError('input.invalid', 'since: must be before the "before" date');
      const page = await deps.sync
        .emails(
          user(me),
          {
            ...(query.status ? { status: query.status as LedgerEntry['status'] } : {}),
            ...(query.folderId ? { folderId: query.folderId } : {}),
            ...(since ? { since } : {}),
            ...(before ? { before } : {}),
            ...(query.q ? { search: query.q } : {}),
          },
          { limit: query.limit, ...(query.continuation ? { continuation: query.continuation } : {}) },
        )
        .catch(refuseForeignContinuation);
      const answer: EmailsAnswer = {
        emails: await rowsOf(
          me,
          page.items.map((i) => i.value),
        ),
        continuation: page.continuation ?? null,
        counts: query.continuation ? null : await deps.sync.emailCounts(user(me)),
      };
      res.json(answer);
    }),
  );

  router.post(
    '/emails/capture-retry',
    costly,
    route(async (req, res, me) => {
      const { messageId } = parse(z.object({ messageId: z.string().min(1).max(1024) }), req.body);
      if (!deps.capture) throw new AppError('input.invalid', 'CaptureME is not set up here');
      await deps.capture.requeue(user(me), messageId);
      // Sync Selected makes the pending capture now, and puts the email on its candidate.
      const { summary } = await deps.mailSync.syncSelected(user(me), messageId, 'manual');
      if (summary.status !== 'completed')
        throw new AppError(
          'sync.paused',
          `The email could not be synced now (${summary.note ?? summary.status}); the capture waits for its next sync.`,
        );
      const doc = (await deps.capture.list(user(me))).find((d) => d.messageId === messageId);
      res.json({ email: doc ? (await capturedRows(user(me), [doc]))[0] : null });
    }),
  );

  router.post(
    '/emails/associate',
    costly,
    route(async (req, res, me) => {
      const { messageId, recordIds: ids } = parse(associateBody, req.body);
      const entry = await deps.sync.associate(user(me), messageId, ids);
      res.json({ email: (await rowsOf(me, [entry]))[0] });
    }),
  );

  router.post(
    '/emails/create-record',
    costly,
    route(async (req, res, me) => {
      const body = parse(createBody, req.body);
      const { record, entry } = await deps.sync.createFromEmail(user(me), body.messageId, {
        type: body.type,
        ...(body.name ? { name: body.name } : {}),
        ...(body.companyId ? { companyId: body.companyId } : {}),
      });
      res.json({
        record: { id: record.id, type: record.type, name: record.name, link: deps.crm.deepLink(record) },
        email: (await rowsOf(me, [entry]))[0],
      });
    }),
  );
}
