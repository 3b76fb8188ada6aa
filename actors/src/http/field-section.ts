// Scans a field section (header or trailer lines up to the empty line) strictly, in one pass over the bytes.
import { COLON, CR, HTAB, LF, SP, TCHAR } from './char-classes.js';
import type { FieldScan } from './field-facts.js';

/** `scanFieldSection` needs more bytes than [pos, limit) holds. */
export const SCAN_NEED_MORE = -1;
/** `scanFieldSection` found an error; its code, status and reason are in the `FieldScan`. */
export const SCAN_ERROR = -2;

/**
 * Scans field lines from `pos` (the start of a line) up to and including the empty line that ends the
 * section. Each field's name and OWS-trimmed value are recorded as byte offsets in `scan` (see
 * `fieldArray`), so that strings are cut later from one latin1 slice of the whole head: one crossing
 * into C++ per head instead of two per field. Returns the offset just past the final CRLF,
 * SCAN_NEED_MORE, or SCAN_ERROR.
 *
 * Rules, all enforced byte by byte so that a broken head is refused before it is complete:
 * - CRLF only: a bare LF or a CR not followed by LF is an error (RFC 9112 §2.2 lets us refuse both).
 * - no obs-fold: a line starting with SP or HTAB is refused (RFC 9112 §5.2); so is whitespace between
 *   the start line and the first field (RFC 9112 §2.2).
 * - field-name = token, and no whitespace before the colon (RFC 9112 §5.1 says MUST reject).
 * - field values hold only VCHAR, obs-text, SP and HTAB: no NUL, no CTL, no DEL (RFC 9110 §5.5).
 * - more than `maxFields` lines → 431.
 * When `collectFacts` is set, each field is also shown to `scan.observe` (Content-Length, Host, ...).
 * An error is reported as soon as the offending byte is seen, and a result never depends on where the
 * input was split: bytes that could still complete a valid line are always answered with NEED_MORE.
 */
export function scanFieldSection(buf: Buffer, pos: number, limit: number, maxFields: number, scan: FieldScan, collectFacts: boolean): number {
  let count = 0;
  let offsets = scan.offsets;
  for (;;) {
    if (pos >= limit) return SCAN_NEED_MORE;
    let b = buf[pos] as number;
    if (b === CR) {
      if (pos + 1 >= limit) return SCAN_NEED_MORE;
      if (buf[pos + 1] !== LF) return scan.reject(400, 'ERR_HTTP_BARE_CR', 'CR not followed by LF');
      scan.fieldCount = count;
      return pos + 2;
    }
    if (b === LF) return scan.reject(400, 'ERR_HTTP_BARE_LF', 'line ends with a bare LF');
    if (b === SP || b === HTAB) return scan.reject(400, 'ERR_HTTP_OBS_FOLD', 'field line starts with whitespace (obs-fold)');
    if (count === maxFields) return scan.reject(431, 'ERR_HTTP_TOO_MANY_HEADERS', 'too many header fields');

    const nameStart = pos;
    while (pos < limit && TCHAR[buf[pos] as number] === 1) pos++;
    if (pos >= limit) return SCAN_NEED_MORE;
    if (buf[pos] !== COLON || pos === nameStart) return nameError(buf, pos, limit, nameStart, scan);
    const nameEnd = pos;
    pos++;

    while (pos < limit && (buf[pos] === SP || buf[pos] === HTAB)) pos++;
    const valueStart = pos;
    // Hot loop. field-content is "not a CTL except HTAB, not DEL": two compares beat a table read here
    // (measured ~9% on the whole parse). Trailing OWS is trimmed afterwards, not tracked per byte.
    while (pos < limit) {
      const c = buf[pos] as number;
      if (c > 0x1f ? c === 0x7f : c !== HTAB) break;
      pos++;
    }
    if (pos >= limit) return SCAN_NEED_MORE;
    b = buf[pos] as number;
    if (b !== CR) {
      if (b === LF) return scan.reject(400, 'ERR_HTTP_BARE_LF', 'line ends with a bare LF');
      return scan.reject(400, 'ERR_HTTP_HEADER_VALUE', 'control byte in a field value');
    }
    if (pos + 1 >= limit) return SCAN_NEED_MORE;
    if (buf[pos + 1] !== LF) return scan.reject(400, 'ERR_HTTP_BARE_CR', 'CR not followed by LF');
    let valueEnd = pos;
    while (valueEnd > valueStart && (buf[valueEnd - 1] === SP || buf[valueEnd - 1] === HTAB)) valueEnd--;
    pos += 2;

    const at = count << 2;
    if (at + 4 > offsets.length) offsets = scan.growOffsets();
    offsets[at] = nameStart;
    offsets[at + 1] = nameEnd;
    offsets[at + 2] = valueStart;
    offsets[at + 3] = valueEnd;
    if (collectFacts && !scan.observe(buf, nameStart, nameEnd, valueStart, valueEnd, count)) return SCAN_ERROR;
    count++;
  }
}

/**
 * Builds the `[name, value, ...]` array of the section just scanned, cutting each string from `text`,
 * the latin1 decoding of the buffer from offset `base` on.
 */
export function fieldArray(text: string, base: number, scan: FieldScan): string[] {
  const count = scan.fieldCount;
  const offsets = scan.offsets;
  const fields: string[] = new Array<string>(count * 2);
  for (let i = 0; i < count; i++) {
    const at = i << 2;
    const valueStart = offsets[at + 2] as number;
    const valueEnd = offsets[at + 3] as number;
    fields[i * 2] = text.slice((offsets[at] as number) - base, (offsets[at + 1] as number) - base);
    fields[i * 2 + 1] = valueStart === valueEnd ? '' : text.slice(valueStart - base, valueEnd - base);
  }
  return fields;
}

/** Names the error for a field name that stopped at a byte other than ':' (or was empty). */
function nameError(buf: Buffer, pos: number, limit: number, nameStart: number, scan: FieldScan): number {
  const b = buf[pos] as number;
  if ((b === SP || b === HTAB) && pos > nameStart) {
    // RFC 9112 §5.1: "No whitespace is allowed between the field name and colon."
    return scan.reject(400, 'ERR_HTTP_SPACE_BEFORE_COLON', 'whitespace between field name and colon');
  }
  if (b === LF) return scan.reject(400, 'ERR_HTTP_BARE_LF', 'line ends with a bare LF');
  if (b === CR) {
    if (pos + 1 >= limit) return SCAN_NEED_MORE;
    if (buf[pos + 1] !== LF) return scan.reject(400, 'ERR_HTTP_BARE_CR', 'CR not followed by LF');
  }
  return scan.reject(400, 'ERR_HTTP_HEADER_NAME', pos === nameStart ? 'empty or invalid field name' : 'field line without a colon');
}
