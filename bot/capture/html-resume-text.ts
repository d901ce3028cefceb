/**
 * A resume sent as an HTML body, as text in one forward pass (every search moves forward: mail is
 * hostile content). Block elements become line breaks so the resume's lines stay lines; the
 * content of script, style and head is dropped; entities (named and numeric) are decoded.
 */

import { BLOCK_TAGS as MAIL_BLOCK_TAGS } from '../crm/html-text.ts';

/** A mail body's block elements, and the ones a resume's layout uses besides. */
const BLOCK_TAGS = new Set([
  ...MAIL_BLOCK_TAGS,
  'section',
  'article',
  'header',
  'footer',
  'address',
  'blockquote',
  'pre',
  'hr',
  'dl',
  'dt',
  'dd',
  'main',
  'aside',
  'nav',
]);
/** Markers left in the text for `layout`: a block edge and a `<br>`. */
const SOFT = '\u0001';
const HARD = '\u0002';
const CELL_TAGS = new Set(['td', 'th']);
const SKIPPED_CONTENT = new Set(['script', 'style', 'head', 'title', 'template', 'noscript']);
const NAMED: Record<string, string> = {
  nbsp: ' ',
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  ndash: '\u2013',
  mdash: '\u2014',
  bull: '\u2022',
  middot: '\u00b7',
  hellip: '\u2026',
  lsquo: '\u2018',
  rsquo: '\u2019',
  ldquo: '\u201c',
  rdquo: '\u201d',
  copy: '\u00a9',
  reg: '\u00ae',
  eacute: '\u00e9',
  egrave: '\u00e8',
  agrave: '\u00e0',
  ccedil: '\u00e7',
  uuml: '\u00fc',
  ouml: '\u00f6',
  auml: '\u00e4',
  szlig: '\u00df',
};
/** The longest entity read (`&#x10FFFF;` and the longest name above fit). */
const MAX_ENTITY = 10;

export function htmlResumeText(html: string, maxChars: number): string {
  const input = html.length > maxChars * 8 ? html.slice(0, maxChars * 8) : html;
  const out: string[] = [];
  let i = 0;
  while (i < input.length) {
    const open = input.indexOf('<', i);
    if (open < 0) {
      out.push(decodeEntities(input.slice(i)));
      break;
    }
    out.push(decodeEntities(input.slice(i, open)));
    const close = input.indexOf('>', open + 1);
    if (close < 0) break;
    const name = tagName(input, open + 1, close);
    out.push(name === 'br' ? HARD : BLOCK_TAGS.has(name) ? SOFT : CELL_TAGS.has(name) ? '\t' : ' ');
    // A list item keeps its bullet, so that it reads as one in the text (as in a PDF's).
    if (name === 'li' && input[open + 1] !== '/') out.push('\u2022 ');
    i = close + 1;
    if (SKIPPED_CONTENT.has(name) && input[open + 1] !== '/') {
      const end = indexOfIgnoreCase(input, `</${name}`, i);
      if (end < 0) break;
      const after = input.indexOf('>', end);
      if (after < 0) break;
      i = after + 1;
    }
  }
  return layout(out.join('')).slice(0, maxChars);
}

/** `&name;`, `&#NNN;` and `&#xHH;` decoded; anything else left as written. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const amp = text.indexOf('&', i);
    if (amp < 0) {
      out.push(text.slice(i));
      break;
    }
    out.push(text.slice(i, amp));
    const semi = text.indexOf(';', amp + 1);
    const body = semi > amp && semi - amp <= MAX_ENTITY ? text.slice(amp + 1, semi) : '';
    const decoded = body ? decodeEntity(body) : undefined;
    if (decoded === undefined) {
      out.push('&');
      i = amp + 1;
    } else {
      out.push(decoded);
      i = semi + 1;
    }
  }
  return out.join('');
}

function decodeEntity(body: string): string | undefined {
  if (body[0] !== '#') return NAMED[body.toLowerCase()];
  const hex = body[1] === 'x' || body[1] === 'X';
  const code = Number.parseInt(body.slice(hex ? 2 : 1), hex ? 16 : 10);
  if (!Number.isInteger(code) || code <= 0 || code > 0x10ffff) return undefined;
  if (code < 32) return ' ';
  return code === 0xa0 ? ' ' : String.fromCodePoint(code);
}

function tagName(input: string, start: number, end: number): string {
  let s = start;
  if (input[s] === '/') s++;
  let e = s;
  while (e < end && e - s < 16 && /[A-Za-z0-9]/.test(input[e]!)) e++;
  return input.slice(s, e).toLowerCase();
}

function indexOfIgnoreCase(input: string, needle: string, from: number): number {
  let at = from;
  for (;;) {
    const found = input.indexOf('<', at);
    if (found < 0) return -1;
    if (input.slice(found, found + needle.length).toLowerCase() === needle) return found;
    at = found + 1;
  }
}

/**
 * Source whitespace is a space (HTML's rule); a block edge is a line break, however many meet;
 * `<br>` twice is a blank line. One pass, no regular expression over the body.
 */
function layout(marked: string): string {
  const out: string[] = [];
  let breaks = 0;
  let space = '';
  let atStart = true;
  for (const c of marked) {
    if (c === SOFT) breaks = Math.max(breaks, 1);
    else if (c === HARD) breaks = Math.min(breaks + 1, 2);
    else if (c === '\t') space = '\t';
    else if (c === ' ' || c === '\n' || c === '\r' || c === '\f') space ||= ' ';
    else {
      if (breaks > 0 && !atStart) out.push(breaks > 1 ? '\n\n' : '\n');
      else if (space && !atStart && breaks === 0) out.push(space);
      breaks = 0;
      space = '';
      atStart = false;
      out.push(c);
    }
  }
  return out.join('');
}
