import type { CloudEnvironment } from '@microsoft/teams.api';
import express from 'express';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { AppError } from '../errors/app-error.ts';
import { isAllowedServiceUrl } from './service-urls.ts';

/**
 * Who may post to /api/messages in Azure mode: the Bot Framework connector service, and nobody else.
 *
 * The Teams SDK (2.1) validates Bot Framework tokens, but it also accepts any Entra-issued token
 * whose audience is the bot's app id for "agentic identity", trusting the tenant the token names
 * and asking for no `serviceurl` claim; and it checks `serviceurl` only when the body carries one.
 * CRM Sync does not use agentic identity, so this gate runs first and admits only:
 * - a token signed with Bot Framework's published keys, issued by Bot Framework (`iss` is the
 *   cloud's token issuer, never an Entra tenant), for the bot's app id, unexpired (5 min skew);
 * - whose signed `serviceurl` claim is the activity's `serviceUrl` (so nobody replays a token to
 *   point replies or stored conversation references elsewhere);
 * - and whose service URL is one of Teams' own hosts (`service-urls.ts`).
 * The token is checked before the body is parsed, so an anonymous caller costs no JSON parsing.
 * The SDK then validates the same token again on its own; both must agree.
 */

const CLOCK_TOLERANCE_SECONDS = 300;
/** The SDK's own body limit for activities (express.json's default), kept so the two never disagree. */
export const ACTIVITY_BODY_LIMIT = '100kb';

type BotCloud = Pick<CloudEnvironment, 'tokenIssuer' | 'openIdMetadataUrl'>;

function unauthenticated(message: string): AppError {
  return new AppError('auth.unauthenticated', message);
}

/** Bot Framework's key set: the metadata document's sibling, as the connector documents it. */
function keysUrl(cloud: BotCloud): URL {
  return new URL(cloud.openIdMetadataUrl.replace(/\/openidconfiguration$/, '/keys'));
}

const normalise = (url: string) => url.replace(/\/+$/, '').toLowerCase();

export function botActivityGate(options: { appId: string; cloud: BotCloud }): express.RequestHandler[] {
  const keys = createRemoteJWKSet(keysUrl(options.cloud));
  const tokens = new WeakMap<express.Request, JWTPayload>();

  const verifyToken: express.RequestHandler = (req, _res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!match?.[1]) {
      next(unauthenticated('The request has no Bot Framework token.'));
      return;
    }
    jwtVerify(match[1], keys, {
      issuer: options.cloud.tokenIssuer,
      audience: options.appId,
      algorithms: ['RS256'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp', 'serviceurl'],
    }).then(
      ({ payload }) => {
        tokens.set(req, payload);
        next();
      },
      (error: unknown) =>
        next(unauthenticated(`Not a valid Bot Framework token (${(error as Error).message}).`)),
    );
  };

  const checkServiceUrl: express.RequestHandler = (req, _res, next) => {
    const claim = tokens.get(req)?.serviceurl;
    const body = req.body as { serviceUrl?: unknown } | undefined;
    const serviceUrl = body?.serviceUrl;
    if (
      typeof serviceUrl !== 'string' ||
      typeof claim !== 'string' ||
      normalise(claim) !== normalise(serviceUrl)
    ) {
      next(unauthenticated("The activity's serviceUrl is not the one its token was issued for."));
      return;
    }
    if (!isAllowedServiceUrl(serviceUrl, 'azure')) {
      next(new AppError('auth.forbidden', "The activity's serviceUrl is not a Microsoft Teams service."));
      return;
    }
    next();
  };

  return [verifyToken, express.json({ limit: ACTIVITY_BODY_LIMIT }), checkServiceUrl];
}
