import assert from 'node:assert/strict';
import { HTTP_ERROR_CODES, HttpErrorDocs } from '../../src/http/http-error-codes.js';

describe('HTTP error codes', () => {
  it('are unique, well formed and documented', () => {
    assert.equal(new Set(HTTP_ERROR_CODES).size, HTTP_ERROR_CODES.length);
    for (const code of HTTP_ERROR_CODES) {
      assert.match(code, /^ERR_HTTP_[A-Z0-9_]+$/);
      assert.ok(HttpErrorDocs[code].length > 10, code);
    }
    assert.deepEqual(Object.keys(HttpErrorDocs).sort(), [...HTTP_ERROR_CODES].sort());
  });
});
