// Who may use the admin API: a bearer token off loopback, and no cross-site or rebound-DNS requests on it.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, IPv4-mapped loopback, `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** The outcome of checking a request's credentials. */
export type AuthOutcome = 'ok' | 'missing' | 'invalid';

/**
 * Checks `Authorization: Bearer <token>` (RFC 6750 §2.1), or the `access_token` query parameter
 * (§2.3) when `allowQueryToken` is set: browsers cannot put headers on a WebSocket handshake.
 * Comparison is constant-time (on digests, so the length does not leak either).
 */
export function checkBearer(req: IncomingMessage, token: string, query: URLSearchParams | undefined): AuthOutcome {
  let presented: string | undefined;
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    presented = m?.[1] ?? '';
  } else if (query !== undefined) {
    presented = query.get('access_token') ?? undefined;
  }
  if (presented === undefined) return 'missing';
  return timingSafeEqual(digest(presented), digest(token)) ? 'ok' : 'invalid';
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * A browser page on another site may send requests to a loopback admin port: a form POST, a
 * WebSocket, or a fetch after rebinding its own DNS name to 127.0.0.1. Refuse a request whose
 * `Origin` is not the admin server itself, and, when no token protects the API, a `Host` that is
 * not a loopback name (a rebound name is not).
 * @returns why the request is refused, or undefined when it may go on.
 */
export function crossSiteRefusal(req: IncomingMessage, hasToken: boolean): string | undefined {
  const host = req.headers.host;
  if (!hasToken && (host === undefined || !isLoopbackHost(hostnameOf(host)))) {
    return 'the admin API without a token answers only requests addressed to a loopback name (Host header)';
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      return 'invalid Origin header';
    }
    if (host === undefined || originHost.toLowerCase() !== host.toLowerCase()) return `cross-origin request from ${origin} refused`;
  } else if (origin === 'null') {
    return 'requests from an opaque origin are refused';
  }
  return undefined;
}

/** `example.com:9901` → `example.com`; `[::1]:9901` → `::1`. */
function hostnameOf(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end < 0 ? host : host.slice(1, end);
  }
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}
