import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PUBLIC_PAGES } from '../../bot/http/public-pages.ts';
import { APP_PACKAGE_DIR, fillManifest, LOCAL_VALUES } from '../../scripts/app-package.ts';
import { AZURE_ENV, serveHttpApp } from '../support/http-app.ts';

/** The pages the manifest links to exist, in Azure mode as deployed, and are the manifest's URLs. */
const DOMAIN = new URL(AZURE_ENV.PUBLIC_URL).host;

describe('The product, privacy and terms pages', () => {
  let app: Awaited<ReturnType<typeof serveHttpApp>>;
  let base: string;

  before(async () => {
    app = await serveHttpApp(AZURE_ENV);
    base = app.base;
  });
  after(() => app.close());

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
