import type { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { AppError } from '../errors/app-error.ts';
import type { JobQueue, QueuedMessage } from './queue.port.ts';

/**
 * Azure Storage queues. In Azure the client uses the app's managed identity (Storage Queue Data
 * Contributor); tests run the real SDK against Azurite. The poison queue is `<name>-poison`, as
 * Azure Functions names it, so operators find it where they expect.
 */

/** Azure Storage keeps a message at most 7 days unless told otherwise; -1 keeps it until it is deleted. */
const NEVER_EXPIRE = -1;

function translate(error: unknown, queue: string): unknown {
  const status = (error as { statusCode?: number }).statusCode;
  if (status === 404 || status === 400) {
    const code = (error as { code?: string }).code ?? '';
    if (/PopReceiptMismatch|MessageNotFound/.test(code) || status === 404) {
      return new AppError(
        'queue.receipt_expired',
        `a message of ${queue} is no longer held by this receiver`,
        { cause: error, context: { queue, code } },
      );
    }
  }
  if (status === undefined || status >= 500) {
    return new AppError(
      'queue.unavailable',
      `Azure Storage queue ${queue} cannot be reached: ${(error as Error).message}`,
      { cause: error, context: { queue } },
    );
  }
  return error;
}

export class StorageQueue<T> implements JobQueue<T> {
  readonly name: string;
  private readonly queue: QueueClient;
  private readonly poisonQueue: QueueClient;

  constructor(service: QueueServiceClient, name: string) {
    this.name = name;
    this.queue = service.getQueueClient(name);
    this.poisonQueue = service.getQueueClient(`${name}-poison`);
  }

  async init(): Promise<void> {
    await this.queue.createIfNotExists();
    await this.poisonQueue.createIfNotExists();
  }

  async send(body: T, options: { delaySeconds?: number } = {}): Promise<void> {
    try {
      await this.queue.sendMessage(JSON.stringify(body), {
        messageTimeToLive: NEVER_EXPIRE,
        ...(options.delaySeconds ? { visibilityTimeout: Math.ceil(options.delaySeconds) } : {}),
      });
    } catch (error) {
      throw translate(error, this.name);
    }
  }

  async receive(options: { max: number; visibilitySeconds: number }): Promise<QueuedMessage<T>[]> {
    try {
      // Azure hands out at most 32 messages per call.
      const response = await this.queue.receiveMessages({
        numberOfMessages: Math.min(32, options.max),
        visibilityTimeout: Math.max(1, Math.ceil(options.visibilitySeconds)),
      });
      return response.receivedMessageItems.map((item) => ({
        id: item.messageId,
        receipt: item.popReceipt,
        body: JSON.parse(item.messageText) as T,
        dequeueCount: item.dequeueCount,
        insertedAt: item.insertedOn.toISOString(),
      }));
    } catch (error) {
      throw translate(error, this.name);
    }
  }

  async complete(message: QueuedMessage<T>): Promise<void> {
    try {
      await this.queue.deleteMessage(message.id, message.receipt);
    } catch (error) {
      throw translate(error, this.name);
    }
  }

  async extend(message: QueuedMessage<T>, visibilitySeconds: number): Promise<QueuedMessage<T>> {
    return this.hide(message, Math.max(1, Math.ceil(visibilitySeconds)));
  }

  async release(message: QueuedMessage<T>, delaySeconds = 0): Promise<QueuedMessage<T>> {
    return this.hide(message, Math.ceil(delaySeconds));
  }

  async poison(message: QueuedMessage<T>, reason: string): Promise<void> {
    try {
      await this.poisonQueue.sendMessage(
        JSON.stringify({
          body: message.body,
          reason,
          dequeueCount: message.dequeueCount,
          poisonedAt: new Date().toISOString(),
        }),
        { messageTimeToLive: NEVER_EXPIRE },
      );
      await this.queue.deleteMessage(message.id, message.receipt);
    } catch (error) {
      throw translate(error, this.name);
    }
  }

  async poisoned(max = 32) {
    const response = await this.poisonQueue.peekMessages({ numberOfMessages: Math.min(32, max) });
    return response.peekedMessageItems.map(
      (item) =>
        JSON.parse(item.messageText) as { body: T; reason: string; dequeueCount: number; poisonedAt: string },
    );
  }

  async ping(): Promise<void> {
    try {
      await this.queue.getProperties();
    } catch (error) {
      throw translate(error, this.name);
    }
  }

  private async hide(message: QueuedMessage<T>, seconds: number): Promise<QueuedMessage<T>> {
    try {
      const response = await this.queue.updateMessage(message.id, message.receipt, undefined, seconds);
      return { ...message, receipt: response.popReceipt ?? message.receipt };
    } catch (error) {
      throw translate(error, this.name);
    }
  }
}
