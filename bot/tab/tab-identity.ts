import { createRemoteJWKSet, errors as joseErrors, type JWTPayload, jwtVerify } from 'jose';
import { AppError } from '../errors/app-error.ts';

/**
 * Who is calling the tab API. In Azure mode the caller proves it with a Teams SSO token (an Entra
 * ID access token for our app); the user is the token's (tid, oid), never anything in the request.
 * In sandbox mode there is no Entra ID, so the tab acts as one fixed local user.
 */

export interface TabIdentity {
  tenantId: string;
  userId: string;
  name?: string;
  /** The sign-in name, when the token carries one. */
  upn?: string;
  isAdmin: boolean;
}

export interface TabAuthenticator {
  /** The caller of a request with this Authorization header; an `auth.unauthenticated` AppError if none. */
  authenticate(authorization: string | undefined): Promise<TabIdentity>;
}

/** The app role an Entra admin assigns to the people who administer CRM Sync (infra/aad manifest). */
export const ADMIN_APP_ROLE = 'CrmSync.Admin';
/** Entra's built-in Global Administrator role template id, in the `wids` claim when it is configured. */
const GLOBAL_ADMIN_ROLE = '62e90394-69f5-4237-9190-012177145e10';
/** Microsoft identity platform signing keys, common to every tenant (v1 and v2 tokens). */
export const ENTRA_JWKS_URL = 'https://login.microsoftonline.com/common/discovery/v2.0/keys';
/** Clock skew tolerated on `exp` and `nbf`, as Microsoft's own validators do. */
const CLOCK_TOLERANCE_SECONDS = 300;
/** The app's delegated scope (infra/aad.manifest.json): what a user's token for CRM Sync carries. */
export const USER_SCOPE = 'access_as_user';
/**
 * The Microsoft clients that may get a token for the app on a user's behalf: Teams (desktop, web,
 * mobile), Microsoft 365 and Outlook (web and desktop) and Office's add-in SSO. They are the app's
 * pre-authorized applications in infra/aad.manifest.json (a test keeps the two lists equal); the
 * app's own client id (the Outlook pane's nested app authentication) is allowed besides.
 */
export const TRUSTED_CLIENT_IDS = [
  '1fec8e78-bce4-4aaf-ab1b-5451cc387264', // Teams desktop and mobile
  '5e3ce6c0-2b1f-4285-8d4b-75ee78787346', // Teams web
  '4765445b-32c6-49b0-83e6-1d93765276ca', // Microsoft 365 web
  '0ec893e0-5785-4de6-99da-4ed124e5296c', // Microsoft 365 desktop
  'd3590ed6-52b3-4102-aeff-aad2292ab01c', // Microsoft 365 mobile, Outlook desktop
  'bc59ab01-8403-45c6-8796-ac3ef710b3e3', // Outlook web
  '27922004-5251-4030-b22d-91ecd9a37ea4', // Outlook mobile
  'ea5a67f6-b6f3-4338-b240-c655ddc3cc8e', // Office add-in SSO
] as const;

/** An admin: the app role, Global Administrator, or an object id in ADMIN_USERS (never a sign-in name). */
export function isAdmin(claims: Record<string, unknown>, objectId: string, admins: readonly string[]) {
  const roles = Array.isArray(claims.roles) ? claims.roles : [];
  const wids = Array.isArray(claims.wids) ? claims.wids : [];
  return (
    roles.includes(ADMIN_APP_ROLE) ||
    wids.includes(GLOBAL_ADMIN_ROLE) ||
    admins.includes(objectId.toLowerCase())
  );
}

function unauthenticated(message: string, cause?: unknown): AppError {
  return new AppError('auth.unauthenticated', message, cause ? { cause } : {});
}

export interface SsoOptions {
  /** The Entra app (client) id: tokens for any other audience are refused. */
  clientId: string;
  /** The app's public host name, for the `api://<host>/<clientId>` Application ID URI. */
  publicHost: string;
  allowedTenants: string[];
  adminUsers: string[];
  /** Where the signing keys are; Entra's in production, a local key set in tests. */
  jwksUrl?: string;
}

export class SsoTokenAuthenticator implements TabAuthenticator {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;
  private readonly options: SsoOptions;
  private readonly audiences: string[];

  constructor(options: SsoOptions) {
    this.options = options;
    this.keys = createRemoteJWKSet(new URL(options.jwksUrl ?? ENTRA_JWKS_URL));
    this.audiences = [
      options.clientId,
      `api://${options.publicHost}/${options.clientId}`,
      `api://${options.publicHost}/botid-${options.clientId}`,
    ];
  }

  /**
   * A signed-in user's token for the app's delegated scope, from a client allowed to ask for one:
   * app-only tokens (client credentials) carry roles, not a scope, and are refused.
   */
  private checkUserToken(payload: JWTPayload): void {
    if (payload.idtyp === 'app' || typeof payload.scp !== 'string') {
      throw unauthenticated("CRM Sync takes a signed-in user's token, not an application's.");
    }
    if (!payload.scp.split(' ').includes(USER_SCOPE)) {
      throw unauthenticated(`The token does not carry CRM Sync's ${USER_SCOPE} scope.`);
    }
    const client = String(payload.azp ?? payload.appid ?? '').toLowerCase();
    if (
      client !== this.options.clientId.toLowerCase() &&
      !(TRUSTED_CLIENT_IDS as readonly string[]).includes(client)
    ) {
      throw new AppError('auth.forbidden', 'This application may not call CRM Sync on your behalf.');
    }
  }

  async authenticate(authorization: string | undefined): Promise<TabIdentity> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match?.[1]) throw unauthenticated('Sign in through Teams: the request has no bearer token.');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1], this.keys, {
        audience: this.audiences,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['tid', 'oid', 'iss', 'exp'],
      }));
    } catch (error) {
      throw unauthenticated(describeJoseError(error), error);
    }
    this.checkUserToken(payload);
    const tenantId = String(payload.tid).toLowerCase();
    const issuers = [
      `https://login.microsoftonline.com/${tenantId}/v2.0`,
      `https://sts.windows.net/${tenantId}/`,
    ];
    if (!issuers.includes(String(payload.iss).toLowerCase()))
      throw unauthenticated('The token was not issued by the tenant it names.');
    if (!this.options.allowedTenants.includes(tenantId))
      throw new AppError(
        'auth.forbidden',
        'Your organization is not allowed to use this CRM Sync installation.',
      );
    if (isGuest(payload, tenantId)) {
      throw new AppError(
        'auth.forbidden',
        'Guests of your organization cannot use CRM Sync; it is for the recruiters who are its members.',
      );
    }
    const userId = String(payload.oid).toLowerCase();
    const upn = typeof payload.preferred_username === 'string' ? payload.preferred_username : payload.upn;
    return {
      tenantId,
      userId,
      ...(typeof payload.name === 'string' ? { name: payload.name } : {}),
      ...(typeof upn === 'string' ? { upn } : {}),
      isAdmin: isAdmin(payload, userId, this.options.adminUsers),
    };
  }
}

/**
 * A guest: `acct` 1 (the optional claim infra/aad.manifest.json asks for), or an identity provider
 * other than the tenant itself (`idp` names the guest's home tenant or provider).
 */
function isGuest(payload: JWTPayload, tenantId: string): boolean {
  if (payload.acct === 1 || payload.acct === '1') return true;
  if (typeof payload.idp !== 'string') return false;
  const idp = payload.idp.toLowerCase();
  return !idp.includes(tenantId);
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'Your sign-in has expired; reload the tab.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'The token is not for CRM Sync (wrong audience).';
    return `The token's ${error.claim} claim is not acceptable.`;
  }
  if (
    error instanceof joseErrors.JWSSignatureVerificationFailed ||
    error instanceof joseErrors.JWKSNoMatchingKey
  )
    return 'The token signature is not valid.';
  return 'The token is not a valid sign-in token.';
}

/** Sandbox mode only (the config refuses sandbox mode where Azure settings exist): one local user. */
export class FixedIdentity implements TabAuthenticator {
  private readonly identity: TabIdentity;

  constructor(identity: TabIdentity) {
    this.identity = identity;
  }

  async authenticate(): Promise<TabIdentity> {
    return this.identity;
  }
}
