import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACTIVITY_BUCKETS, BuiltinCrm } from '../../bot/crm/builtin-crm.ts';
import { readDirectoryFixture } from '../../bot/crm/directory-seed.ts';
import { FileAttachmentStore } from '../../bot/crm/file-attachment-store.ts';
import { ALL_CONTAINERS, CONTAINERS } from '../../bot/store/containers.ts';
import { SqliteStore } from '../../bot/store/sqlite-store.ts';

describe('built-in CRM', () => {
  let crm: BuiltinCrm;
  let store: SqliteStore;
  let dir: string;
  const fixture = readDirectoryFixture();
  const tenant = fixture.tenantId;
  const activity = (
    messageKey: string,
    links: Array<{ id: string; type: 'candidate' | 'contact' | 'company' }>,
  ) => ({
    tenantId: tenant,
    userId: 'user-1',
    messageKey,
    messageId: `id-${messageKey}`,
    subject: 'Hello',
    to: [],
    cc: [],
    direction: 'received' as const,
    occurredAt: '2026-11-01T00:00:00Z',
    attachments: [],
    links,
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crm-'));
    store = new SqliteStore({ path: ':memory:', purgeIntervalMs: 0 });
    await store.init(ALL_CONTAINERS);
    crm = new BuiltinCrm({
      store,
      attachments: new FileAttachmentStore(dir),
      appUrl: 'https://crm-sync.example.com/',
    });
    await crm.importDirectory(tenant, fixture);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds candidates, contacts and companies by name or address, for Associate', async () => {
    const byName = await crm.search(tenant, 'victor dubois');
    assert.deepEqual(byName.map((r) => r.type).sort(), ['candidate', 'contact']);
    const byAddress = await crm.search(tenant, '@fabrikam.com');
    assert.ok(byAddress.length >= 4);
    assert.ok(byAddress.every((r) => r.emails.some((e) => e.endsWith('@fabrikam.com'))));
    assert.deepEqual(
      (await crm.search(tenant, 'Contoso Ltd')).map((r) => r.type),
      ['company'],
    );
    assert.deepEqual(await crm.search(tenant, '   '), []);
  });

  it('gives each record a deep link into the tab’s record page', async () => {
    assert.equal(
      crm.deepLink({ id: 'candidate-001', type: 'candidate' }),
      'https://crm-sync.example.com/tab/records/candidate/candidate-001',
    );
  });

  it('records one activity per email and merges links on a repeat, even concurrently', async () => {
    const results = await Promise.all([
      crm.recordActivity(activity('<same@x>', [{ id: 'candidate-001', type: 'candidate' }])),
      crm.recordActivity(activity('<same@x>', [{ id: 'contact-001', type: 'contact' }])),
      crm.recordActivity(activity('<same@x>', [{ id: 'candidate-001', type: 'candidate' }])),
    ]);
    assert.equal(results.filter((r) => r.created).length, 1);
    assert.equal(new Set(results.map((r) => r.activityId)).size, 1);
    const stored = await crm.activity(tenant, results[0]!.activityId);
    assert.deepEqual(stored?.linkIds.sort(), ['candidate-001', 'contact-001']);
  });

  it('keeps users’ activities for the same email apart', async () => {
    const a = await crm.recordActivity({ ...activity('<shared@x>', []), userId: 'user-a' });
    const b = await crm.recordActivity({ ...activity('<shared@x>', []), userId: 'user-b' });
    assert.notEqual(a.activityId, b.activityId);
  });

  it('rebuilds its matching index when the directory changes', async () => {
    const before = await crm.directory(tenant);
    assert.equal(before.lookup(['brand.new@outlook.com']).candidates.length, 0);
    await crm.importDirectory(tenant, {
      companies: [],
      contacts: [],
      candidates: [
        { id: 'cand-new', firstName: 'Brand', lastName: 'New', emails: ['Brand.New@Outlook.com'] },
      ],
    });
    const after = await crm.directory(tenant);
    assert.deepEqual(
      after.lookup(['brand.new@outlook.com']).candidates.map((m) => m.record.id),
      ['cand-new'],
    );
  });

  it("spreads a tenant's email over partitions, so no one partition carries all of it", async () => {
    const records = await Promise.all(
      Array.from({ length: 80 }, (_, n) =>
        crm.recordActivity(activity(`<spread-${n}@x>`, [{ id: 'candidate-002', type: 'candidate' }])),
      ),
    );
    const partitions = new Set<string>();
    const rows = store.collection<{ id: string; pk: string }>(CONTAINERS.crm);
    for (const b of Array.from({ length: ACTIVITY_BUCKETS }, (_, i) => i)) {
      const pk = `${tenant}|activities|${b}`;
      if ((await rows.query(pk, { limit: 1 })).items.length > 0) partitions.add(pk);
    }
    assert.ok(partitions.size >= ACTIVITY_BUCKETS / 2, `${partitions.size} partitions in use`);
    assert.equal(
      (await rows.query(tenant, { filters: [{ field: 'type', op: '=', value: 'activity' }] })).items.length,
      0,
    );
    // A record's timeline gathers them from every partition, newest first.
    const timeline = await crm.activitiesOf(tenant, 'candidate-002', 100);
    assert.equal(timeline.length, records.length);
    assert.ok(timeline.every((a, i) => i === 0 || timeline[i - 1]!.occurredAt >= a.occurredAt));
  });

  it('still finds, links and never duplicates an email synced before activities had partitions of their own', async () => {
    const legacyTenant = 'legacy-tenant';
    const id = BuiltinCrm.activityId(legacyTenant, 'user-1', '<old@x>');
    // As the previous version wrote it: in the tenant's own partition.
    await store.collection<Record<string, unknown> & { id: string; pk: string }>(CONTAINERS.crm).create({
      id,
      pk: legacyTenant,
      type: 'activity',
      messageKey: '<old@x>',
      messageId: 'm-old',
      userId: 'user-1',
      to: [],
      cc: [],
      direction: 'received',
      occurredAt: '2025-01-01T00:00:00.000Z',
      attachments: [],
      links: [{ id: 'candidate-001', type: 'candidate' }],
      linkIds: ['candidate-001'],
      createdAt: '2025-01-01T00:00:00.000Z',
    });
    const fresh = new BuiltinCrm({ store, attachments: new FileAttachmentStore(dir), appUrl: 'https://x/' });
    const again = await fresh.recordActivity({
      ...activity('<old@x>', [{ id: 'contact-001', type: 'contact' }]),
      tenantId: legacyTenant,
      userId: 'user-1',
    });
    assert.equal(again.created, false);
    assert.equal(again.activityId, id);
    assert.deepEqual((await fresh.activity(legacyTenant, id))?.linkIds.sort(), [
      'candidate-001',
      'contact-001',
    ]);
    assert.equal((await fresh.listActivities(legacyTenant)).length, 1);
    assert.equal((await fresh.activitiesOf(legacyTenant, 'contact-001')).length, 1);
  });
});
