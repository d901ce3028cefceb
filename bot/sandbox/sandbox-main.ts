/**
 * Runs the Microsoft 365 sandbox on its own: `npm run sandbox`. `npm start` runs it for you.
 * SANDBOX_PORT (default 3979) and SANDBOX_FIXTURE (default: the checked-in mailbox) configure it.
 */
import { GraphSandbox } from './graph-sandbox.ts';
import { startSandboxServer } from './sandbox-server.ts';
import { DEFAULT_MAILBOX_FIXTURE, readMailboxFixture, seedMailboxes } from './seed.ts';

const fixture = readMailboxFixture(process.env.SANDBOX_FIXTURE || DEFAULT_MAILBOX_FIXTURE);
const sandbox = new GraphSandbox({ model: seedMailboxes(fixture), tenantId: fixture.tenantId });
const server = await startSandboxServer(sandbox, { port: Number(process.env.SANDBOX_PORT || 3979) });
console.log(
  JSON.stringify({
    level: 'info',
    name: 'm365-sandbox',
    msg: 'Microsoft 365 sandbox listening',
    graph: server.graphBaseUrl,
    admin: `${server.url}/_sandbox`,
    messages: sandbox.model.messageCount(),
  }),
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void server.close().then(() => process.exit(0));
  });
}
