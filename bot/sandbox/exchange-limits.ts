/**
 * Exchange Online's limits per app and mailbox (Graph throttling docs, Outlook service limits):
 * 4 concurrent requests, and 10,000 requests in 10 minutes. A `$batch` runs up to 4 of its requests
 * at once, each counting against both. Beyond either, 429 with Retry-After. Each app (the token's
 * `appid`) has its own budget for a mailbox, as Graph counts them. Apart from the sandbox so that a
 * process which only needs the figures (a benchmark's sync) does not load the sandbox.
 */
export const MAILBOX_CONCURRENCY = 4;
export const MAILBOX_REQUESTS_PER_WINDOW = 10_000;
export const MAILBOX_WINDOW_MS = 10 * 60_000;
