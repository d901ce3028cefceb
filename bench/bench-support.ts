import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphSandbox } from '../bot/sandbox/graph-sandbox.ts';
import { startSandboxServer } from '../bot/sandbox/sandbox-server.ts';
import { seedMailboxes } from '../bot/sandbox/seed.ts';
import { NODE_FLAGS } from '../bot/config/node-flags.ts';
import { startAzurite } from '../test/support/azurite.ts';
import { freePort } from '../test/support/free-port.ts';
import { directory, recruiterMailboxes } from './generate.ts';

/** What the benchmarks share: starting a peer in its own process, and latency statistics. */

const ROOT = join(import.meta.dirname, '..');

/**
 * Starts `script` (a path from the project root) and resolves once its stdout matches `ready`, with
 * what it printed until then.
 */
export function startProcess(
  script: string,
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; output: string }> {
  // The app's processes run with its flags (bot/config/node-flags.ts).
  const child = spawn(process.execPath, [...NODE_FLAGS, join(ROOT, script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d.toString();
      if (ready.test(out)) resolve({ child, output: out });
    });
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}): ${out}`)));
  });
}

export function percentile(sorted: number[], p: number): number {
  return Number(
    (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0).toFixed(1),
  );
}

export function latencyStats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: percentile(sorted, 100),
  };
}

/** Polls `url` until it answers 2xx. */
export async function waitForHttp(url: string, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await fetch(url).catch(() => undefined))?.ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up`);
}

/**
 * Many recruiters' mailboxes in the sandbox (its HTTP server in this process), Azurite for the job
 * queue, a data folder and a port: what the multi-mailbox benchmarks (fan-in, soak) start from, with
 * the app's environment for them (extras in `env`) and one `stop` for all of it.
 */
export async function startMailboxPeers(options: {
  name: string;
  mailboxes: number;
  /** Emails already in each mailbox. */
  history: number;
  env?: Record<string, string>;
}) {
  const people = directory(2_000);
  const fixture = recruiterMailboxes(options.mailboxes, options.history, people);
  const sandbox = new GraphSandbox({ model: seedMailboxes(fixture), tenantId: fixture.tenantId });
  const sandboxServer = await startSandboxServer(sandbox);
  const azurite = await startAzurite();
  const dataDir = mkdtempSync(join(tmpdir(), `crm-sync-${options.name}-`));
  const port = await freePort();
  const env: Record<string, string> = {
    PORT: String(port),
    DATA_DIR: dataDir,
    GRAPH_BASE_URL: sandboxServer.graphBaseUrl,
    SANDBOX_TENANT_ID: fixture.tenantId,
    QUEUE_CONNECTION_STRING: azurite.connectionString,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'silent',
    ...options.env,
  };
  return {
    people,
    fixture,
    sandbox,
    dataDir,
    env,
    stop: async () => {
      await sandboxServer.close();
      await azurite.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
