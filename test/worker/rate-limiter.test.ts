import assert from 'node:assert/strict';
import { ConversationRateLimiter, TEAMS_CONVERSATION_LIMITS } from '../../bot/notifications/rate-limiter.ts';

describe('per-conversation rate limits', () => {
  it('spaces 500 messages to one conversation so that no Teams window is ever exceeded', () => {
    const limiter = new ConversationRateLimiter();
    let now = 0;
    const sends: number[] = [];
    for (let i = 0; i < 500; i++) {
      now += limiter.wait('conv', now);
      limiter.record('conv', now);
      sends.push(now);
    }
    for (const { max, windowMs } of TEAMS_CONVERSATION_LIMITS) {
      for (let i = 0; i < sends.length; i++) {
        const inWindow = sends.filter(
          (t) => t > (sends[i] as number) - windowMs && t <= (sends[i] as number),
        ).length;
        assert.ok(inWindow <= max, `${inWindow} sends within ${windowMs} ms`);
      }
    }
    // 500 messages at 60 per 30 s take a little over four minutes: the 30-second window governs.
    assert.ok(now >= 8 * 30_000 && now < 9 * 30_000, `took ${now} ms`);
  });

  it('keeps conversations apart', () => {
    const limiter = new ConversationRateLimiter();
    for (let i = 0; i < 7; i++) limiter.record('a', 0);
    assert.ok(limiter.wait('a', 0) > 0);
    assert.equal(limiter.wait('b', 0), 0);
  });
});
