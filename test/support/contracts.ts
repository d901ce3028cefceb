import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The documented Graph and Teams example payloads, kept in the repository under test/contracts/
 * (each file's public source is named in test/contracts/README.md).
 */
export const CONTRACTS_DIR = join(import.meta.dirname, '..', 'contracts');

export function contract<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(join(CONTRACTS_DIR, path), 'utf8')) as T;
}

/** Every key of the documented example is present in ours (docs shorten responses, so ours may have more). */
export function missingKeys(documented: Record<string, unknown>, actual: Record<string, unknown>): string[] {
  return Object.keys(documented).filter((key) => !(key in actual));
}
