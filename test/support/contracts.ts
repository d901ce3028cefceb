import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The documented Graph and Teams payloads kept beside the repository in ../shared/contracts. */
export const CONTRACTS_DIR = join(import.meta.dirname, '..', '..', '..', 'shared', 'contracts');

export function contract<T = Record<string, unknown>>(path: string): T {
  const file = join(CONTRACTS_DIR, path);
  if (!existsSync(file)) {
    throw new Error(
      `contract example ${path} not found; the tests expect ../shared/contracts beside the repository`,
    );
  }
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Every key of the documented example is present in ours (docs shorten responses, so ours may have more). */
export function missingKeys(documented: Record<string, unknown>, actual: Record<string, unknown>): string[] {
  return Object.keys(documented).filter((key) => !(key in actual));
}
