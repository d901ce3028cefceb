import { clientCredentialsToken } from '../../bot/mail-source/client-credentials.ts';
import { GraphSandbox, type GraphSandboxOptions } from '../../bot/sandbox/graph-sandbox.ts';
import { type SandboxServer, startSandboxServer } from '../../bot/sandbox/sandbox-server.ts';
import { readMailboxFixture, seedMailboxes } from '../../bot/sandbox/seed.ts';
import { readItemsFixture, seedItems } from '../../bot/sandbox/seed-items.ts';

export const RILEY = 'riley.morgan@northwindstaffing.com';
export const SAM = 'sam.patel@northwindstaffing.com';

/**
 * The sandbox seeded with the checked-in mailbox and items (contacts, tasks, this week's calendar;
 * `now` places the week), on 127.0.0.1, plus a small Graph client for tests. `limits` sets the
 * mailbox budget's size and clock.
 */
export async function startSeededSandbox(
  options: {
    now?: number;
    limits?: Pick<GraphSandboxOptions, 'requestsPerWindow' | 'budgetNow'>;
  } = {},
): Promise<{
  sandbox: GraphSandbox;
  server: SandboxServer;
  graph: TestGraph;
}> {
  const fixture = readMailboxFixture();
  const model = seedMailboxes(fixture);
  const items = seedItems(readItemsFixture(), model, undefined, options.now);
  const sandbox = new GraphSandbox({ model, items, tenantId: fixture.tenantId, ...options.limits });
  const server = await startSandboxServer(sandbox);
  return { sandbox, server, graph: new TestGraph(server.graphBaseUrl, server.url, fixture.tenantId) };
}

export interface GraphAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export class TestGraph {
  readonly base: string;
  readonly admin: string;
  /** An app token from the sandbox's Entra stand-in, as the app gets one. */
  readonly token: () => Promise<string>;
  constructor(base: string, root: string, tenantId: string) {
    this.base = base;
    this.token = clientCredentialsToken({
      tokenUrl: `${root}/${tenantId}/oauth2/v2.0/token`,
      clientId: 'crm-sync-tests',
      scope: 'https://graph.microsoft.com/.default',
    });
    this.admin = `${root}/_sandbox`;
  }

  async call<T = Record<string, unknown>>(
    method: string,
    pathOrUrl: string,
    options: { body?: unknown; headers?: Record<string, string>; prefer?: string } = {},
  ): Promise<GraphAnswer<T>> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.base}${pathOrUrl}`;
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${await this.token()}`,
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.prefer ? { prefer: options.prefer } : {}),
        ...options.headers,
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as T,
    };
  }

  get<T = Record<string, unknown>>(path: string, prefer?: string) {
    return this.call<T>('GET', path, prefer ? { prefer } : {});
  }

  async adminCall(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(`${this.admin}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (response.status >= 400)
      throw new Error(`admin ${method} ${path}: ${response.status} ${await response.text()}`);
    const text = await response.text();
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }

  /** Follows nextLinks to the end of a delta round; returns every page and the deltaLink. */
  async deltaRound(start: string, prefer: string) {
    const pages: Array<Array<Record<string, unknown>>> = [];
    let url = start;
    for (;;) {
      const page = await this.get<{
        value: Array<Record<string, unknown>>;
        '@odata.nextLink'?: string;
        '@odata.deltaLink'?: string;
      }>(url, prefer);
      if (page.status !== 200) throw new Error(`delta page ${page.status}: ${JSON.stringify(page.body)}`);
      pages.push(page.body.value);
      if (page.body['@odata.nextLink']) url = page.body['@odata.nextLink'];
      else return { pages, items: pages.flat(), deltaLink: page.body['@odata.deltaLink'] as string };
    }
  }
}
