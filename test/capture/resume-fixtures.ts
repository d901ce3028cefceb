import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResumeFormat } from '../../bot/capture/resume.port.ts';

/** Where the resume fixtures live (written by scripts/generate-resume-fixtures.ts). */
export const RESUMES = join(import.meta.dirname, '..', '..', 'fixtures', 'resumes');

export interface ExpectedResume {
  format: ResumeFormat;
  layout: string;
  name: string;
  emails: string[];
  phones: string[];
  title: string;
  employer: string;
  location: string;
  defaultCountry?: string;
}

export function expectedResumes(): Array<[string, ExpectedResume]> {
  return Object.entries(
    JSON.parse(readFileSync(join(RESUMES, 'expected.json'), 'utf8')) as Record<string, ExpectedResume>,
  );
}

export function resumeBytes(file: string): Buffer {
  return readFileSync(join(RESUMES, file));
}
