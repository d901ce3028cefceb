import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';

/**
 * The pages the Teams app manifest links to (developer.websiteUrl, privacyUrl, termsOfUseUrl):
 * the product page at /, the privacy statement at /privacy and the terms at /terms. Anyone may
 * read them (Teams' app details and the admin center link to them); they are static, carry no
 * user data and run no script.
 */

export const PUBLIC_PAGES = {
  '/': { file: 'product.html', title: 'CRM Sync: your Outlook email in your recruiting CRM' },
  '/privacy': { file: 'privacy.html', title: 'CRM Sync: privacy statement' },
  '/terms': { file: 'terms.html', title: 'CRM Sync: terms of use' },
} as const;

const PAGES_DIR = join(import.meta.dirname, 'pages');

/** The Outlook add-in's ribbon icons (the manifest requires 16, 32 and 80 px), at /icons/icon-<size>.png. */
export const ADDIN_ICON_SIZES = [16, 32, 80] as const;

const NAV = ['<a href="/privacy">Privacy</a>', '<a href="/terms">Terms of use</a>'];

/** One layout for every page: pages/*.html hold only what goes in <main>. */
function layout(title: string, main: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/pages.css">
</head>
<body>
<header><a class="name" href="/">CRM Sync</a> ${NAV.join(' ')}</header>
<main>
${main}</main>
<footer>CRM Sync &middot; ${NAV.join(' &middot; ')}</footer>
</body>
</html>
`;
}

export function publicPages(): express.Router {
  const router = express.Router();
  // Read once: a few KB, and a deploy restarts the process.
  const html = new Map(
    Object.entries(PUBLIC_PAGES).map(([path, { file, title }]) => [
      path,
      layout(title, readFileSync(join(PAGES_DIR, file), 'utf8')),
    ]),
  );
  const css = readFileSync(join(PAGES_DIR, 'pages.css'), 'utf8');
  const headers = (res: express.Response) =>
    res.set({
      'Content-Security-Policy':
        "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'",
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'public, max-age=3600',
    });
  for (const [path, page] of html) {
    router.get(path, (_req, res) => {
      headers(res).type('html').send(page);
    });
  }
  router.get('/pages.css', (_req, res) => {
    headers(res).type('css').send(css);
  });
  const icons = new Map(
    ADDIN_ICON_SIZES.map((size) => [`${size}`, readFileSync(join(PAGES_DIR, 'icons', `icon-${size}.png`))]),
  );
  router.get('/icons/icon-:size.png', (req, res, next) => {
    const icon = icons.get(req.params.size);
    if (!icon) return next();
    headers(res).type('png').send(icon);
  });
  return router;
}
