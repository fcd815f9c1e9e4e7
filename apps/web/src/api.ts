/** A failed call: the HTTP status and the problem's stable code, never the raw body. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string | undefined, readonly detail: string | undefined) {
    super(detail ?? `HTTP ${status}`);
  }
}

export interface Problem {
  readonly code?: string;
  readonly detail?: string;
  readonly title?: string;
}

/** Calls the api with the session's bearer token; identifiers travel in bodies, not addresses. */
export async function api<T>(token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
    credentials: 'omit',
  });
  if (!response.ok) {
    let problem: Problem = {};
    try {
      problem = (await response.json()) as Problem;
    } catch {
      // a non-JSON error (a proxy's page): the status says enough
    }
    throw new ApiError(response.status, problem.code, problem.detail ?? problem.title);
  }
  return (await response.json()) as T;
}

/** The same call answered as a file (the log extract as CSV). */
export async function apiBlob(token: string, path: string): Promise<Blob> {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store', credentials: 'omit' });
  if (!response.ok) throw new ApiError(response.status, undefined, undefined);
  return response.blob();
}

export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
