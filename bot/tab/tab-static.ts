import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';

/**
 * Serves the built tab (Vite's output in dist/tab) at /tab, with every /tab/... path answered by
 * its index.html so the tab's own router shows the page. Teams shows the tab in an iframe, so the
 * pages may be framed by Teams, Outlook and Microsoft 365 only.
 */

export const TAB_DIST = join(import.meta.dirname, '..', '..', 'dist', 'tab');

const FRAME_ANCESTORS = [
  "'self'",
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://*.cloud.microsoft',
  'https://*.office.com',
  'https://outlook.office.com',
  'https://outlook.office365.com',
  'https://*.microsoft365.com',
].join(' ');

export function tabStatic(dist = TAB_DIST): express.Router {
  const router = express.Router();
  router.use((_req, res, next) => {
    res.set('Content-Security-Policy', `frame-ancestors ${FRAME_ANCESTORS}`);
    res.set('X-Content-Type-Options', 'nosniff');
    next();
  });
  // Hashed file names: cacheable for good. index.html: never, so a deploy shows at once.
  router.use(
    '/assets',
    express.static(join(dist, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }),
  );
  router.get(['/', '/*splat'], (_req, res) => {
    const index = join(dist, 'index.html');
    if (!existsSync(index)) {
      res
        .status(503)
        .type('text/plain')
        .send(
          'The settings tab is not built yet. Run `npm run build` (npm start and npm test do it for you).',
        );
      return;
    }
    res.set('Cache-Control', 'no-cache').sendFile(index);
  });
  return router;
}
