import assert from 'node:assert/strict';
import { PROXY_PROTOCOL_ERROR_CODES, ProxyProtocolErrorDocs } from '../../src/proxy-protocol/proxy-protocol-error-codes.js';

describe('PROXY protocol error codes', () => {
  it('are unique, well formed and documented', () => {
    assert.equal(new Set(PROXY_PROTOCOL_ERROR_CODES).size, PROXY_PROTOCOL_ERROR_CODES.length);
    for (const code of PROXY_PROTOCOL_ERROR_CODES) {
      assert.match(code, /^ERR_PROXY_[A-Z0-9_]+$/);
      assert.ok(ProxyProtocolErrorDocs[code].length > 10, code);
    }
    assert.deepEqual(Object.keys(ProxyProtocolErrorDocs).sort(), [...PROXY_PROTOCOL_ERROR_CODES].sort());
  });
});
