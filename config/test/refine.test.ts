import assert from 'node:assert/strict';
import { ConfigError } from '../src/errors.js';
import { loadConfig } from '../src/load.js';
import { assertOneProblem, base, problemsOf, withRoute, withUpstream } from './helpers.js';

describe('cross-field checks', () => {
  it('duplicate listener names', () => {
    assertOneProblem(
      { ...base(), listeners: [{ name: 'web', address: ':80' }, { name: 'web', address: ':81' }] },
      'listeners.1.name',
      'duplicate listener name "web" (also listeners.0)',
    );
  });

  it('duplicate route names', () => {
    assertOneProblem(
      { ...base(), routes: [{ name: 'r', forward: { upstream: 'app' } }, { name: 'r', respond: {} }] },
      'routes.1.name',
      'duplicate route name "r" (also routes.0)',
    );
  });

  it('duplicate upstream names', () => {
    assertOneProblem(
      { ...base(), upstreams: [{ name: 'app', targets: [{ address: 'a:1' }] }, { name: 'app', targets: [{ address: 'b:1' }] }] },
      'upstreams.1.name',
      'duplicate upstream name "app" (also upstreams.0)',
    );
  });

  it('two listeners on the same address, including a wildcard host', () => {
    assertOneProblem(
      { ...base(), listeners: [{ name: 'a', address: '127.0.0.1:8080' }, { name: 'b', address: '127.0.0.1:8080' }] },
      'listeners.1.address',
      'listener "b": address 127.0.0.1:8080 is already used by listener "a" (listeners.0, 127.0.0.1:8080)',
    );
    assertOneProblem(
      { ...base(), listeners: [{ name: 'a', address: ':8080' }, { name: 'b', address: '10.0.0.1:8080' }] },
      'listeners.1.address',
      /already used by listener "a"/,
    );
  });

  it('allows the same port for tcp and udp, and several ephemeral ports', () => {
    loadConfig({
      ...base(),
      listeners: [
        { name: 'dns-tcp', protocol: 'tcp', address: ':5353' },
        { name: 'dns-udp', protocol: 'udp', address: ':5353' },
        { name: 'e1', address: '127.0.0.1:0' },
        { name: 'e2', address: '127.0.0.1:0' },
      ],
    });
  });

  it('a route forwarding to an unknown upstream', () => {
    const raw = {
      ...base(),
      upstreams: [
        { name: 'backend', targets: [{ address: 'a:1' }] },
        { name: 'frontend', targets: [{ address: 'b:1' }] },
      ],
      routes: [{ name: 'r', forward: { upstream: 'backnd' } }],
    };
    assertOneProblem(raw, 'routes.0.forward.upstream', 'unknown upstream "backnd" (known: backend, frontend)');
  });

  it('an unknown upstream in a weighted forward, and all-zero weights', () => {
    assertOneProblem(withRoute({ forward: { upstreams: [{ upstream: 'app' }, { upstream: 'nope' }] } }), 'routes.0.forward.upstreams.1.upstream', 'unknown upstream "nope" (known: app)');
    assertOneProblem(withRoute({ forward: { upstreams: [{ upstream: 'app', weight: 0 }] } }), 'routes.0.forward.upstreams', /all upstream weights are 0/);
    assertOneProblem(withRoute({ forward: { upstreams: [{ upstream: 'app' }, { upstream: 'app' }] } }), 'routes.0.forward.upstreams.1.upstream', /listed twice/);
  });

  it('a route naming an unknown listener', () => {
    assertOneProblem(withRoute({ listeners: ['web', 'admin'], forward: { upstream: 'app' } }), 'routes.0.listeners.1', 'unknown listener "admin" (known: web)');
  });

  it('a route with no action', () => {
    assertOneProblem(withRoute({ match: { path: '/x' } }), 'routes.0', 'route "r" has no action; set exactly one of forward, forwardDynamic, redirect, respond, script');
  });

  it('a route with several actions', () => {
    assertOneProblem(
      withRoute({ forward: { upstream: 'app' }, redirect: { location: '/' }, respond: {} }),
      'routes.0',
      'route "r" has several actions (forward, redirect, respond); set exactly one',
    );
  });

  it('https and tls listeners without certificates; tls on a plain listener', () => {
    assertOneProblem({ ...base(), listeners: [{ name: 's', protocol: 'https', address: ':443' }] }, 'listeners.0.tls', 'listener "s" uses protocol https and needs tls.certificates');
    assertOneProblem({ ...base(), listeners: [{ name: 't', protocol: 'tls', address: ':993' }] }, 'listeners.0.tls', /protocol tls and needs tls.certificates/);
    assertOneProblem(
      { ...base(), listeners: [{ name: 's', protocol: 'https', address: ':443', tls: { certificates: [] } }] },
      'listeners.0.tls.certificates',
      /at least one certificate/,
    );
    assertOneProblem(
      { ...base(), listeners: [{ name: 'p', address: ':80', tls: { certificates: [{ cert: 'c', key: 'k' }] } }] },
      'listeners.0.tls',
      /protocol http; tls is only allowed with https or tls/,
    );
  });

  it('an upstream with zero targets', () => {
    assertOneProblem(withUpstream({ targets: [] }), 'upstreams.0.targets', 'upstream "app" has no targets; add at least one');
  });

  it('an upstream whose weights are all zero', () => {
    assertOneProblem(
      withUpstream({ targets: [{ address: 'a:1', weight: 0 }, { address: 'b:1', weight: 0 }] }),
      'upstreams.0.targets',
      'upstream "app": all target weights are 0; at least one must be > 0',
    );
  });

  it('the same target twice in an upstream', () => {
    assertOneProblem(withUpstream({ targets: [{ address: 'a:1' }, { address: 'A:1' }] }), 'upstreams.0.targets.1.address', /target A:1 is listed twice \(also targets.0\)/);
  });

  it('replacePrefix without stripPrefix', () => {
    assertOneProblem(withRoute({ forward: { upstream: 'app' }, replacePrefix: '/v2' }), 'routes.0.replacePrefix', /needs stripPrefix/);
  });

  it('admin on a listener address; NATS credentials that contradict', () => {
    assertOneProblem({ ...base(), admin: { address: '127.0.0.1:8080' } }, 'admin.address', /already used by listener "web"/);
    assertOneProblem({ ...base(), cluster: { name: 'c', nats: { servers: ['nats://h:4222'], token: 't', user: 'u', pass: 'p' } } }, 'cluster.nats.token', /either token or user\/pass/);
    assertOneProblem({ ...base(), cluster: { name: 'c', nats: { servers: ['h:4222'], user: 'u' } } }, 'cluster.nats.pass', /go together/);
  });
});

describe('reporting', () => {
  it('reports every cross-field problem at once', () => {
    const problems = problemsOf({
      listeners: [
        { name: 'web', address: ':8080' },
        { name: 'web', address: '127.0.0.1:8080' },
      ],
      routes: [
        { name: 'a', forward: { upstream: 'backnd' } },
        { name: 'b', listeners: ['nope'] },
      ],
      upstreams: [{ name: 'backend', targets: [] }],
    });
    assert.deepEqual(
      problems.map((p) => p.path),
      ['listeners.1.name', 'listeners.1.address', 'upstreams.0.targets', 'routes.0.forward.upstream', 'routes.1', 'routes.1.listeners.0'],
    );
  });

  it('reports every shape and value problem at once', () => {
    const problems = problemsOf({
      listeners: [{ name: 'web', address: 'nope' }],
      routes: [{ name: 'bad name', forward: { upstream: 'app' }, timeout: '5 years' }],
      upstreams: [{ name: 'app', balance: 'fastest', targets: [{ address: 'a:1', weight: 1.5 }] }],
      workers: -1,
    });
    assert.deepEqual(
      problems.map((p) => p.path),
      ['listeners.0.address', 'routes.0.name', 'routes.0.timeout', 'upstreams.0.balance', 'upstreams.0.targets.0.weight', 'workers'],
    );
  });

  it('runs cross-field checks only once the shape is valid', () => {
    const problems = problemsOf({ ...base(), listeners: [{ name: 'a', address: 'x' }, { name: 'b', address: 'y' }], routes: [{ name: 'r', forward: { upstream: 'nope' } }] });
    assert.deepEqual(problems.map((p) => p.path), ['listeners.0.address', 'listeners.1.address']);
  });

  it('ConfigError carries the code, the problems, and a path: reason message per line', () => {
    try {
      loadConfig(withRoute({ forward: { upstream: 'app' }, timeout: 'soon' }));
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.name, 'ConfigError');
      assert.equal(err.code, 'ERR_CONFIG_INVALID');
      assert.deepEqual(err.problems, [{ path: 'routes.0.timeout', message: 'invalid duration "soon": use e.g. "500ms", "2s", "1m", "1h" or a number of milliseconds' }]);
      assert.equal(err.message, 'routes.0.timeout: invalid duration "soon": use e.g. "500ms", "2s", "1m", "1h" or a number of milliseconds');
    }
  });

  it('renders a multi-line message, one problem per line', () => {
    try {
      loadConfig({ ...base(), routes: [{ name: 'a', forward: { upstream: 'x' } }, { name: 'b', forward: { upstream: 'y' } }] });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.message, 'routes.0.forward.upstream: unknown upstream "x" (known: app)\nroutes.1.forward.upstream: unknown upstream "y" (known: app)');
    }
  });
});

describe('the result', () => {
  it('is deep-frozen: mutation throws in strict mode', () => {
    const cfg = loadConfig(base());
    assert.ok(Object.isFrozen(cfg));
    assert.throws(() => {
      (cfg as { workers: unknown }).workers = 4;
    }, TypeError);
    assert.throws(() => {
      (cfg.listeners as unknown as unknown[]).push({});
    }, TypeError);
    assert.throws(() => {
      (cfg.upstreams[0]!.targets[0]!.address as { port: number }).port = 1;
    }, TypeError);
    assert.throws(() => {
      (cfg.server.limits as { maxBodySize: number }).maxBodySize = 1;
    }, TypeError);
  });

  it('does not freeze or change the input', () => {
    const raw = base();
    loadConfig(raw);
    assert.ok(!Object.isFrozen(raw));
    assert.equal((raw.listeners as { address: unknown }[])[0]?.address, '127.0.0.1:8080');
  });
});
