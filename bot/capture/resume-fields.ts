import { countryOfFirstIntlPhone, findEmails, findLinks, findPhones } from './contact-finders.ts';
import { findEducation } from './education-finder.ts';
import { classifyParts, findHistory, pickTitleAndEmployer } from './history-finder.ts';
import { findLocation } from './location-finder.ts';
import { findName } from './name-finder.ts';
import type { Line } from './resume-lines.ts';
import { splitLines } from './resume-lines.ts';
import { findSections, headingKind } from './resume-sections.ts';
import type { Field, HistoryEntry, ParsedResume, ReadOptions } from './resume.port.ts';
import { SkillIndex } from './skills-finder.ts';

/** Lines at the top that are the resume's header (name, headline, contact details). */
const HEADER_LINES = 10;
const TITLE_LABEL =
  /^(current title|job title|title|position|current position|current role|role|headline)\s?:\s?/i;
const EMPLOYER_LABEL =
  /^(current employer|current company|employer|company|organisation|organization)\s?:\s?/i;

export type ResumeFields = Omit<ParsedResume, 'text' | 'pages'>;

/** Every field the text states; what it does not state stays empty. */
export function findFields(text: string, options: ReadOptions): ResumeFields {
  const lines = splitLines(text);
  const sections = findSections(lines);
  const header = headerLines(lines);
  const name = findName(lines);
  const location = findLocation(lines);
  const country = options.defaultCountry ?? location?.country ?? countryOfFirstIntlPhone(text);
  const experience = sections.filter((s) => s.kind === 'experience').flatMap((s) => s.lines);
  const history = findHistory(experience);
  const current = currentRole(history);
  const { title, employer } = titleAndEmployer(lines, header, current, name?.source?.start);
  const headerEnd = header[header.length - 1]?.end ?? 0;
  return {
    ...(name ? { name } : {}),
    emails: findEmails(text),
    phones: findPhones(text, country),
    ...(location ? { location: location.field } : {}),
    ...(title ? { title } : {}),
    ...(employer ? { employer } : {}),
    links: findLinks(text, headerEnd),
    skills: new SkillIndex(options.skills).find(text),
    history,
    education: findEducation(sections.filter((s) => s.kind === 'education').flatMap((s) => s.lines)),
  };
}

/** The lines before the first section heading, at most HEADER_LINES of them with text. */
function headerLines(lines: readonly Line[]): Line[] {
  const out: Line[] = [];
  for (const line of lines) {
    if (headingKind(line)) break;
    if (line.text === '') continue;
    out.push(line);
    if (out.length >= HEADER_LINES) break;
  }
  return out;
}

/** The role held now: the first entry ending "Present", else the first entry. */
function currentRole(history: readonly HistoryEntry[]): HistoryEntry | undefined {
  const ongoing = history.find((h) => h.end && /^(present|current|now|today|heute|aujourd)/i.test(h.end));
  return ongoing ?? history[0];
}

function titleAndEmployer(
  lines: readonly Line[],
  header: readonly Line[],
  current: HistoryEntry | undefined,
  nameStart: number | undefined,
): { title?: Field<string>; employer?: Field<string> } {
  let title = labelled(lines, TITLE_LABEL);
  let employer = labelled(lines, EMPLOYER_LABEL);
  // A headline: "Senior Engineer at Contoso", "Data Analyst | Fabrikam", or a title alone.
  for (const line of header) {
    if (line.start === nameStart) continue;
    const parts = classifyParts(line);
    if (parts.some((p) => p.text.includes('@'))) continue;
    const picked = pickTitleAndEmployer(parts);
    if (!picked.title || picked.title.kind !== 'title') continue;
    const both = picked.employer !== undefined;
    if (current?.title === undefined || both) {
      title ??= fieldOf(picked.title, both ? 0.85 : 0.6);
      if (picked.employer) employer ??= fieldOf(picked.employer, picked.confidence);
    }
    break;
  }
  if (current) {
    const source = current.source;
    if (current.title)
      title ??= { value: current.title, confidence: current.confidence, ...(source ? { source } : {}) };
    if (current.employer) {
      employer ??= { value: current.employer, confidence: current.confidence, ...(source ? { source } : {}) };
    }
  }
  return { ...(title ? { title } : {}), ...(employer ? { employer } : {}) };
}

function labelled(lines: readonly Line[], label: RegExp): Field<string> | undefined {
  for (const line of lines.slice(0, 60)) {
    const match = label.exec(line.text.slice(0, 40));
    if (!match) continue;
    const value = line.text.slice(match[0].length).trim();
    if (value === '' || value.length > 100) continue;
    const start = line.start + match[0].length;
    return { value, confidence: 0.95, source: { start, end: start + value.length } };
  }
  return undefined;
}

function fieldOf(part: { text: string; start: number; end: number }, confidence: number): Field<string> {
  return { value: part.text, confidence, source: { start: part.start, end: part.end } };
}
