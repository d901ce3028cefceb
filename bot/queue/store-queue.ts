import { randomUUID } from 'node:crypto';
import { AppError } from '../errors/app-error.ts';
import { CONTAINERS } from '../store/containers.ts';
import type { Collection, Doc, Store } from '../store/store.port.ts';
import type { JobQueue, QueuedMessage } from './queue.port.ts';

/**
 * The embedded queue, kept in the store: a message is a document whose `visibleAt` hides it while
 * a receiver works on it. Taking a message is an etag-guarded write, so two workers (threads or
 * processes sharing the store) never both get it.
 */

interface QueueDoc<T> extends Doc {
  body: T;
  visibleAt: number;
  dequeueCount: number;
  insertedAt: string;
  receipt: string;
  poisonReason?: string;
  poisonedAt?: string;
}

export class StoreQueue<T> implements JobQueue<T> {
  readonly name: string;
  private readonly items: Collection<QueueDoc<T>>;
  private readonly now: () => number;

  constructor(store: Store, name: string, options: { now?: () => number } = {}) {
    this.name = name;
    this.items = store.collection<QueueDoc<T>>(CONTAINERS.queue);
    this.now = options.now ?? Date.now;
  }

  private get poisonPk(): string {
    return `${this.name}-poison`;
  }

  async init(): Promise<void> {
    // The container is created with the store; a queue is only a partition in it.
  }

  async send(body: T, options: { delaySeconds?: number } = {}): Promise<void> {
    await this.items.create({
      id: randomUUID(),
      pk: this.name,
      body,
      visibleAt: this.now() + (options.delaySeconds ?? 0) * 1000,
      dequeueCount: 0,
      insertedAt: new Date(this.now()).toISOString(),
      receipt: '',
    });
  }

  async receive(options: { max: number; visibilitySeconds: number }): Promise<QueuedMessage<T>[]> {
    const page = await this.items.query(this.name, {
      filters: [{ field: 'visibleAt', op: '<=', value: this.now() }],
      orderBy: { field: 'visibleAt', direction: 'asc' },
      limit: Math.max(options.max * 2, 10),
    });
    const taken: QueuedMessage<T>[] = [];
    for (const { value, etag } of page.items) {
      if (taken.length >= options.max) break;
      const next: QueueDoc<T> = {
        ...value,
        visibleAt: this.now() + options.visibilitySeconds * 1000,
        dequeueCount: value.dequeueCount + 1,
        receipt: randomUUID(),
      };
      try {
        await this.items.replace(next, { ifMatch: etag });
        taken.push(this.message(next));
      } catch (error) {
        // Another receiver took it between the query and the write: not ours.
        if (!AppError.is(error, 'store.precondition_failed') && !AppError.is(error, 'store.not_found'))
          throw error;
      }
    }
    return taken;
  }

  async complete(message: QueuedMessage<T>): Promise<void> {
    const current = await this.held(message);
    await this.items.delete(this.name, message.id, { ifMatch: current.etag });
  }

  async extend(message: QueuedMessage<T>, visibilitySeconds: number): Promise<QueuedMessage<T>> {
    return this.hide(message, visibilitySeconds);
  }

  async release(message: QueuedMessage<T>, delaySeconds = 0): Promise<QueuedMessage<T>> {
    return this.hide(message, delaySeconds);
  }

  async poison(message: QueuedMessage<T>, reason: string): Promise<void> {
    const current = await this.held(message);
    await this.items.upsert({
      ...current.value,
      pk: this.poisonPk,
      visibleAt: Number.MAX_SAFE_INTEGER,
      poisonReason: reason,
      poisonedAt: new Date(this.now()).toISOString(),
    });
    await this.items.delete(this.name, message.id, { ifMatch: current.etag });
  }

  async poisoned(max = 50) {
    const page = await this.items.query(this.poisonPk, { limit: max });
    return page.items.map(({ value }) => ({
      body: value.body,
      reason: value.poisonReason ?? '',
      dequeueCount: value.dequeueCount,
      poisonedAt: value.poisonedAt ?? '',
    }));
  }

  async ping(): Promise<void> {
    await this.items.count(this.name);
  }

  private message(doc: QueueDoc<T>): QueuedMessage<T> {
    return {
      id: doc.id,
      receipt: doc.receipt,
      body: doc.body,
      dequeueCount: doc.dequeueCount,
      insertedAt: doc.insertedAt,
    };
  }

  private async hide(message: QueuedMessage<T>, seconds: number): Promise<QueuedMessage<T>> {
    const current = await this.held(message);
    const next = { ...current.value, visibleAt: this.now() + seconds * 1000, receipt: randomUUID() };
    try {
      await this.items.replace(next, { ifMatch: current.etag });
    } catch (error) {
      if (AppError.is(error, 'store.precondition_failed')) throw this.expired(message);
      throw error;
    }
    return this.message(next);
  }

  /** The message as stored, if the caller's receipt is still the current one. */
  private async held(message: QueuedMessage<T>) {
    const current = await this.items.read(this.name, message.id);
    if (!current || current.value.receipt !== message.receipt) throw this.expired(message);
    return current;
  }

  private expired(message: QueuedMessage<T>): AppError {
    return new AppError(
      'queue.receipt_expired',
      `message ${message.id} of ${this.name} is no longer held by this receiver`,
      {
        context: { queue: this.name, id: message.id },
      },
    );
  }
}
