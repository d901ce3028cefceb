import type { getDocumentProxy } from 'unpdf';
import { NO_TEXT_MESSAGE, reason, textBomb, tooLarge, unreadable } from './capture-errors.ts';
import { type TextItem, layoutPage } from './pdf-layout.ts';
import { TEXT_BOMB_FACTOR } from './resume-limits.ts';
import type { ReaderLimits } from './resume.port.ts';

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;
type PdfPage = Awaited<ReturnType<PdfDocument['getPage']>>;

/**
 * A PDF's text, page by page, through pdf.js (unpdf's build: pure JavaScript, no native code),
 * loaded on first use. The page count is checked before any page is read, and reading stops once
 * the text passes the text-bomb ceiling.
 */
export async function pdfText(
  bytes: Uint8Array,
  limits: ReaderLimits,
): Promise<{ text: string; pages: number }> {
  const { getDocumentProxy: open } = await import('unpdf');
  let pdf: PdfDocument;
  try {
    // pdf.js takes a plain Uint8Array, not a Buffer.
    pdf = await open(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      // Fonts are never drawn, and no string from the file is ever compiled as code.
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      verbosity: 0,
    });
  } catch (error) {
    if ((error as { name?: string }).name === 'PasswordException') throw unreadable(NO_TEXT_MESSAGE, error);
    throw unreadable(`This PDF could not be read: ${reason(error)}`, error);
  }
  try {
    const pages = pdf.numPages;
    if (pages > limits.maxPages) {
      throw tooLarge(`This PDF has ${pages.toLocaleString('en-US')} pages; the limit is ${limits.maxPages}.`);
    }
    const ceiling = limits.maxTextChars * TEXT_BOMB_FACTOR;
    const texts: string[] = [];
    let total = 0;
    for (let number = 1; number <= pages; number++) {
      const items = await pageItems(await pdf.getPage(number), ceiling - total, ceiling);
      const text = layoutPage(items);
      total += text.length;
      texts.push(text);
    }
    const text = texts.join('\n\n');
    if (text.trim() === '') throw unreadable(NO_TEXT_MESSAGE);
    return { text, pages };
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('capture.')) throw error;
    throw unreadable(`This PDF could not be read: ${reason(error)}`, error);
  } finally {
    await pdf.destroy();
  }
}

/** The page's text items, streamed so that a page holding a text bomb is stopped early. */
async function pageItems(page: PdfPage, budget: number, ceiling: number): Promise<TextItem[]> {
  const reader = page.streamTextContent().getReader() as ReadableStreamDefaultReader<{ items: unknown[] }>;
  const items: TextItem[] = [];
  let chars = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const raw of value.items) {
      const item = raw as { str?: string; transform?: number[]; width?: number; height?: number };
      if (typeof item.str !== 'string' || !item.transform) continue;
      chars += item.str.length;
      items.push({
        str: item.str,
        x: item.transform[4] ?? 0,
        y: item.transform[5] ?? 0,
        width: item.width ?? 0,
        height: Math.abs(item.transform[3] ?? 0) || (item.height ?? 0),
      });
    }
    if (chars > budget) {
      await reader.cancel();
      throw textBomb(ceiling);
    }
  }
  return items;
}
