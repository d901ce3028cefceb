import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../bot/config/config.ts';
import { createLogger } from '../../bot/logging/logger.ts';
import { type RunningApp, startApp } from '../../bot/main.ts';
import { riley, RILEY_ID } from '../support/app-harness.ts';
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
    assert.equal(config.currentUser.aadObjectId, RILEY_ID);
    assert.equal(config.currentUser.name, 'Riley Morgan');
    // The bot takes the chat's user for Riley of the sandbox tenant: with Riley's sync on, `sync
    // status` is Riley's status card (anyone else, or another tenant, gets the access card).
    await app.services.syncService.turnOn(riley);
    const since = playground.eventCount;
    await playground.say('sync status');
    const reply = await playground.nextBotMessage(since);
    assert.match(cardText(reply), /"text":"CRM Sync status"/);
    assert.match(cardText(reply), /"title":"Sync","value":"Active"/);
  });

  it('is forgiving about case and spacing: the same command card as `help`', async () => {
    const help = async (words: string) => {
      const since = playground.eventCount;
      await playground.say(words);
      return (await playground.nextBotMessage(since)).attachments?.[0]?.content;
    };
    const exact = await help('help');
    const sloppy = await help('   HeLp   ');
    assert.match(JSON.stringify(sloppy), /"title":"help"/);
    assert.doesNotMatch(JSON.stringify(sloppy), /didn't recognise/);
    assert.deepEqual(sloppy, exact);
  });

  it('answers anything else with help rather than silence, saying what it did not understand', async () => {
    const since = playground.eventCount;
    await playground.say('sync my stuff please');
    const reply = await playground.nextBotMessage(since);
    assert.match(cardText(reply), /didn't recognise \\"sync my stuff please\\"/);
    assert.match(cardText(reply), /"title":"help"/);
  });
});
