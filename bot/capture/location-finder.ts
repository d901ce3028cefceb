import type { Line, Part } from './resume-lines.ts';
import { splitParts } from './resume-lines.ts';
import { PLACE_COUNTRY } from './resume-vocabulary.ts';
import type { Field } from './resume.port.ts';

const TOP_LINES = 15;
const LABEL = /^(location|address|city|based in|lives in|residence|wohnort|adresse)\s?:?\s/i;
const SEPARATORS = ['|', '\u2022', '\u00b7', '\t', '  ', ' \u2014 ', ' \u2013 ', ' - ', '; '];

/**
 * Where the candidate lives: a "Location:" label, else a "City, ST" or "City, Country" part of a
 * line near the top, else such a line standing alone anywhere. The country it names (if any) is
 * what a phone number without a `+code` is read in.
 */
export function findLocation(lines: readonly Line[]): { field: Field<string>; country?: string } | undefined {
  for (const line of lines.slice(0, 60)) {
    const label = LABEL.exec(line.text.slice(0, 30));
    if (!label) continue;
    const value = line.text.slice(label[0].length).trim();
    if (value.length > 2 && value.length <= 80) {
      const start = line.start + label[0].length;
      return {
        field: { value, confidence: 0.9, source: { start, end: start + value.length } },
        country: countryOf(value),
      };
    }
  }
  for (const line of lines.slice(0, TOP_LINES)) {
    for (const part of splitParts(line, SEPARATORS)) {
      const found = place(part, 0.8);
      if (found) return found;
    }
  }
  for (const line of lines.slice(TOP_LINES)) {
    const found = place({ text: line.text, start: line.start, end: line.end }, 0.6);
    if (found) return found;
  }
  return undefined;
}

/** "Seattle, WA", "Seattle, WA 98101", "London, UK", "Pune, Maharashtra, India". */
function place(part: Part, confidence: number): { field: Field<string>; country?: string } | undefined {
  const text = part.text;
  if (text.length > 60 || !text.includes(',') || /[@\d]{4,}.*[@\d]{4,}/.test(text.slice(0, 60)))
    return undefined;
  const pieces = text.split(',').map((p) => p.trim());
  if (pieces.length < 2 || pieces.length > 3) return undefined;
  const city = pieces[0]!;
  if (!/^\p{Lu}[\p{L}'’. -]{1,30}$/u.test(city)) return undefined;
  const written = pieces[pieces.length - 1]!;
  const last = written.replace(/\s+[A-Z0-9]{2,4}(\s[A-Z0-9]{3})?$|\s+\d{4,6}$/, '');
  const country = PLACE_COUNTRY.get(last.toLowerCase());
  if (!country) return undefined;
  // The postcode is left out: "Seattle, WA 98101" is "Seattle, WA".
  const value = text.slice(0, text.length - (written.length - last.length));
  return {
    field: { value, confidence, source: { start: part.start, end: part.start + value.length } },
    country,
  };
}

export function countryOf(location: string): string | undefined {
  const pieces = location
    .split(/[,|]/)
    .map((p) =>
      p
        .trim()
        .replace(/\s+\d{4,6}$/, '')
        .toLowerCase(),
    )
    .reverse();
  for (const piece of pieces) {
    const country = PLACE_COUNTRY.get(piece);
    if (country) return country;
  }
  return undefined;
}
