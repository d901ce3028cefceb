import assert from 'node:assert/strict';
import { runSoak } from '../../bench/soak.ts';

/**
 * The soak in short (`npm run soak` runs it for minutes with 50 mailboxes): mail arriving while
 * Graph throttles and fails, subscriptions expire and get lifecycle events, the store fails now and
 * then, and a worker process is killed and restarted. Nothing may be lost, doubled or left without
 * its body, and every subscription must be live at the end.
 */
describe('soak (short)', function () {
  this.timeout(300_000);
  it('keeps every email exactly once, with its body, and every subscription live, through a bad day', async () => {
    const result = await runSoak({
      seconds: 20,
      mailboxes: 8,
      emailsPerSecond: 10,
      chaosEverySeconds: 5,
      faultRate: 0.05,
    });
    assert.ok((result.emails as number) > 100, JSON.stringify(result));
    assert.ok((result.killed as number) >= 3, JSON.stringify(result));
    assert.ok((result.graphFaults as number) > 0, JSON.stringify(result));
    assert.equal(result.missing, 0, JSON.stringify(result));
    assert.equal(result.doubled, 0, JSON.stringify(result));
    assert.equal(result.withoutBody, 0, JSON.stringify(result));
    assert.equal(result.deadSubscriptions, 0, JSON.stringify(result));
  });
});
