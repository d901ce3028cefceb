import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { AttachmentStore } from './attachment-store.port.ts';

/** Attachments as files under a folder: the embedded counterpart of Blob Storage. */
export class FileAttachmentStore implements AttachmentStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(key: string): string {
    const path = resolve(this.root, key);
    if (relative(this.root, path).startsWith('..'))
      throw new Error(`attachment key escapes the store: ${key}`);
    return path;
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  async put(key: string, body: Buffer | Readable): Promise<string> {
    // A stream that fails before it is piped must not be an uncaught error: the pipe reports it.
    if (!Buffer.isBuffer(body)) body.on('error', () => undefined);
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    // Write then rename, so a crash never leaves half a file under the final name.
    const temporary = `${path}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
    try {
      if (Buffer.isBuffer(body)) await writeFile(temporary, body);
      else await pipeline(body, createWriteStream(temporary));
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return `file:${key}`;
  }

  async get(reference: string): Promise<Buffer | undefined> {
    if (!reference.startsWith('file:')) return undefined;
    try {
      return await readFile(this.path(reference.slice(5)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}

/**
 * A storage key from parts: characters outside a safe set become `_`, and a long part keeps its
 * start and its end (the extension), so no file name exceeds what a file system or Blob Storage takes.
 */
export function attachmentKey(...parts: string[]): string {
  return join(
    ...parts.map((p) => {
      const safe = p.replace(/[^A-Za-z0-9._-]/g, '_');
      return safe.length > 120 ? `${safe.slice(0, 100)}~${safe.slice(-16)}` : safe;
    }),
  );
}
