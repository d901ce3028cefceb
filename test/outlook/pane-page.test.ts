import assert from 'node:assert/strict';
import { OFFICE_JS_CDN, OFFICE_JS_SANDBOX } from '../../bot/tab/tab-static.ts';
import { AZURE_ENV, serveHttpApp } from '../support/http-app.ts';

/** The task pane's page as each mode serves it: Microsoft's Office.js and NAA in Azure; the stand-in only in the sandbox. */
describe('The Outlook task pane page', () => {
  it('in Azure loads Office.js from Microsoft’s CDN and names the app and scope for nested app authentication', async () => {
    const app = await serveHttpApp(AZURE_ENV);
    try {
      const response = await fetch(`${app.base}/tab/outlook.html`);
      assert.equal(response.status, 200);
      assert.match(
        response.headers.get('content-security-policy') ?? '',
        /frame-ancestors .*https:\/\/outlook\.office\.com/,
      );
      const html = await response.text();
      assert.ok(html.includes(`<script src="${OFFICE_JS_CDN}"></script>`));
      assert.ok(!html.includes(OFFICE_JS_SANDBOX));
      assert.ok(html.includes(`<meta name="crm-sync-client-id" content="${AZURE_ENV.AAD_APP_CLIENT_ID}" />`));
      assert.ok(html.includes(`<meta name="crm-sync-tenant-id" content="${AZURE_ENV.TENANT_ID}" />`));
      const scope = `api://${new URL(AZURE_ENV.PUBLIC_URL).host}/${AZURE_ENV.AAD_APP_CLIENT_ID}/access_as_user`;
      assert.ok(html.includes(`<meta name="crm-sync-api-scope" content="${scope}" />`));
      // The local Outlook page and its Office.js stand-in do not exist here.
      for (const path of ['/sandbox/outlook/', OFFICE_JS_SANDBOX, '/sandbox/outlook/api/folders'])
        assert.equal((await fetch(`${app.base}${path}`)).status, 404, path);
    } finally {
      await app.close();
    }
  });

  it('in the sandbox loads the local Office.js stand-in and asks for no token', async () => {
    const app = await serveHttpApp({});
    try {
      const html = await (await fetch(`${app.base}/tab/outlook.html`)).text();
      assert.ok(html.includes(`<script src="${OFFICE_JS_SANDBOX}"></script>`));
      assert.ok(!html.includes(OFFICE_JS_CDN));
      assert.ok(!html.includes('crm-sync-client-id'));
    } finally {
      await app.close();
    }
  });
});
