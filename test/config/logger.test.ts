import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../bot/logging/logger.ts';

describe('logging', () => {
  it('writes JSON lines and never tokens, secrets or email content', async () => {
    const sink = new PassThrough();
    let output = '';
    sink.on('data', (chunk) => (output += chunk.toString()));
    const logger = createLogger({ level: 'info', destination: sink });
    logger.info(
      {
        headers: { authorization: 'Bearer eyJ-secret-token' },
        clientState: 'subscription-client-state',
        message: {
          id: 'AAMk1',
          subject: 'Offer',
          body: { content: 'Salary details: 120k' },
          bodyPreview: 'Salary details',
        },
        accessToken: 'graph-access-token',
      },
      'synced a message',
    );
    await new Promise((r) => setImmediate(r));
    const line = JSON.parse(output.trim()) as Record<string, unknown>;
    assert.equal(line.msg, 'synced a message');
    assert.equal(line.level, 'info');
    for (const secret of [
      'eyJ-secret-token',
      'subscription-client-state',
      'Salary details',
      'graph-access-token',
    ]) {
      assert.ok(!output.includes(secret), `${secret} leaked into ${output}`);
    }
    assert.match(output, /AAMk1/);
  });
});
