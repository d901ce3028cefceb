import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../bot/config/config.ts';
import { createLogger } from '../../bot/logging/logger.ts';
import { type RunningApp, startApp } from '../../bot/main.ts';
import { freePort } from '../support/free-port.ts';
import { Playground, type PlaygroundMessage } from '../support/playground.ts';

function cardText(message: PlaygroundMessage): string {
  return JSON.stringify(message.attachments?.[0]?.content ?? {});
}

describe('bot through the Microsoft 365 Agents Playground (sandbox mode)', function () {
  this.timeout(60_000);
  let app: RunningApp;
  let playground: Playground;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'crm-sync-e2e-'));
    const config = loadConfig({ PORT: String(await freePort()), DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    app = await startApp(config, createLogger({ level: 'silent' }));
    playground = await Playground.start(`${app.url}/api/messages`);
  });

  after(async () => {
    await playground?.stop();
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers `help` with the command card', async () => {
    const since = playground.eventCount;
    await playground.say('help');
    const reply = await playground.nextBotMessage(since);
    assert.equal(reply.attachments?.[0]?.contentType, 'application/vnd.microsoft.card.adaptive');
    const card = reply.attachments?.[0]?.content as { version: string; type: string };
    assert.equal(card.type, 'AdaptiveCard');
    assert.equal(card.version, '1.5');
    assert.match(cardText(reply), /CRM Sync/);
    assert.match(cardText(reply), /"title":"help"/);
  });

  it('talks to the sandbox recruiter in the sandbox tenant', async () => {
    const config = await playground.config();
    assert.equal(config.currentUser.aadObjectId, '4f2b8c1e-9d3a-4b5c-8e7f-1a2b3c4d5e6f');
    assert.equal(config.currentUser.name, 'Riley Morgan');
  });

  it('is forgiving about case and spacing', async () => {
    const since = playground.eventCount;
    await playground.say('   HeLp   ');
    const reply = await playground.nextBotMessage(since);
    assert.doesNotMatch(cardText(reply), /didn't recognise/);
  });

  it('answers anything else with help rather than silence, saying what it did not understand', async () => {
    const since = playground.eventCount;
    await playground.say('sync my stuff please');
    const reply = await playground.nextBotMessage(since);
    assert.match(cardText(reply), /didn't recognise \\"sync my stuff please\\"/);
    assert.match(cardText(reply), /"title":"help"/);
  });
});
