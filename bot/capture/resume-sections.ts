import type { Line } from './resume-lines.ts';
import { SECTION_OF, type SectionKind } from './resume-vocabulary.ts';

export interface Section {
  kind: SectionKind;
  heading: Line;
  /** The lines after the heading, up to the next heading. */
  lines: Line[];
}

/** A short line that is a known heading ("EXPERIENCE", "Work history:", "— Education —"). */
export function headingKind(line: Line): SectionKind | undefined {
  if (line.text.length === 0 || line.text.length > 40) return undefined;
  const key = line.text
    .toLowerCase()
    .replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '')
    .replace(/\s+/g, ' ');
  return SECTION_OF.get(key);
}

export function findSections(lines: readonly Line[]): Section[] {
  const sections: Section[] = [];
  let current: Section | undefined;
  for (const line of lines) {
    const kind = headingKind(line);
    if (kind) {
      current = { kind, heading: line, lines: [] };
      sections.push(current);
    } else if (current) {
      current.lines.push(line);
    }
  }
  return sections;
}
