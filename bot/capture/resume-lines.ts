/**
 * The resume's text as lines with their offsets, and the small per-line helpers the field finders
 * share. Lines are short; anything here that uses a regular expression runs it on one bounded line.
 */

export interface Line {
  /** The line without its leading and trailing spaces. */
  text: string;
  /** Offset of `text` in the resume's text. */
  start: number;
  end: number;
  /** Index among all lines. */
  index: number;
}

/** Longest line a per-line pattern is run on; longer lines are prose, not a header. */
export const MAX_LINE = 200;

export function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let at = 0;
  while (at <= text.length) {
    let next = text.indexOf('\n', at);
    if (next < 0) next = text.length;
    const raw = text.slice(at, next);
    const lead = raw.length - raw.trimStart().length;
    const trimmed = raw.trim();
    lines.push({ text: trimmed, start: at + lead, end: at + lead + trimmed.length, index: lines.length });
    at = next + 1;
  }
  return lines;
}

export interface Part {
  text: string;
  start: number;
  end: number;
}

/** Separators between the parts of a header line ("Engineer | Contoso | 2019 - Present"). */
const SEPARATORS = [
  '|',
  '\u2022',
  '\u00b7',
  '\t',
  '  ',
  ' \u2014 ',
  ' \u2013 ',
  ' - ',
  ' @ ',
  ', ',
  '; ',
  ' / ',
];

/** A line cut at its separators, each part trimmed, with offsets in the resume's text. */
export function splitParts(line: Line, separators: readonly string[] = SEPARATORS): Part[] {
  const parts: Part[] = [];
  const text = line.text.length > MAX_LINE ? line.text.slice(0, MAX_LINE) : line.text;
  let from = 0;
  let i = 0;
  while (i <= text.length) {
    const sep = i < text.length ? separators.find((s) => text.startsWith(s, i)) : '';
    if (sep === undefined) {
      i++;
      continue;
    }
    pushPart(parts, text, from, i, line.start);
    i += Math.max(sep.length, 1);
    from = i;
  }
  return parts;
}

function pushPart(parts: Part[], text: string, from: number, to: number, base: number) {
  const raw = text.slice(from, to);
  const lead = raw.length - raw.trimStart().length;
  const trimmed = raw.trim().replace(/^[,;:()[\]]+|[,;:()[\]]+$/g, '');
  if (trimmed === '') return;
  const start = base + from + lead + raw.trim().indexOf(trimmed);
  parts.push({ text: trimmed, start, end: start + trimmed.length });
}

/** Lower-case words of a short string (letters, digits and `&'.+#`), for keyword checks. */
export function words(text: string): string[] {
  return text
    .slice(0, MAX_LINE)
    .toLowerCase()
    .split(/[^\p{L}\p{N}&'.+#]+/u)
    .map((w) => w.replace(/^\.+|\.+$/g, ''))
    .filter((w) => w !== '');
}

export function isBullet(text: string): boolean {
  const c = text[0];
  return (
    c === '\u2022' ||
    c === '-' ||
    c === '*' ||
    c === '\u25aa' ||
    c === '\u25cf' ||
    c === '\u2013' ||
    c === '>'
  );
}

/** Whether letters in the text are all capitals ("JANE DOE", "EXPERIENCE"). */
export function isAllCaps(text: string): boolean {
  return /\p{Lu}/u.test(text) && !/\p{Ll}/u.test(text);
}

export function titleCase(text: string): string {
  return text
    .toLowerCase()
    .replace(/(^|[\s'\-.])(\p{L})/gu, (_, before: string, c: string) => before + c.toUpperCase());
}
