import type { Services } from './composition.ts';

/**
 * Before the app takes traffic in Azure it makes sure it can reach what it depends on with the
 * identity it has, and otherwise stops with one line per problem saying what to fix: a missing
 * role assignment or admin consent should not surface as the first recruiter's failed sync.
 */

export interface StartupCheck {
  name: string;
  /** What usually fixes it; shown with the error. */
  fix: string;
  probe(): Promise<void>;
}

/** A dependency that does not answer in this long counts as unreachable. */
const CHECK_TIMEOUT_MS = 20_000;

export class StartupCheckError extends Error {
  readonly failures: string[];
  constructor(failures: string[]) {
    super(`CRM Sync cannot reach what it needs:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
    this.name = 'StartupCheckError';
    this.failures = failures;
  }
}

/** What usually fixes each dependency, shared by the checks here and the store and queue set-up. */
export const FIXES = {
  cosmos:
    "check COSMOS_ENDPOINT and that the app's managed identity has the Cosmos DB Built-in Data Contributor role on the account",
  queue: 'check STORAGE_ACCOUNT_NAME and that the identity has Storage Queue Data Contributor on the account',
  attachments:
    'the infrastructure creates the "attachments" container; the identity needs Storage Blob Data Contributor',
  graph:
    'grant admin consent to the Entra app (AAD_APP_CLIENT_ID) for its Graph application permissions, and give it ' +
    "the federated credential for the app's managed identity (README, Deploy to Azure)",
} as const;

export function startupChecks(
  services: Pick<Services, 'store' | 'queue' | 'attachments' | 'mailSource'>,
): StartupCheck[] {
  return [
    {
      name: 'Cosmos DB',
      fix: FIXES.cosmos,
      probe: () => services.store.ping(),
    },
    {
      name: 'the job queue (Azure Storage)',
      fix: 'check STORAGE_ACCOUNT_NAME and that the identity has Storage Queue Data Contributor on the account',
      probe: () => services.queue.ping(),
    },
    {
      name: 'attachments (Blob Storage)',
      fix: FIXES.attachments,
      probe: () => services.attachments.ping(),
    },
    {
      name: 'Microsoft Graph',
      fix: FIXES.graph,
      probe: () => services.mailSource.ping(),
    },
  ];
}

export async function runStartupChecks(
  checks: readonly StartupCheck[],
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<void> {
  const results = await Promise.all(
    checks.map(async (check) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check.probe(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
          }),
        ]);
        return undefined;
      } catch (error) {
        return `${check.name}: ${(error as Error).message}. Fix: ${check.fix}.`;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const failures = results.filter((r) => r !== undefined);
  if (failures.length > 0) throw new StartupCheckError(failures);
}
