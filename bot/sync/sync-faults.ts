import { AppError, isNetworkError } from '../errors/app-error.ts';

/**
 * What the sync makes of a failure, for every kind of item: whether it is the item's fault (and
 * costs one of its three degrading attempts) or an outage (the run pauses and comes back), and the
 * bounded pool a page's items are worked through with.
 */

/**
 * Whether a failed attempt says something about the item itself (an email, a contact, a task, an
 * event), and so may cost one of its three degrading attempts. Faults of the infrastructure say
 * nothing about it: a store or CRM that is unavailable or throttling, Graph throttling or
 * unavailable (but a 500 on this very item is about it), a network error, a lost lease. Those stop
 * the run, which comes back to the same item, whole, later. Any other error (the CRM refusing the
 * item, an attachment the store cannot take, a fault we do not know) counts against the item:
 * retrying it unchanged for ever would stop the mailbox's sync at that item.
 */
export function aboutThePayload(error: unknown): boolean {
  if (error instanceof AppError) {
    switch (error.code) {
      case 'store.unavailable':
      case 'store.throttled':
      case 'crm.unavailable':
      case 'mail.throttled':
      case 'mail.needs_consent':
      case 'sync.lease_lost':
        return false;
      case 'mail.unavailable':
        return error.context.status === 500;
      default:
        return true;
    }
  }
  return !isNetworkError(error);
}

/**
 * An outage: not the email's fault, and not one the user must act on (consent) or another run's
 * (a lost lease). The run pauses and is tried again; the emails in hand wait as pending. One rule
 * for both, so an email is never marked as waiting for a try that the run will not make.
 */
export function isOutage(error: unknown): boolean {
  return (
    !aboutThePayload(error) &&
    !AppError.is(error, 'mail.needs_consent') &&
    !AppError.is(error, 'sync.lease_lost')
  );
}

/**
 * Runs `work` over `items`, `limit` at a time. On the first failure no further item is started;
 * the ones under way are let finish, then the failure is thrown: nothing keeps writing after the
 * run has stopped (and perhaps given up its lease).
 */
export async function pool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (!failure && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  });
  await Promise.all(runners);
  if (failure) throw failure.error;
}

/**
 * A failed attempt that is not the item's fault: the run stops here (this always throws). In an
 * outage the item waits for the run's next try, when something will make it (`retried`: the worker
 * resumes a run, and queues a retry likewise), marked pending with when that is; a hand-picked
 * sync (Associate, Outlook) tells the user instead, and its item keeps the status it had. The store
 * may be what is down: then the mark is lost, but the run's place is not.
 */
export async function stopForFault<E>(
  error: unknown,
  options: {
    retried: boolean;
    retryAt: Date;
    pending: (reason: string, retryAt: string) => E | undefined;
    record: (entry: E) => Promise<void> | void;
  },
): Promise<never> {
  if (isOutage(error) && options.retried) {
    const entry = options.pending((error as Error).message, options.retryAt.toISOString());
    if (entry) await Promise.resolve(options.record(entry)).catch(() => undefined);
  }
  throw error;
}
