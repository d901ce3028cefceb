import type { Line } from './resume-lines.ts';
import { isAllCaps, splitParts, titleCase, words } from './resume-lines.ts';
import { NAME_PARTICLES, NOT_A_NAME, SECTION_OF, TITLE_WORDS } from './resume-vocabulary.ts';
import type { Field } from './resume.port.ts';

/** Lines from the top where a name is looked for without a label. */
const NAME_LINES = 8;
const LABEL = /^(full name|name|nom|vorname und name)\s?:\s?/i;

/**
 * The candidate's name: a "Name:" label, else the first line near the top that reads as a
 * person's name (2 to 5 capitalised words, no digits, no job title), or the first part of a header
 * line ("Jane Doe | Senior Engineer"). Names in capitals are given in title case.
 */
export function findName(lines: readonly Line[]): Field<string> | undefined {
  for (const line of lines.slice(0, 40)) {
    const label = LABEL.exec(line.text.slice(0, 40));
    if (!label) continue;
    const value = line.text.slice(label[0].length).trim();
    if (looksLikeName(value)) return field(value, line.start + label[0].length, 0.95);
  }
  let seen = 0;
  for (const line of lines) {
    if (line.text === '') continue;
    if (++seen > NAME_LINES) break;
    if (looksLikeName(line.text)) return field(line.text, line.start, seen === 1 ? 0.9 : 0.75);
    const [first] = splitParts(line);
    if (first && first.text !== line.text && looksLikeName(first.text))
      return field(first.text, first.start, 0.7);
  }
  return undefined;
}

function field(written: string, start: number, confidence: number): Field<string> {
  const value = isAllCaps(written) ? titleCase(written) : written;
  return { value, confidence, source: { start, end: start + written.length } };
}

export function looksLikeName(text: string): boolean {
  if (text.length < 3 || text.length > 60 || /[\d@/:|]/.test(text)) return false;
  const lower = text.toLowerCase();
  if (NOT_A_NAME.has(lower) || SECTION_OF.has(lower.replace(/:$/, ''))) return false;
  const tokens = text.split(/\s+/);
  if (tokens.length < 2 || tokens.length > 5) return false;
  let capitalised = 0;
  for (const token of tokens) {
    if (NAME_PARTICLES.has(token)) continue;
    if (!/^\p{Lu}[\p{L}'’.-]*$/u.test(token)) return false;
    capitalised++;
  }
  if (capitalised < 2) return false;
  return !words(text).some((w) => TITLE_WORDS.has(w));
}
