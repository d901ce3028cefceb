import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';

/**
 * Serves the built tab (Vite's output in dist/tab) at /tab, with every /tab/... path answered by
 * its index.html so the tab's own router shows the page, and the Outlook add-in's task pane at
 * /tab/outlook.html. Teams and Outlook show them in frames, so the pages may be framed by Teams,
 * Outlook and Microsoft 365 only.
 */

/** Where Microsoft requires production add-ins to load Office.js from (tab/outlook.html names it). */
export const OFFICE_JS_CDN = 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js';
/** The sandbox's stand-in for Office.js, served with the local Outlook page (bot/outlook/sandbox-outlook.ts). */
export const OFFICE_JS_SANDBOX = '/sandbox/outlook/office.js';

/**
 * How the task pane gets its token: in Azure, nested app authentication for the Entra app's
 * `access_as_user` scope; in the sandbox, no token (the fixed local identity) and the local
 * Office.js stand-in instead of Microsoft's CDN, which is not reachable there.
 */
export type PaneAuth = { clientId: string; tenantId: string; scope: string } | 'sandbox';

const escapeAttribute = (value: string) => value.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The pane's page as served: what the build made, with the host's settings written in. */
export function paneHtml(built: string, auth: PaneAuth): string {
  if (auth === 'sandbox') return built.replace(`src="${OFFICE_JS_CDN}"`, `src="${OFFICE_JS_SANDBOX}"`);
  const meta = [
    ['crm-sync-client-id', auth.clientId],
    ['crm-sync-tenant-id', auth.tenantId],
    ['crm-sync-api-scope', auth.scope],
  ]
    .map(([name, content]) => `<meta name="${name}" content="${escapeAttribute(content!)}" />\n    `)
    .join('');
  return built.replace('<title>', `${meta}<title>`);
}

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

export function tabStatic(options: { pane: PaneAuth; dist?: string }): express.Router {
  const dist = options.dist ?? TAB_DIST;
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
  const notBuilt = (res: express.Response) =>
    res
      .status(503)
      .type('text/plain')
      .send('The settings tab is not built yet. Run `npm run build` (npm start and npm test do it for you).');
  router.get('/outlook.html', (_req, res) => {
    const file = join(dist, 'outlook.html');
    if (!existsSync(file)) return void notBuilt(res);
    res
      .set('Cache-Control', 'no-cache')
      .type('html')
      .send(paneHtml(readFileSync(file, 'utf8'), options.pane));
  });
  router.get(['/', '/*splat'], (_req, res) => {
    const index = join(dist, 'index.html');
    if (!existsSync(index)) return void notBuilt(res);
    res.set('Cache-Control', 'no-cache').sendFile(index);
  });
  return router;
}
