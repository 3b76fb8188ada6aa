import assert from 'node:assert/strict';
import { parseAuthority, type AuthorityParts } from '../../src/http/host-authority.js';

function parse(s: string, requirePort = false): AuthorityParts | null {
  const out: AuthorityParts = { host: '', hostname: '', port: null };
  return parseAuthority(s, requirePort, out) ? out : null;
}

describe('parseAuthority', () => {
  const valid: [string, string, string, number | null][] = [
    ['example.com', 'example.com', 'example.com', null],
    ['Example.COM', 'example.com', 'example.com', null],
    ['example.com.', 'example.com', 'example.com', null],
    ['example.com:80', 'example.com:80', 'example.com', 80],
    ['EXAMPLE.com.:0080', 'example.com:80', 'example.com', 80],
    ['localhost:65535', 'localhost:65535', 'localhost', 65535],
    ['a_b-c~d', 'a_b-c~d', 'a_b-c~d', null],
    ['1.2.3.4', '1.2.3.4', '1.2.3.4', null],
    ['255.255.255.255:1', '255.255.255.255:1', '255.255.255.255', 1],
    ['[::1]', '[::1]', '[::1]', null],
    ['[2001:DB8::1]:443', '[2001:db8::1]:443', '[2001:db8::1]', 443],
    ['[::ffff:1.2.3.4]', '[::ffff:1.2.3.4]', '[::ffff:1.2.3.4]', null],
    ['123abc.example', '123abc.example', '123abc.example', null],
    ['1.2.3.example', '1.2.3.example', '1.2.3.example', null],
  ];
  for (const [input, host, hostname, port] of valid) {
    it(`accepts ${input}`, () => {
      assert.deepEqual(parse(input), { host, hostname, port });
    });
  }

  const invalid = [
    '', '.', 'a..b', '.a', 'a:', ':80', 'a:65536', 'a:123456', 'a:8a', 'a b', 'u@a', 'a/b', 'a%2eb', 'a,b', 'a;b', 'caf\xe9',
    '127.1', '1.2.3', '1.2.3.4.5', '1.2.3.256', '01.2.3.4', '0x7f.0.0.1', '1.2.3.0x4', '4294967295',
    '[::1', '[::1]x', '[fe80::1%eth0]', '[v1.x]', '[1.2.3.4]', '[:::]', '::1',
  ];
  for (const input of invalid) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      assert.equal(parse(input), null);
    });
  }

  it('requires a port when asked (CONNECT)', () => {
    assert.equal(parse('a.example', true), null);
    assert.deepEqual(parse('a.example:443', true), { host: 'a.example:443', hostname: 'a.example', port: 443 });
  });
});
