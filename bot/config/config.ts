import { readMailboxFixture } from '../sandbox/seed.ts';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

/**
 * Reads and validates the environment in one place. The mode is derived, never chosen by a flag
 * that could be left on: any Azure setting present means Azure mode, and Azure mode has no
 * sandbox shortcuts (unauthenticated bot endpoint, fixed local identity, Microsoft 365 sandbox).
 */

/** Settings whose presence means "this is an Azure deployment". */
export const AZURE_SETTINGS = [
  'CLIENT_ID',
  'AAD_APP_CLIENT_ID',
  'CLIENT_SECRET',
  'TENANT_ID',
  'BOT_TYPE',
  'MANAGED_IDENTITY_CLIENT_ID',
  'COSMOS_ENDPOINT',
  'COSMOS_DATABASE',
  'STORAGE_ACCOUNT_NAME',
  'WEBSITE_SITE_NAME', // set by App Service itself: never run the sandbox there
] as const;

/** Environment variables that switch on sandbox-only behaviour in libraries we use. */
const SANDBOX_ONLY_SETTINGS = [
  'DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS',
  'SANDBOX_PORT',
  'QUEUE_CONNECTION_STRING',
  'SANDBOX_TENANT_ID',
] as const;

const portError = { error: 'must be a port number from 1 to 65535' };
const port = z.coerce.number(portError).int(portError).min(1, portError).max(65535, portError);
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https:// URL' });
const guid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID');

/** A comma-separated setting as a list, blanks dropped. */
function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

const seconds = z.coerce.number().int().min(1).max(3600);

const commonSchema = z.object({
  PORT: port.default(3978),
  /** How long a worker holds a mailbox and hides a job before another may take over. */
  WORKER_LEASE_SECONDS: seconds.default(120),
  LOG_LEVEL: logLevel.default('info'),
  CRM_SYNC_MODE: z.enum(['sandbox', 'azure']).optional(),
  /**
   * Tenant admins of CRM Sync besides those with the app role: Entra object ids only. A sign-in
   * name can be renamed, reused or claimed by someone else's account; an object id cannot.
   */
  ADMIN_USERS: z
    .string()
    .optional()
    .refine((v) => v === undefined || list(v).every((u) => guid.safeParse(u).success), {
      message:
        'must be Entra object ids (GUIDs) separated by commas; sign-in names are not accepted, as they can be reused',
    }),
});

const sandboxSchema = commonSchema.extend({
  PUBLIC_URL: z.url().optional(),
  /** An Azure Storage (Azurite) connection string: the sandbox then queues jobs there, not in the store. */
  QUEUE_CONNECTION_STRING: z.string().min(1).optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('data'),
  SANDBOX_PORT: port.default(3979),
  GRAPH_BASE_URL: z.url().optional(),
  /** The tenant the sandbox serves (its token endpoint's); the checked-in fixture's when unset. */
  SANDBOX_TENANT_ID: guid.optional(),
});

const azureSchema = commonSchema
  .extend({
    HOST: z.string().min(1).default('0.0.0.0'),
    CLIENT_ID: guid,
    TENANT_ID: guid,
    BOT_TYPE: z.enum(['UserAssignedMsi', 'SingleTenant', 'MultiTenant']),
    /**
     * The Entra app registration of CRM Sync (Teams SSO audience for the tab; Graph's application
     * permissions are granted to it). With a managed identity the app signs in as it through a
     * federated credential: no secret anywhere.
     */
    AAD_APP_CLIENT_ID: guid,
    /** A PEM file with the Entra app's certificate and key: Graph without a managed identity. */
    CLIENT_CERTIFICATE_PATH: z.string().min(1).optional(),
    /** Application Insights: traces and logs go there when set. */
    APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().min(1).optional(),
    CLIENT_SECRET: z.string().min(1).optional(),
    MANAGED_IDENTITY_CLIENT_ID: guid.optional(),
    COSMOS_ENDPOINT: httpsUrl,
    COSMOS_DATABASE: z.string().min(1).default('crm-sync'),
    STORAGE_ACCOUNT_NAME: z
      .string()
      .regex(/^[a-z0-9]{3,24}$/, 'must be 3-24 lowercase letters and digits (an Azure Storage account name)'),
    STORAGE_ENDPOINT_SUFFIX: z.string().min(1).default('core.windows.net'),
    GRAPH_BASE_URL: httpsUrl.default('https://graph.microsoft.com/v1.0'),
    WEBSITE_SITE_NAME: z.string().optional(),
    /** Where Graph posts change notifications; App Service sets WEBSITE_HOSTNAME. */
    PUBLIC_URL: httpsUrl.optional(),
    WEBSITE_HOSTNAME: z.string().optional(),
    /** The Teams app's id (appPackage manifest `id`): links then open the tab inside Teams. */
    TEAMS_APP_ID: guid.optional(),
    /** Tenants whose users may sign in to the tab; the app's own tenant when unset. */
    ALLOWED_TENANTS: z
      .string()
      .optional()
      .refine((v) => v === undefined || list(v).every((t) => guid.safeParse(t).success), {
        message: 'must be tenant ids (GUIDs) separated by commas',
      }),
  })
  .superRefine((env, ctx) => {
    if (!env.PUBLIC_URL && !env.WEBSITE_HOSTNAME) {
      ctx.addIssue({
        code: 'custom',
        path: ['PUBLIC_URL'],
        message: 'is required outside App Service (the https address Graph posts change notifications to)',
      });
    }
    if (env.BOT_TYPE === 'UserAssignedMsi' && !env.MANAGED_IDENTITY_CLIENT_ID) {
      ctx.addIssue({
        code: 'custom',
        path: ['MANAGED_IDENTITY_CLIENT_ID'],
        message: 'is required when BOT_TYPE is UserAssignedMsi',
      });
    }
    if (env.BOT_TYPE !== 'UserAssignedMsi' && !env.CLIENT_SECRET && !env.CLIENT_CERTIFICATE_PATH) {
      ctx.addIssue({
        code: 'custom',
        path: ['CLIENT_SECRET'],
        message: `or CLIENT_CERTIFICATE_PATH is required when BOT_TYPE is ${env.BOT_TYPE} (or use BOT_TYPE=UserAssignedMsi)`,
      });
    }
  });

/** Every setting the app reads in Azure mode, for the infrastructure's check (test/infra). */
export const AZURE_MODE_SETTINGS: readonly string[] = Object.keys(azureSchema.shape);

interface CommonConfig {
  port: number;
  host: string;
  /** The app's address as Graph and Teams reach it (change notifications, links). */
  publicUrl: string;
  workerLeaseSeconds: number;
  logLevel: z.infer<typeof logLevel>;
  /** Entra object ids or sign-in names (lowercase) who administer CRM Sync for their tenant. */
  adminUsers: string[];
}

export interface SandboxConfig extends CommonConfig {
  mode: 'sandbox';
  dataDir: string;
  sandboxPort: number;
  queueConnectionString?: string;
  graphBaseUrl: string;
  /** The sandbox's tenant: where the app asks the sandbox's Entra stand-in for Graph tokens. */
  sandboxTenantId: string;
}

export interface AzureConfig extends CommonConfig {
  mode: 'azure';
  bot: {
    clientId: string;
    tenantId: string;
    type: 'UserAssignedMsi' | 'SingleTenant' | 'MultiTenant';
    clientSecret?: string;
    managedIdentityClientId?: string;
  };
  /** The Entra app: the tab's SSO audience and Graph's identity. */
  aadApp: { clientId: string; certificatePath?: string };
  appInsightsConnectionString?: string;
  cosmos: { endpoint: string; database: string };
  storage: { accountName: string; queueUrl: string; blobUrl: string };
  graphBaseUrl: string;
  /** Who may use the tab: tokens from other tenants are refused. */
  allowedTenants: string[];
  teamsAppId?: string;
}

export type AppConfig = SandboxConfig | AzureConfig;

/** Every problem found, one line each, so an operator can fix them all in one go. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

function present(env: Env, name: string): boolean {
  const value = env[name];
  return value !== undefined && value.trim() !== '';
}

/** Empty strings count as unset, as they do in most deployment tools' settings pages. */
function withoutEmpty(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
}

/** One line per problem. Values are never echoed: some settings are secrets. */
function describe(issues: readonly z.core.$ZodIssue[], env: Env): string[] {
  return issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    let message = issue.message;
    if (env[name] === undefined && issue.code !== 'custom') message = 'is required but not set';
    else if (issue.code === 'invalid_value') message = `must be one of ${issue.values.join(', ')}`;
    return `${name} ${message}`;
  });
}

export function loadConfig(rawEnv: Env = process.env, cwd: string = process.cwd()): AppConfig {
  const env = withoutEmpty(rawEnv);
  const azureSettings = AZURE_SETTINGS.filter((name) => present(env, name));
  const mode = env.CRM_SYNC_MODE ?? (azureSettings.length > 0 ? 'azure' : 'sandbox');

  if (mode === 'sandbox') {
    if (azureSettings.length > 0) {
      throw new ConfigError([
        `CRM_SYNC_MODE is sandbox but Azure settings are present (${azureSettings.join(', ')}); ` +
          'the sandbox cannot run where Azure settings are set. Remove them or drop CRM_SYNC_MODE.',
      ]);
    }
    const parsed = sandboxSchema.safeParse(env);
    if (!parsed.success) throw new ConfigError(describe(parsed.error.issues, env));
    const s = parsed.data;
    return {
      mode: 'sandbox',
      port: s.PORT,
      host: s.HOST,
      logLevel: s.LOG_LEVEL,
      publicUrl: s.PUBLIC_URL ?? `http://127.0.0.1:${s.PORT}`,
      workerLeaseSeconds: s.WORKER_LEASE_SECONDS,
      adminUsers: list(s.ADMIN_USERS).map((u) => u.toLowerCase()),
      ...(s.QUEUE_CONNECTION_STRING ? { queueConnectionString: s.QUEUE_CONNECTION_STRING } : {}),
      dataDir: isAbsolute(s.DATA_DIR) ? s.DATA_DIR : resolve(cwd, s.DATA_DIR),
      sandboxPort: s.SANDBOX_PORT,
      graphBaseUrl: s.GRAPH_BASE_URL ?? `http://127.0.0.1:${s.SANDBOX_PORT}/v1.0`,
      sandboxTenantId: s.SANDBOX_TENANT_ID ?? readMailboxFixture().tenantId,
    };
  }

  const problems: string[] = [];
  for (const name of SANDBOX_ONLY_SETTINGS) {
    if (present(env, name))
      problems.push(`${name} is a sandbox-only setting and is not allowed in Azure mode`);
  }
  const parsed = azureSchema.safeParse(env);
  if (!parsed.success) problems.push(...describe(parsed.error.issues, env));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);

  const a = parsed.data;
  return {
    publicUrl: a.PUBLIC_URL ?? `https://${a.WEBSITE_HOSTNAME}`,
    workerLeaseSeconds: a.WORKER_LEASE_SECONDS,
    adminUsers: list(a.ADMIN_USERS).map((u) => u.toLowerCase()),
    allowedTenants: a.ALLOWED_TENANTS
      ? list(a.ALLOWED_TENANTS).map((t) => t.toLowerCase())
      : [a.TENANT_ID.toLowerCase()],
    mode: 'azure',
    port: a.PORT,
    host: a.HOST,
    logLevel: a.LOG_LEVEL,
    bot: {
      clientId: a.CLIENT_ID,
      tenantId: a.TENANT_ID,
      type: a.BOT_TYPE,
      ...(a.CLIENT_SECRET ? { clientSecret: a.CLIENT_SECRET } : {}),
      ...(a.MANAGED_IDENTITY_CLIENT_ID ? { managedIdentityClientId: a.MANAGED_IDENTITY_CLIENT_ID } : {}),
    },
    aadApp: {
      clientId: a.AAD_APP_CLIENT_ID,
      ...(a.CLIENT_CERTIFICATE_PATH ? { certificatePath: a.CLIENT_CERTIFICATE_PATH } : {}),
    },
    ...(a.APPLICATIONINSIGHTS_CONNECTION_STRING
      ? { appInsightsConnectionString: a.APPLICATIONINSIGHTS_CONNECTION_STRING }
      : {}),
    cosmos: { endpoint: a.COSMOS_ENDPOINT, database: a.COSMOS_DATABASE },
    storage: {
      accountName: a.STORAGE_ACCOUNT_NAME,
      queueUrl: `https://${a.STORAGE_ACCOUNT_NAME}.queue.${a.STORAGE_ENDPOINT_SUFFIX}`,
      blobUrl: `https://${a.STORAGE_ACCOUNT_NAME}.blob.${a.STORAGE_ENDPOINT_SUFFIX}`,
    },
    graphBaseUrl: a.GRAPH_BASE_URL,
    ...(a.TEAMS_APP_ID ? { teamsAppId: a.TEAMS_APP_ID } : {}),
  };
}

/** For entry points: the configuration, or every problem on stderr and exit code 1 (or 2 for a CLI). */
export function loadConfigOrExit(exitCode = 1): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(exitCode);
    }
    throw error;
  }
}
