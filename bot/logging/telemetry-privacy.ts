import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * Personal data stays out of telemetry by default. Request and dependency traces carry URLs, and a
 * URL's query can hold what a person typed or what mail contains (a directory search for a name,
 * Graph filters on an address), so every URL attribute loses its query before a span is exported.
 * Paths keep their ids (Entra object ids, Graph item ids): opaque, and what an operator needs to
 * follow one request. Log lines are redacted separately (`REDACTED_PATHS` in logger.ts).
 */

/** The attributes of the http instrumentation, old and new semantic conventions, that hold a URL. */
const URL_ATTRIBUTES = ['http.url', 'http.target', 'url.full', 'http.route'] as const;
const QUERY_ATTRIBUTES = ['url.query'] as const;

function withoutQuery(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : `${url.slice(0, q)}?[redacted]`;
}

export class UrlQueryScrubber implements SpanProcessor {
  onStart(_span: Span, _context: Context): void {}

  onEnd(span: ReadableSpan): void {
    // Exporters read the same attributes object after onEnd: it is changed in place.
    const attributes = span.attributes as Record<string, unknown>;
    for (const key of URL_ATTRIBUTES) {
      const value = attributes[key];
      if (typeof value === 'string') attributes[key] = withoutQuery(value);
    }
    for (const key of QUERY_ATTRIBUTES) {
      if (key in attributes) attributes[key] = '[redacted]';
    }
  }

  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}
