// A router that throws, overruns its budget or loops falls back, is reported and restarted; the node keeps serving.
import assert from 'node:assert/strict';
import { ConfigNotAppliedError, ScriptFailed, startProxyNode } from '@switchyard/actors';
import { loadConfig } from '@switchyard/config';
import { ActorRestarted, type MessageOf } from '@switchyard/core';
import { Closers } from '../helpers/closers.js';
import { startHttpOrigin } from '../helpers/http-origin.js';
import { httpRequest } from '../helpers/http-request.js';
import { scriptFiles, waitFor } from '../helpers/script-files.js';
import { proxyConfig, startProxy, upstream, type RouteInput } from '../helpers/start-proxy.js';

const TROUBLE = `
export default {
  decide(req) {
    if (req.path === '/boom') throw new Error('kaboom');
    if (req.path === '/slow') { const until = performance.now() + 80; while (performance.now() < until); }
    if (req.path === '/loop') { for (;;) {} }
    if (req.path === '/bad') return { kind: 'forward', upstream: 'a', setHeaders: { 'content-length': '0' } };
    return { kind: 'forward', upstream: 'a' };
  },
};
`;

describe('scripted routes: isolation and supervision', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  async function setup(script: Record<string, unknown>, extraRoutes: RouteInput[] = []) {
    const a = await startHttpOrigin('a', closers);
    const file = scriptFiles(closers).write('trouble.mjs', TROUBLE);
    const proxy = await startProxy(
      {
        routes: [{ name: 'scripted', priority: 1, script: { path: file, ...script } }, ...extraRoutes],
        upstreams: [upstream('a', [a.address])],
      },
      closers,
    );
    const failed: MessageOf<typeof ScriptFailed>[] = [];
    const restarted: MessageOf<typeof ActorRestarted>[] = [];
    const subs = [proxy.node.bus.subscribe(ScriptFailed, (m) => failed.push(m)), proxy.node.bus.subscribe(ActorRestarted, (m) => restarted.push(m))];
    closers.add(() => subs.forEach((s) => s.unsubscribe()));
    return { proxy, failed, restarted };
  }

  it('answers 502 when the router throws, reports script.failed, and restarts it with backoff', async () => {
    const { proxy, failed, restarted } = await setup({});
    const res = await httpRequest(`${proxy.url}/boom`);
    assert.equal(res.status, 502);
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.reason, 'threw');
    assert.equal(failed[0]?.error.message, 'kaboom');
    assert.equal(failed[0]?.requestId, res.headers['x-request-id']);
    await waitFor(() => restarted.some((r) => r.address.includes('script-scripted')), 3000, 'the restart');
    assert.equal((await httpRequest(`${proxy.url}/fine`)).status, 200, 'serves again after the restart');
  });

  it('answers with the fallback route while the router fails and restarts', async () => {
    const { proxy, failed, restarted } = await setup({ fallback: 'safe' }, [{ name: 'safe', priority: 99, match: { path: '/never' }, respond: { status: 200, body: 'fallback' } }]);
    const boom = await httpRequest(`${proxy.url}/boom`);
    assert.deepEqual([boom.status, boom.body], [200, 'fallback']);
    assert.equal(failed[0]?.reason, 'threw');
    await waitFor(() => restarted.length > 0, 3000, 'the restart');
    const fine = await httpRequest(`${proxy.url}/fine`);
    assert.equal(fine.headers['x-origin'], 'a');
  });

  it('counts an inline overrun of the budget as a failure (measured after the call)', async () => {
    const { proxy, failed } = await setup({ budget: '20ms' });
    const res = await httpRequest(`${proxy.url}/slow`);
    assert.equal(res.status, 502);
    assert.equal(failed[0]?.reason, 'budget-exceeded');
    assert.equal(failed[0]?.error.code, 'ERR_SCRIPT_TIMEOUT');
  });

  it('refuses a decision that would touch framing fields', async () => {
    const { proxy, failed } = await setup({});
    assert.equal((await httpRequest(`${proxy.url}/bad`)).status, 502);
    assert.equal(failed[0]?.reason, 'invalid-decision');
    assert.match(failed[0]?.error.message ?? '', /content-length is set by the proxy/);
  });

  it('terminates a looping worker at its deadline, answers every waiting request, and starts a new worker', async () => {
    const { proxy, failed, restarted } = await setup({ isolation: 'worker', budget: '150ms' });
    assert.equal((await httpRequest(`${proxy.url}/fine`)).status, 200);
    const started = Date.now();
    const [loop, queued] = await Promise.all([httpRequest(`${proxy.url}/loop`), httpRequest(`${proxy.url}/fine`)]);
    const took = Date.now() - started;
    assert.equal(loop.status, 502);
    assert.ok(queued.status === 502 || queued.status === 200, `queued request answered (${queued.status})`);
    assert.ok(took < 3000, `answered in ${took} ms`);
    assert.equal(failed[0]?.reason, 'timeout');
    await waitFor(() => restarted.some((r) => r.address.includes('script-scripted')), 3000, 'the restart');
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await httpRequest(`${proxy.url}/fine`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status, 200, 'a new worker serves');
  });

  it('refuses a version whose script does not compile, naming routes.N.script and the line', async () => {
    const files = scriptFiles(closers);
    const file = files.write('broken.ts', 'export default {\n  decide() { return { kind: "next" } \n};\nlet = ;\n');
    const config = loadConfig(proxyConfig({ routes: [{ name: 'r', script: file }] }));
    await assert.rejects(startProxyNode(config), (error: unknown) => {
      assert.ok(error instanceof ConfigNotAppliedError);
      assert.equal(error.problems[0]?.path, 'routes.0.script');
      assert.match(error.problems[0]?.message ?? '', /syntax error/);
      assert.match(error.problems[0]?.message ?? '', /\d+:\d+/);
      return true;
    });
  });

  it('refuses a fallback that names no route, and a worker script whose self-test fails', async () => {
    const files = scriptFiles(closers);
    const ok = files.write('ok.mjs', `export default { decide: () => ({ kind: 'next' }) };`);
    const failing = files.write('st.mjs', `export default { decide: () => ({ kind: 'next' }) };\nexport function selfTest() { throw new Error('not ready'); }`);
    await assert.rejects(startProxyNode(loadConfig(proxyConfig({ routes: [{ name: 'r', script: { path: ok, fallback: 'ghost' } }] }))), (error: unknown) => {
      assert.equal((error as ConfigNotAppliedError).problems[0]?.path, 'routes.0.script.fallback');
      return true;
    });
    await assert.rejects(startProxyNode(loadConfig(proxyConfig({ routes: [{ name: 'r', script: { path: failing, isolation: 'worker' } }] }))), (error: unknown) => {
      assert.equal((error as ConfigNotAppliedError).problems[0]?.path, 'routes.0.script');
      assert.match((error as ConfigNotAppliedError).problems[0]?.message ?? '', /self-test failed: not ready/);
      return true;
    });
  });
});
