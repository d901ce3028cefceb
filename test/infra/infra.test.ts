import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { ATTACHMENTS_CONTAINER } from '../../bot/composition.ts';
import { AZURE_MODE_SETTINGS, loadConfig } from '../../bot/config/config.ts';
import { AZURE_CONTAINERS } from '../../bot/store/containers.ts';
import { APP_ROLES } from '../../bot/sandbox/sandbox-tokens.ts';
import { TRUSTED_CLIENT_IDS } from '../../bot/tab/tab-identity.ts';
import { SYNC_QUEUE } from '../../bot/worker/jobs.ts';

/**
 * No Bicep compiler runs here (none is on the npm registry or Debian), so the deployment files are
 * checked against the code instead: the settings the app reads, the containers the store uses,
 * the queues, the manifest's placeholders. The Agents Toolkit's own CLI (its npm package) checks
 * teamsapp.yml against its published schema and validates the app package offline.
 */

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const bicep = read('infra/azure.bicep');

/** Set by App Service itself, defaulted by the app, or alternatives to the managed identity. */
const NOT_FROM_BICEP: Record<string, string> = {
  PORT: 'App Service sets it',
  WEBSITE_SITE_NAME: 'App Service sets it',
  WEBSITE_HOSTNAME: 'App Service sets it (the public URL comes from it)',
  PUBLIC_URL: 'only outside App Service',
  HOST: 'defaults to 0.0.0.0',
  LOG_LEVEL: 'defaults to info',
  WORKER_LEASE_SECONDS: 'has a default',
  GRAPH_BASE_URL: 'defaults to Graph v1.0',
  CRM_SYNC_MODE: 'the mode is derived',
  CLIENT_SECRET: 'the managed identity replaces it',
  CLIENT_CERTIFICATE_PATH: 'the managed identity replaces it',
};
/** App Service platform settings the Bicep sets besides ours. */
const PLATFORM_SETTINGS = ['SCM_DO_BUILD_DURING_DEPLOYMENT', 'WEBSITE_HEALTHCHECK_MAXPINGFAILURES'];

function appSettings(): string[] {
  const block = /appSettings:\s*\[([\s\S]*?)\n\s*\]/.exec(bicep)?.[1] ?? '';
  return [...block.matchAll(/name:\s*'([A-Z0-9_]+)'/g)].map((m) => m[1]!);
}

interface BicepContainer {
  name: string;
  defaultTtl: number | null;
  excludedPaths: string[];
}

function bicepContainers(): BicepContainer[] {
  const block = /var containers = \[([\s\S]*?)\n\]/.exec(bicep)?.[1] ?? '';
  return [
    ...block.matchAll(/\{ name: '(\w+)', defaultTtl: (null|-?\d+), excludedPaths: \[([^\]]*)\] \}/g),
  ].map((m) => ({
    name: m[1]!,
    defaultTtl: m[2] === 'null' ? null : Number(m[2]),
    excludedPaths: [...m[3]!.matchAll(/'([^']+)'/g)].map((p) => p[1]!),
  }));
}

const placeholders = (text: string) => [...text.matchAll(/\$\{\{([A-Z0-9_]+)\}\}/g)].map((m) => m[1]!);
const envFile = (path: string) =>
  read(path)
    .split('\n')
    .filter((l) => /^[A-Z0-9_]+=/.test(l))
    .map((l) => l.split('=')[0]!);

describe('Azure deployment files', () => {
  it('give the app every setting it reads in Azure mode, and nothing it does not read', () => {
    const provided = appSettings();
    const needed = AZURE_MODE_SETTINGS.filter((s) => !(s in NOT_FROM_BICEP));
    assert.deepEqual(
      needed.filter((s) => !provided.includes(s)),
      [],
      'settings the Bicep does not provide',
    );
    assert.deepEqual(
      provided.filter((s) => !AZURE_MODE_SETTINGS.includes(s) && !PLATFORM_SETTINGS.includes(s)),
      [],
      'settings the app never reads',
    );
  });

  it('make a configuration the app accepts: Azure mode, managed identity, no secret', () => {
    const env = Object.fromEntries(appSettings().map((name) => [name, '']));
    Object.assign(env, {
      CLIENT_ID: '11111111-2222-3333-4444-555555555555',
      MANAGED_IDENTITY_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
      TENANT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      BOT_TYPE: /name: 'BOT_TYPE', value: '(\w+)'/.exec(bicep)?.[1],
      AAD_APP_CLIENT_ID: '22222222-3333-4444-5555-666666666666',
      COSMOS_ENDPOINT: 'https://crmsyncdev-cosmos.documents.azure.com:443/',
      COSMOS_DATABASE: /var databaseName = '([\w-]+)'/.exec(bicep)?.[1],
      STORAGE_ACCOUNT_NAME: 'crmsyncdevst',
      STORAGE_ENDPOINT_SUFFIX: 'core.windows.net',
      WEBSITE_SITE_NAME: 'crmsyncdev-app',
      WEBSITE_HOSTNAME: 'crmsyncdev-app.azurewebsites.net',
    });
    const config = loadConfig(env);
    assert.equal(config.mode, 'azure');
    assert.ok(config.mode === 'azure' && config.bot.managedIdentityClientId && !config.bot.clientSecret);
    assert.equal(config.publicUrl, 'https://crmsyncdev-app.azurewebsites.net');
    assert.equal(config.mode === 'azure' && config.cosmos.database, 'crm-sync');
  });

  it('create every Cosmos DB container the store uses, with the same partition key, TTL and indexing', () => {
    const declared = bicepContainers();
    assert.deepEqual(declared.map((c) => c.name).sort(), AZURE_CONTAINERS.map((c) => c.name).sort());
    for (const definition of AZURE_CONTAINERS) {
      const c = declared.find((d) => d.name === definition.name)!;
      assert.equal(definition.partitionKeyPath, '/pk');
      assert.equal(c.defaultTtl, definition.defaultTtlSeconds ?? null, `${c.name} TTL`);
      assert.deepEqual(c.excludedPaths, definition.excludedPaths ?? [], `${c.name} excluded paths`);
    }
    assert.match(bicep, /partitionKey: \{ paths: \['\/pk'\], kind: 'Hash' \}/);
    assert.match(bicep, /disableLocalAuth: true/);
    assert.match(bicep, /allowSharedKeyAccess: false/);
  });

  it('create the job queues and the attachments container the code names', () => {
    assert.match(bicep, new RegExp(`var queues = \\['${SYNC_QUEUE}', '${SYNC_QUEUE}-poison'\\]`));
    assert.match(bicep, new RegExp(`var attachmentsContainer = '${ATTACHMENTS_CONTAINER}'`));
  });

  it('pass every Bicep parameter without a default, and only declared ones', () => {
    const declared = [...bicep.matchAll(/^param (\w+) \w+( = .*)?$/gm)].map((m) => ({
      name: m[1]!,
      required: !m[2],
    }));
    const passed = Object.keys(
      (JSON.parse(read('infra/azure.parameters.json')) as { parameters: Record<string, unknown> }).parameters,
    );
    assert.deepEqual(
      passed.filter((p) => !declared.some((d) => d.name === p)),
      [],
    );
    assert.deepEqual(
      declared.filter((d) => d.required && !passed.includes(d.name)).map((d) => d.name),
      [],
    );
  });

  it("pre-authorize on the app's scope exactly the clients the tab and add-in API trust", () => {
    const manifest = JSON.parse(read('infra/aad.manifest.json')) as {
      api: { preAuthorizedApplications: Array<{ appId: string }> };
      optionalClaims: { accessToken: Array<{ name: string }> };
    };
    assert.deepEqual(
      manifest.api.preAuthorizedApplications.map((a) => a.appId).sort(),
      [...TRUSTED_CLIENT_IDS].sort(),
    );
    // The claims the API reads to refuse app-only tokens and guests.
    assert.deepEqual(manifest.optionalClaims.accessToken.map((c) => c.name).sort(), ['acct', 'idtyp']);
  });

  it('request from Graph exactly the application permissions the sandbox grants the app', () => {
    // Microsoft Graph's app role ids (Graph permissions reference, "Application permission" ids).
    const GRAPH_APP_ROLE_IDS: Record<string, string> = {
      'Mail.Read': '810c84a8-4a9e-49e6-bf7d-12d183f40d01',
      'User.Read.All': 'df021288-bdef-4463-88db-98f22de89214',
      'Contacts.Read': '089fe4d0-434a-44c5-8827-41ba8a0b17f5',
      'Calendars.Read': '798ee544-9d2d-430c-a058-570e29e34338',
      'Tasks.Read.All': 'f10e1f91-74ed-437f-a6fd-d6ae88e26c1f',
      'Files.Read.All': '01d4889c-1287-42c6-ac1f-5d1e02578ef6',
    };
    const manifest = JSON.parse(read('infra/aad.manifest.json')) as {
      requiredResourceAccess: Array<{
        resourceAppId: string;
        resourceAccess: Array<{ id: string; type: string }>;
      }>;
    };
    const graph = manifest.requiredResourceAccess.find(
      (r) => r.resourceAppId === '00000003-0000-0000-c000-000000000000',
    );
    assert.deepEqual(
      graph?.resourceAccess
        .filter((a) => a.type === 'Role')
        .map((a) => a.id)
        .sort(),
      APP_ROLES.map((role) => GRAPH_APP_ROLE_IDS[role]).sort(),
    );
  });

  it('fill every placeholder of the manifest, the parameters and the Entra manifest from the environment', () => {
    const yml = read('teamsapp.yml');
    const written = new Set([
      ...envFile('env/.env.dev'),
      ...[...yml.matchAll(/^\s+\w+: ([A-Z][A-Z0-9_]+)$/gm)].map((m) => m[1]!), // writeToEnvironmentFile
      ...[...bicep.matchAll(/^output (\w+) /gm)].map((m) => m[1]!), // arm/deploy writes outputs
    ]);
    for (const file of [
      'appPackage/manifest.json',
      'infra/azure.parameters.json',
      'infra/aad.manifest.json',
      'teamsapp.yml',
    ]) {
      const missing = placeholders(read(file)).filter((p) => !written.has(p));
      assert.deepEqual(missing, [], `${file}: placeholders nothing provides`);
    }
    assert.ok(!/^SECRET_/m.test(read('env/.env.dev')), 'no secret in the committed env file');
    assert.match(read('.gitignore'), /env\/\.env\.\*\.user/);
  });

  it('create no client secret for the Graph-privileged Entra app, and nothing that would hold one', () => {
    const yml = parseYaml(read('teamsapp.yml')) as {
      provision: Array<{
        uses: string;
        with?: Record<string, unknown>;
        writeToEnvironmentFile?: Record<string, string>;
      }>;
    };
    const create = yml.provision.find((step) => step.uses === 'aadApp/create');
    assert.equal(create?.with?.generateClientSecret, false);
    assert.equal(create?.writeToEnvironmentFile?.clientSecret, undefined);
    const bicep = read('infra/azure.bicep');
    assert.doesNotMatch(bicep, /clientSecret|@secure\(\)/, 'no secret parameter or property');
    assert.doesNotMatch(bicep, /Microsoft\.BotService\/botServices\/connections/, 'no OAuth connection');
    assert.doesNotMatch(bicep, /Microsoft\.KeyVault\/vaults\/secrets/, 'no secret written to Key Vault');
    assert.doesNotMatch(read('infra/azure.parameters.json'), /SECRET_/);
  });
});

/** The toolkit version whose schema is kept in test/infra/schemas/ and that validate:toolkit runs. */
export const TOOLKIT_SCHEMA_VERSION = 'v1.13';

describe('Agents Toolkit project files (offline, against the published schema)', () => {
  const schema = JSON.parse(
    read(`test/infra/schemas/m365-agents-toolkit-${TOOLKIT_SCHEMA_VERSION}.yaml.schema.json`),
  ) as Record<string, unknown>;
  delete schema.$schema;
  const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);

  for (const file of ['teamsapp.yml', 'teamsapp.local.yml']) {
    it(`${file} follows the toolkit's published YAML schema for its version`, () => {
      const project = parseYaml(read(file)) as { version: string };
      assert.equal(project.version, TOOLKIT_SCHEMA_VERSION);
      assert.ok(validate(project), JSON.stringify(validate.errors, null, 1));
      assert.match(
        read(file),
        new RegExp(
          `^# yaml-language-server: \\$schema=https://aka\\.ms/m365-agents-toolkits/${TOOLKIT_SCHEMA_VERSION.replace('.', '\\.')}/yaml\\.schema\\.json`,
        ),
      );
    });
  }

  it('the schema catches a mistake (so the check above can fail)', () => {
    const project = parseYaml(read('teamsapp.yml')) as { provision: Array<Record<string, unknown>> };
    project.provision[0] = { ...project.provision[0], uses: 'teamsApp/does-not-exist' };
    assert.equal(validate(project), false);
  });

  it('the toolkit CLI is not in the default install (npm run validate:toolkit brings it)', () => {
    const pkg = JSON.parse(read('package.json')) as Record<string, Record<string, string>>;
    assert.ok(!('@microsoft/m365agentstoolkit-cli' in { ...pkg.dependencies, ...pkg.devDependencies }));
    assert.match(pkg.scripts!['validate:toolkit']!, /validate-toolkit/);
  });
});
