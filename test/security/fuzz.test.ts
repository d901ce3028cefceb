import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { type AppHarness, RILEY_ID, startAppHarness, TENANT } from '../support/app-harness.ts';
import { RILEY } from '../support/sandbox.ts';
import { FakeEntra } from '../support/sso.ts';

/**
 * Random and malformed input at the user API (tab and Outlook add-in) and the Graph webhook, from
 * a seeded generator (the seed is printed on failure, so a failing case can be replayed): no answer
 * may be a 5xx, and nothing stored may change except the callers' own data. The callers are
 * members, not admins; the recruiter Riley, whose data they must not touch, has settings, sync on,
 * an email synced and notifications.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 600);

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = [
  '',
  ' ',
  'inbox',
  'sentitems',
  '@example.com',
  'victor.dubois@outlook.com',
  'candidate-081',
  '../../etc/passwd',
  '%00',
  '\u0000',
  '\ud800',
  '😀👩‍💻',
  'مرحبا',
  '<script>alert(1)</script>',
  '[x](https://evil.example)',
  '{"$where":"1"}',
  '__proto__',
  'constructor',
  "' OR 1=1 --",
  'AAMkADPZYM9phrHKR1S7soKNIFviKUUCbIRBnxyC-qA4AAA=',
  '2026-12-01T00:00:00Z',
];

function generator(random: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  /** A string: sometimes huge (up to 200,000 characters), only where `huge` allows, so a body stays under a few MB. */
  const string = (huge = true): string => {
    const r = random();
    if (huge && r < 0.1) return pick(['x', '<', '😀', 'a@b.c ']).repeat(1 + Math.floor(random() * 200_000));
    if (r < 0.6) return pick(STRINGS);
    return Array.from({ length: Math.floor(random() * 40) }, () =>
      String.fromCharCode(Math.floor(random() * 0xffff)),
    ).join('');
  };
  const value = (depth: number): unknown => {
    const r = random();
    if (depth > 3 || r < 0.15) return pick([null, true, false, 0, -1, 1e308, 3.5, Number.MAX_SAFE_INTEGER]);
    if (r < 0.5) return string(depth === 0 || (depth === 1 && random() < 0.3));
    if (r < 0.7)
      return random() < 0.1
        ? Array.from({ length: 5_000 }, () => string(false))
        : Array.from({ length: Math.floor(random() * 5) }, () => value(depth + 1));
    const keys = [
      'active',
      'enabled',
      'ids',
      'messageId',
      'csv',
      'recordIds',
      'folders',
      'blocklist',
      'emailSync',
      'schedule',
      'notifications',
      'daysBack',
      'value',
      '__proto__',
      'constructor',
    ];
    const object: Record<string, unknown> = {};
    const size = Math.floor(random() * 6);
    for (let i = 0; i < size; i++) object[pick(keys)] = value(depth + 1);
    return object;
  };
  const body = (): string | undefined => {
    const r = random();
    if (r < 0.15) return undefined;
    if (r < 0.3) return pick(['{', '{"a":', '[1,2', 'null', '"x"', 'true', '\u0000', '{"a":1}}', '\ufeff{}']);
    return JSON.stringify(value(0));
  };
  return { pick, string, value, body };
}

/** Header values are bytes: any text made to fit, as a hostile client's bytes would arrive. */
const latin1 = (text: string) =>
  Array.from(text, (c) => {
    const code = (c.codePointAt(0) ?? 0) & 0xff;
    return code < 0x20 || code === 0x7f ? '?' : String.fromCharCode(code);
  }).join('') || '""';

const ROUTES: ReadonlyArray<readonly [string, string]> = [
  ['GET', '/api/tab/me'],
  ['GET', '/api/tab/settings'],
  ['PUT', '/api/tab/settings'],
  ['POST', '/api/tab/sync/active'],
  ['GET', '/api/tab/status'],
  ['POST', '/api/tab/sync'],
  ['POST', '/api/tab/errors/retry'],
  ['POST', '/api/tab/errors/retry-all'],
  ['GET', '/api/tab/folders'],
  ['GET', '/api/tab/notifications'],
  ['POST', '/api/tab/notifications/read'],
  ['DELETE', '/api/tab/notifications'],
  ['GET', '/api/tab/records?q={s}'],
  ['GET', '/api/tab/records/{s}/{s}'],
  ['GET', '/api/tab/admin/overview'],
  ['PUT', '/api/tab/admin/tenant'],
  ['GET', '/api/tab/admin/users'],
  ['POST', '/api/tab/admin/import/preview'],
  ['POST', '/api/tab/admin/import'],
  ['GET', '/api/tab/{s}'],
  ['GET', '/api/outlook/messages/{s}'],
  ['POST', '/api/outlook/messages/{s}/sync'],
  ['POST', '/api/outlook/messages/{s}/associate'],
  ['GET', '/api/outlook/search?q={s}'],
  ['POST', '/api/graph/notifications'],
  ['POST', '/api/graph/lifecycle'],
  ['POST', '/api/graph/notifications?validationToken={s}'],
];

/** Every stored row, by table, except those that name one of `callers` (their own data). */
function othersData(dataDir: string, callers: readonly string[]): Map<string, string> {
  const db = new DatabaseSync(join(dataDir, 'crm-sync.db'), { readOnly: true });
  try {
    const rows = new Map<string, string>();
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%doc TEXT%'")
      .all() as Array<{ name: string }>;
    for (const { name } of tables) {
      for (const row of db.prepare(`SELECT pk, id, doc FROM "${name}"`).all() as Array<{
        pk: string;
        id: string;
        doc: string;
      }>) {
        if (callers.some((c) => row.pk.includes(c) || row.doc.includes(c))) continue;
        rows.set(`${name}/${row.pk}/${row.id}`, row.doc);
      }
    }
    return rows;
  } finally {
    db.close();
  }
}

describe('fuzzing the user API and the Graph webhook', function () {
  this.timeout(180_000);
  let h: AppHarness;
  let entra: FakeEntra;
  const callers = Array.from({ length: 8 }, (_, n) => `f0f0f0f0-0000-4000-8000-00000000000${n}`);
  const tokens: string[] = [];

  before(async () => {
    entra = await FakeEntra.start();
    h = await startAppHarness({ tabAuth: entra.authenticator({ allowedTenants: [TENANT] }) });
    // Riley's data, which no caller may touch: settings, sync on (subscriptions), a synced email.
    await h.app.services.syncService.turnOn({ tenantId: TENANT, userId: RILEY_ID });
    await h.subscribed({ tenantId: TENANT, userId: RILEY_ID });
    await h.graph.adminCall('POST', `/users/${RILEY}/messages`, {
      folder: 'inbox',
      message: {
        subject: 'Before the fuzz',
        from: { emailAddress: { name: 'Victor Dubois', address: 'victor.dubois@outlook.com' } },
        toRecipients: [{ emailAddress: { name: 'Riley', address: RILEY } }],
      },
    });
    await h.app.services.syncService.syncNow({ tenantId: TENANT, userId: RILEY_ID });
    for (const id of callers) tokens.push(await entra.token(TENANT, id));
  });
  after(async () => {
    await h?.stop();
    await entra?.stop();
  });

  it(`answers ${REQUESTS} random requests without a 5xx and changes nothing but the callers' own data (seed ${SEED})`, async () => {
    // Background work stops (schedule, change notifications, the worker, after the jobs under way),
    // so that only the requests can change anything; jobs they queue wait in the queue.
    h.app.services.scheduler.stop();
    h.sandbox.subscriptions.close();
    await h.app.services.worker.stop();
    const before = othersData(h.dataDir, callers);
    assert.ok(before.size > 10, 'there is data to protect');

    const random = prng(SEED);
    const g = generator(random);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let n = 0; n < REQUESTS; n++) {
      const [method, template] = g.pick(ROUTES);
      // Mostly well-formed segments of random text; sometimes percent-encoding that does not decode.
      const path = template.replaceAll('{s}', () =>
        random() < 0.1
          ? g.pick(['%', '%ZZ', '%C0%80', '%ED%A0%80', '..%2F..%2F'])
          : encodeURIComponent(g.string().slice(0, 2_000).toWellFormed()),
      );
      const body = method === 'GET' || method === 'DELETE' ? undefined : g.body();
      const headers: Record<string, string> = {};
      const auth = random();
      if (auth < 0.8) headers.authorization = `Bearer ${g.pick(tokens)}`;
      else if (auth < 0.9)
        headers.authorization = g.pick([
          'Bearer',
          'Bearer x.y.z',
          'Basic YTpi',
          `Bearer ${'A'.repeat(10_000)}`,
        ]);
      if (body !== undefined)
        headers['content-type'] = g.pick([
          'application/json',
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
        ]);
      if (random() < 0.1)
        headers['if-match'] = latin1(g.pick(['"x"', '*', 'W/"1"', g.string(false).slice(0, 100)]));
      let status: number;
      try {
        const res = await fetch(`${h.app.url}${path}`, {
          method,
          headers,
          ...(body !== undefined ? { body } : {}),
        });
        status = res.status;
        await res.arrayBuffer();
      } catch (error) {
        const cause = (error as { cause?: { message?: string; code?: string } }).cause;
        failures.push(
          `#${n} ${method} ${path.slice(0, 120)}: ${(error as Error).message} ${cause?.code ?? ''} ${cause?.message ?? ''}`,
        );
        continue;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500)
        failures.push(`#${n} ${method} ${path.slice(0, 120)} ${String(body).slice(0, 120)}: ${status}`);
    }
    assert.deepEqual(failures, [], `seed ${SEED}`);
    // The fuzz reached the handlers, not only the front door: answers of many kinds came back.
    const kinds = [...statuses.keys()];
    for (const expected of [200, 202, 400, 401, 404])
      assert.ok(kinds.includes(expected), `no ${expected} among ${JSON.stringify([...statuses])}`);

    // Work a request started in the app itself (a caller's Sync now) finishes before the comparison.
    await new Promise((r) => setTimeout(r, 1_000));
    const after = othersData(h.dataDir, callers);
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter(
      (k) => before.get(k) !== after.get(k),
    );
    assert.deepEqual(changed, [], `seed ${SEED}: rows outside the callers' own data changed`);
  });
});
