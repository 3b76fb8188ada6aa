// Writes a request head for an upstream afresh, with exactly the framing the proxy decided on.
import type { BodyFraming } from './body-framing.js';
import { requestLine, serializeHeadText } from './head-serializer.js';

const HTTP_10 = 'HTTP/1.0';
const HTTP_11 = 'HTTP/1.1';

/**
 * Serializes `method SP target SP HTTP/1.x CRLF`, the fields, one framing line and the final CRLF into
 * one latin1 string (ARCHITECTURE §8 rule 1: written afresh, never copied). `headers` should already be
 * filtered with `filterHopByHop` and carry the proxy's own fields; any Content-Length or
 * Transfer-Encoding in it is skipped, and the framing line comes from `framing` alone:
 * 'length' → `Content-Length: n`, 'chunked' → `Transfer-Encoding: chunked`, 'none' → no framing line
 * (RFC 9110 §8.6: a request without content should not send Content-Length).
 *
 * Returns null when a byte is not allowed where it would be written (CR/LF/CTL in a value, a non-token
 * name or method, SP or CTL in the target), or when chunked framing is asked of HTTP/1.0, which has
 * no chunked coding (RFC 9112 §6.1). The caller answers 502 rather than sending a broken head.
 */
export function writeRequestHeadText(
  method: string,
  target: string,
  versionMinor: 0 | 1,
  headers: readonly string[],
  framing: BodyFraming,
): string | null {
  if (framing.kind === 'chunked' && versionMinor === 0) return null;
  const line = requestLine(method, target, versionMinor === 1 ? HTTP_11 : HTTP_10);
  if (line === null) return null;
  return serializeHeadText(line, headers, framing.kind === 'length' ? framing.length : -1, framing.kind === 'chunked');
}
