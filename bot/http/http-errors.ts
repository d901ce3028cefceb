import type { ErrorRequestHandler } from 'express';
import { AppError, type AppErrorCode } from '../errors/app-error.ts';
import type { Logger } from '../logging/logger.ts';

/**
 * Last error handler: clear JSON answers for bad input (malformed JSON 400, oversized body 413),
 * our AppError codes as the HTTP statuses they mean, and a correlation id for anything else,
 * never a stack trace.
 */

const STATUS: Partial<Record<AppErrorCode, { status: number; code: string }>> = {
  'input.invalid': { status: 400, code: 'invalid_input' },
  'input.too_large': { status: 413, code: 'payload_too_large' },
  'auth.unauthenticated': { status: 401, code: 'unauthenticated' },
  'auth.forbidden': { status: 403, code: 'forbidden' },
  'store.not_found': { status: 404, code: 'not_found' },
  'store.conflict': { status: 412, code: 'changed_elsewhere' },
  'store.precondition_failed': { status: 412, code: 'changed_elsewhere' },
  'mail.needs_consent': { status: 409, code: 'needs_consent' },
  'mail.not_found': { status: 404, code: 'not_found' },
  'mail.throttled': { status: 503, code: 'unavailable' },
  'mail.unavailable': { status: 503, code: 'unavailable' },
  'store.throttled': { status: 503, code: 'unavailable' },
  'store.unavailable': { status: 503, code: 'unavailable' },
  'crm.unavailable': { status: 503, code: 'unavailable' },
  'sync.paused': { status: 503, code: 'unavailable' },
  // A resume the reader refuses: the message says why (the limit, "no text"), the user picks another.
  'capture.too_large': { status: 413, code: 'resume_too_large' },
  'capture.unsupported': { status: 415, code: 'resume_unsupported' },
  'capture.unreadable': { status: 422, code: 'resume_unreadable' },
  'capture.timeout': { status: 422, code: 'resume_timeout' },
  'capture.busy': { status: 503, code: 'resume_busy' },
};

/** What people read for the codes whose own message is written for logs, not for them. */
const MESSAGE: Record<string, string> = {
  changed_elsewhere:
    'This was changed elsewhere meanwhile (another tab, or the bot). Reload to see the change, then make yours again.',
  unavailable: 'A service CRM Sync depends on is not answering right now. Try again in a minute.',
  needs_consent: 'CRM Sync cannot read your mailbox: your admin needs to grant consent.',
};

export function httpErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    if (AppError.is(error) && STATUS[error.code]) {
      const { status, code } = STATUS[error.code]!;
      const fields = error.context.fields;
      if (status === 401) res.set('WWW-Authenticate', 'Bearer');
      if (status >= 500)
        logger.warn(
          { path: req.path, err: { code: error.code, message: error.message } },
          'dependency unavailable',
        );
      res.status(status).json({
        error: {
          code,
          message: MESSAGE[code] ?? error.message,
          ...(Array.isArray(fields) ? { fields } : {}),
        },
      });
      return;
    }
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
