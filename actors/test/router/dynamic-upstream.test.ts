import assert from 'node:assert/strict';
import { CompiledForwardDynamic, resolveDynamicUpstream, type DynamicUpstreamResult } from '../../src/router/dynamic-upstream.js';
import { configWith, tableWith } from './router-fixtures.js';

function compiled(fd: Record<string, unknown>): CompiledForwardDynamic {
  const cfg = configWith([{ name: 'dyn', forwardDynamic: fd as never }]);
  const route = cfg.routes[0];
  assert.ok(route?.forwardDynamic);
  return new CompiledForwardDynamic(route.forwardDynamic);
}

describe('dynamic upstream (chocon)', () => {
  const s3 = compiled({ hostSuffix: '.ccnproxy-https', scheme: 'https', allow: ['s3.amazonaws.com', '*.s3.amazonaws.com'] });
  const plain = compiled({ hostSuffix: '.ccnproxy', scheme: 'http', port: 8080, allow: ['*.internal.test', '10.0.0.5'] });

  const cases: [what: string, c: CompiledForwardDynamic, host: string, expected: DynamicUpstreamResult][] = [
    [
      'exact allow',
      s3,
      's3.amazonaws.com.ccnproxy-https',
      { ok: true, host: 's3.amazonaws.com', port: 443, scheme: 'https', key: 'https://s3.amazonaws.com:443' },
    ],
    [
      'wildcard allow',
      s3,
      'bucket.s3.amazonaws.com.ccnproxy-https',
      { ok: true, host: 'bucket.s3.amazonaws.com', port: 443, scheme: 'https', key: 'https://bucket.s3.amazonaws.com:443' },
    ],
    [
      'suffix ignores case',
      s3,
      'S3.AmazonAWS.com.CCNPROXY-HTTPS',
      { ok: true, host: 's3.amazonaws.com', port: 443, scheme: 'https', key: 'https://s3.amazonaws.com:443' },
    ],
    ['disallowed host', s3, 'evil.example.com.ccnproxy-https', { ok: false, reason: 'not-allowed' }],
    ['wildcard never allows the apex of another name', s3, 'amazonaws.com.ccnproxy-https', { ok: false, reason: 'not-allowed' }],
    ['lookalike suffix', s3, 'evils3.amazonaws.com.ccnproxy-https', { ok: false, reason: 'not-allowed' }],
    ['suffix missing', s3, 's3.amazonaws.com', { ok: false, reason: 'no-suffix' }],
    ['another suffix', s3, 's3.amazonaws.com.ccnproxy', { ok: false, reason: 'no-suffix' }],
    ['suffix without its dot', s3, 's3.amazonaws.comccnproxy-https', { ok: false, reason: 'no-suffix' }],
    ['empty remainder', s3, '.ccnproxy-https', { ok: false, reason: 'empty' }],
    ['remainder still carries the suffix', s3, 's3.amazonaws.com.ccnproxy-https.ccnproxy-https', { ok: false, reason: 'loop' }],
    ['empty label', s3, 's3..amazonaws.com.ccnproxy-https', { ok: false, reason: 'invalid-host' }],
    ['bad characters', s3, 's3.amazon%61ws.com.ccnproxy-https', { ok: false, reason: 'invalid-host' }],
    ['label starting with -', s3, '-x.s3.amazonaws.com.ccnproxy-https', { ok: false, reason: 'invalid-host' }],
    [
      'port from config, http',
      plain,
      'api.internal.test.ccnproxy',
      { ok: true, host: 'api.internal.test', port: 8080, scheme: 'http', key: 'http://api.internal.test:8080' },
    ],
    ['IP allowed by an exact pattern', plain, '10.0.0.5.ccnproxy', { ok: true, host: '10.0.0.5', port: 8080, scheme: 'http', key: 'http://10.0.0.5:8080' }],
    ['other IP refused', plain, '10.0.0.6.ccnproxy', { ok: false, reason: 'not-allowed' }],
    ['numeric name that is no IP refused', plain, '127.1.ccnproxy', { ok: false, reason: 'invalid-host' }],
    ['hex name refused', plain, '0x7f.0.0.1.ccnproxy', { ok: false, reason: 'invalid-host' }],
  ];
  for (const [what, c, host, expected] of cases) {
    it(`${what}: ${host}`, () => assert.deepEqual(resolveDynamicUpstream(host, c), expected));
  }

  it('never lets a wildcard admit an IP literal', () => {
    const c = compiled({ hostSuffix: '.p', scheme: 'http', allow: ['*.0.0.1'] });
    assert.deepEqual(resolveDynamicUpstream('127.0.0.1.p', c), { ok: false, reason: 'not-allowed' });
  });

  it('returns the cached result object for a repeated host', () => {
    const a = resolveDynamicUpstream('s3.amazonaws.com.ccnproxy-https', s3);
    const b = s3.resolve('s3.amazonaws.com.ccnproxy-https');
    assert.equal(a, b);
  });

  it('is compiled on a forwardDynamic route with its defaults', () => {
    const table = tableWith([{ name: 'dyn', forwardDynamic: { hostSuffix: '.CCNPROXY-HTTPS', scheme: 'https', allow: ['s3.amazonaws.com'] } }]);
    const route = table.route('dyn');
    assert.equal(route?.kind, 'forwardDynamic');
    if (route?.kind !== 'forwardDynamic') return;
    assert.equal(route.forwardDynamic.hostSuffix, '.ccnproxy-https');
    assert.equal(route.forwardDynamic.port, 443);
    assert.equal(route.forwardDynamic.timeouts.connect, 5000);
    assert.equal(route.forwardDynamic.resolve('s3.amazonaws.com.ccnproxy-https').ok, true);
  });
});
