import { AppError } from '../errors/app-error.ts';

/** Said of a PDF with no text layer: the recruiter should know why nothing was read. */
export const NO_TEXT_MESSAGE = 'This PDF has no text to read: it may be a scanned image or encrypted.';

export function unreadable(message: string, cause?: unknown): AppError {
  return new AppError('capture.unreadable', message, { cause });
}

export function tooLarge(message: string): AppError {
  return new AppError('capture.too_large', message);
}

export function textBomb(ceiling: number): AppError {
  return tooLarge(
    `This file holds more text than a resume (over ${ceiling.toLocaleString('en-US')} characters).`,
  );
}

/** A thrown value's message, for a refusal that names its reason. */
export function reason(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
