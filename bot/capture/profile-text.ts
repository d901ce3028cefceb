import type { CandidateProfile } from '../crm/crm.port.ts';

/**
 * A candidate's work history and education as the capture forms edit them (the Outlook pane's
 * text areas, the Teams card's multi-line inputs): one entry a line, its parts split by `|`.
 * Plain TypeScript with no Node imports: the pane's browser build uses it as it is. Read back
 * bounded (entries, parts and their lengths) in one pass over at most 8 KB: the text is the user's,
 * first written by a hostile resume.
 */

type History = CandidateProfile['history'];
type Education = CandidateProfile['education'];

const MAX_TEXT = 8 * 1024;

function lines(text: string, maxLines: number, parts: number): string[][] {
  const out: string[][] = [];
  for (const line of text.slice(0, MAX_TEXT).split('\n')) {
    if (out.length >= maxLines) break;
    const fields = line.split('|', parts).map((f) => f.trim());
    if (fields.some(Boolean)) out.push(fields);
  }
  return out;
}

const put = <T extends object>(entry: T, key: keyof T & string, value: string | undefined, max: number) => {
  if (value) (entry as Record<string, string>)[key] = value.slice(0, max);
  return entry;
};

/** "Title | Employer | From | To", a line each. */
export function historyText(history: History): string {
  return history
    .map((h) => [h.title ?? '', h.employer ?? '', h.start ?? '', h.end ?? ''].join(' | '))
    .join('\n');
}

export function parseHistory(text: string): History {
  return lines(text, 20, 4).map(([title, employer, start, end]) => {
    const entry: History[number] = {};
    put(entry, 'title', title, 200);
    put(entry, 'employer', employer, 200);
    put(entry, 'start', start, 40);
    return put(entry, 'end', end, 40);
  });
}

/** "School | Degree | Year", a line each; a line without a school is left out. */
export function educationText(education: Education): string {
  return education.map((e) => [e.institution, e.degree ?? '', e.year ?? ''].join(' | ')).join('\n');
}

export function parseEducation(text: string): Education {
  return lines(text, 10, 3).flatMap(([institution, degree, year]) => {
    if (!institution) return [];
    const entry: Education[number] = { institution: institution.slice(0, 200) };
    put(entry, 'degree', degree, 200);
    return [put(entry, 'year', year, 20)];
  });
}
