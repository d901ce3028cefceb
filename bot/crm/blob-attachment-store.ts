import type { Readable } from 'node:stream';
import type { ContainerClient } from '@azure/storage-blob';
import type { AttachmentStore } from './attachment-store.port.ts';

/**
 * Attachments in Azure Blob Storage, one blob per attachment. In Azure the client authenticates
 * with the app's managed identity (Storage Blob Data Contributor); the container is created by the
 * infrastructure, and locally by `ensureContainer()`.
 */
export class BlobAttachmentStore implements AttachmentStore {
  private readonly container: ContainerClient;

  constructor(container: ContainerClient) {
    this.container = container;
  }

  async ensureContainer(): Promise<void> {
    await this.container.createIfNotExists();
  }

  async ping(): Promise<void> {
    if (!(await this.container.exists()))
      throw new Error(`the blob container "${this.container.containerName}" does not exist`);
  }

  async put(key: string, body: Buffer | Readable, contentType: string): Promise<string> {
    // A stream that fails before the upload reads it must not be an uncaught error.
    if (!Buffer.isBuffer(body)) body.on('error', () => undefined);
    const name = key.split(/[\\/]/).join('/');
    const blob = this.container.getBlockBlobClient(name);
    const blobHTTPHeaders = { blobContentType: contentType };
    if (Buffer.isBuffer(body)) await blob.uploadData(body, { blobHTTPHeaders });
    // Blocks of 4 MB, two in flight: a 150 MB file never sits in memory whole.
    else await blob.uploadStream(body, 4 * 1024 * 1024, 2, { blobHTTPHeaders });
    return `blob:${name}`;
  }

  async get(reference: string): Promise<Buffer | undefined> {
    if (!reference.startsWith('blob:')) return undefined;
    const blob = this.container.getBlockBlobClient(reference.slice(5));
    if (!(await blob.exists())) return undefined;
    return blob.downloadToBuffer();
  }
}
