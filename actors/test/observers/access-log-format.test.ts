import assert from 'node:assert/strict';
import { ConfigError } from '@switchyard/config';
import { RequestCompleted } from '@switchyard/core';
import { ACCESS_LOG_TOKENS, compileAccessLogFormat, escapeLogValue } from '../../src/observers/access-log-format.js';

/** 22 Nov 2026 00:36:20.123 UTC. */
const STARTED_AT = Date.UTC(2026, 10, 22, 0, 36, 20, 123);

function event(overrides: Partial<RequestCompleted> = {}): RequestCompleted {
  return RequestCompleted.make({
    connId: 7,
    requestId: 'req-1',
    listener: 'web',
    clientAddress: '203.0.113.9',
    clientPort: 51234,
    method: 'GET',
    target: '/index.html?q=1',
    httpVersion: '1.1',
    host: 'example.com',
    status: 200,
    bytesIn: 78,
    bytesOut: 1234,
    route: 'default',
    upstream: 'origins',
    targetAddress: '127.0.0.1:8081',
    upstreamConnectMs: 0.4567,
    upstreamHeaderMs: 2,
    totalMs: 3.25,
    termination: 'ok',
    userAgent: 'curl/8.5.0',
    referer: 'https://example.com/start',
    startedAt: STARTED_AT,
    ...overrides,
  });
}

const utc = { timeZone: 'utc' } as const;

describe('access log format', () => {
  describe('combined', () => {
    it('renders the nginx combined line for a complete event', () => {
      const line = compileAccessLogFormat('combined', utc)(event());
      assert.equal(
        line,
        '203.0.113.9 - - [22/Nov/2026:00:36:20 +0000] "GET /index.html?q=1 HTTP/1.1" 200 1234 "https://example.com/start" "curl/8.5.0"',
      );
    });

    it('prints - for a missing referer and user agent', () => {
      const line = compileAccessLogFormat('combined', utc)(event({ referer: undefined, userAgent: '' }));
      assert.ok(line.endsWith('200 1234 "-" "-"'), line);
    });

    it('keeps an httpVersion that already reads HTTP/x.y', () => {
      const line = compileAccessLogFormat('combined', utc)(event({ httpVersion: 'HTTP/1.0' }));
      assert.ok(line.includes('"GET /index.html?q=1 HTTP/1.0"'), line);
    });

    it('escapes quotes, backslashes, control and non-ASCII characters as nginx does', () => {
      const line = compileAccessLogFormat('combined', utc)(
        event({ userAgent: 'evil" "x\\y\r\n203.0.113.1 - - [fake]', referer: 'caf\u00e9 \u20ac', target: '/a"b' }),
      );
      assert.ok(line.includes('"GET /a\\x22b HTTP/1.1"'), line);
      assert.ok(line.endsWith('"caf\\xE9 \\xE2\\x82\\xAC" "evil\\x22 \\x22x\\x5Cy\\x0D\\x0A203.0.113.1 - - [fake]"'), line);
      assert.ok(!/[\r\n]/.test(line));
    });

    it('renders local time with the zone offset by default', () => {
      const line = compileAccessLogFormat('combined')(event());
      assert.match(line, /\[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]/);
      const offsetMin = -new Date(STARTED_AT).getTimezoneOffset();
      const sign = offsetMin < 0 ? '-' : '+';
      const abs = Math.abs(offsetMin);
      const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
      assert.ok(line.includes(` ${zone}]`), line);
    });

    it('gives each second its own time string (the per-second cache does not go stale)', () => {
      const format = compileAccessLogFormat('${time_local}', utc);
      assert.equal(format(event()), '22/Nov/2026:00:36:20 +0000');
      assert.equal(format(event({ startedAt: STARTED_AT + 500 })), '22/Nov/2026:00:36:20 +0000');
      assert.equal(format(event({ startedAt: STARTED_AT + 1000 })), '22/Nov/2026:00:36:21 +0000');
      assert.equal(format(event({ startedAt: Date.UTC(2027, 0, 3, 9, 5, 1) })), '03/Jan/2027:09:05:01 +0000');
    });
  });

  it('renders common without referer and user agent', () => {
    const line = compileAccessLogFormat('common', utc)(event());
    assert.equal(line, '203.0.113.9 - - [22/Nov/2026:00:36:20 +0000] "GET /index.html?q=1 HTTP/1.1" 200 1234');
  });

  describe('json', () => {
    it('writes one object per line that parses back to every field plus time', () => {
      const e = event({ userAgent: 'a "quoted"\nagent' });
      const line = compileAccessLogFormat('json')(e);
      assert.ok(!line.includes('\n'));
      const { type: _type, ...fields } = e;
      assert.deepEqual(JSON.parse(line), { time: '2026-11-22T00:36:20.123Z', ...fields });
    });

    it('leaves out optional fields that are not set', () => {
      const parsed = JSON.parse(compileAccessLogFormat('json')(event({ route: undefined, referer: undefined }))) as Record<string, unknown>;
      assert.equal('route' in parsed, false);
      assert.equal('referer' in parsed, false);
      assert.equal(parsed['status'], 200);
    });
  });

  describe('templates', () => {
    it('renders fields and derived tokens', () => {
      const format = compileAccessLogFormat(
        '${time_iso} ${request_id} ${route} ${target_address} ${status} in=${bytes_in} out=${bytes_out} ' +
          'c=${upstream_connect_ms} h=${upstream_header_ms} t=${total_ms} s=${total_s} ${termination} [${request_line}] ${remote_addr}:${remote_port}',
        utc,
      );
      assert.equal(
        format(event()),
        '2026-11-22T00:36:20.123Z req-1 default 127.0.0.1:8081 200 in=78 out=1234 c=0.457 h=2 t=3.25 s=0.003 ok [GET /index.html?q=1 HTTP/1.1] 203.0.113.9:51234',
      );
    });

    it('prints - for missing optional fields and for upstream timings that did not happen', () => {
      const format = compileAccessLogFormat('${route}|${upstream}|${target_address}|${upstream_connect_ms}|${upstream_header_ms}');
      const line = format(event({ route: undefined, upstream: undefined, targetAddress: undefined, upstreamConnectMs: -1, upstreamHeaderMs: -1 }));
      assert.equal(line, '-|-|-|-|-');
    });

    it('accepts the camelCase field names too', () => {
      assert.equal(compileAccessLogFormat('${requestId} ${bytesOut} ${host}')(event()), 'req-1 1234 example.com');
    });

    it('has a token for every event field', () => {
      const { type: _type, ...fields } = event();
      for (const field of Object.keys(fields)) {
        const snake = field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
        assert.ok(ACCESS_LOG_TOKENS.includes(snake), `no token for ${field}`);
      }
      for (const derived of ['time_iso', 'time_local', 'request_line', 'remote_addr']) assert.ok(ACCESS_LOG_TOKENS.includes(derived), derived);
    });

    it('escapes string tokens and leaves literal text alone', () => {
      const line = compileAccessLogFormat('ua="${user_agent}" \t${host}')(event({ userAgent: 'x"\ty', host: 'h\\' }));
      assert.equal(line, 'ua="x\\x22\\x09y" \th\\x5C');
    });

    it('rejects unknown tokens at compile time, listing all of them and the known ones', () => {
      assert.throws(
        () => compileAccessLogFormat('${status} ${nope} ${remote_user}'),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.equal(err.code, 'ERR_CONFIG_INVALID');
          const problem = err.problems[0];
          assert.equal(problem?.path, 'server.accessLog.format');
          assert.match(problem?.message ?? '', /unknown access log tokens \$\{nope\}, \$\{remote_user\}; known tokens: .*request_line.*time_local/);
          return true;
        },
      );
    });

    it('rejects an unterminated token', () => {
      assert.throws(() => compileAccessLogFormat('${status'), /unterminated token at column 1/);
    });

    it('rejects a string that is neither a preset nor a template (a typo of a preset name)', () => {
      assert.throws(() => compileAccessLogFormat('combind'), /"combind" is not "combined", "common" or "json"/);
    });
  });

  describe('escapeLogValue', () => {
    it('returns printable ASCII unchanged', () => {
      const s = 'Mozilla/5.0 (X11; Linux x86_64) ~!@#$%^&*()';
      assert.equal(escapeLogValue(s), s);
    });

    it('escapes DEL, NUL and latin-1 bytes', () => {
      assert.equal(escapeLogValue('\x7f\x00\xff'), '\\x7F\\x00\\xFF');
    });
  });
});
