import assert from 'node:assert/strict';
import { compilePathRewrite, identityPathRewrite, PrefixMapping } from '../../src/router/path-rewrite.js';
import { tableWith } from './router-fixtures.js';

describe('rewritePath', () => {
  const cases: [strip: string, replace: string | undefined, path: string, expected: string][] = [
    ['/api', undefined, '/api/users', '/users'],
    ['/api', undefined, '/api', '/'],
    ['/api', undefined, '/api/', '/'],
    ['/api', undefined, '/api/x/', '/x/'],
    ['/api', undefined, '/apix/users', '/apix/users'],
    ['/api', undefined, '/other', '/other'],
    ['/api/', undefined, '/api/users', '/users'],
    ['/api/', undefined, '/api', '/'],
    ['/api', '/v2', '/api/users', '/v2/users'],
    ['/api', '/v2', '/api', '/v2'],
    ['/api', '/v2/', '/api/users', '/v2/users'],
    ['/api', '/', '/api/users', '/users'],
    ['/api', '/v2', '/apix', '/apix'],
    ['/', '/v2', '/users', '/v2/users'],
    ['/', '/v2', '/', '/v2/'],
    ['/a/b', '/c', '/a/b/d', '/c/d'],
    ['/caf%c3%a9', undefined, '/caf%C3%A9/x', '/x'],
  ];
  for (const [strip, replace, path, expected] of cases) {
    it(`rewrites ${path} to ${expected} with stripPrefix ${strip}${replace === undefined ? '' : ` replacePrefix ${replace}`}`, () => {
      assert.equal(compilePathRewrite(strip, replace)(path), expected);
    });
  }

  it('shares one identity function between routes without stripPrefix', () => {
    const table = tableWith([
      { name: 'r1', match: { path: '/1' }, forward: { upstream: 'a' } },
      { name: 'r2', forward: { upstream: 'b' } },
      { name: 'r3', stripPrefix: '/x', forward: { upstream: 'c' } },
    ]);
    assert.equal(table.route('r1')?.rewritePath, identityPathRewrite);
    assert.equal(table.route('r2')?.rewritePath, identityPathRewrite);
    assert.notEqual(table.route('r3')?.rewritePath, identityPathRewrite);
    assert.equal(table.route('r3')?.rewritePath('/x/y'), '/y');
  });

  it('compiles stripPrefix "/" without replacePrefix to the identity', () => {
    assert.equal(compilePathRewrite('/', undefined), identityPathRewrite);
  });

  describe('invert (for Location)', () => {
    const inverse: [strip: string, replace: string | undefined, upstreamPath: string, expected: string][] = [
      ['/api', undefined, '/users', '/api/users'],
      ['/api', undefined, '/', '/api/'],
      ['/api', undefined, '', '/api/'],
      ['/api', '/v2', '/v2/users', '/api/users'],
      ['/api', '/v2', '/v2', '/api'],
      ['/api', '/v2', '/v2x', '/v2x'],
      ['/api', '/v2', '/elsewhere', '/elsewhere'],
      ['/', '/v2', '/v2/x', '/x'],
      ['/', '/v2', '/v2', '/'],
    ];
    for (const [strip, replace, path, expected] of inverse) {
      it(`maps ${JSON.stringify(path)} back to ${expected} (strip ${strip}, replace ${replace ?? '-'})`, () => {
        assert.equal(new PrefixMapping(strip, replace).invert(path), expected);
      });
    }
  });
});
