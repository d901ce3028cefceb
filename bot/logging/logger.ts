import { createRequire } from 'node:module';
import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Paths that must never reach a log line, wherever they appear in a logged object: credentials,
 * tokens, email content, and the personal data in mail (subjects, addresses, names). Logs go to
 * Application Insights in Azure, so personal data in them is off by default; ids (Entra object
 * ids, Graph item ids) are what a log line names people and emails by.
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
  'subject',
  '*.subject',
  'address',
  '*.address',
  'addresses',
  '*.addresses',
  'emailAddress',
  '*.emailAddress',
  'from',
  '*.from',
  'toRecipients',
  '*.toRecipients',
  'ccRecipients',
  '*.ccRecipients',
  'upn',
  '*.upn',
  'preferred_username',
  '*.preferred_username',
  'displayName',
  '*.displayName',
];

export interface LoggerOptions {
  level: string;
  name?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: NodeJS.WritableStream;
  /** Another place every line also goes (Application Insights), besides the destination. */
  also?: NodeJS.WritableStream;
  /**
   * Human-readable lines instead of JSON (into the destination, or stdout). Defaults to on when
   * stdout is a terminal (a person is reading) and no destination is given; pipes, files and
   * Azure's log stream get JSON.
   */
  pretty?: boolean;
}

/** Fields a person at a terminal does not need on every line. */
const PRETTY_IGNORE = 'pid,hostname,name';

interface PinoPretty {
  (options: Record<string, unknown>): NodeJS.WritableStream;
  prettyFactory(options: Record<string, unknown>): (line: string | object) => string;
}
/** Loaded only for people at a terminal: servers in Azure never pay for it. */
const loadPretty = () => createRequire(import.meta.url)('pino-pretty') as PinoPretty;

/**
 * Turns one JSON log line into the human-readable form (colours when `colorize`); any other line
 * (a child process's plain output) comes back as it was. For `npm start`, whose children log JSON
 * into pipes while a person watches the terminal.
 */
export function humanLogLines(colorize: boolean): (line: string) => string {
  const format = loadPretty().prettyFactory({
    colorize,
    ignore: PRETTY_IGNORE,
    translateTime: 'SYS:HH:MM:ss',
  });
  return (line) => (line.startsWith('{') ? format(line).trimEnd() : line);
}

export function createLogger(options: LoggerOptions): Logger {
  const pretty = options.pretty ?? (!options.destination && process.stdout.isTTY === true);
  const destination = pretty
    ? loadPretty()({
        colorize: !options.destination,
        ignore: PRETTY_IGNORE,
        translateTime: 'SYS:HH:MM:ss',
        destination: options.destination ?? 1,
        sync: true,
      })
    : (options.destination ?? pino.destination({ sync: false }));
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
            stream: destination,
          },
          { level: options.level as pino.Level, stream: options.also },
        ])
      : destination,
  );
}
