import type { ReaderLimits } from './resume.port.ts';

const MB = 1024 * 1024;

/**
 * The reader's defaults. The time limit fits inside Teams' 5 s invoke deadline (a message action's
 * whole request, reading included, must answer by then:
 * https://learn.microsoft.com/microsoftteams/platform/messaging-extensions/how-to/action-commands/respond-to-task-module-submit).
 * 20 pages and 60,000 characters are well past any resume (a dense page holds about 4,000).
 */
export const DEFAULT_READER_LIMITS: Readonly<ReaderLimits> = {
  maxBytes: 10 * MB,
  maxPages: 20,
  timeMs: 2_000,
  maxTextChars: 60_000,
};

/**
 * A PDF or DOCX holding more text than this many times `maxTextChars` is not a resume but a text
 * bomb (a tiny file whose streams inflate to megabytes of text): refused, and reading stops there.
 */
export const TEXT_BOMB_FACTOR = 4;

/** Inflated XML a DOCX may hold, all parts together (a resume's document.xml is well under 1 MB). */
export const MAX_DOCX_XML_BYTES = 32 * MB;

export function resolveLimits(limits: Partial<ReaderLimits> = {}): ReaderLimits {
  const resolved = { ...DEFAULT_READER_LIMITS, ...limits };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`resume reader limit ${key} must be > 0`);
  }
  return resolved;
}

export function megabytes(bytes: number): string {
  const mb = bytes / MB;
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
}
