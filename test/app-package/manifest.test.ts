import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import {
  APP_PACKAGE_DIR,
  buildPackage,
  fillManifest,
  LOCAL_VALUES,
  placeholders,
} from '../../scripts/app-package.ts';
import { pngInfo } from '../../scripts/png.ts';
import { COMMANDS } from '../../bot/teams/commands.ts';
import { serveHttpApp } from '../support/http-app.ts';

const require = createRequire(import.meta.url);
const { ManifestUtil } = require('@microsoft/app-manifest') as {
  ManifestUtil: { validateManifestAgainstSchema(manifest: unknown, schema: unknown): Promise<string[]> };
};
/** The newest manifest schema @microsoft/app-manifest ships, read from the package: no network. */
const SCHEMA_VERSION = 'v1.30';
const schema = JSON.parse(
  readFileSync(
    require.resolve(
      `@microsoft/app-manifest/build/json-schemas/teams/${SCHEMA_VERSION}/MicrosoftTeams.schema.json`,
    ),
    'utf8',
  ),
);
const template = readFileSync(join(APP_PACKAGE_DIR, 'manifest.json'), 'utf8');

/** The parts of the manifest these tests read. */
interface Manifest {
  manifestVersion: string;
  bots: Array<{ scopes: string[]; commandLists: Array<{ commands: Array<{ title: string }> }> }>;
  composeExtensions: Array<{
    commands: Array<{ id: string; type: string; context: string[]; fetchTask: boolean }>;
  }>;
  staticTabs: Array<{ entityId: string }>;
  webApplicationInfo: { resource: string };
  extensions: Array<{
    requirements: { scopes: string[]; capabilities: Array<{ name: string; minVersion: string }> };
    runtimes: Array<{
      id: string;
      code: { page: string };
      actions: Array<{ id: string; type: string; pinnable?: boolean }>;
    }>;
    ribbons: Array<{
      contexts: string[];
      tabs: Array<{
        groups: Array<{
          icons: Array<{ size: number; url: string }>;
          controls: Array<{ label: string; actionId: string; icons: Array<{ size: number; url: string }> }>;
        }>;
      }>;
    }>;
  }>;
  authorization: { permissions: { resourceSpecific: Array<{ name: string; type: string }> } };
}

describe('Teams app package', () => {
  const manifest = fillManifest(template, {
    ...LOCAL_VALUES,
    BOT_DOMAIN: 'crm-sync.azurewebsites.net',
  }) as unknown as Manifest;

  it(`validates against the official ${SCHEMA_VERSION} schema with its placeholders filled`, async () => {
    assert.equal(manifest.manifestVersion, SCHEMA_VERSION.slice(1));
    assert.deepEqual(await ManifestUtil.validateManifestAgainstSchema(manifest, schema), []);
  });

  it('the check catches a broken manifest', async () => {
    const broken = { ...manifest, bots: [{ botId: 'x', scopes: ['nowhere'] }] };
    assert.notDeepEqual(await ManifestUtil.validateManifestAgainstSchema(broken, schema), []);
  });

  it('declares the bot in personal scope with every chat command, and both message actions', () => {
    assert.deepEqual(manifest.bots[0]!.scopes, ['personal']);
    assert.deepEqual(
      manifest.bots[0]!.commandLists[0]!.commands.map((c) => c.title),
      COMMANDS.map((c) => c.command),
    );
    const actions = manifest.composeExtensions[0]!.commands;
    assert.deepEqual(
      actions.map((c) => c.id),
      ['syncToCrm', 'associate', 'captureCandidate'],
    );
    assert.ok(
      actions.every(
        (c: { type: string; context: string[]; fetchTask: boolean }) =>
          c.type === 'action' && c.context.join() === 'message' && c.fetchTask,
      ),
    );
    assert.deepEqual(
      manifest.staticTabs.map((t) => t.entityId),
      ['settings', 'notifications'],
    );
    assert.match(manifest.webApplicationInfo.resource, /^api:\/\/crm-sync\.azurewebsites\.net\//);
  });

  it('names every placeholder it cannot fill', () => {
    assert.deepEqual(placeholders(template).sort(), [
      'AAD_APP_CLIENT_ID',
      'APP_NAME_SUFFIX',
      'BOT_DOMAIN',
      'BOT_ID',
      'TEAMS_APP_ID',
    ]);
    assert.throws(
      () => fillManifest(template, { TEAMS_APP_ID: 'x' }),
      /BOT_DOMAIN, APP_NAME_SUFFIX, BOT_ID, AAD_APP_CLIENT_ID/,
    );
  });

  it('has a 192x192 colour icon and a 32x32 transparent outline icon, and zips all three files', () => {
    const color = pngInfo(readFileSync(join(APP_PACKAGE_DIR, 'color.png')));
    const outline = pngInfo(readFileSync(join(APP_PACKAGE_DIR, 'outline.png')));
    assert.deepEqual([color.width, color.height], [192, 192]);
    assert.deepEqual([outline.width, outline.height], [32, 32]);
    assert.equal(outline.colourType, 6, 'RGBA, so the outline can be transparent');
    const files = unzipSync(buildPackage(LOCAL_VALUES));
    assert.deepEqual(Object.keys(files).sort(), ['color.png', 'manifest.json', 'outline.png']);
    assert.doesNotMatch(Buffer.from(files['manifest.json']!).toString(), /\$\{\{/);
  });

  it('adds the Outlook add-in: Sync to CRM, Associate and CRM status on the email being read, opening the task pane', async () => {
    const [extension] = manifest.extensions;
    assert.deepEqual(extension!.requirements.scopes, ['mail']);
    assert.deepEqual(
      extension!.requirements.capabilities,
      [{ name: 'Mailbox', minVersion: '1.5' }],
      'pinning',
    );
    const [ribbon] = extension!.ribbons;
    assert.deepEqual(ribbon!.contexts, ['mailRead']);
    const [group] = ribbon!.tabs[0]!.groups;
    const controls = group!.controls;
    assert.deepEqual(
      controls.map((c) => c.label),
      ['Sync to CRM', 'Associate', 'Capture candidate', 'CRM status'],
    );
    const actions = new Map(
      extension!.runtimes.flatMap((r) => r.actions.map((a) => [a.id, { page: r.code.page, ...a }] as const)),
    );
    const views = controls.map((c) => {
      const action = actions.get(c.actionId);
      assert.ok(action, `${c.label} runs an action a runtime declares`);
      assert.equal(action.type, 'openPage');
      assert.equal(action.pinnable, true);
      return new URL(action.page).searchParams.get('view');
    });
    assert.deepEqual(views, ['sync', 'associate', 'capture', 'status']);
    for (const runtime of extension!.runtimes) {
      assert.equal(new URL(runtime.code.page).pathname, '/tab/outlook.html');
    }
    assert.deepEqual(manifest.authorization.permissions.resourceSpecific, [
      { name: 'MailboxItem.Read.User', type: 'Delegated' },
    ]);
    // Icons at 16, 32 and 80 px (required) for the group and every button, served by the app.
    const app = await serveHttpApp({});
    try {
      for (const icons of [group!.icons, ...controls.map((c) => c.icons)]) {
        assert.deepEqual(
          icons.map((i) => i.size),
          [16, 32, 80],
        );
        for (const icon of icons) {
          const response = await fetch(`${app.base}${new URL(icon.url).pathname}`);
          assert.equal(response.status, 200, icon.url);
          const png = pngInfo(Buffer.from(await response.arrayBuffer()));
          assert.deepEqual([png.width, png.height], [icon.size, icon.size]);
        }
      }
    } finally {
      await app.close();
    }
  });
});
