// The fast non-cryptographic 32-bit string hash used by consistent hashing and sticky-cookie ids.

/**
 * FNV-1a over the string's UTF-16 code units, then murmur3's `fmix32` finalizer. FNV-1a alone is
 * fast and allocation-free (no UTF-8 encoding: `charCodeAt` reads the string in place) but mixes
 * its last characters poorly into the low bits, which is what `% tableSize` reads; the finalizer
 * gives full avalanche for three multiplies. `seed` perturbs the offset basis, so one input yields
 * independent-looking hashes for different seeds (Maglev needs two per target).
 * Not for anything an attacker may exploit beyond load skew: it is not keyed.
 */
export function hashString(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) | 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** Murmur3's 32-bit finalizer: every input bit affects every output bit. Returns an unsigned int. */
export function fmix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
