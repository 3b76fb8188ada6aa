import assert from 'node:assert/strict';
import { readScript } from '../../src/scripts/script-loader.js';
import { viewFromTestRequest } from '../../src/scripts/request-view.js';
import { WorkerRouter } from '../../src/scripts/worker-router.js';
import { ScriptDir } from './fixtures.js';

describe('WorkerRouter', () => {
  let dir: ScriptDir;
  const workers: WorkerRouter[] = [];
  beforeEach(() => {
    dir = new ScriptDir();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close(0)));
    dir.remove();
  });

  async function start(code: string, budgetMs = 200): Promise<WorkerRouter> {
    const source = await readScript(dir.write('w.mjs', code));
    const worker = new WorkerRouter({ source, route: 'r', options: { up: 'u' }, budgetMs, runSelfTest: true });
    workers.push(worker);
    return worker;
  }

  it('answers decisions in a worker thread, with options and state', async () => {
    const w = await start(`export default { init: () => ({ n: 0 }), decide(req, ctx) { ctx.state.n++; return { kind: 'forward', upstream: ctx.options.up, path: req.path + '/' + ctx.state.n }; } };`);
    assert.deepEqual(await w.ready, []);
    const a = await w.request(viewFromTestRequest({ path: '/a' }).toPlain());
    const b = await w.request(viewFromTestRequest({ path: '/b' }).toPlain());
    assert.deepEqual(a, { ok: true, decision: { kind: 'forward', upstream: 'u', path: '/a/1' } });
    assert.deepEqual(b, { ok: true, decision: { kind: 'forward', upstream: 'u', path: '/b/2' } });
  });

  it('reports a throw without dying', async () => {
    const w = await start(`export default { decide(req) { if (req.path === '/boom') throw new TypeError('bad'); return { kind: 'next' }; } };`);
    await w.ready;
    assert.deepEqual(await w.request(viewFromTestRequest({ path: '/boom' }).toPlain()), { ok: false, reason: 'threw', message: 'TypeError: bad' });
    assert.deepEqual(await w.request(viewFromTestRequest({}).toPlain()), { ok: true, decision: { kind: 'next' } });
    assert.equal(w.isAlive, true);
  });

  it('terminates a script that loops at the deadline and fails every pending request', async () => {
    const w = await start(`export default { decide(req) { if (req.path === '/loop') { for (;;) {} } return { kind: 'next' }; } };`, 100);
    await w.ready;
    const deaths: string[] = [];
    w.onDeath = (reason) => deaths.push(reason);
    const started = Date.now();
    const [looped, queued] = await Promise.all([w.request(viewFromTestRequest({ path: '/loop' }).toPlain()), w.request(viewFromTestRequest({}).toPlain())]);
    const took = Date.now() - started;
    assert.equal(looped.ok, false);
    assert.equal(!looped.ok && looped.reason, 'timeout');
    assert.equal(!queued.ok && queued.reason, 'timeout');
    assert.ok(took >= 90 && took < 2000, `took ${took} ms`);
    assert.deepEqual(deaths, ['timeout']);
    assert.equal(w.isAlive, false);
    assert.equal((await w.request(viewFromTestRequest({}).toPlain())).ok, false);
  });

  it('rejects ready when the module fails its self-test', async () => {
    const w = await start(`export default { decide: () => ({ kind: 'next' }) };\nexport function selfTest() { throw new Error('nope'); }`);
    await assert.rejects(w.ready, /self-test failed: nope/);
  });
});
