import assert from 'node:assert/strict';
import { proxyHeaderFor } from '../../src/l4/proxy-header-out.js';
import { parseProxyHeader } from '../../src/proxy-protocol/index.js';

function parsed(buf: Buffer) {
  const r = parseProxyHeader(buf, 0, buf.length, { v1: true, v2: true });
  if (r.kind !== 'header') assert.fail(JSON.stringify(r));
  assert.equal(r.consumed, buf.length);
  return r.header;
}

describe('proxyHeaderFor', () => {
  it('writes TCP4 for two IPv4 ends, in v1 and v2', () => {
    const src = { address: '203.0.113.7', port: 5000 };
    const dst = { address: '10.0.0.1', port: 443 };
    assert.equal(proxyHeaderFor('v1', src, dst).toString(), 'PROXY TCP4 203.0.113.7 10.0.0.1 5000 443\r\n');
    const v2 = parsed(proxyHeaderFor('v2', src, dst));
    assert.deepEqual([v2.version, v2.command, v2.family, v2.source, v2.destination], [2, 'proxy', 'tcp4', src, dst]);
  });

  it('writes TCP6 with the IPv4 end mapped when the families differ', () => {
    const h = parsed(proxyHeaderFor('v1', { address: '2001:db8::1', port: 1 }, { address: '10.0.0.1', port: 2 }));
    assert.equal(h.family, 'tcp6');
    assert.deepEqual(h.destination, { address: '::ffff:10.0.0.1', port: 2 });
  });

  it('writes UNKNOWN / AF_UNSPEC for ends that are not IP addresses', () => {
    assert.equal(proxyHeaderFor('v1', { address: '', port: 0 }, { address: '10.0.0.1', port: 2 }).toString(), 'PROXY UNKNOWN\r\n');
    assert.equal(parsed(proxyHeaderFor('v2', { address: '', port: 0 }, { address: '', port: 0 })).family, 'unknown');
  });
});
