import assert from 'node:assert/strict';
import { runStartupChecks, StartupCheckError, startupChecks } from '../../bot/startup-checks.ts';
import { startAppHarness, type AppHarness } from '../support/app-harness.ts';

describe('start-up reachability checks', function () {
  this.timeout(60_000);
  let h: AppHarness;
  before(async () => {
    h = await startAppHarness();
  });
  after(async () => h?.stop());

  it('passes when the store, the queue, attachments and Graph all answer', async () => {
    await runStartupChecks(startupChecks(h.app.services));
  });

  it('names what cannot be reached and how to fix it, one line each', async () => {
    h.sandbox.faults.add({ route: 'users', status: 403 }); // no admin consent for the Graph permissions
    try {
      await assert.rejects(runStartupChecks(startupChecks(h.app.services), 5_000), (error: unknown) => {
        assert.ok(error instanceof StartupCheckError);
        assert.equal(error.failures.length, 1);
        assert.match(error.failures[0]!, /^Microsoft Graph: .+ Fix: grant admin consent to the Entra app/);
        assert.match(error.message, /cannot reach what it needs:\n {2}- Microsoft Graph/);
        return true;
      });
    } finally {
      h.sandbox.faults.clear();
    }
  });

  it('counts a dependency that never answers as unreachable', async () => {
    const never = { name: 'Slow peer', fix: 'wait', probe: () => new Promise<void>(() => undefined) };
    await assert.rejects(runStartupChecks([never], 50), /Slow peer: no answer within 0.05 s/);
  });
});
