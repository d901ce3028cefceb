import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from '../../bot/config/config.ts';
import { PUBLIC_PAGES } from '../../bot/http/public-pages.ts';
import { createLogger } from '../../bot/logging/logger.ts';
import { createHttpApp } from '../../bot/main.ts';
import { ALL_CONTAINERS } from '../../bot/store/containers.ts';
import { SqliteStore } from '../../bot/store/sqlite-store.ts';
import { APP_PACKAGE_DIR, fillManifest, LOCAL_VALUES } from '../../scripts/app-package.ts';

/** The pages the manifest links to exist, in Azure mode as deployed, and are the manifest's URLs. */
const DOMAIN = 'crm-sync.agency.example';
const azureEnv = {
  CLIENT_ID: '11111111-2222-3333-4444-555555555555',
  AAD_APP_CLIENT_ID: '22222222-3333-4444-5555-666666666666',
  TENANT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  BOT_TYPE: 'SingleTenant',
  CLIENT_SECRET: 'test-only-secret',
  COSMOS_ENDPOINT: 'https://agency.documents.azure.com:443/',
  STORAGE_ACCOUNT_NAME: 'agencystorage',
  PUBLIC_URL: `https://${DOMAIN}`,
};

describe('The product, privacy and terms pages', () => {
  let http: Server;
  let store: SqliteStore;
  let base: string;

  before(async () => {
    store = new SqliteStore({ path: ':memory:', purgeIntervalMs: 0 });
    await store.init(ALL_CONTAINERS);
    const { server } = await createHttpApp({
      config: loadConfig(azureEnv),
      logger: createLogger({ level: 'silent' }),
      store,
    });
    http = createServer(server);
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  after(async () => {
    http.closeAllConnections();
    await new Promise<void>((r) => http.close(() => r()));
    await store.close();
  });

  const manifest = fillManifest(readFileSync(join(APP_PACKAGE_DIR, 'manifest.json'), 'utf8'), {
    ...LOCAL_VALUES,
    BOT_DOMAIN: DOMAIN,
  }) as { developer: { websiteUrl: string; privacyUrl: string; termsOfUseUrl: string } };

  it("are exactly the manifest's website, privacy and terms URLs", () => {
    const { websiteUrl, privacyUrl, termsOfUseUrl } = manifest.developer;
    assert.deepEqual(
      [websiteUrl, privacyUrl, termsOfUseUrl].map((u) => new URL(u).href),
      Object.keys(PUBLIC_PAGES).map((path) => `https://${DOMAIN}${path}`),
    );
  });

  for (const [field, title] of [
    ['websiteUrl', /<title>CRM Sync: your Outlook email in your recruiting CRM<\/title>/],
    ['privacyUrl', /<title>CRM Sync: privacy statement<\/title>/],
    ['termsOfUseUrl', /<title>CRM Sync: terms of use<\/title>/],
  ] as const) {
    it(`answer the manifest's ${field} with 200 and the page, without signing in, script or framing`, async () => {
      const path = new URL(manifest.developer[field]).pathname;
      const response = await fetch(`${base}${path}`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(
        response.headers.get('content-security-policy') ?? '',
        /default-src 'none'.*frame-ancestors 'none'/,
      );
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      const html = await response.text();
      assert.match(html, title);
      assert.doesNotMatch(html, /<script/i);
      // Every link on the page leads somewhere that answers.
      for (const [, href] of html.matchAll(/(?:href)="(\/[^"]*)"/g)) {
        assert.equal((await fetch(`${base}${href}`)).status, 200, `${path} links to ${href}`);
      }
    });
  }

  it('the privacy statement says what is read, what reaches the CRM under each setting, where, how long and how it is removed', async () => {
    const html = await (await fetch(`${base}/privacy`)).text();
    for (const said of [
      /What is read from Microsoft 365/,
      /Mail\.Read/,
      // The settings tab's own labels for the three visibility settings.
      /Only that an email was exchanged \(addresses and date\)/,
      /Subject and addresses only/,
      /The whole email: subject, body and attachments/,
      /Azure Cosmos DB/,
      /90 days/,
      /How to stop, and how data is removed/,
    ]) {
      assert.match(html, said);
    }
  });
});
