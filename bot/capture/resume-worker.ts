/**
 * The resume reader's worker thread: reads one resume at a time for the pool in resume-reader.ts.
 * Whatever a file does here (loops, memory, exceptions) stays in this thread, which the pool can
 * end; errors go back as `{ code, message }`.
 */
import { parentPort } from 'node:worker_threads';
import { reason } from './capture-errors.ts';
import { findFields } from './resume-fields.ts';
import { extractResumeText } from './resume-text.ts';
import type { ParsedResume, ReadOptions, ReaderLimits, ResumeFormat } from './resume.port.ts';

export interface ReadRequest {
  id: number;
  bytes: ArrayBuffer;
  format: ResumeFormat;
  options: ReadOptions;
  limits: ReaderLimits;
}

export type ReadReply =
  | { ready: true }
  | { id: number; ok: true; resume: ParsedResume }
  | { id: number; ok: false; error: { code: string; message: string } };

export async function readResume(request: ReadRequest): Promise<ParsedResume> {
  const { text, pages } = await extractResumeText(
    new Uint8Array(request.bytes),
    request.format,
    request.limits,
  );
  return { text, ...(pages !== undefined ? { pages } : {}), ...findFields(text, request.options) };
}

// The PDF and DOCX libraries load here, once per worker, before the pool sends a read: a read's
// time limit then measures the read, not the load (about a second for pdf.js on a busy core).
if (parentPort) {
  await Promise.all([import('unpdf'), import('mammoth')]);
  parentPort.postMessage({ ready: true } satisfies ReadReply);
}

parentPort?.on('message', (request: ReadRequest) => {
  readResume(request).then(
    (resume) => parentPort!.postMessage({ id: request.id, ok: true, resume } satisfies ReadReply),
    (error: unknown) => {
      const code = (error as { code?: unknown }).code;
      const known = typeof code === 'string' && code.startsWith('capture.');
      const reply: ReadReply = {
        id: request.id,
        ok: false,
        error: {
          code: known ? code : 'capture.unreadable',
          message: known ? reason(error) : `This file could not be read: ${reason(error)}`,
        },
      };
      parentPort!.postMessage(reply);
    },
  );
});
