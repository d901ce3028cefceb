import { calendarView, parseWindowBound, preferredZone } from './calendar-view.ts';
import { type GraphResponse, graphError, pageList } from './graph-responses.ts';
import { decodeState, encodeState, ItemDeltas, type ItemDeltaState, type RoundEntry } from './items-delta.ts';
import type { ItemKind, ItemsModel, SandboxCollection, SandboxItem } from './items-model.ts';
import {
  CONTACT_PROPERTIES,
  contactFolderJson,
  contactJson,
  EVENT_PROPERTIES,
  eventJson,
  type EventView,
  linkedResourcesJson,
  pick,
  TASK_PROPERTIES,
  taskJson,
  taskListJson,
} from './items-responses.ts';
import type { SandboxUser } from './mailbox-model.ts';

/**
 * Graph v1.0 routes for contacts, To Do and the calendar, below `/users/{id}` or `/me`:
 *
 *   contactFolders, contactFolders/{id}, contactFolders/{id}/childFolders,
 *   contactFolders/{id}/contacts[/{id}], contactFolders/{id}/contacts/delta, contacts[/{id}]
 *   todo/lists[/{id}], todo/lists/{id}/tasks[/{id}[/linkedResources]], todo/lists/{id}/tasks/delta
 *   calendarView, calendarView/delta, events/{id} (Deleted Items too), calendar/events/{id} (not)
 *
 * Query options follow each API's documented support: contact delta takes `$select`; todoTask delta
 * `$select` and `$expand` (linkedResources); calendarView delta none of `$select`, `$expand`,
 * `$filter`, `$orderby`, `$search` (event: delta, "OData query parameters"), so the sandbox refuses
 * them with 400 rather than ignoring them.
 */

export interface ItemsRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  baseUrl: string;
}

export interface ItemsPrefer {
  maxPageSize?: number;
  immutableIds: boolean;
  timeZone?: string;
}

/** Item delta pages hold 10 items unless `Prefer: odata.maxpagesize` asks otherwise, at most 1000. */
const DELTA_DEFAULT_PAGE_SIZE = 10;
const DELTA_MAX_PAGE_SIZE = 1000;
const NOT_FOUND = () =>
  graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
const UNSUPPORTED_ON_CALENDAR_DELTA = ['$select', '$expand', '$filter', '$orderby', '$search', '$top'];

function ok(body: unknown, headers: Record<string, string> = {}): GraphResponse {
  return { status: 200, headers, body };
}

export class ItemsGraph {
  private readonly model: ItemsModel;
  private readonly epoch: string;
  private readonly deltas: ItemDeltas;

  constructor(model: ItemsModel, epoch: string) {
    this.model = model;
    this.epoch = epoch;
    this.deltas = new ItemDeltas(model);
  }

  /** Answers a request below the user, or undefined when the path is not an item route. */
  handle(
    request: ItemsRequest,
    user: SandboxUser,
    rest: string[],
    prefer: ItemsPrefer,
  ): GraphResponse | undefined {
    const r = rest.map((p) => p.toLowerCase());
    if (request.method.toUpperCase() !== 'GET') {
      if (['contactfolders', 'contacts', 'todo', 'calendar', 'calendarview', 'events'].includes(r[0] ?? ''))
        return graphError(
          405,
          'ErrorInvalidRequest',
          'The sandbox serves these resources read-only; use /_sandbox to change them.',
        );
      return undefined;
    }
    if (r[0] === 'contactfolders' || r[0] === 'contacts')
      return this.contacts(request, user, rest, r, prefer);
    if (r[0] === 'todo' && r[1] === 'lists') return this.todo(request, user, rest, r, prefer);
    if (r[0] === 'calendarview' || r[0] === 'events') return this.calendar(request, user, rest, r, prefer);
    // /calendar/events/{id}: the default calendar's event only, never one in Deleted Items.
    if (r[0] === 'calendar' && r[1] === 'events' && r.length === 3)
      return this.calendar(request, user, rest.slice(1), r.slice(1), prefer, true);
    return undefined;
  }

  private context(request: ItemsRequest, user: SandboxUser, what: string): string {
    return `${request.baseUrl}/$metadata#users('${user.id}')/${what}`;
  }

  private select(
    request: ItemsRequest,
    allowed: Set<string>,
    type: string,
  ): string[] | GraphResponse | undefined {
    const raw = request.query.get('$select');
    if (!raw) return undefined;
    const fields = raw
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    const unknown = fields.find((f) => !allowed.has(f));
    if (unknown)
      return graphError(
        400,
        'RequestBroker--ParseUri',
        `Could not find a property named '${unknown}' on type 'microsoft.graph.${type}'.`,
      );
    return fields;
  }

  // ---- contacts ----

  private contacts(
    request: ItemsRequest,
    user: SandboxUser,
    rest: string[],
    r: string[],
    prefer: ItemsPrefer,
  ) {
    const defaultFolder = this.model.wellKnown(user.id, 'contactFolder', 'contacts');
    if (!defaultFolder) return NOT_FOUND();
    const view = (select?: string[]) => ({
      immutableIds: prefer.immutableIds,
      ...(select ? { select } : {}),
    });
    if (r[0] === 'contacts') {
      // /contacts is the default Contacts folder's contacts (contactfolder-list-contacts).
      if (r.length === 1) return this.listContacts(request, user, defaultFolder, prefer);
      if (r.length === 2) return this.getContact(request, user, rest[1]!, undefined, prefer);
      return undefined;
    }
    // /contactFolders lists the folders inside the default Contacts folder (user-list-contactfolders);
    // the default folder itself answers to its id and to the well-known name `contacts`.
    if (r.length === 1)
      return pageList(
        request,
        this.model.childFolders(defaultFolder.id).map(contactFolderJson),
        `users('${user.id}')/contactFolders`,
      );
    const folder = this.model.resolve(user.id, 'contactFolder', rest[1]!);
    if (!folder) return NOT_FOUND();
    if (r.length === 2)
      return ok({
        '@odata.context': this.context(request, user, 'contactFolders/$entity'),
        ...contactFolderJson(folder),
      });
    if (r[2] === 'childfolders' && r.length === 3)
      return pageList(
        request,
        this.model.childFolders(folder.id).map(contactFolderJson),
        `users('${user.id}')/contactFolders('${folder.id}')/childFolders`,
      );
    if (r[2] !== 'contacts') return undefined;
    if (r.length === 3) return this.listContacts(request, user, folder, prefer);
    if (r[3] === 'delta' && r.length === 4) {
      for (const option of ['$expand', '$filter', '$orderby', '$search'])
        if (request.query.has(option))
          return graphError(400, 'BadRequest', `${option} is not supported on contact delta.`);
      return this.delta(request, user, folder, 'contact', prefer, (item, state) =>
        contactJson(item as SandboxItem<'contact'>, view(state.s)),
      );
    }
    if (r.length === 4) return this.getContact(request, user, rest[3]!, folder, prefer);
    return undefined;
  }

  private listContacts(
    request: ItemsRequest,
    user: SandboxUser,
    folder: SandboxCollection,
    prefer: ItemsPrefer,
  ) {
    const select = this.select(request, CONTACT_PROPERTIES, 'contact');
    if (select && !Array.isArray(select)) return select;
    const contacts = this.model
      .itemsIn(folder.id, 'contact')
      .sort((a, b) => a.fields.displayName.localeCompare(b.fields.displayName))
      .map((c) => contactJson(c, { immutableIds: prefer.immutableIds, ...(select ? { select } : {}) }));
    return pageList(request, contacts, `users('${user.id}')/contacts`);
  }

  private getContact(
    request: ItemsRequest,
    user: SandboxUser,
    id: string,
    folder: SandboxCollection | undefined,
    prefer: ItemsPrefer,
  ) {
    // By id alone, a contact in Deleted Items is found too (its parentFolderId says where it is).
    const contact =
      this.model.item(user.id, 'contact', id) ??
      (folder ? undefined : this.model.recycledItem(user.id, 'contact', id));
    if (!contact || (folder && contact.collectionId !== folder.id)) return NOT_FOUND();
    const select = this.select(request, CONTACT_PROPERTIES, 'contact');
    if (select && !Array.isArray(select)) return select;
    return ok({
      '@odata.context': this.context(request, user, 'contacts/$entity'),
      ...contactJson(contact, { immutableIds: prefer.immutableIds, ...(select ? { select } : {}) }),
    });
  }

  // ---- To Do ----

  private todo(request: ItemsRequest, user: SandboxUser, rest: string[], r: string[], prefer: ItemsPrefer) {
    if (r.length === 2)
      return pageList(
        request,
        this.model.collectionsOf(user.id, 'taskList').map(taskListJson),
        `users('${user.id}')/todo/lists`,
      );
    const list = this.model.resolve(user.id, 'taskList', rest[2]!);
    if (!list) return NOT_FOUND();
    if (r.length === 3)
      return ok({
        '@odata.context': this.context(request, user, 'todo/lists/$entity'),
        ...taskListJson(list),
      });
    if (r[3] !== 'tasks') return undefined;
    const expand = request.query.get('$expand');
    if (
      expand &&
      !/^\s*(linkedResources|checklistItems)(\s*,\s*(linkedResources|checklistItems))?\s*$/i.test(expand)
    )
      return graphError(
        400,
        'BadRequest',
        `Parsing OData Select and Expand failed: Could not find a property named '${expand}' on type 'microsoft.graph.todoTask'.`,
      );
    const expandLinked = /linkedResources/i.test(expand ?? '');
    const select = this.select(request, TASK_PROPERTIES, 'todoTask');
    if (select && !Array.isArray(select)) return select;
    const view = { immutableIds: true, expandLinkedResources: expandLinked, ...(select ? { select } : {}) };
    if (r.length === 4) {
      const tasks = this.model
        .itemsIn(list.id, 'task')
        .sort((a, b) => a.seq - b.seq)
        .map((t) => taskJson(t, view));
      return pageList(request, tasks, `users('${user.id}')/todo/lists('${list.id}')/tasks`);
    }
    if (r[4] === 'delta' && r.length === 5) {
      return this.delta(request, user, list, 'task', prefer, (item, state) =>
        taskJson(item as SandboxItem<'task'>, {
          immutableIds: true,
          expandLinkedResources: state.x === 1,
          ...(state.s ? { select: state.s } : {}),
        }),
      );
    }
    const task = this.model.item(user.id, 'task', rest[4]!);
    if (!task || task.collectionId !== list.id) return NOT_FOUND();
    if (r.length === 5)
      return ok({
        '@odata.context': this.context(request, user, `todo/lists('${list.id}')/tasks/$entity`),
        ...taskJson(task, view),
      });
    if (r[5] === 'linkedresources' && r.length === 6)
      return ok({
        '@odata.context': this.context(request, user, 'linkedResources'),
        value: linkedResourcesJson(task),
      });
    return undefined;
  }

  // ---- calendar ----

  private calendar(
    request: ItemsRequest,
    user: SandboxUser,
    rest: string[],
    r: string[],
    prefer: ItemsPrefer,
    inCalendarOnly = false,
  ) {
    const calendar = this.model.wellKnown(user.id, 'calendar', 'calendar');
    if (!calendar) return NOT_FOUND();
    const zone = preferredZone(prefer.timeZone);
    if (!zone)
      return graphError(
        400,
        'ErrorTimeZoneNotSupported',
        `The time zone '${prefer.timeZone}' is not supported.`,
      );
    const view: EventView = { immutableIds: prefer.immutableIds, zone, ownerMail: user.mail };
    const headers: Record<string, string> = prefer.timeZone
      ? { 'Preference-Applied': `outlook.timezone="${zone.name}"` }
      : {};
    if (r[0] === 'events') {
      if (r.length !== 2) return undefined;
      const found = this.findEvent(user, calendar, rest[1]!, inCalendarOnly);
      if (!found) return NOT_FOUND();
      const select = this.select(request, EVENT_PROPERTIES, 'event');
      if (select && !Array.isArray(select)) return select;
      return ok(
        {
          '@odata.context': this.context(request, user, 'events/$entity'),
          ...pick(eventJson(found.item, view, found.instance), select),
        },
        headers,
      );
    }
    if (r.length === 2 && r[1] === 'delta') {
      const answer = this.delta(request, user, calendar, 'event', prefer, (item, _state, entry) =>
        eventJson(item as SandboxItem<'event'>, view, entry.instance),
      );
      return { ...answer, headers: { ...headers, ...(answer.headers ?? {}) } };
    }
    if (r.length !== 1) return undefined;
    const window = this.window(request);
    if (!Array.isArray(window)) return window;
    const events = calendarView(this.model.itemsIn(calendar.id, 'event'), window[0], window[1]).map((i) =>
      eventJson(i.item, view, i),
    );
    const answer = pageList(request, events, `users('${user.id}')/calendarView`);
    return { ...answer, headers };
  }

  /** startDateTime and endDateTime, both required (400 as Graph answers without them). */
  private window(request: ItemsRequest): [number, number] | GraphResponse {
    const start = parseWindowBound(request.query.get('startDateTime') ?? request.query.get('startdatetime'));
    const end = parseWindowBound(request.query.get('endDateTime') ?? request.query.get('enddatetime'));
    if (start === undefined || end === undefined)
      return graphError(
        400,
        'ErrorInvalidParameter',
        "This request requires a time window specified by the query string parameters 'StartDateTime' and 'EndDateTime'.",
      );
    if (end <= start)
      return graphError(400, 'ErrorInvalidParameter', 'EndDateTime must be later than StartDateTime.');
    return [start, end];
  }

  /** A single event or series master by id, or an occurrence of a series by its own id. */
  private findEvent(user: SandboxUser, calendar: SandboxCollection, id: string, inCalendarOnly: boolean) {
    const item =
      this.model.item(user.id, 'event', id) ??
      (inCalendarOnly ? undefined : this.model.recycledItem(user.id, 'event', id));
    if (item) return { item };
    for (const master of this.model.itemsIn(calendar.id, 'event')) {
      if (!master.fields.recurrence) continue;
      const instance = calendarView(
        [master],
        Date.parse(master.fields.start),
        Date.parse('2100-01-01T00:00:00Z'),
      ).find((i) => i.id(true) === id || i.id(false) === id);
      if (instance) return { item: master, instance };
    }
    return undefined;
  }

  // ---- delta ----

  private delta(
    request: ItemsRequest,
    user: SandboxUser,
    collection: SandboxCollection,
    kind: ItemKind,
    prefer: ItemsPrefer,
    render: (item: SandboxItem, state: ItemDeltaState, entry: RoundEntry) => Record<string, unknown>,
  ): GraphResponse {
    const skipToken = request.query.get('$skiptoken') ?? request.query.get('$skipToken');
    const deltaToken = request.query.get('$deltatoken') ?? request.query.get('$deltaToken');
    const base = `${request.baseUrl}${request.path.replace(/\/delta$/i, '')}/delta`;
    let roundId: string;
    let offset = 0;
    if (skipToken || deltaToken) {
      const state = decodeState((skipToken ?? deltaToken)!);
      if (!state || state.c !== collection.id || state.k !== kind)
        return graphError(400, 'BadRequest', 'The delta token or skip token is malformed.');
      const round = skipToken ? state.r && this.deltas.round(state.r) : undefined;
      if (
        state.g !== collection.generation ||
        state.e !== this.epoch ||
        (skipToken && !round) ||
        !this.deltas.knowsSnapshot(state.p)
      ) {
        const restart = new URL(base);
        if (state.w) {
          restart.searchParams.set('startDateTime', new Date(state.w[0]).toISOString());
          restart.searchParams.set('endDateTime', new Date(state.w[1]).toISOString());
        }
        return graphError(410, 'SyncStateNotFound', 'The sync state generation is not found.', {
          Location: restart.toString(),
        });
      }
      roundId = skipToken ? state.r! : this.deltas.start(collection, state);
      offset = skipToken ? (state.n ?? 0) : 0;
    } else {
      const initial = this.initialState(request, collection, kind);
      if (!('k' in initial)) return initial;
      roundId = this.deltas.start(collection, initial);
    }
    const round = this.deltas.round(roundId)!;
    const pageSize = Math.max(
      1,
      Math.min(prefer.maxPageSize ?? DELTA_DEFAULT_PAGE_SIZE, DELTA_MAX_PAGE_SIZE),
    );
    const page = round.entries.slice(offset, offset + pageSize);
    const type = { contact: 'contact', task: 'todoTask', event: 'event' }[kind];
    const value = page.map((entry) =>
      entry.removed
        ? {
            '@odata.type': `#microsoft.graph.${type}`,
            id: kind === 'task' || prefer.immutableIds ? entry.removed[0] : entry.removed[1],
            '@removed': { reason: 'deleted' },
          }
        : render(entry.item!, round.next, entry),
    );
    const body: Record<string, unknown> = {
      '@odata.context': `${request.baseUrl}/$metadata#Collection(${type})`,
    };
    if (offset + pageSize < round.entries.length) {
      const state: ItemDeltaState = { ...round.next, r: roundId, n: offset + pageSize };
      body['@odata.nextLink'] = `${base}?$skiptoken=${encodeState(state)}`;
    } else {
      body['@odata.deltaLink'] = `${base}?$deltatoken=${encodeState(round.next)}`;
    }
    body.value = value;
    return ok(body);
  }

  private initialState(
    request: ItemsRequest,
    collection: SandboxCollection,
    kind: ItemKind,
  ): ItemDeltaState | GraphResponse {
    const state: ItemDeltaState = {
      k: kind,
      c: collection.id,
      g: collection.generation,
      e: this.epoch,
      from: 0,
    };
    if (kind === 'event') {
      const refused = UNSUPPORTED_ON_CALENDAR_DELTA.find((o) => request.query.has(o));
      if (refused)
        return graphError(
          400,
          'ErrorInvalidUrlQuery',
          `The query parameter '${refused}' is not supported with change tracking over the 'CalendarView' resource.`,
        );
      const window = this.window(request);
      if (!Array.isArray(window)) return window;
      return { ...state, w: window };
    }
    const select = this.select(
      request,
      kind === 'contact' ? CONTACT_PROPERTIES : TASK_PROPERTIES,
      kind === 'contact' ? 'contact' : 'todoTask',
    );
    if (select && !Array.isArray(select)) return select;
    if (select) state.s = select;
    if (kind === 'task' && /linkedResources/i.test(request.query.get('$expand') ?? '')) state.x = 1;
    return state;
  }
}
