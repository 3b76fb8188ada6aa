// JSON in and out for the admin API: replies, error bodies with stable codes, bounded request bodies.
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The codes of admin API error bodies `{ error: { code, message }, problems? }`. Clients may branch
 * on them. (To move into core's error catalogue with the other codes.)
 */
export const AdminErrorCode = {
  /** No token, or the wrong one, on an API that requires it. */
  Unauthorized: 'ERR_ADMIN_UNAUTHORIZED',
  /** Cross-site request or a non-loopback Host on a token-less admin API. */
  Forbidden: 'ERR_ADMIN_FORBIDDEN',
  NotFound: 'ERR_ADMIN_NOT_FOUND',
  MethodNotAllowed: 'ERR_ADMIN_METHOD_NOT_ALLOWED',
  /** The body is not JSON, or not `Content-Type: application/json`, or too large. */
  BadRequest: 'ERR_ADMIN_BAD_REQUEST',
  /** The posted config failed validation; `problems` lists each. */
  ConfigInvalid: 'ERR_CONFIG_INVALID',
  /** The node refused a valid config (a listener could not bind...); the old one keeps serving. */
  ConfigNotApplied: 'ERR_CONFIG_NOT_APPLIED',
  /** A config push was refused by some node of the cluster (or not answered); nobody applied it. */
  RolloutAborted: 'ERR_CONFIG_ROLLOUT_ABORTED',
  /** A reload from the config file failed; the old config keeps serving. */
  ReloadFailed: 'ERR_ADMIN_RELOAD_FAILED',
  /** The operation exists in the API but this node has no implementation for it yet. */
  NotImplemented: 'ERR_ADMIN_NOT_IMPLEMENTED',
  /** `/events` without a WebSocket upgrade. */
  UpgradeRequired: 'ERR_ADMIN_UPGRADE_REQUIRED',
  Internal: 'ERR_ADMIN_INTERNAL',
} as const;
export type AdminErrorCode = (typeof AdminErrorCode)[keyof typeof AdminErrorCode];

export interface Problem {
  path: string;
  message: string;
}

/** Thrown by handlers to answer with an error status; anything else thrown is a 500. */
export class AdminHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: AdminErrorCode,
    message: string,
    readonly problems?: readonly Problem[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AdminHttpError';
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: AdminHttpError): void {
  sendJson(
    res,
    error.status,
    { error: { code: error.code, message: error.message }, ...(error.problems === undefined ? {} : { problems: error.problems }) },
    error.headers,
  );
}

/**
 * Reads a JSON request body of at most `maxBytes`.
 * @throws AdminHttpError 415 when not `application/json`, 413 when too large, 400 when not JSON.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = req.headers['content-type'];
  // Requiring application/json also means a cross-site <form> cannot post here without a preflight.
  if (type === undefined || !/^application\/json\s*(?:;|$)/i.test(type)) {
    throw new AdminHttpError(415, AdminErrorCode.BadRequest, 'the body must be JSON, sent with Content-Type: application/json');
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new AdminHttpError(413, AdminErrorCode.BadRequest, `the body exceeds ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) throw new AdminHttpError(413, AdminErrorCode.BadRequest, `the body exceeds ${maxBytes} bytes`);
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new AdminHttpError(400, AdminErrorCode.BadRequest, `the body is not valid JSON: ${(err as Error).message}`);
  }
}
