import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Paths that must never reach a log line, wherever they appear in a logged object:
 * credentials, tokens and email content.
 */
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.authorization',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'clientSecret',
  '*.clientSecret',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'clientState',
  '*.clientState',
  'body',
  '*.body',
  'bodyPreview',
  '*.bodyPreview',
  'contentBytes',
  '*.contentBytes',
  'uniqueBody',
  '*.uniqueBody',
];

export interface LoggerOptions {
  level: string;
  name?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: NodeJS.WritableStream;
  /** Another place every line also goes (Application Insights), besides the destination. */
  also?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      name: options.name ?? 'crm-sync',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.also
      ? pino.multistream([
          {
            level: options.level as pino.Level,
            stream: options.destination ?? pino.destination({ sync: false }),
          },
          { level: options.level as pino.Level, stream: options.also },
        ])
      : (options.destination ?? pino.destination({ sync: false })),
  );
}
