import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createLogger, humanLogLines } from '../../bot/logging/logger.ts';
import { UrlQueryScrubber } from '../../bot/logging/telemetry-privacy.ts';

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

  it('keeps personal data out of log lines (and so out of telemetry): subjects, addresses, names', async () => {
    const sink = new PassThrough();
    let output = '';
    sink.on('data', (chunk) => (output += chunk.toString()));
    const logger = createLogger({ level: 'info', destination: sink });
    logger.warn(
      {
        userId: '4f2b8c1e-9d3a-4b5c-8e7f-1a2b3c4d5e6f',
        message: {
          id: 'AAMk2',
          subject: 'Your offer from Contoso',
          from: { emailAddress: { name: 'Victor Dubois', address: 'victor.dubois@outlook.com' } },
          toRecipients: [{ emailAddress: { address: 'riley@northwind.example' } }],
        },
        me: {
          upn: 'riley@northwind.example',
          preferred_username: 'riley@northwind.example',
          displayName: 'Riley',
        },
      },
      'could not sync',
    );
    await new Promise((r) => setImmediate(r));
    for (const personal of ['Your offer', 'Victor', 'victor.dubois', 'riley@northwind', '"Riley"']) {
      assert.ok(!output.includes(personal), `${personal} leaked into ${output}`);
    }
    assert.match(output, /AAMk2/);
    assert.match(output, /4f2b8c1e/);
  });
});

describe('telemetry', () => {
  it('drops the query of every URL a trace carries', () => {
    const span = {
      attributes: {
        'http.url': "https://graph.microsoft.com/v1.0/users?$filter=mail eq 'victor@x.example'",
        'url.full': 'https://app.example/api/tab/records?q=Victor%20Dubois',
        'http.target': '/api/tab/records?q=Victor',
        'url.query': 'q=Victor',
        'url.path': '/api/tab/records',
      },
    };
    new UrlQueryScrubber().onEnd(span as unknown as ReadableSpan);
    assert.ok(!JSON.stringify(span).includes('Victor'), JSON.stringify(span));
    assert.ok(!JSON.stringify(span).includes('victor'), JSON.stringify(span));
    assert.equal(span.attributes['url.path'], '/api/tab/records');
    assert.equal(span.attributes['http.target'], '/api/tab/records?[redacted]');
  });
});
