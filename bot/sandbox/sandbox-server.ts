import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { FaultRule } from './faults.ts';
import { DOWNLOAD_PATH } from './shared-files.ts';
import type { GraphSandbox } from './graph-sandbox.ts';
import type { NewMessage } from './mailbox-model.ts';
import { itemsAdmin } from './sandbox-items-admin.ts';
import type { LifecycleEvent } from './subscriptions.ts';

/**
 * The sandbox over HTTP: Graph v1.0 under `/v1.0`, and an admin API under `/_sandbox` for tests
 * and people to inject faults and add, move and delete mail while the app runs, and change
 * contacts, tasks and events (sandbox-items-admin.ts).
 */

/** Graph refuses request bodies over 4 MB. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new HttpError(413, 'Request body is larger than 4 MB.');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Request body is not valid JSON.');
  }
}

function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined || status === 204) {
    res.writeHead(status, headers).end();
    return;
  }
  if (Buffer.isBuffer(body)) {
    res.writeHead(status, headers).end(body);
    return;
  }
  res
    .writeHead(status, { 'content-type': 'application/json; odata.metadata=minimal', ...headers })
    .end(JSON.stringify(body));
}

export interface SandboxServer {
  url: string;
  graphBaseUrl: string;
  server: Server;
  close(): Promise<void>;
}

export async function startSandboxServer(
  sandbox: GraphSandbox,
  options: { port?: number; host?: string } = {},
): Promise<SandboxServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    handle(sandbox, req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (!res.headersSent) {
        send(res, status, {
          error: {
            code: status === 500 ? 'InternalServerError' : 'BadRequest',
            message: String((error as Error).message),
          },
        });
      } else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  return {
    url,
    graphBaseUrl: `${url}/v1.0`,
    server,
    close: async () => {
      sandbox.subscriptions.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function handle(sandbox: GraphSandbox, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
  if (url.pathname.startsWith('/_sandbox')) return admin(sandbox, req, res, url);
  if (url.pathname === '/healthz') return send(res, 200, { status: 'ok' });
  if (url.pathname.startsWith(DOWNLOAD_PATH) && req.method === 'GET') {
    const answer = sandbox.files.download(url.pathname.slice(DOWNLOAD_PATH.length));
    return send(res, answer.status, answer.raw ?? answer.body, answer.headers);
  }
  if (/^\/[^/]+\/oauth2\/v2\.0\/token$/.test(url.pathname)) return token(sandbox, req, res, url);
  const match = /^\/v1\.0(\/.*)?$/i.exec(url.pathname);
  if (!match)
    return send(res, 404, { error: { code: 'NotFound', message: 'Use /v1.0/... or /_sandbox/...' } });

  const body = await readBody(req);
  const headers: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(req.headers))
    headers[key] = Array.isArray(value) ? value.join(', ') : value;
  const answer = await sandbox.handle({
    method: req.method ?? 'GET',
    path: match[1] ?? '/',
    query: url.searchParams,
    headers,
    body,
    baseUrl: `${url.origin}/v1.0`,
  });
  if ('reset' in answer) {
    req.socket.destroy();
    return;
  }
  if (answer.stream) {
    res.writeHead(answer.status, answer.headers);
    await pipeline(answer.stream(), res);
    return;
  }
  send(res, answer.status, answer.raw ?? answer.body, answer.headers);
}

/**
 * Entra ID's token endpoint for the client credentials grant, as the app calls it in sandbox mode:
 * a form with grant_type, client_id and the scope `https://graph.microsoft.com/.default`; the answer
 * is an access token for Graph with the app's permissions, valid an hour.
 */
async function token(
  sandbox: GraphSandbox,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const tenant = decodeURIComponent(url.pathname.split('/')[1] ?? '');
  if (req.method !== 'POST') return send(res, 405, { error: 'invalid_request' });
  let raw = '';
  for await (const chunk of req) {
    raw += (chunk as Buffer).toString('utf8');
    if (raw.length > 64 * 1024) return send(res, 413, { error: 'invalid_request' });
  }
  const form = new URLSearchParams(raw);
  if (tenant !== sandbox.tokens.tenantId) {
    return send(res, 400, {
      error: 'invalid_tenant',
      error_description: `AADSTS90002: Tenant '${tenant}' not found.`,
    });
  }
  if (form.get('grant_type') !== 'client_credentials' || !form.get('client_id')) {
    return send(res, 400, {
      error: 'invalid_request',
      error_description: 'grant_type client_credentials and client_id are required.',
    });
  }
  if (form.get('scope') !== 'https://graph.microsoft.com/.default') {
    return send(res, 400, {
      error: 'invalid_scope',
      error_description: 'The scope must be https://graph.microsoft.com/.default.',
    });
  }
  const expiresIn = 3600;
  send(res, 200, {
    token_type: 'Bearer',
    expires_in: expiresIn,
    ext_expires_in: expiresIn,
    access_token: sandbox.tokens.issue({ appid: form.get('client_id')!, expiresInSeconds: expiresIn }),
  });
}

async function admin(
  sandbox: GraphSandbox,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const parts = url.pathname.split('/').filter(Boolean).slice(1).map(decodeURIComponent);
  const method = req.method ?? 'GET';
  const body = ((await readBody(req)) ?? {}) as Record<string, unknown>;
  const model = sandbox.model;
  try {
    if (parts.length === 0 && method === 'GET') {
      return send(res, 200, {
        users: [...model.users.values()].map((u) => ({ id: u.id, mail: u.mail, displayName: u.displayName })),
        messages: model.messageCount(),
        itemCollections: sandbox.items.collections.size,
        subscriptions: sandbox.subscriptions.list().length,
        faults: sandbox.faults.list(),
        requests: Object.fromEntries(sandbox.requestCounts),
        notifications: sandbox.subscriptions.stats,
      });
    }
    if (parts[0] === 'faults') {
      if (method === 'GET') return send(res, 200, { value: sandbox.faults.list() });
      if (method === 'DELETE') {
        sandbox.faults.clear();
        return send(res, 204);
      }
      if (method === 'POST') {
        sandbox.faults.add(body as unknown as FaultRule);
        return send(res, 201, { value: sandbox.faults.list() });
      }
    }
    if (parts[0] === 'files' && method === 'POST') {
      // A file shared in a Teams message: its SharePoint or OneDrive URL and its bytes (base64).
      const file = body as { url?: string; name?: string; contentType?: string; contentBase64?: string };
      if (!file.url?.startsWith('https://') || !file.name || typeof file.contentBase64 !== 'string')
        return send(res, 400, {
          error: { code: 'BadRequest', message: 'url (https), name and contentBase64 are required' },
        });
      sandbox.files.add(file.url, {
        name: file.name,
        contentType: file.contentType ?? 'application/octet-stream',
        bytes: Buffer.from(file.contentBase64, 'base64'),
      });
      return send(res, 201, { url: file.url });
    }
    if (parts[0] === 'subscriptions' && parts[1] && parts[2] === 'lifecycle' && method === 'POST') {
      await sandbox.subscriptions.lifecycle(parts[1], String(body.event) as LifecycleEvent);
      return send(res, 202);
    }
    if (parts[0] === 'users' && parts[1]) {
      const user = model.findUser(parts[1]);
      if (!user) return send(res, 404, { error: { code: 'NotFound', message: `no user ${parts[1]}` } });
      if (parts[2] === 'exchange' && method === 'PUT') {
        // What an Exchange admin decides: the app's access policy scope, and whether Exchange Online hosts the mailbox.
        if (body.inScope === false) sandbox.outOfScope.add(user.id);
        if (body.inScope === true) sandbox.outOfScope.delete(user.id);
        if (body.restEnabled === false) sandbox.restDisabled.add(user.id);
        if (body.restEnabled === true) sandbox.restDisabled.delete(user.id);
        return send(res, 204);
      }
      const items = itemsAdmin(sandbox.items, user.id, parts.slice(2), method, body);
      if (items) return send(res, items.status, items.body);
      if (parts[2] === 'folders' && parts[3] && parts[4] === 'reset-delta' && method === 'POST') {
        const folder = model.resolveFolder(user.id, parts[3]);
        if (!folder) return send(res, 404, { error: { code: 'NotFound', message: `no folder ${parts[3]}` } });
        model.resetDeltaTokens(folder.id);
        return send(res, 204);
      }
      if (parts[2] === 'messages') {
        if (!parts[3] && method === 'POST') {
          const folder = model.resolveFolder(user.id, String(body.folder ?? 'inbox'));
          if (!folder)
            return send(res, 404, {
              error: { code: 'NotFound', message: `no folder ${String(body.folder)}` },
            });
          const message = model.addMessage(
            user.id,
            folder.id,
            body.message as NewMessage,
            body.key ? String(body.key) : undefined,
          );
          return send(res, 201, { id: message.immutableId, folderId: folder.id });
        }
        if (parts[3] && parts[4] === 'move' && method === 'POST') {
          const folder = model.resolveFolder(user.id, String(body.folder ?? ''));
          if (!folder)
            return send(res, 404, {
              error: { code: 'NotFound', message: `no folder ${String(body.folder)}` },
            });
          const moved = model.moveMessage(user.id, parts[3], folder.id);
          return send(res, 200, { id: moved.immutableId, folderId: folder.id });
        }
        if (parts[3] && method === 'PATCH') {
          model.updateMessage(user.id, parts[3], body);
          return send(res, 204);
        }
        if (parts[3] && method === 'DELETE') {
          model.deleteMessage(user.id, parts[3]);
          return send(res, 204);
        }
      }
    }
  } catch (error) {
    return send(res, 400, { error: { code: 'BadRequest', message: (error as Error).message } });
  }
  return send(res, 404, { error: { code: 'NotFound', message: `no admin route ${method} ${url.pathname}` } });
}
