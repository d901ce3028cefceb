import assert from 'node:assert/strict';
import { loadConfig } from '../../bot/config/config.ts';
import { tabAuthenticator } from '../../bot/main.ts';
import { SsoTokenAuthenticator } from '../../bot/tab/tab-identity.ts';
import { tabLinks } from '../../bot/tab/tab-links.ts';
import { AZURE_ENV } from '../support/http-app.ts';

const { PUBLIC_URL: _publicUrl, ...withoutPublicUrl } = AZURE_ENV;

describe('links into the tab', () => {
  it('are the tab’s own URLs without a Teams app id (sandbox, browser)', () => {
    const links = tabLinks('http://127.0.0.1:3978/');
    assert.equal(links.settings(), 'http://127.0.0.1:3978/tab/settings');
    assert.equal(links.settings('folders'), 'http://127.0.0.1:3978/tab/settings/folders');
    assert.equal(links.record('candidate', 'a b/c'), 'http://127.0.0.1:3978/tab/records/candidate/a%20b%2Fc');
    assert.equal(links.emails(), 'http://127.0.0.1:3978/tab/settings/emails');
    assert.equal(links.emails('error'), 'http://127.0.0.1:3978/tab/settings/emails?status=error');
  });

  it('are Teams deep links into the static tab with the page as subEntityId when the app id is known', () => {
    const appId = '5d0b2f8e-1c7a-4e3b-9f6d-8a2c4e6b0d1f';
    const url = new URL(tabLinks('https://crm.example.com', appId).record('contact', 'contact-005'));
    assert.equal(url.origin + url.pathname, `https://teams.microsoft.com/l/entity/${appId}/settings`);
    assert.deepEqual(JSON.parse(url.searchParams.get('context')!), {
      subEntityId: 'records/contact/contact-005',
    });
    assert.equal(url.searchParams.get('webUrl'), 'https://crm.example.com/tab/records/contact/contact-005');
    const emails = new URL(tabLinks('https://crm.example.com', appId).emails('synced'));
    assert.deepEqual(JSON.parse(emails.searchParams.get('context')!), {
      subEntityId: 'settings/emails?status=synced',
    });
    assert.equal(
      emails.searchParams.get('webUrl'),
      'https://crm.example.com/tab/settings/emails?status=synced',
    );
  });
});

describe('who the tab’s caller is', () => {
  it('needs a Teams SSO token in Azure mode: the fixed local identity cannot be had there', async () => {
    const auth = tabAuthenticator(
      // Inside App Service: the public URL comes from WEBSITE_HOSTNAME.
      loadConfig({ ...withoutPublicUrl, WEBSITE_HOSTNAME: 'crm.azurewebsites.net' }),
    );
    assert.ok(auth instanceof SsoTokenAuthenticator);
    await assert.rejects(auth.authenticate(undefined), /no bearer token/);
  });

  it('is the sandbox’s recruiter in sandbox mode, an admin unless ADMIN_USERS names others', async () => {
    const me = await tabAuthenticator(loadConfig({})).authenticate(undefined);
    assert.equal(me.name, 'Riley Morgan');
    assert.equal(me.isAdmin, true);
    const notAdmin = await tabAuthenticator(
      loadConfig({ ADMIN_USERS: '8a1d2c3b-4e5f-4a6b-9c7d-2e3f4a5b6c7d' }),
    ).authenticate(undefined);
    assert.equal(notAdmin.isAdmin, false);
    assert.throws(() => loadConfig({ ADMIN_USERS: 'riley.morgan@northwindstaffing.com' }), /object ids/);
  });
});
