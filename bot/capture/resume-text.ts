import { AppError } from '../errors/app-error.ts';
import { unreadable } from './capture-errors.ts';
import { docxText } from './docx-text.ts';
import { htmlResumeText } from './html-resume-text.ts';
import { pdfText } from './pdf-text.ts';
import type { ReaderLimits, ResumeFormat } from './resume.port.ts';
import { rtfText } from './rtf-text.ts';

export const RESUME_FORMATS: ReadonlySet<string> = new Set<ResumeFormat>([
  'pdf',
  'docx',
  'rtf',
  'text',
  'html',
]);

export interface ExtractedText {
  text: string;
  pages?: number;
}

/** The resume's text in its layout's reading order, normalised and cut to `maxTextChars`. */
export async function extractResumeText(
  bytes: Uint8Array,
  format: ResumeFormat,
  limits: ReaderLimits,
): Promise<ExtractedText> {
  const max = limits.maxTextChars;
  switch (format) {
    case 'pdf': {
      if (!startsWith(bytes, '%PDF-', 1024)) throw unreadable('This is not a PDF file.');
      const { text, pages } = await pdfText(bytes, limits);
      return { text: normalizeText(text, max), pages };
    }
    case 'docx':
      return { text: normalizeText(await docxText(bytes, limits), max) };
    case 'rtf':
      return { text: normalizeText(rtfText(decodeText(bytes, max * 16, 'latin1'), max * 2), max) };
    case 'html':
      return { text: normalizeText(htmlResumeText(decodeText(bytes, max * 8), max * 2), max) };
    case 'text':
      return { text: normalizeText(decodeText(bytes, max * 4), max) };
    default:
      throw new AppError('capture.unsupported', `Resumes in this format (${String(format)}) are not read.`);
  }
}

/** Bytes as text: UTF-16 when it has a byte-order mark, else UTF-8 (invalid bytes replaced). */
export function decodeText(
  bytes: Uint8Array,
  maxBytes: number,
  fallback: 'utf-8' | 'latin1' = 'utf-8',
): string {
  const head = bytes.subarray(0, Math.min(bytes.length, maxBytes));
  if (head[0] === 0xff && head[1] === 0xfe) return new TextDecoder('utf-16le').decode(head);
  if (head[0] === 0xfe && head[1] === 0xff) return new TextDecoder('utf-16be').decode(head);
  return new TextDecoder(fallback).decode(head);
}

/**
 * One pass: CR LF and CR become LF, no-break and other odd spaces a space, zero-width and control
 * characters go, spaces at a line's end go, and blank lines are at most one in a row.
 */
export function normalizeText(text: string, maxChars: number): string {
  const out: string[] = [];
  let length = 0;
  let line = '';
  let blank = 0;
  const flush = () => {
    const trimmed = line.trimEnd();
    line = '';
    if (trimmed === '') {
      blank++;
      return;
    }
    if (length > 0) out.push(blank > 0 ? '\n\n' : '\n');
    out.push(trimmed);
    length += trimmed.length + (blank > 0 ? 2 : 1);
    blank = 0;
  };
  for (let i = 0; i < text.length && length < maxChars; i++) {
    const c = text[i]!;
    const code = c.charCodeAt(0);
    if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) flush();
    else if (c === '\t') line += '\t';
    else if (code === 0xa0 || code === 0x2007 || code === 0x202f || (code >= 0x2000 && code <= 0x200a))
      line += ' ';
    else if (code < 32 || code === 0x7f || (code >= 0x200b && code <= 0x200d) || code === 0xfeff) continue;
    else if (code === 0xf0b7 || code === 0xf0a7) line += '\u2022';
    else line += c;
    if (line.length > maxChars) flush();
  }
  flush();
  return out.join('').slice(0, maxChars);
}

function startsWith(bytes: Uint8Array, magic: string, within: number): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, within)).toString(
    'latin1',
  );
  return head.includes(magic);
}
