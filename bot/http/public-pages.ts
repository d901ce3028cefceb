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
  '/': 'product.html',
  '/privacy': 'privacy.html',
  '/terms': 'terms.html',
} as const;

const PAGES_DIR = join(import.meta.dirname, 'pages');

export function publicPages(): express.Router {
  const router = express.Router();
  // Read once: a few KB, and a deploy restarts the process.
  const html = new Map(
    Object.entries(PUBLIC_PAGES).map(([path, file]) => [path, readFileSync(join(PAGES_DIR, file), 'utf8')]),
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
  return router;
}
