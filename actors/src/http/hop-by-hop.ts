// Drops hop-by-hop fields, and the fields a Connection header names, from a raw field array before forwarding.
import { equalsLowerAscii } from './char-classes.js';

/**
 * The hop-by-hop fields (RFC 9110 §7.6.1, RFC 9112 §6.1 and §9.6): they describe one connection and are
 * never forwarded. Proxy-Connection and Keep-Alive are not standard but are sent by old clients with
 * hop-by-hop meaning, so they go too. Proxy-Authenticate and Proxy-Authorization are NOT in the list:
 * RFC 9110 §11.7 defines them as ordinary fields (they were hop-by-hop only in RFC 2616); a route that
 * must not leak them strips them by name.
 */
export const HOP_BY_HOP_FIELDS: readonly string[] = Object.freeze([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Fields a Connection option can never remove (ARCHITECTURE §8 rule 3): the framing fields, whose
 * removal would change how the message is delimited, and Host, whose removal would change its routing.
 */
export const ALWAYS_PROTECTED_FIELDS: ReadonlySet<string> = new Set(['content-length', 'transfer-encoding', 'host']);

const NO_PROTECTED: ReadonlySet<string> = new Set();

/** Whether a lower-case field name is hop-by-hop. */
export function isHopByHop(lowerName: string): boolean {
  switch (lowerName.length) {
    case 2:
      return lowerName === 'te';
    case 7:
      return lowerName === 'trailer' || lowerName === 'upgrade';
    case 10:
      return lowerName === 'connection' || lowerName === 'keep-alive';
    case 16:
      return lowerName === 'proxy-connection';
    case 17:
      return lowerName === 'transfer-encoding';
    default:
      return false;
  }
}

/** `isHopByHop` for a name in any case, without lower-casing it into a new string. */
function isHopByHopAnyCase(name: string): boolean {
  switch (name.length) {
    case 2:
      return equalsLowerAscii(name, 'te');
    case 7:
      return equalsLowerAscii(name, 'trailer') || equalsLowerAscii(name, 'upgrade');
    case 10:
      return equalsLowerAscii(name, 'connection') || equalsLowerAscii(name, 'keep-alive');
    case 16:
      return equalsLowerAscii(name, 'proxy-connection');
    case 17:
      return equalsLowerAscii(name, 'transfer-encoding');
    default:
      return false;
  }
}

/**
 * Returns a new `[name, value, ...]` array without the hop-by-hop fields and without every field named
 * by a Connection option (RFC 9110 §7.6.1), except the protected ones: ALWAYS_PROTECTED_FIELDS plus
 * `protectedNames` (lower-case; pass the fields the proxy itself adds, e.g. x-forwarded-for).
 * So `Connection: content-length, host, x-foo` removes only X-Foo. One array is allocated; names are
 * compared case-insensitively without allocating.
 *
 * @param connectionTokens lower-case Connection options, as parsed into `RequestHead.connectionTokens`.
 */
export function filterHopByHop(
  headers: readonly string[],
  connectionTokens: readonly string[],
  protectedNames: ReadonlySet<string> = NO_PROTECTED,
): string[] {
  const out: string[] = [];
  const tokenCount = connectionTokens.length;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i] as string;
    if (isHopByHopAnyCase(name)) continue;
    if (tokenCount !== 0 && isNominated(name, connectionTokens, protectedNames)) continue;
    out.push(name, headers[i + 1] as string);
  }
  return out;
}

function isNominated(name: string, tokens: readonly string[], protectedNames: ReadonlySet<string>): boolean {
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t] as string;
    if (token.length === name.length && equalsLowerAscii(name, token)) {
      return !ALWAYS_PROTECTED_FIELDS.has(token) && !protectedNames.has(token);
    }
  }
  return false;
}
