import type { Line } from './resume-lines.ts';
import { isBullet, splitParts, words } from './resume-lines.ts';
import { DEGREE_WORDS, SCHOOL_WORDS } from './resume-vocabulary.ts';
import type { EducationEntry } from './resume.port.ts';

/**
 * Entries of an education section: a school (a part naming a university, college, institute...),
 * the degree near it and the last year written with them. An entry starts at each new school.
 */
export function findEducation(lines: readonly Line[]): EducationEntry[] {
  const entries: EducationEntry[] = [];
  let current: { entry: EducationEntry; degreeLines: number } | undefined;
  let pendingDegree: { text: string; start: number } | undefined;
  for (const line of lines) {
    if (line.text === '' || isBullet(line.text)) continue;
    for (const part of splitParts(line)) {
      const w = words(part.text);
      if (w.some((x) => SCHOOL_WORDS.has(x))) {
        current = {
          entry: { institution: part.text, confidence: 0.8, source: { start: part.start, end: part.end } },
          degreeLines: 0,
        };
        if (pendingDegree) current.entry.degree = pendingDegree.text;
        pendingDegree = undefined;
        entries.push(current.entry);
      } else if (w.some((x) => DEGREE_WORDS.has(x))) {
        if (current && !current.entry.degree) current.entry.degree = part.text;
        else pendingDegree = { text: part.text, start: part.start };
      }
    }
    const year = lastYear(line.text);
    if (year && current) {
      current.entry.year = year;
      if (current.entry.source) current.entry.source.end = Math.max(current.entry.source.end, line.end);
    }
  }
  return entries;
}

function lastYear(text: string): string | undefined {
  let found: string | undefined;
  for (let i = 0; i + 4 <= text.length && i < 200; i++) {
    const c = text[i];
    if ((c === '1' && text[i + 1] === '9') || (c === '2' && text[i + 1] === '0')) {
      const y = text.slice(i, i + 4);
      const before = text.charCodeAt(i - 1);
      const after = text.charCodeAt(i + 4);
      if (/^\d{4}$/.test(y) && !(before >= 48 && before <= 57) && !(after >= 48 && after <= 57)) found = y;
    }
  }
  return found;
}
