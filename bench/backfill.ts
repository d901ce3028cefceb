import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices } from '../bot/composition.ts';
import { loadConfig } from '../bot/config/config.ts';
import { createLogger } from '../bot/logging/logger.ts';
import { SqliteStore } from '../bot/store/sqlite-store.ts';
import type { Collection, ContainerDefinition, Doc, Store } from '../bot/store/store.port.ts';
import { BENCH_TENANT, BENCH_USER, directory } from './generate.ts';

/**
 * Backfill: a generated mailbox of 50,000 messages in the Microsoft 365 sandbox (its own process,
 * over HTTP) synced into the embedded store against a built-in CRM of 20,000 records.
 * Targets on a 2-core machine: >= 2,000 messages/s, <= 0.05 Graph requests and <= 2 store writes per
 * message, peak RSS <= 400 MB, no duplicates.
 */

const MESSAGES = Number(process.env.BENCH_MESSAGES || 50_000);
const RECORDS = Number(process.env.BENCH_RECORDS || 20_000);

/** Counts the writes the sync makes, leaving reads alone. */
export class CountingStore implements Store {
  writes = 0;
  private readonly inner: Store;
  constructor(inner: Store) {
    this.inner = inner;
  }
  init(definitions: readonly ContainerDefinition[]) {
    return this.inner.init(definitions);
  }
  collection<T extends Doc>(definition: ContainerDefinition): Collection<T> {
    const inner = this.inner.collection<T>(definition);
    const count =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      (...args: A) => {
        this.writes++;
        return fn(...args);
      };
    return {
      read: (pk, id) => inner.read(pk, id),
      query: (pk, options) => inner.query(pk, options),
      count: (pk, filters) => inner.count(pk, filters),
      create: count((item: T) => inner.create(item)),
      upsert: count((item: T) => inner.upsert(item)),
      upsertMany: (items: readonly T[]) => {
        this.writes += items.length;
        return inner.upsertMany(items);
      },
      replace: count((item: T, options) => inner.replace(item, options)),
      delete: count((pk: string, id: string, options) => inner.delete(pk, id, options)),
    };
  }
  ping() {
    return this.inner.ping();
  }
  close() {
    return this.inner.close();
  }
}

/** The sandbox in its own process, with the generated mailbox (and `env`'s extras, such as BENCH_ITEMS). */
export async function startSandbox(
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'bench-sandbox.ts')], {
    env: { ...process.env, BENCH_MESSAGES: String(MESSAGES), BENCH_RECORDS: String(RECORDS), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d.toString();
      const match = /"graph":"([^"]+)"/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited (${code})`)));
  });
  return { child, url };
}

export async function backfill(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-sync-bench-'));
  const sandbox = await startSandbox();
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
    await services.settings.save(BENCH_TENANT, BENCH_USER.id, { enabledAt: '2025-01-01T00:00:00.000Z' });
    process.stderr.write(`backfill: ${MESSAGES} messages, ${RECORDS} CRM records\n`);

    const writesBefore = store.writes;
    const requestsBefore = services.mailSource.requestCount;
    services.events.on('progress', (p) => process.stderr.write(`  ${p.folder}: ${p.processed}/${p.total}\n`));
    const started = performance.now();
    const summary = await services.mailSync.run(user, { mode: 'all', trigger: 'cli' });
    const seconds = (performance.now() - started) / 1000;
    // The kernel's high-water mark for this process: set-up, directory and sync, nothing missed between samples.
    const peakRss = process.resourceUsage().maxRSS * 1024;
    const memory = process.memoryUsage();
    process.stderr.write(
      `memory after sync: rss ${Math.round(memory.rss / 1048576)} MB, heap ${Math.round(memory.heapUsed / 1048576)}/${Math.round(memory.heapTotal / 1048576)} MB, external ${Math.round(memory.external / 1048576)} MB, array buffers ${Math.round(memory.arrayBuffers / 1048576)} MB\n`,
    );

    const activities = await services.crm.listActivities(BENCH_TENANT);
    const ledger = await services.ledger.all(BENCH_TENANT, BENCH_USER.id);
    const duplicates =
      activities.length -
      new Set(activities.map((a) => a.messageKey)).size +
      (ledger.length - new Set(ledger.map((e) => e.messageId)).size);
    const figures = {
      messages: summary.processed,
      seconds: Number(seconds.toFixed(2)),
      messagesPerSecond: Math.round(summary.processed / seconds),
      graphRequestsPerMessage: Number(
        ((services.mailSource.requestCount - requestsBefore) / summary.processed).toFixed(4),
      ),
      storeWritesPerMessage: Number(((store.writes - writesBefore) / summary.processed).toFixed(3)),
      peakRssMb: Math.round(peakRss / 1048576),
      activitiesCreated: summary.activitiesCreated,
      synced: summary.synced,
      noMatch: summary.noMatch,
      errors: summary.errors,
      duplicates,
    };
    await services.close();
    return {
      ...figures,
      targets: {
        messagesPerSecond: figures.messagesPerSecond >= 2000,
        graphRequestsPerMessage: figures.graphRequestsPerMessage <= 0.05,
        storeWritesPerMessage: figures.storeWritesPerMessage <= 2,
        peakRssMb: figures.peakRssMb <= 400,
        duplicates: figures.duplicates === 0,
      },
    };
  } finally {
    sandbox.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
