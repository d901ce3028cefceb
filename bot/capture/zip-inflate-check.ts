import { inflateRawSync } from 'node:zlib';
import { tooLarge, unreadable } from './capture-errors.ts';
import { megabytes } from './resume-limits.ts';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** The end record sits in the last 22 bytes plus a comment of at most 65,535 (APPNOTE 4.3.16). */
const EOCD_SEARCH = 22 + 0xffff;
const MAX_ENTRIES = 10_000;

/**
 * Inflates a ZIP's XML parts with a cap on the bytes they may inflate to, before a library that
 * inflates them whole (mammoth, through JSZip) sees the file: a zip bomb's document.xml is
 * refused here instead of filling the worker's memory. The sizes the ZIP declares may lie, so each
 * part is really inflated (node's zlib stops at `maxOutputLength`).
 */
export function checkZipInflation(bytes: Uint8Array, maxXmlBytes: number): void {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEnd(view);
  const entries = view.readUInt16LE(end + 10);
  let at = view.readUInt32LE(end + 16);
  if (entries > MAX_ENTRIES) throw unreadable(`This document has too many parts (${entries}).`);
  let inflated = 0;
  for (let i = 0; i < entries; i++) {
    if (at + 46 > view.length || view.readUInt32LE(at) !== CENTRAL) throw damaged();
    const method = view.readUInt16LE(at + 10);
    const compressed = view.readUInt32LE(at + 20);
    const nameLength = view.readUInt16LE(at + 28);
    const local = view.readUInt32LE(at + 42);
    const name = view.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + view.readUInt16LE(at + 30) + view.readUInt16LE(at + 32);
    if (!name.endsWith('.xml') && !name.endsWith('.rels')) continue;
    inflated += partSize(view, local, compressed, method, maxXmlBytes - inflated);
    if (inflated > maxXmlBytes) throw bomb(maxXmlBytes);
  }
}

function findEnd(view: Buffer): number {
  const stop = Math.max(0, view.length - EOCD_SEARCH);
  for (let i = view.length - 22; i >= stop; i--) {
    if (view.readUInt32LE(i) === EOCD) return i;
  }
  throw damaged();
}

function partSize(view: Buffer, local: number, compressed: number, method: number, budget: number): number {
  if (local + 30 > view.length || view.readUInt32LE(local) !== LOCAL) throw damaged();
  const start = local + 30 + view.readUInt16LE(local + 26) + view.readUInt16LE(local + 28);
  if (compressed === 0xffffffff || start + compressed > view.length) throw damaged();
  if (method === 0) return compressed;
  if (method !== 8) throw damaged();
  try {
    return inflateRawSync(view.subarray(start, start + compressed), { maxOutputLength: budget + 1 }).length;
  } catch (error) {
    // Past the budget: the caller refuses the file, naming the whole limit.
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return budget + 1;
    throw damaged(error);
  }
}

function bomb(limit: number) {
  return tooLarge(`This document inflates to more than ${megabytes(limit)} of text.`);
}

function damaged(cause?: unknown) {
  return unreadable('This document is damaged: its ZIP structure could not be read.', cause);
}
