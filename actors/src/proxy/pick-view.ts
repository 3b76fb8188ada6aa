// The request as balancing algorithms may read it: one reusable object per connection, parts read lazily.
import type { PickRequest } from '../balancer/picker.js';
import type { RequestHead } from '../http/index.js';
import { headerValue, type MatchCache } from '../router/index.js';

/**
 * Reset per request with `use`; a picker that reads nothing (round robin) costs nothing, one that
 * hashes a cookie parses the Cookie header once for that request.
 */
export class PickView implements PickRequest {
  sourceIp = '';
  host = '';
  path = '';
  uri = '';
  private head: RequestHead | undefined;
  private cookies: Map<string, string> | undefined;

  constructor(private readonly cache: MatchCache) {}

  use(head: RequestHead, sourceIp: string, path: string): void {
    this.head = head;
    this.sourceIp = sourceIp;
    this.host = head.hostname;
    this.path = path;
    this.uri = head.query === null ? path : `${path}?${head.query}`;
    this.cookies = undefined;
  }

  header(lowerName: string): string | undefined {
    return this.head === undefined ? undefined : headerValue(this.head.headers, lowerName);
  }

  cookie(name: string): string | undefined {
    if (this.cookies === undefined) this.cookies = parseCookies(this.head);
    return this.cookies.get(name);
  }

  query(name: string): string | undefined {
    const params = this.cache.queryParams(this.head?.query ?? '');
    for (let i = 0; i + 1 < params.length; i += 2) if (params[i] === name) return params[i + 1];
    return undefined;
  }
}

/** RFC 6265 §5.4: `Cookie: a=1; b=2`, possibly on several lines; the first of a name wins. */
function parseCookies(head: RequestHead | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (head === undefined) return cookies;
  const headers = head.headers;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i] as string;
    if (name.length !== 6 || name.toLowerCase() !== 'cookie') continue;
    for (const pair of (headers[i + 1] as string).split(';')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const key = pair.slice(0, eq).trim();
      if (!cookies.has(key)) cookies.set(key, pair.slice(eq + 1).trim());
    }
  }
  return cookies;
}
