import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AppError } from '../errors/app-error.ts';

/**
 * HTTP to Microsoft Graph with the one retry policy: 429, 503 and 504 and dropped connections are
 * retried, honouring Retry-After, with jittered exponential backoff; everything else becomes an
 * AppError code the sync engine acts on. Requests for one mailbox run at most
 * MAX_CONCURRENT_REQUESTS_PER_MAILBOX at a time.
 */

/** Exchange Online allows 4 concurrent requests per app per mailbox ("MailboxConcurrency" throttling). */
export const MAX_CONCURRENT_REQUESTS_PER_MAILBOX = 4;

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** A JSON answer comes well within this; a download (up to 150 MB) gets longer. */
const REQUEST_TIMEOUT_MS = 100_000;
const DOWNLOAD_TIMEOUT_MS = 15 * 60_000;

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 6, baseDelayMs: 500, maxDelayMs: 60_000 };

export interface GraphHttpOptions {
  baseUrl: string;
  token: () => Promise<string>;
  retry?: RetryPolicy;
  /**
   * Tests replace the wait between retries; `retryAfterMs` is what Graph's Retry-After asked for,
   * if it did; `signal`, when the request has one: the wait may end early once it is aborted.
   */
  sleep?: (ms: number, retryAfterMs?: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** Slots per mailbox; a request may take several at once (a `$batch` runs up to four requests). */
class Semaphore {
  private active = 0;
  private waiting: Array<() => void> = [];
  private readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  async run<T>(work: () => Promise<T>, weight = 1): Promise<T> {
    const need = Math.min(weight, this.limit);
    // All slots at once or none: taking them one by one could deadlock two batches.
    while (this.active + need > this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += need;
    try {
      return await work();
    } finally {
      this.active -= need;
      const woken = this.waiting;
      this.waiting = [];
      for (const wake of woken) wake();
    }
  }
}

/** One request of a JSON `$batch`, and its answer. */
export interface BatchRequest {
  id: string;
  method: string;
  url: string;
}
export interface BatchResponse<T = unknown> {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: T;
}

/** A header of a `$batch` inner answer, whose names come in any case. */
export function headerOf(headers: Record<string, string> | undefined, name: string): string | undefined {
  return Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1];
}

/** Exchange runs at most four of a batch's requests at once; the batch holds that many of the mailbox's slots. */
const BATCH_PARALLELISM = 4;

const RETRYABLE_STATUS = new Set([429, 503, 504]);
/**
 * Graph's ways of saying a delta or skip token no longer works, compared without case: Graph's own
 * `resyncRequired`, Outlook's `SyncStateNotFound` (410) and `SyncStateInvalid` (400 or 410), and
 * the older `InvalidSyncStateData`. Any of them, whatever the status, starts the folder over.
 */
const SYNC_RESET_CODES = new Set([
  'resyncrequired',
  'syncstatenotfound',
  'syncstateinvalid',
  'invalidsyncstatedata',
]);

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

async function errorBody(response: Response): Promise<{ code?: string; message?: string }> {
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    return body.error ?? {};
  } catch (error) {
    return { message: `unreadable error body (${(error as Error).message})` };
  }
}

export class GraphHttp {
  private readonly options: GraphHttpOptions;
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number, retryAfterMs?: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly mailboxes = new Map<string, Semaphore>();
  requestCount = 0;

  constructor(options: GraphHttpOptions) {
    this.options = options;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.sleep = options.sleep ?? waitUnlessAborted;
    this.random = options.random ?? Math.random;
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  private semaphoreOf(mailbox: string): Semaphore {
    let semaphore = this.mailboxes.get(mailbox);
    if (!semaphore) {
      semaphore = new Semaphore(MAX_CONCURRENT_REQUESTS_PER_MAILBOX);
      this.mailboxes.set(mailbox, semaphore);
    }
    return semaphore;
  }

  /**
   * Raw bytes (an attachment's `$value`) as a stream, never whole in memory: retried like any
   * request until the answer starts, and holding one of the mailbox's slots until the stream is
   * read to its end (Exchange counts the request until then).
   */
  async download(mailbox: string, pathOrUrl: string): Promise<Readable> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.options.baseUrl}${pathOrUrl}`;
    const semaphore = this.semaphoreOf(mailbox);
    for (let attempt = 0; ; attempt++) {
      let opened!: (outcome: Opened) => void;
      const answer = new Promise<Opened>((resolve) => {
        opened = resolve;
      });
      void semaphore.run(async () => {
        const outcome = await this.send(
          'GET',
          url,
          { headers: { prefer: 'IdType="ImmutableId"' } },
          DOWNLOAD_TIMEOUT_MS,
        );
        if (!outcome.ok) {
          opened(outcome);
          return;
        }
        const stream = outcome.response.body
          ? Readable.fromWeb(outcome.response.body as WebReadableStream)
          : Readable.from([]);
        const done = new Promise<void>((resolve) => stream.once('close', resolve));
        opened({ ok: true, stream });
        await done;
      });
      const outcome = await answer;
      if (outcome.ok) return outcome.stream;
      if (!outcome.retryable || attempt >= this.retry.maxRetries) throw outcome.error;
      await this.pause(attempt, outcome.retryAfterMs);
    }
  }

  /**
   * Waits before retry `attempt`: Retry-After is the floor; backoff doubles from there, and jitter
   * spreads a storm's retries; never longer than the policy's longest wait. A request abandoned
   * while it waits (its `signal`) throws the signal's reason at once, not after a Retry-After of
   * up to a minute.
   */
  private async pause(
    attempt: number,
    retryAfterMs: number | undefined,
    signal?: AbortSignal,
  ): Promise<void> {
    const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
    const wait = Math.max(retryAfterMs ?? 0, backoff * (0.5 + this.random() / 2));
    signal?.throwIfAborted();
    await this.sleep(Math.min(wait, this.retry.maxDelayMs), retryAfterMs, signal);
    signal?.throwIfAborted();
  }

  /**
   * One request, retried as Graph asks. `signal`: the caller no longer wants the answer (a page
   * read ahead for a folder that has stopped): the request is abandoned, and not sent again.
   */
  async request<T>(
    mailbox: string,
    method: string,
    pathOrUrl: string,
    init: { headers?: Record<string, string>; body?: unknown; signal?: AbortSignal } = {},
  ): Promise<T> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.options.baseUrl}${pathOrUrl}`;
    const semaphore = this.semaphoreOf(mailbox);
    const weight = pathOrUrl.endsWith('/$batch')
      ? Math.min(BATCH_PARALLELISM, ((init.body as { requests?: unknown[] })?.requests ?? []).length)
      : 1;
    for (let attempt = 0; ; attempt++) {
      // Abandoned: its caller waits for no answer (it throws the signal's reason, as fetch does),
      // and it is not sent again, nor sent at all once its turn for a slot comes.
      const outcome = await semaphore.run(() => {
        init.signal?.throwIfAborted();
        return this.once(method, url, init);
      }, weight);
      init.signal?.throwIfAborted();
      if (outcome.ok) return outcome.value as T;
      if (!outcome.retryable || attempt >= this.retry.maxRetries) throw outcome.error;
      await this.pause(attempt, outcome.retryAfterMs, init.signal);
    }
  }

  /**
   * A JSON `$batch` whose inner answers are held to the same policy as single requests: an inner
   * 429, 503 or 504 is sent again (only it) after its own Retry-After, with backoff, and throws like
   * a single request once retries run out. Graph throttles inside a batch as outside it, so an inner
   * 429 is never an answer about the resource.
   */
  async batch<T>(mailbox: string, requests: readonly BatchRequest[]): Promise<Map<string, BatchResponse<T>>> {
    const answers = new Map<string, BatchResponse<T>>();
    let pending = [...requests];
    for (let attempt = 0; pending.length > 0; attempt++) {
      const { responses } = await this.request<{ responses: Array<BatchResponse<T>> }>(
        mailbox,
        'POST',
        '/$batch',
        {
          body: { requests: pending },
        },
      );
      let retryAfter = 0;
      const again: BatchRequest[] = [];
      for (const response of responses) {
        if (RETRYABLE_STATUS.has(response.status)) {
          retryAfter = Math.max(
            retryAfter,
            retryAfterMs(headerOf(response.headers, 'retry-after') ?? null) ?? 0,
          );
          const request = pending.find((r) => r.id === response.id);
          if (request) again.push(request);
        } else {
          answers.set(response.id, response);
        }
      }
      if (again.length === 0) break;
      if (attempt >= this.retry.maxRetries) {
        throw new AppError(
          'mail.throttled',
          `Microsoft Graph kept throttling ${again.length} request(s) of a batch`,
          {
            context: { ids: again.map((r) => r.id) },
          },
        );
      }
      await this.pause(attempt, retryAfter > 0 ? retryAfter : undefined);
      pending = again;
    }
    return answers;
  }

  /** One HTTP exchange: the response when it is a 2xx, else what its failure means. */
  private async send(
    method: string,
    url: string,
    init: { headers?: Record<string, string>; body?: unknown; signal?: AbortSignal },
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<{ ok: true; response: Response } | Failure> {
    this.requestCount++;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${await this.options.token()}`,
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...init.headers,
        },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
        signal: init.signal
          ? AbortSignal.any([AbortSignal.timeout(timeoutMs), init.signal])
          : AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      return {
        ok: false,
        retryable: true,
        error: new AppError(
          'mail.unavailable',
          `Microsoft Graph could not be reached: ${(error as Error).message}`,
          {
            cause: error,
            context: { network: true },
          },
        ),
      };
    }
    if (response.ok) return { ok: true, response };
    const body = await errorBody(response);
    return failure(response.status, body, (name) => response.headers.get(name));
  }

  private async once(
    method: string,
    url: string,
    init: { headers?: Record<string, string>; body?: unknown; signal?: AbortSignal },
  ): Promise<{ ok: true; value: unknown } | Failure> {
    const outcome = await this.send(method, url, init);
    if (!outcome.ok) return outcome;
    const response = outcome.response;
    const text = await response.text();
    return { ok: true, value: text ? JSON.parse(text) : undefined };
  }
}

/** `ms`, or less once `signal` is aborted (its timer cleared then). */
function waitUnlessAborted(ms: number, _retryAfterMs?: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

type Failure = { ok: false; retryable: boolean; retryAfterMs?: number; error: AppError };
type Opened = { ok: true; stream: Readable } | Failure;

/**
 * What a Graph error answer means to the sync, whether it came on its own or inside a `$batch`:
 * retryable (429, 503, 504, with Retry-After), a mailbox the app may not read (and why, in words
 * for the user and their admin), a missing item, a sync state to start over, or a bad request.
 */
export function failure(
  status: number,
  body: { code?: string; message?: string },
  header: (name: string) => string | null | undefined,
): Failure {
  const context = { status, graphCode: body.code };
  const message = `Microsoft Graph answered ${status} ${body.code ?? ''}: ${body.message ?? ''}`.trim();
  if (RETRYABLE_STATUS.has(status)) {
    const code = status === 429 ? 'mail.throttled' : 'mail.unavailable';
    const wait = retryAfterMs(header('retry-after') ?? null);
    return {
      ok: false,
      retryable: true,
      ...(wait !== undefined ? { retryAfterMs: wait } : {}),
      error: new AppError(code, message, { context }),
    };
  }
  const graphCode = body.code?.toLowerCase();
  if (graphCode === 'mailboxnotenabledforrestapi') {
    return {
      ok: false,
      retryable: false,
      error: new AppError(
        'mail.needs_consent',
        'Exchange Online does not host this mailbox (no Exchange Online license, inactive, or on-premises), so Microsoft Graph cannot read it. Your admin can check the license.',
        { context },
      ),
    };
  }
  if (status === 403 && graphCode === 'erroraccessdenied') {
    return {
      ok: false,
      retryable: false,
      error: new AppError(
        'mail.needs_consent',
        "CRM Sync may not read this mailbox: your admin has not granted CRM Sync's Graph permissions, or Exchange's application access policy (RBAC for Applications) leaves this mailbox out of CRM Sync's scope. Your admin can add it.",
        { context },
      ),
    };
  }
  const code =
    status === 401 || status === 403
      ? 'mail.needs_consent'
      : status === 404
        ? 'mail.not_found'
        : status === 410 || SYNC_RESET_CODES.has(graphCode ?? '')
          ? 'mail.delta_reset'
          : status >= 500
            ? 'mail.unavailable'
            : 'mail.bad_request';
  return {
    ok: false,
    retryable: status >= 500 && code === 'mail.unavailable',
    error: new AppError(code, message, { context: { ...context, location: header('location') ?? null } }),
  };
}
