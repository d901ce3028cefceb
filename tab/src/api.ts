/**
 * The API client of the tab (/api/tab) and of the Outlook pane (/api/outlook): JSON with the host's
 * token, errors as readable messages.
 */

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: string[];
  constructor(status: number, code: string, message: string, fields: string[] = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

let tokenSource: () => Promise<string | undefined> = async () => undefined;

export function useToken(source: () => Promise<string | undefined>): void {
  tokenSource = source;
}

export async function api<T>(
  path: string,
  options: {
    method?: string;
    body?: unknown;
    ifMatch?: string | null;
    root?: '/api/tab' | '/api/outlook';
  } = {},
): Promise<{ data: T; etag: string | null }> {
  const token = await tokenSource();
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.ifMatch) headers['If-Match'] = options.ifMatch;
  let response: Response;
  try {
    response = await fetch(`${options.root ?? '/api/tab'}${path}`, {
      method: options.method ?? 'GET',
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
  } catch {
    throw new ApiError(0, 'offline', 'CRM Sync cannot be reached. Check your connection and try again.');
  }
  const payload = (await response.json().catch(() => ({}))) as {
    error?: { code?: string; message?: string; fields?: string[]; correlationId?: string };
  };
  if (!response.ok) {
    const error = payload.error ?? {};
    const reference = error.correlationId ? ` (reference ${error.correlationId})` : '';
    throw new ApiError(
      response.status,
      error.code ?? 'error',
      `${error.message ?? `The request failed (${response.status}).`}${reference}`,
      error.fields ?? [],
    );
  }
  return { data: payload as T, etag: response.headers.get('ETag') };
}

/** Saves a file the tab API serves as a download (a candidate's resume), with the host's token. */
export async function download(path: string, name: string): Promise<void> {
  const token = await tokenSource();
  let response: Response;
  try {
    response = await fetch(`/api/tab${path}`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
  } catch {
    throw new ApiError(0, 'offline', 'CRM Sync cannot be reached. Check your connection and try again.');
  }
  if (!response.ok) {
    const payload = (await response.json().catch(() => ({}))) as {
      error?: { code?: string; message?: string };
    };
    throw new ApiError(
      response.status,
      payload.error?.code ?? 'error',
      payload.error?.message ?? 'The file could not be downloaded.',
    );
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  URL.revokeObjectURL(url);
}
