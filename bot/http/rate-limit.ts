import type { Request, Response } from 'express';

/**
 * Token buckets by key (a user, a client address), in memory and bounded: at most `maxKeys` keys
 * are remembered, the least recently seen forgotten first, so a flood of new keys costs a fixed
 * amount of memory. Each process limits on its own, which is what a limit against one caller
 * hammering one instance needs; it is not a quota.
 */
export interface RateLimit {
  /** Requests allowed at once. */
  burst: number;
  /** Requests allowed per second, on average, after the burst. */
  perSecond: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class KeyedRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly limit: RateLimit;
  private readonly maxKeys: number;

  constructor(limit: RateLimit, maxKeys = 10_000) {
    this.limit = limit;
    this.maxKeys = maxKeys;
  }

  private bucket(key: string, now: number): Bucket {
    const found = this.buckets.get(key);
    const bucket = found
      ? {
          tokens: Math.min(this.limit.burst, found.tokens + ((now - found.at) / 1000) * this.limit.perSecond),
          at: now,
        }
      : { tokens: this.limit.burst, at: now };
    // Re-inserted so that the map's order is least recently seen first.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    return bucket;
  }

  /** Seconds until `key` may make a request (0: now), without using one up. */
  retryAfter(key: string, now = Date.now()): number {
    const { tokens } = this.bucket(key, now);
    return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / this.limit.perSecond);
  }

  /** Uses one request of `key`'s allowance: 0 when allowed, else the seconds to wait. */
  take(key: string, now = Date.now()): number {
    const bucket = this.bucket(key, now);
    if (bucket.tokens < 1) return Math.ceil((1 - bucket.tokens) / this.limit.perSecond);
    bucket.tokens -= 1;
    return 0;
  }
}

/** 429 with Retry-After, in the error shape of every other JSON answer. */
export function tooManyRequests(res: Response, retryAfterSeconds: number, message: string): void {
  res
    .status(429)
    .set('Retry-After', String(Math.max(1, retryAfterSeconds)))
    .json({ error: { code: 'too_many_requests', message } });
}

/**
 * The calling client's address. Behind App Service's front end (the app sets `trust proxy` to one
 * hop in Azure mode) that is the address the front end saw, which may carry a port: the port is
 * dropped, or every new connection would count as a new client.
 */
export function clientAddress(req: Request): string {
  const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
  // An IPv6 address with a port ("[2001:db8::1]:51234").
  if (ip.startsWith('[')) return ip.slice(1, Math.max(1, ip.indexOf(']')));
  const colon = ip.lastIndexOf(':');
  // An IPv4 address with a port ("203.0.113.7:51234"); IPv6 addresses have several colons.
  if (colon > 0 && ip.indexOf(':') === colon && ip.indexOf('.') > 0) return ip.slice(0, colon);
  return ip;
}
