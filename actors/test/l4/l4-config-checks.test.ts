import assert from 'node:assert/strict';
import { loadConfig, type ConfigInput } from '@switchyard/config';
import { unsupportedFeatures } from '../../src/node/unsupported-features.js';

function problems(input: Omit<ConfigInput, 'listeners'>): string[] {
  const config = loadConfig({
    listeners: [
      { name: 'web', address: '127.0.0.1:0' },
      { name: 'tcp', protocol: 'tcp', address: '127.0.0.1:0' },
      { name: 'dns', protocol: 'udp', address: '127.0.0.1:0' },
    ],
    upstreams: [{ name: 'app', targets: [{ address: '127.0.0.1:1' }] }],
    ...input,
  } as ConfigInput);
  return unsupportedFeatures(config).map((p) => `${p.path}: ${p.message}`);
}

describe('L4 config checks', () => {
  it('serves tcp, tls and udp listeners with forward routes', () => {
    assert.deepEqual(problems({ routes: [{ name: 'r', listeners: ['tcp', 'dns'], match: { sourceCidr: '10.0.0.0/8' }, forward: { upstream: 'app' } }] }), []);
  });

  it('refuses a route for an L4 listener that is not a forward or matches HTTP facts', () => {
    assert.match(problems({ routes: [{ name: 'r', listeners: ['tcp'], respond: { status: 200 } }] }).join('\n'), /^routes\.0: .*only forward routes/);
    assert.match(problems({ routes: [{ name: 'r', listeners: ['tcp'], match: { path: '/x' }, forward: { upstream: 'app' } }] }).join('\n'), /^routes\.0\.match\.path: /);
    assert.match(problems({ routes: [{ name: 'r', listeners: ['dns'], match: { host: 'a.test' }, forward: { upstream: 'app' } }] }).join('\n'), /^routes\.0\.match\.host: .*no server name/);
  });

  it('refuses TLS or a PROXY header towards the upstream of a udp route', () => {
    const found = problems({
      routes: [{ name: 'r', listeners: ['dns'], forward: { upstream: 'app' } }],
      upstreams: [{ name: 'app', targets: [{ address: '127.0.0.1:1' }], tls: {}, proxyProtocol: 'v1' }],
    });
    assert.deepEqual(
      found.map((p) => p.split(':')[0]),
      ['upstreams.0.tls', 'upstreams.0.proxyProtocol'],
    );
  });

  it('sends the PROXY protocol from tcp routes', () => {
    const upstreams = [{ name: 'app', targets: [{ address: '127.0.0.1:1' }], proxyProtocol: 'v2' as const }];
    assert.deepEqual(problems({ routes: [{ name: 'r', listeners: ['tcp'], forward: { upstream: 'app' } }], upstreams }), []);
  });

  it('refuses maxFlows on a stream listener and proxyProtocol on a udp one, at load', () => {
    assert.throws(() => loadConfig({ listeners: [{ name: 't', protocol: 'tcp', address: ':0', maxFlows: 5 }] }), /maxFlows is for udp listeners/);
    assert.throws(() => loadConfig({ listeners: [{ name: 'u', protocol: 'udp', address: ':0', proxyProtocol: {} }] }), /not accepted on udp/);
  });
});
