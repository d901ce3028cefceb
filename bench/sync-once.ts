/**
 * One of our syncs in a process of its own, so that its peak RSS is its own: the benchmarks start
 * it with BENCH_SYNC (JSON: graphUrl, dataDir, records, attachments, label, and `store`, "sqlite"
 * or a Cosmos endpoint) and read the figures it prints as JSON on stdout.
 */
import { join } from 'node:path';
import { SqliteStore } from '../bot/store/sqlite-store.ts';
import { syncOurs } from './mail-strategies.ts';

const options = JSON.parse(process.env.BENCH_SYNC ?? '{}') as {
  graphUrl: string;
  dataDir: string;
  records: number;
  attachments: boolean;
  label: string;
};
const figures = await syncOurs({
  ...options,
  store: new SqliteStore({ path: join(options.dataDir, 'bench.db') }),
});
process.stdout.write(`${JSON.stringify(figures)}\n`);
