import type { AppError } from '../errors/app-error.ts';
import { type BatchResponse, failure, type GraphHttp, headerOf } from './graph-http.ts';

/**
 * What the Graph mail and item sources share: the path of a user, the Prefer header for immutable
 * ids, one delta page split into items and `@removed` ids, and the error an inner `$batch` answer
 * stands for.
 */

export const PREFER_IMMUTABLE = 'IdType="ImmutableId"';

export function userPath(userId: string): string {
  return `/users/${encodeURIComponent(userId)}`;
}

export interface RawDeltaPage<T> {
  items: T[];
  removed: string[];
  nextLink?: string;
  deltaLink?: string;
}

/** One page of a delta round (`link` is the nextLink or deltaLink, or the initial query). */
export async function readDeltaPage<T extends { id?: string | null }>(
  http: GraphHttp,
  userId: string,
  link: string,
  prefer: string,
  signal?: AbortSignal,
): Promise<RawDeltaPage<T>> {
  const page = await http.request<{
    value: Array<T & { '@removed'?: unknown }>;
    '@odata.nextLink'?: string;
    '@odata.deltaLink'?: string;
  }>(userId, 'GET', link, { headers: { prefer }, ...(signal ? { signal } : {}) });
  const items: T[] = [];
  const removed: string[] = [];
  for (const item of page.value) {
    if (item['@removed']) removed.push(String(item.id));
    else items.push(item);
  }
  return {
    items,
    removed,
    ...(page['@odata.nextLink'] ? { nextLink: page['@odata.nextLink'] } : {}),
    ...(page['@odata.deltaLink'] ? { deltaLink: page['@odata.deltaLink'] } : {}),
  };
}

/** The AppError an inner `$batch` answer that is not a success means, as for a request on its own. */
export function batchError(response: BatchResponse): AppError {
  const body = (response.body ?? {}) as { error?: { code?: string; message?: string } };
  return failure(response.status, body.error ?? {}, (h) => headerOf(response.headers, h)).error;
}
