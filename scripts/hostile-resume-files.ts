/**
 * Hostile resume files for the reader's tests, written byte by byte (no PDF library makes them):
 * deep nesting, a page tree claiming 100,000 pages, a text bomb, an encrypted PDF, a zip bomb
 * DOCX. Deterministic. Used by generate-resume-fixtures.ts.
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { zipSync } from 'fflate';

/** A PDF from its objects' bodies (object n is objects[n - 1]), with a correct xref table. */
export function rawPdf(objects: readonly (string | Buffer)[], trailerExtra = ''): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let length = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(length);
    const chunk = Buffer.concat([
      Buffer.from(`${i + 1} 0 obj\n`, 'latin1'),
      typeof body === 'string' ? Buffer.from(body, 'latin1') : body,
      Buffer.from('\nendobj\n', 'latin1'),
    ]);
    parts.push(chunk);
    length += chunk.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`];
  for (const offset of offsets) xref.push(`${String(offset).padStart(10, '0')} 00000 n \n`);
  xref.push(
    `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${trailerExtra}>>\nstartxref\n${length}\n%%EOF\n`,
  );
  parts.push(Buffer.from(xref.join(''), 'latin1'));
  return Buffer.concat(parts);
}

function stream(data: Buffer, dict = '', compress = false): Buffer {
  const body = compress ? deflateSync(data, { level: 9 }) : data;
  const filter = compress ? '/Filter /FlateDecode ' : '';
  return Buffer.concat([
    Buffer.from(`<< ${filter}/Length ${body.length} ${dict}>>\nstream\n`, 'latin1'),
    body,
    Buffer.from('\nendstream', 'latin1'),
  ]);
}

const FONT = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
const TEXT = Buffer.from('BT /F1 12 Tf 72 720 Td (Jane Doe) Tj ET', 'latin1');

/** A page whose dictionary holds an array and a dictionary each nested 100,000 deep. */
export function deeplyNestedPdf(): Buffer {
  const depth = 100_000;
  const array = `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const dict = `${'<< /A '.repeat(depth)}1${' >>'.repeat(depth)}`;
  return rawPdf([
    `<< /Type /Catalog /Pages 2 0 R /Deep ${array} >>`,
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> /Deep ${dict} >>`,
    stream(TEXT),
    FONT,
  ]);
}

/**
 * A real page tree of 100,000 pages in a few kilobytes: 1,000 branches share one node of 100
 * leaves that share one page (the last branch and leaf are distinct, so a reader that checks the
 * last page finds it).
 */
export function hugePageCountPdf(): Buffer {
  const refs = (ref: string, n: number) => Array.from({ length: n }, () => ref).join(' ');
  const page = (parent: number) =>
    `<< /Type /Page /Parent ${parent} 0 R /MediaBox [0 0 612 792] /Contents 7 0 R /Resources << /Font << /F1 8 0 R >> >> >>`;
  return rawPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${refs('3 0 R', 999)} 4 0 R] /Count 100000 >>`,
    `<< /Type /Pages /Parent 2 0 R /Kids [${refs('5 0 R', 100)}] /Count 100 >>`,
    `<< /Type /Pages /Parent 2 0 R /Kids [${refs('5 0 R', 99)} 6 0 R] /Count 100 >>`,
    page(3),
    page(4),
    stream(TEXT),
    FONT,
  ]);
}

/** A page tree that says it holds 100,000 pages and holds one: pdf.js counts what is there. */
export function falsePageCountPdf(): Buffer {
  return rawPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 100000 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    stream(TEXT),
    FONT,
  ]);
}

/** A few kilobytes that inflate to 48 MB of text: one line shown two million times. */
export function textBombPdf(): Buffer {
  const unit = '(AAAAAAAAAAAAAAAAAAAA) Tj 0 -1 Td ';
  const content = Buffer.from(`BT /F1 1 Tf 72 720 Td ${unit.repeat(1_500_000)}ET`, 'latin1');
  return rawPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    stream(content, '', true),
    FONT,
  ]);
}

const PAD = Buffer.from('28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a', 'hex');

function rc4(key: Buffer, data: Buffer): Buffer {
  const s = Array.from({ length: 256 }, (_, i) => i);
  let j = 0;
  for (let i = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 255;
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  const out = Buffer.alloc(data.length);
  let i = 0;
  j = 0;
  for (let k = 0; k < data.length; k++) {
    i = (i + 1) & 255;
    j = (j + s[i]!) & 255;
    [s[i], s[j]] = [s[j]!, s[i]!];
    out[k] = data[k]! ^ s[(s[i]! + s[j]!) & 255]!;
  }
  return out;
}

const md5 = (...parts: Buffer[]) => createHash('md5').update(Buffer.concat(parts)).digest();
const padded = (password: string) => Buffer.concat([Buffer.from(password, 'latin1'), PAD]).subarray(0, 32);

/**
 * A PDF encrypted with the standard security handler (revision 2, RC4 40-bit) and a user password
 * ("secret"), so nothing can be read without it (ISO 32000-1, 7.6.3, algorithms 2 to 4).
 */
export function encryptedPdf(): Buffer {
  const id = md5(Buffer.from('crm-sync resume fixture'));
  const owner = rc4(md5(padded('owner')).subarray(0, 5), padded('secret'));
  const permissions = -44;
  const p = Buffer.alloc(4);
  p.writeInt32LE(permissions);
  const key = md5(padded('secret'), owner, p, id).subarray(0, 5);
  const user = rc4(key, PAD);
  const objectKey = (n: number) =>
    md5(key, Buffer.from([n & 255, (n >> 8) & 255, (n >> 16) & 255, 0, 0])).subarray(0, 10);
  return rawPdf(
    [
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
      stream(rc4(objectKey(4), TEXT)),
      FONT,
      `<< /Filter /Standard /V 1 /R 2 /O <${owner.toString('hex')}> /U <${user.toString('hex')}> /P ${permissions} >>`,
    ],
    `/Encrypt 6 0 R /ID [<${id.toString('hex')}> <${id.toString('hex')}>] `,
  );
}

/** The parts of a minimal DOCX around a document.xml body. */
export function docxParts(bodyXml: string): Record<string, Uint8Array> {
  const text = (s: string) => Buffer.from(s, 'utf8');
  return {
    '[Content_Types].xml': text(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    ),
    '_rels/.rels': text(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    ),
    'word/document.xml': text(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${bodyXml}</w:body></w:document>`,
    ),
  };
}

/** Zipped with a fixed time, so the bytes are the same on every run. */
export function zipDocx(parts: Record<string, Uint8Array>): Buffer {
  const mtime = new Date('2026-11-20T12:00:00Z');
  const files = Object.fromEntries(
    Object.entries(parts).map(([name, data]) => [name, [data, { mtime, level: 9 }]]),
  );
  return Buffer.from(zipSync(files as never));
}

/** A DOCX of about 100 KB whose document.xml inflates to 64 MB. */
export function zipBombDocx(): Buffer {
  const paragraph = '<w:p><w:r><w:t>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</w:t></w:r></w:p>';
  return zipDocx(docxParts(paragraph.repeat(Math.ceil((64 * 1024 * 1024) / paragraph.length))));
}
