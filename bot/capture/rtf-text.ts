import { unreadable } from './capture-errors.ts';

/**
 * RTF to text in one forward pass: control words, groups, `\'hh` (Windows-1252) and `\uN`
 * escapes. Destinations that hold no body text (font and colour tables, pictures, embedded
 * objects, `\*` destinations) are skipped with their whole group. Stops at `maxChars` of output.
 */

/** Destinations whose group is not body text. */
const SKIPPED = new Set([
  'fonttbl',
  'colortbl',
  'stylesheet',
  'info',
  'pict',
  'object',
  'objdata',
  'themedata',
  'colorschememapping',
  'datastore',
  'latentstyles',
  'listtable',
  'listoverridetable',
  'rsidtbl',
  'generator',
  'xmlnstbl',
  'filetbl',
  'revtbl',
  'fldinst',
  'nonshppict',
  'shpinst',
  'pgdsctbl',
  'mmathPr',
  'header',
  'footer',
]);
const NEWLINE = new Set(['par', 'line', 'row', 'sect', 'page']);
const SYMBOLS: Record<string, string> = {
  tab: '\t',
  cell: '\t',
  emdash: '\u2014',
  endash: '\u2013',
  bullet: '\u2022',
  lquote: '\u2018',
  rquote: '\u2019',
  ldblquote: '\u201c',
  rdblquote: '\u201d',
  emspace: ' ',
  enspace: ' ',
  qmspace: ' ',
};
/** Windows-1252 at 0x80..0x9f; the rest of the byte range is Latin-1. */
const CP1252 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';
const MAX_DEPTH = 1_000;

interface Group {
  skip: boolean;
  /** Characters to drop after a `\uN` (the fallback for readers without Unicode). */
  uc: number;
}

export function rtfText(rtf: string, maxChars: number): string {
  if (!rtf.startsWith('{\\rtf')) throw unreadable('This is not an RTF document.');
  const out: string[] = [];
  let length = 0;
  const stack: Group[] = [];
  let group: Group = { skip: false, uc: 1 };
  let drop = 0;
  let groupStart = false;
  const emit = (text: string) => {
    if (group.skip) return;
    if (drop > 0) {
      drop--;
      return;
    }
    out.push(text);
    length += text.length;
  };
  let i = 0;
  while (i < rtf.length && length < maxChars) {
    const c = rtf[i]!;
    if (c === '{') {
      if (stack.length >= MAX_DEPTH) throw unreadable('This RTF document is nested too deeply.');
      stack.push(group);
      group = { ...group };
      groupStart = true;
      i++;
      continue;
    }
    if (c === '}') {
      group = stack.pop() ?? group;
      groupStart = false;
      drop = 0;
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      i++;
      continue;
    }
    if (c !== '\\') {
      emit(c);
      groupStart = false;
      i++;
      continue;
    }
    const next = rtf[i + 1] ?? '';
    if (next === "'") {
      const code = Number.parseInt(rtf.slice(i + 2, i + 4), 16);
      if (!Number.isNaN(code))
        emit(code >= 0x80 && code <= 0x9f ? CP1252[code - 0x80]! : String.fromCharCode(code));
      i += 4;
      groupStart = false;
      continue;
    }
    if (next === '*') {
      group.skip = true;
      i += 2;
      continue;
    }
    if (!isLetter(next)) {
      if (next === '\\' || next === '{' || next === '}') emit(next);
      else if (next === '~') emit(' ');
      else if (next === '_') emit('-');
      else if (next === '\n' || next === '\r') emit('\n');
      i += 2;
      groupStart = false;
      continue;
    }
    // A control word: up to 32 letters, an optional signed number, an optional space.
    let j = i + 1;
    while (j < rtf.length && j - i <= 32 && isLetter(rtf[j]!)) j++;
    const word = rtf.slice(i + 1, j);
    let k = j;
    if (rtf[k] === '-') k++;
    while (k < rtf.length && k - j <= 10 && isDigit(rtf[k]!)) k++;
    const param = k > j ? Number.parseInt(rtf.slice(j, k), 10) : undefined;
    if (rtf[k] === ' ') k++;
    i = k;
    if (groupStart && SKIPPED.has(word)) group.skip = true;
    groupStart = false;
    if (word === 'uc' && param !== undefined) group.uc = Math.max(0, param);
    else if (word === 'u' && param !== undefined) {
      emit(String.fromCharCode(param < 0 ? param + 65536 : param));
      drop = group.uc;
    } else if (NEWLINE.has(word)) emit('\n');
    else if (SYMBOLS[word] !== undefined) emit(SYMBOLS[word]);
  }
  return out.join('').slice(0, maxChars);
}

function isLetter(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}
