/**
 * Runs the Microsoft 365 sandbox on its own: `npm run sandbox`. `npm start` runs it for you.
 * SANDBOX_PORT (default 3979) and SANDBOX_FIXTURE (default: the checked-in mailbox) configure it.
 */
import { GraphSandbox } from './graph-sandbox.ts';
import { startSandboxServer } from './sandbox-server.ts';
import { DEFAULT_MAILBOX_FIXTURE, readMailboxFixture, seedMailboxes } from './seed.ts';
import { readItemsFixture, seedItems } from './seed-items.ts';

const fixture = readMailboxFixture(process.env.SANDBOX_FIXTURE || DEFAULT_MAILBOX_FIXTURE);
const model = seedMailboxes(fixture);
// Contacts, tasks and this week's calendar for the seeded users (skipped for another mailbox fixture).
const items = process.env.SANDBOX_FIXTURE ? undefined : seedItems(readItemsFixture(), model);
const sandbox = new GraphSandbox({ model, tenantId: fixture.tenantId, ...(items ? { items } : {}) });
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
