// How `events`, `status` and `drain` reach a running proxy: its admin API, with a bearer token when set.
import { UsageError } from './args.js';

/** The admin API address when neither `--admin` nor `SWITCHYARD_ADMIN_URL` says otherwise (admin.address's default). */
export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:9901';

/** The flags every admin-API command takes. */
export const ADMIN_FLAGS = {
  admin: { type: 'string' },
  token: { type: 'string' },
} as const;

/** A failure talking to the admin API, with a message written for the person at the terminal. */
export class AdminRequestError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly problems: readonly { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'AdminRequestError';
  }
}

export interface AdminTarget {
  /** `http://host:port`, no trailing slash. */
  readonly baseUrl: string;
  readonly token: string | undefined;
}

/**
 * Where the admin API is: `--admin URL` (`http://127.0.0.1:9901`, or `127.0.0.1:9901`), else
 * `SWITCHYARD_ADMIN_URL`, else the default; the token from `--token`, else `SWITCHYARD_ADMIN_TOKEN`.
 */
export function resolveAdmin(flags: { admin?: string; token?: string }, env: NodeJS.ProcessEnv = process.env): AdminTarget {
  const raw = flags.admin ?? env['SWITCHYARD_ADMIN_URL'] ?? DEFAULT_ADMIN_URL;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`--admin expects a URL such as http://127.0.0.1:9901, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--admin expects an http or https URL, got "${raw}"`);
  const token = flags.token ?? env['SWITCHYARD_ADMIN_TOKEN'];
  return { baseUrl: `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`, token: token === '' ? undefined : token };
}

/** Calls the admin API and parses its JSON answer; a non-2xx answer becomes an `AdminRequestError`. */
export async function adminJson<T>(admin: AdminTarget, path: string, init: { method?: string } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${admin.baseUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: { accept: 'application/json', ...(admin.token === undefined ? {} : { authorization: `Bearer ${admin.token}` }) },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new AdminRequestError(`cannot reach the admin API at ${admin.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, undefined);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new AdminRequestError(`the admin API at ${admin.baseUrl} answered ${path} with something that is not JSON (status ${res.status})`, res.status);
  }
  if (!res.ok) throw errorFromBody(res.status, body, admin);
  return body as T;
}

/** The admin API's error body `{ error: { code, message }, problems? }` as an `AdminRequestError`. */
export function errorFromBody(status: number, body: unknown, admin: AdminTarget): AdminRequestError {
  const b = body as { error?: { message?: unknown }; problems?: { path: string; message: string }[] } | undefined;
  let message = typeof b?.error?.message === 'string' ? b.error.message : `status ${status}`;
  if (status === 401) message += admin.token === undefined ? ' (pass --token or set SWITCHYARD_ADMIN_TOKEN)' : ' (check --token)';
  return new AdminRequestError(message, status, Array.isArray(b?.problems) ? b.problems : []);
}
