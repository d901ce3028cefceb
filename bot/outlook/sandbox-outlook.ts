import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import { z } from 'zod';
import type { GraphHttp } from '../mail-source/graph-http.ts';
import type { MailSync } from '../sync/mail-sync.ts';
import { authenticated, parse } from '../tab/tab-api.ts';
import type { TabAuthenticator } from '../tab/tab-identity.ts';

/**
 * Sandbox mode only (bot/main.ts mounts it nowhere else, and the config refuses sandbox mode where
 * Azure settings exist): a small Outlook-like reading page over the sandbox mailbox at
 * /sandbox/outlook, hosting the real task pane (/tab/outlook.html) with a stand-in for Office.js
 * (office.js here) that speaks to the page the way Office.js speaks to Outlook: the open item, its
 * id conversion, item changes of a pinned pane. A newcomer opens an email and presses Sync to CRM;
 * the browser tests do the same.
 */

const FILES_DIR = join(import.meta.dirname, 'sandbox');
const FILES = {
  '/': ['outlook.html', 'html'],
  '/outlook.js': ['outlook.js', 'js'],
  '/outlook.css': ['outlook.css', 'css'],
  '/office.js': ['office.js', 'js'],
} as const;

const folderParams = z.object({ id: z.string().min(1).max(1024) });
const pageQuery = z.object({ skip: z.coerce.number().int().min(0).max(100_000).default(0) });
const MESSAGE_FIELDS =
  'id,subject,from,toRecipients,ccRecipients,receivedDateTime,bodyPreview,isRead,isDraft';

export function sandboxOutlook(deps: {
  auth: TabAuthenticator;
  mailSync: MailSync;
  graph: GraphHttp;
}): express.Router {
  const router = express.Router();
  const route = authenticated(deps.auth);
  router.use((_req, res, next) => {
    // Mail is hostile content: the reading pane shows bodies in a sandboxed frame, and nothing here
    // runs script from anywhere but this app.
    res.set({
      'Content-Security-Policy':
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-src 'self'; frame-ancestors 'self'",
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    });
    next();
  });
  for (const [path, [file, type]] of Object.entries(FILES)) {
    router.get(path, (_req, res) => {
      res.type(type).send(readFileSync(join(FILES_DIR, file), 'utf8'));
    });
  }

  router.get(
    '/api/folders',
    route(async (_req, res, me) => {
      const folders = await deps.mailSync.folderTree(me.userId);
      res.json({ user: me.name ?? me.upn ?? me.userId, folders });
    }),
  );

  // Lists as Outlook shows them: newest first, with the ids Graph gives without ImmutableId (what
  // Outlook's own item ids convert to).
  router.get(
    '/api/folders/:id/messages',
    route(async (req, res, me) => {
      const { id } = parse(folderParams, req.params);
      const { skip } = parse(pageQuery, req.query);
      const page = await deps.graph.request<{ value: unknown[]; '@odata.nextLink'?: string }>(
        me.userId,
        'GET',
        `/users/${encodeURIComponent(me.userId)}/mailFolders/${encodeURIComponent(id)}/messages?$top=50&$skip=${skip}&$select=${MESSAGE_FIELDS}`,
      );
      res.json({ messages: page.value, more: page['@odata.nextLink'] !== undefined });
    }),
  );

  router.get(
    '/api/messages/:id',
    route(async (req, res, me) => {
      const { id } = parse(folderParams, req.params);
      res.json(
        await deps.graph.request(
          me.userId,
          'GET',
          `/users/${encodeURIComponent(me.userId)}/messages/${encodeURIComponent(id)}?$select=${MESSAGE_FIELDS},body,internetMessageId`,
        ),
      );
    }),
  );
  return router;
}
