// chocon-style dynamic forwarding: derives the upstream host from the request Host and checks it.
import type { ForwardDynamicConfig, UpstreamTimeoutsConfig, UpstreamTlsConfig } from '@switchyard/config';
import { parseIpv4 } from './ip-address.js';

/** Why a Host was refused; stable strings for logs and metrics. Answer 400 (or 403 for not-allowed). */
export const DynamicUpstreamRefusal = {
  /** The Host does not end with the route's hostSuffix. */
  NoSuffix: 'no-suffix',
  /** Nothing is left once the suffix is removed. */
  Empty: 'empty',
  /** What is left still ends with the suffix (`a.sfx.sfx`): a loop through the proxy. */
  Loop: 'loop',
  /** What is left is neither a valid DNS name nor an IPv4 address. */
  InvalidHost: 'invalid-host',
  /** A valid host that no `allow` pattern admits. */
  NotAllowed: 'not-allowed',
} as const;
export type DynamicUpstreamRefusal = (typeof DynamicUpstreamRefusal)[keyof typeof DynamicUpstreamRefusal];

export type DynamicUpstreamResult =
  | { readonly ok: true; readonly host: string; readonly port: number; readonly scheme: 'http' | 'https'; readonly key: string }
  | { readonly ok: false; readonly reason: DynamicUpstreamRefusal };

/** Most distinct allowed hosts remembered per route; the cache is emptied when full. */
const RESULT_CACHE_SIZE = 512;

const REFUSED: Readonly<Record<DynamicUpstreamRefusal, DynamicUpstreamResult>> = Object.freeze({
  'no-suffix': Object.freeze({ ok: false, reason: 'no-suffix' }),
  empty: Object.freeze({ ok: false, reason: 'empty' }),
  loop: Object.freeze({ ok: false, reason: 'loop' }),
  'invalid-host': Object.freeze({ ok: false, reason: 'invalid-host' }),
  'not-allowed': Object.freeze({ ok: false, reason: 'not-allowed' }),
});

/** A route's `forwardDynamic`, compiled once: suffix, allow lists, port, and a small result cache. */
export class CompiledForwardDynamic {
  /** Lower-cased, with its leading '.'. */
  readonly hostSuffix: string;
  readonly scheme: 'http' | 'https';
  readonly port: number;
  readonly tls: Readonly<Omit<UpstreamTlsConfig, 'servername'>> | undefined;
  readonly timeouts: Readonly<UpstreamTimeoutsConfig>;
  /** Exact allowed names (and the only way to allow an IP literal). */
  readonly allowExact: ReadonlySet<string>;
  /** `.example.com` for each `*.example.com` allow pattern. */
  readonly allowSuffixes: readonly string[];
  /** Results for allowed hosts, by the Host they came from: a hit allocates nothing. */
  readonly cache = new Map<string, DynamicUpstreamResult>();

  constructor(cfg: Readonly<ForwardDynamicConfig>) {
    this.hostSuffix = cfg.hostSuffix.toLowerCase();
    this.scheme = cfg.scheme;
    this.port = cfg.port ?? (cfg.scheme === 'https' ? 443 : 80);
    this.tls = cfg.tls;
    this.timeouts = cfg.timeouts;
    const exact = new Set<string>();
    const suffixes: string[] = [];
    for (const p of cfg.allow) {
      const lower = p.toLowerCase();
      if (lower.startsWith('*.')) suffixes.push(lower.slice(1));
      else exact.add(lower);
    }
    this.allowExact = exact;
    this.allowSuffixes = suffixes;
  }

  /** `resolveDynamicUpstream(host, this)`. */
  resolve(host: string): DynamicUpstreamResult {
    return resolveDynamicUpstream(host, this);
  }
}

/** Whether `s` ends with `lowerSuffix`, ignoring ASCII case. */
function endsWithIgnoreCase(s: string, lowerSuffix: string): boolean {
  const off = s.length - lowerSuffix.length;
  if (off < 0) return false;
  for (let i = 0; i < lowerSuffix.length; i++) {
    const c = s.charCodeAt(off + i);
    const t = lowerSuffix.charCodeAt(i);
    if (c !== t && ((c | 0x20) !== t || t < 0x61 || t > 0x7a)) return false;
  }
  return true;
}

const NAME = 1;
const IPV4 = 2;

/**
 * Classifies a lower-cased remainder: a DNS name (labels of letters, digits, '-' and '_', 1-63 long,
 * not starting with '-' nor ending with '-' or '_', 253 at most, as the config's host patterns), an
 * IPv4 address, or neither (0). A name whose last label is all digits or `0x...` must be a strict
 * dotted quad, so `127.1` or `0x7f.0.0.1` cannot pose as a name.
 */
function classify(h: string): number {
  const n = h.length;
  if (n === 0 || n > 253) return 0;
  let labelStart = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? h.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      const len = i - labelStart;
      if (len === 0 || len > 63) return 0;
      const first = h.charCodeAt(labelStart);
      const last = h.charCodeAt(i - 1);
      if (first === 0x2d || last === 0x2d || last === 0x5f) return 0;
      labelStart = i + 1;
      continue;
    }
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f)) return 0;
  }
  const lastStart = h.lastIndexOf('.') + 1;
  let numeric = true;
  for (let i = lastStart; i < n; i++) {
    const c = h.charCodeAt(i);
    if (c < 0x30 || c > 0x39) {
      numeric = false;
      break;
    }
  }
  const hexLike = n - lastStart > 1 && h.charCodeAt(lastStart) === 0x30 && h.charCodeAt(lastStart + 1) === 0x78;
  if (!numeric && !hexLike) return NAME;
  return parseIpv4(h, 0, n) >= 0 ? IPV4 : 0;
}

/**
 * Derives the upstream of a chocon-style request: the Host (without port) minus the route's
 * `hostSuffix` (compared ignoring case) is the upstream host, e.g. `s3.amazonaws.com.ccnproxy-https`
 * with suffix `.ccnproxy-https` → `s3.amazonaws.com`. Refused (never forwarded):
 * - a Host without the suffix, or with nothing before it;
 * - a remainder that still ends with the suffix (`x.sfx.sfx` would loop through the proxy);
 * - a remainder that is not a valid DNS name or IPv4 address;
 * - a remainder no `allow` pattern admits: exact names, or `*.suffix` (one or more labels before
 *   `.suffix`, not the apex). An IP literal is admitted only by an exact pattern naming it, never by
 *   a wildcard: an open dynamic proxy is an SSRF hole.
 * The port is the route's, else 80/443 by scheme; `key` (`scheme://host:port`) names the connection
 * pool. Allowed results are cached per Host, so the steady state allocates nothing.
 * @example
 * resolveDynamicUpstream('s3.amazonaws.com.ccnproxy-https', compiled)
 * // { ok: true, host: 's3.amazonaws.com', port: 443, scheme: 'https', key: 'https://s3.amazonaws.com:443' }
 */
export function resolveDynamicUpstream(host: string, compiled: CompiledForwardDynamic): DynamicUpstreamResult {
  const cached = compiled.cache.get(host);
  if (cached !== undefined) return cached;
  const suffix = compiled.hostSuffix;
  if (!endsWithIgnoreCase(host, suffix)) return REFUSED['no-suffix'];
  let rest = host.slice(0, host.length - suffix.length);
  if (rest.length === 0) return REFUSED.empty;
  if (endsWithIgnoreCase(rest, suffix)) return REFUSED.loop;
  if (rest !== rest.toLowerCase()) rest = rest.toLowerCase();
  const kind = classify(rest);
  if (kind === 0) return REFUSED['invalid-host'];
  let allowed = compiled.allowExact.has(rest);
  if (!allowed && kind === NAME) {
    const suffixes = compiled.allowSuffixes;
    for (let i = 0; i < suffixes.length; i++) {
      const s = suffixes[i] as string;
      if (rest.length > s.length && rest.endsWith(s)) {
        allowed = true;
        break;
      }
    }
  }
  if (!allowed) return REFUSED['not-allowed'];
  const result: DynamicUpstreamResult = Object.freeze({
    ok: true,
    host: rest,
    port: compiled.port,
    scheme: compiled.scheme,
    key: `${compiled.scheme}://${rest}:${compiled.port}`,
  });
  if (compiled.cache.size >= RESULT_CACHE_SIZE) compiled.cache.clear();
  compiled.cache.set(host, result);
  return result;
}
