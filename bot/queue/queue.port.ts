/**
 * The job queue port: at-least-once delivery with visibility timeouts and delayed messages, the
 * shape of Azure Storage queues. Adapters: Azure Storage queues (Azure) and an embedded queue in the
 * store (one machine). Jobs carry ids, never payloads; a handler must be safe to run twice.
 */

export interface QueuedMessage<T> {
  id: string;
  /** Proves the receiver still holds the message; changes on every receive and extend. */
  receipt: string;
  body: T;
  /** How many times it has been handed out, this time included. */
  dequeueCount: number;
  insertedAt: string;
}

export interface JobQueue<T> {
  readonly name: string;
  /** Creates the queue (and its poison queue) if missing; safe at every start. */
  init(): Promise<void>;
  send(body: T, options?: { delaySeconds?: number }): Promise<void>;
  /** Up to `max` visible messages, hidden from other receivers for `visibilitySeconds`. */
  receive(options: { max: number; visibilitySeconds: number }): Promise<QueuedMessage<T>[]>;
  /** Done: the message is gone. Fails with `queue.receipt_expired` if someone else took it meanwhile. */
  complete(message: QueuedMessage<T>): Promise<void>;
  /** Still working: keeps the message hidden longer. Returns it with its new receipt. */
  extend(message: QueuedMessage<T>, visibilitySeconds: number): Promise<QueuedMessage<T>>;
  /** Give it back: visible again now, or after `delaySeconds` (a retry with backoff). */
  release(message: QueuedMessage<T>, delaySeconds?: number): Promise<QueuedMessage<T>>;
  /** Failed for good: moved to the poison queue with the reason, never silently dropped. */
  poison(message: QueuedMessage<T>, reason: string): Promise<void>;
  /** What is in the poison queue, for the errors view and operators. */
  poisoned(
    max?: number,
  ): Promise<Array<{ body: T; reason: string; dequeueCount: number; poisonedAt: string }>>;
  ping(): Promise<void>;
}
