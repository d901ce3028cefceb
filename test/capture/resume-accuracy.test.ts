import assert from 'node:assert/strict';
import { createResumeReader } from '../../bot/capture/resume-reader.ts';
import type { ParsedResume, ResumeReader } from '../../bot/capture/resume.port.ts';
import { defaultSkills } from '../../bot/capture/skills.ts';
import { type ExpectedResume, expectedResumes, resumeBytes } from './resume-fixtures.ts';

const same = (a: string | undefined, b: string) => (a ?? '').trim().toLowerCase() === b.trim().toLowerCase();
const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length &&
  [...a]
    .map((x) => x.toLowerCase())
    .sort()
    .join() ===
    [...b]
      .map((x) => x.toLowerCase())
      .sort()
      .join();

/** Each field's check: exact for names and addresses, E.164 for phones, case-insensitive for the rest. */
const FIELDS: Record<string, (got: ParsedResume, want: ExpectedResume) => boolean> = {
  name: (got, want) => got.name?.value === want.name,
  email: (got, want) =>
    sameSet(
      got.emails.map((e) => e.value),
      want.emails,
    ),
  phone: (got, want) =>
    sameSet(
      got.phones.flatMap((p) => (p.value.e164 ? [p.value.e164] : [])),
      want.phones,
    ),
  title: (got, want) => same(got.title?.value, want.title),
  employer: (got, want) => same(got.employer?.value, want.employer),
  location: (got, want) => same(got.location?.value, want.location),
};
const TARGETS: Record<string, number> = { name: 0.95, email: 0.95, phone: 0.9, title: 0.8, employer: 0.8 };

describe('resume reader accuracy over the fixtures', function () {
  this.timeout(120_000);
  let reader: ResumeReader;
  before(() => {
    reader = createResumeReader();
  });
  after(() => reader.close());

  it('reads names, addresses, phones, titles and employers at or above their targets', async () => {
    const fixtures = expectedResumes();
    assert.ok(fixtures.length >= 30, `at least 30 fixtures, found ${fixtures.length}`);
    const correct = Object.fromEntries(Object.keys(FIELDS).map((f) => [f, 0]));
    const misses: string[] = [];
    for (const [file, want] of fixtures) {
      const got = await reader.read(
        { bytes: resumeBytes(file), format: want.format, name: file },
        { skills: defaultSkills(), ...(want.defaultCountry ? { defaultCountry: want.defaultCountry } : {}) },
      );
      for (const [field, check] of Object.entries(FIELDS)) {
        if (check(got, want)) correct[field]!++;
        else misses.push(`${file} ${field}: got ${JSON.stringify(shown(got, field))}`);
      }
    }
    const rows = Object.keys(FIELDS).map((field) => ({
      field,
      correct: `${correct[field]}/${fixtures.length}`,
      '%': Number(((100 * correct[field]!) / fixtures.length).toFixed(1)),
      target: TARGETS[field] ? `>= ${TARGETS[field]! * 100} %` : '(reported)',
    }));
    console.table(rows);
    if (misses.length > 0) console.log(misses.join('\n'));
    for (const [field, target] of Object.entries(TARGETS)) {
      assert.ok(
        correct[field]! / fixtures.length >= target,
        `${field}: ${correct[field]}/${fixtures.length} < ${target}`,
      );
    }
  });
});

function shown(got: ParsedResume, field: string): unknown {
  if (field === 'email') return got.emails.map((e) => e.value);
  if (field === 'phone') return got.phones.map((p) => p.value);
  return (got as unknown as Record<string, { value?: unknown } | undefined>)[field]?.value;
}
