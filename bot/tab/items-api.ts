import type express from 'express';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import type { CrmConnector, Directory } from '../crm/crm.port.ts';
import { ITEM_KINDS, type ItemKind } from '../mail-source/item-source.port.ts';
import type { ItemEntry } from '../sync/item-ledger.ts';
import { EXPORTED, LEDGER_STATUSES, type LedgerStatus } from '../sync/ledger.ts';
import type { UserRef } from '../sync/mail-sync.ts';
import type { SyncService } from '../sync/sync-service.ts';
import { type Handler, parse, refuseForeignContinuation } from './tab-api.ts';
import type { TabIdentity } from './tab-identity.ts';
import type { ItemRow, ItemsAnswer, RecordLink } from './tab-types.ts';

/**
 * The contacts, tasks and calendar views' API: every Outlook item of a kind the sync has seen, with
 * the seeds' Exported column, its note and link type, and Sync Selected for one item. The caller is
 * the authenticated user; every route reads and writes only their own ledger.
 */

const kind = z.enum(ITEM_KINDS as [ItemKind, ...ItemKind[]]);
const itemsQuery = z.object({
  kind,
  status: z.enum(LEDGER_STATUSES as [LedgerStatus, ...LedgerStatus[]]).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  continuation: z.string().min(1).max(4096).optional(),
});
const itemParams = z.object({ kind, id: z.string().min(1).max(1024) });

export function itemRow(
  entry: ItemEntry,
  directory: Directory,
  crm: Pick<CrmConnector, 'deepLink'>,
): ItemRow {
  const records = [...(entry.matched?.candidates ?? []), ...(entry.matched?.contacts ?? [])].flatMap(
    (id): RecordLink[] => {
      const record = directory.get(id);
      return record ? [{ id, type: record.type, name: record.name, link: crm.deepLink(record) }] : [];
    },
  );
  return {
    kind: entry.kind,
    itemId: entry.itemId,
    title: entry.title,
    at: entry.at,
    status: entry.status,
    exported: EXPORTED[entry.status],
    note: entry.note ?? null,
    linkType: entry.linkType ?? null,
    records,
    removed: entry.removed ?? null,
    attempts: entry.attempts,
    trigger: entry.trigger ?? null,
    updatedAt: entry.updatedAt,
    retryAt: entry.retryAt ?? null,
  };
}

export function mountItemRoutes(
  router: express.Router,
  deps: { sync: SyncService; crm: CrmConnector },
  route: (handler: Handler) => express.RequestHandler,
  costly: express.RequestHandler,
): void {
  const user = (me: TabIdentity): UserRef => ({ tenantId: me.tenantId, userId: me.userId });
  const rowsOf = async (me: UserRef, entries: ItemEntry[]) => {
    const directory = await deps.crm.directory(me.tenantId);
    return entries.map((e) => itemRow(e, directory, deps.crm));
  };

  router.get(
    '/items',
    route(async (req, res, me) => {
      const query = parse(itemsQuery, req.query);
      const page = await deps.sync
        .items(user(me), query.kind, query.status ? { status: query.status } : {}, {
          limit: query.limit,
          ...(query.continuation ? { continuation: query.continuation } : {}),
        })
        .catch(refuseForeignContinuation);
      const answer: ItemsAnswer = {
        items: await rowsOf(
          me,
          page.items.map((i) => i.value),
        ),
        continuation: page.continuation ?? null,
        counts: query.continuation ? null : (await deps.sync.itemCounts(user(me)))[query.kind],
      };
      res.json(answer);
    }),
  );

  // Sync Selected (and Retry) for one contact, task or event.
  router.post(
    '/items/:kind/:id/sync',
    costly,
    route(async (req, res, me) => {
      const params = parse(itemParams, req.params);
      const access = await deps.sync.access(user(me), 'organization');
      if (!access.allowed)
        throw new AppError('auth.forbidden', 'CRM Sync is turned off for your organization.');
      const entry = await deps.sync.syncItem(user(me), params.kind, params.id);
      res.json({ item: (await rowsOf(me, [entry]))[0] });
    }),
  );
}
