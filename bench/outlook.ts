import { clientCredentialsToken } from '../bot/mail-source/client-credentials.ts';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDirectoryFixture } from '../bot/crm/directory-seed.ts';
import { freePort } from '../test/support/free-port.ts';
import { FakeEntra } from '../test/support/sso.ts';
import { latencyStats, startProcess } from './bench-support.ts';
import { recruiterMailboxes } from './generate.ts';

/**
 * The Outlook add-in under load: 50 recruiters at once, each opening the task pane on an email of
 * theirs (status and matches) and pressing Sync to CRM, round after round, against the app in its
 * own process (sandbox mode, Entra-style tokens checked as in Azure) and the Microsoft 365 sandbox in
 * another, with HTML bodies of tens of KB. Targets on a 2-core machine: p99 <= 300 ms to open,
 * <= 1,000 ms to sync. Side by side in the same run: the sandbox's own GET of the same emails with
 * their bodies (the Graph call no sync can avoid), so the ratio holds however busy the machine is.
 */

const USERS = Number(process.env.BENCH_USERS || 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 10);
const OPEN_LIMIT_MS = 300;
const SYNC_LIMIT_MS = 1_000;

async function timed(url: string, init: RequestInit, expect: (body: string) => boolean): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, init);
  const body = await response.text();
  if (!response.ok || !expect(body))
    throw new Error(`${url} answered ${response.status}: ${body.slice(0, 300)}`);
  return performance.now() - started;
}

export async function outlook(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-sync-outlook-'));
  const directory = readDirectoryFixture();
  // One email per round per user, and one more for the warm-up.
  const fixture = recruiterMailboxes(USERS, ROUNDS + 1, directory);
  const fixturePath = join(dir, 'mailboxes.json');
  writeFileSync(fixturePath, JSON.stringify(fixture));
  const bodies = fixture.users.flatMap((u) => u.messages.map((m) => m.body.content.length));
  const entra = await FakeEntra.start();
  const children: ChildProcess[] = [];
  try {
    const sandbox = await startProcess(
      'bench/bench-sandbox.ts',
      { BENCH_FIXTURE: fixturePath },
      /"graph":"[^"]+"/,
    );
    children.push(sandbox.child);
    const graph = /"graph":"([^"]+)"/.exec(sandbox.output)![1]!;
    // The benchmark reads the sandbox's Graph with an app token from its Entra stand-in, as the app does.
    const graphToken = await clientCredentialsToken({
      tokenUrl: `${new URL(graph).origin}/${fixture.tenantId}/oauth2/v2.0/token`,
      clientId: 'crm-sync-bench',
      scope: 'https://graph.microsoft.com/.default',
    })();
    const app = await startProcess(
      'bench/outlook-app.ts',
      {
        PORT: String(await freePort()),
        DATA_DIR: dir,
        GRAPH_BASE_URL: graph,
        LOG_LEVEL: 'warn',
        BENCH_TENANT: directory.tenantId,
        SANDBOX_TENANT_ID: directory.tenantId,
        BENCH_JWKS_URL: entra.jwksUrl,
      },
      /"app":"[^"]+"/,
    );
    children.push(app.child);
    const base = /"app":"([^"]+)"/.exec(app.output)![1]!;

    // Each recruiter's emails by the id Outlook's item id converts to (Graph's REST id).
    const users = await Promise.all(
      fixture.users.map(async (user) => {
        const list = (await (
          await fetch(`${graph}/users/${user.id}/mailFolders/inbox/messages?$top=100&$select=id`, {
            headers: { authorization: `Bearer ${graphToken}` },
          })
        ).json()) as { value: Array<{ id: string }> };
        return {
          id: user.id,
          token: await entra.token(directory.tenantId, user.id),
          messages: list.value.map((m) => m.id),
        };
      }),
    );
    const headers = (token: string) => ({
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    });
    const open = (token: string, id: string) =>
      timed(`${base}/api/outlook/messages/${encodeURIComponent(id)}`, { headers: headers(token) }, (b) =>
        b.includes('"matches"'),
      );
    const sync = (token: string, id: string) =>
      timed(
        `${base}/api/outlook/messages/${encodeURIComponent(id)}/sync`,
        { method: 'POST', headers: headers(token), body: '{}' },
        (b) => b.includes('"exported":"Yes"'),
      );
    const graphGet = (user: string, id: string) =>
      timed(
        `${graph}/users/${user}/messages/${encodeURIComponent(id)}`,
        { headers: { authorization: `Bearer ${graphToken}`, prefer: 'IdType="ImmutableId"' } },
        (b) => b.includes('"body"'),
      );

    // Warm-up (not measured): one email per recruiter, opened and synced.
    await Promise.all(
      users.map(async (u) => (await open(u.token, u.messages[0]!), sync(u.token, u.messages[0]!))),
    );

    process.stderr.write(`outlook: ${USERS} recruiters x ${ROUNDS} emails: open the pane, Sync to CRM\n`);
    const opened: number[] = [];
    const synced: number[] = [];
    const graphed: number[] = [];
    const started = performance.now();
    await Promise.all(
      users.map(async (u) => {
        for (let round = 1; round <= ROUNDS; round++) {
          const id = u.messages[round]!;
          opened.push(await open(u.token, id));
          synced.push(await sync(u.token, id));
          graphed.push(await graphGet(u.id, id));
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const o = latencyStats(opened);
    const s = latencyStats(synced);
    const g = latencyStats(graphed);
    const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
    return {
      users: USERS,
      rounds: ROUNDS,
      bodyKb: {
        median: Math.round(bodies.sort((a, b) => a - b)[bodies.length >> 1]! / 1024),
        max: Math.round(Math.max(...bodies) / 1024),
      },
      emailsPerSecond: Number((synced.length / seconds).toFixed(1)),
      openMs: o,
      syncMs: s,
      graphGetMs: g,
      ratios: {
        openP99OverLimit: ratio(o.p99, OPEN_LIMIT_MS),
        syncP99OverLimit: ratio(s.p99, SYNC_LIMIT_MS),
        openP50OverGraphGetP50: ratio(o.p50, g.p50),
        syncP50OverGraphGetP50: ratio(s.p50, g.p50),
      },
      targets: { openP99: o.p99 <= OPEN_LIMIT_MS, syncP99: s.p99 <= SYNC_LIMIT_MS },
    };
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await entra.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
