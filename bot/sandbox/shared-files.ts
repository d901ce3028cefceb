import { randomBytes } from 'node:crypto';
import { graphError, type GraphResponse } from './graph-responses.ts';

/**
 * Files shared in Teams, as Graph serves them through `/shares` (Graph docs: shares-get,
 * driveitem-get-content): a message's file is a link to SharePoint or OneDrive, which the app
 * turns into a sharing token (`u!` and the URL in unpadded base64url). `driveItem` is the file's
 * metadata; `driveItem/content` answers 302 with a pre-authenticated download URL that lives a
 * short while (Graph: "only valid for a short period of time"; here 60 seconds) and needs no token.
 */

export interface SharedFile {
  name: string;
  contentType: string;
  bytes: Buffer;
}

/** How long a download URL works. */
export const DOWNLOAD_URL_SECONDS = 60;
/** Where the download URLs live, outside /v1.0: the bytes are not Graph's to serve. */
export const DOWNLOAD_PATH = '/_download/';

export class SharedFiles {
  private readonly files = new Map<string, SharedFile>();
  private readonly links = new Map<string, { url: string; expiresAt: number }>();
  private readonly clock: () => number;
  /** Downloads served, for tests. */
  downloads = 0;

  constructor(clock: () => number) {
    this.clock = clock;
  }

  /** A file at a SharePoint or OneDrive URL, as a Teams message links it. */
  add(url: string, file: SharedFile): void {
    this.files.set(url, file);
  }

  /** GET /shares/{token}/driveItem and /shares/{token}/driveItem/content. */
  handle(method: string, parts: string[], origin: string): GraphResponse {
    const [, token, item, content] = parts;
    if (method !== 'GET' || item?.toLowerCase() !== 'driveitem' || parts.length > 4)
      return graphError(400, 'invalidRequest', 'Only GET /shares/{token}/driveItem[/content] is supported.');
    const url = decodeSharingToken(token ?? '');
    if (!url) return graphError(400, 'invalidRequest', 'The sharing token is malformed.');
    const file = this.files.get(url);
    if (!file)
      return graphError(
        404,
        'itemNotFound',
        'The sharing link no longer exists, or you do not have permission to access it.',
      );
    if (content === undefined)
      return {
        status: 200,
        body: { name: file.name, size: file.bytes.length, file: { mimeType: file.contentType } },
      };
    if (content.toLowerCase() !== 'content')
      return graphError(400, 'invalidRequest', `Resource not found for the segment '${content}'.`);
    const key = randomBytes(18).toString('base64url');
    this.links.set(key, { url, expiresAt: this.clock() + DOWNLOAD_URL_SECONDS * 1000 });
    return { status: 302, headers: { Location: `${origin}${DOWNLOAD_PATH}${key}` } };
  }

  /** The pre-authenticated URL: the bytes while it lives, 401 after (as SharePoint's tempauth). */
  download(key: string): GraphResponse {
    const link = this.links.get(key);
    const file = link && this.files.get(link.url);
    if (!link || !file || link.expiresAt <= this.clock()) {
      this.links.delete(key);
      return graphError(401, 'unauthenticated', 'The download URL has expired.');
    }
    this.downloads++;
    return { status: 200, headers: { 'content-type': file.contentType }, raw: file.bytes };
  }
}

/** The URL a sharing token (`u!` + unpadded base64url) stands for; undefined when it is not one. */
export function decodeSharingToken(token: string): string | undefined {
  if (!token.startsWith('u!') || token.length > 4096) return undefined;
  const body = token.slice(2);
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95;
    if (!ok) return undefined;
  }
  const url = Buffer.from(body, 'base64url').toString('utf8');
  return /^https:\/\//.test(url) ? url : undefined;
}
