import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices } from '../bot/composition.ts';
import { loadConfig } from '../bot/config/config.ts';
import { createLogger } from '../bot/logging/logger.ts';
import { GraphItemSource } from '../bot/mail-source/graph-item-source.ts';
import type { ItemDeltaPage, ItemKind } from '../bot/mail-source/item-source.port.ts';
import { SqliteStore } from '../bot/store/sqlite-store.ts';
import { calendarWindow } from '../bot/sync/item-sync.ts';
import { effectiveCutoff } from '../bot/sync/sync-settings.ts';
import type { SyncKind } from '../bot/sync/mail-sync.ts';
import { CountingStore, startSandbox } from './backfill.ts';
import { BENCH_TENANT, BENCH_USER, directory } from './generate.ts';

/**
 * Backfill of every kind: a recruiter's mailbox of 50,000 emails, 5,000 contacts, 20,000
 * appointments and 5,000 To Do tasks in the Microsoft 365 sandbox (its own process, over HTTP),
 * synced from scratch into the embedded store and the built-in CRM of 20,000 records, one kind
 * after another in one process. Per kind: items per second, Graph requests and store writes per
 * item; for the whole: peak RSS (at most 400 MB) and no duplicates.
 *
 * Measured side by side in the same run, because these machines are shared: per kind, (a) the
 * read limit, the same delta pages read from the sandbox with no processing at all, and (b) the
 * per-item strategy of a sync that asks Graph for each item on its own (one GET per item, four at
 * a time, Exchange's concurrency per mailbox), timed on a sample. The ratios are ours over each.
 */

const RECORDS = Number(process.env.BENCH_RECORDS || 20_000);
const COUNTS = {
  contact: Number(process.env.BENCH_CONTACTS || 5_000),
  event: Number(process.env.BENCH_EVENTS || 20_000),
  task: Number(process.env.BENCH_TASKS || 5_000),
};
/** Items per kind fetched one by one for the per-item strategy's rate. */
const PER_ITEM_SAMPLE = 400;

interface KindFigures {
  items: number;
  seconds: number;
  itemsPerSecond: number;
  graphRequestsPerItem: number;
  storeWritesPerItem: number;
  errors: number;
  /** The same delta pages read with no processing, in items per second. */
  readLimitPerSecond?: number;
  /** Only the reads of the per-item strategy (one GET per item, four at a time), in items per second. */
  perItemReadsPerSecond?: number;
  ofReadLimit?: number;
  /** Ours over the per-item strategy's reads alone (its CRM writes would come on top). */
  timesPerItemReads?: number;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - started) / 1000 };
}

/** Every page of one delta round, read and thrown away; the ids, for the per-item strategy. */
async function readAll<T extends { id: string }>(
  page: (link?: string) => Promise<ItemDeltaPage<T>>,
): Promise<string[]> {
  const ids: string[] = [];
  let link: string | undefined;
  for (;;) {
    const answer = await page(link);
    for (const item of answer.items) ids.push(item.id);
    if (!answer.nextLink) return ids;
    link = answer.nextLink;
  }
}

async function fourAtATime(ids: readonly string[], get: (id: string) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < ids.length) await get(ids[next++]!);
    }),
  );
}

export async function backfillAll(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-sync-bench-all-'));
  const sandbox = await startSandbox({ BENCH_ITEMS: `${COUNTS.contact},${COUNTS.event},${COUNTS.task}` });
  try {
    const store = new CountingStore(new SqliteStore({ path: join(dir, 'bench.db') }));
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', SANDBOX_TENANT_ID: BENCH_TENANT });
    const services = await createServices(config, createLogger({ level: 'silent' }), {
      store,
      graphBaseUrl: sandbox.url,
    });
    await services.crm.importDirectory(BENCH_TENANT, directory(RECORDS));
    await services.syncService.setTenantEnabled(BENCH_TENANT, true, 'bench');
    const user = { tenantId: BENCH_TENANT, userId: BENCH_USER.id };
    const settings = await services.settings.save(BENCH_TENANT, BENCH_USER.id, {
      enabledAt: '2025-01-01T00:00:00.000Z',
      contacts: { enabled: true, confirmedAt: '2025-01-01T00:00:00.000Z' },
      tasks: { enabled: true, syncDeleted: true, otherInfoInDescription: true },
      calendar: { enabled: true, syncDeleted: true },
    });
    process.stderr.write(
      `backfill-all: ${process.env.BENCH_MESSAGES || 50_000} emails, ${COUNTS.contact} contacts, ${COUNTS.event} events, ${COUNTS.task} tasks, ${RECORDS} CRM records\n`,
    );

    const perKind: Partial<Record<SyncKind, KindFigures>> = {};
    for (const kind of ['email', 'contact', 'task', 'event'] as const) {
      const writes = store.writes;
      const requests = services.mailSource.requestCount;
      const { value: summary, seconds } = await timed(() =>
        services.mailSync.run(user, { mode: 'all', trigger: 'cli', kinds: [kind] }),
      );
      if (summary.status !== 'completed') throw new Error(`${kind}: ${summary.status} ${summary.note ?? ''}`);
      const counts = kind === 'email' ? undefined : summary.items?.[kind];
      const items = counts ? counts.processed : summary.processed;
      perKind[kind] = {
        items,
        seconds: Number(seconds.toFixed(2)),
        itemsPerSecond: Math.round(items / seconds),
        graphRequestsPerItem: Number(((services.mailSource.requestCount - requests) / items).toFixed(4)),
        storeWritesPerItem: Number(((store.writes - writes) / items).toFixed(3)),
        errors: counts ? counts.errors : summary.errors,
      };
      process.stderr.write(`  ${kind}: ${items} in ${seconds.toFixed(1)} s\n`);
    }
    // The kernel's high-water mark for this process: set-up, directory and every kind's sync.
    const peakRss = process.resourceUsage().maxRSS * 1024;

    // Side by side: the same delta pages with no processing, and one GET per item.
    const source = new GraphItemSource(services.graph);
    const userId = BENCH_USER.id;
    const window = calendarWindow(effectiveCutoff(settings, new Date()), new Date());
    const readers: Record<ItemKind, { ids: () => Promise<string[]>; get: (id: string) => Promise<unknown> }> =
      {
        contact: {
          ids: async () =>
            (
              await Promise.all(
                (await source.contactFolders(userId)).map((f) =>
                  readAll((link) => source.contactsDelta(userId, f.id, link)),
                ),
              )
            ).flat(),
          get: (id) => source.contact(userId, id),
        },
        task: {
          ids: async () => {
            const lists = await source.taskLists(userId);
            const ids = await Promise.all(
              lists.map((l) => readAll((link) => source.tasksDelta(userId, l.id, link))),
            );
            taskList = lists[0]!.id;
            firstListIds = ids[0] ?? [];
            return ids.flat();
          },
          get: (id) => source.task(userId, taskList, id),
        },
        event: {
          ids: () => readAll((link) => source.eventsDelta(userId, window, link)),
          get: (id) => source.event(userId, id),
        },
      };
    let taskList = '';
    let firstListIds: string[] = [];
    for (const kind of ['contact', 'task', 'event'] as const) {
      const figures = perKind[kind]!;
      const read = await timed(readers[kind].ids);
      figures.readLimitPerSecond = Math.round(read.value.length / read.seconds);
      const sample = (kind === 'task' ? firstListIds : read.value).slice(0, PER_ITEM_SAMPLE);
      const each = await timed(() => fourAtATime(sample, readers[kind].get));
      figures.perItemReadsPerSecond = Math.round(sample.length / each.seconds);
      figures.ofReadLimit = Number((figures.itemsPerSecond / figures.readLimitPerSecond).toFixed(3));
      figures.timesPerItemReads = Number((figures.itemsPerSecond / figures.perItemReadsPerSecond).toFixed(2));
    }

    // Nothing twice: one CRM task and appointment per key, one CRM contact per Outlook address.
    const [tasks, appointments, ledger, index] = await Promise.all([
      services.crm.listTasks(BENCH_TENANT),
      services.crm.listAppointments(BENCH_TENANT),
      services.itemLedger.all(BENCH_TENANT, userId),
      services.crm.directory(BENCH_TENANT),
    ]);
    const contactAddresses = new Set(
      index.records.filter((r) => r.type === 'contact').flatMap((r) => r.emails.map((e) => e.toLowerCase())),
    );
    const sharedAddresses = [...contactAddresses].filter((a) => index.lookup([a]).contacts.length > 1).length;
    const duplicates =
      tasks.length -
      new Set(tasks.map((t) => t.key)).size +
      (appointments.length - new Set(appointments.map((a) => a.key)).size) +
      (ledger.length - new Set(ledger.map((e) => e.id)).size) +
      sharedAddresses;
    await services.close();

    const kinds = perKind as Record<SyncKind, KindFigures>;
    const itemKinds = ['contact', 'task', 'event'] as const;
    return {
      perKind: kinds,
      crm: { tasks: tasks.length, appointments: appointments.length, contacts: contactAddresses.size },
      peakRssMb: Math.round(peakRss / 1048576),
      duplicates,
      targets: {
        peakRssMb: Math.round(peakRss / 1048576) <= 400,
        duplicates: duplicates === 0,
        noErrors: Object.values(kinds).every((k) => k.errors === 0),
        graphRequestsPerItem: itemKinds.every((k) => kinds[k].graphRequestsPerItem <= 0.05),
        // A ledger entry and the CRM's task or appointment; a contact also moves the directory's
        // version (and now and then makes a company).
        storeWritesPerItem:
          kinds.contact.storeWritesPerItem <= 3.5 &&
          kinds.task.storeWritesPerItem <= 2.5 &&
          kinds.event.storeWritesPerItem <= 2.5,
      },
    };
  } finally {
    sandbox.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
