import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices } from '../bot/composition.ts';
import { loadConfig } from '../bot/config/config.ts';
import { createLogger } from '../bot/logging/logger.ts';
import { SqliteStore } from '../bot/store/sqlite-store.ts';
import type { Collection, ContainerDefinition, Doc, Store } from '../bot/store/store.port.ts';
import { MAILBOX_WINDOW_MS } from '../bot/sandbox/graph-sandbox.ts';
import { BENCH_TENANT } from './generate.ts';
import {
  GRAPH_REQUESTS_PER_SECOND_BUDGET,
  peerStrategy,
  readLimit,
  syncOursApart,
} from './mail-strategies.ts';

/**
 * Backfill at production shape: a recruiter's mailbox of 50,000 realistic emails (realistic-mail.ts:
 * HTML bodies of 25 KB at the median with a tail to 500 KB, one in ten with resumes of 50 KB to
 * 5 MB) in the Microsoft 365 sandbox (its own process, over HTTP), synced from scratch into the
 * embedded store against a built-in CRM of 20,000 records: once with attachments off, once with
 * them on (bytes streamed to the attachment store), each into a fresh store.
 *
 * Side by side in the same run, against the same sandbox and mail (these machines are shared, so
 * the ratios say more than the rates): the peer's strategy (Twenty's Microsoft import) and the
 * read limit (mail-strategies.ts). Exchange's budget of 10,000 requests per app and mailbox in 10
 * minutes is in force, as in Microsoft 365; each strategy starts on a fresh window, as if run ten
 * minutes after the last. The peer's waits for the budget are counted, not slept (its rate without
 * them, code against code, is reported beside it), and so is the ceiling the budget's sustained
 * rate puts on each strategy in a backfill too long for one window.
 *
 * Targets on a 2-core machine: >= 1,000 emails/s with attachments off, >= 150 with them on; Graph
 * requests per email <= 0.05 besides one per attachment; store writes per email <= 2; peak RSS
 * <= 400 MB; no duplicates; >= 20x the peer's rate and >= 40 % of the read limit.
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

export interface BenchSandbox {
  child: ChildProcess;
  url: string;
  info: Record<string, unknown>;
  /** Moves the clock of the sandbox's mailbox budgets on by `ms` (bench-sandbox.ts). */
  advanceBudget(ms: number): Promise<void>;
}

/** The sandbox in its own process, with the generated mailbox (and `env`'s extras, such as BENCH_ITEMS). */
export async function startSandbox(env: Record<string, string> = {}): Promise<BenchSandbox> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'bench-sandbox.ts')], {
    env: { ...process.env, BENCH_MESSAGES: String(MESSAGES), BENCH_RECORDS: String(RECORDS), ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"graph":'));
      if (line && out.includes('\n')) resolve(JSON.parse(line) as Record<string, unknown>);
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited (${code})`)));
  });
  const advanceBudget = (ms: number) =>
    new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.send({ advanceBudgetMs: ms }, (error) => error && reject(error));
    });
  return { child, url: String(info.graph), info, advanceBudget };
}

/** A Graph client of the app's own making (the sandbox's tokens, retries, per-mailbox limits). */
export async function graphClient(dataDir: string, graphUrl: string, store: Store) {
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', SANDBOX_TENANT_ID: BENCH_TENANT });
  return createServices(config, createLogger({ level: 'silent' }), { store, graphBaseUrl: graphUrl });
}

const ratio = (a: number, b: number) => Number((a / b).toFixed(3));

export async function backfill(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-sync-bench-'));
  const sandbox = await startSandbox({ BENCH_MAIL: 'realistic' });
  try {
    process.stderr.write(
      `backfill: ${MESSAGES} realistic emails (${String(sandbox.info.emailsWithAttachments)} with ${String(sandbox.info.attachments)} attachments), ${RECORDS} CRM records\n`,
    );
    const run = (name: string, attachments: boolean) =>
      syncOursApart({
        graphUrl: sandbox.url,
        dataDir: join(dir, name),
        records: RECORDS,
        attachments,
        label: name,
      });
    const off = await run('attachments-off', false);
    process.stderr.write(`  attachments off: ${off.messagesPerSecond}/s\n`);
    await sandbox.advanceBudget(MAILBOX_WINDOW_MS);
    const on = await run('attachments-on', true);
    process.stderr.write(`  attachments on: ${on.messagesPerSecond}/s\n`);

    await sandbox.advanceBudget(MAILBOX_WINDOW_MS);
    const side = await graphClient(
      join(dir, 'side'),
      sandbox.url,
      new SqliteStore({ path: join(dir, 'side', 'side.db') }),
    );
    const limit = await readLimit(side.graph);
    process.stderr.write(`  read limit: ${limit.messagesPerSecond}/s\n`);
    await side.close();
    const peerStore = new SqliteStore({ path: join(dir, 'peer', 'peer.db') });
    const peer = await peerStrategy({
      graphUrl: sandbox.url,
      store: peerStore,
      advanceBudget: sandbox.advanceBudget,
    });
    process.stderr.write(
      `  peer: ${peer.messagesPerSecond}/s (${peer.withoutWaits.messagesPerSecond}/s without its ${peer.waitedSeconds} s of waits for the budget)\n`,
    );
    await peerStore.close();

    const budget = GRAPH_REQUESTS_PER_SECOND_BUDGET;
    const figures = {
      messages: off.messages,
      attachmentsOff: off,
      attachmentsOn: on,
      peer,
      readLimit: limit,
      timesPeer: ratio(off.messagesPerSecond, peer.messagesPerSecond),
      // Code against code: the peer's rate had Exchange no budget.
      timesPeerWithoutWaits: ratio(off.messagesPerSecond, peer.withoutWaits.messagesPerSecond),
      ofReadLimit: ratio(off.messagesPerSecond, limit.messagesPerSecond),
      // What the budget's sustained rate allows each strategy in a backfill longer than one window, in emails/s.
      graphBudgetCeiling: {
        oursAttachmentsOff: Math.round(budget / off.graphRequestsPerMessage),
        oursAttachmentsOn: Math.round(budget / on.graphRequestsPerMessage),
        peer: Math.round(budget / peer.graphRequestsPerMessage),
      },
      peakRssMb: Math.max(off.peakRssMb, on.peakRssMb),
    };
    const perAttachmentExtra = on.graphRequestsPerMessageBesidesDownloads;
    return {
      ...figures,
      targets: {
        messagesPerSecondOff: off.messagesPerSecond >= 1000,
        messagesPerSecondOn: on.messagesPerSecond >= 150,
        graphRequestsPerMessage: off.graphRequestsPerMessage <= 0.05 && perAttachmentExtra <= 0.05,
        storeWritesPerMessage: off.storeWritesPerMessage <= 2 && on.storeWritesPerMessage <= 2,
        peakRssMb: figures.peakRssMb <= 400,
        duplicates: off.duplicates === 0 && on.duplicates === 0,
        noErrors: off.errors === 0 && on.errors === 0,
        timesPeer: figures.timesPeer >= 20,
        ofReadLimit: figures.ofReadLimit >= 0.4,
      },
    };
  } finally {
    sandbox.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
