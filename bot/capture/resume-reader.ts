import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AppError, type AppErrorCode } from '../errors/app-error.ts';
import { reason, tooLarge, unreadable } from './capture-errors.ts';
import { megabytes, resolveLimits } from './resume-limits.ts';
import { RESUME_FORMATS } from './resume-text.ts';
import type { ReadRequest, ReadReply } from './resume-worker.ts';
import type { ParsedResume, ReadOptions, ReaderLimits, ResumeInput, ResumeReader } from './resume.port.ts';

const MB = 1024 * 1024;
const WORKER_URL = new URL('./resume-worker.ts', import.meta.url);

export interface ResumeReaderOptions {
  /** Worker threads; defaults to min(2, available cores). */
  poolSize?: number;
  /**
   * Reads waiting for a worker, at most; more are refused at once (`capture.busy`). Defaults to
   * four per worker: a burst of hostile files cannot queue work (and their bytes) without end.
   */
  maxWaiting?: number;
  /**
   * A read that waited longer than this for a worker is not started (`capture.busy`): its caller
   * (Teams waits 5 s) has given up. Defaults to twice the time limit, and at least 5 s so a worker's
   * start (loading pdf.js, about a second) never counts against a read.
   */
  maxWaitMs?: number;
  /** The worker's module; tests pass one that crashes. Defaults to resume-worker.ts. */
  workerUrl?: URL;
}

interface Job {
  /** When it was asked for: a read that waited longer than the time limit is not started. */
  queuedAt: number;
  request: ReadRequest;
  resolve: (resume: ParsedResume) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  job?: Job;
  timer?: NodeJS.Timeout;
  /** The worker has loaded its libraries and takes reads. */
  ready: boolean;
  dead: boolean;
}

/**
 * The resume reader: reads run in a small pool of worker threads, each with a heap limit sized
 * from the file limit and a wall-clock limit per read. A read past its time has its worker ended
 * (`capture.timeout`); a worker that dies (out of memory, a crash) fails its read as
 * `capture.unreadable`; either way a fresh worker takes its place and the host process carries on.
 * Idle workers do not keep the process alive.
 */
export function createResumeReader(
  limits: Partial<ReaderLimits> = {},
  options: ResumeReaderOptions = {},
): ResumeReader {
  const resolved = resolveLimits(limits);
  const size = Math.max(1, options.poolSize ?? Math.min(2, availableParallelism()));
  const maxWaiting = Math.max(1, options.maxWaiting ?? size * 4);
  const maxWaitMs = options.maxWaitMs ?? Math.max(2 * resolved.timeMs, 5_000);
  /** When a worker last became ready: time spent waiting for a worker to start is not held against a read. */
  let readyAt = 0;
  // pdf.js holds the file, its parsed objects and the text: a few times the file, plus the code.
  const maxOldGenerationSizeMb = Math.ceil((6 * resolved.maxBytes) / MB) + 96;
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextId = 1;
  let closed = false;

  const settle = (slot: Slot, outcome: { resume: ParsedResume } | { error: Error }) => {
    const job = slot.job;
    if (!job) return;
    clearTimeout(slot.timer);
    slot.job = undefined;
    slot.timer = undefined;
    if ('resume' in outcome) job.resolve(outcome.resume);
    else job.reject(outcome.error);
  };

  const retire = (slot: Slot) => {
    slot.dead = true;
    const at = slots.indexOf(slot);
    if (at >= 0) slots.splice(at, 1);
  };

  const spawn = (): Slot => {
    const worker = new Worker(options.workerUrl ?? WORKER_URL, {
      resourceLimits: { maxOldGenerationSizeMb },
    });
    const slot: Slot = { worker, ready: false, dead: false };
    worker.on('message', (reply: ReadReply) => {
      if (slot.dead) return;
      if ('ready' in reply) {
        slot.ready = true;
        readyAt = Date.now();
        dispatch();
        if (!slot.job) worker.unref();
        return;
      }
      if (reply.id !== slot.job?.request.id) return;
      settle(slot, reply.ok ? { resume: reply.resume } : { error: toAppError(reply.error) });
      worker.unref();
      dispatch();
    });
    worker.on('error', (error) => {
      if (slot.dead) return;
      retire(slot);
      if (!slot.ready) failStart(error);
      settle(slot, { error: unreadable(`The reader stopped on this file: ${reason(error)}`, error) });
      dispatch();
    });
    worker.on('exit', (code) => {
      if (slot.dead) return;
      retire(slot);
      if (!slot.ready) failStart(new Error(`exit code ${code}`));
      settle(slot, { error: unreadable(`The reader stopped on this file (exit code ${code}).`) });
      dispatch();
    });
    // Referenced while it starts for the reads waiting on it; unreferenced whenever idle.
    slots.push(slot);
    return slot;
  };

  /** A worker that cannot even start fails what waits, instead of being started again forever. */
  const failStart = (error: unknown) => {
    for (const job of queue.splice(0))
      job.reject(new AppError('internal', `The resume reader could not start: ${reason(error)}`));
  };

  const dispatch = () => {
    while (queue.length > 0 && !closed) {
      const slot = slots.find((s) => s.ready && !s.job);
      if (!slot) {
        const starting = slots.filter((s) => !s.ready).length;
        if (slots.length < size && starting < queue.length) spawn();
        return;
      }
      const job = queue.shift()!;
      // Its caller has waited too long already (Teams has given up): not read at all.
      if (Date.now() - Math.max(job.queuedAt, readyAt) > maxWaitMs) {
        job.reject(busy());
        continue;
      }
      slot.job = job;
      slot.worker.ref();
      slot.timer = setTimeout(() => {
        retire(slot);
        settle(slot, { error: new AppError('capture.timeout', timeoutMessage(resolved.timeMs)) });
        void slot.worker.terminate();
        dispatch();
      }, resolved.timeMs);
      slot.worker.postMessage(job.request, [job.request.bytes]);
    }
  };

  return {
    limits: resolved,
    read(input: ResumeInput, readOptions: ReadOptions): Promise<ParsedResume> {
      if (closed) return Promise.reject(new AppError('internal', 'The resume reader is closed.'));
      const refusal = refuse(input, resolved);
      if (refusal) return Promise.reject(refusal);
      // One copy, into memory the worker then owns (transferred, not cloned); the caller's buffer
      // stays as it was.
      const bytes = input.bytes.buffer.slice(
        input.bytes.byteOffset,
        input.bytes.byteOffset + input.bytes.byteLength,
      );
      const request: ReadRequest = {
        id: nextId++,
        bytes: bytes as ArrayBuffer,
        format: input.format,
        options: {
          skills: [...readOptions.skills],
          ...(readOptions.defaultCountry ? { defaultCountry: readOptions.defaultCountry } : {}),
        },
        limits: resolved,
      };
      if (queue.length >= maxWaiting) return Promise.reject(busy());
      return new Promise<ParsedResume>((resolve, reject) => {
        queue.push({ queuedAt: Date.now(), request, resolve, reject });
        dispatch();
      });
    },
    async close(): Promise<void> {
      closed = true;
      for (const job of queue.splice(0))
        job.reject(new AppError('internal', 'The resume reader was closed.'));
      const ending = slots.splice(0);
      for (const slot of ending) {
        slot.dead = true;
        settle(slot, { error: new AppError('internal', 'The resume reader was closed.') });
      }
      await Promise.all(ending.map((slot) => slot.worker.terminate()));
    },
  };
}

/** What is refused before any parsing: an unknown format, an empty or oversized file. */
function refuse(input: ResumeInput, limits: ReaderLimits): AppError | undefined {
  if (!RESUME_FORMATS.has(input.format)) {
    return new AppError(
      'capture.unsupported',
      `Resumes in this format (${String(input.format)}) are not read.`,
    );
  }
  if (!(input.bytes instanceof Uint8Array)) return unreadable('No file was given.');
  if (input.bytes.byteLength === 0) return unreadable('This file is empty.');
  if (input.bytes.byteLength > limits.maxBytes) {
    return tooLarge(
      `This file is ${megabytes(input.bytes.byteLength)}; the limit is ${megabytes(limits.maxBytes)}.`,
    );
  }
  return undefined;
}

function busy(): AppError {
  return new AppError(
    'capture.busy',
    'CaptureME is reading other resumes right now; nothing was read. Try again in a minute.',
  );
}

function timeoutMessage(timeMs: number): string {
  return `Reading this file took longer than ${(timeMs / 1000).toLocaleString('en-US')} s and was stopped.`;
}

const CAPTURE_CODES = new Set<string>([
  'capture.too_large',
  'capture.unsupported',
  'capture.unreadable',
  'capture.timeout',
]);

function toAppError(error: { code: string; message: string }): AppError {
  const code = (CAPTURE_CODES.has(error.code) ? error.code : 'capture.unreadable') as AppErrorCode;
  return new AppError(code, error.message);
}
