// Shared helpers for the PROXY protocol tests: hex input, parse shorthands, and the split-consistency check.
import assert from 'node:assert/strict';
import { parseProxyHeader, type ProxyHeaderResult, type ProxyVersionsAccepted } from '../../src/proxy-protocol/parse-proxy-header.js';
import type { ProxyHeader } from '../../src/proxy-protocol/proxy-header.js';
import type { ProxyProtocolErrorCode } from '../../src/proxy-protocol/proxy-protocol-error-codes.js';

export const BOTH: ProxyVersionsAccepted = { v1: true, v2: true };
export const V1_ONLY: ProxyVersionsAccepted = { v1: true, v2: false };
export const V2_ONLY: ProxyVersionsAccepted = { v1: false, v2: true };

/** Bytes from hex text; spaces and line breaks are ignored so tests can lay fields out one per line. */
export function hex(text: string): Buffer {
  const clean = text.replace(/\s+/g, '');
  assert.match(clean, /^(?:[0-9a-f]{2})*$/i, 'hex text');
  return Buffer.from(clean, 'hex');
}

export function ascii(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/** The 12-byte v2 signature, spelled out: \r\n\r\n \0 \r\n Q U I T \n. */
export const SIG = '0d0a0d0a 00 0d0a 51554954 0a';

export function parse(buf: Buffer, accept: ProxyVersionsAccepted = BOTH): ProxyHeaderResult {
  return parseProxyHeader(buf, 0, buf.length, accept);
}

/** Parses a complete header, checks it consumed exactly `buf`, and returns it. */
export function expectHeader(buf: Buffer, accept: ProxyVersionsAccepted = BOTH): ProxyHeader {
  const r = parse(buf, accept);
  if (r.kind !== 'header') assert.fail(`expected a header, got ${JSON.stringify(r)}`);
  assert.equal(r.consumed, buf.length);
  return r.header;
}

export function expectError(buf: Buffer, code: ProxyProtocolErrorCode, accept: ProxyVersionsAccepted = BOTH): void {
  const r = parse(buf, accept);
  if (r.kind !== 'error') assert.fail(`expected ${code}, got ${JSON.stringify(r)}`);
  assert.equal(r.code, code, r.reason);
  assert.ok(r.reason.length > 0);
}

/** Drops Buffer identity so results can be compared with deepEqual regardless of copies. */
function comparable(r: ProxyHeaderResult): unknown {
  return JSON.parse(JSON.stringify(r)) as unknown;
}

/**
 * The parser is stateless over [start, end), so "the bytes arrived split at k" is "parse the first k
 * bytes, then all of them". Checks that every prefix is `incomplete` until the first decided result,
 * that this first result equals the whole one, and that it then stays the same; and that the header
 * parses the same at an offset inside a larger buffer with trailing bytes (which it must not consume).
 */
export function assertSplitConsistent(buf: Buffer, accept: ProxyVersionsAccepted = BOTH): void {
  const whole = comparable(parse(buf, accept));
  let decidedAt = -1;
  for (let k = 0; k < buf.length; k++) {
    const r = parseProxyHeader(buf, 0, k, accept);
    if (decidedAt < 0 && r.kind === 'incomplete') continue;
    if (decidedAt < 0) decidedAt = k;
    assert.deepEqual(comparable(r), whole, `prefix of ${k} bytes (first decided at ${decidedAt})`);
  }
  const framed = Buffer.concat([ascii('junk'), buf, ascii('GET / HTTP/1.1\r\n\r\n')]);
  const atOffset = parseProxyHeader(framed, 4, framed.length, accept);
  // Trailing bytes may decide an incomplete input, but never change a decided one.
  if (parse(buf, accept).kind !== 'incomplete') assert.deepEqual(comparable(atOffset), whole, 'at an offset, followed by more bytes');
}
