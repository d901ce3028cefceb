import assert from 'node:assert/strict';
import { runResultCard } from '../../bot/cards/sync-cards.ts';
import { userPath } from '../../bot/mail-source/graph-delta.ts';
import { AppError } from '../../bot/errors/app-error.ts';
import type { ItemKind } from '../../bot/mail-source/item-source.port.ts';
import { CALENDAR_AHEAD_DAYS, CALENDAR_BACK_DAYS_MAX } from '../../bot/sync/item-sync.ts';
import type { SyncKind } from '../../bot/sync/mail-sync.ts';
import type { SyncSettingsInput } from '../../bot/sync/sync-settings.ts';
import { RILEY } from '../support/sandbox.ts';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.ts';

/**
 * The sync of contacts, To Do tasks and calendar events, through the Microsoft 365 sandbox (over
 * HTTP, as Graph) into the built-in CRM and the item ledger: what each kind makes in the CRM, what
 * a change, a move, a deletion and a 410 do, and the three attempts with less each time.
 */

const DAY = 86_400_000;
const person = (name: string, address: string) => ({ emailAddress: { name, address } });

describe('contacts, tasks and calendar sync', function () {
  this.timeout(60_000);
  let h: SyncHarness;
  let tenantId: string;

  const settings = (change: Partial<SyncSettingsInput> = {}): Partial<SyncSettingsInput> => ({
    emailSync: false,
    contacts: { enabled: true, confirmedAt: '2026-11-01T00:00:00.000Z' },
    tasks: { enabled: true, syncDeleted: false, otherInfoInDescription: true },
    calendar: { enabled: true, syncDeleted: false },
    ...change,
  });
  const run = (kinds?: SyncKind[]) =>
    h.services.mailSync.run(h.riley, { mode: 'all', trigger: 'cli', ...(kinds ? { kinds } : {}) });
  const entry = (kind: ItemKind, id: string) => h.services.itemLedger.get(tenantId, h.riley.userId, kind, id);
  const admin = (method: string, path: string, body?: unknown) =>
    h.graph.adminCall(method, `/users/${RILEY}/${path}`, body);
  const addContact = async (contact: Record<string, unknown>, folder?: string) =>
    String((await admin('POST', 'contacts', { ...(folder ? { folder } : {}), contact })).id);
  const addTask = async (task: Record<string, unknown>, list?: string) =>
    String((await admin('POST', 'tasks', { ...(list ? { list } : {}), task })).id);
  const addEvent = async (event: Record<string, unknown>) =>
    (await admin('POST', 'events', { event })) as { id: string; iCalUId: string };
  const tasks = () => h.services.crm.listTasks(tenantId);
  const appointments = () => h.services.crm.listAppointments(tenantId);
  const contactsWith = async (address: string) =>
    (await h.services.crm.directory(tenantId)).lookup([address]).contacts.map((m) => m.record);
  const soon = (days: number, hour = 10) => {
    const day = new Date(Date.now() + days * DAY);
    day.setUTCHours(hour, 0, 0, 0);
    return day.toISOString();
  };

  before(async () => {
    h = await startSyncHarness();
    tenantId = h.tenantId;
    await h.enable(h.riley, settings());
    const first = await run();
    assert.equal(first.status, 'completed', first.note);
  });
  after(() => h?.stop());

  describe('contacts', () => {
    it('makes a CRM contact of a new Outlook contact, at its company (made if the CRM lacks it)', async () => {
      const id = await addContact({
        displayName: 'Nadia Petrov',
        givenName: 'Nadia',
        surname: 'Petrov',
        emailAddresses: [{ name: 'Nadia', address: 'Nadia.Petrov@Brightwave.example' }],
        companyName: 'Brightwave Analytics',
        jobTitle: 'Head of Data',
        businessPhones: ['+1 206 555 0199'],
      });
      const summary = await run(['contact']);
      assert.equal(summary.items?.contact?.synced, 1);
      const found = await entry('contact', id);
      assert.equal(found?.status, 'synced');
      assert.equal(found?.linkType, 'Con');
      assert.match(found?.note ?? '', /new CRM contact; company Brightwave Analytics added/);
      const [record] = await contactsWith('nadia.petrov@brightwave.example');
      assert.ok(record);
      assert.equal(record.id, found?.crmId);
      assert.equal(record.role, 'Head of Data');
      assert.equal(
        record.companyName ?? (await h.services.crm.record(tenantId, record.id))?.companyName,
        'Brightwave Analytics',
      );
      // Unchanged since: the next run writes nothing.
      const again = await run(['contact']);
      assert.equal(again.items?.contact?.synced, 0);
    });

    it('updates the CRM contact with what Outlook changed, never emptying what Outlook lacks', async () => {
      const id = await addContact({
        displayName: 'Owen Marsh',
        emailAddresses: [{ address: 'owen.marsh@fieldstone.example' }],
        jobTitle: 'Recruiting Lead',
        mobilePhone: '+1 425 555 0101',
      });
      await run(['contact']);
      await admin('PATCH', `contacts/${id}`, { jobTitle: 'VP Talent', mobilePhone: '' });
      const summary = await run(['contact']);
      assert.equal(summary.items?.contact?.synced, 1);
      const [record] = await contactsWith('owen.marsh@fieldstone.example');
      const full = await h.services.crm.record(tenantId, record!.id);
      assert.equal(full?.role, 'VP Talent');
      assert.equal(full?.mobile, '+1 425 555 0101', 'an emptied Outlook field leaves the CRM as it was');
      assert.match((await entry('contact', id))?.note ?? '', /CRM contact updated: .*role/);
    });

    it('matches an existing CRM contact by any of its addresses, in any case, and merges duplicates', async () => {
      // Zoe Kowalski is a CRM contact (the seed); two Outlook contacts carry her address.
      const existing = await contactsWith('zoe.kowalski@contoso.com');
      assert.equal(existing.length, 1);
      const a = await addContact({
        displayName: 'Zoe K.',
        emailAddresses: [{ address: 'zk.private@example.net' }, { address: 'ZOE.KOWALSKI@CONTOSO.COM' }],
      });
      const b = await addContact(
        { displayName: 'Zoe (Clients)', emailAddresses: [{ address: 'zoe.kowalski@contoso.com' }] },
        'Clients',
      );
      await run(['contact']);
      const [ea, eb] = [await entry('contact', a), await entry('contact', b)];
      assert.equal(ea?.crmId, existing[0]!.id);
      assert.equal(eb?.crmId, existing[0]!.id, 'one CRM contact for both Outlook contacts');
      assert.equal((await contactsWith('zoe.kowalski@contoso.com')).length, 1);
      assert.deepEqual(
        (await contactsWith('zk.private@example.net')).map((r) => r.id),
        [existing[0]!.id],
        'the new address is added to the CRM contact',
      );
    });

    it('follows a contact moved to another folder and keeps the CRM contact when it is deleted', async () => {
      const id = await addContact({
        displayName: 'Mira Olsen',
        emailAddresses: [{ address: 'mira.olsen@northpeak.example' }],
      });
      await run(['contact']);
      const before = await entry('contact', id);
      await admin('POST', `contacts/${id}/move`, { folder: 'Clients' });
      await run(['contact']);
      const moved = await entry('contact', id);
      assert.notEqual(moved?.collectionId, before?.collectionId);
      assert.equal(moved?.crmId, before?.crmId);
      assert.equal(moved?.removed, undefined);
      await admin('DELETE', `contacts/${id}`);
      await run(['contact']);
      const gone = await entry('contact', id);
      assert.equal(gone?.removed, 'deleted');
      assert.match(gone?.note ?? '', /the CRM contact stays/);
      assert.equal((await contactsWith('mira.olsen@northpeak.example')).length, 1);
    });

    it('keeps colleagues and blocked addresses out', async () => {
      await h.enable(h.riley, settings({ blocklist: ['@spammy.example'] }));
      const colleague = await addContact({
        displayName: 'Sam Patel',
        emailAddresses: [{ address: 'sam.patel@northwindstaffing.com' }],
      });
      const blocked = await addContact({
        displayName: 'Spam Person',
        emailAddresses: [{ address: 'x@mail.spammy.example' }],
      });
      await run(['contact']);
      assert.equal((await entry('contact', colleague))?.status, 'skipped');
      assert.match((await entry('contact', colleague))?.note ?? '', /colleague/);
      assert.match((await entry('contact', blocked))?.note ?? '', /blocked: .*@spammy\.example/);
      assert.equal((await contactsWith('x@mail.spammy.example')).length, 0);
      await h.enable(h.riley, settings());
    });
  });

  describe('tasks', () => {
    it('makes a CRM task owned by the user, linked to the candidate named in it, with the other fields described', async () => {
      const id = await addTask({
        title: 'Prepare offer for victor.dubois@outlook.com',
        importance: 'high',
        dueDateTime: { dateTime: '2026-12-10T00:00:00.0000000', timeZone: 'UTC' },
        categories: ['Offers'],
        body: { contentType: 'text', content: 'Salary band agreed.' },
      });
      await run(['task']);
      const found = await entry('task', id);
      assert.equal(found?.status, 'synced');
      assert.equal(found?.linkType, 'Cand');
      const task = (await tasks()).find((t) => t.key === id);
      assert.ok(task);
      assert.equal(task.userId, h.riley.userId);
      assert.equal(task.priority, 'high');
      assert.equal(task.dueAt, '2026-12-10');
      assert.equal(task.status, 'not_started');
      assert.match(task.description ?? '', /^Salary band agreed\.\n\nFrom Outlook:\n/);
      assert.match(task.description ?? '', /Due date: 2026-12-10\n/);
      assert.match(task.description ?? '', /Categories: Offers/);
      assert.equal(task.links.length, 1);
      // Completed in Outlook: the CRM task follows.
      await admin('POST', `tasks/${id}/complete`);
      await run(['task']);
      assert.equal((await tasks()).find((t) => t.key === id)?.status, 'completed');
    });

    it("links a task made from a flagged email to the email's people", async () => {
      const seeded = (await h.services.itemLedger.all(tenantId, h.riley.userId, 'task')).find((e) =>
        e.title.startsWith('Thank you for the interview'),
      );
      assert.equal(seeded?.status, 'synced');
      assert.ok(seeded?.linkType, "the flagged email's sender is a candidate");
    });

    it('deletes the CRM task only with Sync Deleted Items on, and follows a task moved to another list', async () => {
      const kept = await addTask({ title: 'Kept task' });
      const removed = await addTask({ title: 'Removed task' });
      const moved = await addTask({ title: 'Moved task' });
      await run(['task']);
      await admin('DELETE', `tasks/${kept}`);
      await run(['task']);
      assert.ok(
        (await tasks()).some((t) => t.key === kept),
        'Sync Deleted Items off: the CRM task stays',
      );
      assert.match((await entry('task', kept))?.note ?? '', /kept in the CRM \(Sync Deleted Items is off\)/);

      await h.enable(
        h.riley,
        settings({ tasks: { enabled: true, syncDeleted: true, otherInfoInDescription: true } }),
      );
      await admin('DELETE', `tasks/${removed}`);
      await admin('POST', `tasks/${moved}/move`, { list: 'Placements' });
      const summary = await run(['task']);
      assert.equal(summary.items?.task?.removed, 1);
      assert.ok(
        !(await tasks()).some((t) => t.key === removed),
        'Sync Deleted Items on: the CRM task is deleted',
      );
      assert.equal((await entry('task', removed))?.removed, 'deleted');
      assert.ok(
        (await tasks()).some((t) => t.key === moved),
        'a moved task is not a deleted one',
      );
      assert.equal((await entry('task', moved))?.removed, undefined);
      await h.enable(h.riley, settings());
    });
  });

  describe('calendar', () => {
    it('makes a CRM appointment linked to every attendee the CRM knows (CandCon), with time zone and link', async () => {
      const { id, iCalUId } = await addEvent({
        subject: 'Panel interview: Victor Dubois',
        start: soon(2, 15),
        end: soon(2, 16),
        originalStartTimeZone: 'Pacific Standard Time',
        online: true,
        location: { displayName: 'Room 4' },
        attendees: [
          { type: 'required', emailAddress: { name: 'Victor', address: 'victor.dubois@outlook.com' } },
          { type: 'required', emailAddress: { name: 'Zoe', address: 'zoe.kowalski@contoso.com' } },
          { type: 'resource', emailAddress: { name: 'Room 4', address: 'room4@northwindstaffing.com' } },
        ],
        body: { contentType: 'html', content: '<p>Bring the case study.</p>' },
      });
      await run(['event']);
      const found = await entry('event', id);
      assert.equal(found?.linkType, 'CandCon');
      const appointment = (await appointments()).find((a) => a.key === iCalUId);
      assert.ok(appointment);
      assert.equal(appointment.start, soon(2, 15));
      assert.equal(appointment.status, 'scheduled');
      assert.match(appointment.onlineMeetingUrl ?? '', /^https:\/\/teams\.microsoft\.com\//);
      assert.match(appointment.body?.content ?? '', /case study/);
      assert.equal(appointment.links.length, 2);
      // Moved to another time in Outlook: the same appointment, at the new time.
      await admin('PATCH', `events/${id}`, { start: soon(3, 9), end: soon(3, 10) });
      await run(['event']);
      const all = (await appointments()).filter((a) => a.key === iCalUId);
      assert.equal(all.length, 1);
      assert.equal(all[0]!.start, soon(3, 9));
    });

    it('never syncs a private appointment, and takes one made private out of the CRM', async () => {
      const secret = await addEvent({ subject: 'Doctor', start: soon(1, 8), end: soon(1, 9), private: true });
      const later = await addEvent({
        subject: 'Coffee with Victor',
        start: soon(1, 11),
        end: soon(1, 12),
        attendees: [person('Victor', 'victor.dubois@outlook.com')],
      });
      await run(['event']);
      const skipped = await entry('event', secret.id);
      assert.equal(skipped?.status, 'skipped');
      assert.equal(skipped?.title, '', 'a private subject is kept nowhere');
      assert.ok(!(await appointments()).some((a) => a.key === secret.iCalUId));
      assert.ok((await appointments()).some((a) => a.key === later.iCalUId));
      // An update the CRM refuses three times (Error) does not hide the copy it already has.
      const crm = h.services.crm;
      const original = crm.upsertAppointment.bind(crm);
      crm.upsertAppointment = async () => {
        throw new AppError('crm.rejected', 'refused');
      };
      try {
        await admin('PATCH', `events/${later.id}`, { subject: 'Coffee with Victor (moved)' });
        await run(['event']);
        assert.equal((await entry('event', later.id))?.status, 'error');
      } finally {
        crm.upsertAppointment = original;
      }
      await admin('PATCH', `events/${later.id}`, { sensitivity: 'private' });
      await run(['event']);
      assert.ok(!(await appointments()).some((a) => a.key === later.iCalUId));
      assert.equal((await entry('event', later.id))?.matched, undefined, 'nothing kept of who it was with');
      assert.match(
        (await entry('event', later.id))?.note ?? '',
        /made private in Outlook, so taken out of the CRM/,
      );
    });

    it('expands a weekly series occurrence by occurrence inside the window, and nowhere else', async () => {
      const start = new Date(Date.now() - 400 * DAY);
      start.setUTCHours(7, 0, 0, 0);
      const series = await addEvent({
        subject: 'Weekly sourcing sync',
        start: start.toISOString(),
        end: new Date(start.getTime() + 1800_000).toISOString(),
        weekly: {},
        attendees: [person('Zoe', 'zoe.kowalski@contoso.com')],
      });
      await run(['event']);
      const mine = (await h.services.itemLedger.all(tenantId, h.riley.userId, 'event')).filter(
        (e) => e.title === 'Weekly sourcing sync',
      );
      const now = Date.now();
      const windowStart = Math.floor((now - CALENDAR_BACK_DAYS_MAX * DAY) / DAY) * DAY;
      const windowEnd = Math.ceil((now + CALENDAR_AHEAD_DAYS * DAY) / DAY) * DAY;
      let expected = 0;
      for (let t = start.getTime(); t < windowEnd; t += 7 * DAY) if (t + 1800_000 > windowStart) expected++;
      assert.equal(mine.length, expected, 'one entry per occurrence inside the window');
      assert.ok(mine.every((e) => Date.parse(e.at) >= windowStart && Date.parse(e.at) < windowEnd));
      assert.ok(
        mine.every((e) => e.itemId !== series.id),
        'the series master itself is not an appointment',
      );
      const keys = new Set(mine.map((e) => e.key));
      assert.equal(keys.size, mine.length, 'each occurrence its own iCalUId');
    });

    it('cancels or deletes the CRM appointment only with Sync Deleted Items on', async () => {
      const a = await addEvent({
        subject: 'Client call A',
        start: soon(4),
        end: soon(4, 11),
        attendees: [person('Zoe', 'zoe.kowalski@contoso.com')],
      });
      const b = await addEvent({
        subject: 'Client call B',
        start: soon(5),
        end: soon(5, 11),
        attendees: [person('Zoe', 'zoe.kowalski@contoso.com')],
      });
      await run(['event']);
      await admin('POST', `events/${a.id}/cancel`);
      await admin('DELETE', `events/${b.id}`);
      await run(['event']);
      const byKey = async (key: string) => (await appointments()).find((x) => x.key === key);
      assert.equal(
        (await byKey(a.iCalUId))?.status,
        'scheduled',
        'off: a cancelled meeting is left as it was',
      );
      assert.ok(await byKey(b.iCalUId), 'off: a deleted meeting stays');
      assert.equal((await entry('event', a.id))?.removed, 'cancelled');
      assert.equal((await entry('event', b.id))?.removed, 'deleted');

      await h.enable(h.riley, settings({ calendar: { enabled: true, syncDeleted: true } }));
      const c = await addEvent({
        subject: 'Client call C',
        start: soon(6),
        end: soon(6, 11),
        attendees: [person('Zoe', 'zoe.kowalski@contoso.com')],
      });
      const d = await addEvent({
        subject: 'Client call D',
        start: soon(6, 13),
        end: soon(6, 14),
        attendees: [person('Zoe', 'zoe.kowalski@contoso.com')],
      });
      await run(['event']);
      await admin('POST', `events/${c.id}/cancel`);
      await admin('DELETE', `events/${d.id}`);
      await run(['event']);
      assert.equal((await byKey(c.iCalUId))?.status, 'cancelled');
      assert.equal(await byKey(d.iCalUId), undefined, 'on: a deleted meeting leaves the CRM');
      assert.match((await entry('event', d.id))?.note ?? '', /deleted in Outlook, so deleted in the CRM/);
      await h.enable(h.riley, settings());
    });
  });

  describe('every kind', () => {
    for (const [kind, route] of [
      ['contact', 'contacts-delta'],
      ['task', 'tasks-delta'],
      ['event', 'events-delta'],
    ] as const) {
      it(`starts ${kind}s over after a 410 without making anything twice`, async () => {
        if (kind === 'contact')
          await addContact({
            displayName: 'Reset Person',
            emailAddresses: [{ address: 'reset.person@reset.example' }],
          });
        if (kind === 'task') await addTask({ title: 'Reset task' });
        if (kind === 'event') await addEvent({ subject: 'Reset meeting', start: soon(7), end: soon(7, 11) });
        const before = { tasks: (await tasks()).length, appointments: (await appointments()).length };
        const injected = h.sandbox.faults.injected;
        h.sandbox.faults.add({ route, status: 410, times: 1 });
        const summary = await run([kind]);
        assert.equal(summary.status, 'completed', summary.note);
        assert.equal(h.sandbox.faults.injected, injected + 1, 'the 410 was met');
        assert.equal(summary.items?.[kind]?.synced, 1, 'only the new one is written');
        const ledger = await h.services.itemLedger.all(tenantId, h.riley.userId, kind);
        assert.equal(new Set(ledger.map((e) => e.itemId)).size, ledger.length);
        if (kind === 'contact') assert.equal((await contactsWith('reset.person@reset.example')).length, 1);
        if (kind === 'task') assert.equal((await tasks()).length, before.tasks + 1);
        if (kind === 'event') assert.equal((await appointments()).length, before.appointments + 1);
        const keys = (await appointments()).map((a) => a.key);
        assert.equal(new Set(keys).size, keys.length, 'one appointment per iCalUId');
      });
    }

    for (const [kind, route] of [
      ['task', 'tasks-delta'],
      ['event', 'events-delta'],
    ] as const) {
      it(`deletes ${kind === 'event' ? 'an event' : 'a task'} deleted in Outlook while its bookmark was lost to a 410`, async () => {
        await h.enable(
          h.riley,
          settings({
            tasks: { enabled: true, syncDeleted: true, otherInfoInDescription: true },
            calendar: { enabled: true, syncDeleted: true },
          }),
        );
        try {
          const id =
            kind === 'task'
              ? await addTask({ title: 'Gone while reset' })
              : (await addEvent({ subject: 'Gone while reset', start: soon(8), end: soon(8, 11) })).id;
          await run([kind]);
          const synced = await entry(kind, id);
          assert.ok(synced?.crmId);
          await admin('DELETE', `${kind === 'task' ? 'tasks' : 'events'}/${id}`);
          // The next round starts from the start: it lists what is there and reports nothing removed.
          const injected = h.sandbox.faults.injected;
          h.sandbox.faults.add({ route, status: 410, times: 1 });
          const summary = await run([kind]);
          assert.equal(summary.status, 'completed', summary.note);
          assert.equal(h.sandbox.faults.injected, injected + 1, 'the 410 was met');
          assert.equal(summary.items?.[kind]?.removed, 1);
          assert.equal((await entry(kind, id))?.removed, 'deleted');
          if (kind === 'task')
            assert.equal(
              (await tasks()).find((t) => t.key === id),
              undefined,
              'the CRM task is deleted',
            );
          else
            assert.equal(
              (await appointments()).find((a) => a.key === synced?.key),
              undefined,
              'the CRM appointment is deleted',
            );
          // Settled once: the next round (a delta round) has nothing to say about it.
          const next = await run([kind]);
          assert.equal(next.items?.[kind]?.removed, 0);
        } finally {
          await h.enable(h.riley, settings());
        }
      });
    }

    it('settles a round from the start that a later run resumes, from one listing of ids', async () => {
      await h.enable(h.riley, settings({ calendar: { enabled: true, syncDeleted: true } }));
      try {
        const gone = await addEvent({ subject: 'Gone mid-round', start: soon(10), end: soon(10, 11) });
        await run(['event']);
        const { userId } = h.riley;
        const cursor = await h.services.state.cursor(tenantId, userId, 'event:calendar');
        assert.ok(cursor?.window);
        await admin('DELETE', `events/${gone.id}`);
        // An earlier run started a round from the start and stopped after its first page: its
        // bookmark is that round's next page, and this run does not know what the earlier one saw.
        const start = `${userPath(userId)}/calendarView/delta?startDateTime=${encodeURIComponent(cursor.window.start)}&endDateTime=${encodeURIComponent(cursor.window.end)}`;
        const first = await h.graph.get<{ '@odata.nextLink'?: string }>(
          start,
          'odata.maxpagesize=5, IdType="ImmutableId", outlook.timezone="UTC"',
        );
        const next = first.body['@odata.nextLink'];
        assert.ok(next, 'the round has a second page');
        await h.services.state.saveCursor(tenantId, userId, 'event:calendar', next, {
          forced: false,
          full: true,
          window: cursor.window,
        });
        const synced = (await h.services.itemLedger.all(tenantId, userId, 'event')).filter(
          (e) => e.crmId && !e.removed,
        ).length;
        const lookups = h.sandbox.requestCounts.get('event') ?? 0;
        const summary = await run(['event']);
        assert.equal(summary.status, 'completed', summary.note);
        assert.equal(summary.items?.event?.removed, 1);
        assert.equal((await entry('event', gone.id))?.removed, 'deleted');
        assert.equal(
          (await appointments()).find((a) => a.key === gone.iCalUId),
          undefined,
        );
        assert.ok(synced > 10, 'a calendar worth listing');
        assert.equal(
          (h.sandbox.requestCounts.get('event') ?? 0) - lookups,
          1,
          'only the one missing from the listing is looked up',
        );
      } finally {
        await h.enable(h.riley, settings());
      }
    });

    it('leaves a list missing from the listing alone while Graph still has it', async () => {
      await h.enable(
        h.riley,
        settings({ tasks: { enabled: true, syncDeleted: true, otherInfoInDescription: false } }),
      );
      const lists = h.services.itemSource;
      const original = lists.taskLists.bind(lists);
      try {
        await admin('POST', 'task-lists', { displayName: 'Hidden list' });
        const kept = await addTask({ title: 'In a list the listing misses' }, 'Hidden list');
        await run(['task']);
        assert.ok((await entry('task', kept))?.crmId);
        // Graph's /todo/lists is known to leave lists out.
        lists.taskLists = async (userId) =>
          (await original(userId)).filter((l) => l.displayName !== 'Hidden list');
        const summary = await run(['task']);
        assert.equal(summary.status, 'completed', summary.note);
        assert.equal((await entry('task', kept))?.removed, undefined);
        assert.ok(
          (await tasks()).find((t) => t.key === kept),
          'its CRM task stays',
        );
      } finally {
        lists.taskLists = original;
        await h.enable(h.riley, settings());
      }
    });

    it('stops the calendar on a 404 from its delta, deleting nothing (the calendar itself is never gone)', async () => {
      await h.enable(h.riley, settings({ calendar: { enabled: true, syncDeleted: true } }));
      try {
        const before = (await appointments()).length;
        await h.services.state.clearCursor(tenantId, h.riley.userId, 'event:calendar');
        h.sandbox.faults.add({ route: 'events-delta', status: 404, times: 1 });
        const summary = await run(['event']);
        assert.match(summary.items?.event?.stopped ?? '', /stopped/);
        assert.equal(summary.items?.event?.removed, 0);
        assert.equal((await appointments()).length, before);
        assert.equal((await run(['event'])).items?.event?.removed, 0, 'the next run finds everything there');
      } finally {
        await h.enable(h.riley, settings());
      }
    });

    it('settles the contacts of a contact folder deleted in Outlook', async () => {
      await admin('POST', 'contact-folders', { displayName: 'Old leads' });
      const id = await addContact(
        { displayName: 'Old Lead', emailAddresses: [{ address: 'old.lead@leads.example' }] },
        'Old leads',
      );
      await run(['contact']);
      assert.ok((await entry('contact', id))?.crmId);
      await admin('DELETE', 'contact-folders/Old leads');
      const summary = await run(['contact']);
      assert.equal(summary.status, 'completed', summary.note);
      const gone = await entry('contact', id);
      assert.equal(gone?.removed, 'deleted');
      assert.match(gone?.note ?? '', /the CRM contact stays/);
      assert.equal((await contactsWith('old.lead@leads.example')).length, 1);
    });

    it('settles the tasks of a To Do list deleted in Outlook, and follows one moved out first', async () => {
      await h.enable(
        h.riley,
        settings({ tasks: { enabled: true, syncDeleted: true, otherInfoInDescription: false } }),
      );
      try {
        await admin('POST', 'task-lists', { displayName: 'Short list' });
        const stays = await addTask({ title: 'Moved out before the list went' }, 'Short list');
        const goes = await addTask({ title: 'Went with the list' }, 'Short list');
        await run(['task']);
        assert.ok((await entry('task', goes))?.crmId);
        await admin('POST', `tasks/${stays}/move`, { list: 'defaultList' });
        await admin('DELETE', 'task-lists/Short list');
        const summary = await run(['task']);
        assert.equal(summary.status, 'completed', summary.note);
        assert.equal((await entry('task', goes))?.removed, 'deleted');
        assert.equal(
          (await tasks()).find((t) => t.key === goes),
          undefined,
          'its CRM task is deleted',
        );
        const moved = await entry('task', stays);
        assert.equal(moved?.removed, undefined);
        assert.ok(
          (await tasks()).find((t) => t.key === stays),
          'the moved task stays in the CRM',
        );
      } finally {
        await h.enable(h.riley, settings());
      }
    });

    it('keeps the appointment when a re-sent invitation replaces the event it came from', async () => {
      await h.enable(h.riley, settings({ calendar: { enabled: true, syncDeleted: true } }));
      try {
        const first = await addEvent({
          subject: 'Panel interview',
          start: soon(9),
          end: soon(9, 11),
          attendees: [person('Zoe', 'zoe.kowalski@contoso.com')],
        });
        await run(['event']);
        // The organizer re-sends: Outlook replaces the invitation with a new event, same iCalUId.
        await admin('DELETE', `events/${first.id}`);
        const resent = (await admin('POST', 'events', {
          event: {
            subject: 'Panel interview (updated)',
            start: soon(9),
            end: soon(9, 12),
            attendees: [person('Zoe', 'zoe.kowalski@contoso.com')],
          },
          iCalUId: first.iCalUId,
        })) as { id: string; iCalUId: string };
        assert.equal(resent.iCalUId, first.iCalUId);
        await run(['event']);
        const kept = (await appointments()).filter((a) => a.key === first.iCalUId);
        assert.equal(kept.length, 1, 'the meeting is still in the CRM, once');
        assert.equal(kept[0]?.subject, 'Panel interview (updated)');
        assert.match(
          (await entry('event', first.id))?.note ?? '',
          /another Outlook event is the same meeting/,
        );
        // The meeting itself deleted: now it leaves the CRM.
        await admin('DELETE', `events/${resent.id}`);
        await run(['event']);
        assert.equal(
          (await appointments()).find((a) => a.key === first.iCalUId),
          undefined,
        );
      } finally {
        await h.enable(h.riley, settings());
      }
    });

    it('goes on with the other kinds when Graph refuses one (its permission not consented yet)', async () => {
      const taskId = await addTask({ title: 'Synced whatever contacts say' });
      const injected = h.sandbox.faults.injected;
      h.sandbox.faults.add({ route: 'contact-folders', status: 403, code: 'ErrorAccessDenied', times: 1 });
      const refusals: Array<{ what?: string }> = [];
      const stop = h.services.events.on('needsConsent', (e) => refusals.push(e));
      const summary = await run().finally(stop);
      assert.deepEqual(
        refusals.map((r) => r.what),
        ['contacts'],
        'the user hears which kind needs consent',
      );
      assert.match(JSON.stringify(runResultCard(summary, '')), /Contacts.*refused access to your contacts/);
      assert.equal(h.sandbox.faults.injected, injected + 1, 'the refusal was met');
      assert.equal(summary.status, 'completed', 'the mailbox is fine; one kind was refused');
      assert.match(summary.items?.contact?.stopped ?? '', /Microsoft Graph refused access to your contacts/);
      assert.equal(summary.items?.task?.stopped, undefined);
      assert.equal((await entry('task', taskId))?.status, 'synced', 'tasks after contacts still ran');
      const mailbox = await h.services.state.mailbox(tenantId, h.riley.userId);
      assert.equal(mailbox?.status, 'ok');
    });

    it('tries an item three times with less each time, then marks it Error and leaves it until it changes', async () => {
      const crm = h.services.crm;
      const original = crm.upsertTask.bind(crm);
      const seen: Array<string | undefined> = [];
      // The CRM refuses a description: the second attempt (no body) still has the other fields, the third none.
      crm.upsertTask = async (input) => {
        seen.push(input.description);
        if (input.description) throw new AppError('crm.rejected', 'description refused');
        return original(input);
      };
      try {
        const id = await addTask({ title: 'Degrades', body: { contentType: 'text', content: 'Long notes' } });
        await run(['task']);
        const found = await entry('task', id);
        assert.equal(found?.status, 'synced');
        assert.equal(found?.attempts, 3);
        assert.match(found?.note ?? '', /synced with less of it after 2 failed attempt\(s\)/);
        assert.equal(seen.length, 3);
        assert.match(seen[0] ?? '', /^Long notes\n\nFrom Outlook:/);
        assert.match(seen[1] ?? '', /^From Outlook:/);
        assert.equal(seen[2], undefined);

        crm.upsertTask = async () => {
          throw new AppError('crm.rejected', 'refused whatever it holds');
        };
        const failing = await addTask({ title: 'Always refused' });
        const summary = await run(['task']);
        assert.equal(summary.items?.task?.errors, 1);
        const error = await entry('task', failing);
        assert.equal(error?.status, 'error');
        assert.equal(error?.attempts, 3);
        // Unchanged in Outlook: automatic sync leaves it for the user's retry.
        crm.upsertTask = original;
        await run(['task']);
        assert.equal((await entry('task', failing))?.status, 'error');
        // Changed in Outlook: tried afresh.
        await admin('PATCH', `tasks/${failing}`, { title: 'Always refused, now fixed' });
        await run(['task']);
        assert.equal((await entry('task', failing))?.status, 'synced');
      } finally {
        crm.upsertTask = original;
      }
    });

    it('pauses on a CRM outage with the item pending, and syncs it whole when the CRM is back', async () => {
      const crm = h.services.crm;
      const original = crm.upsertContact.bind(crm);
      crm.upsertContact = async () => {
        throw new AppError('crm.unavailable', 'the CRM cannot be reached');
      };
      const id = await addContact({
        displayName: 'Outage Person',
        emailAddresses: [{ address: 'outage.person@x.example' }],
      });
      try {
        const paused = await run(['contact']);
        assert.equal(paused.status, 'paused');
        const pending = await entry('contact', id);
        assert.equal(pending?.status, 'pending');
        assert.equal(pending?.attempts, 0, 'an outage costs no attempt');
        assert.ok(pending?.retryAt);
      } finally {
        crm.upsertContact = original;
      }
      const resumed = await run(['contact']);
      assert.equal(resumed.status, 'completed');
      assert.equal((await entry('contact', id))?.status, 'synced');
    });

    it("syncs one selected item whatever its kind's switch says", async () => {
      await h.enable(h.riley, settings({ contacts: { enabled: false } }));
      const id = await addContact({
        displayName: 'Picked Person',
        emailAddresses: [{ address: 'picked@pick.example' }],
      });
      const off = await run(['contact']);
      assert.equal(off.status, 'disabled');
      const { summary, entry: picked } = await h.services.mailSync.syncItem(h.riley, 'contact', id);
      assert.equal(summary.status, 'completed');
      assert.equal(picked?.status, 'synced');
      assert.equal((await contactsWith('picked@pick.example')).length, 1);
      await h.enable(h.riley, settings());
    });
  });
});
