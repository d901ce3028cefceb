import assert from 'node:assert/strict';
import { PDFDocument, type PDFFont, type PDFPage, StandardFonts } from 'pdf-lib';
import { htmlResumeText } from '../../bot/capture/html-resume-text.ts';
import { DEFAULT_READER_LIMITS } from '../../bot/capture/resume-limits.ts';
import { extractResumeText, normalizeText } from '../../bot/capture/resume-text.ts';
import { rtfText } from '../../bot/capture/rtf-text.ts';
import { AppError } from '../../bot/errors/app-error.ts';
import { resumeBytes } from './resume-fixtures.ts';

const limits = DEFAULT_READER_LIMITS;

async function pdfOf(draw: (page: PDFPage, font: PDFFont) => void): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  draw(doc.addPage([612, 792]), font);
  return Buffer.from(await doc.save());
}

describe('resume text extraction', () => {
  it('reads a PDF page as lines, with its page count', async () => {
    const bytes = await pdfOf((page, font) => {
      page.drawText('Jane Doe', { x: 50, y: 740, size: 18, font });
      page.drawText('jane@example.com', { x: 50, y: 714, size: 10, font });
    });
    const { text, pages } = await extractResumeText(bytes, 'pdf', limits);
    assert.equal(text, 'Jane Doe\njane@example.com');
    assert.equal(pages, 1);
  });

  it('reads a two-column PDF one column after the other, not line across line', async () => {
    const bytes = await pdfOf((page, font) => {
      const left = ['CONTACT', 'jane@example.com', 'Seattle, WA', 'SKILLS', 'Python'];
      const right = ['EXPERIENCE', 'Senior Engineer', 'Contoso Ltd', '2019 - Present', 'Built the platform.'];
      left.forEach((t, i) => page.drawText(t, { x: 40, y: 700 - i * 14, size: 10, font }));
      right.forEach((t, i) => page.drawText(t, { x: 230, y: 700 - i * 14, size: 10, font }));
    });
    const { text } = await extractResumeText(bytes, 'pdf', limits);
    assert.equal(
      text,
      'CONTACT\njane@example.com\nSeattle, WA\nSKILLS\nPython\n\nEXPERIENCE\nSenior Engineer\nContoso Ltd\n2019 - Present\nBuilt the platform.',
    );
  });

  it('keeps a one-column line whole when its date sits at the right', async () => {
    const bytes = await pdfOf((page, font) => {
      page.drawText('Senior Engineer, Contoso', { x: 50, y: 700, size: 10, font });
      page.drawText('2019 - Present', { x: 480, y: 700, size: 10, font });
    });
    assert.equal(
      (await extractResumeText(bytes, 'pdf', limits)).text,
      'Senior Engineer, Contoso  2019 - Present',
    );
  });

  it('refuses a PDF with more pages than the limit, naming it', async () => {
    const doc = await PDFDocument.create();
    for (let i = 0; i < 3; i++) doc.addPage();
    await assert.rejects(
      extractResumeText(await doc.save(), 'pdf', { ...limits, maxPages: 2 }),
      (e: AppError) => {
        assert.equal(e.code, 'capture.too_large');
        assert.match(e.message, /3 pages; the limit is 2/);
        return true;
      },
    );
  });

  it('says a PDF without text may be scanned or encrypted', async () => {
    for (const file of ['hostile/scanned-image.pdf', 'hostile/encrypted.pdf']) {
      await assert.rejects(extractResumeText(resumeBytes(file), 'pdf', limits), {
        code: 'capture.unreadable',
        message: 'This PDF has no text to read: it may be a scanned image or encrypted.',
      });
    }
  });

  it('refuses bytes that are not a PDF as unreadable', async () => {
    await assert.rejects(extractResumeText(Buffer.from('hello'), 'pdf', limits), {
      code: 'capture.unreadable',
    });
  });

  it('reads a DOCX, blank paragraphs as blank lines', async () => {
    const { text } = await extractResumeText(resumeBytes('02-liam-oconnor.docx'), 'docx', limits);
    assert.match(
      text,
      /^Liam O'Connor\nManchester, United Kingdom \| liam\.oconnor1@gmail\.com \| \+44 7911 123456\n/,
    );
    assert.match(text, /\n\nSUMMARY\n/);
  });

  it('refuses a DOCX whose XML inflates past the cap, and a damaged one', async () => {
    await assert.rejects(extractResumeText(resumeBytes('hostile/zip-bomb.docx'), 'docx', limits), {
      code: 'capture.too_large',
      message: 'This document inflates to more than 32 MB of text.',
    });
    await assert.rejects(extractResumeText(Buffer.from('PK\x03\x04 broken'), 'docx', limits), {
      code: 'capture.unreadable',
    });
  });

  it('reads RTF: escapes, Unicode, symbols; skips tables, pictures and \\* destinations', () => {
    const rtf = String.raw`{\rtf1\ansi{\fonttbl{\f0 Arial;}}{\colortbl;\red0\green0\blue0;}{\*\generator Word;}{\pict\pngblip 89504e47}Fran\'e7ois M\u252?ller\par Engineer \endash  Contoso \{x\}\par\bullet  C\'96D\par}`;
    assert.equal(rtfText(rtf, 1000), 'François Müller\nEngineer – Contoso {x}\n• C–D\n');
  });

  it('refuses RTF nested past its depth limit', () => {
    assert.throws(() => rtfText(`{\\rtf1${'{'.repeat(2000)}`, 1000), { code: 'capture.unreadable' });
  });

  it('reads HTML: blocks as lines, list items as bullets, entities decoded, scripts dropped', () => {
    const html = `<html><head><title>t</title><style>p{}</style></head><body><h1>Jane &amp; Doe</h1>
      <p>Engineer&nbsp;at Contoso</p><script>alert(1)</script><ul><li>A &#8211; B</li><li>C&#x27;s</li></ul>one<br>two<br><br>three &bogus; &</body></html>`;
    assert.equal(
      htmlResumeText(html, 1000),
      "Jane & Doe\nEngineer at Contoso\n• A – B\n• C's\none\ntwo\n\nthree &bogus; &",
    );
  });

  it('reads text as UTF-8, or UTF-16 with its byte-order mark', async () => {
    assert.equal(
      (await extractResumeText(Buffer.from('Zoë Smith\r\nline'), 'text', limits)).text,
      'Zoë Smith\nline',
    );
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Zoë Smith', 'utf16le')]);
    assert.equal((await extractResumeText(utf16, 'text', limits)).text, 'Zoë Smith');
  });

  it('normalises: odd spaces, zero-width characters, trailing spaces, runs of blank lines; cut to the limit', () => {
    assert.equal(normalizeText('a\u00a0b\u200b  \n\n\n\nc\td', 100), 'a b\n\nc\td');
    assert.equal(normalizeText('x'.repeat(50), 10).length, 10);
  });

  it('refuses a format it does not read', async () => {
    await assert.rejects(extractResumeText(Buffer.from('x'), 'doc' as never, limits), (e) =>
      AppError.is(e, 'capture.unsupported'),
    );
  });
});
