import assert from 'node:assert/strict';
import { RedirectTemplate } from '../../src/router/redirect-render.js';
import type { RequestFacts } from '../../src/router/request-facts.js';
import { facts, tableWith, target } from './router-fixtures.js';

describe('redirect render', () => {
  const ports = new Map([
    ['web', 8080],
    ['ephemeral', 0],
  ]);
  const cases: [template: string, f: RequestFacts, expected: string][] = [
    ['https://${host}${uri}', target('/a/b?x=1'), 'https://www.example.com/a/b?x=1'],
    ['https://${host}${path}${query}', target('/a'), 'https://www.example.com/a'],
    ['https://${host}${path}${query}', target('/a?'), 'https://www.example.com/a'],
    ['${scheme}://${authority}/new', facts({ scheme: 'https', port: 8443 }), 'https://www.example.com:8443/new'],
    ['${scheme}://${authority}/new', facts(), 'http://www.example.com/new'],
    ['${scheme}://${authority}/', facts({ host: '::1', port: 8080 }), 'http://[::1]:8080/'],
    ['port=${port}', facts({ port: 9000 }), 'port=9000'],
    ['port=${port}', facts(), 'port=8080'],
    ['port=${port}', facts({ listener: 'ephemeral', scheme: 'https' }), 'port=443'],
    ['port=${port}', facts({ listener: 'unknown' }), 'port=80'],
    ['/static/literal', facts(), '/static/literal'],
    ['cost: $5 and $${host}', facts(), 'cost: $5 and ${host}'],
    ['https://m.example.com${uri}', target('/p?q=a%20b'), 'https://m.example.com/p?q=a%20b'],
  ];
  for (const [template, f, expected] of cases) {
    it(`renders ${template} as ${expected}`, () => {
      assert.equal(new RedirectTemplate(302, template, ports).render(f), expected);
    });
  }

  it('refuses a template that does not parse', () => {
    assert.throws(() => new RedirectTemplate(302, 'https://${nope}', ports), /unknown token/);
  });

  it('is compiled per route with its status and the listener ports', () => {
    const table = tableWith([
      { name: 'to-https', match: { host: 'www.example.com' }, redirect: { status: 301, location: 'https://${host}:${port}${uri}' } },
      { name: 'default-status', redirect: { location: '/elsewhere' } },
    ]);
    const r = table.match(target('/a?b=1'));
    assert.equal(r?.kind, 'redirect');
    if (r?.kind !== 'redirect') return;
    assert.equal(r.redirect.status, 301);
    assert.equal(r.redirect.render(target('/a?b=1')), 'https://www.example.com:8080/a?b=1');
    assert.equal(table.route('default-status')?.redirect?.status, 302);
  });
});
