/**
 * Benchmarks: `npm run bench -- <scenario>`. Each prints progress to stderr and one JSON object with
 * its figures (and whether each target was met) as the last line of stdout.
 */
const scenarios: Record<string, () => Promise<Record<string, unknown>>> = {
  backfill: async () => (await import('./backfill.ts')).backfill(),
  invoke: async () => (await import('./invoke.ts')).invoke(),
  'notify-latency': async () => (await import('./notify-latency.ts')).notifyLatency(),
};

const name = process.argv[2];
const scenario = name ? scenarios[name] : undefined;
if (!scenario) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(scenarios).join('|')}>\n`);
  process.exit(2);
}
const result = await scenario();
process.stdout.write(`${JSON.stringify({ scenario: name, ...result })}\n`);
