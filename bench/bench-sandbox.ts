/**
 * The Microsoft 365 sandbox with a generated mailbox, in its own process so that making 50,000
 * messages costs the measured process nothing. Prints the sandbox's Graph URL as JSON when ready.
 * BENCH_FIXTURE names a mailbox fixture file to serve instead (the outlook benchmark's recruiters);
 * BENCH_MAIL=realistic serves production-shaped mail (realistic-mail.ts) made as it is read.
 *
 * Exchange's budget per app and mailbox (10,000 requests in 10 minutes) is in force. The benchmark
 * steers the sandbox over IPC (bench-control.ts): `advanceBudgetMs` moves the clock the budget's
 * windows run on (by the waits a throttled client counts instead of sleeping them, and by a window
 * between strategies, as if each ran ten minutes after the last); `latencyMs` makes every request
 * take that long (inside a `$batch` each, four at a time, the batch itself nothing
 * more), 0 for none. Each message is answered with its `id`, the clock's skew and the requests each
 * app had admitted and refused.
 */
import { readFileSync } from 'node:fs';
import { FAULT_ROUTES } from '../bot/sandbox/faults.ts';
import { GraphSandbox } from '../bot/sandbox/graph-sandbox.ts';
import { MailboxModel } from '../bot/sandbox/mailbox-model.ts';
import { startSandboxServer } from '../bot/sandbox/sandbox-server.ts';
import { type MailboxFixture, seedMailboxes } from '../bot/sandbox/seed.ts';
import { type ItemsFixture, seedItems } from '../bot/sandbox/seed-items.ts';
import { BENCH_TENANT, items, mailbox } from './generate.ts';
import type { SandboxControl, SandboxControlAnswer } from './bench-control.ts';
import { seedRealisticMailbox } from './realistic-mail.ts';

const messages = Number(process.env.BENCH_MESSAGES);
const records = Number(process.env.BENCH_RECORDS);
let model: MailboxModel;
let tenantId = BENCH_TENANT;
let shape: Record<string, unknown> = {};
if (process.env.BENCH_MAIL === 'realistic') {
  model = new MailboxModel();
  shape = seedRealisticMailbox(model, messages, records);
} else {
  const fixture = (
    process.env.BENCH_FIXTURE
      ? JSON.parse(readFileSync(process.env.BENCH_FIXTURE, 'utf8'))
      : mailbox(messages, records)
  ) as MailboxFixture;
  model = seedMailboxes(fixture);
  tenantId = fixture.tenantId;
}
// BENCH_ITEMS="contacts,events,tasks": the recruiter's Outlook items too (the backfill-all benchmark).
const itemCounts = process.env.BENCH_ITEMS?.split(',').map(Number);
const seeded = itemCounts
  ? seedItems(
      items(
        { contacts: itemCounts[0] ?? 0, events: itemCounts[1] ?? 0, tasks: itemCounts[2] ?? 0 },
        records,
      ) as ItemsFixture,
      model,
    )
  : undefined;
let budgetSkewMs = 0;
const sandbox = new GraphSandbox({
  model,
  tenantId,
  ...(seeded ? { items: seeded } : {}),
  budgetNow: () => Date.now() + budgetSkewMs,
});
// A benchmark that died leaves no sandbox behind on the machine.
process.on('disconnect', () => process.exit(0));
process.on('message', (message: SandboxControl) => {
  const advance = Number(message.advanceBudgetMs ?? 0);
  if (Number.isFinite(advance) && advance > 0) budgetSkewMs += advance;
  if (message.latencyMs !== undefined) {
    sandbox.faults.clear();
    const latencyMs = Number(message.latencyMs);
    if (Number.isFinite(latencyMs) && latencyMs > 0) {
      for (const route of FAULT_ROUTES) {
        if (route !== '*' && route !== 'batch') sandbox.faults.add({ route, latencyMs });
      }
    }
  }
  const answer: SandboxControlAnswer = {
    id: message.id,
    budgetSkewMs,
    budgetCounts: Object.fromEntries(sandbox.budgetCounts),
  };
  process.send?.(answer);
});
const server = await startSandboxServer(sandbox);
process.stdout.write(
  `${JSON.stringify({ graph: server.graphBaseUrl, messages: sandbox.model.messageCount(), ...shape })}\n`,
);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
