import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from './backfill.ts';
import { type OursFigures, syncOursApart } from './mail-strategies.ts';

/**
 * How a backfill's cost grows with the mailbox: the production-shape mailbox (realistic-mail.ts)
 * at 10,000, 50,000 and 200,000 emails, each synced from scratch into a fresh embedded store in a
 * process of its own (attachments off), with its time and peak RSS. The cost per email at the
 * largest size over the smallest's shows the growth: 1.0 is linear; the target is at most 1.5.
 * BENCH_SIZES="10000,50000,200000" sets the sizes.
 */

const SIZES = (process.env.BENCH_SIZES || '10000,50000,200000').split(',').map(Number);
const RECORDS = Number(process.env.BENCH_RECORDS || 20_000);

export async function scaleCurve(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-sync-bench-scale-'));
  const points: Array<{ messages: number; msPerMessage: number } & OursFigures> = [];
  try {
    for (const size of SIZES) {
      const sandbox = await startSandbox({
        BENCH_MAIL: 'realistic',
        BENCH_MESSAGES: String(size),
      });
      try {
        process.stderr.write(`scale-curve: ${size} emails\n`);
        const figures = await syncOursApart({
          graphUrl: sandbox.url,
          dataDir: join(dir, String(size)),
          records: RECORDS,
          attachments: false,
          label: `scale-${size}`,
        });
        points.push({
          ...figures,
          msPerMessage: Number(((figures.seconds * 1000) / figures.messages).toFixed(3)),
        });
        process.stderr.write(`  ${figures.messagesPerSecond}/s, peak RSS ${figures.peakRssMb} MB\n`);
      } finally {
        sandbox.child.kill('SIGTERM');
        rmSync(join(dir, String(size)), { recursive: true, force: true });
      }
    }
    const first = points[0]!;
    const last = points.at(-1)!;
    const costRatio = Number((last.msPerMessage / first.msPerMessage).toFixed(2));
    return {
      points: points.map((p) => ({
        messages: p.messages,
        seconds: p.seconds,
        messagesPerSecond: p.messagesPerSecond,
        msPerMessage: p.msPerMessage,
        peakRssMb: p.peakRssMb,
        storeWritesPerMessage: p.storeWritesPerMessage,
        errors: p.errors,
        duplicates: p.duplicates,
      })),
      perEmailCostLargestOverSmallest: costRatio,
      targets: {
        linear: costRatio <= 1.5,
        peakRssMb: points.every((p) => p.peakRssMb <= 400),
        noErrors: points.every((p) => p.errors === 0 && p.duplicates === 0),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
