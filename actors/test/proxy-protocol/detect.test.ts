import assert from 'node:assert/strict';
import { BOTH, SIG, V1_ONLY, V2_ONLY, ascii, assertSplitConsistent, hex, parse } from './proxy-test-kit.js';
import { parseProxyHeader, type ProxyVersionsAccepted } from '../../src/proxy-protocol/parse-proxy-header.js';

const NONE = { kind: 'none' };
const INCOMPLETE = { kind: 'incomplete' };
const NEITHER: ProxyVersionsAccepted = { v1: false, v2: false };

/** First bytes of other protocols a listener may see: each must be `none`, decided early. */
const OTHER_PROTOCOLS: { name: string; bytes: Buffer; decidedAfter: number }[] = [
  { name: 'an HTTP/1.1 request', bytes: ascii('GET / HTTP/1.1\r\nHost: a\r\n\r\n'), decidedAfter: 1 },
  { name: 'an HTTP request with a leading empty line', bytes: ascii('\r\nGET / HTTP/1.1\r\n\r\n'), decidedAfter: 3 },
  { name: 'a PROPFIND request (starts like PROXY)', bytes: ascii('PROPFIND /x HTTP/1.1\r\n\r\n'), decidedAfter: 4 },
  { name: 'a POST request', bytes: ascii('POST / HTTP/1.1\r\n\r\n'), decidedAfter: 2 },
  { name: 'the HTTP/2 preface', bytes: ascii('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), decidedAfter: 3 },
  {
    name: 'a TLS ClientHello',
    // record: handshake (0x16), TLS 1.0 record version, length 0x0200; handshake: ClientHello (1), length, client_version 3.3
    bytes: hex('16 0301 0200 01 0001fc 0303 ' + '00'.repeat(32)),
    decidedAfter: 1,
  },
  { name: 'an SSH banner', bytes: ascii('SSH-2.0-OpenSSH_9.6\r\n'), decidedAfter: 1 },
  { name: 'two empty lines then text', bytes: ascii('\r\n\r\nGET'), decidedAfter: 5 },
];

describe('parseProxyHeader, telling a PROXY header from other bytes', () => {
  for (const { name, bytes, decidedAfter } of OTHER_PROTOCOLS) {
    it(`answers none for ${name} after ${decidedAfter} byte(s)`, () => {
      for (const accept of [BOTH, V1_ONLY, V2_ONLY, NEITHER]) assert.deepEqual(parse(bytes, accept), NONE);
      assert.deepEqual(parseProxyHeader(bytes, 0, decidedAfter - 1, BOTH), INCOMPLETE);
      assert.deepEqual(parseProxyHeader(bytes, 0, decidedAfter, BOTH), NONE);
      assertSplitConsistent(bytes);
    });
  }

  it('is incomplete for no bytes', () => {
    assert.deepEqual(parse(Buffer.alloc(0)), INCOMPLETE);
    assert.deepEqual(parseProxyHeader(ascii('GET'), 2, 2, BOTH), INCOMPLETE);
  });

  it('is incomplete while the bytes could still become either signature', () => {
    for (const prefix of ['P', 'PROX', 'PROXY']) assert.deepEqual(parse(ascii(prefix)), INCOMPLETE, prefix);
    for (let k = 1; k < 12; k++) assert.deepEqual(parse(hex(SIG).subarray(0, k)), INCOMPLETE, `${k} signature bytes`);
  });

  it('rejects both versions when neither is accepted, and still answers none for other bytes', () => {
    const r1 = parse(ascii('PROXY UNKNOWN\r\n'), NEITHER);
    const r2 = parse(hex(`${SIG} 20 00 0000`), NEITHER);
    assert.equal(r1.kind === 'error' && r1.code, 'ERR_PROXY_VERSION_NOT_ACCEPTED');
    assert.equal(r2.kind === 'error' && r2.code, 'ERR_PROXY_VERSION_NOT_ACCEPTED');
    assert.deepEqual(parse(ascii('GET / HTTP/1.1\r\n'), NEITHER), NONE);
  });
});
