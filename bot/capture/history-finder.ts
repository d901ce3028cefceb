import { findDateRange } from './date-range.ts';
import type { Line, Part } from './resume-lines.ts';
import { MAX_LINE, isBullet, splitParts, words } from './resume-lines.ts';
import { EMPLOYER_WORDS, PLACE_COUNTRY, TITLE_WORDS } from './resume-vocabulary.ts';
import type { HistoryEntry } from './resume.port.ts';

/** Header lines of one entry ("Senior Engineer", "Contoso Ltd", "2019 – Present") at most. */
const MAX_HEADER_LINES = 4;
/** A line with more words than this is a description, not an entry's header. */
const MAX_HEADER_WORDS = 12;

export interface TitledPart extends Part {
  kind: 'title' | 'employer' | 'place' | 'unknown';
}

/**
 * The work history in an experience section: an entry starts at a line that is not a bullet,
 * after a blank line or a bullet (or at the section's top); its first lines hold the title, the
 * employer and the dates in whatever order, which the words tell apart.
 */
export function findHistory(lines: readonly Line[]): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  let header: Line[] = [];
  let inBody = false;
  const flush = () => {
    const entry = readEntry(header);
    if (entry) entries.push(entry);
    header = [];
  };
  for (const line of lines) {
    if (line.text === '') {
      if (header.length > 0) inBody = true;
      continue;
    }
    const description =
      isBullet(line.text) ||
      line.text.endsWith(':') ||
      (line.text.endsWith('.') && words(line.text).length > 6) ||
      /^\p{Ll}/u.test(line.text) ||
      words(line.text).length > MAX_HEADER_WORDS ||
      line.text.length > MAX_LINE;
    if (description) {
      inBody = true;
      continue;
    }
    if (inBody || header.length >= MAX_HEADER_LINES) {
      flush();
      inBody = false;
    }
    header.push(line);
  }
  flush();
  return entries;
}

function readEntry(header: readonly Line[]): HistoryEntry | undefined {
  if (header.length === 0) return undefined;
  let start: string | undefined;
  let end: string | undefined;
  const parts: TitledPart[] = [];
  for (const line of header) {
    const range = findDateRange(line.text);
    let text = line.text;
    if (range) {
      start ??= range.from;
      end ??= range.to;
      text = `${text.slice(0, range.start)}${' '.repeat(range.end - range.start)}${text.slice(range.end)}`;
    }
    parts.push(...classifyParts({ ...line, text }));
  }
  const { title, employer, confidence } = pickTitleAndEmployer(parts);
  if (!title && !employer) return undefined;
  const first = header[0]!;
  const last = header[header.length - 1]!;
  return {
    ...(employer ? { employer: employer.text } : {}),
    ...(title ? { title: title.text } : {}),
    ...(start ? { start } : {}),
    ...(end ? { end } : {}),
    confidence: start ? confidence : confidence * 0.8,
    source: { start: first.start, end: last.end },
  };
}

/** A header line's parts, each marked as a title, an employer, a place or unknown. */
export function classifyParts(line: Line): TitledPart[] {
  const at = splitAt(line);
  const parts = at ?? mergeSuffixes(splitParts(line));
  return parts.map((part, i) => ({
    ...part,
    kind: at ? (i === 0 ? 'title' : 'employer') : kindOf(part.text),
  }));
}

/** "Senior Engineer at Contoso": the one form whose parts are known by position. */
function splitAt(line: Line): Part[] | undefined {
  const text = line.text.slice(0, MAX_LINE);
  const at = text.toLowerCase().indexOf(' at ');
  if (at <= 0) return undefined;
  const left = text.slice(0, at).trim();
  if (!words(left).some((w) => TITLE_WORDS.has(w))) return undefined;
  const rest = splitParts({ ...line, text: text.slice(at + 4), start: line.start + at + 4 });
  const employer = mergeSuffixes(rest)[0];
  if (!employer) return undefined;
  return [{ text: left, start: line.start, end: line.start + left.length }, employer];
}

/** "Contoso, Inc." split at its comma is one employer again. */
function mergeSuffixes(parts: Part[]): Part[] {
  const merged: Part[] = [];
  for (const part of parts) {
    const previous = merged[merged.length - 1];
    const w = words(part.text);
    if (previous && w.length === 1 && EMPLOYER_WORDS.has(w[0]!) && part.start - previous.end <= 3) {
      previous.text = `${previous.text}, ${part.text}`;
      previous.end = part.end;
    } else {
      merged.push({ ...part });
    }
  }
  return merged;
}

export function kindOf(text: string): TitledPart['kind'] {
  const w = words(text);
  if (w.length === 0) return 'unknown';
  const last = w[w.length - 1]!;
  if (w.length <= 3 && w.every((x) => PLACE_COUNTRY.has(x))) return 'place';
  if (PLACE_COUNTRY.has(w.join(' '))) return 'place';
  if (EMPLOYER_WORDS.has(last)) return 'employer';
  if (w.some((x) => TITLE_WORDS.has(x))) return 'title';
  if (w.some((x) => EMPLOYER_WORDS.has(x))) return 'employer';
  return 'unknown';
}

export function pickTitleAndEmployer(parts: readonly TitledPart[]): {
  title?: TitledPart;
  employer?: TitledPart;
  confidence: number;
} {
  let title = parts.find((p) => p.kind === 'title');
  let employer = parts.find((p) => p.kind === 'employer');
  let confidence = title && employer ? 0.85 : 0.7;
  const unknown = parts.filter((p) => p.kind === 'unknown');
  if (!employer && title && unknown[0]) [employer, confidence] = [unknown[0], 0.65];
  else if (!title && employer && unknown[0]) [title, confidence] = [unknown[0], 0.5];
  return { ...(title ? { title } : {}), ...(employer ? { employer } : {}), confidence };
}
