// Byte-class lookup tables shared by every HTTP/1.1 scanner: one array read per byte, no regexes.

/** Byte values the scanners compare against, named once. */
export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;
export const COMMA = 0x2c;
export const SEMICOLON = 0x3b;
export const EQUALS = 0x3d;
export const DQUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const PERCENT = 0x25;
export const SLASH = 0x2f;
export const QUESTION = 0x3f;

function table(fill: (byte: number) => number): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = fill(b);
  return t;
}

function isAlpha(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

/** RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA. */
export const TCHAR = table((b) => (isAlpha(b) || isDigit(b) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(b)) ? 1 : 0));

/**
 * RFC 9110 §5.5: field-vchar = VCHAR / obs-text. SP and HTAB are legal inside a value but are
 * handled by the scanner itself (they are optional whitespace at the edges), so they are 0 here.
 */
export const FIELD_VCHAR = table((b) => ((b >= 0x21 && b <= 0x7e) || b >= 0x80 ? 1 : 0));

/**
 * Request-target bytes: 1 = plain, 2 = '%' (must start a pct-encoded triplet), 3 = '?' (first one splits
 * path from query). We accept the URI characters of RFC 3986 plus the ones WHATWG-conforming browsers
 * leave raw in paths and queries (`\ ^ ` { | } [ ] '`), and refuse SP, CTLs, DEL, non-ASCII, '#'
 * (a fragment is never sent, RFC 9112 §3.2) and `" < >` (always percent-encoded by clients, and a
 * classic injection vector). A raw `\` is left for the path normalizer, which refuses it unless a
 * route opts in (ARCHITECTURE §8 rule 4).
 */
export const TARGET_CHAR = table((b) => {
  if (b === PERCENT) return 2;
  if (b === QUESTION) return 3;
  if (b < 0x21 || b > 0x7e) return 0;
  if (b === 0x23 || b === DQUOTE || b === 0x3c || b === 0x3e) return 0;
  return 1;
});

/** HEXDIG value, or -1. Int8Array so "is it hex" and "its value" are one read. */
export const HEX_VALUE: Int8Array = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let b = 0x30; b <= 0x39; b++) t[b] = b - 0x30;
  for (let b = 0x41; b <= 0x46; b++) t[b] = b - 0x41 + 10;
  for (let b = 0x61; b <= 0x66; b++) t[b] = b - 0x61 + 10;
  return t;
})();

/** RFC 9110 §5.6.4: qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text. */
export const QDTEXT = table((b) =>
  b === HTAB || b === SP || b === 0x21 || (b >= 0x23 && b <= 0x5b) || (b >= 0x5d && b <= 0x7e) || b >= 0x80 ? 1 : 0,
);

/** RFC 9110 §5.6.4: the byte after a backslash in a quoted-pair: HTAB / SP / VCHAR / obs-text. */
export const QUOTED_PAIR_CHAR = table((b) => (b === HTAB || b === SP || (b >= 0x21 && b <= 0x7e) || b >= 0x80 ? 1 : 0));

/**
 * Compares buf[start, start + lower.length) with an ASCII-lower-case name, ignoring case.
 * `| 0x20` folds A-Z onto a-z; it is exact here because the scanned bytes are tchar and the names
 * hold only letters and '-', which no other tchar folds onto (only CR, never a tchar, folds to '-').
 */
export function bytesEqualLower(buf: Uint8Array, start: number, lower: Uint8Array): boolean {
  for (let i = 0; i < lower.length; i++) {
    if (((buf[start + i] as number) | 0x20) !== lower[i]) return false;
  }
  return true;
}

/** Case-insensitive equality of a string with an ASCII-lower-case string, without allocating. */
export function equalsLowerAscii(s: string, lower: string): boolean {
  if (s.length !== lower.length) return false;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}
