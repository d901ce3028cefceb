import { AppError } from '../errors/app-error.ts';

/**
 * Access tokens by the OAuth client credentials grant, cached until five minutes before they
 * expire and fetched once however many requests ask at the same moment. Sandbox mode uses it
 * against the sandbox's Entra stand-in; in Azure the managed identity's credential does the same.
 */
export function clientCredentialsToken(options: {
  tokenUrl: string;
  clientId: string;
  scope: string;
  now?: () => number;
}): () => Promise<string> {
  const now = options.now ?? Date.now;
  let cached: { token: string; refreshAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  const fetchToken = async (): Promise<string> => {
    let response: Response;
    try {
      response = await fetch(options.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: options.clientId,
          scope: options.scope,
        }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new AppError(
        'mail.unavailable',
        `the token service could not be reached: ${(error as Error).message}`,
        {
          context: { network: true },
        },
      );
    }
    const body = (await response.json().catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number;
      error?: string;
      error_description?: string;
    };
    if (!response.ok || !body.access_token) {
      throw new AppError(
        'mail.needs_consent',
        `no Graph token: ${body.error ?? response.status} ${body.error_description ?? ''}`.trim(),
      );
    }
    const lifetime = (body.expires_in ?? 3600) * 1000;
    cached = { token: body.access_token, refreshAt: now() + Math.max(0, lifetime - 5 * 60_000) };
    return body.access_token;
  };

  return async () => {
    if (cached && now() < cached.refreshAt) return cached.token;
    inFlight ??= fetchToken().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}
