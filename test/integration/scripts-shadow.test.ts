// Shadow mode: a new router version decides beside the active one, disagreements are counted, responses never change; then it is promoted.
import assert from 'node:assert/strict';
import { PromoteScript, ScriptLoaded, ScriptShadowDisagreed } from '@switchyard/actors';
import type { MessageOf } from '@switchyard/core';
import { Closers } from '../helpers/closers.js';
import { startHttpOrigin } from '../helpers/http-origin.js';
import { httpRequest } from '../helpers/http-request.js';
import { scriptFiles, waitFor } from '../helpers/script-files.js';
import { startProxy, upstream } from '../helpers/start-proxy.js';

const ACTIVE = `export default { decide: () => ({ kind: 'forward', upstream: 'a' }) };`;
const CANDIDATE = `export default { decide: (req) => ({ kind: 'forward', upstream: req.path.startsWith('/beta') ? 'b' : 'a' }) };`;

for (const isolation of ['inline', 'worker'] as const) {
  describe(`scripted routes: shadow mode (${isolation})`, () => {
    const closers = new Closers();
    afterEach(() => closers.closeAll());

    it('counts disagreements without affecting responses, then promotes the shadow', async () => {
      const a = await startHttpOrigin('a', closers);
      const b = await startHttpOrigin('b', closers);
      const files = scriptFiles(closers);
      const active = files.write('active.mjs', ACTIVE);
      const candidate = files.write('candidate.mjs', CANDIDATE);
      const proxy = await startProxy(
        {
          routes: [{ name: 'scripted', script: { path: active, isolation, shadow: { path: candidate, share: 1 } } }],
          upstreams: [upstream('a', [a.address]), upstream('b', [b.address])],
        },
        closers,
      );
      const disagreed: MessageOf<typeof ScriptShadowDisagreed>[] = [];
      const loaded: MessageOf<typeof ScriptLoaded>[] = [];
      const subs = [proxy.node.bus.subscribe(ScriptShadowDisagreed, (m) => disagreed.push(m)), proxy.node.bus.subscribe(ScriptLoaded, (m) => loaded.push(m))];
      closers.add(() => subs.forEach((s) => s.unsubscribe()));

      const origins: string[] = [];
      for (const path of ['/beta/1', '/home', '/beta/2', '/about', '/beta/3']) origins.push(String((await httpRequest(`${proxy.url}${path}`)).headers['x-origin']));
      assert.deepEqual(origins, ['a', 'a', 'a', 'a', 'a'], 'the active version answered every request');
      await waitFor(() => disagreed.length === 3, 3000, 'three disagreements');
      assert.deepEqual(
        disagreed.map((d) => d.path),
        ['/beta/1', '/beta/2', '/beta/3'],
      );
      assert.equal(disagreed[0]?.active, '{"kind":"forward","upstream":"a"}');
      assert.equal(disagreed[0]?.shadow, '{"kind":"forward","upstream":"b"}');

      proxy.node.bus.publish(PromoteScript.make({ route: 'scripted' }));
      await waitFor(() => loaded.some((m) => m.cause === 'promoted'), 3000, 'the promotion');
      assert.equal((await httpRequest(`${proxy.url}/beta/4`)).headers['x-origin'], 'b', 'the promoted version decides now');
      assert.equal((await httpRequest(`${proxy.url}/home`)).headers['x-origin'], 'a');
      assert.equal(disagreed.length, 3, 'no shadow after promotion');
    });

    it('runs the shadow on its share of requests only', async () => {
      const a = await startHttpOrigin('a', closers);
      const b = await startHttpOrigin('b', closers);
      const files = scriptFiles(closers);
      const proxy = await startProxy(
        {
          routes: [{ name: 'scripted', script: { path: files.write('active.mjs', ACTIVE), isolation, shadow: { path: files.write('c.mjs', CANDIDATE), share: 0.25 } } }],
          upstreams: [upstream('a', [a.address]), upstream('b', [b.address])],
        },
        closers,
      );
      const disagreed: unknown[] = [];
      const sub = proxy.node.bus.subscribe(ScriptShadowDisagreed, (m) => disagreed.push(m));
      closers.add(() => sub.unsubscribe());
      for (let i = 0; i < 20; i++) await httpRequest(`${proxy.url}/beta/${i}`);
      await waitFor(() => disagreed.length === 5, 3000, 'a quarter of 20 compared');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(disagreed.length, 5);
    });
  });
}
