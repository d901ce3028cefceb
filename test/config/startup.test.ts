import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const MAIN = join(import.meta.dirname, '..', '..', 'bot', 'main.ts');

/** Only what the child needs: no inherited Azure settings can leak into these runs. */
function run(env: Record<string, string>) {
  return spawnSync(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe('start-up with a bad configuration', () => {
  it('prints one clear line per bad setting and exits non-zero', () => {
    const result = run({
      CLIENT_ID: 'not-a-guid',
      TENANT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      BOT_TYPE: 'SingleTenant',
      CLIENT_SECRET: 'do-not-print-this-secret-value',
      COSMOS_ENDPOINT: 'http://insecure.example',
    });
    assert.equal(result.status, 1);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines[0], 'Invalid configuration:');
    assert.deepEqual(lines.slice(1).sort(), [
      '  - AAD_APP_CLIENT_ID is required but not set',
      '  - CLIENT_ID must be a GUID',
      '  - COSMOS_ENDPOINT must be an https:// URL',
      '  - STORAGE_ACCOUNT_NAME is required but not set',
    ]);
    assert.doesNotMatch(result.stderr + result.stdout, /do-not-print-this-secret-value/);
  });

  it('refuses the unauthenticated-endpoint switch next to Azure settings', () => {
    const result = run({
      CLIENT_ID: '11111111-2222-3333-4444-555555555555',
      DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS: 'true',
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS is a sandbox-only setting/);
  });
});
