// Writes a response head for a client afresh, with exactly the framing the proxy decided on.
import type { ResponseFraming } from './body-framing.js';
import { serializeHeadText, statusLine } from './head-serializer.js';
import { statusText } from './status-text.js';

const HTTP_10 = 'HTTP/1.0';
const HTTP_11 = 'HTTP/1.1';

/**
 * Serializes `HTTP/1.x SP status SP reason CRLF`, the fields, at most one framing line and the final
 * CRLF into one latin1 string (for `socket.write(text, 'latin1')`). Framing comes from `framing` alone (Content-Length / Transfer-Encoding in
 * `headers` are skipped): 'length' → Content-Length (also right for answers to HEAD and for 304, where
 * it describes the representation), 'chunked' → Transfer-Encoding: chunked, and 'none', 'until-close',
 * 'tunnel' → no framing line. A 1xx or 204 never gets one (RFC 9110 §8.6, RFC 9112 §6.1: MUST NOT),
 * whatever `framing` says. `reason` defaults to the standard phrase.
 *
 * Returns null for a status outside 100-599, a forbidden byte in the reason, a name or a value, or
 * chunked framing towards an HTTP/1.0 client (send 'until-close' with Connection: close instead).
 */
export function writeResponseHeadText(
  status: number,
  reason: string | undefined,
  versionMinor: 0 | 1,
  headers: readonly string[],
  framing: ResponseFraming,
): string | null {
  if (!Number.isInteger(status) || status < 100 || status > 599) return null;
  const mayFrame = status >= 200 && status !== 204;
  const contentLength = mayFrame && framing.kind === 'length' ? framing.length : -1;
  const chunked = mayFrame && framing.kind === 'chunked';
  if (chunked && versionMinor === 0) return null;
  const line = statusLine(versionMinor === 1 ? HTTP_11 : HTTP_10, status, reason ?? statusText(status));
  if (line === null) return null;
  return serializeHeadText(line, headers, contentLength, chunked);
}
