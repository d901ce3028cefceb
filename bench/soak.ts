/**
 * The soak: `npm run soak` (minutes; `SOAK_SECONDS`, `SOAK_MAILBOXES` to change). The whole product
 * under a bad day, then a check that nothing was lost or doubled:
 * - mailboxes with sync on, and new mail arriving steadily across them;
 * - Graph throttling (429) and unavailability (503) on a share of all requests, inside `$batch` too;
 * - subscriptions expiring (Graph deletes them) and lifecycle events (missed, reauthorization,
 *   removal);
 * - store faults in the app's process (a share of writes fail as Cosmos DB's 503 would);
 * - two worker processes on an Azurite queue, one of them killed (SIGKILL) and restarted each period.
 * At the end, with the faults stopped and the queue drained: every email is in the CRM exactly once,
 * with its body, and every user's subscriptions are live in Graph. Prints one JSON line.
 * `test/soak/soak.test.ts` runs a short one in `npm test`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '../bot/config/config.ts';
import { NODE_FLAGS } from '../bot/config/node-flags.ts';
import { AppError } from '../bot/errors/app-error.ts';
import { createLogger } from '../bot/logging/logger.ts';
import { startApp } from '../bot/main.ts';
import { ALL_CONTAINERS, CONTAINERS } from '../bot/store/containers.ts';
import { SqliteStore } from '../bot/store/sqlite-store.ts';
import type { Store } from '../bot/store/store.port.ts';
import { interceptStore } from '../test/support/store-proxy.ts';
import { startMailboxPeers } from './bench-support.ts';
import { rng } from './generate.ts';

const WORKER = join(import.meta.dirname, '..', 'bot', 'worker', 'worker-main.ts');

export interface SoakOptions {
  seconds: number;
  mailboxes: number;
  /** New emails per second, across all mailboxes. */
  emailsPerSecond: number;
  /** How often a worker is killed and a subscription expires or gets a lifecycle event. */
  chaosEverySeconds: number;
  /** Share of Graph requests answered 429 or 503, and of the app's store writes that fail. */
  faultRate: number;
  log?: (line: string) => void;
}

/** Store writes fail now and then, as Cosmos DB's do under pressure (503), in the app's process. */
function faulty(store: Store, rate: number, random: () => number, on: () => boolean): Store {
  const writes = new Set(['create', 'upsert', 'upsertMany', 'replace', 'delete']);
  return interceptStore(store, (_container, method, call) =>
    writes.has(method) && on() && random() < rate
      ? Promise.reject(new AppError('store.unavailable', 'Cosmos DB is unavailable (503)'))
      : call(),
  );
}

export async function runSoak(options: SoakOptions): Promise<Record<string, unknown>> {
  const log = options.log ?? (() => undefined);
  const random = rng(2026);
  const peers = await startMailboxPeers({
    name: 'soak',
    mailboxes: options.mailboxes,
    history: 3,
    env: { WORKER_LEASE_SECONDS: '6' },
  });
  const { people, fixture, sandbox, dataDir, env } = peers;
  let chaos = false;
  const store = new SqliteStore({ path: join(dataDir, 'crm-sync.db') });
  await store.init(ALL_CONTAINERS);
  const app = await startApp(loadConfig(env), createLogger({ level: 'silent' }), {
    store: faulty(store, options.faultRate, random, () => chaos),
  });
  const workers: ChildProcess[] = [];
  const startWorker = () =>
    spawn(process.execPath, [...NODE_FLAGS, WORKER], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: 'ignore',
    });
  const stats = { emails: 0, killed: 0, expired: 0, lifecycle: 0 };
  try {
    const { crm, syncService, settings } = app.services;
    await crm.importDirectory(fixture.tenantId, people);
    await syncService.setTenantEnabled(fixture.tenantId, true, 'soak');
    const users = fixture.users.map((u) => ({ tenantId: fixture.tenantId, userId: u.id }));
    for (const user of users) {
      await settings.save(user.tenantId, user.userId, { enabledAt: '2026-01-01T00:00:00.000Z' });
      await syncService.turnOn(user);
    }
    workers.push(startWorker(), startWorker());
    chaos = true;
    sandbox.faults.add({ route: '*', status: 429, retryAfterSeconds: 0.2, probability: options.faultRate });
    sandbox.faults.add({
      route: '*',
      status: 503,
      retryAfterSeconds: 0.2,
      probability: options.faultRate / 2,
    });

    const candidates = people.candidates.map((c) => c.emails[0]!);
    const deadline = Date.now() + options.seconds * 1000;
    let nextChaos = Date.now() + options.chaosEverySeconds * 1000;
    let n = 0;
    while (Date.now() < deadline) {
      const user = fixture.users[Math.floor(random() * fixture.users.length)]!;
      const from = candidates[Math.floor(random() * candidates.length)]!;
      sandbox.model.addMessage(user.id, sandbox.model.wellKnown(user.id, 'inbox')!.id, {
        subject: `Soak ${n}`,
        from: { emailAddress: { name: from, address: from } },
        toRecipients: [{ emailAddress: { name: user.displayName, address: user.mail } }],
        internetMessageId: `<soak-${n}@soak.example>`,
        body: { contentType: 'html', content: `<p>Soak message ${n}, a body worth keeping.</p>` },
      });
      n++;
      stats.emails++;
      if (Date.now() >= nextChaos) {
        nextChaos = Date.now() + options.chaosEverySeconds * 1000;
        // A worker dies mid-job and comes back.
        const victim = workers.shift();
        victim?.kill('SIGKILL');
        workers.push(startWorker());
        stats.killed++;
        // Graph deletes an expired subscription; another gets a lifecycle event.
        const live = [...sandbox.subscriptions.subscriptions.values()];
        const expiring = live[Math.floor(random() * live.length)];
        if (expiring) {
          // As when our renewal did not get through in time: past its expiry on both sides.
          const past = new Date(Date.now() - 1_000).toISOString();
          expiring.expirationDateTime = past;
          const records = store.collection<{ id: string; pk: string; expiresAt: string }>(
            CONTAINERS.syncState,
          );
          const record = await records.read('graph-subscriptions', expiring.id);
          if (record) await records.upsert({ ...record.value, expiresAt: past });
          stats.expired++;
        }
        const other = live[Math.floor(random() * live.length)];
        if (other && other !== expiring) {
          const event = (['missed', 'reauthorizationRequired', 'subscriptionRemoved'] as const)[
            Math.floor(random() * 3)
          ]!;
          await sandbox.subscriptions.lifecycle(other.id, event).catch(() => undefined);
          stats.lifecycle++;
        }
        log(`soak: ${stats.emails} emails, ${stats.killed} workers killed`);
      }
      await new Promise((r) => setTimeout(r, 1000 / options.emailsPerSecond));
    }

    // The bad day ends: faults stop, and the app catches up as it would on its next schedule.
    chaos = false;
    sandbox.faults.clear();
    log('soak: settling');
    await sandbox.subscriptions.settle();
    await app.services.subscriptions.renewDue();
    for (const user of users) await app.services.queue.send({ kind: 'subscriptions', ...user });
    for (const user of users)
      await app.services.queue.send({ kind: 'mailbox', ...user, mode: 'automatic', trigger: 'scheduled' });
    app.services.worker.wake();
    const settleBy = Date.now() + 180_000;
    const check = async () => {
      const activities = await crm.listActivities(fixture.tenantId);
      const byKey = new Map<string, number>();
      for (const a of activities) byKey.set(a.messageKey, (byKey.get(a.messageKey) ?? 0) + 1);
      const missing: string[] = [];
      const doubled: string[] = [];
      for (let i = 0; i < n; i++) {
        const count = byKey.get(`<soak-${i}@soak.example>`) ?? 0;
        if (count === 0) missing.push(`soak-${i}`);
        if (count > 1) doubled.push(`soak-${i}`);
      }
      const withoutBody = activities.filter(
        (a) =>
          a.messageKey.startsWith('<soak-') &&
          !String(a.body?.content ?? '').includes('a body worth keeping'),
      ).length;
      let deadSubscriptions = 0;
      for (const user of users) {
        const wanted = await app.services.mailSync.automaticFolderIds(user);
        const ours = await app.services.subscriptions.forUser(user.tenantId, user.userId);
        for (const folderId of wanted) {
          const sub = ours.find((s) => s.folderId === folderId);
          const graphSide = sub && sandbox.subscriptions.subscriptions.get(sub.subscriptionId);
          if (!graphSide || Date.parse(graphSide.expirationDateTime) <= Date.now()) deadSubscriptions++;
        }
      }
      return { missing, doubled, withoutBody, deadSubscriptions };
    };
    let result = await check();
    while (
      (result.missing.length > 0 || result.deadSubscriptions > 0 || result.withoutBody > 0) &&
      Date.now() < settleBy
    ) {
      await new Promise((r) => setTimeout(r, 1_000));
      result = await check();
    }
    const ok =
      result.missing.length === 0 &&
      result.doubled.length === 0 &&
      result.withoutBody === 0 &&
      result.deadSubscriptions === 0;
    return {
      ...stats,
      mailboxes: options.mailboxes,
      seconds: options.seconds,
      graphFaults: sandbox.faults.injected,
      throttledByMailboxLimits: sandbox.throttled,
      missing: result.missing.length,
      doubled: result.doubled.length,
      withoutBody: result.withoutBody,
      deadSubscriptions: result.deadSubscriptions,
      ok,
      ...(ok ? {} : { firstMissing: result.missing.slice(0, 5), firstDoubled: result.doubled.slice(0, 5) }),
    };
  } finally {
    for (const worker of workers) worker.kill('SIGTERM');
    await Promise.all(
      workers.map((w) =>
        w.exitCode === null && w.signalCode === null ? new Promise((r) => w.once('exit', r)) : undefined,
      ),
    );
    await app.close();
    await peers.stop();
  }
}

if (import.meta.main) {
  const result = await runSoak({
    seconds: Number(process.env.SOAK_SECONDS || 300),
    mailboxes: Number(process.env.SOAK_MAILBOXES || 50),
    emailsPerSecond: Number(process.env.SOAK_RATE || 10),
    chaosEverySeconds: Number(process.env.SOAK_CHAOS_SECONDS || 60),
    faultRate: Number(process.env.SOAK_FAULT_RATE || 0.05),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify({ scenario: 'soak', ...result })}\n`);
  process.exitCode = result.ok ? 0 : 1;
}
