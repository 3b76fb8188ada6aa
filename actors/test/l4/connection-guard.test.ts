import assert from 'node:assert/strict';
import { Admission, CidrSet, ConnectionGuard, GuardPolicy, normalizeIp } from '../../src/listener/connection-guard.js';
import { newCounters } from '../../src/proxy/listener-context.js';

function policy(config: { allow?: string[]; deny?: string[]; maxConnections?: number; maxConnectionsPerSource?: number }): GuardPolicy {
  return GuardPolicy.from({ name: 'l', protocol: 'tcp', address: { host: '127.0.0.1', port: 0, text: '127.0.0.1:0' }, ...config });
}

describe('ConnectionGuard', () => {
  it('admits everyone and counts nothing without rules', () => {
    const counters = newCounters();
    const guard = new ConnectionGuard(counters);
    const open = policy({});
    assert.ok(open.isOpen);
    assert.equal(guard.admit('10.0.0.1', open), Admission.admitted);
    assert.equal(guard.openCount, 0);
    assert.equal(counters.connectionsRefused, 0);
  });

  const lists: [string, { allow?: string[]; deny?: string[] }, [string, boolean][]][] = [
    ['deny only', { deny: ['10.0.0.0/8'] }, [['10.1.2.3', false], ['192.0.2.1', true], ['::ffff:10.9.9.9', false]]],
    ['allow only', { allow: ['192.0.2.0/24', 'fd00::/8'] }, [['192.0.2.200', true], ['192.0.3.1', false], ['fd12::1', true], ['fe80::1', false]]],
    ['deny wins over allow', { allow: ['10.0.0.0/8'], deny: ['10.0.0.5'] }, [['10.0.0.4', true], ['10.0.0.5', false]]],
    ['an empty allow list admits everyone', { allow: [] }, [['203.0.113.1', true]]],
  ];
  for (const [name, config, cases] of lists) {
    it(`applies allow/deny: ${name}`, () => {
      const counters = newCounters();
      const guard = new ConnectionGuard(counters);
      const p = policy(config);
      for (const [ip, isAdmitted] of cases) assert.equal(guard.admit(ip, p) !== Admission.refused, isAdmitted, ip);
      assert.equal(counters.connectionsRefused, cases.filter(([, ok]) => !ok).length);
    });
  }

  it('caps connections per listener and per source, and frees a slot on release', () => {
    const counters = newCounters();
    const guard = new ConnectionGuard(counters);
    const p = policy({ maxConnections: 3, maxConnectionsPerSource: 2 });
    assert.equal(guard.admit('10.0.0.1', p), Admission.counted);
    assert.equal(guard.admit('10.0.0.1', p), Admission.counted);
    assert.equal(guard.admit('10.0.0.1', p), Admission.refused, 'per source');
    assert.equal(guard.admit('10.0.0.2', p), Admission.counted);
    assert.equal(guard.admit('10.0.0.3', p), Admission.refused, 'per listener');
    guard.release('10.0.0.1');
    assert.equal(guard.admit('10.0.0.3', p), Admission.counted);
    assert.equal(guard.openCount, 3);
    assert.equal(counters.connectionsRefused, 2);
  });

  it('normalizes IPv4-mapped peers', () => {
    assert.equal(normalizeIp('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(normalizeIp('::1'), '::1');
    assert.ok(new CidrSet(['127.0.0.0/8']).has('::ffff:127.0.0.9'));
    assert.ok(!new CidrSet(['127.0.0.0/8']).has('not an ip'));
  });
});
