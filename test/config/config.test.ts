import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../bot/config/config.ts';
import { AZURE_ENV } from '../support/http-app.ts';

const azure = AZURE_ENV;

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, '/app');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a configuration error');
}

describe('configuration', () => {
  it('runs in sandbox mode when no Azure setting is present', () => {
    const config = loadConfig({}, '/app');
    assert.equal(config.mode, 'sandbox');
    assert.equal(config.port, 3978);
    assert.equal(config.host, '127.0.0.1');
    assert.ok(config.mode === 'sandbox' && config.dataDir === '/app/data');
    assert.equal(config.graphBaseUrl, 'http://127.0.0.1:3979/v1.0');
  });

  it('runs in Azure mode with a complete managed-identity configuration', () => {
    const config = loadConfig(azure, '/app');
    assert.equal(config.mode, 'azure');
    assert.ok(config.mode === 'azure');
    assert.equal(config.bot.managedIdentityClientId, azure.MANAGED_IDENTITY_CLIENT_ID);
    assert.equal(config.storage.queueUrl, 'https://agencystorage.queue.core.windows.net');
    assert.equal(config.graphBaseUrl, 'https://graph.microsoft.com/v1.0');
    assert.equal(config.cosmos.database, 'crm-sync');
  });

  it('names every missing setting of a partial Azure configuration', () => {
    const found = problems({ CLIENT_ID: azure.CLIENT_ID });
    for (const name of ['TENANT_ID', 'BOT_TYPE', 'COSMOS_ENDPOINT', 'STORAGE_ACCOUNT_NAME']) {
      assert.ok(
        found.some((p) => p.startsWith(`${name} is required`)),
        `${name} missing from ${found.join('; ')}`,
      );
    }
  });

  it('names every bad value, one line each', () => {
    const found = problems({
      ...azure,
      CLIENT_ID: 'not-a-guid',
      COSMOS_ENDPOINT: 'http://insecure.example',
      STORAGE_ACCOUNT_NAME: 'Bad_Name',
      PORT: '99999',
    });
    assert.equal(found.length, 4, found.join('\n'));
    assert.ok(found.some((p) => p.startsWith('CLIENT_ID must be a GUID')));
    assert.ok(found.some((p) => p.startsWith('COSMOS_ENDPOINT must be an https:// URL')));
    assert.ok(found.some((p) => p.startsWith('STORAGE_ACCOUNT_NAME')));
    assert.ok(found.some((p) => p.startsWith('PORT')));
  });

  it('requires a secret or a managed identity to match the bot type', () => {
    assert.deepEqual(problems({ ...azure, MANAGED_IDENTITY_CLIENT_ID: '' }), [
      'MANAGED_IDENTITY_CLIENT_ID is required when BOT_TYPE is UserAssignedMsi',
    ]);
    const found = problems({ ...azure, BOT_TYPE: 'SingleTenant' });
    assert.ok(
      found[0]?.startsWith(
        'CLIENT_SECRET or CLIENT_CERTIFICATE_PATH is required when BOT_TYPE is SingleTenant',
      ),
    );
  });

  it('never lets a sandbox shortcut be switched on next to Azure settings', () => {
    const found = problems({ ...azure, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS: 'true' });
    assert.deepEqual(found, [
      'DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS is a sandbox-only setting and is not allowed in Azure mode',
    ]);
    assert.deepEqual(problems({ ...azure, QUEUE_CONNECTION_STRING: 'UseDevelopmentStorage=true' }), [
      'QUEUE_CONNECTION_STRING is a sandbox-only setting and is not allowed in Azure mode',
    ]);
    const forced = problems({ ...azure, CRM_SYNC_MODE: 'sandbox' });
    assert.match(forced[0] ?? '', /CRM_SYNC_MODE is sandbox but Azure settings are present/);
  });

  it('treats App Service itself as an Azure setting', () => {
    const found = problems({ WEBSITE_SITE_NAME: 'crm-sync-prod' });
    assert.ok(found.some((p) => p.startsWith('CLIENT_ID is required')));
  });

  it('asks for the Azure settings when Azure mode is requested without them', () => {
    const found = problems({ CRM_SYNC_MODE: 'azure' });
    assert.ok(found.length >= 5);
  });
});
