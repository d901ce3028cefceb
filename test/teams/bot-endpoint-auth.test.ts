import assert from 'node:assert/strict';
import { AZURE_ENV, serveHttpApp } from '../support/http-app.ts';

/** A bot with a client secret: the Teams SDK validates Bot Framework tokens for it. */
const { MANAGED_IDENTITY_CLIENT_ID: _identity, ...withoutIdentity } = AZURE_ENV;
const azureEnv = { ...withoutIdentity, BOT_TYPE: 'SingleTenant', CLIENT_SECRET: 'test-only-secret' };

async function serve(env: Record<string, string>) {
  const app = await serveHttpApp(env);
  return { url: `${app.base}/api/messages`, close: app.close };
}

const activity = {
  type: 'message',
  id: '1',
  text: 'help',
  channelId: 'msteams',
  serviceUrl: 'http://127.0.0.1:9/',
  from: { id: '29:user' },
  conversation: { id: 'a:conversation' },
  recipient: { id: '28:bot' },
};

describe('bot endpoint authentication', () => {
  it('refuses activities without a Bot Framework token in Azure mode', async () => {
    const bot = await serve(azureEnv);
    try {
      const missing = await fetch(bot.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity),
      });
      assert.equal(missing.status, 401);
      const forged = await fetch(bot.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-real-token' },
        body: JSON.stringify(activity),
      });
      assert.equal(forged.status, 401);
    } finally {
      await bot.close();
    }
  });

  it('answers oversized and malformed bodies with clear errors', async () => {
    const bot = await serve({});
    try {
      const malformed = await fetch(bot.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"type":',
      });
      assert.equal(malformed.status, 400);
      assert.equal(((await malformed.json()) as { error: { code: string } }).error.code, 'invalid_json');
      const huge = await fetch(bot.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...activity, text: 'x'.repeat(2 * 1024 * 1024) }),
      });
      assert.equal(huge.status, 413);
    } finally {
      await bot.close();
    }
  });
});
