import { Writable } from 'node:stream';
import { shutdownAzureMonitor, useAzureMonitor } from '@azure/monitor-opentelemetry';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';
import { UrlQueryScrubber } from './telemetry-privacy.ts';

/**
 * Application Insights, when APPLICATIONINSIGHTS_CONNECTION_STRING is set (Azure mode). Loaded
 * with `node --max-semi-space-size=8 --import ./bot/logging/azure-monitor.ts bot/main.ts` (App Service's start command) so
 * OpenTelemetry hooks express, http and the Azure SDKs before they load: requests, dependencies
 * and exceptions become traces. Log lines reach it through `logSink()`, a second destination of
 * the pino logger, already redacted like every other line.
 */

const connectionString = process.env.APPLICATIONINSIGHTS_CONNECTION_STRING;
if (connectionString) {
  useAzureMonitor({
    azureMonitorExporterOptions: { connectionString },
    instrumentationOptions: { http: { enabled: true }, azureSdk: { enabled: true } },
    spanProcessors: [new UrlQueryScrubber()],
  });
}

/** Our log levels (bot/logging/logger.ts writes them as labels) as OpenTelemetry severities. */
const SEVERITY: Record<string, SeverityNumber> = {
  trace: SeverityNumber.TRACE,
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
  fatal: SeverityNumber.FATAL,
};

/** A stream of pino's JSON lines, each emitted as an OpenTelemetry log record. */
export function logSink(): Writable {
  const logger = logs.getLogger('crm-sync');
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const { level, msg, time: _time, ...attributes } = JSON.parse(line) as Record<string, unknown>;
          const severity = typeof level === 'string' ? SEVERITY[level] : undefined;
          logger.emit({
            severityNumber: severity ?? SeverityNumber.INFO,
            severityText: typeof level === 'string' ? level : undefined,
            body: typeof msg === 'string' ? msg : line,
            attributes: Object.fromEntries(
              Object.entries(attributes).map(([k, v]) => [
                k,
                typeof v === 'object' ? JSON.stringify(v) : (v as string),
              ]),
            ),
          });
        } catch {
          logger.emit({ severityNumber: SeverityNumber.INFO, body: line });
        }
      }
      done();
    },
  });
}

export async function stopTelemetry(): Promise<void> {
  if (connectionString) await shutdownAzureMonitor();
}
