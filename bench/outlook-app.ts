/**
 * The app in sandbox mode, in its own process, for the outlook benchmark: its add-in API checks
 * Entra-style tokens (signature against BENCH_JWKS_URL, audience, tenant) as in Azure, so that 50
 * different recruiters can call it at once, each reading their own sandbox mailbox.
 */
import { loadConfigOrExit } from '../bot/config/config.ts';
import { createLogger } from '../bot/logging/logger.ts';
import { startApp } from '../bot/main.ts';
import { SsoTokenAuthenticator } from '../bot/tab/tab-identity.ts';
import { CLIENT_ID, PUBLIC_HOST } from '../test/support/sso.ts';

const config = loadConfigOrExit();
const tabAuth = new SsoTokenAuthenticator({
  clientId: CLIENT_ID,
  publicHost: PUBLIC_HOST,
  allowedTenants: [process.env.BENCH_TENANT!],
  adminUsers: [],
  jwksUrl: process.env.BENCH_JWKS_URL!,
});
const app = await startApp(config, createLogger({ level: 'warn' }), { tabAuth });
process.stdout.write(`${JSON.stringify({ app: app.url })}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
