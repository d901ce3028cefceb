import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The sandbox's Entra ID, as far as Graph's token check goes: it issues access tokens (client
 * credentials for the app, delegated ones for tests) signed with a key of its own, and the sandbox's
 * Graph accepts only those: signed, unexpired, for Graph's audience and the sandbox tenant, and
 * carrying the permission a route needs. Real Graph is as strict, so the app must fetch, cache and
 * renew tokens in the sandbox as it does in Azure.
 */

/** Graph's audience, as Entra writes it in v1 and v2 app tokens. */
export const GRAPH_AUDIENCES = ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000'];
/**
 * The application permissions the Entra app is granted (infra/aad.manifest.json): mail, the
 * directory, and for contacts, calendar and To Do sync Contacts.Read, Calendars.Read and
 * Tasks.Read.All (Graph docs: contact-delta, event-delta, todotask-delta "Permissions"), and for
 * CaptureME from a Teams message Files.Read.All (driveitem-get-content).
 */
export const APP_ROLES = [
  'Mail.Read',
  'User.Read.All',
  'Contacts.Read',
  'Calendars.Read',
  'Tasks.Read.All',
  'Files.Read.All',
];
const CLOCK_SKEW_SECONDS = 300;

export interface TokenClaims {
  aud: string;
  tid: string;
  exp: number;
  iat: number;
  appid: string;
  /** Application permissions (client credentials). */
  roles?: string[];
  /** Delegated permissions and the signed-in user. */
  scp?: string;
  oid?: string;
}

export type TokenCheck =
  { ok: true; claims: TokenClaims } | { ok: false; status: 401 | 403; code: string; message: string };

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

export class SandboxTokens {
  private readonly key = randomBytes(32);
  readonly tenantId: string;
  private readonly now: () => number;

  constructor(tenantId: string, now: () => number = Date.now) {
    this.tenantId = tenantId;
    this.now = now;
  }

  issue(
    options: {
      roles?: string[];
      scp?: string;
      oid?: string;
      appid?: string;
      aud?: string;
      tid?: string;
      expiresInSeconds?: number;
    } = {},
  ): string {
    const iat = Math.floor(this.now() / 1000);
    const claims: TokenClaims = {
      aud: options.aud ?? GRAPH_AUDIENCES[0]!,
      tid: options.tid ?? this.tenantId,
      iat,
      exp: iat + (options.expiresInSeconds ?? 3600),
      appid: options.appid ?? 'crm-sync-sandbox-app',
      ...(options.scp ? { scp: options.scp, ...(options.oid ? { oid: options.oid } : {}) } : {}),
      ...(!options.scp ? { roles: options.roles ?? APP_ROLES } : {}),
    };
    const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
    return `${unsigned}.${createHmac('sha256', this.key).update(unsigned).digest('base64url')}`;
  }

  /** The claims of a bearer token Graph would accept, or the 401 Graph answers. */
  check(authorization: string | undefined): TokenCheck {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token)
      return {
        ok: false,
        status: 401,
        code: 'InvalidAuthenticationToken',
        message: 'Access token is empty.',
      };
    const parts = token.split('.');
    if (parts.length !== 3) {
      return {
        ok: false,
        status: 401,
        code: 'InvalidAuthenticationToken',
        message: 'IDX14100: JWT is not well formed.',
      };
    }
    const expected = createHmac('sha256', this.key).update(`${parts[0]}.${parts[1]}`).digest();
    const given = Buffer.from(parts[2]!, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return {
        ok: false,
        status: 401,
        code: 'InvalidAuthenticationToken',
        message: 'Access token validation failure. Invalid signature.',
      };
    }
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return {
        ok: false,
        status: 401,
        code: 'InvalidAuthenticationToken',
        message: 'IDX14100: JWT is not well formed.',
      };
    }
    if (!GRAPH_AUDIENCES.includes(claims.aud)) {
      return {
        ok: false,
        status: 401,
        code: 'InvalidAuthenticationToken',
        message: 'Access token validation failure. Invalid audience.',
      };
    }
    if (claims.tid !== this.tenantId) {
      return {
        ok: false,
        status: 401,
        code: 'InvalidAuthenticationToken',
        message: 'Access token is for another tenant.',
      };
    }
    if (claims.exp + CLOCK_SKEW_SECONDS < this.now() / 1000) {
      return {
        ok: false,
        status: 401,
        code: 'InvalidAuthenticationToken',
        message: 'Lifetime validation failed, the token is expired.',
      };
    }
    return { ok: true, claims };
  }
}
