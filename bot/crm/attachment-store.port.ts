import type { Readable } from 'node:stream';

/**
 * Where the built-in CRM keeps attachment bytes: a document database is no place for a 25 MB file.
 * Adapters: the local file system (one machine) and Azure Blob Storage (Azure).
 */
export interface AttachmentStore {
  /**
   * Idempotent: the same key overwrites. A stream is written as it arrives, never held whole;
   * nothing is left under the key if it fails. Returns a reference to store with the activity.
   */
  put(key: string, body: Buffer | Readable, contentType: string): Promise<string>;
  get(reference: string): Promise<Buffer | undefined>;
  /** Throws unless attachments can be stored (the start-up check). */
  ping(): Promise<void>;
}
