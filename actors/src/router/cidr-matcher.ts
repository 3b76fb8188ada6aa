// Matches the client address against IPv4 and IPv6 CIDRs, precompiled into 32-bit masks.
import type { MatchCache, RequestFacts, RequestMatcher } from './request-facts.js';
import { parseIpInto } from './ip-address.js';

/** The 32-bit mask of the first `bits` bits (0..32), as a signed int like the results of `&`. */
function mask32(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return -1;
  return (-1 << (32 - bits)) | 0;
}

/**
 * `match.sourceCidr`: the client IP (`RequestFacts.sourceIp`) lies in one of the CIDRs (list = any).
 * Addresses compare as numbers, never as text. Families are kept apart, as nginx `allow`/`deny` do:
 * an IPv4 source (or an IPv4-mapped IPv6 one such as `::ffff:10.1.2.3`) is checked against the IPv4
 * CIDRs only, a plain IPv6 source against the IPv6 ones only; an IPv4-mapped CIDR in the config
 * (`::ffff:10.0.0.0/104`) counts as the IPv4 CIDR it denotes. A source that is not an IP never matches.
 *
 * Layout: IPv4 as `[net, mask]` pairs; IPv6 as `[net0..3, mask0..3]` groups of eight 32-bit words,
 * with `net` pre-masked, so a test is `(ip & mask) === net` per word (no bigint, no allocation).
 */
export class CidrMatcher implements RequestMatcher {
  private readonly v4: Int32Array;
  private readonly v6: Int32Array;

  /** @param cidrs canonical `ip/len` texts, as produced by the config's `parseCidr`. */
  constructor(cidrs: readonly string[]) {
    const v4: number[] = [];
    const v6: number[] = [];
    const words = new Uint32Array(4);
    for (const cidr of cidrs) {
      const slash = cidr.indexOf('/');
      const ipText = slash < 0 ? cidr : cidr.slice(0, slash);
      const family = parseIpInto(ipText, words);
      if (family === 0) throw new Error(`invalid CIDR "${cidr}"`);
      const isV6Text = ipText.indexOf(':') >= 0;
      const maxLen = isV6Text ? 128 : 32;
      const len = slash < 0 ? maxLen : Number(cidr.slice(slash + 1));
      if (!Number.isInteger(len) || len < 0 || len > maxLen) throw new Error(`invalid CIDR "${cidr}"`);
      if (family === 4) {
        // An IPv4-mapped IPv6 CIDR shorter than /96 reaches outside ::ffff:0:0/96; keep it as IPv6.
        const v4Len = isV6Text ? len - 96 : len;
        if (v4Len >= 0) {
          const m = mask32(v4Len);
          v4.push((words[0] as number) & m, m);
          continue;
        }
        // Rebuild the IPv6 words of the mapped address.
        words[3] = words[0] as number;
        words[0] = 0;
        words[1] = 0;
        words[2] = 0xffff;
      }
      const masks = [mask32(len), mask32(len - 32), mask32(len - 64), mask32(len - 96)];
      for (let k = 0; k < 4; k++) v6.push((words[k] as number) & (masks[k] as number));
      v6.push(...masks);
    }
    this.v4 = Int32Array.from(v4);
    this.v6 = Int32Array.from(v6);
  }

  matches(facts: RequestFacts, cache: MatchCache): boolean {
    const family = cache.sourceFamily(facts.sourceIp);
    const w = cache.ipWords;
    if (family === 4) {
      const ip = w[0] as number;
      const t = this.v4;
      for (let i = 0; i < t.length; i += 2) if ((ip & (t[i + 1] as number)) === t[i]) return true;
      return false;
    }
    if (family === 6) {
      const t = this.v6;
      const w0 = w[0] as number;
      const w1 = w[1] as number;
      const w2 = w[2] as number;
      const w3 = w[3] as number;
      for (let i = 0; i < t.length; i += 8) {
        if (
          (w0 & (t[i + 4] as number)) === t[i] &&
          (w1 & (t[i + 5] as number)) === t[i + 1] &&
          (w2 & (t[i + 6] as number)) === t[i + 2] &&
          (w3 & (t[i + 7] as number)) === t[i + 3]
        ) {
          return true;
        }
      }
    }
    return false;
  }
}
