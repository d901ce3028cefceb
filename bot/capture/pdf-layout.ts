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
/** The share of multi-segment lines that must agree on a column edge before a page has columns. */
const MIN_COLUMN_LINES = 3;

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

/** The x where a right column starts, when enough lines have a segment starting there. */
function columnEdge(lines: Segment[][]): number | undefined {
  const votes = new Map<number, number>();
  for (const line of lines) {
    for (let i = 1; i < line.length; i++) {
      const key = Math.round(line[i]!.x / 10) * 10;
      votes.set(key, (votes.get(key) ?? 0) + 1);
    }
  }
  let best: number | undefined;
  let bestVotes = 0;
  for (const [x, count] of votes) {
    if (count > bestVotes) [best, bestVotes] = [x, count];
  }
  if (best === undefined || bestVotes < MIN_COLUMN_LINES) return undefined;
  return best - 6;
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
