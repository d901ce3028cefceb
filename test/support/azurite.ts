import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

/**
 * Azurite, the Azure Storage emulator, on 127.0.0.1 for the real Storage SDK. Its well-known
 * development account and key are public (they are Azurite's, documented as such), not a secret.
 */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

const BIN = join(import.meta.dirname, '..', '..', 'node_modules', 'azurite', 'dist', 'src', 'azurite.js');

export interface Azurite {
  blobUrl: string;
  queueUrl: string;
  connectionString: string;
  stop(): Promise<void>;
}

/**
 * Its state in a folder of its own, removed on stop. Not `--inMemoryPersistence`: there each queue
 * message is an extent of its own, and Azurite's queue garbage collection, once a minute, removes
 * the deleted ones one by one, re-sorting the extents' index after each (lokijs), with the whole
 * process blocked: at 50 messages a second, 10 to 12 s in which no queue or blob call is answered
 * (azurite 3.37 QueueGCManager, MemoryExtentStore). On disk, messages are appended to one extent
 * file and the collection stays a few records long. Azure Storage has no such pause.
 */
export async function startAzurite(): Promise<Azurite> {
  const [blobPort, queuePort, tablePort] = [await freePort(), await freePort(), await freePort()];
  const location = mkdtempSync(join(tmpdir(), 'crm-sync-azurite-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      BIN,
      '--silent',
      '--skipApiVersionCheck',
      '--disableTelemetry',
      '--location',
      location,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(blobPort),
      '--queueHost',
      '127.0.0.1',
      '--queuePort',
      String(queuePort),
      '--tableHost',
      '127.0.0.1',
      '--tablePort',
      String(tablePort),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d) => (output += d.toString()));
  child.stderr?.on('data', (d) => (output += d.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      rmSync(location, { recursive: true, force: true });
      throw new Error(`Azurite exited: ${output}`);
    }
    try {
      await fetch(`http://127.0.0.1:${blobPort}/${AZURITE_ACCOUNT}?comp=list`);
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        rmSync(location, { recursive: true, force: true });
        throw new Error(`Azurite did not start: ${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const blobUrl = `http://127.0.0.1:${blobPort}/${AZURITE_ACCOUNT}`;
  const queueUrl = `http://127.0.0.1:${queuePort}/${AZURITE_ACCOUNT}`;
  return {
    blobUrl,
    queueUrl,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobUrl};QueueEndpoint=${queueUrl};`,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) {
        const killed = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await Promise.race([killed, new Promise((r) => setTimeout(r, 3000))]);
      }
      rmSync(location, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
