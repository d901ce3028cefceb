import { availableParallelism } from 'node:os';
import { findFields } from '../bot/capture/resume-fields.ts';
import { DEFAULT_READER_LIMITS } from '../bot/capture/resume-limits.ts';
import { createResumeReader } from '../bot/capture/resume-reader.ts';
import { extractResumeText } from '../bot/capture/resume-text.ts';
import type { ResumeFormat } from '../bot/capture/resume.port.ts';
import { defaultSkills } from '../bot/capture/skills.ts';
import { expectedResumes, resumeBytes } from '../test/capture/resume-fixtures.ts';

/**
 * `npm run bench -- capture`: the resume fixtures through the real reader (worker threads).
 * - per core: one worker, one read at a time, every fixture ROUNDS times: resumes per second;
 * - the pool at its default size, every fixture in flight at once: resumes per second;
 * - a 2-page PDF read alone SAMPLES times: p50 and p95 (target: p95 <= 300 ms);
 * - side by side in the same run, in this thread: extraction alone (the limit: no reader can skip
 *   getting the text) against the full read (extraction and every field finder), and the ratio.
 */

const ROUNDS = Number(process.env.BENCH_CAPTURE_ROUNDS || 10);
const SAMPLES = Number(process.env.BENCH_CAPTURE_SAMPLES || 60);
const TARGET_P95_MS = 300;

interface Fixture {
  file: string;
  bytes: Buffer;
  format: ResumeFormat;
  defaultCountry?: string;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
const round = (n: number, digits = 1) => Number(n.toFixed(digits));

export async function capture(): Promise<Record<string, unknown>> {
  const skills = defaultSkills();
  const fixtures: Fixture[] = expectedResumes().map(([file, e]) => ({
    file,
    bytes: resumeBytes(file),
    format: e.format,
    ...(e.defaultCountry ? { defaultCountry: e.defaultCountry } : {}),
  }));
  const options = (f: Fixture) => ({
    skills,
    ...(f.defaultCountry ? { defaultCountry: f.defaultCountry } : {}),
  });

  const single = createResumeReader({}, { poolSize: 1 });
  let twoPage: Fixture | undefined;
  for (const f of fixtures) {
    const resume = await single.read({ bytes: f.bytes, format: f.format }, options(f));
    if (resume.pages === 2) twoPage ??= f;
  }
  if (!twoPage) throw new Error('no 2-page PDF among the fixtures');

  process.stderr.write(`capture: one worker, ${ROUNDS} rounds of ${fixtures.length} resumes\n`);
  let start = performance.now();
  for (let r = 0; r < ROUNDS; r++) {
    for (const f of fixtures) await single.read({ bytes: f.bytes, format: f.format }, options(f));
  }
  const perCore = (ROUNDS * fixtures.length) / ((performance.now() - start) / 1000);

  process.stderr.write(`capture: ${SAMPLES} reads of ${twoPage.file}\n`);
  const times: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const t = performance.now();
    await single.read({ bytes: twoPage.bytes, format: twoPage.format }, options(twoPage));
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  await single.close();

  const pool = createResumeReader();
  const poolSize = Math.min(2, availableParallelism());
  await Promise.all(fixtures.map((f) => pool.read({ bytes: f.bytes, format: f.format }, options(f))));
  process.stderr.write(`capture: the pool (${poolSize} workers), ${ROUNDS} rounds, all in flight\n`);
  start = performance.now();
  for (let r = 0; r < ROUNDS; r++) {
    await Promise.all(fixtures.map((f) => pool.read({ bytes: f.bytes, format: f.format }, options(f))));
  }
  const poolRate = (ROUNDS * fixtures.length) / ((performance.now() - start) / 1000);
  await pool.close();

  process.stderr.write('capture: extraction alone against the full read, in this thread\n');
  const limits = DEFAULT_READER_LIMITS;
  let extractMs = 0;
  let fullMs = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (const f of fixtures) {
      let t = performance.now();
      await extractResumeText(f.bytes, f.format, limits);
      extractMs += performance.now() - t;
      t = performance.now();
      const { text } = await extractResumeText(f.bytes, f.format, limits);
      findFields(text, options(f));
      fullMs += performance.now() - t;
    }
  }
  const reads = ROUNDS * fixtures.length;
  const p95 = percentile(times, 0.95);
  return {
    fixtures: fixtures.length,
    rounds: ROUNDS,
    resumesPerSecondPerCore: round(perCore),
    pool: { workers: poolSize, resumesPerSecond: round(poolRate), perCore: round(poolRate / poolSize) },
    twoPagePdf: {
      file: twoPage.file,
      samples: SAMPLES,
      p50Ms: round(percentile(times, 0.5)),
      p95Ms: round(p95),
    },
    sideBySide: {
      extractionOnlyMsPerResume: round(extractMs / reads, 2),
      fullReadMsPerResume: round(fullMs / reads, 2),
      fullOverExtraction: round(fullMs / extractMs, 2),
      workerReadMsPerResume: round(1000 / perCore, 2),
    },
    targets: { twoPagePdfP95MsAtMost: TARGET_P95_MS },
    met: { twoPagePdfP95: p95 <= TARGET_P95_MS },
  };
}
