/**
 * Teams' limits for a bot posting to one conversation (Teams platform docs, "Rate limiting for
 * bots"): 7 messages a second, 60 in 30 seconds, 1,800 an hour. `wait` says how long to hold the
 * next message for a conversation so that no window is ever exceeded.
 */
export const TEAMS_CONVERSATION_LIMITS = [
  { max: 7, windowMs: 1_000 },
  { max: 60, windowMs: 30_000 },
  { max: 1_800, windowMs: 3_600_000 },
] as const;

export class ConversationRateLimiter {
  private readonly sent = new Map<string, number[]>();
  private readonly limits: ReadonlyArray<{ max: number; windowMs: number }>;

  constructor(limits: ReadonlyArray<{ max: number; windowMs: number }> = TEAMS_CONVERSATION_LIMITS) {
    this.limits = limits;
  }

  /** Milliseconds to wait before the next send to this conversation is within every limit. */
  wait(conversationId: string, now: number): number {
    const times = this.sent.get(conversationId) ?? [];
    let wait = 0;
    for (const { max, windowMs } of this.limits) {
      const inWindow = times.filter((t) => t > now - windowMs);
      if (inWindow.length >= max) {
        const oldest = inWindow[inWindow.length - max] as number;
        wait = Math.max(wait, oldest + windowMs - now);
      }
    }
    return wait;
  }

  record(conversationId: string, now: number): void {
    const longest = Math.max(...this.limits.map((l) => l.windowMs));
    const times = (this.sent.get(conversationId) ?? []).filter((t) => t > now - longest);
    times.push(now);
    this.sent.set(conversationId, times);
  }
}
