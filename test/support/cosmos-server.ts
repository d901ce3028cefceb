import type { AddressInfo } from 'node:net';
import { CosmosClient } from '@azure/cosmos';
import { createHttpServer } from '@vercel/cosmosdb-server';

/**
 * A Cosmos DB REST server (@vercel/cosmosdb-server) on 127.0.0.1 for the real @azure/cosmos client.
 * Plain http: its bundled certificate has expired, and endpoint discovery is off so the client
 * keeps talking to this address. It keeps data in memory and stops with the test run.
 */
export async function startCosmosServer(): Promise<{
  client: CosmosClient;
  endpoint: string;
  stop: () => Promise<void>;
}> {
  const server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new CosmosClient({
    endpoint,
    // The local server checks no signature; any base64 key will do.
    key: Buffer.from('local-cosmos-test-key').toString('base64'),
    connectionPolicy: { enableEndpointDiscovery: false },
  });
  return {
    client,
    endpoint,
    stop: async () => {
      client.dispose();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
