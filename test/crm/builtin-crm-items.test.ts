import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACTIVITY_BUCKETS, BuiltinCrm } from '../../bot/crm/builtin-crm.ts';
import type { AppointmentInput, ContactInput, TaskInput } from '../../bot/crm/crm-items.port.ts';
import { FileAttachmentStore } from '../../bot/crm/file-attachment-store.ts';
import { AppError } from '../../bot/errors/app-error.ts';
import { ALL_CONTAINERS, CONTAINERS } from '../../bot/store/containers.ts';
import { SqliteStore } from '../../bot/store/sqlite-store.ts';
import type { Store } from '../../bot/store/store.port.ts';

/** Outlook's contacts, tasks and events in the built-in CRM, on the embedded store. */

describe('built-in CRM: Outlook contacts, tasks and appointments', () => {
  let store: SqliteStore;
  let dir: string;
  let crm: BuiltinCrm;
  let clock = new Date('2026-12-01T09:00:00.000Z');
  let tenantCount = 0;
  /** Each test its own tenant, with two companies, two contacts and a candidate. */
  let tenant: string;

  const make = (over: { store?: Store; maxActivityBytes?: number } = {}) =>
    new BuiltinCrm({
      store: over.store ?? store,
      attachments: new FileAttachmentStore(dir),
      appUrl: 'https://crm-sync.example.com/',
      now: () => clock,
      ...(over.maxActivityBytes ? { maxActivityBytes: over.maxActivityBytes } : {}),
    });
  const contact = (over: Partial<ContactInput>): ContactInput => ({
    tenantId: tenant,
    userId: 'user-1',
    sourceId: 'outlook-1',
    name: 'Nora Quist',
    emails: ['nora@quist.example'],
    ...over,
  });
  const contactsWith = async (address: string) =>
    (await crm.directory(tenant)).lookup([address]).contacts.map((m) => m.record.id);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-items-'));
    store = new SqliteStore({ path: ':memory:', purgeIntervalMs: 0 });
  });
  beforeEach(async () => {
    await store.init(ALL_CONTAINERS);
    clock = new Date('2026-12-01T09:00:00.000Z');
    tenant = `tenant-items-${++tenantCount}`;
    crm = make();
    await crm.importDirectory(tenant, {
      companies: [
        { id: 'co-contoso', name: 'Contoso Ltd', domain: 'contoso.com' },
        { id: 'co-fabrikam', name: 'Fabrikam', domain: 'fabrikam.com' },
      ],
      contacts: [
        {
          id: 'con-ava',
          firstName: 'Ava',
          lastName: 'Stone',
          emails: ['Ava.Stone@contoso.com', 'ava@stone.example'],
          phone: '+44 20 1111 1111',
          title: 'Head of Talent',
          companyId: 'co-contoso',
        },
        { id: 'con-ben', firstName: 'Ben', lastName: 'Kraft', emails: ['ben@fabrikam.com'] },
      ],
      candidates: [{ id: 'cand-cara', firstName: 'Cara', lastName: 'Lind', emails: ['cara@lind.example'] }],
    });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('contacts', () => {
    it('finds the CRM contact by each of its addresses, in any case', async () => {
      for (const address of ['AVA.STONE@CONTOSO.COM', ' ava@Stone.Example ']) {
        const result = await crm.upsertContact(contact({ name: 'Ava Stone', emails: [address] }));
        assert.equal(result.record.id, 'con-ava', address);
        assert.equal(result.outcome, 'unchanged', address);
        assert.deepEqual(result.fieldsSet, []);
      }
      assert.deepEqual(await contactsWith('ava@stone.example'), ['con-ava']);
    });

    it('finds the contact by the Outlook contact it came from when Outlook’s addresses changed', async () => {
      const made = await crm.upsertContact(contact({ emails: ['nora@quist.example'] }));
      const moved = await crm.upsertContact(contact({ emails: ['nora@newjob.example'] }));
      assert.equal(moved.record.id, made.record.id);
      assert.deepEqual(moved.record.emails, ['nora@quist.example', 'nora@newjob.example']);
      const other = await crm.upsertContact(contact({ userId: 'user-2', emails: ['nora@other.example'] }));
      assert.notEqual(other.record.id, made.record.id, 'another user’s Outlook contact is another source');
    });

    it('creates a contact with everything Outlook has, and matching sees it at once', async () => {
      const result = await crm.upsertContact(
        contact({
          name: 'Nora Quist',
          givenName: 'Nora',
          surname: 'Quist',
          emails: ['Nora@Quist.example', 'nora@quist.example', 'nq@quist.example'],
          phone: '+1 555 0100',
          mobile: '+1 555 0199',
          title: 'VP Engineering',
          department: 'Engineering',
          address: '1 Main St\nSpringfield',
          website: 'https://quist.example',
          notes: 'Met at the meetup',
        }),
      );
      assert.equal(result.outcome, 'created');
      assert.deepEqual(result.alsoMatched, []);
      assert.deepEqual(result.record.emails, ['Nora@Quist.example', 'nq@quist.example']);
      assert.deepEqual(
        {
          phone: result.record.phone,
          mobile: result.record.mobile,
          role: result.record.role,
          department: result.record.department,
          address: result.record.address,
          website: result.record.website,
          notes: result.record.notes,
        },
        {
          phone: '+1 555 0100',
          mobile: '+1 555 0199',
          role: 'VP Engineering',
          department: 'Engineering',
          address: '1 Main St\nSpringfield',
          website: 'https://quist.example',
          notes: 'Met at the meetup',
        },
      );
      assert.deepEqual([...result.fieldsSet].sort(), [
        'address',
        'department',
        'emails',
        'mobile',
        'name',
        'notes',
        'phone',
        'role',
        'website',
      ]);
      assert.deepEqual(await contactsWith('NQ@quist.example'), [result.record.id]);
      assert.deepEqual(await crm.record(tenant, result.record.id), result.record);
      assert.deepEqual(
        (await crm.search(tenant, 'quist')).map((r) => r.id),
        [result.record.id],
      );
    });

    it('never empties or overwrites a CRM field Outlook leaves empty', async () => {
      const result = await crm.upsertContact(
        contact({ name: '', emails: ['ava@stone.example'], phone: '', title: '   ', notes: '' }),
      );
      assert.equal(result.outcome, 'unchanged');
      assert.deepEqual(result.fieldsSet, []);
      const ava = await crm.record(tenant, 'con-ava');
      assert.equal(ava?.name, 'Ava Stone');
      assert.equal(ava?.phone, '+44 20 1111 1111');
      assert.equal(ava?.role, 'Head of Talent');
      assert.equal(ava?.companyId, 'co-contoso');
    });

    it('writes the values Outlook has that differ, and says which', async () => {
      const result = await crm.upsertContact(
        contact({
          name: 'Ava Stone',
          emails: ['ava@stone.example'],
          phone: '+44 20 2222 2222',
          title: 'Head of Talent',
          mobile: '+44 7700 900000',
        }),
      );
      assert.equal(result.outcome, 'updated');
      assert.deepEqual([...result.fieldsSet].sort(), ['mobile', 'phone']);
      const ava = (await crm.directory(tenant)).get('con-ava');
      assert.equal(ava?.phone, '+44 20 2222 2222');
      assert.equal(ava?.mobile, '+44 7700 900000');
    });

    it('adds Outlook’s new addresses to the CRM’s and never drops one', async () => {
      const result = await crm.upsertContact(
        contact({ name: 'Ava Stone', emails: ['AVA@STONE.EXAMPLE', 'ava.private@stone.example'] }),
      );
      assert.deepEqual(result.fieldsSet, ['emails']);
      assert.deepEqual(result.record.emails, [
        'Ava.Stone@contoso.com',
        'ava@stone.example',
        'ava.private@stone.example',
      ]);
      assert.deepEqual(await contactsWith('ava.private@stone.example'), ['con-ava']);
    });

    it('keeps what Outlook added when an import writes the contact again', async () => {
      await crm.upsertContact(
        contact({ name: 'Ben Kraft', emails: ['ben@fabrikam.com'], mobile: '+1 555 0142' }),
      );
      await crm.importDirectory(tenant, {
        companies: [],
        contacts: [{ id: 'con-ben', firstName: 'Ben', lastName: 'Kraft', emails: ['ben@fabrikam.com'] }],
        candidates: [],
      });
      assert.equal((await crm.record(tenant, 'con-ben'))?.mobile, '+1 555 0142');
      const again = await crm.upsertContact(
        contact({ name: 'Ben Kraft', emails: ['ben.kraft@home.example'] }),
      );
      assert.equal(again.record.id, 'con-ben', 'still found by the Outlook contact it came from');
    });

    it('makes one CRM contact of two Outlook contacts that share an address', async () => {
      const first = await crm.upsertContact(
        contact({ sourceId: 'o-1', emails: ['dan@work.example', 'dan@shared.example'] }),
      );
      const second = await crm.upsertContact(
        contact({ sourceId: 'o-2', name: 'Dan', emails: ['dan@home.example', 'DAN@shared.example'] }),
      );
      assert.equal(second.record.id, first.record.id);
      assert.equal(second.outcome, 'updated');
      assert.deepEqual(await contactsWith('dan@shared.example'), [first.record.id]);
    });

    it('makes one CRM contact of two Outlook contacts sharing an address upserted at the same time', async () => {
      const results = await Promise.all(
        ['a', 'b', 'c', 'd'].map((n) =>
          crm.upsertContact(
            contact({
              sourceId: `o-${n}`,
              name: 'Eve',
              emails: [`eve-${n}@x.example`, 'eve@shared.example'],
            }),
          ),
        ),
      );
      assert.equal(new Set(results.map((r) => r.record.id)).size, 1);
      assert.equal(results.filter((r) => r.outcome === 'created').length, 1);
      assert.deepEqual(await contactsWith('eve@shared.example'), [results[0]!.record.id]);
      assert.equal((await crm.directory(tenant)).get(results[0]!.record.id)?.emails.length, 5);
    });

    it('updates the contact of the first address and names the others that have one', async () => {
      const result = await crm.upsertContact(
        contact({ name: 'Ben Kraft', emails: ['ben@fabrikam.com', 'ava@stone.example'] }),
      );
      assert.equal(result.record.id, 'con-ben');
      assert.deepEqual(result.alsoMatched, ['con-ava']);
      assert.deepEqual(result.fieldsSet, ['emails']);
      const ava = await crm.record(tenant, 'con-ava');
      assert.equal(ava?.emails.length, 2, 'the other contact is left as it is');
    });

    it('makes a contact for a candidate’s address: a person can be both', async () => {
      const result = await crm.upsertContact(contact({ name: 'Cara Lind', emails: ['cara@lind.example'] }));
      assert.equal(result.outcome, 'created');
      const found = (await crm.directory(tenant)).lookup(['cara@lind.example']);
      assert.deepEqual(
        found.candidates.map((m) => m.record.id),
        ['cand-cara'],
      );
      assert.deepEqual(
        found.contacts.map((m) => m.record.id),
        [result.record.id],
      );
    });

    it('puts the contact at the company of that name, in any case and spacing', async () => {
      const result = await crm.upsertContact(contact({ companyName: '  CONTOSO ltd ' }));
      assert.deepEqual(result.company, { id: 'co-contoso', name: 'Contoso Ltd', created: false });
      assert.equal(result.record.companyId, 'co-contoso');
      assert.equal(result.record.companyName, 'Contoso Ltd');
    });

    it('puts the contact at the company of its address’s domain when the name is not known', async () => {
      const result = await crm.upsertContact(
        contact({ emails: ['nora@eu.fabrikam.com'], companyName: 'Fabrikam Europe' }),
      );
      assert.deepEqual(result.company, { id: 'co-fabrikam', name: 'Fabrikam', created: false });
      const moved = await crm.upsertContact(
        contact({ name: 'Ava Stone', emails: ['ava@stone.example'], companyName: 'Fabrikam' }),
      );
      assert.deepEqual(moved.fieldsSet, ['companyId']);
      assert.equal((await crm.record(tenant, 'con-ava'))?.companyName, 'Fabrikam');
    });

    it('makes the company when there is none, once, with the addresses’ own domain', async () => {
      const first = await crm.upsertContact(
        contact({ emails: ['nora@newco.example'], companyName: 'Newco' }),
      );
      assert.equal(first.company?.created, true);
      const company = (await crm.directory(tenant)).get(first.company!.id);
      assert.deepEqual(
        { type: company?.type, name: company?.name, domains: company?.domains },
        { type: 'company', name: 'Newco', domains: ['newco.example'] },
      );
      const second = await crm.upsertContact(
        contact({ sourceId: 'o-2', name: 'Olga', emails: ['olga@elsewhere.example'], companyName: 'newco' }),
      );
      assert.deepEqual(second.company, { id: first.company!.id, name: 'Newco', created: false });
      const byDomain = (await crm.directory(tenant)).companiesByDomain(['newco.example']);
      assert.deepEqual(
        byDomain.map((m) => m.record.id),
        [first.company!.id],
      );
    });

    it('never gives a company a generic mail domain, nor finds one by it', async () => {
      const first = await crm.upsertContact(
        contact({ emails: ['nora@gmail.com'], companyName: 'Freelance' }),
      );
      assert.equal(first.company?.created, true);
      assert.equal((await crm.directory(tenant)).get(first.company!.id)?.domains, undefined);
      const other = await crm.upsertContact(
        contact({ sourceId: 'o-2', name: 'Pia', emails: ['pia@gmail.com'], companyName: 'Pia Consulting' }),
      );
      assert.notEqual(other.company?.id, first.company!.id);
      assert.equal(other.company?.created, true);
    });
  });

  describe('tasks', () => {
    const task = (over: Partial<TaskInput> = {}): TaskInput => ({
      tenantId: tenant,
      userId: 'user-1',
      key: 'todo-1',
      title: 'Call Ava about the offer',
      status: 'not_started',
      priority: 'high',
      dueAt: '2026-12-04',
      links: [{ id: 'con-ava', type: 'contact' }],
      ...over,
    });

    it('creates the user’s task once, updates it, keeps when it was made, and deletes it', async () => {
      const first = await crm.upsertTask(task());
      assert.equal(first.created, true);
      const made = (await crm.tasksOf(tenant, 'con-ava'))[0]!;
      assert.deepEqual(
        { title: made.title, userId: made.userId, dueAt: made.dueAt, status: made.status },
        { title: 'Call Ava about the offer', userId: 'user-1', dueAt: '2026-12-04', status: 'not_started' },
      );
      clock = new Date('2026-12-02T09:00:00.000Z');
      const again = await crm.upsertTask(task());
      assert.deepEqual(again, { taskId: first.taskId, created: false });
      assert.equal((await crm.tasksOf(tenant, 'con-ava'))[0]!.updatedAt, made.updatedAt, 'nothing changed');

      const done = await crm.upsertTask(task({ status: 'completed', dueAt: undefined, title: 'Called Ava' }));
      assert.deepEqual(done, { taskId: first.taskId, created: false });
      const [updated, ...rest] = await crm.tasksOf(tenant, 'con-ava');
      assert.equal(rest.length, 0);
      assert.equal(updated?.status, 'completed');
      assert.equal(updated?.title, 'Called Ava');
      assert.equal(updated?.dueAt, undefined, 'Outlook’s copy replaces the CRM’s');
      assert.equal(updated?.createdAt, made.createdAt);
      assert.equal(updated?.updatedAt, '2026-12-02T09:00:00.000Z');

      const other = await crm.upsertTask(task({ userId: 'user-2' }));
      assert.notEqual(other.taskId, first.taskId, 'each user owns their own');
      assert.equal(await crm.deleteTask(tenant, 'user-1', 'todo-1'), true);
      assert.equal(await crm.deleteTask(tenant, 'user-1', 'todo-1'), false);
      assert.deepEqual(
        (await crm.tasksOf(tenant, 'con-ava')).map((t) => t.userId),
        ['user-2'],
      );
    });

    it('lists a record’s tasks from every bucket: open by due date, undated, then completed latest first', async () => {
      const due = ['2026-12-20', '2026-12-03T15:00:00Z', undefined, '2026-12-10', '2026-12-03'];
      for (let n = 0; n < 30; n++) {
        clock = new Date(Date.UTC(2026, 11, 1, 0, n));
        const dueAt = due[n % due.length];
        await crm.upsertTask(
          task({
            key: `t-${n}`,
            title: `task ${n}`,
            status: n % 3 === 0 ? 'completed' : 'in_progress',
            ...(dueAt ? { dueAt } : { dueAt: undefined }),
          }),
        );
      }
      const list = await crm.tasksOf(tenant, 'con-ava', 100);
      assert.equal(list.length, 30);
      const open = list.filter((t) => t.status !== 'completed');
      assert.equal(open.length, 20);
      assert.ok(
        list.slice(0, 20).every((t) => t.status !== 'completed'),
        'open ones first',
      );
      const dueOrder = open.map((t) => t.dueAt ?? '9999');
      assert.deepEqual(dueOrder, [...dueOrder].sort());
      const doneOrder = list.slice(20).map((t) => t.updatedAt);
      assert.deepEqual(doneOrder, [...doneOrder].sort().reverse());
      assert.deepEqual(
        (await crm.tasksOf(tenant, 'con-ava', 5)).map((t) => t.id),
        list.slice(0, 5).map((t) => t.id),
      );
      assert.deepEqual(
        (await crm.tasksOf(tenant, 'con-ava', 25)).map((t) => t.id),
        list.slice(0, 25).map((t) => t.id),
      );
      assert.ok((await bucketsUsed(tenant, 'task')) >= ACTIVITY_BUCKETS / 2);
      assert.deepEqual(await crm.tasksOf(tenant, 'con-ben'), []);
      assert.equal(await crm.countActivities(tenant), 0, 'tasks are not email activities');
    });
  });

  describe('appointments', () => {
    const appointment = (over: Partial<AppointmentInput> = {}): AppointmentInput => ({
      tenantId: tenant,
      userId: 'user-1',
      key: 'ical-1',
      eventId: 'event-1',
      subject: 'Interview: Cara Lind',
      start: '2026-12-03T14:00:00.000Z',
      end: '2026-12-03T15:00:00.000Z',
      timeZone: 'Europe/London',
      isAllDay: false,
      location: 'Room 4',
      onlineMeetingUrl: 'https://teams.example/meet/1',
      organizer: 'riley@agency.example',
      attendees: ['cara@lind.example'],
      status: 'scheduled',
      links: [{ id: 'cand-cara', type: 'candidate' }],
      ...over,
    });

    it('creates the appointment once, keeps it when cancelled, and deletes it', async () => {
      const first = await crm.upsertAppointment(appointment());
      assert.equal(first.created, true);
      assert.deepEqual(await crm.upsertAppointment(appointment()), {
        appointmentId: first.appointmentId,
        created: false,
      });
      const [made] = await crm.appointmentsOf(tenant, 'cand-cara');
      assert.deepEqual(
        { subject: made?.subject, location: made?.location, timeZone: made?.timeZone, status: made?.status },
        {
          subject: 'Interview: Cara Lind',
          location: 'Room 4',
          timeZone: 'Europe/London',
          status: 'scheduled',
        },
      );
      clock = new Date('2026-12-02T10:00:00.000Z');
      const cancelled = await crm.upsertAppointment(
        appointment({ status: 'cancelled', location: undefined }),
      );
      assert.equal(cancelled.created, false);
      const [kept] = await crm.appointmentsOf(tenant, 'cand-cara');
      assert.equal(kept?.status, 'cancelled');
      assert.equal(kept?.location, undefined);
      assert.equal(kept?.createdAt, made?.createdAt);
      assert.equal(await crm.deleteAppointment(tenant, 'user-1', 'ical-1'), true);
      assert.equal(await crm.deleteAppointment(tenant, 'user-1', 'ical-1'), false);
      assert.deepEqual(await crm.appointmentsOf(tenant, 'cand-cara'), []);
    });

    it('lists a record’s appointments from every bucket: coming ones soonest first, then past ones latest first', async () => {
      for (let n = 0; n < 30; n++) {
        // Days from 15 before today to 14 after, in a scrambled order.
        const day = ((n * 7) % 30) - 15;
        const start = new Date(clock.getTime() + day * 86_400_000);
        await crm.upsertAppointment(
          appointment({
            key: `ical-${n}`,
            eventId: `event-${n}`,
            start: start.toISOString(),
            end: new Date(start.getTime() + 3_600_000).toISOString(),
          }),
        );
      }
      const list = await crm.appointmentsOf(tenant, 'cand-cara', 100);
      assert.equal(list.length, 30);
      const now = clock.toISOString();
      const coming = list.filter((a) => a.end >= now);
      assert.deepEqual(list.slice(0, coming.length), coming, 'coming ones first');
      const starts = coming.map((a) => a.start);
      assert.deepEqual(starts, [...starts].sort());
      const past = list.slice(coming.length).map((a) => a.start);
      assert.ok(past.length > 0);
      assert.deepEqual(past, [...past].sort().reverse());
      assert.deepEqual(
        (await crm.appointmentsOf(tenant, 'cand-cara', 20)).map((a) => a.id),
        list.slice(0, 20).map((a) => a.id),
      );
      assert.ok((await bucketsUsed(tenant, 'appointment')) >= ACTIVITY_BUCKETS / 2);
    });
  });

  describe('limits and outages', () => {
    it('refuses a task or an appointment over the size cap with crm.rejected, naming its size', async () => {
      const small = make({ maxActivityBytes: 4_000 });
      await assert.rejects(
        small.upsertTask({
          tenantId: tenant,
          userId: 'user-1',
          key: 'big',
          title: 'Big',
          status: 'not_started',
          priority: 'normal',
          description: 'x'.repeat(10_000),
          links: [],
        }),
        (error: unknown) => AppError.is(error, 'crm.rejected') && /the task is 10 KB/.test(error.message),
      );
      await assert.rejects(
        small.upsertAppointment({
          tenantId: tenant,
          userId: 'user-1',
          key: 'big',
          eventId: 'e',
          start: '2026-12-03T14:00:00Z',
          end: '2026-12-03T15:00:00Z',
          isAllDay: false,
          attendees: [],
          body: { contentType: 'text', content: 'y'.repeat(10_000) },
          status: 'scheduled',
          links: [],
        }),
        (error: unknown) =>
          AppError.is(error, 'crm.rejected') && /the appointment is 10 KB/.test(error.message),
      );
    });

    it('says the CRM is unavailable when its store is down', async () => {
      const outage = { on: false };
      const flaky = failingStore(store, outage);
      const down = make({ store: flaky });
      await down.directory(tenant);
      outage.on = true;
      const unavailable = (error: unknown) => AppError.is(error, 'crm.unavailable');
      await assert.rejects(down.upsertContact(contact({})), unavailable);
      await assert.rejects(
        down.upsertTask({
          tenantId: tenant,
          userId: 'user-1',
          key: 'k',
          title: 't',
          status: 'not_started',
          priority: 'normal',
          links: [],
        }),
        unavailable,
      );
      await assert.rejects(down.deleteTask(tenant, 'user-1', 'k'), unavailable);
      await assert.rejects(down.deleteAppointment(tenant, 'user-1', 'k'), unavailable);
      await assert.rejects(down.tasksOf(tenant, 'con-ava'), unavailable);
      await assert.rejects(down.appointmentsOf(tenant, 'con-ava'), unavailable);
      outage.on = false;
      assert.equal((await down.upsertContact(contact({}))).outcome, 'created', 'works again after');
    });
  });

  /** How many of the tenant's activity buckets hold an item of this type. */
  async function bucketsUsed(tenantId: string, type: string): Promise<number> {
    const rows = store.collection<{ id: string; pk: string }>(CONTAINERS.crm);
    let used = 0;
    for (let b = 0; b < ACTIVITY_BUCKETS; b++) {
      const page = await rows.query(`${tenantId}|activities|${b}`, {
        filters: [{ field: 'type', op: '=', value: type }],
        limit: 1,
      });
      if (page.items.length > 0) used++;
    }
    return used;
  }
});

/** The store, whose every call fails as an unreachable Cosmos DB does while `outage.on`. */
function failingStore(inner: Store, outage: { on: boolean }): Store {
  const fail = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(object, property, receiver) {
        const value: unknown = Reflect.get(object, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) =>
          outage.on
            ? Promise.reject(new AppError('store.unavailable', 'Cosmos DB is unavailable (503)'))
            : (value as (...a: unknown[]) => unknown).apply(object, args);
      },
    });
  return {
    init: (definitions) => inner.init(definitions),
    collection: (definition) => fail(inner.collection(definition)),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
}
