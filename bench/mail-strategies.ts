import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { AttachmentStore } from '../bot/crm/attachment-store.port.ts';
import { FileAttachmentStore } from '../bot/crm/file-attachment-store.ts';
import { createServices } from '../bot/composition.ts';
import { loadConfig } from '../bot/config/config.ts';
import { NODE_FLAGS } from '../bot/config/node-flags.ts';
import { createLogger } from '../bot/logging/logger.ts';
import { PREFER_IMMUTABLE, readDeltaPage, userPath } from '../bot/mail-source/graph-delta.ts';
import { clientCredentialsToken } from '../bot/mail-source/client-credentials.ts';
import { DEFAULT_RETRY, GraphHttp } from '../bot/mail-source/graph-http.ts';
import { DELTA_PAGE_SIZE, DELTA_SELECT, toMailMessage } from '../bot/mail-source/graph-mail-source.ts';
import type { Message } from '@microsoft/microsoft-graph-types';
import { MAILBOX_REQUESTS_PER_WINDOW, MAILBOX_WINDOW_MS } from '../bot/sandbox/exchange-limits.ts';
import { CONTAINERS } from '../bot/store/containers.ts';
import { forEachPage, type Store, userPartition } from '../bot/store/store.port.ts';
import type { LedgerEntry } from '../bot/sync/ledger.ts';
import { CountingStore } from './backfill.ts';
import { BENCH_TENANT, BENCH_USER, directory } from './generate.ts';

/**
 * The three ways of reading one mailbox that the throughput benchmarks run side by side against
 * the same sandbox: ours (the product's sync into a store), the peer's (Twenty's Microsoft import:
 * delta for ids only, then `$batch` GETs of 20 messages, one activity write per message), and the
 * limit (the delta pages our sync reads, read with no processing at all).
 */

/** Exchange's budget per app and mailbox (Graph throttling docs) as a sustained rate: 10,000 requests in 10 minutes. */
export const GRAPH_REQUESTS_PER_SECOND_BUDGET = MAILBOX_REQUESTS_PER_WINDOW / (MAILBOX_WINDOW_MS / 1000);
/** Graph refuses a JSON batch of more than 20 requests; Twenty's import sends batches of that size. */
const PEER_BATCH = 20;
/** Twenty asks delta for 1,000 ids a page (Graph's list ceiling). */
const PEER_ID_PAGE = 1000;
/** The peer is an app registration of its own, so Exchange gives it a budget of its own. */
export const PEER_CLIENT_ID = 'peer-import-bench';

export interface OursFigures {
  messages: number;
  seconds: number;
  messagesPerSecond: number;
  graphRequestsPerMessage: number;
  /** Graph requests per message other than downloads of bytes (`$value`: a message's MIME or a file). */
  graphRequestsPerMessageBesidesDownloads: number;
  /** Downloads of bytes per message: one MIME per email with attachments (a file each on the fallback). */
  graphDownloadsPerMessage: number;
  attachmentsStored: number;
  storeWritesPerMessage: number;
  peakRssMb: number;
  /** CPU time of the sync's process (user and system) per email: steadier than the rate on a shared machine. */
  cpuMsPerMessage: number;
  activitiesCreated: number;
  noMatch: number;
  errors: number;
  duplicates: number;
  /** Requests the store's server answered during the sync, per email, by kind (Cosmos DB only). */
  storeRequestsPerMessage?: number;
  storeRequestsByKind?: Record<string, number>;
}

/**
 * Our sync of the benchmark recruiter's mailbox from scratch into `store` (wrapped to count its
 * writes), against a CRM directory of `records`, attachments on or off.
 */
export async function syncOurs(options: {
  graphUrl: string;
  dataDir: string;
  store: Store;
  records: number;
  attachments: boolean;
  label: string;
  /** The store's server's count of requests so far, by kind, where it counts them. */
  storeRequests?: () => Promise<Record<string, number>>;
}): Promise<OursFigures> {
  const store = new CountingStore(options.store);
  const config = loadConfig({
    DATA_DIR: options.dataDir,
    LOG_LEVEL: 'silent',
    SANDBOX_TENANT_ID: BENCH_TENANT,
  });
  // The attachment store the app would have here, counting what the sync stores in it.
  const files = new FileAttachmentStore(join(options.dataDir, 'attachments'));
  let stored = 0;
  const attachments: AttachmentStore = {
    put: (key, body) => {
      stored++;
      return files.put(key, body);
    },
    get: (reference) => files.get(reference),
    ping: () => files.ping(),
  };
  const services = await createServices(config, createLogger({ level: 'silent' }), {
    store,
    graphBaseUrl: options.graphUrl,
    attachments,
  });
  try {
    await services.crm.importDirectory(BENCH_TENANT, directory(options.records));
    await services.syncService.setTenantEnabled(BENCH_TENANT, true, 'bench');
    const user = { tenantId: BENCH_TENANT, userId: BENCH_USER.id };
    await services.settings.save(BENCH_TENANT, BENCH_USER.id, {
      enabledAt: '2025-01-01T00:00:00.000Z',
      attachments: options.attachments,
      // The longest tail of resumes (5 MB) fits in the default 25 MB a message.
    });
    const downloadsBefore = services.mailSource.downloadCount;
    const writesBefore = store.writes;
    const requestsBefore = services.mailSource.requestCount;
    let reported = 0;
    services.events.on('progress', (p) => {
      if (p.processed - reported < 5000 && p.processed < p.total) return;
      reported = p.processed;
      process.stderr.write(`  ${options.label} ${p.folder}: ${p.processed}/${p.total}\n`);
    });
    const storeBefore = await options.storeRequests?.();
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const summary = await services.mailSync.run(user, { mode: 'all', trigger: 'cli' });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const storeAfter = await options.storeRequests?.();
    if (summary.status !== 'completed')
      throw new Error(`${options.label}: ${summary.status} ${summary.note}`);
    // The kernel's high-water mark for this process so far (set-up, directory and sync).
    const peakRss = process.resourceUsage().maxRSS * 1024;
    const requests = services.mailSource.requestCount - requestsBefore;
    const downloads = services.mailSource.downloadCount - downloadsBefore;
    // Read a page at a time, keeping only keys: at 200,000 emails the activities are gigabytes.
    const keys = await services.crm.activityKeys(BENCH_TENANT);
    const ledgerKeys: string[] = [];
    await forEachPage(
      options.store.collection<LedgerEntry>(CONTAINERS.ledger),
      userPartition(BENCH_TENANT, BENCH_USER.id),
      {},
      (page) => ledgerKeys.push(...page.map((entry) => entry.messageId)),
    );
    const duplicates = keys.length - new Set(keys).size + (ledgerKeys.length - new Set(ledgerKeys).size);
    const processed = summary.processed;
    return {
      messages: processed,
      seconds: Number(seconds.toFixed(2)),
      messagesPerSecond: Math.round(processed / seconds),
      graphRequestsPerMessage: Number((requests / processed).toFixed(4)),
      graphRequestsPerMessageBesidesDownloads: Number(((requests - downloads) / processed).toFixed(4)),
      graphDownloadsPerMessage: Number((downloads / processed).toFixed(4)),
      attachmentsStored: stored,
      storeWritesPerMessage: Number(((store.writes - writesBefore) / processed).toFixed(3)),
      peakRssMb: Math.round(peakRss / 1048576),
      cpuMsPerMessage: Number(((cpu.user + cpu.system) / 1000 / processed).toFixed(3)),
      activitiesCreated: summary.activitiesCreated,
      noMatch: summary.noMatch,
      errors: summary.errors,
      duplicates,
      ...(storeBefore && storeAfter ? storeRequestFigures(storeBefore, storeAfter, processed) : {}),
    };
  } finally {
    await services.close();
  }
}

function storeRequestFigures(
  before: Record<string, number>,
  after: Record<string, number>,
  messages: number,
) {
  const byKind: Record<string, number> = {};
  let total = 0;
  for (const [kind, n] of Object.entries(after)) {
    const made = n - (before[kind] ?? 0);
    if (made === 0) continue;
    byKind[kind] = Number((made / messages).toFixed(3));
    total += made;
  }
  return { storeRequestsPerMessage: Number((total / messages).toFixed(3)), storeRequestsByKind: byKind };
}

/**
 * `syncOurs` in a child process (sync-once.ts), so its peak RSS is its own and not what earlier
 * runs in this process left behind. BENCH_CPU_PROF=<dir> profiles it (`node --cpu-prof`).
 */
export async function syncOursApart(options: {
  graphUrl: string;
  dataDir: string;
  records: number;
  attachments: boolean;
  label: string;
  /** bench-cosmos.ts's endpoint and counts: sync into Cosmos DB instead of the embedded store. */
  cosmos?: { endpoint: string; requests: string };
}): Promise<OursFigures> {
  const profile = process.env.BENCH_CPU_PROF;
  const child = spawn(
    process.execPath,
    [
      // It stands for a worker process, which runs with the app's flags.
      ...NODE_FLAGS,
      ...(profile
        ? ['--cpu-prof', `--cpu-prof-dir=${profile}`, `--cpu-prof-name=${options.label}.cpuprofile`]
        : []),
      join(import.meta.dirname, 'sync-once.ts'),
    ],
    { env: { ...process.env, BENCH_SYNC: JSON.stringify(options) }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = out.trim().split('\n').at(-1);
  if (code !== 0 || !line) throw new Error(`${options.label}: sync process exited ${code}: ${out}`);
  return JSON.parse(line) as OursFigures;
}

/** The recruiter's Inbox and Sent Items, which our sync reads by default. */
async function syncedFolders(http: GraphHttp): Promise<string[]> {
  const answers = await http.batch<{ id: string }>(
    BENCH_USER.id,
    ['inbox', 'sentitems'].map((name) => ({
      id: name,
      method: 'GET',
      url: `${userPath(BENCH_USER.id)}/mailFolders/${name}?$select=id`,
    })),
  );
  return [...answers.values()].map((a) => String(a.body?.id));
}

/** Every delta page of one of the benchmark recruiter's folders, with this `$select` and page size. */
async function readFolder(
  http: GraphHttp,
  folder: string,
  select: string,
  pageSize: number,
  visit: (items: Array<{ id?: string | null }>) => void,
): Promise<void> {
  let link: string | undefined =
    `${userPath(BENCH_USER.id)}/mailFolders/${encodeURIComponent(folder)}/messages/delta?$select=${select}`;
  while (link) {
    const page: Awaited<ReturnType<typeof readDeltaPage>> = await readDeltaPage(
      http,
      BENCH_USER.id,
      link,
      `odata.maxpagesize=${pageSize}, ${PREFER_IMMUTABLE}`,
    );
    visit(page.items);
    link = page.nextLink;
  }
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - started) / 1000 };
}

/**
 * The limit: every delta page our sync reads (same `$select`, same page size), read and dropped,
 * with the folders read side by side as our sync reads them (it reads two at a time, and the
 * benchmark's mailbox has two).
 */
export async function readLimit(http: GraphHttp): Promise<{ messages: number; messagesPerSecond: number }> {
  const folders = await syncedFolders(http);
  const { value: messages, seconds } = await timed(async () => {
    const counts = await Promise.all(
      folders.map(async (folder) => {
        let count = 0;
        await readFolder(http, folder, DELTA_SELECT, DELTA_PAGE_SIZE, (items) => (count += items.length));
        return count;
      }),
    );
    return counts.reduce((sum, n) => sum + n, 0);
  });
  return { messages, messagesPerSecond: Math.round(messages / seconds) };
}

/**
 * The peer's strategy (Twenty's Microsoft import): delta with ids only, then the messages fetched
 * in `$batch` requests of 20, each message written as its own activity. It runs as an app of its
 * own, with its own budget of Exchange's 10,000 requests per mailbox in 10 minutes: every inner GET
 * of a batch counts against it, so past 10,000 the sandbox answers 429 with Retry-After, and the
 * peer waits as Retry-After says. It counts those waits and moves the sandbox's budget clock on by
 * them (`advanceBudget`) instead of sleeping them: its time is the time it ran plus the time it
 * waited. Its rate with the waits left out is reported beside it.
 *
 * With `sample`, the ids are listed in full but only the first `sample` messages fetched, and the
 * whole mailbox's time extrapolated from them (for a run where each request takes Graph's latency,
 * which would take the peer an hour).
 */
export async function peerStrategy(options: {
  graphUrl: string;
  store: Store;
  advanceBudget: (ms: number) => Promise<void>;
  sample?: number;
}): Promise<PeerFigures> {
  let waitedMs = 0;
  let retryAfterWaits = 0;
  const http = new GraphHttp({
    baseUrl: options.graphUrl,
    token: clientCredentialsToken({
      tokenUrl: `${new URL(options.graphUrl).origin}/${BENCH_TENANT}/oauth2/v2.0/token`,
      clientId: PEER_CLIENT_ID,
      scope: 'https://graph.microsoft.com/.default',
    }),
    // Retry-After is up to a whole window; a throttled batch is sent again once it has passed.
    retry: { maxRetries: 10, baseDelayMs: 500, maxDelayMs: MAILBOX_WINDOW_MS + 60_000 },
    sleep: async (ms, retryAfterMs) => {
      if (retryAfterMs === undefined) {
        // Backoff after a failure with no Retry-After: slept for real, so it is in the time it ran.
        await new Promise((resolve) => setTimeout(resolve, Math.min(ms, DEFAULT_RETRY.maxDelayMs)));
        return;
      }
      waitedMs += ms;
      retryAfterWaits++;
      await options.advanceBudget(ms);
    },
  });
  const folders = await syncedFolders(http);
  const definition = { name: 'peer_activities', partitionKeyPath: '/pk' as const };
  await options.store.init([definition]);
  const activities = options.store.collection<{ id: string; pk: string; [key: string]: unknown }>(definition);
  const ids = await timed(async () => {
    const all: string[] = [];
    for (const folder of folders)
      await readFolder(http, folder, 'id', PEER_ID_PAGE, (items) => {
        for (const item of items) all.push(String(item.id));
      });
    return all;
  });
  const total = ids.value.length;
  const chosen = ids.value.slice(0, options.sample ?? total);
  const batches = await timed(async () => {
    for (let start = 0; start < chosen.length; start += PEER_BATCH) {
      const answers = await http.batch<Message>(
        BENCH_USER.id,
        chosen.slice(start, start + PEER_BATCH).map((id) => ({
          id,
          method: 'GET',
          url: `${userPath(BENCH_USER.id)}/messages/${encodeURIComponent(id)}`,
          headers: { prefer: PREFER_IMMUTABLE },
        })),
      );
      for (const [id, answer] of answers) {
        if (answer.status !== 200 || !answer.body) throw new Error(`peer: ${id} answered ${answer.status}`);
        const message = toMailMessage(answer.body);
        await activities.upsert({ ...message, pk: BENCH_TENANT });
      }
    }
  });
  // Only the time it ran scales with the sample: a sample that met the budget would mix the two.
  if (chosen.length < total && retryAfterWaits > 0)
    throw new Error(`peer: a sample of ${chosen.length} must fit in one window of the budget`);
  const ran = ids.seconds + (batches.seconds * total) / Math.max(1, chosen.length);
  const withWaits = ran + waitedMs / 1000;
  return {
    messages: total,
    sampled: chosen.length,
    seconds: Number(withWaits.toFixed(1)),
    messagesPerSecond: Number((total / withWaits).toFixed(1)),
    retryAfterWaits,
    waitedSeconds: Math.round(waitedMs / 1000),
    withoutWaits: { seconds: Number(ran.toFixed(1)), messagesPerSecond: Math.round(total / ran) },
  };
}

export interface PeerFigures {
  messages: number;
  /** Messages fetched; the rest of the mailbox's time is extrapolated from them. */
  sampled: number;
  seconds: number;
  messagesPerSecond: number;
  /** Times the peer waited as a Retry-After said (the budget's 429s), and the seconds it waited in all. */
  retryAfterWaits: number;
  waitedSeconds: number;
  /** The peer's code alone: its rate with the budget's waits left out. */
  withoutWaits: { seconds: number; messagesPerSecond: number };
}
