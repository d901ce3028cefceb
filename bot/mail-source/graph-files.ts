import type { Readable } from 'node:stream';
import { AppError } from '../errors/app-error.ts';
import type { GraphHttp } from './graph-http.ts';

/**
 * Files shared in Teams messages, read through Graph (driveitem-get-content, with the application
 * permission Files.Read.All): a message's file is a link to SharePoint or OneDrive, turned into a
 * sharing token (shares-get: `u!` and the URL in unpadded base64url). Graph answers with a redirect
 * to a short-lived download URL, which fetch follows (without our token: another origin).
 */

/** SharePoint Online's hosts, worldwide and in the national clouds: nothing else is a Teams file. */
const SHAREPOINT_HOSTS = ['.sharepoint.com', '.sharepoint.us', '.sharepoint.de', '.sharepoint.cn'];

/** Whether a URL is a SharePoint or OneDrive file a Teams message can link to. */
export function isTeamsFileUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && SHAREPOINT_HOSTS.some((h) => url.hostname.toLowerCase().endsWith(h));
}

/**
 * Whether a file URL is in the OneDrive of one of these addresses: `https://<tenant>-my.sharepoint.com/
 * personal/<address with @ and . as _>/...`, where Teams keeps the files a person shares in chats.
 * The app reads with an application permission (every file in the tenant), so a message's file is
 * read only when it is its sender's own: a message cannot name someone else's file for the app to
 * read on its behalf.
 */
export function isInOneDriveOf(value: string, addresses: readonly string[]): boolean {
  if (!isTeamsFileUrl(value)) return false;
  const url = new URL(value);
  const host = url.hostname.toLowerCase();
  if (!SHAREPOINT_HOSTS.some((h) => host.endsWith(`-my${h}`))) return false;
  const [, personal, owner] = url.pathname.toLowerCase().split('/');
  if (personal !== 'personal' || !owner) return false;
  return addresses.some((a) => a.toLowerCase().replaceAll('@', '_').replaceAll('.', '_') === owner);
}

/** shares-get's encoding of a sharing URL. */
export function sharingToken(url: string): string {
  return `u!${Buffer.from(url, 'utf8').toString('base64url')}`;
}

export class GraphFiles {
  private readonly http: GraphHttp;

  constructor(http: GraphHttp) {
    this.http = http;
  }

  /**
   * The file's bytes as a stream. `onBehalfOf` is the user whose action reads it (the client's
   * per-user limits count it there). Refused (`input.invalid`) unless the URL is SharePoint's.
   */
  open(onBehalfOf: string, url: string): Promise<Readable> {
    if (!isTeamsFileUrl(url))
      throw new AppError(
        'input.invalid',
        'That file is not in SharePoint or OneDrive, so it cannot be read.',
      );
    return this.http.download(onBehalfOf, `/shares/${sharingToken(url)}/driveItem/content`);
  }
}
