import type { ILogger, ILoggerOptions, LogLevel } from '@microsoft/teams.common';
import type { Logger } from '../logging/logger.ts';

/**
 * The Teams SDK logs through this into our JSON log. Only strings and error messages pass:
 * the SDK's own debug output can hold whole activities, and with them message text.
 */
function text(parts: unknown[]): string {
  return parts
    .map((p) =>
      typeof p === 'string' ? p : p instanceof Error ? p.message : typeof p === 'number' ? String(p) : '',
    )
    .filter(Boolean)
    .join(' ')
    .slice(0, 500);
}

export class SdkLogger implements ILogger {
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  error(...msg: unknown[]): void {
    this.logger.error(text(msg));
  }
  warn(...msg: unknown[]): void {
    this.logger.warn(text(msg));
  }
  info(...msg: unknown[]): void {
    this.logger.info(text(msg));
  }
  debug(...msg: unknown[]): void {
    this.logger.trace(text(msg));
  }
  trace(...msg: unknown[]): void {
    this.logger.trace(text(msg));
  }
  log(level: LogLevel, ...msg: unknown[]): void {
    if (level === 'error' || level === 'warn' || level === 'info') this[level](...msg);
    else this.trace(...msg);
  }
  child(name: string, _overrides?: ILoggerOptions): ILogger {
    return new SdkLogger(this.logger.child({ component: name }));
  }
}
