import assert from 'node:assert/strict';
import { tabLinks } from '../../bot/tab/tab-links.ts';

describe('links into the tab', () => {
  it('are the tab’s own URLs without a Teams app id (sandbox, browser)', () => {
    const links = tabLinks('http://127.0.0.1:3978/');
    assert.equal(links.settings(), 'http://127.0.0.1:3978/tab/settings');
    assert.equal(links.settings('folders'), 'http://127.0.0.1:3978/tab/settings/folders');
    assert.equal(links.record('candidate', 'a b/c'), 'http://127.0.0.1:3978/tab/records/candidate/a%20b%2Fc');
  });

  it('are Teams deep links into the static tab with the page as subEntityId when the app id is known', () => {
    const appId = '5d0b2f8e-1c7a-4e3b-9f6d-8a2c4e6b0d1f';
    const url = new URL(tabLinks('https://crm.example.com', appId).record('contact', 'contact-005'));
    assert.equal(url.origin + url.pathname, `https://teams.microsoft.com/l/entity/${appId}/settings`);
    assert.deepEqual(JSON.parse(url.searchParams.get('context')!), {
      subEntityId: 'records/contact/contact-005',
    });
    assert.equal(url.searchParams.get('webUrl'), 'https://crm.example.com/tab/records/contact/contact-005');
  });
});
