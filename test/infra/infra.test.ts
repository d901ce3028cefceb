import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { ATTACHMENTS_CONTAINER } from '../../bot/composition.ts';
import { AZURE_MODE_SETTINGS, loadConfig } from '../../bot/config/config.ts';
import { AZURE_CONTAINERS } from '../../bot/store/containers.ts';
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
});

describe('Agents Toolkit project files (its npm CLI, offline)', function () {
  this.timeout(120_000);
  const cli = createRequire(import.meta.url).resolve('@microsoft/m365agentstoolkit-cli/package.json');
  const atk = join(cli, '..', 'cli.js');

  for (const file of ['teamsapp.yml', 'teamsapp.local.yml']) {
    it(`${file} follows the toolkit's published YAML schema for its version`, () => {
      const project = parseYaml(read(file)) as { version: string };
      const schemaPath = join(cli, '..', 'resource', 'yaml-schema', project.version, 'yaml.schema.json');
      const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
      delete schema.$schema;
      const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
      assert.ok(validate(project), JSON.stringify(validate.errors, null, 1));
      assert.match(
        read(file),
        /^# yaml-language-server: \$schema=https:\/\/aka\.ms\/m365-agents-toolkits\/v1\.13\/yaml\.schema\.json/,
      );
    });
  }

  it('builds and validates the app package with the dev environment filled in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-sync-atk-'));
    try {
      for (const path of ['teamsapp.yml', 'teamsapp.local.yml', 'env', 'appPackage', 'infra', 'package.json'])
        cpSync(join(root, path), join(dir, path), { recursive: true });
      // What provisioning would have written.
      const provisioned = [
        'TEAMS_APP_ID=5d0b2f8e-1c7a-4e3b-9f6d-8a2c4e6b0d1f',
        'BOT_ID=11111111-2222-3333-4444-555555555555',
        'AAD_APP_CLIENT_ID=22222222-3333-4444-5555-666666666666',
        'BOT_DOMAIN=crmsyncdev-app.azurewebsites.net',
      ];
      const env = join(dir, 'env', '.env.dev');
      writeFileSync(
        env,
        readFileSync(env, 'utf8')
          .split('\n')
          .filter((l) => !provisioned.some((p) => l.startsWith(p.split('=')[0]! + '=')))
          .concat(provisioned)
          .join('\n'),
      );
      const run = (args: string[]) =>
        promisify(execFile)(
          process.execPath,
          [atk, ...args, '--env', 'dev', '--interactive', 'false', '--telemetry', 'false'],
          {
            cwd: dir,
            env: { ...process.env, TEAMSFX_TELEMETRY_DISABLED: 'true' },
          },
        );
      const packaged = await run(['package']);
      assert.match(packaged.stdout, /appPackage\.dev\.zip built successfully/);
      const validated = await run(['validate']);
      assert.match(validated.stdout, /checked manifest\(s\) with the corresponding schema[\s\S]*All passed/);
      assert.match(validated.stdout, /against validation rules\. All passed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
