import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PUBLIC, withOverrides } from '@microsoft/teams.api';
import { ConversationRepository } from '../../bot/teams/conversation-store.ts';
import { type AppHarness, RILEY_ID, riley, startAppHarness, TENANT } from '../support/app-harness.ts';
import { AZURE_ENV, serveHttpApp } from '../support/http-app.ts';
import { FakeEntra } from '../support/sso.ts';

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

/**
 * Tokens signed locally: one key set on 127.0.0.1 stands for both Bot Framework's
 * (login.botframework.com/v1/.well-known/keys) and Entra's per-tenant keys, so that the Teams SDK's
 * own validation, given the same endpoints, would accept what these tests send. What is refused is
 * refused by the rule under test, not by a key the app could not fetch.
 */
describe('bot endpoint: only the Bot Framework connector, for Teams service URLs', function () {
  this.timeout(30_000);
  const BOT_FRAMEWORK = 'https://api.botframework.com';
  const TEAMS_AMER = 'https://smba.trafficmanager.net/amer/';
  let entra: FakeEntra;
  let bot: { url: string; close(): Promise<void> };

  before(async () => {
    entra = await FakeEntra.start();
    const cloud = withOverrides(PUBLIC, {
      loginEndpoint: entra.origin,
      openIdMetadataUrl: `${entra.origin}/v1/.well-known/openidconfiguration`,
    });
    const app = await serveHttpApp(azureEnv, { botCloud: cloud });
    bot = { url: `${app.base}/api/messages`, close: app.close };
  });
  after(async () => {
    await bot?.close();
    await entra?.stop();
  });

  // An activity no route answers, so an accepted one costs nothing beyond the 200.
  const typing = (serviceUrl?: string) => ({
    type: 'typing',
    id: '2',
    channelId: 'msteams',
    ...(serviceUrl ? { serviceUrl } : {}),
    from: { id: '29:user', aadObjectId: 'c0ffee00-0000-4000-8000-000000000001' },
    conversation: { id: 'a:conversation', conversationType: 'personal', tenantId: AZURE_ENV.TENANT_ID },
    recipient: { id: `28:${AZURE_ENV.CLIENT_ID}` },
  });
  const post = (token: string, body: object) =>
    fetch(bot.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
  const botFrameworkToken = (claims: Record<string, unknown> = {}, rogue = false) =>
    entra.sign(
      { iss: BOT_FRAMEWORK, aud: AZURE_ENV.CLIENT_ID, serviceurl: TEAMS_AMER, ...claims },
      { rogue },
    );

  it("accepts a Bot Framework token whose serviceurl is the activity's, on a Teams host", async () => {
    const res = await post(await botFrameworkToken(), typing(TEAMS_AMER));
    assert.equal(res.status, 200, await res.text());
  });

  it('refuses Entra tokens for the bot\'s app id ("agentic identity"), v1 and v2, from any tenant', async () => {
    for (const iss of [
      `${entra.origin}/${AZURE_ENV.TENANT_ID}/v2.0`,
      `https://sts.windows.net/${AZURE_ENV.TENANT_ID}/`,
    ]) {
      const token = await entra.sign({
        iss,
        aud: AZURE_ENV.CLIENT_ID,
        tid: AZURE_ENV.TENANT_ID,
        appid: '0a0a0a0a-1111-4222-8333-444444444444',
        idtyp: 'app',
      });
      const res = await post(token, typing(TEAMS_AMER));
      assert.equal(res.status, 401, iss);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'unauthenticated');
    }
  });

  it("refuses a Bot Framework token whose serviceurl differs from the activity's, or is missing", async () => {
    const other = await post(await botFrameworkToken(), typing('https://smba.trafficmanager.net/emea/'));
    assert.equal(other.status, 401);
    const noClaim = await post(await botFrameworkToken({ serviceurl: undefined }), typing());
    assert.equal(noClaim.status, 401);
    const noBodyUrl = await post(await botFrameworkToken(), typing());
    assert.equal(noBodyUrl.status, 401);
  });

  it("refuses service URLs that are not Teams' own, even when the token names them", async () => {
    for (const serviceUrl of [
      'https://attacker.example/',
      'http://smba.trafficmanager.net/amer/',
      'https://smba.trafficmanager.net.attacker.example/',
      'https://smba.trafficmanager.net:8443/amer/',
    ]) {
      const res = await post(await botFrameworkToken({ serviceurl: serviceUrl }), typing(serviceUrl));
      assert.equal(res.status, 403, serviceUrl);
    }
  });

  it('refuses tokens for another audience, signed with an unknown key, or expired', async () => {
    const cases = [
      await botFrameworkToken({ aud: 'another-bot' }),
      await botFrameworkToken({}, true),
      await entra.sign(
        { iss: BOT_FRAMEWORK, aud: AZURE_ENV.CLIENT_ID, serviceurl: TEAMS_AMER },
        { expiresInSeconds: -3600 },
      ),
    ];
    for (const token of cases) assert.equal((await post(token, typing(TEAMS_AMER))).status, 401);
  });
});

describe('conversation references: only for service URLs the bot may talk to', function () {
  this.timeout(60_000);
  let h: AppHarness;
  before(async () => {
    h = await startAppHarness();
  });
  after(() => h?.stop());

  const activityFrom = (
    serviceUrl: string,
    extra: Record<string, unknown> = { type: 'conversationUpdate' },
  ) =>
    fetch(`${h.app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: '3',
        channelId: 'msteams',
        serviceUrl,
        from: { id: '29:riley', aadObjectId: RILEY_ID },
        conversation: { id: `a:${serviceUrl}`, conversationType: 'personal', tenantId: TENANT },
        recipient: { id: '28:crm-sync-local-bot' },
        ...extra,
      }),
    });

  it('stores the Playground on this machine and ignores any other address', async () => {
    const conversations = new ConversationRepository(h.app.store);
    assert.equal((await activityFrom('https://attacker.example/')).status, 200);
    assert.equal(await conversations.get(TENANT, RILEY_ID), undefined);
    assert.equal((await activityFrom('http://127.0.0.1:56150/')).status, 200);
    assert.equal((await conversations.get(TENANT, RILEY_ID))?.serviceUrl, 'http://127.0.0.1:56150/');
    await activityFrom('https://attacker.example/');
    assert.equal((await conversations.get(TENANT, RILEY_ID))?.serviceUrl, 'http://127.0.0.1:56150/');
  });

  it('keeps the bot chat when a message action comes from a 1:1 chat between two people', async () => {
    const conversations = new ConversationRepository(h.app.store);
    const before = await conversations.get(TENANT, RILEY_ID);
    assert.ok(before);
    const res = await fetch(`${h.app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'invoke',
        name: 'composeExtension/fetchTask',
        id: '4',
        channelId: 'msteams',
        serviceUrl: 'http://127.0.0.1:56150/',
        from: { id: '29:riley', aadObjectId: RILEY_ID },
        conversation: { id: '19:riley_sam@unq.gbl.spaces', conversationType: 'personal', tenantId: TENANT },
        recipient: { id: '28:crm-sync-local-bot' },
        value: {
          commandId: 'syncToCrm',
          commandContext: 'message',
          messagePayload: { id: '1', body: { content: 'x' } },
        },
      }),
    });
    assert.equal(res.status, 200);
    assert.equal((await conversations.get(TENANT, RILEY_ID))?.conversationId, before.conversationId);
  });
});

describe('commands and card buttons only in the personal chat', function () {
  this.timeout(60_000);
  let h: AppHarness;
  let connector: Server;
  let connectorUrl: string;
  const replies: Array<Record<string, unknown>> = [];

  before(async () => {
    h = await startAppHarness();
    await h.app.services.syncService.turnOn(riley);
    // The Bot Framework connector as far as replies go: it records what the bot sends.
    connector = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        replies.push(JSON.parse(body || '{}') as Record<string, unknown>);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id: `reply-${replies.length}` }));
      });
    });
    connector.listen(0, '127.0.0.1');
    await once(connector, 'listening');
    connectorUrl = `http://127.0.0.1:${(connector.address() as AddressInfo).port}/`;
  });
  after(async () => {
    connector?.closeAllConnections();
    await new Promise((r) => connector?.close(r));
    await h?.stop();
  });

  const activity = (conversationType: string, extra: Record<string, unknown>) => ({
    id: randomUUID(),
    channelId: 'msteams',
    serviceUrl: connectorUrl,
    from: { id: '29:riley', aadObjectId: RILEY_ID },
    conversation: { id: `19:${conversationType}@thread.v2`, conversationType, tenantId: TENANT },
    recipient: { id: '28:crm-sync-local-bot' },
    ...extra,
  });
  const post = async (body: object) => {
    const res = await fetch(`${h.app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.text() };
  };

  it('answers "sync status" in a group chat or channel with a pointer to the 1:1 chat, no status', async () => {
    for (const type of ['groupChat', 'channel']) {
      replies.length = 0;
      assert.equal((await post(activity(type, { type: 'message', text: 'sync status' }))).status, 200);
      const sent = JSON.stringify(replies);
      assert.match(sent, /I answer in our 1:1 chat/, type);
      assert.doesNotMatch(sent, /CRM Sync status|Last run|Synced/, type);
    }
  });

  it('answers a card button pressed outside the personal chat the same way', async () => {
    const answer = await post(
      activity('groupChat', {
        type: 'invoke',
        name: 'adaptiveCard/action',
        value: { action: { type: 'Action.Execute', verb: 'errors', data: {} } },
      }),
    );
    assert.equal(answer.status, 200);
    assert.match(answer.body, /I answer in our 1:1 chat/);
  });
});
