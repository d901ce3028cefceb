import { reason, textBomb, unreadable } from './capture-errors.ts';
import { MAX_DOCX_XML_BYTES, TEXT_BOMB_FACTOR } from './resume-limits.ts';
import type { ReaderLimits } from './resume.port.ts';
import { checkZipInflation } from './zip-inflate-check.ts';

/** A DOCX's text through mammoth (loaded on first use), after its parts pass the inflation cap. */
export async function docxText(bytes: Uint8Array, limits: ReaderLimits): Promise<string> {
  if (bytes[0] !== 0x50 || bytes[1] !== 0x4b) throw unreadable('This is not a Word document (.docx).');
  checkZipInflation(bytes, MAX_DOCX_XML_BYTES);
  const mammoth = (await import('mammoth')).default;
  let raw: string;
  try {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    raw = (await mammoth.extractRawText({ buffer })).value;
  } catch (error) {
    throw unreadable(`This Word document could not be read: ${reason(error)}`, error);
  }
  const ceiling = limits.maxTextChars * TEXT_BOMB_FACTOR;
  if (raw.length > ceiling) throw textBomb(ceiling);
  // mammoth ends every paragraph with a blank line; an empty paragraph (a gap in the layout) is
  // then the only blank line left.
  return raw.replaceAll('\n\n', '\n');
}
