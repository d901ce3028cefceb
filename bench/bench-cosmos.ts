/**
 * The local Cosmos DB server (@vercel/cosmosdb-server, in memory, plain http on 127.0.0.1) in its
 * own process, so that serving the sync costs the measured process nothing, counting the requests
 * it answers: a second port gives the count so far by operation (the request-unit driver
 * of real Cosmos DB is the number and kind of these requests). Prints its endpoint as JSON when ready.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpServer } from '@vercel/cosmosdb-server';

// Keep-alive: without it the server closes each connection, and every request pays a new one.
const cosmos = createHttpServer({ keepAlive: true });
const counts: Record<string, number> = {};

/** "create", "read", "upsert", "query", ... from the method, the path and the SDK's headers. */
function kindOf(method: string, url: string, headers: Record<string, unknown>): string {
  const docs = /\/docs(\/|$)/.test(url);
  if (!docs) return 'metadata';
  if (headers['x-ms-documentdb-isquery'] === 'true' || headers['x-ms-cosmos-is-query-plan-request'])
    return 'query';
  if (method === 'POST') return headers['x-ms-documentdb-is-upsert'] === 'true' ? 'upsert' : 'create';
  return (
    ({ GET: 'read', PUT: 'replace', DELETE: 'delete', PATCH: 'patch' } as Record<string, string>)[method] ??
    method
  );
}

cosmos.prependListener('request', (req) => {
  const kind = kindOf(req.method ?? '', req.url ?? '', req.headers);
  counts[kind] = (counts[kind] ?? 0) + 1;
});
cosmos.keepAliveTimeout = 60_000;
/** The counts, on a port of their own: every path of the server's is Cosmos DB's. */
const countsServer = createServer((_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(counts));
});
const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
process.stdout.write(
  `${JSON.stringify({ cosmos: await listen(cosmos), requests: `${await listen(countsServer)}/requests` })}\n`,
);
process.on('SIGTERM', () => {
  for (const server of [cosmos, countsServer]) server.closeAllConnections();
  process.exit(0);
});
// The benchmark that started it is gone (killed before it could stop this): go too.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1000).unref();
