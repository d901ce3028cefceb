import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logging/logger.ts';
import type { BuiltinCrm, DirectoryFixture } from './builtin-crm.ts';

/** The checked-in CRM directory that matches part of the sandbox mailbox (scripts/generate-fixtures.ts). */
export const DEFAULT_DIRECTORY_FIXTURE = join(
  import.meta.dirname,
  '..',
  '..',
  'fixtures',
  'crm',
  'directory.json',
);

export function readDirectoryFixture(
  path = DEFAULT_DIRECTORY_FIXTURE,
): DirectoryFixture & { tenantId: string } {
  return JSON.parse(readFileSync(path, 'utf8')) as DirectoryFixture & { tenantId: string };
}

/** Loads the sandbox tenant's CRM once; later starts keep whatever the CRM holds by then. */
export async function seedSandboxDirectory(
  crm: BuiltinCrm,
  logger: Logger,
  path = DEFAULT_DIRECTORY_FIXTURE,
): Promise<string> {
  const fixture = readDirectoryFixture(path);
  if (await crm.hasDirectory(fixture.tenantId)) return fixture.tenantId;
  await crm.importDirectory(fixture.tenantId, fixture);
  logger.info(
    {
      tenantId: fixture.tenantId,
      candidates: fixture.candidates.length,
      contacts: fixture.contacts.length,
      companies: fixture.companies.length,
    },
    'seeded the built-in CRM for the sandbox',
  );
  return fixture.tenantId;
}
