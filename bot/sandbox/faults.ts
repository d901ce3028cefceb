/**
 * Fault injection for the sandbox, per route: what a real Graph does on a bad day. Tests switch
 * rules on through `FaultInjector` directly or through the admin endpoint (`/_sandbox/faults`).
 */
export const FAULT_ROUTES = [
  '*',
  'users',
  'folders',
  'messages',
  'message',
  'delta',
  'attachments',
  // A message's MIME (messages/{id}/$value).
  'mime',
  'batch',
  'subscriptions',
  // Contacts, To Do and calendar (below /users/{id} or /me): folder and list listings, item
  // listings, single items, and each kind's delta (contactFolders/{id}/contacts/delta,
  // todo/lists/{id}/tasks/delta, calendarView/delta). `delta` stays mail's message delta.
  'contact-folders',
  'contacts',
  'contact',
  'contacts-delta',
  'todo-lists',
  'tasks',
  'task',
  'tasks-delta',
  'events',
  'event',
  'events-delta',
  // A file shared in Teams, through its sharing link (shares/{token}/driveItem[/content]).
  'shares',
] as const;
export type FaultRoute = (typeof FAULT_ROUTES)[number];

export interface FaultRule {
  route: FaultRoute;
  /** An HTTP error to answer with instead of the real response: 429, 503, 410, 401, 403, 500... */
  status?: number;
  /** Seconds for the Retry-After header of a 429 or 503 (Graph sends it, sometimes fractional). */
  retryAfterSeconds?: number;
  /** The error code in the body, where Graph has several for one status (410's sync-state codes). */
  code?: string;
  /** Delay before answering (alone, or before the error). */
  latencyMs?: number;
  /** Drop the TCP connection without an answer. */
  reset?: boolean;
  /** How many matching requests the rule affects; unlimited when absent. */
  times?: number;
  /** Only requests for this user (id or UPN). */
  user?: string;
  /** The share of matching requests affected (0 to 1): a steady drizzle of faults rather than a burst. */
  probability?: number;
}

export type FaultDecision =
  | { kind: 'none'; latencyMs: number }
  | { kind: 'error'; latencyMs: number; status: number; retryAfterSeconds?: number; code?: string }
  | { kind: 'reset'; latencyMs: number };

export class FaultInjector {
  private rules: Array<FaultRule & { remaining: number }> = [];
  private readonly random: () => number;

  constructor(random: () => number = Math.random) {
    this.random = random;
  }
  /** How many requests each rule changed, for tests that assert a storm happened. */
  injected = 0;

  add(rule: FaultRule): void {
    if (!(FAULT_ROUTES as readonly string[]).includes(rule.route)) {
      throw new Error(`unknown route ${rule.route}; one of ${FAULT_ROUTES.join(', ')}`);
    }
    if (rule.status === undefined && !rule.reset && !rule.latencyMs) {
      throw new Error('a fault rule needs a status, reset or latencyMs');
    }
    this.rules.push({ ...rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map(({ remaining, ...rule }) => ({
      ...rule,
      ...(Number.isFinite(remaining) ? { times: remaining } : {}),
    }));
  }

  decide(route: FaultRoute, user?: string): FaultDecision {
    let latencyMs = 0;
    for (const rule of this.rules) {
      if (rule.remaining <= 0) continue;
      if (rule.route !== '*' && rule.route !== route) continue;
      if (rule.user && rule.user.toLowerCase() !== user?.toLowerCase()) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      rule.remaining--;
      this.injected++;
      latencyMs += rule.latencyMs ?? 0;
      if (rule.reset) return { kind: 'reset', latencyMs };
      if (rule.status !== undefined) {
        return {
          kind: 'error',
          latencyMs,
          status: rule.status,
          ...(rule.retryAfterSeconds !== undefined ? { retryAfterSeconds: rule.retryAfterSeconds } : {}),
          ...(rule.code !== undefined ? { code: rule.code } : {}),
        };
      }
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return { kind: 'none', latencyMs };
  }
}
