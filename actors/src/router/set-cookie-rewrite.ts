// Rewrites the Domain and Path attributes of upstream Set-Cookie values (ProxyPassReverseCookie*).

/** The route's `rewriteCookie` block: what to put in the Domain and Path attributes. */
export interface SetCookieRewrite {
  /** New Domain attribute value; `''` removes the attribute (a host-only cookie). */
  readonly domain?: string | undefined;
  /** New Path attribute value. */
  readonly path?: string | undefined;
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** Whether `s[start, end)` equals `lower` ignoring ASCII case. */
function nameIs(s: string, start: number, end: number, lower: string): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    if ((s.charCodeAt(start + i) | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Rewrites one `Set-Cookie` value (RFC 6265 §4.1): every `Domain` attribute gets `opts.domain` as its
 * value, or is removed with its `;` when `opts.domain` is `''`; every `Path` attribute gets
 * `opts.path`. Attribute names match ignoring case and keep their spelling; the cookie pair and all
 * other attributes (Expires, Max-Age, Secure, HttpOnly, SameSite, ...) are left exactly as they are.
 * An attribute that is absent is not added. Returns `value` itself when nothing changes.
 * @example
 * rewriteSetCookie('sid=1; Domain=backend.internal; Path=/v2; HttpOnly', { domain: 'example.com', path: '/' })
 * // 'sid=1; Domain=example.com; Path=/; HttpOnly'
 */
export function rewriteSetCookie(value: string, opts: SetCookieRewrite): string {
  const domain = opts.domain;
  const path = opts.path;
  if (domain === undefined && path === undefined) return value;
  const n = value.length;
  let out = '';
  let copied = 0;
  let changed = false;
  let semi = value.indexOf(';');
  while (semi >= 0) {
    const segStart = semi + 1;
    let segEnd = value.indexOf(';', segStart);
    const next = segEnd;
    if (segEnd < 0) segEnd = n;
    let nameStart = segStart;
    while (nameStart < segEnd && isWhitespace(value.charCodeAt(nameStart))) nameStart++;
    let eq = value.indexOf('=', nameStart);
    if (eq < 0 || eq > segEnd) eq = segEnd;
    let nameEnd = eq;
    while (nameEnd > nameStart && isWhitespace(value.charCodeAt(nameEnd - 1))) nameEnd--;
    if (domain !== undefined && nameIs(value, nameStart, nameEnd, 'domain')) {
      if (domain === '') {
        out += value.slice(copied, semi); // drop from this ';' to the segment end
      } else {
        out += value.slice(copied, nameEnd) + (eq < segEnd ? value.slice(nameEnd, eq + 1) : '=') + domain;
      }
      copied = segEnd;
      changed = true;
    } else if (path !== undefined && nameIs(value, nameStart, nameEnd, 'path')) {
      out += value.slice(copied, nameEnd) + (eq < segEnd ? value.slice(nameEnd, eq + 1) : '=') + path;
      copied = segEnd;
      changed = true;
    }
    semi = next;
  }
  return changed ? out + value.slice(copied) : value;
}

/** A route's precompiled `rewriteCookie`: `rewrite(value)` per Set-Cookie field. */
export class SetCookieRewriter {
  readonly domain: string | undefined;
  readonly path: string | undefined;

  constructor(opts: SetCookieRewrite) {
    this.domain = opts.domain;
    this.path = opts.path;
  }

  rewrite(value: string): string {
    return rewriteSetCookie(value, this);
  }
}
