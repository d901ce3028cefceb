import assert from 'node:assert/strict';
import { AppError } from '../../bot/errors/app-error.ts';
import { GraphHttp } from '../../bot/mail-source/graph-http.ts';
import { GraphItemSource } from '../../bot/mail-source/graph-item-source.ts';
import type { ItemDeltaPage } from '../../bot/mail-source/item-source.port.ts';
import { itemIdOf } from '../../bot/sandbox/items-model.ts';
import { messageIdOf } from '../../bot/sandbox/mailbox-model.ts';
import { weekStart } from '../../bot/sandbox/seed-items.ts';
import { RILEY, startSeededSandbox } from '../support/sandbox.ts';

const DAY = 86_400_000;
const MONDAY = weekStart(Date.now());
const WEEK = { start: new Date(MONDAY).toISOString(), end: new Date(MONDAY + 7 * DAY).toISOString() };

async function wholeRound<T>(read: (link?: string) => Promise<ItemDeltaPage<T>>, link?: string) {
  const items: T[] = [];
  const removed: string[] = [];
  let pages = 0;
  for (let next = link; ;) {
    const page = await read(next);
    pages++;
    items.push(...page.items);
    removed.push(...page.removed);
    if (page.nextLink) next = page.nextLink;
    else return { items, removed, pages, deltaLink: page.deltaLink! };
  }
}

describe('GraphItemSource against the Microsoft 365 sandbox', function () {
  this.timeout(60_000);
  let source: GraphItemSource;
  let started: Awaited<ReturnType<typeof startSeededSandbox>>;
  let riley: string;
  const id = (kind: 'contact' | 'task' | 'event', key: string) => itemIdOf(riley, kind, key);

  before(async () => {
    started = await startSeededSandbox();
    riley = started.sandbox.model.findUser(RILEY)!.id;
    source = new GraphItemSource(
      new GraphHttp({
        baseUrl: started.server.graphBaseUrl,
        token: started.graph.token,
        sleep: async () => {},
      }),
    );
  });
  after(() => started.server.close());
  afterEach(() => started.sandbox.faults.clear());

  it('lists contact folders, the default Contacts folder first', async () => {
    const folders = await source.contactFolders(RILEY);
    assert.deepEqual(
      folders.map((f) => [f.displayName, f.wellKnownName]),
      [
        ['Contacts', 'contacts'],
        ['Clients', undefined],
      ],
    );
  });

  it('maps contacts: every address but empty ones, the business address as one line, immutable ids', async () => {
    const [contacts, clients] = await source.contactFolders(RILEY);
    const round = await wholeRound((link) => source.contactsDelta(RILEY, contacts!.id, link));
    const liam = round.items.find((c) => c.id === id('contact', 'c-liam-novak'))!;
    assert.deepEqual(liam.emails, ['liam.novak@contoso.com', 'lnovak@contoso.com', 'liam@novak-family.net']);
    assert.equal(liam.businessAddress, '1 Contoso Way, Redmond, WA, 98052, United States');
    assert.equal(liam.companyName, 'Contoso Ltd');
    assert.equal(liam.folderId, contacts!.id);
    assert.deepEqual(liam.businessPhones, ['+1 (513) 555-0759']);
    assert.ok(liam.changeKey);
    const clientRound = await wholeRound((link) => source.contactsDelta(RILEY, clients!.id, link));
    const omar = clientRound.items.find((c) => c.displayName === 'Omar Walsh')!;
    assert.deepEqual(omar.emails, ['omar.walsh@fabrikam.com'], 'the empty address slot is dropped');
    assert.equal((await source.contact(RILEY, id('contact', 'c-victor-dubois'))).folderId, clients!.id);

    await started.graph.adminCall(
      'POST',
      `/users/${RILEY}/contacts/${id('contact', 'c-felix-adeyemi')}/move`,
      {
        folder: 'Clients',
      },
    );
    const next = await wholeRound((link) => source.contactsDelta(RILEY, contacts!.id, link), round.deltaLink);
    assert.deepEqual(next.removed, [id('contact', 'c-felix-adeyemi')]);
    const moved = await source.contact(RILEY, id('contact', 'c-felix-adeyemi'));
    assert.equal(moved.id, id('contact', 'c-felix-adeyemi'), 'a move keeps the immutable id');
    assert.equal(moved.folderId, clients!.id);
  });

  it('maps To Do tasks with their linked resources, in the delta pages themselves', async () => {
    const lists = await source.taskLists(RILEY);
    assert.deepEqual(
      lists.map((l) => [l.displayName, l.wellKnownName]),
      [
        ['Tasks', 'defaultList'],
        ['Flagged email', 'flaggedEmails'],
        ['Placements', undefined],
      ],
    );
    const flagged = lists.find((l) => l.wellKnownName === 'flaggedEmails')!;
    const before = source.requestCount;
    const round = await wholeRound((link) => source.tasksDelta(RILEY, flagged.id, link));
    assert.equal(source.requestCount - before, 1, 'one request: linked resources come with the page');
    assert.equal(round.items[0]!.linkedResources[0]!.externalId, messageIdOf(riley, 'm0006'));
    const tasks = lists.find((l) => l.wellKnownName === 'defaultList')!;
    const felix = await source.task(RILEY, tasks.id, id('task', 't-call-felix'));
    assert.equal(felix.importance, 'high');
    assert.equal(felix.isReminderOn, true);
    assert.match(felix.dueAt!.dateTime, /^\d{4}-\d\d-\d\dT17:00:00/);
    assert.equal(felix.dueAt!.timeZone, 'UTC');
    assert.deepEqual(felix.categories, ['Candidates']);
    assert.match(felix.body!.content, /felix\.adeyemi65@icloud\.com/);
    const done = await source.task(RILEY, tasks.id, id('task', 't-update-jd'));
    assert.equal(done.status, 'completed');
    assert.ok(done.completedAt);
  });

  it("maps this week's events in UTC: occurrences, private, cancelled, all-day and online meetings", async () => {
    const round = await wholeRound((link) => source.eventsDelta(RILEY, WEEK, link));
    const bySubject = new Map(round.items.map((e) => [e.subject, e]));
    const felix = bySubject.get('Interview: Felix Adeyemi - Warehouse Supervisor')!;
    assert.equal(felix.start.timeZone, 'UTC');
    assert.equal(felix.originalTimeZone, 'Pacific Standard Time');
    assert.deepEqual(
      felix.attendees.map((a) => [a.address, a.type]),
      [['felix.adeyemi65@icloud.com', 'required']],
    );
    assert.equal(felix.location, 'Northwind office, Room 2');
    const weekly = bySubject.get('Weekly pipeline review with Fabrikam')!;
    assert.equal(weekly.type, 'occurrence');
    assert.equal(weekly.seriesMasterId, id('event', 'e-pipeline-weekly'));
    assert.equal(weekly.organizer?.address, 'victor.dubois@fabrikam.com');
    assert.equal(bySubject.get('Dentist')!.sensitivity, 'private');
    assert.equal(bySubject.get('Canceled: Reference call for Elena Silva')!.isCancelled, true);
    assert.equal(bySubject.get('Job fair - Seattle Convention Center')!.isAllDay, true);
    assert.match(bySubject.get('Interview: Omar Johansson (Teams)')!.onlineMeetingUrl!, /^https:\/\/teams/);
    const one = await source.event(RILEY, weekly.id);
    assert.equal(one.iCalUId, weekly.iCalUId);

    await started.graph.adminCall('DELETE', `/users/${RILEY}/events/${id('event', 'e-private-dentist')}`);
    const next = await wholeRound((link) => source.eventsDelta(RILEY, WEEK, link), round.deltaLink);
    assert.deepEqual(next.removed, [id('event', 'e-private-dentist')]);
  });

  it('lists the ids of a folder, a list and the calendar view, across pages, as delta would give them', async () => {
    const [contacts] = await source.contactFolders(RILEY);
    const lists = await source.taskLists(RILEY);
    const byDelta = {
      contact: (await wholeRound((link) => source.contactsDelta(RILEY, contacts!.id, link))).items.map(
        (c) => c.id,
      ),
      task: (
        await Promise.all(
          lists.map(async (l) => (await wholeRound((link) => source.tasksDelta(RILEY, l.id, link))).items),
        )
      )
        .flat()
        .map((t) => t.id),
      event: (await wholeRound((link) => source.eventsDelta(RILEY, WEEK, link))).items
        .filter((e) => e.type !== 'seriesMaster')
        .map((e) => e.id),
    };
    const listed = {
      contact: [...(await source.itemIds(RILEY, 'contact', contacts!.id))],
      task: (
        await Promise.all(lists.map(async (l) => [...(await source.itemIds(RILEY, 'task', l.id))]))
      ).flat(),
      event: [...(await source.itemIds(RILEY, 'event', 'calendar', WEEK))],
    };
    for (const kind of ['contact', 'task', 'event'] as const) {
      assert.ok(listed[kind].length > 0, kind);
      assert.deepEqual(listed[kind].sort(), byDelta[kind].sort(), kind);
    }
    assert.ok(listed.event.includes(id('event', 'e-interview-felix')));
  });

  it('tells a contact folder or To Do list still there from one deleted', async () => {
    const lists = await source.taskLists(RILEY);
    assert.equal(await source.collectionExists(RILEY, 'task', lists[0]!.id), true);
    const [contacts] = await source.contactFolders(RILEY);
    assert.equal(await source.collectionExists(RILEY, 'contact', contacts!.id), true);
    assert.equal(await source.collectionExists(RILEY, 'task', 'AAMkADTodoListNoSuchList'), false);
    assert.equal(await source.collectionExists(RILEY, 'contact', 'AQMkADNoSuchFolder'), false);
  });

  it('maps Graph errors to the codes the sync acts on: 410 to delta_reset, 404 to not_found, 403 to needs_consent', async () => {
    const round = await wholeRound((link) => source.eventsDelta(RILEY, WEEK, link));
    await started.graph.adminCall('POST', `/users/${RILEY}/reset-delta`, { kind: 'events' });
    await assert.rejects(source.eventsDelta(RILEY, WEEK, round.deltaLink), (e) =>
      AppError.is(e, 'mail.delta_reset'),
    );
    await assert.rejects(source.contact(RILEY, 'AAkALgAAnothere'), (e) => AppError.is(e, 'mail.not_found'));
    started.sandbox.faults.add({ route: 'todo-lists', status: 403, code: 'ErrorAccessDenied', times: 1 });
    await assert.rejects(source.taskLists(RILEY), (e) => AppError.is(e, 'mail.needs_consent'));
  });

  it('retries throttled requests, honouring Retry-After, like mail', async () => {
    started.sandbox.faults.add({ route: 'contacts-delta', status: 429, retryAfterSeconds: 0, times: 2 });
    const [contacts] = await source.contactFolders(RILEY);
    const page = await source.contactsDelta(RILEY, contacts!.id);
    assert.ok(page.items.length > 0);
    started.sandbox.faults.add({ route: 'contact-folders', status: 429, retryAfterSeconds: 0, times: 1 });
    assert.equal(
      (await source.contactFolders(RILEY)).length,
      2,
      'a throttled request inside $batch is sent again',
    );
    started.sandbox.faults.add({ route: 'events-delta', status: 429, retryAfterSeconds: 0 });
    await assert.rejects(source.eventsDelta(RILEY, WEEK), (e) => AppError.is(e, 'mail.throttled'));
  });
});
