import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { SsoTokenAuthenticator } from '../../bot/tab/tab-identity.ts';

/**
 * Entra ID as far as the tab API sees it: a key set served on 127.0.0.1 (what
 * login.microsoftonline.com/common/discovery/v2.0/keys is in production) and Teams SSO tokens
 * signed with its key, v2 shape: aud = the app's client id, iss = the tenant's v2.0 issuer.
 */

export const CLIENT_ID = '11111111-2222-4333-8444-555555555555';
export const PUBLIC_HOST = 'crm-sync.example.com';
/** Teams on the web: one of the clients pre-authorized on the app's scope. */
export const TEAMS_WEB_CLIENT_ID = '5e3ce6c0-2b1f-4285-8d4b-75ee78787346';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

export class FakeEntra {
  private readonly server: Server;
  private readonly keys: KeyPair;
  /** A key Entra never published: tokens signed with it must be refused. */
  private readonly rogue: KeyPair;
  readonly jwksUrl: string;

  private constructor(server: Server, keys: KeyPair, rogue: KeyPair, jwksUrl: string) {
    this.server = server;
    this.keys = keys;
    this.rogue = rogue;
    this.jwksUrl = jwksUrl;
  }

  static async start(): Promise<FakeEntra> {
    const keys = await generateKeyPair('RS256');
    const rogue = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'test-key', use: 'sig', alg: 'RS256' };
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return new FakeEntra(server, keys, rogue, `http://127.0.0.1:${port}/keys`);
  }

  authenticator(options: { allowedTenants: string[]; adminUsers?: string[] }): SsoTokenAuthenticator {
    return new SsoTokenAuthenticator({
      clientId: CLIENT_ID,
      publicHost: PUBLIC_HOST,
      allowedTenants: options.allowedTenants,
      adminUsers: options.adminUsers ?? [],
      jwksUrl: this.jwksUrl,
    });
  }

  /** A token for (tid, oid); `claims` overrides any claim, `expiresIn` may be negative. */
  async token(
    tid: string,
    oid: string,
    options: { claims?: JWTPayload; expiresInSeconds?: number; rogue?: boolean } = {},
  ): Promise<string> {
    return this.sign(
      {
        tid,
        oid,
        name: `User ${oid.slice(0, 4)}`,
        preferred_username: `${oid.slice(0, 8)}@example.com`,
        // A member's delegated token for the app's scope, asked for by Teams on the web.
        scp: 'access_as_user',
        idtyp: 'user',
        azp: TEAMS_WEB_CLIENT_ID,
        iss: `https://login.microsoftonline.com/${tid}/v2.0`,
        aud: CLIENT_ID,
        ...options.claims,
      },
      options,
    );
  }

  /** Any token with exactly these claims (iss and aud included), signed with Entra's key or a rogue one. */
  async sign(
    claims: JWTPayload,
    options: { expiresInSeconds?: number; rogue?: boolean } = {},
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'JWT' })
      .setIssuedAt(now - 60)
      .setNotBefore(now - 60)
      .setExpirationTime(now + (options.expiresInSeconds ?? 3600))
      .sign(options.rogue ? this.rogue.privateKey : this.keys.privateKey);
  }

  /** This server's origin: it answers every path with its key set, as any issuer's keys URL. */
  get origin(): string {
    return new URL(this.jwksUrl).origin;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
