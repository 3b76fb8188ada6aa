import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { TargetHealthChanged } from '@switchyard/core';
import { ScriptLoadError, createTestRouter, defineRouter, testRouter } from '../../src/index.js';
import { ScriptDir } from './fixtures.js';

describe('testRouter', () => {
  let dir: ScriptDir;
  beforeEach(() => {
    dir = new ScriptDir();
  });
  afterEach(() => dir.remove());

  it('runs a router object against request views, one instance for all requests', async () => {
    const counter = defineRouter({
      init: () => 0,
      decide(req, ctx) {
        ctx.state = (ctx.state as number) + 1;
        ctx.metrics.count('seen');
        return { kind: 'respond', status: 200, body: `${ctx.state as number} ${req.method} ${req.path} ${req.cookie('k') ?? '-'}` };
      },
    });
    const decisions = await testRouter(counter as never, [{}, { method: 'POST', path: '/x', cookies: { k: 'v' } }]);
    assert.deepEqual(decisions, [
      { kind: 'respond', status: 200, body: '1 GET / -' },
      { kind: 'respond', status: 200, body: '2 POST /x v' },
    ]);
  });

  it('loads a TypeScript file the way the proxy does, with options, clock and events', async () => {
    const file = dir.write(
      'r.ts',
      `import { defineRouter } from '@switchyard/actors';
       interface O { up: string }
       export default defineRouter<{ down: boolean }, O>({
         init: () => ({ down: false }),
         on: { 'target.health-changed'(e, ctx) { ctx.state = { down: e.to === 'unhealthy' }; ctx.log.info('changed', { to: e.to }); } },
         decide(req, ctx) {
           if (ctx.state.down) return { kind: 'respond', status: 503, headers: { 'x-at': String(ctx.now()) } };
           return { kind: 'forward', upstream: ctx.options.up };
         },
       });`,
    );
    const router = await createTestRouter(file, { options: { up: 'api' }, clock: { now: () => 42 } });
    assert.deepEqual(router.decide(), { kind: 'forward', upstream: 'api' });
    router.emit('target.health-changed', TargetHealthChanged.make({ upstream: 'api', target: 'a:1', from: 'healthy', to: 'unhealthy', reason: 'x', source: 'active', at: 0 }));
    assert.deepEqual(router.decide(), { kind: 'respond', status: 503, headers: { 'x-at': '42' } });
    assert.equal(router.logs[0]?.message, 'changed');
    assert.deepEqual(readdirSync(dir.dir), ['r.ts'], 'the compiled module is removed after import');
  });

  it('rejects a syntax error with its line and column', async () => {
    const file = dir.write('bad.ts', 'export default {\n  decide(req) { return { kind: "next" }\n};\nconst = 1;\n');
    await assert.rejects(testRouter(file, []), (error: unknown) => {
      assert.ok(error instanceof ScriptLoadError);
      assert.equal(error.code, 'ERR_SCRIPT_LOAD_FAILED');
      assert.ok(error.problems.some((p) => p.line !== undefined && /syntax error/.test(p.message)), JSON.stringify(error.problems));
      return true;
    });
  });

  it('rejects a module without a router, and a failing self-test', async () => {
    await assert.rejects(testRouter(dir.write('none.mjs', 'export const x = 1;'), []), /has no router/);
    const failing = dir.write('st.mjs', `export default { decide: () => ({ kind: 'next' }) };\nexport function selfTest(t) { if (t.decide().kind !== 'respond') throw new Error('expected respond'); }`);
    await assert.rejects(testRouter(failing, []), /self-test failed: expected respond/);
  });

  it('rejects a decision that is not one, and lets a router throw', async () => {
    await assert.rejects(testRouter(defineRouter({ decide: () => ({ kind: 'nope' }) as never }) as never, [{}]), /invalid decision: unknown decision kind/);
    await assert.rejects(testRouter(defineRouter({ decide: () => { throw new Error('mine'); } }) as never, [{}]), /mine/);
  });
});
