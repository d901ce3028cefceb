/**
 * One of our syncs in a process of its own, so that its peak RSS is its own: the benchmarks start
 * it with BENCH_SYNC (JSON: graphUrl, dataDir, records, attachments, label, and `cosmos`, the
 * endpoint and request counts of bench-cosmos.ts to sync into Cosmos DB instead of the embedded store) and read the
 * figures it prints as JSON on stdout.
 */
import { join } from 'node:path';
import { CosmosClient } from '@azure/cosmos';
import { CosmosStore } from '../bot/store/cosmos-store.ts';
import { SqliteStore } from '../bot/store/sqlite-store.ts';
import { syncOurs } from './mail-strategies.ts';

const options = JSON.parse(process.env.BENCH_SYNC ?? '{}') as {
  graphUrl: string;
  dataDir: string;
  records: number;
  attachments: boolean;
  label: string;
  cosmos?: { endpoint: string; requests: string };
};
const cosmos = options.cosmos;
const client = cosmos
  ? new CosmosClient({
      endpoint: cosmos.endpoint,
      // The local server checks no signature; any base64 key will do.
      key: Buffer.from('local-cosmos-bench-key').toString('base64'),
      connectionPolicy: { enableEndpointDiscovery: false },
    })
  : undefined;
const figures = await syncOurs({
  ...options,
  store: client
    ? new CosmosStore({ client, database: `bench-${options.label}`, manageContainers: true })
    : new SqliteStore({ path: join(options.dataDir, 'bench.db') }),
  ...(cosmos
    ? {
        storeRequests: async () => (await (await fetch(cosmos.requests)).json()) as Record<string, number>,
      }
    : {}),
});
client?.dispose();
process.stdout.write(`${JSON.stringify(figures)}\n`);
