// Serializes a start line and a field array into one latin1 string, refusing any character that could split the head.

/*
 * What each part may hold. Checked with one precompiled regex per string: irregexp runs these as native
 * code, about twice as fast as a charCodeAt loop on the sliced strings the parser hands out, and the
 * strings are already flat. Characters above U+00FF are refused too: latin1 would write their low byte,
 * and "\u010A" would become an LF.
 */
const NOT_TOKEN = /[^!#$%&'*+\-.^_`|~0-9A-Za-z]/;
/** Field values and reason phrases: field-vchar, SP, HTAB (RFC 9110 §5.5). */
const NOT_FIELD_CONTENT = /[^\t\x20-\x7e\x80-\xff]/;
/** Request-target: the visible ASCII the parser accepts (no SP, CTL, DEL, non-ASCII, '#', '"', '<', '>'). */
const NOT_TARGET = /[^\x21\x24-\x3b\x3d\x3f-\x7e]/;

const CONTENT_LENGTH = 'Content-Length: ';
const TRANSFER_ENCODING_CHUNKED = 'Transfer-Encoding: chunked\r\n';

/** The start line of a request: `method SP target SP version CRLF`, or null if method or target is unsafe. */
export function requestLine(method: string, target: string, version: string): string | null {
  if (method.length === 0 || NOT_TOKEN.test(method) || target.length === 0 || NOT_TARGET.test(target)) return null;
  return `${method} ${target} ${version}\r\n`;
}

/** The start line of a response: `version SP status SP reason CRLF`, or null if the reason is unsafe. */
export function statusLine(version: string, status: number, reason: string): string | null {
  if (NOT_FIELD_CONTENT.test(reason)) return null;
  return `${version} ${status} ${reason}\r\n`;
}

/**
 * Appends the fields (minus any Content-Length and Transfer-Encoding they carry), then the single framing
 * line (`contentLength` >= 0 → Content-Length; `chunked` → Transfer-Encoding: chunked), then CRLF, to
 * `startLine`, and returns the head as a string of latin1 characters (every one U+0000-U+00FF, so one
 * byte each: write it with `socket.write(text, 'latin1')`, which encodes it straight into the write
 * without a Buffer of ours). Returns null when a name is not a token or a value holds a CTL (CR, LF,
 * NUL, ...), DEL or a character above U+00FF: such a head is never written.
 */
export function serializeHeadText(startLine: string, headers: readonly string[], contentLength: number, chunked: boolean): string | null {
  if ((headers.length & 1) !== 0) return null;
  let head = startLine;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    if (isFramingName(name)) continue;
    const value = headers[i + 1] as string;
    if (name.length === 0 || NOT_TOKEN.test(name) || NOT_FIELD_CONTENT.test(value)) return null;
    head += `${name}: ${value}\r\n`;
  }
  if (contentLength >= 0) head += `${CONTENT_LENGTH}${contentLength}\r\n`;
  else if (chunked) head += TRANSFER_ENCODING_CHUNKED;
  return `${head}\r\n`;
}

/** Content-Length and Transfer-Encoding in any case: the writer emits its own framing line instead. */
export function isFramingName(name: string): boolean {
  const n = name.length;
  if (n !== 14 && n !== 17) return false;
  const lower = n === 14 ? 'content-length' : 'transfer-encoding';
  for (let i = 0; i < n; i++) {
    let ch = name.charCodeAt(i);
    if (ch >= 0x41 && ch <= 0x5a) ch |= 0x20;
    if (ch !== lower.charCodeAt(i)) return false;
  }
  return true;
}
