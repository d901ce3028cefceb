/**
 * HTML mail bodies as plain text, in one pass over the input: mail is hostile content, and the
 * usual tag-stripping regular expressions (`/<[^>]+>/g`, `<script>[\s\S]*?</script>`) take
 * quadratic time on inputs such as a long run of `<`. Every search here moves forward only, and
 * the input is cut to `maxChars` first.
 */

/** Elements that end a line of text (a mail body's, a resume's). */
export const BLOCK_TAGS: ReadonlySet<string> = new Set([
  'br',
  'p',
  'div',
  'li',
  'tr',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'table',
  'ul',
  'ol',
]);
/** Elements whose content is not text. */
const SKIPPED_CONTENT = ['script', 'style', 'head', 'title'];
const ENTITIES: Record<string, string> = {
  nbsp: ' ',
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  '#39': "'",
  apos: "'",
};

export interface HtmlToTextOptions {
  /** What an inline tag becomes: nothing (Graph's text bodies) or a space (previews, address scans). */
  inlineTag?: '' | ' ';
  /** Longest input read; the rest is left out. Defaults to 1 MB of characters. */
  maxChars?: number;
}

export function htmlToText(html: string, options: HtmlToTextOptions = {}): string {
  const input =
    html.length > (options.maxChars ?? 1_048_576) ? html.slice(0, options.maxChars ?? 1_048_576) : html;
  // ASCII only: full case mapping changes lengths ('İ' becomes two code units), and the indices
  // found in `lower` must be the same in `input`.
  const lower = input.replace(/[A-Z]+/g, (run) => run.toLowerCase());
  const inline = options.inlineTag ?? ' ';
  const out: string[] = [];
  let i = 0;
  while (i < input.length) {
    const open = input.indexOf('<', i);
    if (open < 0) {
      out.push(input.slice(i));
      break;
    }
    out.push(input.slice(i, open));
    const close = input.indexOf('>', open + 1);
    // No `>` anywhere after: the rest is text, and no later `<` can close either.
    if (close < 0) {
      out.push(input.slice(open));
      break;
    }
    const name = tagName(lower, open + 1, close);
    out.push(BLOCK_TAGS.has(name) ? '\n' : inline);
    i = close + 1;
    if (SKIPPED_CONTENT.includes(name) && lower[open + 1] !== '/') {
      const end = lower.indexOf(`</${name}`, i);
      if (end < 0) break;
      i = lower.indexOf('>', end);
      if (i < 0) break;
      i++;
    }
  }
  return out.join('').replace(/&(nbsp|amp|lt|gt|quot|#39|apos);/g, (_, entity: string) => ENTITIES[entity]!);
}

/** The element name of the tag between `<` and `>` (`/p` gives `p`), lower-cased. */
function tagName(lower: string, start: number, end: number): string {
  let s = start;
  if (lower[s] === '/') s++;
  let e = s;
  while (e < end && /[a-z0-9]/.test(lower[e]!)) e++;
  return lower.slice(s, e);
}
