import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLogger, humanLogLines } from '../../bot/logging/logger.ts';

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

describe('logging for people at a terminal', () => {
  it('writes readable lines, still without secrets or email content', async () => {
    const sink = new PassThrough();
    let output = '';
    sink.on('data', (chunk) => (output += chunk.toString()));
    const logger = createLogger({ level: 'info', destination: sink, pretty: true });
    logger.warn({ accessToken: 'graph-access-token', folder: 'Inbox' }, 'sync paused');
    await new Promise((r) => setImmediate(r));
    assert.match(output, /^\[\d\d:\d\d:\d\d\] WARN: sync paused\n/);
    assert.match(output, /folder: "Inbox"/);
    assert.ok(!output.includes('graph-access-token'), output);
    assert.ok(!output.trimStart().startsWith('{'), 'not JSON');
  });

  it("turns npm start's children's JSON lines into readable ones and leaves other lines alone", () => {
    const human = humanLogLines(false);
    const line = JSON.stringify({
      level: 'info',
      time: '2026-12-01T09:30:00.000Z',
      pid: 42,
      name: 'crm-sync',
      msg: 'CRM Sync is listening',
      url: 'http://127.0.0.1:3978',
    });
    const shown = human(line);
    assert.match(
      shown,
      /^\[\d\d:\d\d:\d\d\] INFO: CRM Sync is listening\n\s+url: "http:\/\/127\.0\.0\.1:3978"$/,
    );
    assert.ok(!shown.includes('pid'));
    assert.equal(human('Listening on 56150'), 'Listening on 56150');
  });
});
