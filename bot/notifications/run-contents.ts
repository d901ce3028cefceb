import type { CrmConnector } from '../crm/crm.port.ts';
import type { LedgerRepository } from '../sync/ledger.ts';
import type { RunSummary } from '../sync/sync-state.ts';
import { MAX_EMAILS, MAX_RECORDS, type RunContents, type RunRecord } from './notifier.ts';

/** How many of the newest synced entries are looked at for one run's card. */
const SCAN = 50;

/**
 * What an automatic run synced, for its card: the newest emails it synced and the records they are
 * on, candidates before contacts. A mailbox has one run at a time (its lease), so the run's emails
 * are the synced entries written between its start and its end.
 */
export function runContentsReader(
  ledger: LedgerRepository,
  crm: Pick<CrmConnector, 'directory' | 'record'>,
): (user: { tenantId: string; userId: string }, summary: RunSummary) => Promise<RunContents> {
  return async (user, summary) => {
    const recent = await ledger.recentlySynced(user.tenantId, user.userId, SCAN);
    // Newest email first: a page's emails are written side by side, so the order they were synced
    // in says nothing and changes from run to run.
    const inRun = recent
      .filter((e) => e.updatedAt >= summary.startedAt && e.updatedAt <= summary.finishedAt)
      .sort((a, b) => b.receivedAt.localeCompare(a.receivedAt) || a.messageId.localeCompare(b.messageId));
    const ids: Array<Omit<RunRecord, 'name'>> = [];
    const add = (type: RunRecord['type'], id: string) => {
      if (!ids.some((r) => r.type === type && r.id === id)) ids.push({ type, id });
    };
    for (const e of inRun) for (const id of e.matched?.candidates ?? []) add('candidate', id);
    for (const e of inRun) for (const id of e.matched?.contacts ?? []) add('contact', id);
    // Names from the tenant's directory index, cached per process: `record` would also look up each
    // one's last activity, a scan of every activity bucket, once per run (the fan-in profile's
    // largest cost outside the sync). A record the index has not taken in yet is read on its own.
    const directory = ids.length > 0 ? await crm.directory(user.tenantId) : undefined;
    const named = await Promise.all(
      ids.slice(0, MAX_RECORDS).map(async (r) => {
        const record = directory?.get(r.id) ?? (await crm.record(user.tenantId, r.id));
        return record ? { ...r, name: record.name } : undefined;
      }),
    );
    return {
      emails: inRun.slice(0, MAX_EMAILS).map((e) => ({
        subject: e.subject,
        receivedAt: e.receivedAt,
        ...(e.linkType ? { linkType: e.linkType } : {}),
      })),
      records: named.filter((r) => r !== undefined),
      more: summary.synced > inRun.length || inRun.length > MAX_EMAILS || ids.length > MAX_RECORDS,
    };
  };
}
