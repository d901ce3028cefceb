import { escapeMarkdown } from '../bot/cards/plain-text.ts';
import { htmlToText } from '../bot/crm/html-text.ts';
import { summarize } from '../bot/crm/message-linking.ts';

/**
 * `npm run bench -- hostile-html`: 1 MB of hostile HTML (the shapes that made the old regular
 * expressions backtrack) through everything that reads a body on the way to a person: the tab's
 * preview and the Outlook pane's text (htmlToText), the message action's linking (summarize: text,
 * address scan) and the card's text (escapeMarkdown). Target: each body in well under 100 ms.
 *
 * Side by side in the same run, on the same bytes:
 * - the limit: one plain pass over the string (counting `<`), what no reader of the body can beat;
 * - the old strategy: the tag-stripping regular expressions issue 13 replaced, on 1/20 of the input
 *   only (at 1 MB they take seconds), scaled up linearly, which flatters them.
 */

const MB = 1024 * 1024;
const TARGET_MS = 100;

function fill(unit: string): string {
  return unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);
}

const SHAPES: Record<string, string> = {
  'unclosed <': fill('<'),
  'unclosed <script>': fill('<script>'),
  'open attributes <a': fill('<a href="x" '),
  'nested tags': fill('<div><span><b>'),
  'entity flood': fill('&amp;&#x41;&nbsp;&'),
  'addresses in text': fill('a.b-c@d.example x '),
  'markdown marks': fill('[**_`~#'),
};

function time(fn: () => unknown, runs = 5): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

function linearPass(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 60) n++;
  return n;
}

/** What preview() and the linking summary did before issue 13. */
function oldStrip(html: string): string {
  return html.replace(/<(style|script)[^>]*>[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' ');
}

export async function hostileHtml(): Promise<Record<string, unknown>> {
  const rows: Array<Record<string, unknown>> = [];
  let worst = 0;
  for (const [shape, html] of Object.entries(SHAPES)) {
    process.stderr.write(`hostile-html: ${shape}\n`);
    const text = time(() => htmlToText(html));
    const link = time(() =>
      summarize({ id: '1', subject: null, body: { contentType: 'html', content: html } }),
    );
    const card = time(() => escapeMarkdown(html));
    const limit = time(() => linearPass(html));
    const part = html.slice(0, MB / 20);
    const old = time(() => oldStrip(part), 1) * 20;
    const slowest = Math.max(text, link, card);
    worst = Math.max(worst, slowest);
    rows.push({
      shape,
      htmlToTextMs: Number(text.toFixed(1)),
      linkingMs: Number(link.toFixed(1)),
      cardTextMs: Number(card.toFixed(1)),
      limitMs: Number(limit.toFixed(2)),
      oldStrategyMsAtLeast: Number(old.toFixed(0)),
      slowestOverLimit: Number((slowest / Math.max(limit, 0.01)).toFixed(1)),
      oldOverOurs: Number((old / Math.max(slowest, 0.01)).toFixed(1)),
    });
  }
  return {
    bytes: MB,
    shapes: rows,
    worstMs: Number(worst.toFixed(1)),
    targets: { worstMsAtMost: TARGET_MS },
    met: { worstMs: worst <= TARGET_MS },
  };
}
