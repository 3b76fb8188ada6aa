// The read-only request view a router sees: plain fields set once, maps built only when read.
import { headerNameEquals } from '../router/request-facts.js';
import type { RouterRequest, RouterTlsInfo, TestRequestInit } from './router-api.js';

/** A request as plain data: what crosses to a worker thread (structured clone) and back into a view there. */
export interface PlainRequest {
  readonly listener: string;
  readonly method: string;
  readonly path: string;
  readonly rawQuery: string;
  readonly host: string;
  readonly port: number | undefined;
  readonly scheme: 'http' | 'https';
  /** Flat raw `[name, value, ...]`, names as received. */
  readonly headers: readonly string[];
  readonly clientAddress: string;
  readonly peerAddress: string;
  readonly sni: string | undefined;
  readonly alpn: string | undefined;
  readonly isTls: boolean;
  readonly requestId: string;
}

const EMPTY_RECORD: Readonly<Record<string, string>> = Object.freeze({});

/**
 * One object per request, its fields all set in the constructor in one order (one hidden class).
 * Header lookups walk the raw array without allocating; `headers`, `cookies` and `query` are built
 * on first read and kept.
 */
export class RequestView implements RouterRequest {
  private headerMap: Readonly<Record<string, string>> | undefined = undefined;
  private cookieMap: Readonly<Record<string, string>> | undefined = undefined;
  private queryMap: Readonly<Record<string, string>> | undefined = undefined;
  private tlsInfo: RouterTlsInfo | undefined = undefined;

  constructor(
    readonly listener: string,
    readonly method: string,
    readonly path: string,
    readonly rawQuery: string,
    readonly host: string,
    readonly port: number | undefined,
    readonly scheme: 'http' | 'https',
    readonly rawHeaders: readonly string[],
    readonly clientAddress: string,
    readonly peerAddress: string,
    private readonly sni: string | undefined,
    private readonly alpn: string | undefined,
    private readonly isTls: boolean,
    readonly requestId: string,
  ) {}

  static fromPlain(p: PlainRequest): RequestView {
    return new RequestView(p.listener, p.method, p.path, p.rawQuery, p.host, p.port, p.scheme, p.headers, p.clientAddress, p.peerAddress, p.sni, p.alpn, p.isTls, p.requestId);
  }

  /** The same request as plain data, for a worker thread. */
  toPlain(): PlainRequest {
    return {
      listener: this.listener,
      method: this.method,
      path: this.path,
      rawQuery: this.rawQuery,
      host: this.host,
      port: this.port,
      scheme: this.scheme,
      headers: this.rawHeaders,
      clientAddress: this.clientAddress,
      peerAddress: this.peerAddress,
      sni: this.sni,
      alpn: this.alpn,
      isTls: this.isTls,
      requestId: this.requestId,
    };
  }

  get tls(): RouterTlsInfo | undefined {
    if (!this.isTls) return undefined;
    this.tlsInfo ??= Object.freeze({ sni: this.sni, alpn: this.alpn });
    return this.tlsInfo;
  }

  header(name: string): string | undefined {
    const lower = name.toLowerCase();
    const h = this.rawHeaders;
    for (let i = 0; i + 1 < h.length; i += 2) if (headerNameEquals(h[i] as string, lower)) return h[i + 1];
    return undefined;
  }

  get headers(): Readonly<Record<string, string>> {
    if (this.headerMap === undefined) {
      const map: Record<string, string> = Object.create(null) as Record<string, string>;
      const h = this.rawHeaders;
      for (let i = 0; i + 1 < h.length; i += 2) {
        const name = (h[i] as string).toLowerCase();
        const prior = map[name];
        map[name] = prior === undefined ? (h[i + 1] as string) : `${prior}, ${h[i + 1] as string}`;
      }
      this.headerMap = Object.freeze(map);
    }
    return this.headerMap;
  }

  cookie(name: string): string | undefined {
    if (this.cookieMap !== undefined) return this.cookieMap[name];
    const h = this.rawHeaders;
    for (let i = 0; i + 1 < h.length; i += 2) {
      if (!headerNameEquals(h[i] as string, 'cookie')) continue;
      const found = findCookie(h[i + 1] as string, name);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  get cookies(): Readonly<Record<string, string>> {
    if (this.cookieMap === undefined) {
      const map: Record<string, string> = Object.create(null) as Record<string, string>;
      const h = this.rawHeaders;
      for (let i = 0; i + 1 < h.length; i += 2) {
        if (!headerNameEquals(h[i] as string, 'cookie')) continue;
        for (const pair of (h[i + 1] as string).split(';')) {
          const eq = pair.indexOf('=');
          if (eq <= 0) continue;
          const key = pair.slice(0, eq).trim();
          // RFC 6265 §5.4: the first of several same-named cookies is the most specific one.
          if (key.length > 0 && map[key] === undefined) map[key] = unquote(pair.slice(eq + 1).trim());
        }
      }
      this.cookieMap = Object.freeze(map);
    }
    return this.cookieMap;
  }

  get query(): Readonly<Record<string, string>> {
    if (this.queryMap === undefined) {
      if (this.rawQuery.length === 0) {
        this.queryMap = EMPTY_RECORD;
      } else {
        const map: Record<string, string> = Object.create(null) as Record<string, string>;
        for (const [key, value] of new URLSearchParams(this.rawQuery)) if (map[key] === undefined) map[key] = value;
        this.queryMap = Object.freeze(map);
      }
    }
    return this.queryMap;
  }
}

/** The value of cookie `name` in one Cookie field value, without splitting it. */
function findCookie(field: string, name: string): string | undefined {
  let start = 0;
  while (start < field.length) {
    let end = field.indexOf(';', start);
    if (end < 0) end = field.length;
    let i = start;
    while (i < end && (field.charCodeAt(i) === 0x20 || field.charCodeAt(i) === 0x09)) i++;
    if (field.startsWith(name, i) && field.charCodeAt(i + name.length) === 0x3d /* = */ && i + name.length < end) {
      return unquote(field.slice(i + name.length + 1, end).trim());
    }
    start = end + 1;
  }
  return undefined;
}

/** RFC 6265 §4.1.1: a cookie-value may be wrapped in double quotes. */
function unquote(value: string): string {
  return value.length >= 2 && value.charCodeAt(0) === 0x22 && value.charCodeAt(value.length - 1) === 0x22 ? value.slice(1, -1) : value;
}

/** Builds a view from a test request, filling defaults: `GET /` on `web`, host `localhost`, client 127.0.0.1. */
export function viewFromTestRequest(init: TestRequestInit = {}, index = 0): RequestView {
  let path = init.path ?? '/';
  let rawQuery = '';
  const q = path.indexOf('?');
  if (q >= 0) {
    rawQuery = path.slice(q + 1);
    path = path.slice(0, q);
  }
  if (typeof init.query === 'string') rawQuery = init.query.startsWith('?') ? init.query.slice(1) : init.query;
  else if (init.query !== undefined) rawQuery = new URLSearchParams(init.query as Record<string, string>).toString();
  const headers: string[] = [];
  const host = (init.host ?? 'localhost').toLowerCase();
  let hasHost = false;
  for (const [name, value] of Object.entries(init.headers ?? {})) {
    if (name.toLowerCase() === 'host') hasHost = true;
    if (typeof value === 'string') headers.push(name, value);
    else for (const v of value as readonly string[]) headers.push(name, v);
  }
  if (!hasHost) headers.unshift('Host', init.port === undefined ? host : `${host}:${init.port}`);
  if (init.cookies !== undefined) {
    headers.push('Cookie', Object.entries(init.cookies).map(([k, v]) => `${k}=${v}`).join('; '));
  }
  const scheme = init.scheme ?? (init.tls !== undefined ? 'https' : 'http');
  const client = init.clientAddress ?? '127.0.0.1';
  return new RequestView(
    init.listener ?? 'web',
    init.method ?? 'GET',
    path,
    rawQuery,
    host,
    init.port,
    scheme,
    headers,
    client,
    init.peerAddress ?? client,
    init.tls?.sni,
    init.tls?.alpn,
    scheme === 'https',
    init.requestId ?? `test-${index + 1}`,
  );
}
