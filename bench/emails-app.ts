/**
 * The app in sandbox mode, in its own process, for the emails benchmark: the tab's caller is the
 * sandbox's recruiter (its fixed identity), whose ledger the benchmark seeded in DATA_DIR.
 * Its 50 concurrent clients all read that one mailbox, so the per-user limit (60 at once, then 5
 * a second) is lifted here: 50 real users are 50 keys of it, and none of them is near it.
 */
import { loadConfigOrExit } from '../bot/config/config.ts';
import { createLogger } from '../bot/logging/logger.ts';
import { startApp } from '../bot/main.ts';
import { USER_LIMITS } from '../bot/tab/tab-api.ts';

USER_LIMITS.all.burst = 1_000_000;
USER_LIMITS.all.perSecond = 1_000_000;

const config = loadConfigOrExit();
const app = await startApp(config, createLogger({ level: 'warn' }));
process.stdout.write(`${JSON.stringify({ app: app.url })}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
