import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuiltinCrm } from '../../bot/crm/builtin-crm.ts';
import type { CaptureInput } from '../../bot/crm/crm.port.ts';
import { readDirectoryFixture } from '../../bot/crm/directory-seed.ts';
import { FileAttachmentStore } from '../../bot/crm/file-attachment-store.ts';
import { AppError } from '../../bot/errors/app-error.ts';
import { ALL_CONTAINERS } from '../../bot/store/containers.ts';
import { SqliteStore } from '../../bot/store/sqlite-store.ts';

describe('built-in CRM: CaptureME candidates', () => {
  let crm: BuiltinCrm;
  let store: SqliteStore;
  let dir: string;
  const fixture = readDirectoryFixture();
  const tenant = fixture.tenantId;
  const known = fixture.candidates[0]!;
  const capture = (over: Partial<CaptureInput> & { key: string }): CaptureInput => ({
    tenantId: tenant,
    userId: 'user-1',
    captureKey: over.key,
    share: 'public',
    profile: {
      name: 'Priya Raman',
      emails: ['Priya.Raman@example.org'],
      phone: '+447700900123',
      location: 'Leeds, UK',
      title: 'Senior Data Engineer',
      employer: 'Northwind Analytics',
      links: ['https://www.linkedin.com/in/priyaraman'],
      skills: ['Python', 'SQL'],
      history: [{ employer: 'Northwind Analytics', title: 'Senior Data Engineer', start: '2021' }],
      education: [{ institution: 'University of Leeds', degree: 'BSc Computer Science', year: '2016' }],
    },
    resume: { name: 'Priya Raman CV.pdf', contentType: 'application/pdf', bytes: Buffer.from('%PDF-1.7 cv') },
    ...over,
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crm-capture-'));
    store = new SqliteStore({ path: ':memory:', purgeIntervalMs: 0 });
    await store.init(ALL_CONTAINERS);
    crm = new BuiltinCrm({
      store,
      attachments: new FileAttachmentStore(dir),
      appUrl: 'https://crm.example/',
    });
    await crm.importDirectory(tenant, fixture);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes a candidate with Source Type Outlook, the user as owner, the resume stored and the keyword "Outlook"', async () => {
    const { record, created } = await crm.captureCandidate(capture({ key: 'u1|m1|att1', share: 'private' }));
    assert.equal(created, true);
    assert.equal(record.type, 'candidate');
    assert.deepEqual(record.emails, ['priya.raman@example.org']);
    assert.equal(record.sourceType, 'Outlook');
    assert.equal(record.share, 'private');
    assert.equal(record.ownerId, 'user-1');
    assert.equal(record.title, 'Senior Data Engineer');
    assert.equal(record.employer, 'Northwind Analytics');
    assert.equal(record.address, 'Leeds, UK');
    assert.deepEqual(record.skills, ['Python', 'SQL']);
    assert.deepEqual(record.resume, { name: 'Priya Raman CV.pdf', contentType: 'application/pdf', size: 11 });
    const resume = await crm.resumeOf(tenant, record.id);
    assert.equal(resume?.bytes.toString(), '%PDF-1.7 cv');
    // The seeds' keyword search: "Outlook" finds captured candidates (and people at outlook.com).
    const found = await crm.search(tenant, 'outlook', 100);
    assert.ok(found.some((r) => r.id === record.id));
    for (const other of found.filter((r) => r.id !== record.id))
      assert.ok(
        other.emails.some((e) => e.includes('outlook')),
        other.id,
      );
    // Matching knows the new candidate at once, by any case of the address.
    const directory = await crm.directory(tenant);
    assert.equal(directory.lookup(['PRIYA.RAMAN@example.org']).candidates[0]?.record.id, record.id);
  });

  it('does a capture done again once, and refuses a second candidate for the same address', async () => {
    const again = await crm.captureCandidate(capture({ key: 'u1|m1|att1' }));
    assert.equal(again.created, false);
    await assert.rejects(
      crm.captureCandidate(capture({ key: 'u1|m2|att1' })),
      (error: unknown) => AppError.is(error, 'input.invalid') && /already a candidate/.test(error.message),
    );
    const other = capture({ key: 'u2|m9|body' });
    other.profile = { ...other.profile, emails: [known.emails[0]!.toUpperCase()] };
    await assert.rejects(
      crm.captureCandidate(other),
      (error: unknown) => AppError.is(error, 'input.invalid') && error.context.existingId === known.id,
    );
  });

  it('updates the candidate the user chose: adds addresses and skills, writes the current role, empties nothing', async () => {
    const input = capture({ key: 'u1|m3|att2', updateId: known.id });
    input.profile = {
      ...input.profile,
      name: 'Someone Else',
      emails: ['second.address@example.net'],
      phone: '',
      skills: ['Kubernetes'],
    };
    const { record, created } = await crm.captureCandidate(input);
    assert.equal(created, false);
    assert.equal(record.id, known.id);
    assert.equal(record.name, `${known.firstName} ${known.lastName}`, 'the name the CRM has stays');
    assert.ok(record.emails.includes(known.emails[0]!));
    assert.ok(record.emails.includes('second.address@example.net'));
    assert.equal(record.title, 'Senior Data Engineer');
    assert.deepEqual(record.skills, ['Kubernetes']);
    if (known.phone) assert.equal(record.phone, known.phone, 'an empty phone empties nothing');
    assert.equal(record.sourceType, undefined, 'an existing record keeps its source');
    assert.ok(record.keywords?.includes('Outlook'));
    // Done again, nothing changes; a record that is gone is said so.
    assert.equal((await crm.captureCandidate(input)).record.emails.length, record.emails.length);
    await assert.rejects(
      crm.captureCandidate(capture({ key: 'u1|m4|att', updateId: 'candidate-missing' })),
      /not in the CRM any more/,
    );
  });

  it('keeps a resume without an address apart per capture, and refuses a candidate without a name', async () => {
    const input = capture({ key: 'u1|m5|body' });
    input.profile = { ...input.profile, name: 'Jordan Ng', emails: [] };
    delete input.resume;
    const first = await crm.captureCandidate(input);
    assert.equal(first.created, true);
    assert.deepEqual(first.record.emails, []);
    assert.equal(first.record.resume, undefined);
    assert.equal((await crm.captureCandidate(input)).record.id, first.record.id);
    const nameless = capture({ key: 'u1|m6|body' });
    nameless.profile = { ...nameless.profile, name: '  ', emails: ['x@example.org'] };
    await assert.rejects(crm.captureCandidate(nameless), /needs a name/);
  });
});
