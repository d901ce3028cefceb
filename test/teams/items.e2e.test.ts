import assert from 'node:assert/strict';
import type { RunningApp } from '../../bot/main.ts';
import type { ItemKind } from '../../bot/mail-source/item-source.port.ts';
import { type AppHarness, RILEY_ID, riley, startAppHarness, TENANT } from '../support/app-harness.ts';
import type { Playground, PlaygroundMessage } from '../support/playground.ts';
import { RILEY, type TestGraph } from '../support/sandbox.ts';

/**
 * Contacts, tasks and calendar end to end: the user turns each kind on in the settings tab, adds a
 * contact, an appointment and a task in Outlook (the sandbox), and sees each in the CRM and in the
 * bot's `sync status` in the Agents Playground. Contacts and the calendar arrive by Graph change
 * notification; To Do has none for applications, so the task comes with `sync now`.
 */
describe('contacts, tasks and calendar through the Agents Playground', function () {
  this.timeout(90_000);
  let h: AppHarness;
  let app: RunningApp;
  let graph: TestGraph;
  let playground: Playground;

  before(async () => {
    h = await startAppHarness({ playground: true, install: true });
    ({ app, graph } = h);
    playground = h.playground!;
  });
  after(() => h?.stop());

  const text = (message: PlaygroundMessage | undefined) => JSON.stringify(message ?? {});
  /**
   * The bot's answer to `words`: its first message after them that `answer` matches. A card from
   * the automatic syncs that installing started (the quiet period's digest) can come at any moment,
   * so the next message alone may not be the answer; if the answer never comes, this times out.
   */
  async function say(words: string, answer: RegExp): Promise<PlaygroundMessage> {
    const since = playground.eventCount;
    await playground.say(words);
    return playground.nextBotMessage(since, 10_000, (m) => answer.test(JSON.stringify(m)));
  }
  async function eventually<T>(probe: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const synced = (kind: ItemKind, id: string) =>
    eventually(async () => {
      const entry = await app.services.itemLedger.get(TENANT, RILEY_ID, kind, id);
      return entry?.status === 'synced' ? entry : undefined;
    }, `${kind} ${id} to be synced`);
  const tab = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${app.url}/api/tab${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('turns each kind on in the settings tab, and subscribes to contacts and the calendar', async () => {
    const current = await tab('GET', '/settings');
    const settings = current.body.settings as Record<string, unknown>;
    const saved = await tab(
      'PUT',
      '/settings',
      {
        ...settings,
        contacts: { enabled: true, confirmedAt: new Date().toISOString() },
        tasks: { enabled: true, syncDeleted: true, otherInfoInDescription: true },
        calendar: { enabled: true, syncDeleted: true },
      },
      current.body.etag ? { 'if-match': String(current.body.etag) } : {},
    );
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    await h.subscribed(riley);
    const resources = h.sandbox.subscriptions.list().map((s) => String(s.resource));
    assert.ok(resources.some((r) => r.endsWith('/contacts')));
    assert.ok(resources.some((r) => r.endsWith('/events')));
  });

  it('puts a new Outlook contact and appointment in the CRM on their change notifications', async () => {
    const contact = await graph.adminCall('POST', `/users/${RILEY}/contacts`, {
      contact: {
        displayName: 'Hana Sato',
        emailAddresses: [{ name: 'Hana Sato', address: 'hana.sato@kestrel.example' }],
        companyName: 'Kestrel Robotics',
        jobTitle: 'Engineering Manager',
      },
    });
    const start = new Date(Date.now() + 2 * 86_400_000);
    start.setUTCHours(16, 0, 0, 0);
    const event = await graph.adminCall('POST', `/users/${RILEY}/events`, {
      event: {
        subject: 'Intro call: Hana Sato and Victor Dubois',
        start: start.toISOString(),
        end: new Date(start.getTime() + 1_800_000).toISOString(),
        online: true,
        attendees: [
          { type: 'required', emailAddress: { name: 'Hana', address: 'hana.sato@kestrel.example' } },
          { type: 'required', emailAddress: { name: 'Victor', address: 'victor.dubois@outlook.com' } },
        ],
      },
    });
    const contactEntry = await synced('contact', String(contact.id));
    const record = await app.services.crm.record(TENANT, contactEntry.crmId!);
    assert.equal(record?.name, 'Hana Sato');
    assert.equal(record?.companyName, 'Kestrel Robotics');
    // The appointment may have come before the contact did: then Hana was not yet in the CRM and it
    // is not linked to her (nothing links it later unless it changes). Victor is a candidate either way.
    const eventEntry = await synced('event', String(event.id));
    assert.ok(eventEntry.matched?.candidates.length, 'linked to the candidate');
    const appointment = (await app.services.crm.listAppointments(TENANT)).find(
      (a) => a.key === String(event.iCalUId),
    );
    assert.equal(appointment?.subject, 'Intro call: Hana Sato and Victor Dubois');
  });

  it('brings a new To Do task in with sync now, and sync status gives each kind', async () => {
    const task = await graph.adminCall('POST', `/users/${RILEY}/tasks`, {
      task: { title: 'Send Hana the role brief (hana.sato@kestrel.example)', importance: 'high' },
    });
    assert.match(text(await say('sync now', /Syncing|Sync finished/)), /Syncing|Sync finished/);
    const entry = await synced('task', String(task.id));
    assert.equal(entry.linkType, 'Con');
    const crmTask = (await app.services.crm.listTasks(TENANT)).find((t) => t.key === String(task.id));
    assert.equal(crmTask?.priority, 'high');

    const status = text(await say('sync status', /"title":"Contacts"/));
    for (const label of ['Contacts', 'Tasks', 'Calendar']) {
      const line = new RegExp(`"title":"${label}","value":"On: (\\d+) synced`).exec(status);
      assert.ok(line, `${label} in sync status: ${status.slice(0, 2000)}`);
      assert.ok(Number(line[1]) > 0, `${label} has synced items`);
    }
  });
});
