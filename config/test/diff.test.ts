import assert from 'node:assert/strict';
import { diffConfig } from '../src/diff.js';
import { loadConfig } from '../src/load.js';
import { base } from './helpers.js';

describe('diffConfig', () => {
  const prev = loadConfig({
    ...base(),
    routes: [
      { name: 'api', match: { pathPrefix: '/api' }, forward: { upstream: 'app' } },
      { name: 'default', forward: { upstream: 'app' } },
    ],
    upstreams: [
      { name: 'app', targets: [{ address: 'a:1' }] },
      { name: 'old', targets: [{ address: 'o:1' }] },
    ],
  });

  it('reports nothing for equal configs', () => {
    const d = diffConfig(prev, loadConfig(JSON.parse(JSON.stringify({ ...base(), routes: [{ name: 'api', match: { pathPrefix: '/api' }, forward: { upstream: 'app' } }, { name: 'default', forward: { upstream: 'app' } }], upstreams: [{ name: 'app', targets: [{ address: 'a:1' }] }, { name: 'old', targets: [{ address: 'o:1' }] }] }))));
    assert.equal(d.hasChanges, false);
    assert.deepEqual(d.routes, { added: [], removed: [], changed: [] });
  });

  it('reports added, removed and changed items by name, and changed settings', () => {
    const next = loadConfig({
      ...base(),
      listeners: [{ name: 'web', address: '127.0.0.1:8080' }, { name: 'alt', address: ':9090' }],
      routes: [
        { name: 'api', match: { pathPrefix: '/api/v2' }, forward: { upstream: 'app' } },
        { name: 'health', respond: { body: 'ok' } },
        { name: 'default', forward: { upstream: 'app' } },
      ],
      upstreams: [
        { name: 'app', targets: [{ address: 'a:1', weight: 2 }] },
        { name: 'new', targets: [{ address: 'n:1' }] },
      ],
      log: { level: 'debug' },
    });
    const d = diffConfig(prev, next);
    assert.deepEqual(d.listeners, { added: ['alt'], removed: [], changed: [] });
    assert.deepEqual(d.routes, { added: ['health'], removed: [], changed: ['api'] });
    assert.deepEqual(d.upstreams, { added: ['new'], removed: ['old'], changed: ['app'] });
    assert.equal(d.routesReordered, false);
    assert.deepEqual(d.settings, ['log']);
    assert.equal(d.hasChanges, true);
  });

  it('notices reordered routes (ties in priority keep file order)', () => {
    const next = loadConfig({
      ...base(),
      routes: [
        { name: 'default', forward: { upstream: 'app' } },
        { name: 'api', match: { pathPrefix: '/api' }, forward: { upstream: 'app' } },
      ],
      upstreams: [
        { name: 'app', targets: [{ address: 'a:1' }] },
        { name: 'old', targets: [{ address: 'o:1' }] },
      ],
    });
    const d = diffConfig(prev, next);
    assert.deepEqual(d.routes, { added: [], removed: [], changed: [] });
    assert.equal(d.routesReordered, true);
    assert.equal(d.hasChanges, true);
  });
});
