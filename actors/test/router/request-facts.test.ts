import assert from 'node:assert/strict';
import { parseIpInto, parseIpv4 } from '../../src/router/ip-address.js';
import { headerNameEquals, headerValue, MatchCache } from '../../src/router/request-facts.js';

describe('headerValue', () => {
  const headers = ['Host', 'a.test', 'X-Env', 'blue', 'x-env', 'green', 'Accept', '*/*'];
  const cases: [name: string, expected: string | undefined][] = [
    ['host', 'a.test'],
    ['x-env', 'blue'],
    ['accept', '*/*'],
    ['x-en', undefined],
    ['x-envy', undefined],
    ['cookie', undefined],
  ];
  for (const [name, expected] of cases) {
    it(`finds ${name} → ${String(expected)}`, () => assert.equal(headerValue(headers, name), expected));
  }

  it('folds letters only', () => {
    assert.equal(headerNameEquals('X-A', 'x-a'), true);
    assert.equal(headerNameEquals('X^A', 'x~a'), false);
    assert.equal(headerNameEquals('X@', 'x`'), false);
  });
});

describe('MatchCache query parsing', () => {
  const queries = ['a=1&b=2', 'a=1&a=2', 'flag', '=v', 'a=&b', '&&a=1&&', 'q=a+b&r=%20c', 'x=%zz&y=%E2%82%AC', 'k%20n=v%2Bw', '?a=1', 'a=b=c', ''];
  for (const q of queries) {
    it(`decodes ${JSON.stringify(q)} exactly as URL.searchParams`, () => {
      const expected = [...new URL(`http://h/?${q}`).searchParams].flat();
      assert.deepEqual(new MatchCache().queryParams(q), expected);
    });
  }

  it('parses once per query text and re-parses a different one', () => {
    const cache = new MatchCache();
    const first = cache.queryParams('a=1');
    assert.equal(cache.queryParams('a=1'), first);
    assert.deepEqual(cache.queryParams('a=2'), ['a', '2']);
    assert.equal(cache.queryValue('a=2&a=3', 'a'), '2');
    assert.equal(cache.queryValue('a=2', 'b'), undefined);
  });
});

describe('IP parsing', () => {
  const words = new Uint32Array(4);
  const cases: [text: string, family: 0 | 4 | 6, expected?: number[]][] = [
    ['10.1.2.3', 4, [0x0a010203]],
    ['255.255.255.255', 4, [0xffffffff]],
    ['::ffff:10.1.2.3', 4, [0x0a010203]],
    ['::FFFF:a01:203', 4, [0x0a010203]],
    ['::1', 6, [0, 0, 0, 1]],
    ['::', 6, [0, 0, 0, 0]],
    ['2001:db8::1', 6, [0x20010db8, 0, 0, 1]],
    ['1:2:3:4:5:6:7:8', 6, [0x00010002, 0x00030004, 0x00050006, 0x00070008]],
    ['1:2:3:4:5:6:7::', 6, [0x00010002, 0x00030004, 0x00050006, 0x00070000]],
    ['::2:3:4:5:6:7:8', 6, [0x00000002, 0x00030004, 0x00050006, 0x00070008]],
    ['64:ff9b::192.0.2.1', 6, [0x0064ff9b, 0, 0, 0xc0000201]],
    ['[fe80::1]', 6, [0xfe800000, 0, 0, 1]],
    ['fe80::1%eth0', 6, [0xfe800000, 0, 0, 1]],
    ['01.2.3.4', 0],
    ['1.2.3', 0],
    ['256.1.1.1', 0],
    ['1.2.3.4.5', 0],
    ['1::2::3', 0],
    ['1:2:3:4:5:6:7:8:9', 0],
    [':1', 0],
    ['1:', 0],
    ['12345::', 0],
    ['::g', 0],
    ['1:2:3:4:5:6:7:8::', 0],
    ['', 0],
    ['example.com', 0],
  ];
  for (const [text, family, expected] of cases) {
    it(`parses ${JSON.stringify(text)} as family ${family}`, () => {
      assert.equal(parseIpInto(text, words), family);
      if (expected !== undefined) assert.deepEqual([...words.subarray(0, expected.length)], expected);
    });
  }

  it('parses IPv4 spans strictly', () => {
    assert.equal(parseIpv4('x1.2.3.4y', 1, 8), 0x01020304);
    assert.equal(parseIpv4('0.0.0.0', 0, 7), 0);
    assert.equal(parseIpv4('1..2.3', 0, 6), -1);
  });
});
