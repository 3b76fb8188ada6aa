// Scalar value syntaxes shared by the config schema: durations, sizes, addresses, CIDRs, names, patterns.
import { isIP } from 'node:net';
import { z } from 'zod';

const DURATION_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
// Units are lower-case only (`1M` could mean month or minute). No `i` flag: JSON Schema patterns carry no flags.
const DURATION_RE = /^\s*(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h|d)\s*)+$|^\s*\d+\s*$/;
const DURATION_PART_RE = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/g;

/**
 * Parses a duration into integer milliseconds, or returns undefined when the text is not one.
 * Accepts `500ms`, `2s`, `1.5m`, `1h`, `1d`, compounds such as `1m30s`, and bare digits (milliseconds).
 * @example parseDuration('1m30s') // 90000
 */
export function parseDuration(text: string): number | undefined {
  if (!DURATION_RE.test(text)) return undefined;
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  let totalMs = 0;
  for (const m of trimmed.matchAll(DURATION_PART_RE)) {
    const unit = (m[2] ?? 'ms') as keyof typeof DURATION_UNITS_MS;
    totalMs += Number(m[1]) * DURATION_UNITS_MS[unit];
  }
  return Math.round(totalMs);
}

const SIZE_UNITS = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as const;
const SIZE_RE = /^\s*(\d+(?:\.\d+)?)\s*(?:([bB])|([kKmMgG])(?:[iI]?[bB])?)?\s*$/;

/**
 * Parses a size into integer bytes (1024-based), or returns undefined when the text is not one.
 * Accepts `512`, `512b`, `16k`, `16kb`, `16KiB`, `10m`, `10mb`, `1gb`, case-insensitive.
 * @example parseSize('16kb') // 16384
 */
export function parseSize(text: string): number | undefined {
  const m = SIZE_RE.exec(text);
  if (m === null) return undefined;
  const unit = (m[3] ?? m[2] ?? 'b').toLowerCase() as keyof typeof SIZE_UNITS;
  return Math.round(Number(m[1]) * SIZE_UNITS[unit]);
}

/** A duration: `"500ms"`, `"2s"`, `"1m"`, `"1h"`, `"1m30s"`, or a number of milliseconds. Output: integer ms. */
export const Duration = z
  .union(
    [
      z.number().int().nonnegative(),
      z.string().regex(DURATION_RE, {
        error: (iss) => `invalid duration ${JSON.stringify(iss.input)}: use e.g. "500ms", "2s", "1m", "1h" or a number of milliseconds`,
      }),
    ],
    { error: 'expected a duration such as "500ms", "2s", "1m", "1h", or a non-negative integer number of milliseconds' },
  )
  .transform((v) => (typeof v === 'number' ? v : (parseDuration(v) as number)))
  .describe('Duration: "500ms", "2s", "1m", "1h", "1m30s", or integer milliseconds.');
export type Duration = z.output<typeof Duration>;

/** A size: `"16kb"`, `"10mb"`, `"1gb"` (1024-based, also `k`, `m`, `g`), or a number of bytes. Output: integer bytes. */
export const Size = z
  .union(
    [
      z.number().int().nonnegative(),
      z.string().regex(SIZE_RE, {
        error: (iss) => `invalid size ${JSON.stringify(iss.input)}: use e.g. "512b", "16kb", "10mb", "1gb" or a number of bytes`,
      }),
    ],
    { error: 'expected a size such as "16kb", "10mb", "1gb", or a non-negative integer number of bytes' },
  )
  .transform((v) => (typeof v === 'number' ? v : (parseSize(v) as number)))
  .describe('Size (1024-based): "512b", "16kb", "10mb", "1gb", or integer bytes.');
export type Size = z.output<typeof Size>;

/** A normalized network address. `text` keeps what the user wrote. */
export interface Address {
  /** Hostname or IP, without brackets. `0.0.0.0` when the user wrote `:port`. */
  host: string;
  port: number;
  text: string;
}

const ADDRESS_RE = /^(?:\[([^\]]+)\]|([^\s:[\]/]*)):(\d{1,5})$/;
const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?';
const HOSTNAME_RE = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*\\.?$`);

/** Parses `host:port`, `[v6]:port` or `:port`; returns an error message string when invalid. */
export function parseAddress(text: string, opts: { requireHost: boolean; allowPortZero: boolean }): Address | string {
  const m = ADDRESS_RE.exec(text);
  if (m === null) return `invalid address ${JSON.stringify(text)}: expected "host:port", "[ipv6]:port" or ":port"`;
  const [, v6, name, portText] = m;
  const port = Number(portText);
  const min = opts.allowPortZero ? 0 : 1;
  if (port < min || port > 65535) return `invalid port ${port} in ${JSON.stringify(text)}: must be ${min}-65535`;
  if (v6 !== undefined) {
    if (isIP(v6) !== 6) return `invalid IPv6 address "${v6}" in ${JSON.stringify(text)}`;
    return { host: v6.toLowerCase(), port, text };
  }
  if (name === undefined || name === '') {
    if (opts.requireHost) return `address ${JSON.stringify(text)} needs a host ("host:port")`;
    // nginx `listen 8080` semantics: all IPv4 interfaces; write "[::]:8080" for IPv6.
    return { host: '0.0.0.0', port, text };
  }
  if (isIP(name) === 0 && !HOSTNAME_RE.test(name)) return `invalid host "${name}" in ${JSON.stringify(text)}`;
  return { host: name.toLowerCase(), port, text };
}

function addressSchema(opts: { requireHost: boolean; allowPortZero: boolean }, description: string) {
  return z
    .string()
    .regex(ADDRESS_RE, { error: (iss) => `invalid address ${JSON.stringify(iss.input)}: expected "host:port", "[ipv6]:port" or ":port"` })
    .transform((text, ctx): Address => {
      const parsed = parseAddress(text, opts);
      if (typeof parsed === 'string') {
        ctx.issues.push({ code: 'custom', message: parsed, input: text });
        return z.NEVER;
      }
      return parsed;
    })
    .describe(description);
}

/** A listening address: `host:port`, `[::1]:port`, or `:port` (all IPv4 interfaces). Port 0 = ephemeral. */
export const ListenAddress = addressSchema(
  { requireHost: false, allowPortZero: true },
  'Listening address: "host:port", "[::1]:port" or ":port" (all IPv4 interfaces).',
);
/** A target address: `host:port` or `[::1]:port`; host and a non-zero port are required. */
export const TargetAddress = addressSchema(
  { requireHost: true, allowPortZero: false },
  'Target address: "host:port" or "[ipv6]:port".',
);

/** Parses an IPv4/IPv6 CIDR (or a bare IP, taken as /32 or /128) into its canonical `ip/len` text. */
export function parseCidr(text: string): string | undefined {
  const slash = text.indexOf('/');
  const ip = (slash < 0 ? text : text.slice(0, slash)).trim().toLowerCase();
  const family = isIP(ip);
  if (family === 0) return undefined;
  const max = family === 4 ? 32 : 128;
  if (slash < 0) return `${ip}/${max}`;
  const lenText = text.slice(slash + 1).trim();
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) return undefined;
  return `${ip}/${Number(lenText)}`;
}

/** An IPv4 or IPv6 CIDR such as `10.0.0.0/8` or `fd00::/8`; a bare IP means a single host. Output: `ip/len`. */
export const Cidr = z
  .string()
  .transform((text, ctx) => {
    const cidr = parseCidr(text);
    if (cidr === undefined) {
      ctx.issues.push({ code: 'custom', message: `invalid CIDR ${JSON.stringify(text)}: expected e.g. "10.0.0.0/8", "::1/128" or an IP`, input: text });
      return z.NEVER;
    }
    return cidr;
  })
  .describe('IPv4/IPv6 CIDR ("10.0.0.0/8", "fd00::/8") or a single IP.');

/** Names of listeners, routes and upstreams: they appear in metrics, logs and NATS subjects. */
export const Name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, {
    error: (iss) => `invalid name ${JSON.stringify(iss.input)}: use 1-63 letters, digits, "-" or "_", starting with a letter or digit`,
  })
  .describe('Identifier: letters, digits, "-", "_" (max 63), starting with a letter or digit.');

/** Accepts `x` or `[x, ...]` and always outputs a non-empty array. */
export function oneOrMany<T extends z.ZodType>(item: T) {
  return z.union([item, z.array(item).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);
}

const HOST_PATTERN_RE = new RegExp(`^(?:\\*\\.)?(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`);

/** A host pattern: exact `example.com` or wildcard `*.example.com` (any one or more leading labels). Output lower-cased. */
export const HostPattern = z
  .string()
  .regex(HOST_PATTERN_RE, {
    error: (iss) => `invalid host pattern ${JSON.stringify(iss.input)}: expected "example.com" or "*.example.com"`,
  })
  .transform((s) => s.toLowerCase());

/** Validates a regular expression source; returns the engine's message when it does not compile. */
export function regexError(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** A regular expression source, compiled at load to catch mistakes (the router compiles it once, without flags). */
export const RegexSource = z.string().superRefine((src, ctx) => {
  const problem = regexError(src);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${problem}` });
});

/** RFC 9110 token (header names, methods). */
export const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
