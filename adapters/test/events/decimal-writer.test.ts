// writeFraction against String(v): the same text for every fraction it writes, and it writes most of the proxy's.
import assert from 'node:assert/strict';
import { ByteWriter } from '../../src/events/byte-writer.js';
import { writeFraction } from '../../src/events/decimal-writer.js';

/** What writeFraction writes for `v`, or undefined when it leaves `v` to String. */
function fractionText(w: ByteWriter, v: number): string | undefined {
  w.pos = 0;
  if (!writeFraction(w, v)) {
    assert.equal(w.pos, 0, `nothing written for ${String(v)} when it gives up`);
    return undefined;
  }
  return w.buf.toString('latin1', 0, w.pos);
}

/** Doubles from every range the stream meets, and the awkward ones: near powers of ten, ties, tiny, huge, bit patterns. */
function* samples(count: number): Generator<number> {
  let seed = 12345;
  const random = (): number => {
    // xorshift: the same numbers on every run.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const base = 1_795_335_281_714;
  const bits = new DataView(new ArrayBuffer(8));
  for (let i = 0; i < count; i++) {
    const r = random();
    const s = random();
    switch (i % 12) {
      case 0: yield r; break;
      case 1: yield 1000 * r - 500; break;
      // Clock differences, as the proxy's durations are.
      case 2: yield (1e5 + 1e4 * r) - (1e5 + 1e4 * s); break;
      case 3: yield base + r * 1000 - (base - 5 + s); break;
      // Epoch milliseconds with a fraction (startedAt).
      case 4: yield base + i + r; break;
      // Few decimals, as a rounded duration would have.
      case 5: yield Math.round(r * 1e7) / 1000; break;
      case 6: yield Math.round(r * 1e5) / 10 ** (1 + (i % 7)); break;
      // Next to powers of ten, both sides.
      case 7: {
        const p = 10 ** ((i % 30) - 12);
        yield i % 2 === 0 ? p * (1 + Number.EPSILON * (i % 5)) : p * (1 - Number.EPSILON * (i % 5));
        break;
      }
      case 8: yield r * 10 ** ((i % 40) - 20); break;
      // Arbitrary bit patterns with a modest exponent.
      case 9: {
        bits.setUint32(0, 0x3c000000 + Math.floor(r * 0x0a000000));
        bits.setUint32(4, Math.floor(s * 2 ** 32));
        yield bits.getFloat64(0);
        break;
      }
      case 10: yield (i % 1000) / 1000 + 0.0005; break;
      default: yield 2 ** -((i % 60) + 1) * (1 + r);
    }
  }
}

describe('writeFraction', () => {
  it('writes exactly what String writes, for every non-integer it accepts, and gives up cleanly on the rest', () => {
    const w = new ByteWriter(8);
    let written = 0;
    let total = 0;
    for (const v of samples(240_000)) {
      if (!Number.isFinite(v) || Number.isInteger(v)) continue;
      total++;
      const text = fractionText(w, v);
      if (text === undefined) continue;
      written++;
      assert.equal(text, String(v), `bits ${v}`);
    }
    // Not a timing check: the fast path must actually be taken for most values, or it is pointless.
    assert.ok(written > total * 0.7, `wrote ${written} of ${total} itself`);
  });

  it('writes the proxy\'s kinds of values itself, and leaves exponent notation and ambiguity to String', () => {
    const w = new ByteWriter(8);
    // Durations of 3, 16 and 17 digits, and an epoch timestamp with a fraction (17 digits).
    for (const v of [0.412, 0.3046309999999721, 0.26272400000016205, 0.29068500000084896, 11.21761800000013, 1_795_335_281_714.4138, 1.5, -0.5, -1234.125, 0.001, 0.000001, 123456.789])
      assert.equal(fractionText(w, v), String(v), `${v}`);
    for (const v of [1e-7, 5e-324, -2.5e-10]) assert.equal(fractionText(w, v), undefined, `${v} takes String (exponent notation)`);
  });
});
