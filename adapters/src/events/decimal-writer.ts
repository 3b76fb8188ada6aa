// Writes a fraction as JavaScript's Number::toString would, without V8's double-to-string conversion when an exact test decides it.
import type { ByteWriter } from './byte-writer.js';

/** 10^0 … 10^22: every one is exact as a double. */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const TWO_53 = 2 ** 53;

/**
 * Writes finite, non-integer `v` exactly as `String(v)` does, or writes nothing and returns false
 * when it cannot tell cheaply (the caller then uses `String(v)`).
 *
 * Why: the proxy's durations are clock differences such as 0.26272400000016205, and V8 converts
 * such doubles slowly (about 1 µs each inside the proxy, three or four per request); the event
 * stream's throughput depended on it more than on anything else in the encoders.
 *
 * How (ECMA-262 Number::toString): the answer is the decimal with the fewest significant digits
 * that reads back as `v`, the closest to `v` if several have that many.
 * - Up to 16 digits: for j decimals, the integers d whose d / 10^j reads back as `v` are
 *   tested with one division each: d and 10^j are exact doubles (d < 2^53, j ≤ 22) and IEEE division
 *   rounds correctly, so `d / 10^j === v` is exact. The candidates at j are the integers in one
 *   interval around v·10^j, and round(v·10^j) ± 1 holds every integer within 1 of it (the product
 *   is off by at most 0.25 below 2^52, 0.5 below 2^53). So no hit among the three means no candidate
 *   at all; one hit means the interval is too narrow for another, so it is the closest; two or three
 *   mean choosing needs exact distances, and this gives up. The smallest j with a candidate has
 *   the fewest digits (found by bisection: a candidate at j is one at j + 1 too, with a 0 appended).
 * - 17 digits, when every shorter length was tested and none read back: 17 significant digits
 *   always read back, and the closest is the integer nearest to v·10^j, computed exactly as the
 *   sum of two doubles (Dekker's product). A tie (exactly half-way) is left to String.
 * It also gives up below 1e-6 (exponent notation), and when v·10^j passes 2^53 at 16 digits.
 */
export function writeFraction(w: ByteWriter, v: number): boolean {
  const a = v < 0 ? -v : v;
  if (!(a >= 1e-6 && a < 1e15)) return false;
  // The most decimals that keep v·10^j below 2^53, where the test is exact: at most 16 digits.
  let most = 0;
  while (most < 22 && a * (POW10[most + 1] as number) < TWO_53 - 1) most++;
  if (most === 0) return false;
  const next = a * (POW10[most + 1] as number);
  if (!hasCandidate(a, most)) {
    // No decimal of 16 digits or fewer reads back: 17 it is, if most + 1 decimals give 17 digits
    // (else 16-digit decimals lie past 2^53, untested).
    return next >= 1e16 && write17(w, v < 0, a, POW10[most + 1] as number, most + 1);
  }
  // A decimal with j decimals reading back means one with j + 1 does (the same value): search.
  let low = 1;
  let high = most;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (hasCandidate(a, mid)) high = mid;
    else low = mid + 1;
  }
  const p = POW10[low] as number;
  const d = Math.round(a * p);
  const isD = d / p === a;
  const isBelow = (d - 1) / p === a;
  const isAbove = (d + 1) / p === a;
  if ((isD ? 1 : 0) + (isBelow ? 1 : 0) + (isAbove ? 1 : 0) !== 1) return false;
  writeDecimal(w, v < 0, isD ? d : isBelow ? d - 1 : d + 1, low);
  return true;
}

/** True when some decimal with j decimals reads back as `a` (v·10^j below 2^53). */
function hasCandidate(a: number, j: number): boolean {
  const p = POW10[j] as number;
  const d = Math.round(a * p);
  return d / p === a || (d - 1) / p === a || (d + 1) / p === a;
}

/** Splits a double into halves of 26 bits for an exact product (Veltkamp). */
const SPLITTER = 2 ** 27 + 1;

/** The 17 digits of `a` with j decimals: the integer nearest to the exact a·p, p = 10^j. */
function write17(w: ByteWriter, isNegative: boolean, a: number, p: number, j: number): boolean {
  // Dekker: hi + lo is exactly a·p (no overflow or underflow at these magnitudes).
  const hi = a * p;
  let t = SPLITTER * a;
  const aHigh = t - (t - a);
  const aLow = a - aHigh;
  t = SPLITTER * p;
  const pHigh = t - (t - p);
  const pLow = p - pHigh;
  const lo = aHigh * pHigh - hi + aHigh * pLow + aLow * pHigh + aLow * pLow;
  // hi ≥ 2^53 is an integer; the nearest integer to hi + lo is hi + round(lo), unless lo is a tie.
  const lowFloor = Math.floor(lo);
  const fraction = lo - lowFloor;
  if (fraction === 0.5) return false;
  const r = fraction < 0.5 ? lowFloor : lowFloor + 1;
  // hi + r as nine low digits and the rest: `%` on doubles is exact, and so is (hi - low) / 1e9.
  let low = hi % 1e9;
  let high = (hi - low) / 1e9;
  low += r;
  if (low < 0) {
    low += 1e9;
    high -= 1;
  } else if (low >= 1e9) {
    low -= 1e9;
    high += 1;
  }
  // Exactly 17 digits, the last not 0 (else a shorter decimal would have read back); otherwise give up.
  if (high < 1e7 || high >= 1e8 || low % 10 === 0) return false;
  writeDigits17(w, isNegative, high, low, 17 - j);
  return true;
}

/** Eight digits of `high` then nine of `low`, with the point after `intDigits` of them (or "0.0…" before). */
function writeDigits17(w: ByteWriter, isNegative: boolean, high: number, low: number, intDigits: number): void {
  w.ensure(40);
  const buf = w.buf;
  const p = writeSignAndLeadingZeros(buf, w.pos, isNegative, intDigits);
  let at = p + 17 + (intDigits > 0 ? 1 : 0);
  w.pos = at;
  // Right to left: nine digits of low, then eight of high (each below 2^31: int arithmetic, which
  // V8 turns into multiplications, not double division); the point after the fraction's digits.
  const fractionDigits = 17 - intDigits;
  let value = low | 0;
  for (let written = 1; written <= 17; written++) {
    if (written === 10) value = high | 0;
    const q = (value / 10) | 0;
    buf[--at] = 0x30 + (value - q * 10);
    value = q;
    if (written === fractionDigits && intDigits > 0) buf[--at] = 0x2e;
  }
}

/** `d / 10^j` in fixed notation: d ≥ 1 is an integer below 2^53 whose last digit is not 0. */
function writeDecimal(w: ByteWriter, isNegative: boolean, d: number, j: number): void {
  // Nine low digits and the rest, each below 2^31 (`%` on doubles is exact).
  const low = d % 1e9;
  const high = (d - low) / 1e9;
  let len = 9;
  if (high === 0) {
    len = 1;
    for (let t = low | 0; t >= 10; t = (t / 10) | 0) len++;
  } else {
    for (let t = high | 0; t >= 1; t = (t / 10) | 0) len++;
  }
  const intDigits = len - j;
  w.ensure(len + j + 3);
  const buf = w.buf;
  const p = writeSignAndLeadingZeros(buf, w.pos, isNegative, intDigits);
  // Digits right to left, the point after the j fractional ones when there is an integer part.
  let at = p + len + (intDigits > 0 ? 1 : 0);
  w.pos = at;
  let value = low | 0;
  for (let written = 1; written <= len; written++) {
    if (written === 10) value = high | 0;
    const q = (value / 10) | 0;
    buf[--at] = 0x30 + (value - q * 10);
    value = q;
    if (written === j && intDigits > 0) buf[--at] = 0x2e;
  }
}

/** At `p`: "-" when negative, and "0." with the fraction's leading zeros when there is no integer part. Returns the next position. */
function writeSignAndLeadingZeros(buf: Uint8Array, p: number, isNegative: boolean, intDigits: number): number {
  if (isNegative) buf[p++] = 0x2d;
  if (intDigits <= 0) {
    buf[p++] = 0x30;
    buf[p++] = 0x2e;
    for (let i = 0; i < -intDigits; i++) buf[p++] = 0x30;
  }
  return p;
}
