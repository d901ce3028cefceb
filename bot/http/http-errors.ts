import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../logging/logger.ts';

/**
 * Last error handler: clear JSON answers for bad input (malformed JSON 400, oversized body 413)
 * and a correlation id for anything else, never a stack trace.
 */
export function httpErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const status = typeof error?.status === 'number' ? error.status : 500;
    if (status === 413) {
      res.status(413).json({ error: { code: 'payload_too_large', message: 'Request body is too large.' } });
      return;
    }
    if (status === 400 && error?.type === 'entity.parse.failed') {
      res.status(400).json({ error: { code: 'invalid_json', message: 'Request body is not valid JSON.' } });
      return;
    }
    const correlationId = crypto.randomUUID();
    logger.error(
      { correlationId, path: req.path, err: { message: String(error?.message ?? error) } },
      'request failed',
    );
    res.status(status >= 400 && status < 600 ? status : 500).json({
      error: { code: 'internal', message: 'Something went wrong.', correlationId },
    });
  };
}
