import { randomUUID } from 'node:crypto';
import type { Subscription } from '@microsoft/microsoft-graph-types';
import type { ItemChange, ItemKind, ItemsModel } from './items-model.ts';
import type { MailboxChange, MailboxModel } from './mailbox-model.ts';

/**
 * Graph change notifications for messages, contacts, events and To Do tasks: subscriptions with
 * the validation handshake, renewal, deletion, change notifications with clientState, and
 * lifecycle events. Resources (Graph docs, change notifications "Supported resources"):
 * `/users/{id}/messages`, `/users/{id}/mailFolders('{id}')/messages`, `/users/{id}/contacts`,
 * `/users/{id}/events` (each also under `/me`), and `/me/todo/lists/{id}/tasks`, which Graph
 * documents only for delegated permissions ("Not supported" for application permissions in
 * subscription-post-subscriptions), so an app token cannot subscribe to To Do tasks.
 */

/**
 * Outlook message, event and contact subscriptions, and todoTask ones, live at most 4230 minutes
 * (Graph docs: change notifications, "Subscription lifetime").
 */
export const MAX_MESSAGE_SUBSCRIPTION_MINUTES = 4230;
/** Graph waits this long for the validation token echo, then fails the create call with 400. */
export const VALIDATION_TIMEOUT_MS = 10_000;
/**
 * Graph expects a notification endpoint to answer within 3 seconds; a slower answer counts as a
 * failed delivery (retried), and an endpoint that is often slow is throttled: its notifications
 * are dropped for a while (Graph docs: "Change notifications delivery, webhooks"; throttling of
 * slow endpoints).
 */
export const NOTIFICATION_DEADLINE_MS = 3_000;
/** Notifications for one endpoint within this window go out together, as Graph batches them. */
export const NOTIFICATION_BATCH_MS = 100;
export const NOTIFICATION_BATCH_MAX = 50;
/** Slow answers among an endpoint's last ten that get it dropped, and for how long. */
const SLOW_TO_DROP = 3;
const DROP_FOR_MS = 60_000;
const CLIENT_STATE_MAX = 128;
/** Outlook resources: at most 1,000 active subscriptions per mailbox, across all apps (Graph docs). */
export const MAX_SUBSCRIPTIONS_PER_MAILBOX = 1_000;
const CHANGE_TYPES = new Set(['created', 'updated', 'deleted']);

export type LifecycleEvent = 'missed' | 'subscriptionRemoved' | 'reauthorizationRequired';

export type SubscribedKind = 'message' | ItemKind;

export interface SandboxSubscription {
  id: string;
  userId: string;
  /** What it watches; messages when absent. */
  kind?: SubscribedKind;
  /** The mail folder or To Do list watched, or undefined for every message (contact, event) of the mailbox. */
  folderId?: string;
  resource: string;
  changeTypes: Set<string>;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  clientState?: string;
  expirationDateTime: string;
  applicationId: string;
  creatorId: string;
}

export interface SubscriptionStats {
  /** Notifications delivered (an accepted POST can carry several). */
  delivered: number;
  /** POSTs made to notification endpoints, each with one or more notifications. */
  posts: number;
  failed: number;
  /** Answers slower than Graph's 3 s. */
  slow: number;
  /** Notifications dropped because their endpoint was throttled for slowness. */
  dropped: number;
  lifecycleDelivered: number;
}

export class SubscriptionError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export interface SubscriptionManagerOptions {
  model: MailboxModel;
  items?: ItemsModel;
  tenantId: string;
  now?: () => number;
  /** Notifications to the same URL are retried this many times before they are dropped. */
  retries?: number;
}

export class SubscriptionManager {
  readonly subscriptions = new Map<string, SandboxSubscription>();
  readonly stats: SubscriptionStats = {
    delivered: 0,
    posts: 0,
    failed: 0,
    slow: 0,
    dropped: 0,
    lifecycleDelivered: 0,
  };
  /** Notifications waiting for their endpoint's batch to go out. */
  private readonly batches = new Map<string, { items: unknown[]; timer: NodeJS.Timeout }>();
  /** Per endpoint: whether each of its last ten answers was slow, and until when it is dropped. */
  private readonly endpoints = new Map<string, { recent: boolean[]; droppedUntil: number }>();
  private readonly options: SubscriptionManagerOptions;
  private readonly now: () => number;
  private readonly pending = new Set<Promise<void>>();
  private readonly unsubscribe: Array<() => void>;

  constructor(options: SubscriptionManagerOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.unsubscribe = [options.model.onChange((change) => this.notify(change))];
    if (options.items) this.unsubscribe.push(options.items.onChange((change) => this.notifyItem(change)));
  }

  /** The resource's kind and what it watches: mail as below, or contacts, events and To Do tasks. */
  parseResource(
    resource: string,
    meUserId?: string,
  ): { userId: string; kind: SubscribedKind; folderId?: string } {
    const item =
      /^\/?(?:(me)|users\/([^/]+))\/(contacts|events)$/i.exec(resource) ??
      /^\/?(me)\/todo\/lists\/([^/]+)\/(tasks)$/i.exec(resource);
    if (item) return this.parseItemResource(resource, item, meUserId);
    return { ...this.parseMailResource(resource, meUserId), kind: 'message' };
  }

  private parseItemResource(resource: string, match: RegExpExecArray, meUserId?: string) {
    const user = match[1]
      ? meUserId && this.options.model.users.get(meUserId)
      : this.options.model.findUser(match[2] ?? '');
    if (!user)
      throw new SubscriptionError(404, 'ResourceNotFound', `User for resource '${resource}' was not found.`);
    const what = match[3]!.toLowerCase();
    if (what !== 'tasks')
      return { userId: user.id, kind: (what === 'contacts' ? 'contact' : 'event') as ItemKind };
    const list = this.options.items?.resolve(user.id, 'taskList', match[2] ?? '');
    if (!list) throw new SubscriptionError(404, 'ResourceNotFound', `Task list '${match[2]}' was not found.`);
    return { userId: user.id, kind: 'task' as const, folderId: list.id };
  }

  /** Parses `me/mailFolders('Inbox')/messages`, `users/{id}/mailFolders/{id}/messages`, `users/{id}/messages`. */
  private parseMailResource(resource: string, meUserId?: string): { userId: string; folderId?: string } {
    const match = /^\/?(?:(me)|users\/([^/]+))(?:\/mailFolders(?:\('([^']+)'\)|\/([^/]+)))?\/messages$/i.exec(
      resource,
    );
    if (!match) {
      throw new SubscriptionError(
        400,
        'InvalidRequest',
        `Resource '${resource}' is not supported by the sandbox.`,
      );
    }
    const user = match[1]
      ? meUserId && this.options.model.users.get(meUserId)
      : this.options.model.findUser(match[2] ?? '');
    if (!user)
      throw new SubscriptionError(404, 'ResourceNotFound', `User for resource '${resource}' was not found.`);
    const folderRef = match[3] ?? match[4];
    if (!folderRef) return { userId: user.id };
    const folder = this.options.model.resolveFolder(user.id, folderRef);
    if (!folder) throw new SubscriptionError(404, 'ResourceNotFound', `Folder '${folderRef}' was not found.`);
    return { userId: user.id, folderId: folder.id };
  }

  async create(body: Record<string, unknown>, meUserId?: string): Promise<Subscription> {
    const changeTypes = String(body.changeType ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (changeTypes.length === 0 || changeTypes.some((c) => !CHANGE_TYPES.has(c))) {
      throw new SubscriptionError(
        400,
        'InvalidRequest',
        "changeType must be a list of 'created', 'updated', 'deleted'.",
      );
    }
    const notificationUrl = String(body.notificationUrl ?? '');
    if (!/^https?:\/\//.test(notificationUrl)) {
      throw new SubscriptionError(400, 'InvalidRequest', 'notificationUrl must be an absolute URL.');
    }
    const clientState = body.clientState === undefined ? undefined : String(body.clientState);
    if (clientState && clientState.length > CLIENT_STATE_MAX) {
      throw new SubscriptionError(
        400,
        'InvalidRequest',
        `clientState must be at most ${CLIENT_STATE_MAX} characters.`,
      );
    }
    const expiration = this.checkExpiration(body.expirationDateTime);
    const resource = String(body.resource ?? '');
    const target = this.parseResource(resource, meUserId);
    const lifecycleNotificationUrl =
      typeof body.lifecycleNotificationUrl === 'string' ? body.lifecycleNotificationUrl : undefined;

    const active = [...this.subscriptions.values()].filter((x) => x.userId === target.userId && this.live(x));
    if (active.length >= MAX_SUBSCRIPTIONS_PER_MAILBOX) {
      throw new SubscriptionError(
        403,
        'ExtensionError',
        `The mailbox has reached its limit of ${MAX_SUBSCRIPTIONS_PER_MAILBOX} subscriptions.`,
      );
    }
    await this.validate(notificationUrl);
    if (lifecycleNotificationUrl) await this.validate(lifecycleNotificationUrl);

    const subscription: SandboxSubscription = {
      id: randomUUID(),
      userId: target.userId,
      kind: target.kind,
      ...(target.folderId ? { folderId: target.folderId } : {}),
      resource,
      changeTypes: new Set(changeTypes),
      notificationUrl,
      ...(lifecycleNotificationUrl ? { lifecycleNotificationUrl } : {}),
      ...(clientState ? { clientState } : {}),
      expirationDateTime: expiration,
      applicationId: '24d3b144-21ae-4080-943f-7067b395b913',
      creatorId: target.userId,
    };
    this.subscriptions.set(subscription.id, subscription);
    return this.json(subscription);
  }

  renew(id: string, body: Record<string, unknown>): Subscription {
    const subscription = this.mustGet(id);
    subscription.expirationDateTime = this.checkExpiration(body.expirationDateTime);
    return this.json(subscription);
  }

  delete(id: string): void {
    this.mustGet(id);
    this.subscriptions.delete(id);
  }

  get(id: string): Subscription {
    return this.json(this.mustGet(id));
  }

  list(): Subscription[] {
    return [...this.subscriptions.values()].filter((s) => this.mustStillExist(s)).map((s) => this.json(s));
  }

  private live(s: SandboxSubscription): boolean {
    return Date.parse(s.expirationDateTime) > this.now();
  }

  /** Graph deletes a subscription once it expires: from then on it is gone (404), not renewable. */
  private mustStillExist(s: SandboxSubscription): boolean {
    if (this.live(s)) return true;
    this.subscriptions.delete(s.id);
    return false;
  }

  /** Sends a lifecycle notification; `subscriptionRemoved` also ends the subscription, as Graph does. */
  async lifecycle(id: string, event: LifecycleEvent): Promise<void> {
    const subscription = this.mustGet(id);
    const url = subscription.lifecycleNotificationUrl;
    if (!url)
      throw new SubscriptionError(400, 'InvalidRequest', 'The subscription has no lifecycleNotificationUrl.');
    if (event === 'subscriptionRemoved') this.subscriptions.delete(id);
    const payload = {
      value: [
        {
          subscriptionId: subscription.id,
          subscriptionExpirationDateTime: subscription.expirationDateTime,
          tenantId: this.options.tenantId,
          clientState: subscription.clientState ?? null,
          lifecycleEvent: event,
        },
      ],
    };
    // Retried like change notifications: Graph delivers a lifecycle event again after a failure.
    const attempts = (this.options.retries ?? 3) + 1;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if ((await this.post(url, payload, NOTIFICATION_DEADLINE_MS)).delivered) {
        this.stats.lifecycleDelivered++;
        return;
      }
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }

  /** Resolves once every notification under way (batched or posted) has been delivered or given up on. */
  async settle(): Promise<void> {
    for (const url of [...this.batches.keys()]) this.flush(url);
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  close(): void {
    for (const stop of this.unsubscribe) stop();
    for (const batch of this.batches.values()) clearTimeout(batch.timer);
    this.batches.clear();
  }

  private notify(change: MailboxChange): void {
    const now = this.now();
    for (const subscription of this.subscriptions.values()) {
      if (subscription.userId !== change.userId || (subscription.kind ?? 'message') !== 'message') continue;
      if (subscription.folderId && subscription.folderId !== change.folderId) continue;
      if (!subscription.changeTypes.has(change.changeType)) continue;
      if (Date.parse(subscription.expirationDateTime) <= now) continue;
      const id = change.message.immutableId;
      const resource = `Users/${change.userId}/Messages/${id}`;
      const payload = {
        value: [
          {
            id: randomUUID().slice(0, 13),
            subscriptionId: subscription.id,
            subscriptionExpirationDateTime: subscription.expirationDateTime,
            clientState: subscription.clientState ?? null,
            changeType: change.changeType,
            resource,
            tenantId: this.options.tenantId,
            resourceData: {
              '@odata.type': '#Microsoft.Graph.Message',
              '@odata.id': resource,
              '@odata.etag': `W/"${change.message.changeKey}"`,
              id,
            },
          },
        ],
      };
      this.enqueue(subscription.notificationUrl, payload.value[0]);
    }
  }

  private notifyItem(change: ItemChange): void {
    const now = this.now();
    const id = change.item.immutableId;
    const resource =
      change.kind === 'task'
        ? `Users/${change.userId}/todo/lists/${change.collectionId}/tasks/${id}`
        : `Users/${change.userId}/${change.kind === 'contact' ? 'Contacts' : 'Events'}/${id}`;
    const odataType = {
      contact: '#Microsoft.Graph.Contact',
      event: '#Microsoft.Graph.Event',
      task: '#Microsoft.Graph.todoTask',
    };
    for (const subscription of this.subscriptions.values()) {
      if (subscription.userId !== change.userId || subscription.kind !== change.kind) continue;
      if (subscription.folderId && subscription.folderId !== change.collectionId) continue;
      if (!subscription.changeTypes.has(change.changeType)) continue;
      if (Date.parse(subscription.expirationDateTime) <= now) continue;
      this.enqueue(subscription.notificationUrl, {
        id: randomUUID().slice(0, 13),
        subscriptionId: subscription.id,
        subscriptionExpirationDateTime: subscription.expirationDateTime,
        clientState: subscription.clientState ?? null,
        changeType: change.changeType,
        resource,
        tenantId: this.options.tenantId,
        resourceData: {
          '@odata.type': odataType[change.kind],
          '@odata.id': resource,
          '@odata.etag': `W/"${change.item.changeKey}"`,
          id,
        },
      });
    }
  }

  /** Adds a notification to its endpoint's batch, sent when the window closes or the batch is full. */
  private enqueue(url: string, item: unknown): void {
    let batch = this.batches.get(url);
    if (!batch) {
      batch = {
        items: [],
        timer: setTimeout(() => this.flush(url), NOTIFICATION_BATCH_MS),
      };
      this.batches.set(url, batch);
    }
    batch.items.push(item);
    if (batch.items.length >= NOTIFICATION_BATCH_MAX) this.flush(url);
  }

  private flush(url: string): void {
    const batch = this.batches.get(url);
    if (!batch) return;
    clearTimeout(batch.timer);
    this.batches.delete(url);
    const endpoint = this.endpoints.get(url);
    if (endpoint && endpoint.droppedUntil > this.now()) {
      this.stats.dropped += batch.items.length;
      return;
    }
    const delivery = this.deliver(url, { value: batch.items }, batch.items.length);
    this.pending.add(delivery);
    void delivery.finally(() => this.pending.delete(delivery));
  }

  /** Records one answer's speed; an endpoint slow three times in its last ten is dropped for a minute. */
  private record(url: string, slow: boolean): void {
    const endpoint = this.endpoints.get(url) ?? { recent: [], droppedUntil: 0 };
    endpoint.recent.push(slow);
    if (endpoint.recent.length > 10) endpoint.recent.shift();
    if (slow) this.stats.slow++;
    if (endpoint.recent.filter(Boolean).length >= SLOW_TO_DROP) {
      endpoint.droppedUntil = this.now() + DROP_FOR_MS;
      endpoint.recent = [];
    }
    this.endpoints.set(url, endpoint);
  }

  private async deliver(url: string, payload: unknown, count: number): Promise<void> {
    const attempts = (this.options.retries ?? 3) + 1;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const endpoint = this.endpoints.get(url);
      if (endpoint && endpoint.droppedUntil > this.now()) {
        this.stats.dropped += count;
        return;
      }
      this.stats.posts++;
      const started = Date.now();
      const { delivered } = await this.post(url, payload, NOTIFICATION_DEADLINE_MS);
      this.record(url, Date.now() - started >= NOTIFICATION_DEADLINE_MS);
      if (delivered) {
        this.stats.delivered += count;
        return;
      }
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
    this.stats.failed += count;
  }

  /** One POST as Graph makes it; anything but a 2xx within the deadline is a failed delivery. */
  private async post(
    url: string,
    payload: unknown,
    deadlineMs = VALIDATION_TIMEOUT_MS,
  ): Promise<{ delivered: boolean; reason?: string }> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(deadlineMs),
      });
      await response.arrayBuffer();
      const delivered = response.status >= 200 && response.status < 300;
      return delivered ? { delivered } : { delivered, reason: `HTTP ${response.status}` };
    } catch (error) {
      return { delivered: false, reason: (error as Error).message };
    }
  }

  private async validate(url: string): Promise<void> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const target = new URL(url);
    target.searchParams.set('validationToken', token);
    let echoed: string | undefined;
    let status: number | undefined;
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: '',
        signal: AbortSignal.timeout(VALIDATION_TIMEOUT_MS),
      });
      status = response.status;
      echoed = await response.text();
    } catch (error) {
      echoed = `no answer: ${(error as Error).message}`;
    }
    if (status !== 200 || echoed !== token) {
      throw new SubscriptionError(
        400,
        'ValidationError',
        `Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request (got ${status ?? 'no answer'}).`,
      );
    }
  }

  private checkExpiration(value: unknown): string {
    const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(time))
      throw new SubscriptionError(400, 'InvalidRequest', 'expirationDateTime is required.');
    const now = this.now();
    if (time <= now)
      throw new SubscriptionError(400, 'InvalidRequest', 'expirationDateTime must be in the future.');
    if (time > now + MAX_MESSAGE_SUBSCRIPTION_MINUTES * 60_000) {
      throw new SubscriptionError(
        400,
        'InvalidRequest',
        `Subscription expiration can only be ${MAX_MESSAGE_SUBSCRIPTION_MINUTES} minutes in the future.`,
      );
    }
    return new Date(time).toISOString();
  }

  private mustGet(id: string): SandboxSubscription {
    const subscription = this.subscriptions.get(id);
    if (!subscription || !this.mustStillExist(subscription))
      throw new SubscriptionError(404, 'ResourceNotFound', `Subscription ${id} was not found.`);
    return subscription;
  }

  private json(s: SandboxSubscription): Subscription & { notificationContentType: string } {
    return {
      id: s.id,
      resource: s.resource,
      applicationId: s.applicationId,
      changeType: [...s.changeTypes].join(','),
      clientState: s.clientState ?? null,
      notificationUrl: s.notificationUrl,
      lifecycleNotificationUrl: s.lifecycleNotificationUrl ?? null,
      expirationDateTime: s.expirationDateTime,
      creatorId: s.creatorId,
      latestSupportedTlsVersion: 'v1_2',
      notificationContentType: 'application/json',
    };
  }
}
