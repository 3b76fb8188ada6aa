import assert from 'node:assert/strict';
import { loadConfig } from '../src/load.js';
import { parseLocationTemplate } from '../src/location-template.js';
import { parseAddress, parseCidr, parseDuration, parseSize } from '../src/values.js';
import { assertOneProblem, withUpstream, base } from './helpers.js';

describe('durations', () => {
  const cases: [string | number, number][] = [
    ['500ms', 500],
    ['2s', 2000],
    ['1m', 60_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1.5s', 1500],
    ['1m30s', 90_000],
    ['1h 5m', 3_900_000],
    ['250', 250],
    [' 3s ', 3000],
    [750, 750],
    [0, 0],
  ];
  for (const [input, ms] of cases) {
    it(`normalizes ${JSON.stringify(input)} to ${ms} ms`, () => {
      const cfg = loadConfig(withUpstream({ timeouts: { connect: input } }));
      assert.equal(cfg.upstreams[0]?.timeouts.connect, ms);
    });
  }

  for (const bad of ['5 parsecs', '2S', 'ms', '-1s', '1.s', '', '1 minute']) {
    it(`rejects ${JSON.stringify(bad)} with its path`, () => {
      assertOneProblem(withUpstream({ timeouts: { connect: bad } }), 'upstreams.0.timeouts.connect', /invalid duration/);
    });
  }

  it('rejects negative, fractional and non-numeric values with its path', () => {
    assertOneProblem(withUpstream({ timeouts: { idle: -5 } }), 'upstreams.0.timeouts.idle', /Too small|>=0/);
    assertOneProblem(withUpstream({ timeouts: { idle: 1.5 } }), 'upstreams.0.timeouts.idle', /integer/i);
    assertOneProblem(withUpstream({ timeouts: { idle: true } }), 'upstreams.0.timeouts.idle', /expected a duration/);
  });

  it('parseDuration returns undefined for non-durations', () => {
    assert.equal(parseDuration('soon'), undefined);
    assert.equal(parseDuration('2s'), 2000);
  });
});

describe('sizes', () => {
  const cases: [string | number, number][] = [
    ['512', 512],
    ['512b', 512],
    ['16k', 16 * 1024],
    ['16kb', 16 * 1024],
    ['16KB', 16 * 1024],
    ['16KiB', 16 * 1024],
    ['10m', 10 * 1024 ** 2],
    ['10mb', 10 * 1024 ** 2],
    ['10MB', 10 * 1024 ** 2],
    ['1gb', 1024 ** 3],
    ['1g', 1024 ** 3],
    ['1.5kb', 1536],
    [4096, 4096],
  ];
  for (const [input, bytes] of cases) {
    it(`normalizes ${JSON.stringify(input)} to ${bytes} bytes`, () => {
      const cfg = loadConfig({ ...base(), server: { limits: { maxBodySize: input } } });
      assert.equal(cfg.server.limits.maxBodySize, bytes);
    });
  }

  for (const bad of ['10 megs', 'kb', '1tb', '-1kb', '1,5mb']) {
    it(`rejects ${JSON.stringify(bad)} with its path`, () => {
      assertOneProblem({ ...base(), server: { limits: { maxHeadSize: bad } } }, 'server.limits.maxHeadSize', /invalid size/);
    });
  }

  it('rejects a non-size type on a route', () => {
    assertOneProblem({ ...base(), routes: [{ name: 'r', forward: { upstream: 'app' }, maxBodySize: [] }] }, 'routes.0.maxBodySize', /expected a size/);
  });

  it('parseSize handles units case-insensitively', () => {
    assert.equal(parseSize('2Mb'), 2 * 1024 ** 2);
    assert.equal(parseSize('two'), undefined);
  });
});

describe('addresses', () => {
  const listen = { requireHost: false, allowPortZero: true };
  it('parses host:port, [v6]:port and :port', () => {
    assert.deepEqual(parseAddress('127.0.0.1:8080', listen), { host: '127.0.0.1', port: 8080, text: '127.0.0.1:8080' });
    assert.deepEqual(parseAddress('[::1]:443', listen), { host: '::1', port: 443, text: '[::1]:443' });
    assert.deepEqual(parseAddress(':9000', listen), { host: '0.0.0.0', port: 9000, text: ':9000' });
    assert.deepEqual(parseAddress('Backend.Local:80', listen), { host: 'backend.local', port: 80, text: 'Backend.Local:80' });
    assert.deepEqual(parseAddress('localhost:0', listen), { host: 'localhost', port: 0, text: 'localhost:0' });
  });

  it('normalizes listener and target addresses in the parsed config', () => {
    const cfg = loadConfig({
      listeners: [
        { name: 'a', address: ':8080' },
        { name: 'b', address: '[::1]:8443' },
      ],
      routes: [{ name: 'r', forward: { upstream: 'u' } }],
      upstreams: [{ name: 'u', targets: [{ address: 'app.internal:3000' }, { address: '[fd00::1]:3001' }] }],
    });
    assert.deepEqual(cfg.listeners.map((l) => l.address), [
      { host: '0.0.0.0', port: 8080, text: ':8080' },
      { host: '::1', port: 8443, text: '[::1]:8443' },
    ]);
    assert.deepEqual(cfg.upstreams[0]?.targets.map((t) => [t.address.host, t.address.port]), [
      ['app.internal', 3000],
      ['fd00::1', 3001],
    ]);
  });

  const badListen: [string, RegExp][] = [
    ['8080', /expected "host:port"/],
    ['host:99999', /invalid port 99999/],
    ['[nope]:80', /invalid IPv6/],
    ['bad_host!:80', /invalid address|invalid host/],
    ['a:b:80', /invalid address/],
  ];
  for (const [text, msg] of badListen) {
    it(`rejects listener address ${JSON.stringify(text)}`, () => {
      assertOneProblem({ ...base(), listeners: [{ name: 'web', address: text }] }, 'listeners.0.address', msg);
    });
  }

  it('requires a host and a non-zero port for targets', () => {
    assertOneProblem(withUpstream({ targets: [{ address: ':3000' }] }), 'upstreams.0.targets.0.address', /needs a host/);
    assertOneProblem(withUpstream({ targets: [{ address: 'a:0' }] }), 'upstreams.0.targets.0.address', /must be 1-65535/);
  });
});

describe('CIDRs', () => {
  it('accepts IPv4/IPv6 CIDRs and bare IPs, normalized', () => {
    assert.equal(parseCidr('10.0.0.0/8'), '10.0.0.0/8');
    assert.equal(parseCidr('FD00::/8'), 'fd00::/8');
    assert.equal(parseCidr('192.168.1.7'), '192.168.1.7/32');
    assert.equal(parseCidr('::1'), '::1/128');
  });

  for (const bad of ['10.0.0.0/33', '10.0.0/8', 'fd00::/129', 'example.com/8', '10.0.0.0/', '10.0.0.0/a']) {
    it(`rejects ${JSON.stringify(bad)} with its path`, () => {
      assertOneProblem({ ...base(), server: { trustedProxies: ['127.0.0.1', bad] } }, 'server.trustedProxies.1', /invalid CIDR/);
    });
  }
});

describe('redirect location templates', () => {
  it('splits text and tokens', () => {
    assert.deepEqual(parseLocationTemplate('https://${host}:8443${path}${query}'), [
      { kind: 'text', text: 'https://' },
      { kind: 'token', token: 'host' },
      { kind: 'text', text: ':8443' },
      { kind: 'token', token: 'path' },
      { kind: 'token', token: 'query' },
    ]);
  });

  it('keeps a lone $ literal and turns $${ into a literal ${', () => {
    assert.deepEqual(parseLocationTemplate('/a$b/$${x}'), [{ kind: 'text', text: '/a$b/${x}' }]);
  });

  it('rejects unknown tokens and unclosed placeholders', () => {
    assert.match(String(parseLocationTemplate('${hostname}/x')), /unknown token "\$\{hostname\}".*known: \$\{scheme\}/);
    assert.match(String(parseLocationTemplate('https://${host')), /unclosed/);
  });
});
