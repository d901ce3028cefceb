/**
 * The one error model: a string code that policy code can switch on, a message for people,
 * the cause (a vendor error, kept for logs) and context (ids, never secrets or email bodies).
 */
export type AppErrorCode =
  | 'config.invalid'
  | 'store.not_found'
  | 'store.conflict'
  | 'store.precondition_failed'
  | 'store.throttled'
  | 'store.unavailable'
  | 'store.invalid_query'
  | 'store.too_large'
  | 'mail.throttled'
  | 'mail.unavailable'
  | 'mail.delta_reset'
  | 'mail.needs_consent'
  | 'mail.not_found'
  | 'mail.bad_request'
  | 'crm.unavailable'
  | 'crm.rejected'
  | 'sync.lease_lost'
  /** A sync the user asked for stopped on an outage; it is tried again on its own. */
  | 'sync.paused'
  | 'queue.receipt_expired'
  | 'queue.unavailable'
  | 'auth.unauthenticated'
  | 'auth.forbidden'
  | 'input.invalid'
  | 'input.too_large'
  /** A resume larger than the reader's size or page limit (the message names the limit). */
  | 'capture.too_large'
  /** A file the resume reader does not read (e.g. a Word 97 .doc, an image). */
  | 'capture.unsupported'
  /** No text could be read: a scanned or encrypted PDF, a damaged file. */
  | 'capture.unreadable'
  /** The reader ran past its time limit and was stopped. */
  | 'capture.timeout'
  /** The reader has more resumes waiting than it takes: nothing was read; try again shortly. */
  | 'capture.busy'
  | 'internal';

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    code: AppErrorCode,
    message: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.context = options.context ?? {};
  }

  static is(error: unknown, code?: AppErrorCode): error is AppError {
    return error instanceof AppError && (code === undefined || error.code === code);
  }
}

/** Socket-level failure codes: the peer was not reached (or stopped answering), whatever the request. */
const NETWORK_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'TimeoutError',
]);

/** Whether an error is a network failure (by its Node `code`), not an answer from the peer. */
export function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && NETWORK_ERRNOS.has(code);
}
