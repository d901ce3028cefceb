import assert from 'node:assert/strict';
import { logs } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { logSink } from '../../bot/logging/azure-monitor.ts';
import { createLogger } from '../../bot/logging/logger.ts';

describe('logs to Application Insights', () => {
  it('sends every log line, redacted, as an OpenTelemetry log record with its severity', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
    logs.setGlobalLoggerProvider(provider);
    try {
      const lines: string[] = [];
      const { Writable } = await import('node:stream');
      const stdout = new Writable({
        write(chunk: Buffer, _e, done) {
          lines.push(chunk.toString());
          done();
        },
      });
      const logger = createLogger({ level: 'info', destination: stdout, also: logSink() });
      logger.warn({ userId: 'u1', authorization: 'Bearer secret-token', run: { synced: 3 } }, 'sync paused');
      logger.debug('not at this level');
      await new Promise((r) => setTimeout(r, 50));
      const records = exporter.getFinishedLogRecords();
      assert.equal(records.length, 1);
      const [record] = records;
      assert.equal(record!.body, 'sync paused');
      assert.equal(record!.severityText, 'warn');
      assert.equal(record!.attributes.userId, 'u1');
      assert.equal(record!.attributes.authorization, '[redacted]');
      assert.equal(record!.attributes.run, '{"synced":3}');
      assert.equal(lines.length, 1, 'stdout still gets the line');
    } finally {
      logs.disable();
      await provider.shutdown();
    }
  });
});
