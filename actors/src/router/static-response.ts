// The fixed response of a `respond` route, built once per config load.
import type { RespondConfig } from '@switchyard/config';

/** A prebuilt response: the writer adds framing (Content-Length) and the proxy's own fields. */
export interface StaticResponse {
  readonly status: number;
  /** Flat `[name, value, ...]`, names lower-case. */
  readonly headers: readonly string[];
  readonly body: Buffer;
}

/** RFC 9110 §5.5 field-value: visible ASCII, obs-text, SP and HTAB; never CR, LF or NUL. */
function isValidFieldValue(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff) return false;
  }
  return true;
}

const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection']);

/**
 * Builds the response of a `respond` action: the body encoded as UTF-8 once, the configured fields
 * in config order, and `content-type: text/plain; charset=utf-8` when there is a body and no
 * content-type was given (as nginx's `default_type` for `return 200 "text"`).
 * @throws Error for a field value with CR, LF or other control characters (it would split the
 *   head), or a framing field, which the writer owns.
 */
export function buildStaticResponse(routeName: string, cfg: Readonly<RespondConfig>): StaticResponse {
  const headers: string[] = [];
  let hasContentType = false;
  for (const [rawName, value] of Object.entries(cfg.headers ?? {})) {
    const name = rawName.toLowerCase();
    if (FRAMING.has(name)) throw new Error(`route "${routeName}": respond.headers may not set ${name}; the proxy frames the response`);
    if (!isValidFieldValue(value)) throw new Error(`route "${routeName}": respond.headers.${name} holds a control character`);
    if (name === 'content-type') hasContentType = true;
    headers.push(name, value.trim());
  }
  const body = Buffer.from(cfg.body ?? '', 'utf8');
  if (body.length > 0 && !hasContentType) headers.push('content-type', 'text/plain; charset=utf-8');
  return Object.freeze({ status: cfg.status, headers: Object.freeze(headers), body });
}
