import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BlobServiceClient } from '@azure/storage-blob';
import type { AttachmentStore } from '../../bot/crm/attachment-store.port.ts';
import { BlobAttachmentStore } from '../../bot/crm/blob-attachment-store.ts';
import { FileAttachmentStore, attachmentKey } from '../../bot/crm/file-attachment-store.ts';
import { startAzurite } from '../support/azurite.ts';

const adapters: Array<{
  name: string;
  start: () => Promise<{ store: AttachmentStore; stop: () => Promise<void> }>;
}> = [
  {
    name: 'files (one machine)',
    start: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'attachments-'));
      return {
        store: new FileAttachmentStore(dir),
        stop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'Azure Blob Storage (the real SDK against Azurite)',
    start: async () => {
      const azurite = await startAzurite();
      const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
        'attachments',
      );
      const store = new BlobAttachmentStore(container);
      await store.ensureContainer();
      return { store, stop: azurite.stop };
    },
  },
];

for (const adapter of adapters) {
  describe(`attachment store contract: ${adapter.name}`, function () {
    this.timeout(30_000);
    let h: Awaited<ReturnType<(typeof adapter)['start']>>;
    before(async () => {
      h = await adapter.start();
    });
    after(() => h?.stop());

    it('stores bytes under a key and gives them back by reference', async () => {
      const bytes = Buffer.from('%PDF-1.4 resume');
      const ref = await h.store.put(
        attachmentKey('tenant', 'activity-1', 'Ava Kim Resume.pdf'),
        bytes,
        'application/pdf',
      );
      assert.deepEqual(await h.store.get(ref), bytes);
    });

    it('writes a stream as it arrives, and keeps nothing of a stream that fails', async () => {
      const chunk = Buffer.alloc(1024 * 1024, 0x41);
      const ref = await h.store.put(
        attachmentKey('tenant', 'activity-3', '00-big.pdf'),
        Readable.from(
          (function* () {
            for (let i = 0; i < 6; i++) yield chunk;
          })(),
        ),
        'application/pdf',
      );
      assert.equal((await h.store.get(ref))?.length, 6 * 1024 * 1024);
      const key = attachmentKey('tenant', 'activity-3', '01-broken.pdf');
      const broken = new Readable({ read() {} });
      broken.push(chunk);
      setImmediate(() => broken.destroy(new Error('the connection to Graph dropped')));
      await assert.rejects(h.store.put(key, broken, 'application/pdf'));
      const reference = ref.replace('00-big.pdf', '01-broken.pdf');
      assert.equal(await h.store.get(reference), undefined, 'nothing stored under the key');
    });

    it('takes a file with a name longer than any file system allows', async () => {
      const ref = await h.store.put(
        attachmentKey('tenant', 'activity-4', `00-${'a'.repeat(300)}.pdf`),
        Buffer.from('%PDF'),
        'application/pdf',
      );
      assert.ok(ref.endsWith('.pdf'));
      assert.deepEqual(await h.store.get(ref), Buffer.from('%PDF'));
    });

    it('overwrites on a second put of the same key (a retried sync)', async () => {
      const key = attachmentKey('tenant', 'activity-2', 'cv.pdf');
      await h.store.put(key, Buffer.from('first'), 'application/pdf');
      const ref = await h.store.put(key, Buffer.from('second'), 'application/pdf');
      assert.equal((await h.store.get(ref))?.toString(), 'second');
    });

    it('keeps a large attachment intact', async () => {
      const bytes = Buffer.alloc(6 * 1024 * 1024, 7);
      const ref = await h.store.put(attachmentKey('tenant', 'activity-3', 'video.mp4'), bytes, 'video/mp4');
      assert.equal((await h.store.get(ref))?.length, bytes.length);
    });

    it('answers undefined for a reference it does not hold', async () => {
      assert.equal(await h.store.get('file:nothing/here'), undefined);
      assert.equal(await h.store.get('blob:nothing/here'), undefined);
    });
  });
}
