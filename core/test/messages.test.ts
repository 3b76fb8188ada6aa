import assert from 'node:assert/strict';
import { z } from 'zod';
import { Envelope, ErrorCatalogue, PROTOCOL_VERSION, defineMessage, errorFromWire, SwitchyardError } from '../src/index.js';
import { Add, GetCount } from './fixtures.js';

describe('defineMessage', () => {
  it('builds messages whose type cannot be forged by the payload', () => {
    const forged = Add.make({ by: 1, type: 'other.type' } as never);
    assert.equal(forged.type, 'counter.add');
    assert.equal(forged.by, 1);
  });

  it('parses outside input and names the path of each problem', () => {
    const Nested = defineMessage('test.nested', { target: z.object({ port: z.number().int().max(65535) }), name: z.string() });
    const bad = Nested.parse({ type: 'test.nested', target: { port: 70000 }, name: 3 });
    assert.equal(bad.ok, false);
    if (bad.ok) return;
    const paths = bad.issues.map((i) => i.path).sort();
    assert.deepEqual(paths, ['name', 'target.port']);
    const good = Nested.parse({ type: 'test.nested', target: { port: 80 }, name: 'a' });
    assert.ok(good.ok);
  });

  it('rejects input carrying another message type', () => {
    const result = Add.parse({ type: 'counter.get', by: 1 });
    assert.equal(result.ok, false);
  });

  it('keeps the reply schema of a request type', () => {
    assert.ok(GetCount.replySchema);
    assert.equal(GetCount.replySchema?.safeParse(3).success, true);
    assert.equal(Add.replySchema, undefined);
  });

  it('refuses type names that do not read area.name', () => {
    assert.throws(() => defineMessage('NoArea', {}), /area\.name/);
    assert.throws(() => defineMessage('Upper.Case', {}), /area\.name/);
  });

  it('recognises its own messages with is()', () => {
    assert.equal(Add.is(Add.make({ by: 2 })), true);
    assert.equal(Add.is(GetCount.make({})), false);
  });
});

describe('Envelope', () => {
  it('accepts a complete envelope and rejects one without node or version', () => {
    const envelope = { id: 'x', type: 'counter.add', v: PROTOCOL_VERSION, ts: 1, node: 'a', payload: {}, traceId: 't', deadline: 5 };
    assert.equal(Envelope.safeParse(envelope).success, true);
    assert.equal(Envelope.safeParse({ ...envelope, node: undefined }).success, false);
    assert.equal(Envelope.safeParse({ ...envelope, v: 'one' }).success, false);
  });
});

describe('error catalogue', () => {
  it('has unique, well-formed, documented codes', () => {
    const codes = Object.keys(ErrorCatalogue);
    assert.equal(new Set(codes).size, codes.length);
    for (const code of codes) {
      assert.match(code, /^ERR_[A-Z0-9]+_[A-Z0-9_]+$/, code);
      const text = ErrorCatalogue[code as keyof typeof ErrorCatalogue];
      assert.ok(text.length > 10 && text.endsWith('.'), `${code} needs a sentence of documentation`);
    }
  });

  it('round-trips an error through its wire form', () => {
    const wire = new SwitchyardError('ERR_ASK_TIMEOUT', 'slow').toWire();
    assert.deepEqual(wire, { code: 'ERR_ASK_TIMEOUT', message: 'slow', retryable: true });
    const rebuilt = errorFromWire(wire);
    assert.ok(rebuilt instanceof SwitchyardError);
    assert.equal(rebuilt.code, 'ERR_ASK_TIMEOUT');
  });
});
