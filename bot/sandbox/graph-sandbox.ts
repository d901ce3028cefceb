import { randomUUID } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { FaultInjector, type FaultRoute } from './faults.ts';
import {
  attachmentBytes,
  attachmentJson,
  attachmentStream,
  messageMime,
  folderJson,
  type GraphResponse,
  graphError,
  ATTACHMENT_PROPERTIES,
  MESSAGE_PROPERTIES,
  messageId,
  messageJson,
  pageList,
  userJson,
} from './graph-responses.ts';
import { ItemsModel } from './items-model.ts';
import { ItemsGraph } from './items-routes.ts';
import type { MailboxModel, SandboxFolder, SandboxMessage, SandboxUser } from './mailbox-model.ts';
import { SandboxTokens, type TokenClaims } from './sandbox-tokens.ts';
import { SharedFiles } from './shared-files.ts';
import { SubscriptionError, SubscriptionManager } from './subscriptions.ts';
import { MAILBOX_CONCURRENCY, MAILBOX_REQUESTS_PER_WINDOW, MAILBOX_WINDOW_MS } from './exchange-limits.ts';

/**
 * The Graph v1.0 subset the mail sync uses, as a pure request handler: the HTTP server and
 * `$batch` both call `handle`. Links it returns point back at the sandbox's own base URL.
 */

export interface GraphRequest {
  method: string;
  /** Path below the version, e.g. `/me/mailFolders('Inbox')/messages/delta`. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body?: unknown;
  /** e.g. `http://127.0.0.1:3979/v1.0`, for nextLink and deltaLink. */
  baseUrl: string;
}

export type Handled = GraphResponse | { reset: true };

/** Messages delta returns 10 items a page unless `Prefer: odata.maxpagesize` asks otherwise. */
export const DELTA_DEFAULT_PAGE_SIZE = 10;
/**
 * Graph does not document a ceiling for Outlook delta pages; its list APIs cap `$top` at 1000 and
 * the sandbox caps `odata.maxpagesize` there too.
 */
export const DELTA_MAX_PAGE_SIZE = 1000;
/** Graph refuses a JSON batch of more than 20 requests. */
export const BATCH_MAX_REQUESTS = 20;

interface DeltaState {
  /** folder id */
  f: string;
  /** folder generation the token belongs to */
  g: number;
  /** the sandbox process that issued it: a restarted sandbox answers old tokens with 410 */
  e: string;
  /** changes after this sequence number (0 = initial round) */
  from: number;
  /** round watermark: changes up to this sequence number */
  to?: number;
  /** page position: entries after this sequence number */
  after?: number;
  /** $select carried by the links, as Graph encodes query options into them */
  s?: string[];
  /** `$expand=attachments`, carried the same way */
  x?: 1;
  /** the initial round, which lists what is there and reports no removals */
  i?: boolean;
}

interface Prefer {
  maxPageSize?: number;
  immutableIds: boolean;
  textBody: boolean;
  /** `Prefer: outlook.timezone="..."` for events. */
  timeZone?: string;
}

function parsePrefer(header: string | undefined): Prefer {
  const prefer: Prefer = { immutableIds: false, textBody: false };
  for (const part of (header ?? '').split(',')) {
    const [rawKey, rawValue] = part.split('=');
    const key = rawKey?.trim().toLowerCase();
    const value = rawValue?.trim().replace(/^"|"$/g, '');
    if (key === 'odata.maxpagesize' && value && /^\d+$/.test(value)) prefer.maxPageSize = Number(value);
    if (key === 'idtype' && value?.toLowerCase() === 'immutableid') prefer.immutableIds = true;
    if (key === 'outlook.body-content-type' && value?.toLowerCase() === 'text') prefer.textBody = true;
    if (key === 'outlook.timezone' && value) prefer.timeZone = value.slice(0, 100);
  }
  return prefer;
}

function encode(state: DeltaState): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

function decode(token: string): DeltaState | undefined {
  try {
    const state = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as DeltaState;
    return typeof state.f === 'string' && typeof state.g === 'number' ? state : undefined;
  } catch {
    return undefined;
  }
}

/** `mailFolders('Inbox')` and `mailFolders/Inbox` are the same resource in Graph. */
function segments(path: string): string[] {
  return path
    .replace(/\('([^']*)'\)/g, '/$1')
    .split('/')
    .filter(Boolean)
    .map(decodeURIComponent);
}

async function mapWithConcurrency<T, R>(
  limit: number,
  items: readonly T[],
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index] as T);
      }
    }),
  );
  return results;
}

/**
 * Fault and count names of the item routes (below the user): contact folders, contacts, To Do
 * lists and tasks, and the calendar, each with its own delta route.
 */
function itemRouteName(r: string[]): FaultRoute | undefined {
  const last = r.at(-1);
  if (r[0] === 'contactfolders' || r[0] === 'contacts') {
    if (last === 'delta') return 'contacts-delta';
    if (r[0] === 'contactfolders' && !r.includes('contacts')) return 'contact-folders';
    return last === 'contacts' ? 'contacts' : 'contact';
  }
  if (r[0] === 'todo') {
    if (last === 'delta') return 'tasks-delta';
    if (!r.includes('tasks')) return 'todo-lists';
    return last === 'tasks' ? 'tasks' : 'task';
  }
  if (r[0] === 'calendarview') return last === 'delta' ? 'events-delta' : 'events';
  if (r[0] === 'events') return r.length === 1 ? 'events' : 'event';
  if (r[0] === 'calendar' && r[1] === 'events') return r.length === 2 ? 'events' : 'event';
  return undefined;
}

function itemKindOf(route: FaultRoute): 'contact' | 'task' | 'event' | undefined {
  if (route.startsWith('contact')) return 'contact';
  if (route.startsWith('task') || route === 'todo-lists') return 'task';
  if (route.startsWith('event')) return 'event';
  return undefined;
}

/**
 * Graph's permissions for reading each kind (Graph docs: contact-delta, event-delta, todotask-delta
 * "Permissions"): an app token's roles, a user token's scopes.
 */
const ITEM_PERMISSIONS: Record<string, (claims: TokenClaims) => string[]> = {
  contact: () => ['Contacts.Read', 'Contacts.ReadWrite'],
  event: () => ['Calendars.Read', 'Calendars.ReadWrite'],
  task: (claims) =>
    claims.scp ? ['Tasks.Read', 'Tasks.ReadWrite'] : ['Tasks.Read.All', 'Tasks.ReadWrite.All'],
};

const FILE_PERMISSIONS = ['Files.Read.All', 'Files.ReadWrite.All', 'Sites.Read.All', 'Sites.ReadWrite.All'];

function ok(body: unknown, headers: Record<string, string> = {}): GraphResponse {
  return { status: 200, headers, body };
}

export interface GraphSandboxOptions {
  model: MailboxModel;
  /** Contacts, To Do and calendar; every mailbox user gets the default folders, lists and calendar. */
  items?: ItemsModel;
  tenantId: string;
  faults?: FaultInjector;
  now?: () => number;
  /**
   * The clock the mailbox budgets' 10-minute windows run on (`now` unless given): a benchmark moves
   * it on by the waits a throttled client counts instead of sleeping them.
   */
  budgetNow?: () => number;
  /** Requests per app and mailbox per 10 minutes before 429: Exchange's 10,000, or fewer for a test. */
  requestsPerWindow?: number;
}

export class GraphSandbox {
  readonly model: MailboxModel;
  readonly items: ItemsModel;
  private readonly itemsGraph: ItemsGraph;
  readonly faults: FaultInjector;
  /** Files shared in Teams messages, served through /shares. */
  readonly files: SharedFiles;
  readonly subscriptions: SubscriptionManager;
  /** The sandbox's Entra ID: the tokens its Graph accepts. */
  readonly tokens: SandboxTokens;
  /** Mailboxes an application access policy keeps from the app (403), and ones Exchange Online does not host (404). */
  readonly outOfScope = new Set<string>();
  readonly restDisabled = new Set<string>();
  /** HTTP requests answered, by route, for tests and benchmarks that count Graph calls; a `$batch` is one. */
  readonly requestCounts = new Map<string, number>();
  /** Requests inside `$batch` calls, which Graph also counts against throttling limits. */
  batchedRequests = 0;
  /** Most requests in flight at once, for tests of the client's per-mailbox concurrency cap. */
  maxInFlight = 0;
  private inFlight = 0;
  /** Requests under way per app and mailbox, and per app and mailbox its 10-minute window's count. */
  private readonly mailboxInFlight = new Map<string, number>();
  private readonly mailboxWindows = new Map<string, { start: number; count: number }>();
  /** Attachment bytes served raw (`$value`), for tests that the client streams them. */
  attachmentDownloads = 0;
  /** Messages served as MIME (`GET /messages/{id}/$value`). */
  messageDownloads = 0;
  /** Requests refused for a mailbox's concurrency or rate, for tests. */
  throttled = 0;
  /** Per app (the token's `appid`), requests to mailboxes admitted and refused with 429, a `$batch`'s each counted. */
  readonly budgetCounts = new Map<string, { admitted: number; refused: number }>();
  private readonly clock: () => number;
  private readonly budgetClock: () => number;
  private readonly requestsPerWindow: number;
  private readonly epoch = randomUUID().slice(0, 8);
  private readonly rounds = new Map<string, ReturnType<GraphSandbox['deltaEntries']>>();

  constructor(options: GraphSandboxOptions) {
    this.model = options.model;
    this.items = options.items ?? new ItemsModel();
    this.items.deletedItemsOf = (userId) => this.model.wellKnown(userId, 'deleteditems')?.id;
    for (const user of this.model.users.values()) this.items.addUser(user.id);
    this.itemsGraph = new ItemsGraph(this.items, this.epoch);
    this.faults = options.faults ?? new FaultInjector();
    this.clock = options.now ?? Date.now;
    this.budgetClock = options.budgetNow ?? this.clock;
    this.files = new SharedFiles(this.clock);
    this.requestsPerWindow = options.requestsPerWindow ?? MAILBOX_REQUESTS_PER_WINDOW;
    this.tokens = new SandboxTokens(options.tenantId, this.clock);
    this.subscriptions = new SubscriptionManager({
      model: options.model,
      items: this.items,
      tenantId: options.tenantId,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  totalRequests(): number {
    let total = 0;
    for (const count of this.requestCounts.values()) total += count;
    return total;
  }

  async handle(request: GraphRequest, inBatch = false): Promise<Handled> {
    if (inBatch) return this.answer(request, true);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await this.answer(request, false);
    } finally {
      this.inFlight--;
    }
  }

  private async answer(request: GraphRequest, inBatch: boolean): Promise<Handled> {
    const parts = segments(request.path);
    const route = this.routeName(parts);
    if (inBatch) this.batchedRequests++;
    else this.requestCounts.set(route, (this.requestCounts.get(route) ?? 0) + 1);

    const check = this.tokens.check(request.headers.authorization);
    if (!check.ok) return graphError(check.status, check.code, check.message);
    const { claims } = check;
    const denied = this.permission(route, claims);
    if (denied) return denied;
    const me = claims.scp ? claims.oid : undefined;
    const userRef = parts[0]?.toLowerCase() === 'users' ? parts[1] : undefined;
    const mailbox = userRef ? (this.model.findUser(userRef)?.id ?? userRef.toLowerCase()) : undefined;
    if (mailbox && route !== 'users') {
      const outside = this.exchangeRefusal(mailbox);
      if (outside) return outside;
    }
    // Exchange counts each app's requests to a mailbox apart from another app's.
    const budget = mailbox ? `${claims.appid} ${mailbox}` : undefined;
    if (budget) {
      const refused = this.admit(budget);
      let counts = this.budgetCounts.get(claims.appid);
      if (!counts) this.budgetCounts.set(claims.appid, (counts = { admitted: 0, refused: 0 }));
      if (refused) {
        counts.refused++;
        return refused;
      }
      counts.admitted++;
    }
    try {
      return await this.answerFor(request, parts, route, userRef, me, inBatch);
    } finally {
      if (budget) this.mailboxInFlight.set(budget, (this.mailboxInFlight.get(budget) ?? 1) - 1);
    }
  }

  /**
   * The permission a route needs: Mail.Read for mail (folders, messages, delta, attachments,
   * subscriptions to them), User.Read.All for the directory; an app token carries roles, a user's
   * token scopes. Without it, 403 as Graph answers.
   */
  private permission(route: FaultRoute, claims: TokenClaims): GraphResponse | undefined {
    if (route === 'batch') return undefined;
    const granted = claims.scp ? claims.scp.split(' ') : (claims.roles ?? []);
    const needs =
      route === 'shares'
        ? // driveitem-get-content: Files.Read.All is the least an app needs; a user, Files.Read.
          [...(claims.scp ? ['Files.Read', 'Files.ReadWrite'] : []), ...FILE_PERMISSIONS]
        : route === 'users'
          ? claims.scp
            ? ['User.Read', 'User.Read.All']
            : ['User.Read.All']
          : route === 'subscriptions'
            ? // Which one a new subscription needs depends on its resource (subscriptionRoute checks it).
              Object.values(ITEM_PERMISSIONS)
                .flatMap((p) => p(claims))
                .concat('Mail.Read', 'Mail.ReadWrite')
            : (ITEM_PERMISSIONS[itemKindOf(route) ?? 'mail']?.(claims) ?? ['Mail.Read', 'Mail.ReadWrite']);
    if (needs.some((p) => granted.includes(p))) return undefined;
    return graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
  }

  /**
   * Exchange's own say over a mailbox: outside the app's scope (an application access policy or
   * RBAC for Applications leaves it out) is 403; a mailbox Exchange Online does not host
   * (unlicensed, inactive, on-premises) is MailboxNotEnabledForRESTAPI.
   */
  private exchangeRefusal(mailbox: string): GraphResponse | undefined {
    if (this.outOfScope.has(mailbox)) {
      return graphError(
        403,
        'ErrorAccessDenied',
        'Access to OData is disabled: the application access policy does not allow this app to access this mailbox.',
      );
    }
    if (this.restDisabled.has(mailbox)) {
      return graphError(
        404,
        'MailboxNotEnabledForRESTAPI',
        'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
      );
    }
    return undefined;
  }

  /** Takes one of an app's concurrent slots on a mailbox and one request of its window, or answers 429. */
  private admit(budget: string): GraphResponse | undefined {
    const now = this.budgetClock();
    let window = this.mailboxWindows.get(budget);
    if (!window || now - window.start >= MAILBOX_WINDOW_MS) {
      window = { start: now, count: 0 };
      this.mailboxWindows.set(budget, window);
    }
    const inFlight = this.mailboxInFlight.get(budget) ?? 0;
    if (inFlight >= MAILBOX_CONCURRENCY) {
      this.throttled++;
      return graphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', {
        'Retry-After': '0.2',
      });
    }
    if (window.count >= this.requestsPerWindow) {
      this.throttled++;
      const seconds = Math.ceil((window.start + MAILBOX_WINDOW_MS - now) / 1000);
      return graphError(
        429,
        'ApplicationThrottled',
        'Application is over its request limit for this mailbox.',
        {
          'Retry-After': String(seconds),
        },
      );
    }
    window.count++;
    this.mailboxInFlight.set(budget, inFlight + 1);
    return undefined;
  }

  private async answerFor(
    request: GraphRequest,
    parts: string[],
    route: FaultRoute,
    userRef: string | undefined,
    me: string | undefined,
    inBatch: boolean,
  ): Promise<Handled> {
    const fault = this.faults.decide(route, userRef);
    if (fault.latencyMs > 0) await new Promise((r) => setTimeout(r, fault.latencyMs));
    if (fault.kind === 'reset') {
      if (!inBatch) return { reset: true };
      return graphError(503);
    }
    if (fault.kind === 'error')
      return this.faultResponse(fault.status, fault.retryAfterSeconds, request, route, fault.code);

    try {
      return await this.dispatch(request, parts, me);
    } catch (error) {
      if (error instanceof SubscriptionError) return graphError(error.status, error.code, error.message);
      throw error;
    }
  }

  private routeName(parts: string[]): FaultRoute {
    const lower = parts.map((p) => p.toLowerCase());
    if (lower[0] === '$batch') return 'batch';
    if (lower[0] === 'subscriptions') return 'subscriptions';
    if (lower[0] === 'shares') return 'shares';
    const items = itemRouteName(lower.slice(lower[0] === 'me' ? 1 : 2));
    if (items) return items;
    if (lower.includes('delta')) return 'delta';
    if (lower.includes('attachments')) return 'attachments';
    if (lower.at(-1) === '$value' && lower.at(-3) === 'messages') return 'mime';
    const messagesAt = lower.lastIndexOf('messages');
    if (messagesAt >= 0) return messagesAt === lower.length - 1 ? 'messages' : 'message';
    if (lower.includes('mailfolders')) return 'folders';
    return 'users';
  }

  private faultResponse(
    status: number,
    retryAfter: number | undefined,
    request: GraphRequest,
    route: FaultRoute,
    code?: string,
  ) {
    const headers: Record<string, string> = {};
    if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
    if (status === 410 && route.endsWith('delta')) {
      // Graph's sync reset: the Location header is the initial delta query again.
      const initial = new URL(`${request.baseUrl}${request.path}`);
      return graphError(410, code ?? 'resyncRequired', 'The delta token is no longer valid; resynchronize.', {
        ...headers,
        Location: initial.toString(),
      });
    }
    return graphError(status, code, undefined, headers);
  }

  private async dispatch(request: GraphRequest, parts: string[], meId: string | undefined): Promise<Handled> {
    const method = request.method.toUpperCase();
    const head = parts[0]?.toLowerCase();
    if (head === '$batch' && method === 'POST') return this.batch(request);
    if (head === 'subscriptions') return this.subscriptionRoute(request, parts, meId);
    if (head === 'shares') return this.files.handle(method, parts, new URL(request.baseUrl).origin);

    let user: SandboxUser | undefined;
    let rest: string[];
    if (head === 'users' && !parts[1] && method === 'GET') {
      // GET /users: the tenant's users (application permission User.Read.All), `$top` honoured.
      const top = Number(request.query.get('$top') ?? 100);
      return ok({
        '@odata.context': `${request.baseUrl}/$metadata#users`,
        value: this.model
          .listUsers()
          .slice(0, Math.max(1, Math.min(999, top || 100)))
          .map(userJson),
      });
    }
    if (head === 'me') {
      user = meId ? this.model.findUser(meId) : undefined;
      if (!user) {
        return graphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
      }
      rest = parts.slice(1);
    } else if (head === 'users' && parts[1]) {
      user = this.model.findUser(parts[1]);
      if (!user) {
        return graphError(
          404,
          'Request_ResourceNotFound',
          `Resource '${parts[1]}' does not exist or one of its queried reference-property objects are not present.`,
        );
      }
      rest = parts.slice(2);
    } else {
      return graphError(400, 'BadRequest', `Resource not found for the segment '${parts[0] ?? ''}'.`);
    }

    const prefer = parsePrefer(request.headers.prefer);
    const items = this.itemsGraph.handle(request, user, rest, prefer);
    if (items) return items;
    const r = rest.map((p) => p.toLowerCase());
    if (r.length === 0 && method === 'GET')
      return ok({ '@odata.context': `${request.baseUrl}/$metadata#users/$entity`, ...userJson(user) });

    if (r[0] === 'mailfolders') {
      if (r.length === 1 && method === 'GET')
        return this.listFolders(request, user, this.model.wellKnown(user.id, 'msgfolderroot'));
      const folder = this.model.resolveFolder(user.id, rest[1] ?? '');
      if (!folder) return graphError(404, 'ErrorInvalidIdMalformed', 'Id is malformed.');
      if (r.length === 2 && method === 'GET')
        return ok({
          '@odata.context': `${request.baseUrl}/$metadata#users('${user.id}')/mailFolders/$entity`,
          ...folderJson(this.model, folder),
        });
      if (r[2] === 'childfolders' && r.length === 3 && method === 'GET')
        return this.listFolders(request, user, folder);
      if (r[2] === 'messages') {
        if (r.length === 3 && method === 'GET') return this.listMessages(request, user, folder, prefer);
        if (r[3] === 'delta' && r.length === 4 && method === 'GET')
          return this.delta(request, user, folder, prefer);
        return this.messageRoute(request, user, rest.slice(3), prefer, folder);
      }
    }
    if (r[0] === 'messages') {
      if (r.length === 1 && method === 'GET') return this.listMessages(request, user, undefined, prefer);
      return this.messageRoute(request, user, rest.slice(1), prefer);
    }
    return graphError(400, 'BadRequest', `Resource not found for the segment '${rest[0] ?? ''}'.`);
  }

  private parseSelect(request: GraphRequest): string[] | GraphResponse | undefined {
    const raw = request.query.get('$select');
    if (!raw) return undefined;
    const fields = raw
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    const unknown = fields.find((f) => !MESSAGE_PROPERTIES.has(f));
    if (unknown) {
      return graphError(
        400,
        'RequestBroker--ParseUri',
        `Could not find a property named '${unknown}' on type 'microsoft.graph.message'.`,
      );
    }
    return fields;
  }

  /**
   * A message's `$expand` on GET and delta (Graph documents both): the one navigation property
   * the sandbox keeps is `attachments`, whole or with its own `$select` of the attachment type's
   * properties (`attachments($select=id,name,size)`). Anything else is refused as Graph refuses it.
   */
  private parseExpand(request: GraphRequest): { select?: string[] } | GraphResponse | undefined {
    const raw = request.query.get('$expand');
    if (raw === null) return undefined;
    const refuse = (name: string, type = 'microsoft.graph.message') =>
      graphError(
        400,
        'RequestBroker--ParseUri',
        `Parsing OData Select and Expand failed: Could not find a property named '${name.slice(0, 100)}' on type '${type}'.`,
      );
    const text = raw.trim();
    const open = text.indexOf('(');
    const name = (open === -1 ? text : text.slice(0, open)).trim();
    if (name.toLowerCase() !== 'attachments') return refuse(name);
    if (open === -1) return {};
    if (!text.endsWith(')'))
      return graphError(400, 'BadRequest', `Syntax error in '$expand=${text.slice(0, 100)}'.`);
    const inner = text.slice(open + 1, -1).trim();
    if (!inner.toLowerCase().startsWith('$select=')) return refuse(inner, 'microsoft.graph.attachment');
    const fields = inner
      .slice('$select='.length)
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    const unknown = fields.find((f) => !ATTACHMENT_PROPERTIES.has(f));
    if (unknown) return refuse(unknown, 'microsoft.graph.attachment');
    return { select: fields };
  }

  private listFolders(
    request: GraphRequest,
    user: SandboxUser,
    parent: SandboxFolder | undefined,
  ): GraphResponse {
    const includeHidden = request.query.get('includeHiddenFolders') === 'true';
    const all = parent ? this.model.childFolders(parent.id).filter((f) => includeHidden || !f.isHidden) : [];
    return this.pageList(
      request,
      all.map((f) => folderJson(this.model, f)),
      `users('${user.id}')/mailFolders`,
    );
  }

  private listMessages(
    request: GraphRequest,
    user: SandboxUser,
    folder: SandboxFolder | undefined,
    prefer: Prefer,
  ): GraphResponse {
    const select = this.parseSelect(request);
    if (select && !Array.isArray(select)) return select;
    const ids = folder
      ? [...this.model.folderMessageIds(folder.id)]
      : [...this.model.folders.values()]
          .filter((f) => f.userId === user.id)
          .flatMap((f) => [...this.model.folderMessageIds(f.id)]);
    const messages = ids
      .map((id) => this.model.message(user.id, id))
      .filter((m): m is SandboxMessage => m !== undefined)
      .sort((a, b) => String(b.graph.receivedDateTime).localeCompare(String(a.graph.receivedDateTime)));
    const view = {
      immutableIds: prefer.immutableIds,
      textBody: prefer.textBody,
      ...(select ? { select } : {}),
    };
    return this.pageList(
      request,
      messages.map((m) => messageJson(m, view)),
      `users('${user.id}')/messages`,
    );
  }

  private pageList(request: GraphRequest, items: unknown[], context: string): GraphResponse {
    return pageList(request, items, context);
  }

  private delta(
    request: GraphRequest,
    user: SandboxUser,
    folder: SandboxFolder,
    prefer: Prefer,
  ): GraphResponse {
    const link = (kind: 'skiptoken' | 'deltatoken', state: DeltaState) =>
      `${request.baseUrl}/users/${user.id}/mailFolders('${folder.id}')/messages/delta?$${kind}=${encode(state)}`;
    const skipToken = request.query.get('$skiptoken') ?? request.query.get('$skipToken');
    const deltaToken = request.query.get('$deltatoken') ?? request.query.get('$deltaToken');
    let state: DeltaState;
    if (skipToken || deltaToken) {
      // A skip token carries its round (from, to, position); a delta token starts a new round.
      const decoded = decode((skipToken ?? deltaToken) as string);
      if (!decoded || decoded.f !== folder.id) {
        return graphError(400, 'BadRequest', 'The delta token or skip token is malformed.');
      }
      if (decoded.g !== folder.generation || decoded.e !== this.epoch) {
        // What Outlook answers for a message folder's expired sync state (Graph's generic code is resyncRequired).
        const restart = `${request.baseUrl}/users/${user.id}/mailFolders('${folder.id}')/messages/delta`;
        return graphError(410, 'SyncStateNotFound', 'The sync state generation is not found.', {
          Location: restart,
        });
      }
      state = decoded;
    } else {
      const select = this.parseSelect(request);
      if (select && !Array.isArray(select)) return select;
      const expand = this.parseExpand(request);
      if (expand && 'status' in expand) return expand;
      state = {
        f: folder.id,
        g: folder.generation,
        e: this.epoch,
        from: 0,
        i: true,
        ...(select ? { s: select } : {}),
        ...(expand ? { x: 1 as const } : {}),
      };
    }
    // A round sees the changes up to the moment it started; later ones wait for the next round.
    const to = state.to ?? this.model.currentSeq(user.id);
    const after = state.after ?? state.from;
    const pageSize = Math.min(prefer.maxPageSize ?? DELTA_DEFAULT_PAGE_SIZE, DELTA_MAX_PAGE_SIZE);

    const round = this.roundEntries(folder, state.from, to, state.i === true);
    // The entries after the page's position: found by binary search in the round's sorted list.
    let low = 0;
    let high = round.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (round[mid]!.seq <= after) low = mid + 1;
      else high = mid;
    }
    const entries = round.slice(low, low + pageSize + 1);
    const page = entries.slice(0, pageSize);
    const view = {
      immutableIds: prefer.immutableIds,
      textBody: prefer.textBody,
      ...(state.s ? { select: state.s } : {}),
      // Whole, whatever `$select` it was given: on message delta Graph is reported to ignore a
      // `$select` inside `$expand` (microsoft-graph-docs-contrib#8431), bytes and all.
      ...(state.x ? { attachments: {} } : {}),
    };
    const value = page.map((entry) =>
      entry.message
        ? messageJson(entry.message, view)
        : {
            '@odata.type': '#microsoft.graph.message',
            id: entry.id(prefer.immutableIds),
            '@removed': { reason: 'deleted' },
          },
    );
    const body: Record<string, unknown> = {
      '@odata.context': `${request.baseUrl}/$metadata#Collection(message)`,
    };
    const last = page.at(-1);
    if (entries.length > pageSize && last) {
      body['@odata.nextLink'] = link('skiptoken', { ...state, to, after: last.seq });
    } else {
      body['@odata.deltaLink'] = link('deltatoken', {
        f: folder.id,
        g: folder.generation,
        e: this.epoch,
        from: to,
        ...(state.s ? { s: state.s } : {}),
        ...(state.x ? { x: state.x } : {}),
      });
    }
    body.value = value;
    return ok(body);
  }

  /**
   * What a delta round reports after `after` up to `to`: messages now in the folder that changed,
   * and messages that left it (moved or deleted) as `@removed`, each id once.
   */
  /**
   * A round's entries, sorted, computed once per round while the mailbox does not change (a
   * backfill reads hundreds of pages of one round; scanning the folder for each would make the
   * sandbox, not the app, the cost being measured).
   */
  private roundEntries(folder: SandboxFolder, from: number, to: number, initial: boolean) {
    const key = `${folder.id}|${folder.generation}|${from}|${to}|${initial}|${this.model.currentSeq(folder.userId)}`;
    let entries = this.rounds.get(key);
    if (!entries) {
      entries = this.deltaEntries(folder, from, to, initial);
      this.rounds.set(key, entries);
      if (this.rounds.size > 64) this.rounds.delete(this.rounds.keys().next().value!);
    }
    return entries;
  }

  private deltaEntries(folder: SandboxFolder, after: number, to: number, initial: boolean) {
    type Entry = { seq: number; message?: SandboxMessage; id: (immutable: boolean) => string };
    const entries: Entry[] = [];
    const present = new Set<string>();
    for (const id of this.model.folderMessageIds(folder.id)) {
      const message = this.model.message(folder.userId, id);
      if (!message) continue;
      present.add(id);
      if (message.seq > after && message.seq <= to) {
        entries.push({ seq: message.seq, message, id: (immutable) => messageId(message, immutable) });
      }
    }
    if (!initial) {
      const removed = new Map<string, Entry>();
      for (const tombstone of this.model.folderTombstones(folder.id)) {
        if (tombstone.seq <= after || tombstone.seq > to || present.has(tombstone.immutableId)) continue;
        removed.set(tombstone.immutableId, {
          seq: tombstone.seq,
          id: (immutable) => (immutable ? tombstone.immutableId : tombstone.restId),
        });
      }
      entries.push(...removed.values());
    }
    return entries.sort((a, b) => a.seq - b.seq);
  }

  private messageRoute(
    request: GraphRequest,
    user: SandboxUser,
    rest: string[],
    prefer: Prefer,
    folder?: SandboxFolder,
  ): GraphResponse {
    const method = request.method.toUpperCase();
    const message = rest[0] ? this.model.message(user.id, rest[0]) : undefined;
    if (!message || (folder && message.folderId !== folder.id)) {
      return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    }
    const r = rest.map((p) => p.toLowerCase());
    if (r.length === 1 && method === 'GET') {
      const select = this.parseSelect(request);
      if (select && !Array.isArray(select)) return select;
      const expand = this.parseExpand(request);
      if (expand && 'status' in expand) return expand;
      const headers: Record<string, string> = prefer.textBody
        ? { 'Preference-Applied': 'outlook.body-content-type="text"' }
        : {};
      return ok(
        {
          '@odata.context': `${request.baseUrl}/$metadata#users('${user.id}')/messages/$entity`,
          ...messageJson(message, {
            immutableIds: prefer.immutableIds,
            textBody: prefer.textBody,
            ...(select ? { select } : {}),
            ...(expand ? { attachments: expand } : {}),
          }),
        },
        headers,
      );
    }
    if (r.length === 2 && r[1] === '$value' && method === 'GET') {
      this.messageDownloads++;
      return { status: 200, headers: { 'content-type': 'text/plain' }, stream: messageMime(message) };
    }
    if (r.length === 1 && method === 'DELETE') {
      // Graph's DELETE moves a message to Deleted Items; from there it is gone for good.
      const deleted = this.model.wellKnown(user.id, 'deleteditems');
      if (deleted && message.folderId !== deleted.id)
        this.model.moveMessage(user.id, message.immutableId, deleted.id);
      else this.model.deleteMessage(user.id, message.immutableId);
      return { status: 204 };
    }
    if (r.length === 1 && method === 'PATCH') {
      const patch = (request.body ?? {}) as Record<string, unknown>;
      const allowed = ['isRead', 'subject', 'categories', 'importance'] as const;
      const update = Object.fromEntries(allowed.filter((k) => k in patch).map((k) => [k, patch[k]]));
      const updated = this.model.updateMessage(user.id, message.immutableId, update);
      return ok(messageJson(updated, { immutableIds: prefer.immutableIds }));
    }
    if (r[1] === 'move' && r.length === 2 && method === 'POST') {
      const destinationId = String(
        (request.body as { destinationId?: unknown } | undefined)?.destinationId ?? '',
      );
      const destination = this.model.resolveFolder(user.id, destinationId);
      if (!destination) return graphError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
      const moved = this.model.moveMessage(user.id, message.immutableId, destination.id);
      return { status: 201, body: messageJson(moved, { immutableIds: prefer.immutableIds }) };
    }
    if (r[1] === 'attachments' && method === 'GET') {
      const rawSelect = request.query.get('$select');
      const select = rawSelect ? rawSelect.split(',').map((s) => s.trim()) : undefined;
      const unknown = select?.find((f) => !ATTACHMENT_PROPERTIES.has(f));
      if (unknown)
        return graphError(
          400,
          'RequestBroker--ParseUri',
          `Could not find a property named '${unknown.slice(0, 100)}' on type 'microsoft.graph.attachment'.`,
        );
      if (r.length === 2) {
        return ok({
          '@odata.context': `${request.baseUrl}/$metadata#users('${user.id}')/messages('${message.immutableId}')/attachments`,
          value: message.attachments.map((a) => attachmentJson(a, select)),
        });
      }
      const attachment = message.attachments.find((a) => a.id === rest[2]);
      if (!attachment)
        return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      if (r.length === 3) return ok(attachmentJson(attachment, select));
      if (r.length === 4 && r[3] === '$value') {
        const stream = attachmentStream(attachment);
        if (stream) {
          this.attachmentDownloads++;
          return {
            status: 200,
            headers: { 'content-type': attachment.contentType, 'content-length': String(attachment.size) },
            stream,
          };
        }
        const raw = attachmentBytes(attachment);
        this.attachmentDownloads++;
        if (!raw)
          return graphError(
            400,
            'ErrorInvalidRequest',
            'The $value of a reference attachment is not supported.',
          );
        return {
          status: 200,
          headers: { 'content-type': attachment.kind === 'item' ? 'message/rfc822' : attachment.contentType },
          raw,
        };
      }
    }
    return graphError(405, 'ErrorInvalidRequest', 'The OData request is not supported.');
  }

  private async subscriptionRoute(
    request: GraphRequest,
    parts: string[],
    meId: string | undefined,
  ): Promise<GraphResponse> {
    const method = request.method.toUpperCase();
    const id = parts[1];
    const body = (request.body ?? {}) as Record<string, unknown>;
    const context = `${request.baseUrl}/$metadata#subscriptions`;
    if (!id && method === 'POST') {
      const me = meId ? this.model.findUser(meId)?.id : undefined;
      const target = /^\/?users\/([^/]+)/i.exec(String(body.resource ?? ''))?.[1];
      const targetId = target ? this.model.findUser(target)?.id : me;
      const outside = targetId ? this.exchangeRefusal(targetId) : undefined;
      if (outside) return outside;
      const denied = this.subscriptionPermission(request, String(body.resource ?? ''), me);
      if (denied) return denied;
      return {
        status: 201,
        body: { '@odata.context': `${context}/$entity`, ...(await this.subscriptions.create(body, me)) },
      };
    }
    if (!id && method === 'GET') return ok({ '@odata.context': context, value: this.subscriptions.list() });
    if (id && method === 'GET')
      return ok({ '@odata.context': `${context}/$entity`, ...this.subscriptions.get(id) });
    if (id && method === 'PATCH')
      return ok({ '@odata.context': `${context}/$entity`, ...this.subscriptions.renew(id, body) });
    if (id && method === 'DELETE') {
      this.subscriptions.delete(id);
      return { status: 204 };
    }
    if (id && parts[2]?.toLowerCase() === 'reauthorize' && method === 'POST') {
      this.subscriptions.get(id);
      return { status: 204 };
    }
    return graphError(405, 'ErrorInvalidRequest', 'The OData request is not supported.');
  }

  /** A new subscription needs the permission to read what it watches (subscription-post-subscriptions). */
  private subscriptionPermission(request: GraphRequest, resource: string, me: string | undefined) {
    const { kind } = this.subscriptions.parseResource(resource, me);
    const check = this.tokens.check(request.headers.authorization);
    if (!check.ok) return graphError(check.status, check.code, check.message);
    const granted = check.claims.scp ? check.claims.scp.split(' ') : (check.claims.roles ?? []);
    const needs =
      kind === 'message'
        ? ['Mail.Read', 'Mail.ReadWrite']
        : kind === 'task'
          ? ['Tasks.ReadWrite'] // delegated only: Graph has no application permission for todoTask subscriptions
          : ITEM_PERMISSIONS[kind]!(check.claims);
    if (needs.some((p) => granted.includes(p))) return undefined;
    return graphError(
      403,
      'ExtensionError',
      `Operation: Create; Exception: [Status Code: Forbidden; Reason: The permissions granted do not allow subscribing to '${resource}'.]`,
    );
  }

  private async batch(request: GraphRequest): Promise<GraphResponse> {
    const requests = (request.body as { requests?: unknown } | undefined)?.requests;
    if (!Array.isArray(requests) || requests.length === 0) {
      return graphError(400, 'BadRequest', 'Invalid batch payload format.');
    }
    if (requests.length > BATCH_MAX_REQUESTS) {
      return graphError(
        400,
        'BadRequest',
        `Number of batch request steps exceeds the maximum of ${BATCH_MAX_REQUESTS}.`,
      );
    }
    const ids = new Set<string>();
    for (const item of requests as Array<{ id?: unknown }>) {
      if (typeof item.id !== 'string' || ids.has(item.id)) {
        return graphError(400, 'BadRequest', 'Each batch request needs a unique string id.');
      }
      ids.add(item.id);
    }
    // Graph runs a batch's requests up to four at a time (and so within the mailbox's concurrency).
    const responses = await mapWithConcurrency(
      MAILBOX_CONCURRENCY,
      requests as Array<{
        id: string;
        method?: string;
        url?: string;
        headers?: Record<string, string>;
        body?: unknown;
      }>,
      async (item) => {
        const url = new URL(String(item.url ?? '/').replace(/^\/?/, '/'), 'http://batch.invalid');
        const headers = Object.fromEntries(
          Object.entries(item.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
        );
        const answer = await this.handle(
          {
            method: item.method ?? 'GET',
            path: url.pathname,
            query: url.searchParams,
            headers: { ...headers, authorization: request.headers.authorization },
            body: item.body,
            baseUrl: request.baseUrl,
          },
          true,
        );
        const response = 'reset' in answer ? graphError(503) : answer;
        // A batch answers in JSON: a streamed attachment is read whole into it, as Graph base64s it.
        if (response.stream) response.raw = await buffer(response.stream());
        return {
          id: item.id,
          status: response.status,
          headers: { 'Content-Type': 'application/json', ...(response.headers ?? {}) },
          body: response.raw ? response.raw.toString('base64') : (response.body ?? null),
        };
      },
    );
    return ok({ responses });
  }
}
