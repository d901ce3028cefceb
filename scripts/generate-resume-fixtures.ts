/**
 * Writes the resume fixtures the reader's tests and benchmark read (issue #17): 36 resumes in
 * fixtures/resumes/ (PDF in one and two columns, one and two pages; DOCX; RTF; text; HTML bodies)
 * with what each states in expected.json, and hostile files in fixtures/resumes/hostile/.
 * Deterministic: re-running it changes nothing unless this script changes.
 * Run: `node scripts/generate-resume-fixtures.ts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { encodePng } from './png.ts';
import {
  deeplyNestedPdf,
  docxParts,
  encryptedPdf,
  falsePageCountPdf,
  hugePageCountPdf,
  textBombPdf,
  zipBombDocx,
  zipDocx,
} from './hostile-resume-files.ts';
import { type Block, type Person, people } from './resume-fixture-people.ts';

const ROOT = join(import.meta.dirname, '..', 'fixtures', 'resumes');
const FIXED_DATE = new Date('2026-11-20T12:00:00Z');

/** The resume as lines: what every format renders. */
function blocks(p: Person): Block[] {
  return p.blocks;
}

function toText(p: Person): string {
  return `${blocks(p)
    .map((b) => b.text)
    .join('\n')}\n`;
}

const escapeHtml = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

function toHtml(p: Person): string {
  const out: string[] = ['<html><head><style>h2 { color: #333 }</style></head><body>'];
  let list = false;
  for (const b of blocks(p)) {
    const bullet = b.text.startsWith('\u2022 ');
    if (list && !bullet) {
      out.push('</ul>');
      list = false;
    }
    if (b.text === '') continue;
    if (bullet) {
      if (!list) out.push('<ul>');
      list = true;
      out.push(`  <li>${escapeHtml(b.text.slice(2))}</li>`);
    } else if (b.style === 'name') out.push(`<h1>${escapeHtml(b.text)}</h1>`);
    else if (b.style === 'heading') out.push(`<h2>${escapeHtml(b.text)}</h2>`);
    else out.push(`<p>${escapeHtml(b.text).replaceAll('\u00a0', '&nbsp;')}</p>`);
  }
  if (list) out.push('</ul>');
  out.push('</body></html>');
  return `${out.join('\n')}\n`;
}

function rtfEscape(s: string): string {
  let out = '';
  for (const c of s) {
    const code = c.codePointAt(0)!;
    if (c === '\\' || c === '{' || c === '}') out += `\\${c}`;
    else if (code < 128) out += c;
    else if (code < 256) out += `\\'${code.toString(16).padStart(2, '0')}`;
    else out += `\\u${code > 32767 ? code - 65536 : code}?`;
  }
  return out;
}

function toRtf(p: Person): string {
  const head =
    '{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Arial;}{\\f1\\froman Times New Roman;}}' +
    '{\\colortbl;\\red0\\green0\\blue0;\\red31\\green73\\blue125;}{\\*\\generator CRM Sync fixtures;}' +
    '{\\info{\\author Fixture}}\\viewkind4\\uc1\\pard\\f0\\fs20 ';
  const body = blocks(p).map((b) => {
    const text = rtfEscape(b.text);
    if (b.style === 'name') return `{\\b\\fs32 ${text}}\\par\n`;
    if (b.style === 'heading') return `{\\b\\cf2 ${text}}\\par\n`;
    return `${text}\\par\n`;
  });
  // A picture group, as Word writes a photo: its hex must not reach the text.
  const picture = '{\\pict\\pngblip\\picw10\\pich10 89504e470d0a1a0a0000000d49484452}\\par\n';
  return `${head}${picture}${body.join('')}}\n`;
}

function toDocx(p: Person): Buffer {
  const xml = (s: string) => escapeHtml(s).replaceAll('"', '&quot;');
  const paragraphs = blocks(p).map((b) => {
    if (b.text === '') return '<w:p/>';
    const bold = b.style === 'name' || b.style === 'heading' ? '<w:rPr><w:b/></w:rPr>' : '';
    const text = b.text.startsWith('\u2022 ') ? b.text.slice(2) : b.text;
    const list = b.text.startsWith('\u2022 ')
      ? '<w:pPr><w:pStyle w:val="ListBullet"/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr>'
      : '';
    return `<w:p>${list}<w:r>${bold}<w:t xml:space="preserve">${xml(text)}</w:t></w:r></w:p>`;
  });
  return zipDocx(docxParts(paragraphs.join('')));
}

async function toPdf(p: Person): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.setCreationDate(FIXED_DATE);
  doc.setModificationDate(FIXED_DATE);
  doc.setProducer('CRM Sync fixtures');
  doc.setCreator('CRM Sync fixtures');
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const width = 612;
  const top = 750;
  const bottom = 60;
  let page = doc.addPage([width, 792]);
  const columns =
    p.layout === 'two-column'
      ? [
          { x: 40, blocks: p.sidebar ?? [] },
          { x: 230, blocks: blocks(p) },
        ]
      : [{ x: 50, blocks: blocks(p) }];
  let headerBottom = top;
  if (p.layout === 'two-column') {
    for (const b of p.header ?? []) {
      const size = b.style === 'name' ? 20 : 11;
      page.drawText(b.text, { x: 40, y: headerBottom, size, font: b.style === 'name' ? bold : regular });
      headerBottom -= size + 8;
    }
    headerBottom -= 12;
  }
  const firstPage = page;
  for (const column of columns) {
    page = firstPage;
    let y = headerBottom;
    for (const b of column.blocks) {
      if (b.text === '') {
        y -= 10;
        continue;
      }
      const size = b.style === 'name' ? 18 : b.style === 'heading' ? 11 : 10;
      if (y < bottom) {
        page = doc.getPages()[doc.getPages().indexOf(page) + 1] ?? doc.addPage([width, 792]);
        y = top;
      }
      page.drawText(b.text, {
        x: column.x + (b.text.startsWith('\u2022 ') ? 8 : 0),
        y,
        size,
        font: b.style === 'name' || b.style === 'heading' ? bold : regular,
      });
      y -= size === 18 ? 26 : 14;
    }
  }
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

async function scannedPdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.setCreationDate(FIXED_DATE);
  doc.setModificationDate(FIXED_DATE);
  const w = 120;
  const h = 60;
  const rgba = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    const shade = (i % w) % 12 < 6 && Math.floor(i / w) % 10 < 5 ? 40 : 235;
    rgba.set([shade, shade, shade, 255], i * 4);
  }
  const image = await doc.embedPng(encodePng(w, h, rgba));
  doc.addPage([612, 792]).drawImage(image, { x: 50, y: 400, width: 480, height: 240 });
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

function checkPhone(p: Person) {
  for (const phone of p.phones) {
    const parsed = parsePhoneNumberFromString(phone.written, p.country as never);
    if (!parsed?.isValid() || parsed.number !== phone.e164) {
      throw new Error(`${p.file}: ${phone.written} is not ${phone.e164} (${parsed?.number})`);
    }
  }
}

mkdirSync(join(ROOT, 'hostile'), { recursive: true });
const expected: Record<string, unknown> = {};
for (const p of people()) {
  checkPhone(p);
  const path = join(ROOT, p.file);
  if (p.format === 'pdf') writeFileSync(path, await toPdf(p));
  else if (p.format === 'docx') writeFileSync(path, toDocx(p));
  else if (p.format === 'rtf') writeFileSync(path, toRtf(p), 'latin1');
  else if (p.format === 'html') writeFileSync(path, toHtml(p));
  else writeFileSync(path, toText(p));
  expected[p.file] = {
    format: p.format,
    layout: p.layout,
    name: p.name,
    emails: p.email ? [p.email] : [],
    phones: p.phones.map((ph) => ph.e164),
    title: p.title,
    employer: p.employer,
    location: p.location,
    ...(p.passCountry ? { defaultCountry: p.country } : {}),
  };
}
writeFileSync(join(ROOT, 'expected.json'), `${JSON.stringify(expected, null, 2)}\n`);

const hostile: Record<string, Buffer> = {
  'deeply-nested.pdf': deeplyNestedPdf(),
  'huge-page-count.pdf': hugePageCountPdf(),
  'false-page-count.pdf': falsePageCountPdf(),
  'text-bomb.pdf': textBombPdf(),
  'scanned-image.pdf': await scannedPdf(),
  'encrypted.pdf': encryptedPdf(),
  'zip-bomb.docx': zipBombDocx(),
};
for (const [name, bytes] of Object.entries(hostile)) writeFileSync(join(ROOT, 'hostile', name), bytes);
console.log(`wrote ${Object.keys(expected).length} resumes and ${Object.keys(hostile).length} hostile files`);
