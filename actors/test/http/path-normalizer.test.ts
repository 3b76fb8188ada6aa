import assert from 'node:assert/strict';
import { normalizePath, type PathOptions } from '../../src/http/path-normalizer.js';

describe('normalizePath', () => {
  const normalized: [string, string][] = [
    ['/', '/'],
    ['/a/b/c', '/a/b/c'],
    ['/a/b/', '/a/b/'],
    ['/a/./b/../c', '/a/c'],
    ['//x', '/x'],
    ['/a//b///c', '/a/b/c'],
    ['/a/b//', '/a/b/'],
    ['/.', '/'],
    ['/./', '/'],
    ['//', '/'],
    ['/a/.', '/a/'],
    ['/a/..', '/'],
    ['/a/b/..', '/a/'],
    ['/a/b/../', '/a/'],
    ['/a/b/../../c', '/c'],
    ['/a/.b/..c/...', '/a/.b/..c/...'],
    ['/a/b.', '/a/b.'],
    ['/%41', '/A'],
    ['/%7euser/%7E', '/~user/~'],
    ['/%2d%2E%5f%30%7A', '/-._0z'],
    ['/a%20b', '/a%20b'],
    ['/caf%c3%a9', '/caf%C3%A9'],
    ['/%e2%82%ac', '/%E2%82%AC'],
    ['/%25', '/%25'],
    ['/%252e%252e/', '/%252e%252e/'],
    ['/%2a%3f', '/%2A%3F'],
    ['/a/%2e/b', '/a/b'],
    ['/a/%2e%2e/b', '/b'],
    ['/a/%2E%2e/b', '/b'],
    ['/a/.%2e/b', '/b'],
    ['/a/%2e./b', '/b'],
    ['/a/b/%2e%2e', '/a/'],
    ['/%41%2e%2e/b', '/A../b'],
    ['/a?b', '/a?b'],
    ['/a:b@c!$&\'()*+,=', '/a:b@c!$&\'()*+,='],
  ];
  for (const [input, expected] of normalized) {
    it(`normalizes ${input} to ${expected}`, () => {
      assert.deepEqual(normalizePath(input, {}), { ok: true, path: expected });
    });
  }

  it('returns the very same string on the fast path', () => {
    const input = ['/assets', 'app', 'main.js'].join('/');
    const r = normalizePath(input);
    assert.ok(r.ok);
    if (r.ok) assert.equal(r.path, input);
  });

  const refused: [string, string, PathOptions?][] = [
    ['/a%2Fb', 'ERR_HTTP_PATH_ENCODED_SLASH'],
    ['/a%2fb', 'ERR_HTTP_PATH_ENCODED_SLASH'],
    ['/a%5cb', 'ERR_HTTP_PATH_BACKSLASH'],
    ['/a\\b', 'ERR_HTTP_PATH_BACKSLASH'],
    ['/a\\..\\b', 'ERR_HTTP_PATH_BACKSLASH'],
    ['/a;jsessionid=1', 'ERR_HTTP_PATH_PARAMS'],
    ['/a/..;/admin', 'ERR_HTTP_PATH_PARAMS'],
    ['/a/..;/admin', 'ERR_HTTP_PATH_PARAMS', { allowPathParams: true }],
    ['/a/.;x/b', 'ERR_HTTP_PATH_PARAMS', { allowPathParams: true }],
    ['/a/%2e%2e;x/b', 'ERR_HTTP_PATH_PARAMS', { allowPathParams: true }],
    ['/a%00', 'ERR_HTTP_PATH_NUL'],
    ['/a%00', 'ERR_HTTP_PATH_NUL', { allowEncodedSlash: true, allowBackslash: true, allowPathParams: true }],
    ['/..', 'ERR_HTTP_PATH_TRAVERSAL'],
    ['/../a', 'ERR_HTTP_PATH_TRAVERSAL'],
    ['/a/../..', 'ERR_HTTP_PATH_TRAVERSAL'],
    ['/a/../../b', 'ERR_HTTP_PATH_TRAVERSAL'],
    ['/%2e%2e/etc/passwd', 'ERR_HTTP_PATH_TRAVERSAL'],
    ['//..//a', 'ERR_HTTP_PATH_TRAVERSAL'],
    ['/a%', 'ERR_HTTP_PATH_BAD_ESCAPE'],
    ['/a%4', 'ERR_HTTP_PATH_BAD_ESCAPE'],
    ['/a%zz', 'ERR_HTTP_PATH_BAD_ESCAPE'],
    ['/a%\u0130\u0130', 'ERR_HTTP_PATH_BAD_ESCAPE'],
    ['', 'ERR_HTTP_PATH_INVALID'],
    ['a/b', 'ERR_HTTP_PATH_INVALID'],
    ['*', 'ERR_HTTP_PATH_INVALID'],
    ['/a b', 'ERR_HTTP_PATH_INVALID'],
    ['/a\x00', 'ERR_HTTP_PATH_INVALID'],
    ['/caf\xe9', 'ERR_HTTP_PATH_INVALID'],
    ['/%41/caf\xe9', 'ERR_HTTP_PATH_INVALID'],
  ];
  for (const [input, code, options] of refused) {
    it(`refuses ${JSON.stringify(input)} with ${code}${options ? ` under ${JSON.stringify(options)}` : ''}`, () => {
      const r = normalizePath(input, options ?? {});
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.code, code);
        assert.ok(r.reason.length > 0);
      }
    });
  }

  describe('opt-ins', () => {
    it('keeps %2F as an opaque "%2F" when allowed, never as a separator', () => {
      assert.deepEqual(normalizePath('/a%2fb/../c', { allowEncodedSlash: true }), { ok: true, path: '/c' });
      assert.deepEqual(normalizePath('/a%2f..%2fb', { allowEncodedSlash: true }), { ok: true, path: '/a%2F..%2Fb' });
    });

    it('keeps "\\" and %5C when allowed', () => {
      assert.deepEqual(normalizePath('/a\\b%5c', { allowBackslash: true }), { ok: true, path: '/a\\b%5C' });
    });

    it('keeps path parameters when allowed', () => {
      assert.deepEqual(normalizePath('/a;v=1/./b;x', { allowPathParams: true }), { ok: true, path: '/a;v=1/b;x' });
    });
  });

  it('is idempotent', () => {
    for (const [input] of normalized) {
      const once = normalizePath(input);
      assert.ok(once.ok);
      if (once.ok) assert.deepEqual(normalizePath(once.path), once, input);
    }
  });
});
