// The fields sent upstream: the client's, minus hop-by-hop ones, plus the proxy's forwarding fields.
import { filterHopByHop, type RequestHead } from '../http/index.js';
import { headerNameEquals } from '../router/index.js';
import type { ServerRuntime } from './proxy-snapshot.js';

/** The pseudonym this proxy writes in Via, and counts to detect loops. */
export const VIA_PSEUDONYM = 'switchyard';
const VIA_10 = `1.0 ${VIA_PSEUDONYM}`;
const VIA_11 = `1.1 ${VIA_PSEUDONYM}`;

/** Per-request inputs that are not in the head. */
export interface ForwardingFacts {
  /** Value for Host upstream. */
  hostHeader: string;
  /** The TCP peer. */
  peerIp: string;
  /** Whether the peer is a trusted proxy (its X-Forwarded-* and Forwarded are kept and extended). */
  isPeerTrusted: boolean;
  /** The client address that counts: the peer, or the first untrusted hop in a trusted chain. */
  clientIp: string;
  scheme: 'http' | 'https';
  requestId: string;
  /** Whether the client sent the request id field itself. */
  hasRequestId: boolean;
}

/**
 * Builds the upstream field list (ARCHITECTURE §8 rules 3 and 5): hop-by-hop fields and every
 * field named in Connection go, except framing, Host and the fields the proxy sets; then
 * X-Forwarded-For is appended to (never trusted to be the only source of truth), X-Forwarded-Proto
 * and -Host are overwritten unless the peer is a trusted proxy, Via is appended, Host is set.
 */
export function buildUpstreamFields(head: RequestHead, server: ServerRuntime, facts: ForwardingFacts): string[] {
  const fields = filterHopByHop(head.headers, head.connectionTokens, server.protectedFields);
  let xff: string | undefined;
  let forwarded: string | undefined;
  let via: string | undefined;
  let xfp: string | undefined;
  let xfh: string | undefined;
  // Compact in place: drop what we rewrite, remember what we extend.
  let w = 0;
  for (let r = 0; r < fields.length; r += 2) {
    const name = fields[r] as string;
    const value = fields[r + 1] as string;
    switch (name.length) {
      case 4:
        if (headerNameEquals(name, 'host')) continue;
        break;
      case 3:
        if (server.via && headerNameEquals(name, 'via')) {
          via = via === undefined ? value : `${via}, ${value}`;
          continue;
        }
        break;
      case 9:
        if (server.forwarded && headerNameEquals(name, 'forwarded')) {
          if (facts.isPeerTrusted) forwarded = forwarded === undefined ? value : `${forwarded}, ${value}`;
          continue;
        }
        if (server.xRealIp && headerNameEquals(name, 'x-real-ip')) continue;
        break;
      case 15:
        if (server.xForwardedFor && headerNameEquals(name, 'x-forwarded-for')) {
          if (facts.isPeerTrusted) xff = xff === undefined ? value : `${xff}, ${value}`;
          continue;
        }
        break;
      case 16:
        if (server.xForwardedHost && headerNameEquals(name, 'x-forwarded-host')) {
          if (facts.isPeerTrusted && xfh === undefined) xfh = value;
          continue;
        }
        break;
      case 17:
        if (server.xForwardedProto && headerNameEquals(name, 'x-forwarded-proto')) {
          if (facts.isPeerTrusted && xfp === undefined) xfp = value;
          continue;
        }
        break;
    }
    fields[w++] = name;
    fields[w++] = value;
  }
  fields.length = w;
  fields.unshift('Host', facts.hostHeader);
  if (server.xForwardedFor) fields.push('X-Forwarded-For', xff === undefined ? facts.peerIp : `${xff}, ${facts.peerIp}`);
  if (server.xForwardedProto) fields.push('X-Forwarded-Proto', xfp ?? facts.scheme);
  if (server.xForwardedHost && head.host !== '') fields.push('X-Forwarded-Host', xfh ?? head.host);
  if (server.xRealIp) fields.push('X-Real-IP', facts.clientIp);
  if (server.forwarded) {
    const element = forwardedElement(facts.peerIp, facts.scheme, head.host);
    fields.push('Forwarded', forwarded === undefined ? element : `${forwarded}, ${element}`);
  }
  if (server.via) {
    const own = head.versionMinor === 1 ? VIA_11 : VIA_10;
    fields.push('Via', via === undefined ? own : `${via}, ${own}`);
  }
  if (!facts.hasRequestId) fields.push(server.requestIdHeader, facts.requestId);
  return fields;
}

/** RFC 7239 §4: `for=` with IPv6 in quoted brackets, `host=` quoted when it has a colon. */
function forwardedElement(ip: string, proto: string, host: string): string {
  const forPart = ip.includes(':') ? `for="[${ip}]"` : `for=${ip}`;
  if (host === '') return `${forPart};proto=${proto}`;
  const hostPart = /^[A-Za-z0-9.-]+$/.test(host) ? host : `"${host}"`;
  return `${forPart};proto=${proto};host=${hostPart}`;
}

/** How many times a request already passed through a Switchyard, counted from its Via fields. */
export function viaHops(headers: readonly string[]): number {
  let hops = 0;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (!headerNameEquals(headers[i] as string, 'via')) continue;
    const value = headers[i + 1] as string;
    let from = value.indexOf(VIA_PSEUDONYM);
    while (from >= 0) {
      hops++;
      from = value.indexOf(VIA_PSEUDONYM, from + VIA_PSEUDONYM.length);
    }
  }
  return hops;
}

/**
 * The client address that counts when the peer is trusted: walking X-Forwarded-For from the right,
 * the first address that is not itself a trusted proxy (as nginx's real_ip_recursive).
 */
export function clientIpFrom(headers: readonly string[], peerIp: string, isTrusted: (ip: string) => boolean): string {
  let chain: string | undefined;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (headerNameEquals(headers[i] as string, 'x-forwarded-for')) {
      const value = headers[i + 1] as string;
      chain = chain === undefined ? value : `${chain}, ${value}`;
    }
  }
  if (chain === undefined) return peerIp;
  const hops = chain.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = (hops[i] as string).trim();
    if (hop === '') continue;
    if (!isTrusted(hop)) return hop;
  }
  return peerIp;
}
