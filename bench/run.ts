/**
 * Benchmarks: `npm run bench -- <scenario>`. Each prints progress to stderr and one JSON object with
 * its figures (and whether each target was met) as the last line of stdout.
 */
import { UsageError, parseCli, runCli } from '../bot/cli/cli.ts';

const scenarios: Record<string, () => Promise<Record<string, unknown>>> = {
  backfill: async () => (await import('./backfill.ts')).backfill(),
  'backfill-cosmos': async () => (await import('./backfill-cosmos.ts')).backfillCosmos(),
  'backfill-all': async () => (await import('./backfill-all.ts')).backfillAll(),
  capture: async () => (await import('./capture.ts')).capture(),
  'fan-in': async () => (await import('./fan-in.ts')).fanIn(),
  emails: async () => (await import('./emails.ts')).emails(),
  'hostile-html': async () => (await import('./hostile-html.ts')).hostileHtml(),
  invoke: async () => (await import('./invoke.ts')).invoke(),
  'notify-latency': async () => (await import('./notify-latency.ts')).notifyLatency(),
  outlook: async () => (await import('./outlook.ts')).outlook(),
  'scale-curve': async () => (await import('./scale-curve.ts')).scaleCurve(),
};

const COMMAND = 'npm run bench --';
const { positionals } = parseCli({
  command: COMMAND,
  usage: `<${Object.keys(scenarios).join('|')}>

Runs one benchmark: progress goes to stderr, and the last line of stdout is one JSON object with the
figures, the targets and whether each was met.
  backfill         a mailbox of realistic mail's first sync (attachments off, then on) through the
                   sandbox and the embedded store, beside the peer's strategy and the read limit
  backfill-cosmos  the same realistic backfill through the Cosmos DB adapter against the local
                   Cosmos DB server: requests to Cosmos per email (at most 3) and emails/s
  backfill-all     every kind from scratch: 50,000 emails, 5,000 contacts, 20,000 events, 5,000 tasks
  capture          resume parsing: throughput per core and p95 for a 2-page PDF (<= 300 ms)
  emails           the Emails view's API: 50 clients at once over 50,000 ledger entries, each filter
  fan-in           1,000 mailboxes, 50 new emails a second for 2 minutes, two worker processes on an
                   Azurite queue: notification to activity p95 and p99, none lost or doubled, RSS
                   (BENCH_SECONDS, BENCH_MAILBOXES, BENCH_RATE to change the shape)
  hostile-html     1 MB of hostile HTML through previews, linking and card text (under 100 ms)
  invoke           message-action invokes through the bot, against Teams' 5 s limit
  notify-latency   change notification to card, one email at a time and after a quiet period
  outlook          50 recruiters opening the Outlook task pane on an email and syncing it
  scale-curve      the realistic backfill at 10k, 50k and 200k emails: time, RSS, cost growth`,
  options: {},
  allowPositionals: true,
});

await runCli(COMMAND, async () => {
  const [name, ...rest] = positionals;
  if (!name) throw new UsageError(`name a benchmark: ${Object.keys(scenarios).join(', ')}`);
  if (rest.length > 0) throw new UsageError(`one benchmark at a time, not '${rest.join(' ')}'`);
  const scenario = scenarios[name];
  if (!scenario)
    throw new UsageError(`no benchmark '${name}'; there are ${Object.keys(scenarios).join(', ')}`);
  const result = await scenario();
  process.stdout.write(`${JSON.stringify({ scenario: name, ...result })}\n`);
});
