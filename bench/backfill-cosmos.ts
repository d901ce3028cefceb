import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../bot/store/sqlite-store.ts';
import { graphClient, startSandbox } from './backfill.ts';
import { startProcess } from './bench-support.ts';
import { readLimit, syncOursApart } from './mail-strategies.ts';

/**
 * The production-shape backfill (realistic-mail.ts: HTML bodies of 25 KB at the median, a tail to
 * 500 KB) through the Cosmos DB adapter, against the local Cosmos DB server in a process of its
 * own (bench-cosmos.ts), which counts the requests it answers: requests per email drive a real
 * account's request units (target: at most 3). Attachments off; our sync in a process of its own,
 * beside the read limit (the same delta pages read with no processing) in the same run.
 *
 * The local server keeps everything in memory and answers queries by scanning, so its rate says
 * little about Azure's, and loading a directory of 20,000 records into it takes minutes: the
 * defaults are 5,000 emails and 2,000 records (BENCH_MESSAGES, BENCH_RECORDS to change them).
 */

const MESSAGES = Number(process.env.BENCH_MESSAGES || 5_000);
const RECORDS = Number(process.env.BENCH_RECORDS || 2_000);

export async function backfillCosmos(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-sync-bench-cosmos-'));
  const sandbox = await startSandbox({
    BENCH_MAIL: 'realistic',
    BENCH_MESSAGES: String(MESSAGES),
    BENCH_RECORDS: String(RECORDS),
  });
  const cosmos = await startProcess('bench/bench-cosmos.ts', {}, /"cosmos":/);
  try {
    const peer = JSON.parse(cosmos.output.split('\n')[0]!) as { cosmos: string; requests: string };
    process.stderr.write(`backfill-cosmos: ${MESSAGES} realistic emails, ${RECORDS} CRM records\n`);
    const ours = await syncOursApart({
      graphUrl: sandbox.url,
      dataDir: join(dir, 'cosmos'),
      records: RECORDS,
      attachments: false,
      label: 'cosmos',
      cosmos: { endpoint: peer.cosmos, requests: peer.requests },
    });
    process.stderr.write(`  ours through Cosmos DB: ${ours.messagesPerSecond}/s\n`);
    const side = await graphClient(
      join(dir, 'side'),
      sandbox.url,
      new SqliteStore({ path: join(dir, 'side', 'side.db') }),
    );
    const limit = await readLimit(side.graph);
    await side.close();
    process.stderr.write(`  read limit: ${limit.messagesPerSecond}/s\n`);
    const requests = ours.storeRequestsPerMessage ?? Number.NaN;
    return {
      messages: ours.messages,
      store: 'Cosmos DB (local @vercel/cosmosdb-server, in memory, in its own process)',
      records: RECORDS,
      smallerThanBackfill:
        'the local Cosmos DB server is slow: 5,000 emails and 2,000 records by default (BENCH_MESSAGES, BENCH_RECORDS)',
      ours,
      cosmosRequestsPerMessage: requests,
      cosmosRequestsByKind: ours.storeRequestsByKind,
      readLimit: limit,
      ofReadLimit: Number((ours.messagesPerSecond / limit.messagesPerSecond).toFixed(3)),
      targets: {
        cosmosRequestsPerMessage: requests <= 3,
        duplicates: ours.duplicates === 0,
        noErrors: ours.errors === 0,
      },
    };
  } finally {
    cosmos.child.kill('SIGTERM');
    sandbox.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
