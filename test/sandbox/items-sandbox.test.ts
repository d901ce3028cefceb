import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { itemIdOf } from '../../bot/sandbox/items-model.ts';
import { messageIdOf } from '../../bot/sandbox/mailbox-model.ts';
import { weekStart } from '../../bot/sandbox/seed-items.ts';
import { contract, missingKeys } from '../support/contracts.ts';
import { RILEY, startSeededSandbox, type TestGraph } from '../support/sandbox.ts';

type Json = Record<string, unknown>;
type Page = { value: Json[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };

const IMMUTABLE = 'IdType="ImmutableId"';
const prefer = (n = 100) => `odata.maxpagesize=${n}, ${IMMUTABLE}`;
const DAY = 86_400_000;
const MONDAY = weekStart(Date.now());
const iso = (ms: number) => new Date(ms).toISOString();
const thisWeek = `startDateTime=${iso(MONDAY)}&endDateTime=${iso(MONDAY + 7 * DAY)}`;
const calendarDelta = `/users/${RILEY}/calendarView/delta?${thisWeek}`;
const defaultContacts = `/users/${RILEY}/contactFolders/contacts/contacts/delta`;

describe('Microsoft 365 sandbox: Graph v1.0 contacts, To Do and calendar', function () {
  this.timeout(60_000);
  let graph: TestGraph;
  let sandbox: Awaited<ReturnType<typeof startSeededSandbox>>['sandbox'];
  let stop: () => Promise<void>;
  let riley: string;
  const id = (kind: 'contact' | 'task' | 'event', key: string) => itemIdOf(riley, kind, key);
  const round = (start: string, n = 100) => graph.deltaRound(start, prefer(n));

  before(async () => {
    const started = await startSeededSandbox();
    graph = started.graph;
    sandbox = started.sandbox;
    stop = started.server.close;
    riley = sandbox.model.findUser(RILEY)!.id;
  });
  after(() => stop());
  afterEach(() => sandbox.faults.clear());

  async function listId(name: string): Promise<string> {
    const lists = await graph.get<{ value: Json[] }>(`/users/${RILEY}/todo/lists`);
    const list = lists.body.value.find((l) => l.displayName === name || l.wellknownListName === name);
    assert.ok(list, name);
    return String(list.id);
  }

  describe('contacts', () => {
    it('lists the folders inside the default Contacts folder, which answers to the name `contacts`', async () => {
      const folders = await graph.get<{ value: Json[] }>(`/users/${RILEY}/contactFolders`);
      assert.deepEqual(
        folders.body.value.map((f) => f.displayName),
        ['Clients'],
      );
      const root = await graph.get(`/users/${RILEY}/contactFolders/contacts`);
      assert.equal(root.body.displayName, 'Contacts');
      assert.equal(folders.body.value[0]!.parentFolderId, root.body.id);
      const children = await graph.get<{ value: Json[] }>(
        `/users/${RILEY}/contactFolders/${String(root.body.id)}/childFolders`,
      );
      assert.equal(children.body.value.length, 1);
    });

    it('serves every documented contact property, in GET and in delta', async () => {
      const one = await graph.get(`/users/${RILEY}/contacts/${id('contact', 'c-liam-novak')}`, IMMUTABLE);
      assert.equal(one.status, 200);
      assert.deepEqual(missingKeys(contract('graph/contact-get-response.json'), one.body), []);
      const documented = contract<Json>('graph/contact-resource.json');
      delete documented.photo; // a relationship, not a property
      assert.deepEqual(missingKeys(documented, one.body), []);
      assert.equal((one.body.emailAddresses as unknown[]).length, 3);
      const { items, deltaLink } = await round(defaultContacts);
      assert.ok(deltaLink.includes('$deltatoken='));
      const delta = contract<Page>('graph/contact-delta-response.json');
      assert.deepEqual(missingKeys(delta.value[0]!, items[0]!), []);
      assert.deepEqual(items.map((c) => c.displayName).sort(), [
        'Felix Adeyemi',
        'Jordan Blake',
        'Liam Novak',
        'Priya Shah',
        'Zoe Kowalski',
      ]);
    });

    it('reports creates, updates, deletes and moves in the next round, a move keeping the immutable id', async () => {
      const first = await round(defaultContacts);
      const clients = (await graph.get<{ value: Json[] }>(`/users/${RILEY}/contactFolders`)).body.value[0]!;
      const clientsDelta = `/users/${RILEY}/contactFolders/${String(clients.id)}/contacts/delta`;
      const clientsFirst = await round(clientsDelta);
      const added = await graph.adminCall('POST', `/users/${RILEY}/contacts`, {
        contact: { displayName: 'Dana Fox', emailAddresses: [{ address: 'dana.fox@tailspintoys.com' }] },
      });
      await graph.adminCall('PATCH', `/users/${RILEY}/contacts/${id('contact', 'c-zoe-kowalski')}`, {
        jobTitle: 'VP Talent',
      });
      await graph.adminCall('DELETE', `/users/${RILEY}/contacts/${id('contact', 'c-priya-shah')}`);
      await graph.adminCall('POST', `/users/${RILEY}/contacts/${id('contact', 'c-jordan-blake')}/move`, {
        folder: 'Clients',
      });

      const next = await round(first.deltaLink, 2);
      assert.ok(next.pages.length >= 2, 'paged by odata.maxpagesize');
      const removed = next.items.filter((c) => c['@removed']).map((c) => c.id);
      assert.deepEqual(
        removed.sort(),
        [id('contact', 'c-jordan-blake'), id('contact', 'c-priya-shah')].sort(),
      );
      const changed = next.items.filter((c) => !c['@removed']);
      assert.deepEqual(
        changed.map((c) => c.id).sort(),
        [String(added.id), id('contact', 'c-zoe-kowalski')].sort(),
      );
      assert.equal(changed.find((c) => c.id === id('contact', 'c-zoe-kowalski'))?.jobTitle, 'VP Talent');

      const moved = await round(clientsFirst.deltaLink);
      assert.deepEqual(
        moved.items.map((c) => c.id),
        [id('contact', 'c-jordan-blake')],
      );
      assert.equal(moved.items[0]!.parentFolderId, clients.id);
      // Without IdType="ImmutableId" the REST id changes with the folder, as Outlook's does.
      const rest = await graph.get(`/users/${RILEY}/contacts/${id('contact', 'c-jordan-blake')}`);
      assert.notEqual(rest.body.id, id('contact', 'c-jordan-blake'));
    });

    it('refuses $select of an unknown property and query options contact delta does not support', async () => {
      assert.equal((await graph.get(`${defaultContacts}?$select=displayName,nope`)).status, 400);
      assert.equal((await graph.get(`${defaultContacts}?$filter=displayName eq 'x'`)).status, 400);
      const selected = await round(`${defaultContacts}?$select=displayName,emailAddresses`);
      assert.deepEqual(Object.keys(selected.items[0]!).sort(), [
        '@odata.etag',
        'displayName',
        'emailAddresses',
        'id',
      ]);
    });
  });

  describe('To Do', () => {
    it('lists the default, flagged-email and custom lists with their well-known names', async () => {
      const lists = await graph.get<{ value: Json[] }>(`/users/${RILEY}/todo/lists`);
      assert.deepEqual(
        lists.body.value.map((l) => [l.displayName, l.wellknownListName]),
        [
          ['Tasks', 'defaultList'],
          ['Flagged email', 'flaggedEmails'],
          ['Placements', 'none'],
        ],
      );
    });

    it('serves tasks with every documented property, and linked resources only when expanded', async () => {
      const tasks = `/users/${RILEY}/todo/lists/${await listId('defaultList')}/tasks`;
      const one = await graph.get(`${tasks}/${id('task', 't-call-felix')}`);
      assert.deepEqual(missingKeys(contract('graph/todotask-get-response.json'), one.body), []);
      const documented = contract<Json>('graph/todotask-resource.json');
      for (const unset of ['@odata.type', 'completedDateTime', 'recurrence']) delete documented[unset];
      assert.deepEqual(missingKeys(documented, one.body), []);
      assert.equal(one.body.importance, 'high');
      assert.equal(one.body.linkedResources, undefined);

      const flagged = `/users/${RILEY}/todo/lists/${await listId('flaggedEmails')}/tasks/delta?$expand=linkedResources`;
      const { items } = await round(flagged);
      assert.deepEqual(
        missingKeys(contract<Page>('graph/todotask-delta-response.json').value[0]!, items[0]!),
        [],
      );
      const linked = items[0]!.linkedResources as Json[];
      assert.equal(linked[0]!.externalId, messageIdOf(riley, 'm0006'));
      assert.equal(items[0]!.title, 'Thank you for the interview');
      const plain = await round(flagged.replace('?$expand=linkedResources', ''));
      assert.equal(plain.items[0]!.linkedResources, undefined);
      const collection = await graph.get<{ value: Json[] }>(
        `/users/${RILEY}/todo/lists/${await listId('flaggedEmails')}/tasks/${String(items[0]!.id)}/linkedResources`,
      );
      assert.equal(collection.body.value.length, 1);
    });

    it('deletes a list with its tasks: the list, its tasks and its delta answer 404', async () => {
      const list = await graph.adminCall('POST', `/users/${RILEY}/task-lists`, { displayName: 'Doomed' });
      const task = await graph.adminCall('POST', `/users/${RILEY}/tasks`, {
        list: 'Doomed',
        task: { title: 'Doomed task' },
      });
      const base = `/users/${RILEY}/todo/lists/${String(list.id)}`;
      assert.equal((await graph.get(`${base}/tasks/${String(task.id)}`)).status, 200);
      await graph.adminCall('DELETE', `/users/${RILEY}/task-lists/Doomed`);
      assert.equal((await graph.get(base)).status, 404);
      assert.equal((await graph.get(`${base}/tasks/${String(task.id)}`)).status, 404);
      assert.equal((await graph.get(`${base}/tasks/delta`)).status, 404);
      assert.equal(await listId('Doomed').catch(() => 'gone'), 'gone');
    });

    it('reports added, changed, completed, deleted and moved tasks in the next round', async () => {
      const placements = `/users/${RILEY}/todo/lists/${await listId('Placements')}/tasks/delta?$expand=linkedResources`;
      const defaults = `/users/${RILEY}/todo/lists/${await listId('defaultList')}/tasks/delta`;
      const [p1, d1] = [await round(placements), await round(defaults)];
      assert.equal(p1.items.length, 2);
      const added = await graph.adminCall('POST', `/users/${RILEY}/tasks`, {
        list: 'Placements',
        task: { title: 'Book a room for the Contoso interviews' },
      });
      await graph.adminCall('POST', `/users/${RILEY}/tasks/${id('task', 't-reference-check')}/complete`);
      await graph.adminCall('DELETE', `/users/${RILEY}/tasks/${id('task', 't-send-contract')}`);
      await graph.adminCall('POST', `/users/${RILEY}/tasks/${id('task', 't-call-felix')}/move`, {
        list: 'Placements',
      });
      const p2 = await round(p1.deltaLink);
      assert.deepEqual(
        p2.items.filter((t) => t['@removed']).map((t) => t.id),
        [id('task', 't-send-contract')],
      );
      const changed = new Map(p2.items.filter((t) => !t['@removed']).map((t) => [t.id, t]));
      assert.deepEqual(
        [...changed.keys()].sort(),
        [String(added.id), id('task', 't-call-felix'), id('task', 't-reference-check')].sort(),
      );
      assert.equal(changed.get(id('task', 't-reference-check'))?.status, 'completed');
      assert.ok(changed.get(id('task', 't-reference-check'))?.completedDateTime);
      assert.ok(
        Array.isArray(changed.get(String(added.id))?.linkedResources),
        'the $expand is carried by the delta link',
      );
      const d2 = await round(d1.deltaLink);
      assert.deepEqual(
        d2.items.map((t) => [t.id, Boolean(t['@removed'])]),
        [[id('task', 't-call-felix'), true]],
      );
    });
  });

  describe('calendar view', () => {
    it('requires startDateTime and endDateTime, and refuses the query options calendarView delta does not support', async () => {
      const missing = await graph.get(`/users/${RILEY}/calendarView/delta`);
      assert.equal(missing.status, 400);
      assert.equal(
        (await graph.get(`/users/${RILEY}/calendarView/delta?startDateTime=${iso(MONDAY)}`)).status,
        400,
      );
      assert.equal((await graph.get(`${calendarDelta}&$select=subject`)).status, 400);
      assert.equal((await graph.get(`${calendarDelta}&$filter=isCancelled eq false`)).status, 400);
    });

    it("serves this week's seeded calendar with occurrences of the weekly series, never its master", async () => {
      const { items } = await round(calendarDelta, 3);
      const subjects = items.map((e) => e.subject);
      for (const subject of [
        'Interview: Felix Adeyemi - Warehouse Supervisor',
        'Weekly pipeline review with Fabrikam',
        'Contoso Ltd - Q1 hiring plan',
        'Interview: Omar Johansson (Teams)',
        'Lunch with Jordan Blake (Lakeshore Logistics)',
        'Dentist',
        'Canceled: Reference call for Elena Silva',
        'Job fair - Seattle Convention Center',
        'Interview: Rosa Reyes - Medical Coder',
      ])
        assert.ok(subjects.includes(subject), subject);
      assert.equal(items.filter((e) => e.type === 'seriesMaster').length, 0);
      for (const page of ['event-delta-page1-nextlink.json', 'event-delta-api-reference-response.json']) {
        assert.deepEqual(missingKeys(contract<Page>(`graph/${page}`).value[0]!, items[0]!), [], page);
      }
      const documented = contract<Json>('graph/event-resource.json');
      for (const relationship of [
        'attachments',
        'calendar',
        'extensions',
        'instances',
        'singleValueExtendedProperties',
        'multiValueExtendedProperties',
        'originalStart',
      ])
        delete documented[relationship];
      assert.deepEqual(missingKeys(documented, items[0]!), []);
      const occurrence = items.find((e) => e.subject === 'Weekly pipeline review with Fabrikam')!;
      assert.equal(occurrence.type, 'occurrence');
      assert.equal(occurrence.seriesMasterId, id('event', 'e-pipeline-weekly'));
      assert.deepEqual(occurrence.start, {
        dateTime: `${iso(MONDAY + 14 * 3_600_000).slice(0, 19)}.0000000`,
        timeZone: 'UTC',
      });
      const privateOne = items.find((e) => e.subject === 'Dentist')!;
      assert.equal(privateOne.sensitivity, 'private', 'app-only Calendars.Read reads private events whole');
      assert.equal(items.find((e) => e.subject?.toString().startsWith('Canceled'))!.isCancelled, true);
      const allDay = items.find((e) => e.isAllDay === true)!;
      assert.equal((allDay.start as Json).dateTime, `${iso(MONDAY + 4 * DAY).slice(0, 10)}T00:00:00.0000000`);
      const online = items.find((e) => e.isOnlineMeeting === true)!;
      assert.match(String((online.onlineMeeting as Json).joinUrl), /^https:\/\/teams\.microsoft\.com\//);
    });

    it('gives every occurrence its own id and iCalUId, and GET events/{id} finds one', async () => {
      const fourWeeks = `/users/${RILEY}/calendarView/delta?startDateTime=${iso(MONDAY - 14 * DAY)}&endDateTime=${iso(MONDAY + 14 * DAY)}`;
      const { items } = await round(fourWeeks);
      const occurrences = items.filter((e) => e.seriesMasterId === id('event', 'e-pipeline-weekly'));
      assert.equal(occurrences.length, 4);
      assert.equal(new Set(occurrences.map((e) => e.id)).size, 4);
      assert.equal(new Set(occurrences.map((e) => e.iCalUId)).size, 4);
      const one = await graph.get(`/users/${RILEY}/events/${String(occurrences[1]!.id)}`, IMMUTABLE);
      assert.equal(one.body.type, 'occurrence');
      assert.equal(one.body.iCalUId, occurrences[1]!.iCalUId);
      const master = await graph.get(`/users/${RILEY}/events/${id('event', 'e-pipeline-weekly')}`, IMMUTABLE);
      assert.equal(master.body.type, 'seriesMaster');
      assert.equal((master.body.recurrence as Json & { pattern: Json }).pattern.type, 'weekly');
      assert.deepEqual(missingKeys(contract('graph/event-get-response.json'), master.body), []);
    });

    it('serves times in the zone Prefer: outlook.timezone names, and refuses one it does not know', async () => {
      const pacific = await graph.get<Page>(
        calendarDelta,
        `${prefer()}, outlook.timezone="Pacific Standard Time"`,
      );
      assert.equal(pacific.headers.get('preference-applied'), 'outlook.timezone="Pacific Standard Time"');
      const felix = pacific.body.value.find((e) => String(e.subject).startsWith('Interview: Felix'))!;
      assert.deepEqual(felix.start, {
        dateTime: `${iso(MONDAY).slice(0, 10)}T07:00:00.0000000`,
        timeZone: 'Pacific Standard Time',
      });
      assert.equal(felix.originalStartTimeZone, 'Pacific Standard Time');
      assert.equal(
        (await graph.get(calendarDelta, `${prefer()}, outlook.timezone="Mars/Olympus"`)).status,
        400,
      );
    });

    it('reports as @removed what left the window or was deleted, and adds what came in', async () => {
      const first = await round(calendarDelta);
      const moved = await graph.adminCall('POST', `/users/${RILEY}/events`, {
        event: {
          subject: 'Screening call',
          start: iso(MONDAY + 2 * DAY + 20 * 3_600_000),
          end: iso(MONDAY + 2 * DAY + 21 * 3_600_000),
        },
      });
      const afterAdd = await round(first.deltaLink);
      assert.deepEqual(
        afterAdd.items.map((e) => e.subject),
        ['Screening call'],
      );
      await graph.adminCall('PATCH', `/users/${RILEY}/events/${String(moved.id)}`, {
        start: iso(MONDAY + 9 * DAY),
        end: iso(MONDAY + 9 * DAY + 3_600_000),
      });
      await graph.adminCall('DELETE', `/users/${RILEY}/events/${id('event', 'e-lunch-lakeshore')}`);
      await graph.adminCall('POST', `/users/${RILEY}/events/${id('event', 'e-interview-rosa')}/cancel`);
      const next = await round(afterAdd.deltaLink);
      const removed = next.items.filter((e) => e['@removed']).map((e) => e.id);
      assert.deepEqual(removed.sort(), [String(moved.id), id('event', 'e-lunch-lakeshore')].sort());
      const changed = next.items.filter((e) => !e['@removed']);
      assert.deepEqual(
        changed.map((e) => [e.subject, e.isCancelled]),
        [['Canceled: Interview: Rosa Reyes - Medical Coder', true]],
      );
      const quiet = await round(next.deltaLink);
      assert.equal(quiet.items.length, 0);
    });

    it('keeps a deleted event and contact in Deleted Items: found by id, not in the calendar or a folder', async () => {
      const event = await graph.adminCall('POST', `/users/${RILEY}/events`, {
        event: {
          subject: 'Binned',
          start: iso(MONDAY + DAY + 9 * 3_600_000),
          end: iso(MONDAY + DAY + 10 * 3_600_000),
        },
      });
      const contact = await graph.adminCall('POST', `/users/${RILEY}/contacts`, {
        contact: { displayName: 'Binned Person', emailAddresses: [{ address: 'binned@x.example' }] },
      });
      const eventId = String(event.id);
      const contactId = String(contact.id);
      assert.equal((await graph.get(`/users/${RILEY}/calendar/events/${eventId}`, IMMUTABLE)).status, 200);
      await graph.adminCall('DELETE', `/users/${RILEY}/events/${eventId}`);
      await graph.adminCall('DELETE', `/users/${RILEY}/contacts/${contactId}`);
      const binned = await graph.get(`/users/${RILEY}/events/${eventId}`, IMMUTABLE);
      assert.equal(binned.status, 200, 'Outlook keeps it in Deleted Items');
      assert.equal(binned.body.subject, 'Binned');
      assert.equal((await graph.get(`/users/${RILEY}/calendar/events/${eventId}`, IMMUTABLE)).status, 404);
      const person = await graph.get(`/users/${RILEY}/contacts/${contactId}`, IMMUTABLE);
      assert.equal(person.status, 200);
      const root = await graph.get(`/users/${RILEY}/contactFolders/contacts`);
      assert.notEqual(person.body.parentFolderId, root.body.id, 'no longer in Contacts');
      assert.equal(
        (await graph.get(`/users/${RILEY}/contactFolders/contacts/contacts/${contactId}`, IMMUTABLE)).status,
        404,
      );
    });

    it('adds recurring, private and online events through the admin API', async () => {
      const start = MONDAY + 3 * DAY + 15 * 3_600_000;
      const weekly = await graph.adminCall('POST', `/users/${RILEY}/events`, {
        event: {
          subject: 'Standup with Tailspin',
          start: iso(start),
          end: iso(start + 900_000),
          weekly: { count: 3 },
          private: true,
          online: true,
        },
      });
      const window = `/users/${RILEY}/calendarView?startDateTime=${iso(MONDAY)}&endDateTime=${iso(MONDAY + 35 * DAY)}&$top=100`;
      const view = await graph.get<Page>(window, IMMUTABLE);
      const occurrences = view.body.value.filter((e) => e.seriesMasterId === weekly.id);
      assert.equal(occurrences.length, 3);
      assert.ok(occurrences.every((e) => e.sensitivity === 'private' && e.isOnlineMeeting === true));
    });
  });

  describe('delta resets, permissions, throttling, faults and $batch', () => {
    it('answers each kind of stale delta token with 410 and a Location to start over', async () => {
      const contacts = await round(defaultContacts);
      const tasks = await round(`/users/${RILEY}/todo/lists/${await listId('defaultList')}/tasks/delta`);
      const events = await round(calendarDelta);
      for (const kind of ['contacts', 'tasks', 'events'])
        await graph.adminCall('POST', `/users/${RILEY}/reset-delta`, { kind });
      for (const link of [contacts.deltaLink, tasks.deltaLink, events.deltaLink]) {
        const gone = await graph.get<{ error: { code: string } }>(link, prefer());
        assert.equal(gone.status, 410, link);
        assert.equal(gone.body.error.code, 'SyncStateNotFound');
        assert.match(String(gone.headers.get('location')), /\/delta/);
      }
      const restart = await graph.get(
        String((await graph.get(events.deltaLink)).headers.get('location')),
        prefer(),
      );
      assert.equal(restart.status, 200, 'the Location of a calendar reset carries its window');
    });

    it('refuses each kind with 403 without its read permission', async () => {
      const mailOnly = sandbox.tokens.issue({ roles: ['Mail.Read', 'User.Read.All'] });
      const paths = [
        defaultContacts,
        `/users/${RILEY}/contactFolders`,
        `/users/${RILEY}/todo/lists`,
        calendarDelta,
        `/users/${RILEY}/events/${id('event', 'e-interview-felix')}`,
      ];
      for (const path of paths) {
        const answer = await graph.call('GET', path, { headers: { authorization: `Bearer ${mailOnly}` } });
        assert.equal(answer.status, 403, path);
      }
      const delegated = sandbox.tokens.issue({ scp: 'Tasks.Read', oid: riley });
      assert.equal(
        (await graph.call('GET', '/me/todo/lists', { headers: { authorization: `Bearer ${delegated}` } }))
          .status,
        200,
      );
      const appTasks = sandbox.tokens.issue({ roles: ['Tasks.Read'] });
      assert.equal(
        (
          await graph.call('GET', `/users/${RILEY}/todo/lists`, {
            headers: { authorization: `Bearer ${appTasks}` },
          })
        ).status,
        403,
        'an app needs Tasks.Read.All, not the delegated Tasks.Read',
      );
    });

    it('throttles item requests per mailbox as it does mail', async () => {
      sandbox.faults.add({ route: 'contacts-delta', latencyMs: 150 });
      const before = sandbox.throttled;
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => graph.get(defaultContacts, prefer())),
      );
      assert.equal(answers.filter((a) => a.status === 429).length, 2);
      assert.equal(sandbox.throttled - before, 2);
    });

    it('serves the item routes inside $batch, with fault routes named per kind', async () => {
      sandbox.faults.add({ route: 'events-delta', status: 503, retryAfterSeconds: 1, times: 1 });
      const batch = await graph.call<{ responses: Array<{ id: string; status: number; body: Json }> }>(
        'POST',
        '/$batch',
        {
          body: {
            requests: [
              {
                id: 'contact',
                method: 'GET',
                url: `/users/${RILEY}/contacts/${id('contact', 'c-liam-novak')}`,
                headers: { prefer: IMMUTABLE },
              },
              { id: 'lists', method: 'GET', url: `/users/${RILEY}/todo/lists` },
              { id: 'calendar', method: 'GET', url: calendarDelta },
            ],
          },
        },
      );
      const byId = new Map(batch.body.responses.map((r) => [r.id, r]));
      assert.equal(byId.get('contact')?.status, 200);
      assert.equal(byId.get('contact')?.body.id, id('contact', 'c-liam-novak'));
      assert.equal(byId.get('lists')?.status, 200);
      assert.equal(byId.get('calendar')?.status, 503);
      assert.equal((await graph.get(calendarDelta)).status, 200, 'the fault was used up');
    });
  });

  describe('change notifications', () => {
    let webhook: Server;
    let url: string;
    const received: Json[] = [];
    before(async () => {
      webhook = createServer((req, res) => {
        const token = new URL(req.url ?? '/', 'http://x').searchParams.get('validationToken');
        let data = '';
        req.on('data', (c: Buffer) => (data += c.toString()));
        req.on('end', () => {
          if (token) return void res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
          received.push(...((JSON.parse(data) as { value: Json[] }).value ?? []));
          res.writeHead(202).end();
        });
      });
      await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/notify`;
    });
    after(() => new Promise<void>((r) => webhook.close(() => r())));
    const expiry = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
    const subscribe = (resource: string, authorization?: string) =>
      graph.call<Json>('POST', '/subscriptions', {
        body: {
          changeType: 'created,updated,deleted',
          notificationUrl: url,
          resource,
          expirationDateTime: expiry(60),
          clientState: 'items-state',
        },
        ...(authorization ? { headers: { authorization } } : {}),
      });

    it('notifies contact and event subscriptions of their changes, with clientState', async () => {
      const contacts = await subscribe(`users/${RILEY}/contacts`);
      const events = await subscribe(`users/${RILEY}/events`);
      assert.equal(contacts.status, 201);
      assert.equal(events.status, 201);
      assert.equal(
        (
          await subscribe(
            `users/${RILEY}/contacts`,
            `Bearer ${sandbox.tokens.issue({ roles: ['Mail.Read'] })}`,
          )
        ).status,
        403,
      );
      assert.equal(
        (
          await graph.call('POST', '/subscriptions', {
            body: {
              changeType: 'created',
              notificationUrl: url,
              resource: `users/${RILEY}/events`,
              expirationDateTime: expiry(4231),
            },
          })
        ).status,
        400,
      );
      received.length = 0;
      const contact = await graph.adminCall('POST', `/users/${RILEY}/contacts`, {
        contact: { displayName: 'Notify Me' },
      });
      const event = await graph.adminCall('POST', `/users/${RILEY}/events`, {
        event: { subject: 'Notify me too', start: iso(MONDAY + DAY), end: iso(MONDAY + DAY + 3_600_000) },
      });
      await sandbox.subscriptions.settle();
      const bySubscription = (s: Json) => received.filter((n) => n.subscriptionId === s.id);
      const [c] = bySubscription(contacts.body);
      const [e] = bySubscription(events.body);
      assert.equal((c?.resourceData as Json).id, contact.id);
      assert.equal((e?.resourceData as Json).id, event.id);
      assert.equal(c?.clientState, 'items-state');
      assert.deepEqual(
        missingKeys(contract<{ value: Json[] }>('graph/change-notification-basic.json').value[0]!, c!),
        [],
      );
    });

    it('accepts To Do task subscriptions only from a signed-in user, as Graph documents', async () => {
      const list = await listId('defaultList');
      const appOnly = await subscribe(`/users/${RILEY}/todo/lists/${list}/tasks`);
      assert.equal(appOnly.status, 400, 'no app-only resource for To Do subscriptions');
      const delegated = `Bearer ${sandbox.tokens.issue({ scp: 'Tasks.ReadWrite', oid: riley })}`;
      const created = await subscribe(`/me/todo/lists/${list}/tasks`, delegated);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      received.length = 0;
      const task = await graph.adminCall('POST', `/users/${RILEY}/tasks`, { task: { title: 'Notify task' } });
      await graph.adminCall('POST', `/users/${RILEY}/tasks`, {
        list: 'Placements',
        task: { title: 'Other list' },
      });
      await sandbox.subscriptions.settle();
      const mine = received.filter((n) => n.subscriptionId === created.body.id);
      assert.deepEqual(
        mine.map((n) => (n.resourceData as Json).id),
        [task.id],
      );
    });
  });
});
