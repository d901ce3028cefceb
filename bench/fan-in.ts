import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../bot/config/config.ts';
import { NODE_FLAGS } from '../bot/config/node-flags.ts';
import { createLogger } from '../bot/logging/logger.ts';
import { startApp } from '../bot/main.ts';
import { latencyStats, startMailboxPeers } from './bench-support.ts';
import { rng } from './generate.ts';

/**
 * Fan-in: 1,000 recruiters' mailboxes with sync on and their subscriptions live; new email arrives
 * at 50 a second spread over them for 2 minutes. The app takes Graph's change notifications on its
 * webhook and queues them on an Azure Storage queue (Azurite); two worker processes
 * (worker-main.ts) share the queue and do the syncing, into the embedded store. Measured: from the
 * sandbox raising an email's change (and posting its notification) to the email's activity being
 * written (its `createdAt`, the same machine's clock); every email in the CRM exactly once; each
 * worker's peak RSS. Before the clock starts, one email to each mailbox warms the workers up (a
 * mailbox's first run reads its folder tree). Everything runs on 127.0.0.1 and stops by itself.
 * Targets on a 2-core machine: p95 <= 1 s, p99 <= 3 s, none lost or doubled, RSS <= 400 MB each.
 * BENCH_MAILBOXES, BENCH_RATE (emails a second) and BENCH_SECONDS change the shape;
 * BENCH_PROFILE_DIR=<dir> writes each worker's CPU profile there (`--cpu-prof`).
 */

const MAILBOXES = Number(process.env.BENCH_MAILBOXES || 1000);
const RATE = Number(process.env.BENCH_RATE || 50);
const SECONDS = Number(process.env.BENCH_SECONDS || 120);
const WORKERS = 2;
const WORKER = join(import.meta.dirname, '..', 'bot', 'worker', 'worker-main.ts');
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;

/** A process's resident set now and at its peak (Linux), in MB. */
function rssOf(pid: number | undefined): { now: number; peak: number } | undefined {
  if (!pid) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { now: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
  } catch {
    return undefined;
  }
}

async function until(what: string, ms: number, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`fan-in: ${what} did not happen within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function fanIn(): Promise<Record<string, unknown>> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const random = rng(1000);
  const peers = await startMailboxPeers({ name: 'fan-in', mailboxes: MAILBOXES, history: 0 });
  const { people, fixture, sandbox, env } = peers;
  const app = await startApp(loadConfig(env), createLogger({ level: 'silent' }));
  const workers: ChildProcess[] = [];
  const peakRss = new Map<number, number>();
  const sampler = setInterval(() => {
    for (const w of workers) {
      const rss = rssOf(w.pid);
      if (rss && w.pid) peakRss.set(w.pid, Math.max(peakRss.get(w.pid) ?? 0, rss.peak));
    }
  }, 1000);
  try {
    // Only the two worker processes sync; the app keeps its webhook, which queues the notifications.
    await app.services.worker.stop();
    const { crm, syncService, settings } = app.services;
    await crm.importDirectory(fixture.tenantId, people);
    await syncService.setTenantEnabled(fixture.tenantId, true, 'fan-in');
    for (let i = 0; i < WORKERS; i++)
      workers.push(
        spawn(
          process.execPath,
          [...NODE_FLAGS, ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []), WORKER],
          { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' },
        ),
      );
    const users = fixture.users.map((u) => ({ tenantId: fixture.tenantId, userId: u.id }));
    log(`fan-in: ${MAILBOXES} mailboxes, turning sync on`);
    for (const user of users) {
      await settings.save(user.tenantId, user.userId, { enabledAt: '2026-01-01T00:00:00.000Z' });
      await syncService.turnOn(user);
    }
    const perUser = (await app.services.subscriptionTargets(users[0]!)).length;
    log(`fan-in: waiting for ${users.length * perUser} subscriptions`);
    await until('every subscription', 600_000, async () => {
      return sandbox.subscriptions.subscriptions.size >= users.length * perUser;
    });

    const candidates = people.candidates.map((c) => c.emails[0]!);
    // When the sandbox raises each email's change (and posts its notification), by Graph id.
    const changedAt = new Map<string, number>();
    sandbox.model.onChange((change) => {
      if (change.changeType === 'created' && !changedAt.has(change.message.immutableId))
        changedAt.set(change.message.immutableId, Date.now());
    });
    /** Each email's Graph id by its Internet Message-ID, the activity's key. */
    const graphIds = new Map<string, string>();
    let n = 0;
    const send = (user: (typeof fixture.users)[number], label: string) => {
      const from = candidates[Math.floor(random() * candidates.length)]!;
      const key = `<fan-in-${n}@bench.example>`;
      const added = sandbox.model.addMessage(user.id, sandbox.model.wellKnown(user.id, 'inbox')!.id, {
        subject: `Fan-in ${label} ${n}`,
        from: { emailAddress: { name: from, address: from } },
        toRecipients: [{ emailAddress: { name: user.displayName, address: user.mail } }],
        internetMessageId: key,
        body: { contentType: 'html', content: `<p>Fan-in message ${n}, a body worth keeping.</p>` },
      });
      n++;
      graphIds.set(key, added.immutableId);
      return key;
    };
    const activitiesByKey = async () => {
      const byKey = new Map<string, { count: number; createdAt: string }>();
      for (const a of await crm.listActivities(fixture.tenantId)) {
        const seen = byKey.get(a.messageKey);
        byKey.set(a.messageKey, { count: (seen?.count ?? 0) + 1, createdAt: seen?.createdAt ?? a.createdAt });
      }
      return byKey;
    };

    log('fan-in: warming up, one email to each mailbox');
    const warm = fixture.users.map((user) => send(user, 'warm-up'));
    await until('the warm-up emails in the CRM', 600_000, async () => {
      const byKey = await activitiesByKey();
      return warm.every((key) => byKey.has(key));
    });

    log(`fan-in: ${RATE} emails a second for ${SECONDS} s`);
    const measured: string[] = [];
    const started = Date.now();
    const end = started + SECONDS * 1000;
    while (Date.now() < end) {
      // As many as the rate owes by now: timers on a busy machine fire late, the rate holds.
      const owed = Math.floor(((Date.now() - started) / 1000) * RATE) - measured.length;
      for (let i = 0; i < owed; i++)
        measured.push(send(fixture.users[Math.floor(random() * fixture.users.length)]!, 'load'));
      await new Promise((r) => setTimeout(r, 20));
    }
    log(`fan-in: ${measured.length} emails sent; waiting for the CRM`);
    let byKey = await activitiesByKey();
    const settleBy = Date.now() + 120_000;
    while (measured.some((key) => !byKey.has(key)) && Date.now() < settleBy) {
      await new Promise((r) => setTimeout(r, 500));
      byKey = await activitiesByKey();
    }
    const latencies: number[] = [];
    let missing = 0;
    let doubled = 0;
    for (const key of [...warm, ...measured]) {
      const found = byKey.get(key);
      if (!found) missing++;
      else if (found.count > 1) doubled++;
    }
    for (const key of measured) {
      const found = byKey.get(key);
      const at = changedAt.get(graphIds.get(key) ?? '');
      if (found && at !== undefined) latencies.push(Date.parse(found.createdAt) - at);
    }
    const stats = latencyStats(latencies);
    const workerRssMb = workers.map((w) => Math.max(peakRss.get(w.pid ?? 0) ?? 0, rssOf(w.pid)?.peak ?? 0));
    return {
      mailboxes: MAILBOXES,
      emailsPerSecond: RATE,
      seconds: SECONDS,
      workers: WORKERS,
      sent: measured.length,
      sentPerSecond: Number((measured.length / ((end - started) / 1000)).toFixed(1)),
      notificationToActivityMs: stats,
      missing,
      doubled,
      workerPeakRssMb: workerRssMb,
      throttledByMailboxLimits: sandbox.throttled,
      targets: {
        p95: stats.p95 <= 1000,
        p99: stats.p99 <= 3000,
        noneLostOrDoubled: missing === 0 && doubled === 0,
        workerRssMb: workerRssMb.every((mb) => mb > 0 && mb <= 400),
      },
    };
  } finally {
    clearInterval(sampler);
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
