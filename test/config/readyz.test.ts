import assert from 'node:assert/strict';
import { AZURE_ENV, serveHttpApp } from '../support/http-app.ts';

describe('/readyz in Azure mode', () => {
  it('says which dependency fails, not why, and shows no counters to anonymous callers', async () => {
    const app = await serveHttpApp(AZURE_ENV);
    try {
      const ready = await fetch(`${app.base}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ready', store: 'ok' });
      await app.store.close();
      const failing = await fetch(`${app.base}/readyz`);
      assert.equal(failing.status, 503);
      assert.deepEqual(await failing.json(), { status: 'not ready', store: 'failing' });
    } finally {
      await app.close();
    }
  });
});
