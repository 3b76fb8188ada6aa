// Reason phrases, and the static error responses the proxy sends when it refuses or cannot serve a request.
import { TCHAR } from './char-classes.js';

/** RFC 9110 §15 reason phrases (plus 429, 431 from RFC 6585 and 508 from RFC 5842). */
export const STATUS_TEXT: { readonly [status: number]: string } = Object.freeze({
  100: 'Continue',
  101: 'Switching Protocols',
  103: 'Early Hints',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  203: 'Non-Authoritative Information',
  204: 'No Content',
  205: 'Reset Content',
  206: 'Partial Content',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  421: 'Misdirected Request',
  422: 'Unprocessable Content',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
  508: 'Loop Detected',
});

/** The reason phrase for a status, or "" for one we do not know (an empty reason is valid, RFC 9112 §4). */
export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? '';
}

/** The statuses whose error responses are built once at load (ARCHITECTURE §8: refusals and upstream failures). */
export const STATIC_ERROR_STATUSES = [400, 408, 413, 414, 431, 501, 502, 503, 504, 505, 508] as const;
export type StaticErrorStatus = (typeof STATIC_ERROR_STATUSES)[number];

const staticResponses = new Map<number, Buffer>();
for (const status of STATIC_ERROR_STATUSES) staticResponses.set(status, buildErrorResponse(status, null, ''));

/**
 * A complete error response: status line, `Content-Type: text/plain`, `Content-Length`,
 * `Connection: close` (the proxy closes after every refusal, RFC 9112 §9.6), `Cache-Control: no-store`
 * and a one-line body such as "400 Bad Request\n". Without a request id, the listed statuses return a
 * shared Buffer built once at load: write it, never modify it. With one, a fresh Buffer also carries
 * `<requestIdHeader>: <requestId>`; an id that is not a plain token (1-128 visible characters) is left out
 * rather than risk header injection. There is no Date field (it would defeat the static buffers).
 *
 * @example
 * socket.end(errorResponse(431, requestId));
 */
export function errorResponse(status: number, requestId?: string, requestIdHeader = 'X-Request-Id'): Buffer {
  const hasId = requestId !== undefined && isSafeId(requestId) && isSafeId(requestIdHeader);
  if (!hasId) {
    const cached = staticResponses.get(status);
    if (cached !== undefined) return cached;
  }
  return buildErrorResponse(status, hasId ? requestId : null, requestIdHeader);
}

function buildErrorResponse(status: number, requestId: string | null, requestIdHeader: string): Buffer {
  const reason = statusText(status);
  const body = `${status} ${reason}\n`;
  const idLine = requestId === null ? '' : `${requestIdHeader}: ${requestId}\r\n`;
  const head =
    `HTTP/1.1 ${status} ${reason}\r\n` +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${body.length}\r\n` +
    'Connection: close\r\n' +
    'Cache-Control: no-store\r\n' +
    idLine +
    '\r\n';
  return Buffer.from(head + body, 'latin1');
}

/** A request id or header name we can write verbatim: 1-128 tchar bytes. */
function isSafeId(s: string): boolean {
  if (s.length === 0 || s.length > 128) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f || TCHAR[c] !== 1) return false;
  }
  return true;
}
