import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { defineConfig, forwardTargets, routeAction } from '../src/define.js';
import { embeddedDefaultConfig } from '../src/embedded-default.js';
import { loadConfig } from '../src/load.js';
import type { ConfigInput } from '../src/schema.js';
import { assertOneProblem, base, EXAMPLE_YAML, problemsOf, withRoute, withUpstream } from './helpers.js';

describe('the contract example', () => {
  const cfg = loadConfig(parseYaml(EXAMPLE_YAML));

  it('parses listeners with normalized addresses', () => {
    assert.deepEqual(cfg.listeners, [{ name: 'web', protocol: 'http', address: { host: '127.0.0.1', port: 8080, text: '127.0.0.1:8080' } }]);
  });

  it('keeps routes in file order with their priorities, matches and actions', () => {
    assert.deepEqual(
      cfg.routes.map((r) => [r.name, r.priority]),
      [
        ['oauth', 10],
        ['default', 1000],
      ],
    );
    assert.deepEqual(cfg.routes[0]?.match, { path: ['/oauth2/authorization/**', '/login/oauth2/code/**'] });
    assert.deepEqual(cfg.routes[0]?.forward, { upstream: 'backend' });
    assert.deepEqual(cfg.routes[1]?.match, {}, 'a route without match matches everything');
  });

  it('fills route defaults', () => {
    const r = cfg.routes[1];
    assert.equal(r?.preserveHost, false);
    assert.equal(r?.rewriteLocation, true);
    assert.equal(r?.allowAmbiguousPath, false);
    assert.equal(r?.stripPrefix, undefined);
    assert.equal(r?.timeout, undefined);
  });

  it('fills upstream and target defaults', () => {
    const [backend, frontend] = cfg.upstreams;
    assert.equal(backend?.balance, 'round-robin');
    assert.equal(frontend?.balance, 'round-robin');
    assert.deepEqual(frontend?.targets.map((t) => [t.address.port, t.weight, t.state]), [
      [3000, 1, 'active'],
      [3001, 2, 'active'],
    ]);
    assert.deepEqual(backend?.pool, { maxIdle: 64, idleTimeout: 60_000 });
    assert.deepEqual(backend?.timeouts, { connect: 5000, responseHead: 60_000, idle: 60_000 });
    assert.equal(backend?.tls, undefined);
    assert.equal(backend?.proxyProtocol, undefined);
    assert.equal(backend?.hashKey, 'source-ip');
  });

  it('fills server and process defaults', () => {
    assert.deepEqual(cfg.server, {
      requestIdHeader: 'x-request-id',
      forwarded: { xForwardedFor: true, xForwardedProto: true, xForwardedHost: true, xRealIp: false, forwarded: false, via: true },
      trustedProxies: [],
      maxHops: 10,
      limits: { maxHeadSize: 16 * 1024, maxHeaderCount: 100, maxTargetLength: 8 * 1024, maxBodySize: 10 * 1024 * 1024 },
      timeouts: { requestHead: 10_000, keepAliveIdle: 5000, tunnelIdle: 3_600_000, tcpIdle: 3_600_000, udpFlowIdle: 30_000 },
      accessLog: { enabled: true, format: 'combined' },
      shutdownTimeout: 10_000,
      drain: { timeout: 30_000 },
    });
    assert.deepEqual(cfg.log, { level: 'info' });
    assert.equal(cfg.workers, 1);
    assert.equal(cfg.admin, undefined);
    assert.equal(cfg.cluster, undefined);
  });
});

describe('route match', () => {
  const matchOf = (match: Record<string, unknown>) => loadConfig(withRoute({ match, forward: { upstream: 'app' } })).routes[0]?.match;

  it('host: string or list, exact or wildcard, lower-cased', () => {
    assert.deepEqual(matchOf({ host: 'Example.COM' }), { host: ['example.com'] });
    assert.deepEqual(matchOf({ host: ['a.example.com', '*.example.org'] }), { host: ['a.example.com', '*.example.org'] });
  });

  it('host: rejects a wildcard that is not the leftmost label', () => {
    assertOneProblem(withRoute({ match: { host: 'a.*.example.com' }, forward: { upstream: 'app' } }), 'routes.0.match.host', /invalid host pattern/);
    assertOneProblem(withRoute({ match: { host: ['ok.com', '*'] }, forward: { upstream: 'app' } }), 'routes.0.match.host.1', /invalid host pattern/);
  });

  it('path: exact or glob, string or list', () => {
    assert.deepEqual(matchOf({ path: '/health' }), { path: ['/health'] });
    assert.deepEqual(matchOf({ path: ['/api/*/items', '/static/**', '/files/*.png'] }), { path: ['/api/*/items', '/static/**', '/files/*.png'] });
  });

  it('path: must start with / and use ** as a whole segment', () => {
    assertOneProblem(withRoute({ match: { path: 'api' }, forward: { upstream: 'app' } }), 'routes.0.match.path', /must start with "\/"/);
    assertOneProblem(withRoute({ match: { path: ['/a', '/b**'] }, forward: { upstream: 'app' } }), 'routes.0.match.path.1', /whole segment/);
  });

  it('pathPrefix: string or list', () => {
    assert.deepEqual(matchOf({ pathPrefix: '/api/' }), { pathPrefix: ['/api/'] });
    assert.deepEqual(matchOf({ pathPrefix: ['/a', '/b'] }), { pathPrefix: ['/a', '/b'] });
    assertOneProblem(withRoute({ match: { pathPrefix: 'api' }, forward: { upstream: 'app' } }), 'routes.0.match.pathPrefix', /must start with "\/"/);
  });

  it('pathRegex: validated as a RegExp at load', () => {
    assert.deepEqual(matchOf({ pathRegex: '^/v[0-9]+/' }), { pathRegex: '^/v[0-9]+/' });
    assertOneProblem(withRoute({ match: { pathRegex: '^/(unclosed' }, forward: { upstream: 'app' } }), 'routes.0.match.pathRegex', /invalid regular expression/);
  });

  it('method: string or list, upper-cased', () => {
    assert.deepEqual(matchOf({ method: 'get' }), { method: ['GET'] });
    assert.deepEqual(matchOf({ method: ['post', 'PUT'] }), { method: ['POST', 'PUT'] });
    assertOneProblem(withRoute({ match: { method: 'GE T' }, forward: { upstream: 'app' } }), 'routes.0.match.method', /invalid method/);
  });

  it('headers: exact, any-of, regex, present/absent; names lower-cased', () => {
    assert.deepEqual(
      matchOf({ headers: { 'X-Env': 'prod', 'x-version': ['1', '2'], 'User-Agent': { regex: 'curl/' }, authorization: { present: true }, 'x-debug': { present: false } } }),
      {
        headers: {
          'x-env': { kind: 'exact', values: ['prod'] },
          'x-version': { kind: 'exact', values: ['1', '2'] },
          'user-agent': { kind: 'regex', regex: 'curl/' },
          authorization: { kind: 'present', present: true },
          'x-debug': { kind: 'present', present: false },
        },
      },
    );
  });

  it('headers: rejects bad names, bad regexes, unknown shapes and case duplicates', () => {
    const route = (headers: unknown) => withRoute({ match: { headers }, forward: { upstream: 'app' } });
    assertOneProblem(route({ 'bad name': 'x' }), 'routes.0.match.headers["bad name"]', /invalid header name/);
    assertOneProblem(route({ 'x-a': { regex: '(' } }), 'routes.0.match.headers.x-a.regex', /invalid regular expression/);
    assertOneProblem(route({ 'x-a': { regx: 'a' } }), 'routes.0.match.headers.x-a', /expected a value, a list of values, \{ regex/);
    assertOneProblem(route({ 'x-a': { present: 'yes' } }), 'routes.0.match.headers.x-a.present', /expected boolean/);
    assertOneProblem(route({ 'X-A': '1', 'x-a': '2' }), 'routes.0.match.headers.x-a', /given twice/);
  });

  it('query: exact, regex and present; names kept as written', () => {
    assert.deepEqual(matchOf({ query: { Debug: { present: true }, v: '2', id: { regex: '^[0-9]+$' } } }), {
      query: {
        Debug: { kind: 'present', present: true },
        v: { kind: 'exact', values: ['2'] },
        id: { kind: 'regex', regex: '^[0-9]+$' },
      },
    });
    assertOneProblem(withRoute({ match: { query: { id: { regex: '[' } } }, forward: { upstream: 'app' } }), 'routes.0.match.query.id.regex', /invalid regular expression/);
  });

  it('sourceCidr: CIDR or list, IPv4 and IPv6', () => {
    assert.deepEqual(matchOf({ sourceCidr: '10.0.0.0/8' }), { sourceCidr: ['10.0.0.0/8'] });
    assert.deepEqual(matchOf({ sourceCidr: ['192.168.0.0/16', '::1'] }), { sourceCidr: ['192.168.0.0/16', '::1/128'] });
    assertOneProblem(withRoute({ match: { sourceCidr: ['10.0.0.0/8', '300.0.0.0/8'] }, forward: { upstream: 'app' } }), 'routes.0.match.sourceCidr.1', /invalid CIDR/);
  });

  it('all kinds together, ANDed', () => {
    const m = matchOf({ host: '*.x.io', path: '/a/**', pathPrefix: '/a', pathRegex: 'a', method: 'get', headers: { h: 'v' }, query: { q: 'v' }, sourceCidr: '::/0' });
    assert.deepEqual(Object.keys(m ?? {}).sort(), ['headers', 'host', 'method', 'path', 'pathPrefix', 'pathRegex', 'query', 'sourceCidr']);
  });

  it('rejects an unknown match key with a suggestion', () => {
    assertOneProblem(withRoute({ match: { paths: '/a' }, forward: { upstream: 'app' } }), 'routes.0.match.paths', 'unknown key "paths" (did you mean "path"?)');
  });
});

describe('route actions', () => {
  it('forward to one upstream or a weighted list', () => {
    const cfg = loadConfig({
      ...base(),
      upstreams: [
        { name: 'app', targets: [{ address: 'a:1' }] },
        { name: 'canary', targets: [{ address: 'b:1' }] },
      ],
      routes: [
        { name: 'one', forward: { upstream: 'app' } },
        { name: 'split', forward: { upstreams: [{ upstream: 'app', weight: 9 }, { upstream: 'canary' }] } },
      ],
    });
    assert.deepEqual(forwardTargets(cfg.routes[0]!.forward!), [{ upstream: 'app', weight: 1 }]);
    assert.deepEqual(forwardTargets(cfg.routes[1]!.forward!), [
      { upstream: 'app', weight: 9 },
      { upstream: 'canary', weight: 1 },
    ]);
    assert.equal(routeAction(cfg.routes[1]!).kind, 'forward');
  });

  it('forward with both upstream and upstreams is rejected with the forward shapes', () => {
    assertOneProblem(withRoute({ forward: { upstream: 'app', upstreams: [{ upstream: 'app' }] } }), 'routes.0.forward', /either \{ upstream: name \} or \{ upstreams/);
  });

  it('forward reports a typo inside the weighted list at its path', () => {
    assertOneProblem(withRoute({ forward: { upstreams: [{ upstream: 'app', wieght: 2 }] } }), 'routes.0.forward.upstreams.0.wieght', /did you mean "weight"/);
  });

  it('redirect: status defaults to 302, location template validated', () => {
    const cfg = loadConfig(withRoute({ redirect: { location: 'https://${host}${uri}' } }));
    assert.deepEqual(cfg.routes[0]?.redirect, { status: 302, location: 'https://${host}${uri}' });
    assert.deepEqual(routeAction(cfg.routes[0]!), { kind: 'redirect', redirect: { status: 302, location: 'https://${host}${uri}' } });
    assertOneProblem(withRoute({ redirect: { status: 300, location: '/' } }), 'routes.0.redirect.status', /301, 302, 303, 307, 308/);
    assertOneProblem(withRoute({ redirect: { location: 'https://${hots}/' } }), 'routes.0.redirect.location', /unknown token "\$\{hots\}"/);
  });

  it('respond: status default 200, headers lower-cased, optional body', () => {
    const cfg = loadConfig(withRoute({ respond: { headers: { 'Content-Type': 'text/plain' }, body: 'ok' } }));
    assert.deepEqual(cfg.routes[0]?.respond, { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' });
    assertOneProblem(withRoute({ respond: { status: 99 } }), 'routes.0.respond.status', /Too small|>=100/);
  });

  it('script: path and options (default {})', () => {
    const cfg = loadConfig(withRoute({ script: { path: './route.js' } }));
    assert.deepEqual(cfg.routes[0]?.script, { path: './route.js', options: {}, isolation: 'inline', budget: 50, watch: true });
    assert.equal(routeAction(cfg.routes[0]!).kind, 'script');
  });

  it('script: a bare path, isolation, budget, fallback and shadow', () => {
    assert.deepEqual(loadConfig(withRoute({ script: './routers/canary.ts' })).routes[0]?.script, {
      path: './routers/canary.ts',
      options: {},
      isolation: 'inline',
      budget: 50,
      watch: true,
    });
    const cfg = loadConfig(
      withRoute({ script: { path: './r.ts', isolation: 'worker', budget: '2s', fallback: 'other', shadow: { path: './r2.ts' }, watch: false } }),
    );
    assert.deepEqual(cfg.routes[0]?.script, {
      path: './r.ts',
      options: {},
      isolation: 'worker',
      budget: 2000,
      fallback: 'other',
      shadow: { path: './r2.ts', share: 0.1 },
      watch: false,
    });
    assertOneProblem(withRoute({ script: { path: './r.ts', isolation: 'thread' } }), 'routes.0.script.isolation', /inline|worker/);
    assertOneProblem(withRoute({ script: { path: './r.ts', shadow: { path: './s.ts', share: 2 } } }), 'routes.0.script.shadow.share', /1/);
  });

  it('forwardDynamic: chocon-style host suffix with an allow-list', () => {
    const cfg = loadConfig(
      withRoute({
        match: { host: '*.ccnproxy-https' },
        forwardDynamic: { hostSuffix: '.ccnproxy-https', scheme: 'https', allow: ['api.example.com', '*.example.org'] },
      }),
    );
    assert.deepEqual(cfg.routes[0]?.forwardDynamic, {
      hostSuffix: '.ccnproxy-https',
      scheme: 'https',
      allow: ['api.example.com', '*.example.org'],
      timeouts: { connect: 5000, responseHead: 60_000, idle: 60_000 },
    });
    assert.equal(routeAction(cfg.routes[0]!).kind, 'forwardDynamic');
  });

  it('forwardDynamic: needs an allow-list, a dotted suffix and a valid scheme', () => {
    const fd = (over: Record<string, unknown>) => withRoute({ forwardDynamic: { hostSuffix: '.ccnproxy', scheme: 'http', allow: ['a.com'], ...over } });
    assertOneProblem(fd({ allow: [] }), 'routes.0.forwardDynamic.allow', /SSRF/);
    assertOneProblem(fd({ hostSuffix: 'ccnproxy' }), 'routes.0.forwardDynamic.hostSuffix', /must start with "\."/);
    assertOneProblem(fd({ scheme: 'ftp' }), 'routes.0.forwardDynamic.scheme', /http|https/);
    assertOneProblem(fd({ tls: { verify: false } }), 'routes.0.forwardDynamic.tls', /needs scheme https/);
  });

  it('per-route proxy options are parsed and normalized', () => {
    const cfg = loadConfig(
      withRoute({
        forward: { upstream: 'app' },
        preserveHost: true,
        stripPrefix: '/api',
        replacePrefix: '/v2',
        rewriteLocation: false,
        rewriteCookie: { domain: 'example.com', path: '/' },
        maxBodySize: '1mb',
        timeout: '30s',
        allowAmbiguousPath: true,
        listeners: ['web'],
      }),
    );
    const r = cfg.routes[0]!;
    assert.deepEqual(
      [r.preserveHost, r.stripPrefix, r.replacePrefix, r.rewriteLocation, r.rewriteCookie, r.maxBodySize, r.timeout, r.allowAmbiguousPath, r.listeners],
      [true, '/api', '/v2', false, { domain: 'example.com', path: '/' }, 1024 * 1024, 30_000, true, ['web']],
    );
  });
});

describe('upstream options', () => {
  it('parses balance, targets, tls, pool, timeouts and proxyProtocol', () => {
    const cfg = loadConfig(
      withUpstream({
        balance: 'least-connections',
        targets: [{ address: 'a:1', weight: 0 }, { address: 'b:1', weight: 3, maxConnections: 100, state: 'draining' }],
        tls: { servername: 'api.internal' },
        pool: { maxIdle: 8, idleTimeout: '30s', maxConnections: 256 },
        timeouts: { connect: '1s' },
        proxyProtocol: 'v2',
      }),
    );
    const u = cfg.upstreams[0]!;
    assert.equal(u.balance, 'least-connections');
    assert.deepEqual(u.targets.map((t) => [t.weight, t.maxConnections, t.state]), [
      [0, undefined, 'active'],
      [3, 100, 'draining'],
    ]);
    assert.deepEqual(u.tls, { servername: 'api.internal', verify: true });
    assert.deepEqual(u.pool, { maxIdle: 8, idleTimeout: 30_000, maxConnections: 256 });
    assert.deepEqual(u.timeouts, { connect: 1000, responseHead: 60_000, idle: 60_000 });
    assert.equal(u.proxyProtocol, 'v2');
  });

  it('accepts every balance strategy and rejects others', () => {
    for (const balance of ['round-robin', 'least-connections', 'least-request', 'random', 'consistent-hash', 'sticky-cookie', 'first']) {
      assert.equal(loadConfig(withUpstream({ balance })).upstreams[0]?.balance, balance);
    }
    assertOneProblem(withUpstream({ balance: 'fastest' }), 'upstreams.0.balance', /round-robin/);
  });

  it('validates weights and target state', () => {
    assertOneProblem(withUpstream({ targets: [{ address: 'a:1', weight: -1 }] }), 'upstreams.0.targets.0.weight', /Too small|>=0/);
    assertOneProblem(withUpstream({ targets: [{ address: 'a:1', state: 'down' }] }), 'upstreams.0.targets.0.state', /active|draining/);
  });

  it('fills health, retry and draining defaults as documented (HAProxy-quick checks)', () => {
    const up = loadConfig(withUpstream({ healthCheck: { type: 'http', path: '/health' } })).upstreams[0];
    assert.ok(up?.healthCheck);
    assert.deepEqual(
      {
        interval: up.healthCheck.interval,
        timeout: up.healthCheck.timeout,
        rise: up.healthCheck.healthyThreshold,
        fall: up.healthCheck.unhealthyThreshold,
        expect: up.healthCheck.expectStatus,
        initial: up.healthCheck.initialState,
      },
      { interval: 2000, timeout: 1000, rise: 2, fall: 3, expect: ['200-399'], initial: 'assume-healthy' },
    );
    assert.equal(up.retries, 2);
    assert.deepEqual(up.retryOn, []);
    assert.equal(up.slowStart, 0);
    assert.equal(up.deregistrationDelay, 30_000);
    assert.equal(up.passive.consecutiveConnectFailures, 3);
    assert.equal(up.panicThreshold, 50);
  });

  it('rejects a bad expected status with its path', () => {
    assertOneProblem(withUpstream({ healthCheck: { type: 'http', expectStatus: ['2xx'] } }), 'upstreams.0.healthCheck.expectStatus.0', /invalid status or range/);
  });
});

describe('listeners, server and process options', () => {
  it('https listener with certificates and default minVersion', () => {
    const cfg = loadConfig({
      ...base(),
      listeners: [{ name: 'tls', protocol: 'https', address: ':443', tls: { certificates: [{ cert: 'c.pem', key: 'k.pem', serverNames: '*.example.com' }] } }],
    });
    assert.deepEqual(cfg.listeners[0]?.tls, { certificates: [{ cert: 'c.pem', key: 'k.pem', serverNames: ['*.example.com'] }], minVersion: 'TLSv1.2' });
  });

  it('protocol defaults to http and accepts the later protocols', () => {
    assert.equal(loadConfig(base()).listeners[0]?.protocol, 'http');
    for (const protocol of ['tcp', 'udp']) {
      assert.equal(loadConfig({ ...base(), listeners: [{ name: 'l', protocol, address: ':9000' }] }).listeners[0]?.protocol, protocol);
    }
    assertOneProblem({ ...base(), listeners: [{ name: 'l', protocol: 'quic', address: ':9000' }] }, 'listeners.0.protocol', /http/);
  });

  it('parses every server option', () => {
    const cfg = loadConfig({
      ...base(),
      server: {
        requestIdHeader: 'X-Trace-Id',
        forwarded: { xRealIp: true, forwarded: true, via: false },
        trustedProxies: ['10.0.0.0/8'],
        maxHops: 5,
        limits: { maxHeadSize: '32kb', maxHeaderCount: 50, maxTargetLength: 4096, maxBodySize: '1gb' },
        timeouts: { requestHead: '5s', keepAliveIdle: 1000, tunnelIdle: '90s' },
        accessLog: { format: 'json', path: '/var/log/sy.log' },
        shutdownTimeout: '25s',
        drain: { timeout: '2m' },
      },
    });
    assert.equal(cfg.server.shutdownTimeout, 25_000);
    assert.deepEqual(cfg.server.drain, { timeout: 120_000 });
    assert.equal(cfg.server.requestIdHeader, 'x-trace-id');
    assert.deepEqual(cfg.server.forwarded, { xForwardedFor: true, xForwardedProto: true, xForwardedHost: true, xRealIp: true, forwarded: true, via: false });
    assert.deepEqual(cfg.server.limits, { maxHeadSize: 32 * 1024, maxHeaderCount: 50, maxTargetLength: 4096, maxBodySize: 1024 ** 3 });
    assert.deepEqual(cfg.server.timeouts, { requestHead: 5000, keepAliveIdle: 1000, tunnelIdle: 90_000, tcpIdle: 3_600_000, udpFlowIdle: 30_000 });
    assert.deepEqual(cfg.server.accessLog, { enabled: true, format: 'json', path: '/var/log/sy.log' });
    assert.equal(loadConfig({ ...base(), server: { accessLog: { format: '$remote_addr $status' } } }).server.accessLog.format, '$remote_addr $status');
  });

  it('parses log, admin, cluster and workers', () => {
    const cfg = loadConfig({
      ...base(),
      log: { level: 'debug' },
      admin: {},
      cluster: { name: 'edge', nats: { servers: ['nats://127.0.0.1:4222'], token: 's3cret' } },
      workers: 'auto',
    });
    assert.deepEqual(cfg.log, { level: 'debug' });
    assert.deepEqual(cfg.admin, { address: { host: '127.0.0.1', port: 9901, text: '127.0.0.1:9901' } });
    assert.deepEqual(cfg.cluster, { name: 'edge', nats: { servers: ['nats://127.0.0.1:4222'], token: 's3cret' } });
    assert.equal(cfg.workers, 'auto');
    assertOneProblem({ ...base(), workers: 0 }, 'workers', /positive|Too small|>0|auto/);
  });

  it('accepts a $schema key for editors', () => {
    assert.equal(loadConfig({ ...base(), $schema: './switchyard.schema.json' }).listeners.length, 1);
  });

  it('requires at least one listener', () => {
    assertOneProblem({ ...base(), listeners: [] }, 'listeners', /at least one listener/);
    assertOneProblem({ routes: [] }, 'listeners', 'required array is missing');
  });

  it('rejects a non-object config', () => {
    assertOneProblem(null, '', /expected object, got null/);
    assertOneProblem([], '', /expected object, got an array/);
  });
});

describe('unknown keys', () => {
  it('are reported at their full path, with a suggestion for typos', () => {
    const problems = problemsOf({
      ...base(),
      listners: [],
      upstreams: [{ name: 'app', targets: [{ address: 'a:1', wieght: 2 }], timeout: { connect: '1s' } }],
    });
    assert.deepEqual(
      problems.map((p) => [p.path, p.message]),
      [
        ['upstreams.0.targets.0.wieght', 'unknown key "wieght" (did you mean "weight"?)'],
        ['upstreams.0.timeout', 'unknown key "timeout" (did you mean "timeouts"?)'],
        ['listners', 'unknown key "listners" (did you mean "listeners"?)'],
      ],
    );
  });

  it('list the allowed keys when nothing is close', () => {
    assertOneProblem({ ...base(), log: { colour: true } }, 'log.colour', 'unknown key "colour" (allowed: level)');
  });
});

describe('embedded default (demo) config', () => {
  it('is valid: 127.0.0.1:8080 round-robin over 8081 and 8082', () => {
    const cfg = loadConfig(embeddedDefaultConfig);
    assert.deepEqual(cfg.listeners[0]?.address, { host: '127.0.0.1', port: 8080, text: '127.0.0.1:8080' });
    assert.equal(cfg.upstreams[0]?.balance, 'round-robin');
    assert.deepEqual(cfg.upstreams[0]?.targets.map((t) => t.address.text), ['127.0.0.1:8081', '127.0.0.1:8082']);
    assert.deepEqual(cfg.routes[0]?.forward, { upstream: cfg.upstreams[0]?.name });
  });

  it('defineConfig returns its input unchanged', () => {
    const input: ConfigInput = { listeners: [{ name: 'a', address: ':1' }] };
    assert.equal(defineConfig(input), input);
  });
});
