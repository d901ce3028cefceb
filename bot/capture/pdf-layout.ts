/**
 * Lays out a PDF page's text items as lines in reading order. pdf.js gives runs of text with their
 * position; joined in stream order, a two-column resume interleaves its columns ("Experience
 * Skills"), so lines are rebuilt from positions and a column gap shared by many lines splits the
 * page into a left then a right column.
 */

export interface TextItem {
  str: string;
  /** Left edge and baseline, in PDF units (y grows upwards). */
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Segment {
  x: number;
  end: number;
  y: number;
  height: number;
  text: string;
}

/** A horizontal gap wider than this many text heights separates two segments of one line. */
const SEGMENT_GAP = 2;
/** Segments that must start at one x before it is a column's edge. */
const MIN_COLUMN_LINES = 3;
/** A right column starts at least this far (in PDF units, 1/72 inch) right of the left margin. */
const MIN_COLUMN_OFFSET = 120;

export function layoutPage(items: readonly TextItem[]): string {
  const lines = groupLines(items.filter((item) => item.str.trim() !== ''));
  const segments = lines.map(splitSegments);
  const edge = columnEdge(segments);
  if (edge === undefined) return render(segments.flat());
  const left: Segment[] = [];
  const right: Segment[] = [];
  for (const segment of segments.flat()) (segment.x >= edge ? right : left).push(segment);
  return `${render(left)}\n\n${render(right)}`;
}

function groupLines(items: TextItem[]): TextItem[][] {
  const sorted = [...items].sort((a, b) => b.y - a.y || a.x - b.x);
  const lines: TextItem[][] = [];
  let current: TextItem[] = [];
  let lineY = Number.NaN;
  for (const item of sorted) {
    const tolerance = Math.max(2, item.height * 0.4);
    if (current.length > 0 && Math.abs(item.y - lineY) <= tolerance) {
      current.push(item);
      continue;
    }
    if (current.length > 0) lines.push(current);
    current = [item];
    lineY = item.y;
  }
  if (current.length > 0) lines.push(current);
  for (const line of lines) line.sort((a, b) => a.x - b.x);
  return lines;
}

function splitSegments(line: TextItem[]): Segment[] {
  const segments: Segment[] = [];
  let current: Segment | undefined;
  for (const item of line) {
    const height = item.height || 10;
    if (current && item.x - current.end <= height * SEGMENT_GAP) {
      const gap = item.x - current.end;
      current.text += (gap > height * 0.15 && !current.text.endsWith(' ') ? ' ' : '') + item.str;
      current.end = Math.max(current.end, item.x + item.width);
      continue;
    }
    current = { x: item.x, end: item.x + item.width, y: item.y, height, text: item.str };
    segments.push(current);
  }
  return segments;
}

/**
 * The x where a right column starts: a left edge, well right of the page's margin, where at least
 * MIN_COLUMN_LINES segments start, holding a fair share of the page's text, which the segments
 * to its left do not run across. Right-aligned dates in a one-column layout start at scattered x
 * and hold little text, so they stay in their lines.
 */
function columnEdge(lines: Segment[][]): number | undefined {
  const all = lines.flat();
  if (all.length === 0) return undefined;
  const margin = Math.min(...all.map((s) => s.x));
  const votes = new Map<number, number>();
  for (const segment of all) {
    if (segment.x < margin + MIN_COLUMN_OFFSET) continue;
    const key = Math.round(segment.x / 10) * 10;
    votes.set(key, (votes.get(key) ?? 0) + 1);
  }
  let best: number | undefined;
  let bestVotes = 0;
  for (const [x, count] of votes) {
    if (count > bestVotes || (count === bestVotes && best !== undefined && x < best))
      [best, bestVotes] = [x, count];
  }
  if (best === undefined || bestVotes < MIN_COLUMN_LINES) return undefined;
  // Indented lines (bullets) start a little right of the column's edge: the edge is the leftmost
  // start just left of the most common one.
  let edgeX = best;
  for (const [x, count] of votes) if (count >= 2 && x < edgeX && x >= best - 40) edgeX = x;
  const edge = edgeX - 6;
  let rightChars = 0;
  let totalChars = 0;
  let left = 0;
  let crossing = 0;
  for (const segment of all) {
    totalChars += segment.text.length;
    if (segment.x >= edge) rightChars += segment.text.length;
    else {
      left++;
      if (segment.end > edge + 6) crossing++;
    }
  }
  if (rightChars < totalChars * 0.25 || crossing > left * 0.2) return undefined;
  return edge;
}

/** Segments top to bottom as lines, with a blank line where the vertical gap is wide. */
function render(segments: Segment[]): string {
  const sorted = [...segments].sort((a, b) => b.y - a.y || a.x - b.x);
  const out: string[] = [];
  let previous: Segment | undefined;
  for (const segment of sorted) {
    if (previous) {
      const sameLine = Math.abs(previous.y - segment.y) <= Math.max(2, segment.height * 0.4);
      if (sameLine) {
        out.push('  ');
      } else {
        out.push(previous.y - segment.y > Math.max(previous.height, segment.height) * 1.9 ? '\n\n' : '\n');
      }
    }
    out.push(segment.text.trim());
    previous = segment;
  }
  return out.join('');
}
