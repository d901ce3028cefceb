import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuiltinCrm } from '../../bot/crm/builtin-crm.ts';
import { readDirectoryFixture } from '../../bot/crm/directory-seed.ts';
import { FileAttachmentStore } from '../../bot/crm/file-attachment-store.ts';
import { ALL_CONTAINERS } from '../../bot/store/containers.ts';
import { SqliteStore } from '../../bot/store/sqlite-store.ts';
import { LedgerRepository } from '../../bot/sync/ledger.ts';
import { RILEY, startSeededSandbox } from '../support/sandbox.ts';

const RILEY_ID = '4f2b8c1e-9d3a-4b5c-8e7f-1a2b3c4d5e6f';
const CLI = join(import.meta.dirname, '..', '..', 'bot', 'sync', 'sync-cli.ts');

describe('a sync killed mid-page (SIGKILL) and started again', function () {
  this.timeout(60_000);

  it('leaves every email with exactly one activity and one ledger entry', async () => {
    const { sandbox, server } = await startSeededSandbox();
    const dataDir = mkdtempSync(join(tmpdir(), 'crm-sync-crash-'));
    const tenantId = readDirectoryFixture().tenantId;
    const env = {
      PATH: process.env.PATH ?? '',
      DATA_DIR: dataDir,
      GRAPH_BASE_URL: server.graphBaseUrl,
      LOG_LEVEL: 'warn',
    };
    const args = [
      CLI,
      '--user',
      RILEY,
      '--enable',
      '--days-back',
      '3650',
      '--attachments',
      '--folder',
      'inbox',
      '--quiet',
    ];
    const spawnSync = () => spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exit = (child: ChildProcess) =>
      new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const store = new SqliteStore({ path: join(dataDir, 'crm-sync.db'), purgeIntervalMs: 0 });
    try {
      // Slow attachment downloads keep the first page in flight long enough to kill it there.
      sandbox.faults.add({ route: 'attachments', latencyMs: 40 });
      const first = spawnSync();
      let ledger: LedgerRepository | undefined;
      let seen = 0;
      const deadline = Date.now() + 30_000;
      while (seen < 10) {
        if (Date.now() > deadline) throw new Error('the first run never got going');
        if (first.exitCode !== null)
          throw new Error(`the first run ended before it could be killed (${first.exitCode})`);
        await new Promise((r) => setTimeout(r, 10));
        try {
          if (!ledger) {
            await store.init(ALL_CONTAINERS);
            ledger = new LedgerRepository(store);
          }
          seen = (await ledger.all(tenantId, RILEY_ID)).length;
        } catch {
          // The child has not created the database yet.
        }
      }
      first.kill('SIGKILL');
      await exit(first);
      const atKill = (await ledger!.all(tenantId, RILEY_ID)).length;
      // Inbox and its subfolders, as the sync's folder settings take them.
      const inbox = sandbox.model.wellKnown(RILEY_ID, 'inbox')!;
      const subtree = [inbox];
      for (let i = 0; i < subtree.length; i++) subtree.push(...sandbox.model.childFolders(subtree[i]!.id));
      const inboxTotal = subtree.reduce((sum, f) => sum + sandbox.model.folderMessageIds(f.id).size, 0);
      assert.ok(atKill < inboxTotal, `killed mid-page: ${atKill} of ${inboxTotal} in the ledger`);

      sandbox.faults.clear();
      const second = spawnSync();
      let output = '';
      second.stdout?.on('data', (d) => (output += d.toString()));
      second.stderr?.on('data', (d) => (output += d.toString()));
      assert.equal(await exit(second), 0, output);

      const entries = await ledger!.all(tenantId, RILEY_ID);
      assert.equal(entries.length, inboxTotal, 'one ledger entry per email in the folder');
      assert.equal(new Set(entries.map((e) => e.messageId)).size, entries.length);
      const crm = new BuiltinCrm({
        store,
        attachments: new FileAttachmentStore(join(dataDir, 'attachments')),
        appUrl: 'http://x',
      });
      const activities = await crm.listActivities(tenantId);
      const synced = entries.filter((e) => e.status === 'synced');
      assert.ok(synced.length > 50);
      assert.equal(
        activities.length,
        new Set(synced.map((e) => e.activityId)).size,
        'one activity per synced email',
      );
      assert.equal(new Set(activities.map((a) => a.messageKey)).size, activities.length);
      for (const entry of synced)
        assert.ok(
          activities.some((a) => a.id === entry.activityId),
          `${entry.subject} lost its activity`,
        );
    } finally {
      await store.close();
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
