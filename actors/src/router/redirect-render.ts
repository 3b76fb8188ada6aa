// Renders a route's redirect `location` template against the request, from parts compiled once.
import { parseLocationTemplate, type LocationPart, type LocationToken } from '@switchyard/config';
import type { RequestFacts } from './request-facts.js';

const TEXT = 0;
const SCHEME = 1;
const HOST = 2;
const PORT = 3;
const AUTHORITY = 4;
const PATH = 5;
const QUERY = 6;
const URI = 7;

const TOKEN_CODES: Readonly<Record<LocationToken, number>> = {
  scheme: SCHEME,
  host: HOST,
  port: PORT,
  authority: AUTHORITY,
  path: PATH,
  query: QUERY,
  uri: URI,
};

/** `host` ready for an authority: an IPv6 literal gets its brackets if it has none. */
function authorityHost(host: string): string {
  return host.indexOf(':') >= 0 && host.charCodeAt(0) !== 0x5b ? `[${host}]` : host;
}

/**
 * A compiled redirect: the status and a renderer of the `location` template (see
 * `LOCATION_TOKENS` in @switchyard/config for the tokens). Values come from `RequestFacts`:
 * - `${host}` is the lower-cased host without port; `${authority}` is that host plus `:port` when the
 *   client gave a port (rebuilt from the facts, so lower-cased);
 * - `${port}` is the client's port, else the listener's configured port, else 80/443 by scheme
 *   (a listener on port 0 has no known port);
 * - `${path}` is the normalized path the router matched on (the same path that would be forwarded);
 * - `${query}` is `?` + the raw query, or '' without one; `${uri}` is `${path}${query}`.
 * @example
 * const r = new RedirectTemplate(301, 'https://${host}${uri}', new Map());
 * r.render(facts) // 'https://www.example.com/a?b=1'
 */
export class RedirectTemplate {
  readonly status: number;
  private readonly codes: Uint8Array;
  private readonly texts: readonly string[];
  private readonly listenerPorts: ReadonlyMap<string, number>;

  /**
   * @param listenerPorts listener name → configured port, for `${port}` when the Host has none.
   * @throws Error when the template does not parse (the config schema already refuses those).
   */
  constructor(status: number, location: string, listenerPorts: ReadonlyMap<string, number>) {
    const parts = parseLocationTemplate(location);
    if (typeof parts === 'string') throw new Error(parts);
    this.status = status;
    this.codes = Uint8Array.from(parts, (p: LocationPart) => (p.kind === 'text' ? TEXT : TOKEN_CODES[p.token]));
    this.texts = parts.map((p) => (p.kind === 'text' ? p.text : ''));
    this.listenerPorts = listenerPorts;
  }

  /** The Location value for this request. */
  render(facts: RequestFacts): string {
    const codes = this.codes;
    let out = '';
    for (let i = 0; i < codes.length; i++) {
      switch (codes[i]) {
        case TEXT:
          out += this.texts[i] as string;
          break;
        case SCHEME:
          out += facts.scheme;
          break;
        case HOST:
          out += facts.host;
          break;
        case PORT:
          out += String(this.portOf(facts));
          break;
        case AUTHORITY:
          out += facts.port === undefined ? authorityHost(facts.host) : `${authorityHost(facts.host)}:${facts.port}`;
          break;
        case PATH:
          out += facts.path;
          break;
        case QUERY:
          if (facts.rawQuery.length > 0) out += `?${facts.rawQuery}`;
          break;
        case URI:
          out += facts.rawQuery.length > 0 ? `${facts.path}?${facts.rawQuery}` : facts.path;
          break;
      }
    }
    return out;
  }

  private portOf(facts: RequestFacts): number {
    if (facts.port !== undefined) return facts.port;
    const listenerPort = this.listenerPorts.get(facts.listener);
    if (listenerPort !== undefined && listenerPort !== 0) return listenerPort;
    return facts.scheme === 'https' ? 443 : 80;
  }
}
