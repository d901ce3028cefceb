import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Splitter } from '@zone-eu/mailsplit';
import { AppError } from '../errors/app-error.ts';
import type { LeftOutAttachment, MailAttachment } from './mail-source.port.ts';

/**
 * A message's attachments read from its MIME (Graph's `GET /messages/{id}/$value`): one request
 * for all its files, where listing them and downloading each costs one request plus one per file,
 * against Exchange's budget of 10,000 requests per mailbox in 10 minutes.
 *
 * The MIME is hostile input. It is read as a stream, its size capped (`maxMimeBytes`), each part's
 * header block capped, and the number of parts capped; the splitter (`@zone-eu/mailsplit`, the
 * parser under nodemailer's mailparser) reads it line by line, with nothing that backtracks.
 * Decoded files are spooled to a private temporary folder, never held whole in memory, and the
 * ones that fit the user's limit are handed on as streams from there.
 */

/**
 * Header bytes a part may have (each line counting for at least 64): Exchange writes a few KB, a
 * message to a thousand recipients folded one a line about 70.
 */
const MAX_HEAD_BYTES = 256 * 1024;
/** MIME parts a message may have, and how deep they may nest: each open level is checked on every line. */
const MAX_MIME_PARTS = 300;
const MAX_MIME_DEPTH = 16;
/** Files a message may hand on; parts past it are left out (named in the note). */
export const MAX_MIME_ATTACHMENTS = 250;
/** A file name as long as a file system takes. */
const MAX_NAME_LENGTH = 255;

export interface SpooledAttachment extends Omit<MailAttachment, 'id'> {
  /** The spooled bytes, from the start; may be opened again (a retried upload). */
  open(): Readable;
}

export interface SpooledAttachments {
  included: SpooledAttachment[];
  leftOut: LeftOutAttachment[];
  /** Removes the spooled files; call once the activity is written (or given up). */
  release(): Promise<void>;
}

const SPOOL_PREFIX = 'crm-sync-mime-';
/** A spool older than this was left by a process that stopped before releasing it. */
const STALE_SPOOL_MS = 60 * 60 * 1000;
let swept = false;

/**
 * Removes the spools a stopped process left (once per process, in the background): a crash between
 * spooling and storing leaves its folder, which nothing else would remove.
 */
export async function sweepStaleSpools(root: string): Promise<void> {
  const names = (await readdir(root)).filter((name) => name.startsWith(SPOOL_PREFIX));
  for (const name of names) {
    const path = join(root, name);
    const info = await stat(path).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > STALE_SPOOL_MS) await rm(path, { recursive: true, force: true });
  }
}

/** The MIME could not be read (malformed or past a cap): list the files instead. */
export class MimeUnreadable extends Error {}

/** The MIME was longer than `maxMimeBytes`: its files cannot all fit, so list them instead. */
export class MimeTooLarge extends MimeUnreadable {
  constructor(limit: number) {
    super(`the message's MIME is over ${limit} bytes`);
  }
}

/**
 * The name an attachment is stored under: an attached Outlook item (message/rfc822) as an `.eml`,
 * as Outlook saves it; control characters out and the length bounded.
 */
export function storedAttachmentName(name: string, kind: 'file' | 'item'): string {
  let clean = '';
  for (const char of name.slice(0, MAX_NAME_LENGTH * 2)) {
    const code = char.codePointAt(0)!;
    clean += code < 0x20 || code === 0x7f ? ' ' : char;
  }
  clean = clean.trim().slice(0, MAX_NAME_LENGTH) || (kind === 'item' ? 'attached email' : 'attachment');
  return kind === 'item' && !/\.(eml|ics)$/i.test(clean) ? `${clean}.eml` : clean;
}

interface MimeNode {
  root: boolean;
  parentNode: MimeNode | false;
  multipart: string | false;
  contentType: string | false;
  disposition: string | false;
  filename: string | false;
  encoding: string | false;
  getDecoder(): Transform;
}

/** The base64 alphabet and its padding. */
const BASE64_BYTES = new Uint8Array(256);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=')
  BASE64_BYTES[char.charCodeAt(0)] = 1;

/**
 * A base64 part decoded as it streams, by Node's own decoder four characters at a time. Line
 * breaks are cut out a line at a time (a native search and copy per line), where the splitter's
 * decoder made a string of each chunk and ran a pattern over it (a fifth more per large file).
 * Should anything else that is not base64 be there (the decoded length tells), the chunk is taken
 * again byte by byte, every such byte ignored, as RFC 2045 has decoders do.
 */
function base64Decoder(): Transform {
  let rest = Buffer.alloc(0);
  const decode = (clean: Buffer, n: number): Buffer | undefined => {
    const whole = n - (n % 4);
    rest = Buffer.from(clean.subarray(whole, n));
    return whole > 0 ? Buffer.from(clean.toString('latin1', 0, whole), 'base64') : undefined;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const clean = Buffer.allocUnsafe(rest.length + chunk.length);
      let n = rest.copy(clean);
      let at = 0;
      while (at < chunk.length) {
        let end = chunk.indexOf(0x0a, at);
        if (end === -1) end = chunk.length;
        const stop = end > at && chunk[end - 1] === 0x0d ? end - 1 : end;
        n += chunk.copy(clean, n, at, stop);
        at = end + 1;
      }
      const decoded = decode(clean, n);
      const whole = n - (n % 4);
      const padding = whole > 0 ? Number(clean[whole - 1] === 0x3d) + Number(clean[whole - 2] === 0x3d) : 0;
      if ((decoded?.length ?? 0) === (whole / 4) * 3 - padding) return callback(null, decoded);
      // Something besides the alphabet: keep only the alphabet, from the same start.
      let kept = 0;
      for (let i = 0; i < n; i++) if (BASE64_BYTES[clean[i]!] === 1) clean[kept++] = clean[i]!;
      callback(null, decode(clean, kept));
    },
    flush(callback) {
      callback(null, rest.length > 0 ? Buffer.from(rest.toString('latin1'), 'base64') : undefined);
    },
  });
}

/** What the splitter hands on: a part's headers (`node`), a leaf's bytes (`body`), the structure between (`data`). */
type SplitData = ({ type: 'node'; value?: undefined } & MimeNode) | { type: 'body' | 'data'; value: Buffer };

/** A part's bytes on their way to the spool: counted, and dropped once they no longer fit. */
interface OpenPart {
  name: string;
  contentType: string;
  kind: 'file' | 'item';
  path: string;
  decoder: Transform;
  size: number;
  fits: boolean;
  file?: Writable;
  done: Promise<void>;
}

/** The spool's own failure (a full disk, too many open files): an outage of this machine, tried again later. */
function spoolError(error: unknown): AppError {
  return new AppError('store.unavailable', `the attachment spool could not be written: ${String(error)}`, {
    cause: error,
  });
}

/**
 * Reads `mime` to its end and spools its attachments: in order, each kept while the ones kept so
 * far and it fit `maxBytes` (the rule the attachment list gives), the rest named in `leftOut`.
 * Throws MimeTooLarge past `maxMimeBytes` (the spool is removed).
 */
export async function spoolMimeAttachments(
  mime: Readable,
  options: {
    maxBytes: number;
    maxMimeBytes: number;
    /** Where a file's bytes are written (a file in the spool); tests stand a full disk in here. */
    spoolFile?: (path: string) => Writable;
  },
): Promise<SpooledAttachments> {
  if (!swept) {
    swept = true;
    void sweepStaleSpools(tmpdir()).catch(() => {});
  }
  let dir: string;
  try {
    dir = await mkdtemp(join(tmpdir(), SPOOL_PREFIX));
  } catch (error) {
    mime.destroy();
    throw spoolError(error);
  }
  const release = () => rm(dir, { recursive: true, force: true });
  const splitter = new Splitter({
    ignoreEmbedded: true,
    maxHeadSize: MAX_HEAD_BYTES,
    maxChildNodes: MAX_MIME_PARTS,
  });
  // A file the spool could not write (a full disk): the read stops at once, and it is this
  // machine's fault, not the message's.
  let spoolFailure: unknown;
  // Set once the read has failed: the parts destroyed then fail as they should, not as the spool's fault.
  let stopping = false;
  const parts: OpenPart[] = [];
  const leftOut: LeftOutAttachment[] = [];
  let kept = 0;
  let current: OpenPart | undefined;
  let count = 0;

  const finish = async () => {
    if (!current) return;
    const part = current;
    current = undefined;
    part.decoder.end();
    await part.done;
    if (spoolFailure !== undefined) throw spoolFailure;
    if (part.fits) kept += part.size;
    else leftOut.push({ name: part.name, size: part.size, reason: 'size' });
  };

  const start = (node: MimeNode) => {
    const contentType = (node.contentType || 'application/octet-stream').toLowerCase();
    const item = contentType === 'message/rfc822';
    const named = typeof node.filename === 'string' && node.filename.length > 0;
    // The message's own text (plain or HTML, however nested) is no attachment; a named or
    // attached part is, inline pictures included, as the attachment list gives them.
    if (!item && !named && node.disposition !== 'attachment') return;
    const kind = item ? 'item' : 'file';
    const name = storedAttachmentName(named ? (node.filename as string) : '', kind);
    count++;
    if (count > MAX_MIME_ATTACHMENTS) {
      leftOut.push({ name, size: 0, reason: 'count' });
      return;
    }
    const decoder =
      typeof node.encoding === 'string' && node.encoding.toLowerCase() === 'base64'
        ? base64Decoder()
        : node.getDecoder();
    const part: OpenPart = {
      name,
      contentType: item ? 'message/rfc822' : contentType,
      kind,
      path: join(dir, String(count)),
      decoder,
      size: 0,
      fits: true,
      done: Promise.resolve(),
    };
    part.file = (options.spoolFile ?? createWriteStream)(part.path);
    const budget = options.maxBytes;
    // Counts every byte (a file left out is still named with its size); writes while it fits.
    const gate = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        part.size += chunk.length;
        if (part.fits && kept + part.size > budget) part.fits = false;
        callback(null, part.fits ? chunk : undefined);
      },
    });
    part.done = pipeline(decoder, gate, part.file).catch((error: unknown) => {
      if (stopping) return;
      spoolFailure ??= error;
      splitter.destroy(error as Error);
    });
    current = part;
    parts.push(part);
  };

  let seen = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > options.maxMimeBytes) callback(new MimeTooLarge(options.maxMimeBytes));
      else callback(null, chunk);
    },
  });
  const sink = new Writable({
    objectMode: true,
    write(data: SplitData, _encoding, callback) {
      if (data.type === 'node') {
        let depth = 0;
        for (let node = data.parentNode; node; node = node.parentNode) depth++;
        if (depth > MAX_MIME_DEPTH)
          return callback(new MimeUnreadable(`parts nested past ${MAX_MIME_DEPTH} levels`));
        finish().then(() => {
          if (!data.multipart) start(data);
          callback();
        }, callback);
        return;
      }
      if (data.type !== 'body' || !current) return callback();
      const decoder = current.decoder;
      if (decoder.destroyed)
        return callback((spoolFailure as Error | undefined) ?? new Error('the spool stopped writing'));
      if (decoder.write(data.value)) return callback();
      // On to the next chunk once the spool has taken this one, or stop if the spool stopped.
      const go = (error?: Error) => {
        decoder.off('drain', drained);
        decoder.off('close', closed);
        callback(error);
      };
      const drained = () => go();
      const closed = () => go(new Error('the spool stopped writing'));
      decoder.once('drain', drained);
      decoder.once('close', closed);
    },
    final(callback) {
      finish().then(() => callback(), callback);
    },
  });
  // A download that breaks is an outage (tried again later), not a message that cannot be read.
  // (The pipeline destroys the source too when a later stage fails: only an error the source
  // raised before any stage failed is its own.)
  let broken: unknown;
  let stageFailed = false;
  for (const stage of [limit, splitter, sink] as NodeJS.EventEmitter[])
    stage.once('error', () => (stageFailed = true));
  mime.once('error', (error) => {
    if (!stageFailed) broken = error;
  });
  try {
    await pipeline(mime, limit, splitter, sink);
  } catch (error) {
    stopping = true;
    current?.decoder.destroy();
    await Promise.allSettled(parts.map((p) => p.done));
    await release();
    if (spoolFailure !== undefined) throw spoolError(spoolFailure);
    if (error instanceof MimeUnreadable) throw error;
    if (broken !== undefined) {
      if (broken instanceof AppError) throw broken;
      throw new AppError('mail.unavailable', `the message's MIME download broke off: ${String(broken)}`, {
        cause: broken,
      });
    }
    throw new MimeUnreadable(`the message's MIME could not be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const included = parts
    .filter((p) => p.fits)
    .map((p) => ({
      name: p.name,
      contentType: p.contentType,
      size: p.size,
      kind: p.kind,
      open: () => createReadStream(p.path),
    }));
  return { included, leftOut, release };
}
