/**
 * The Microsoft 365 sandbox with a generated mailbox, in its own process so that making 50,000
 * messages costs the measured process nothing. Prints the sandbox's Graph URL as JSON when ready.
 * BENCH_FIXTURE names a mailbox fixture file to serve instead (the outlook benchmark's recruiters).
 */
import { readFileSync } from 'node:fs';
import { GraphSandbox } from '../bot/sandbox/graph-sandbox.ts';
import { startSandboxServer } from '../bot/sandbox/sandbox-server.ts';
import { type MailboxFixture, seedMailboxes } from '../bot/sandbox/seed.ts';
import { type ItemsFixture, seedItems } from '../bot/sandbox/seed-items.ts';
import { items, mailbox } from './generate.ts';

const fixture = (
  process.env.BENCH_FIXTURE
    ? JSON.parse(readFileSync(process.env.BENCH_FIXTURE, 'utf8'))
    : mailbox(Number(process.env.BENCH_MESSAGES), Number(process.env.BENCH_RECORDS))
) as MailboxFixture;
const model = seedMailboxes(fixture);
// BENCH_ITEMS="contacts,events,tasks": the recruiter's Outlook items too (the backfill-all benchmark).
const itemCounts = process.env.BENCH_ITEMS?.split(',').map(Number);
const seeded = itemCounts
  ? seedItems(
      items(
        { contacts: itemCounts[0] ?? 0, events: itemCounts[1] ?? 0, tasks: itemCounts[2] ?? 0 },
        Number(process.env.BENCH_RECORDS),
      ) as ItemsFixture,
      model,
    )
  : undefined;
const sandbox = new GraphSandbox({ model, tenantId: fixture.tenantId, ...(seeded ? { items: seeded } : {}) });
const server = await startSandboxServer(sandbox);
process.stdout.write(
  `${JSON.stringify({ graph: server.graphBaseUrl, messages: sandbox.model.messageCount() })}\n`,
);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
