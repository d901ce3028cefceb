import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphHttp } from '../../bot/mail-source/graph-http.ts';

describe('GraphHttp: a request its caller abandons', function () {
  // Graph asks for a minute between tries; an abandoned request must not wait it out.
  this.timeout(10_000);
  let server: Server;
  let baseUrl: string;
  let asks = 0;
  let asked: () => void;
  let firstAsk: Promise<void>;
  beforeEach(async () => {
    asks = 0;
    firstAsk = new Promise((resolve) => (asked = resolve));
    server = createServer((_request, response) => {
      asks++;
      asked();
      response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '60' });
      response.end(JSON.stringify({ error: { code: 'ServiceUnavailable', message: 'busy' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1.0`;
  });
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const http = () =>
    new GraphHttp({
      baseUrl,
      token: async () => 'token',
      retry: { maxRetries: 3, baseDelayMs: 10, maxDelayMs: 60_000 },
    });

  it('stops waiting out Retry-After when abandoned, with the reason its caller gave, and is not sent again', async () => {
    const abandon = new AbortController();
    const reading = http().request('mailbox', 'GET', '/users/u/messages', { signal: abandon.signal });
    reading.catch(() => undefined);
    await firstAsk;
    // The 503 is in; the request now waits the minute Graph asked for.
    await new Promise((r) => setTimeout(r, 100));
    const reason = new Error('the run stopped');
    const started = Date.now();
    abandon.abort(reason);
    await assert.rejects(reading, (error) => error === reason);
    assert.ok(Date.now() - started < 5_000, 'abandoned at once, not after the Retry-After');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(asks, 1, 'not sent again');
  });

  it('is never sent when abandoned before it starts', async () => {
    const abandon = new AbortController();
    const reason = new Error('not wanted');
    abandon.abort(reason);
    await assert.rejects(
      http().request('mailbox', 'GET', '/users/u/messages', { signal: abandon.signal }),
      (error) => error === reason,
    );
    assert.equal(asks, 0);
  });
});
