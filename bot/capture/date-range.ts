import { MAX_LINE } from './resume-lines.ts';

/**
 * A job's or a degree's dates on one header line ("Mar 2019 – Present", "2016-2019",
 * "01/2018 to 12/2020"), found by a walk over the line's words: no pattern runs over resume text.
 */

export interface DateRange {
  /** As written. */
  from?: string;
  to?: string;
  /** Offsets in the line. */
  start: number;
  end: number;
}

const MONTHS = new Set([
  'jan',
  'feb',
  'mar',
  'apr',
  'may',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
  'january',
  'february',
  'march',
  'april',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
  'januar',
  'februar',
  'märz',
  'mai',
  'juni',
  'juli',
  'oktober',
  'dezember',
  'janvier',
  'février',
  'mars',
  'avril',
  'juin',
  'juillet',
  'août',
  'septembre',
  'octobre',
  'novembre',
  'décembre',
]);
const PRESENT = new Set([
  'present',
  'current',
  'now',
  'today',
  'heute',
  'aujourd’hui',
  "aujourd'hui",
  'date',
]);
const RANGE_WORDS = new Set(['-', '–', '—', 'to', 'bis', 'à', 'until', 'till']);

interface Token {
  text: string;
  start: number;
  end: number;
  kind: 'month' | 'year' | 'present' | 'range' | 'other';
}

export function findDateRange(line: string): DateRange | undefined {
  const tokens = tokenize(line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line);
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]!.kind === 'other' || tokens[i]!.kind === 'range') continue;
    let j = i;
    while (j < tokens.length && tokens[j]!.kind !== 'other') j++;
    const run = tokens.slice(i, j);
    while (run.length > 0 && run[run.length - 1]!.kind === 'range') run.pop();
    if (run.some((t) => t.kind === 'year')) return toRange(line, run);
    i = j;
  }
  return undefined;
}

function toRange(line: string, run: Token[]): DateRange {
  const split = run.findIndex((t) => t.kind === 'range');
  const side = (tokens: Token[]) =>
    tokens.length > 0 ? line.slice(tokens[0]!.start, tokens[tokens.length - 1]!.end) : undefined;
  const first = split < 0 ? run : run.slice(0, split);
  const second = split < 0 ? [] : run.slice(split + 1);
  return { from: side(first), to: side(second), start: run[0]!.start, end: run[run.length - 1]!.end };
}

function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === ',' || c === '(' || c === ')' || c === '|') {
      i++;
      continue;
    }
    let j = i;
    if (c === '-' || c === '–' || c === '—') j = i + 1;
    else while (j < line.length && !' \t,()|–—'.includes(line[j]!) && !(line[j] === '-' && j > i)) j++;
    const text = line.slice(i, j);
    tokens.push({ text, start: i, end: j, kind: kindOf(text) });
    i = j;
  }
  return tokens;
}

function kindOf(text: string): Token['kind'] {
  const lower = text.toLowerCase().replace(/\.$/, '');
  if (RANGE_WORDS.has(lower)) return 'range';
  if (PRESENT.has(lower)) return 'present';
  if (MONTHS.has(lower)) return 'month';
  if (/^(19|20)\d\d$/.test(lower) || /^(0?[1-9]|1[0-2])[/.](19|20)\d\d$/.test(lower)) return 'year';
  if (/^(19|20)\d\d-(19|20)\d\d$/.test(lower)) return 'year';
  return 'other';
}
