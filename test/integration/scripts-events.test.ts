// A router that reacts to bus events: the failover example follows target.health-changed.
import assert from 'node:assert/strict';
import path from 'node:path';
import { ScriptLogged } from '@switchyard/actors';
import { TargetHealthChanged, type MessageOf } from '@switchyard/core';
import { Closers } from '../helpers/closers.js';
import { startHttpOrigin } from '../helpers/http-origin.js';
import { httpRequest } from '../helpers/http-request.js';
import { repoRoot } from '../helpers/repo-root.js';
import { waitFor } from '../helpers/script-files.js';
import { startProxy, upstream } from '../helpers/start-proxy.js';

for (const isolation of ['inline', 'worker'] as const) {
  describe(`scripted routes: reacting to bus events (${isolation})`, () => {
    const closers = new Closers();
    afterEach(() => closers.closeAll());

    it('fails over to the backup when the primary is reported unhealthy, and back when it recovers', async () => {
      const primary = await startHttpOrigin('primary', closers);
      const backup = await startHttpOrigin('backup', closers);
      const proxy = await startProxy(
        {
          routes: [{ name: 'failover', script: { path: path.join(repoRoot, 'examples/routers/failover.ts'), isolation, options: { primary: 'main', backup: 'spare' } } }],
          upstreams: [upstream('main', [primary.address]), upstream('spare', [backup.address])],
        },
        closers,
      );
      const logs: MessageOf<typeof ScriptLogged>[] = [];
      const sub = proxy.node.bus.subscribe(ScriptLogged, (m) => logs.push(m));
      closers.add(() => sub.unsubscribe());
      const origin = async (): Promise<string> => String((await httpRequest(proxy.url)).headers['x-origin']);
      const health = (to: 'healthy' | 'unhealthy') =>
        proxy.node.bus.publish(
          TargetHealthChanged.make({ upstream: 'main', target: primary.address, from: to === 'healthy' ? 'unhealthy' : 'healthy', to, reason: 'test', source: 'active', at: Date.now() }),
        );

      assert.equal(await origin(), 'primary');
      // The health actor reports each target's initial verdict too: wait for the router's own log line of each change.
      const logged = (to: string): number => logs.findIndex((m) => (m.fields as { to?: string } | undefined)?.to === to && m.fields?.down === (to === 'unhealthy' ? 1 : 0));
      health('unhealthy');
      await waitFor(() => logged('unhealthy') >= 0, 3000, 'the router to handle the event');
      assert.equal(await origin(), 'backup');
      const mark = logs.length;
      health('healthy');
      await waitFor(() => logs.length > mark && logs.slice(mark).some((m) => m.fields?.to === 'healthy'), 3000, 'the recovery event');
      assert.equal(await origin(), 'primary');
      assert.equal(logs[logged('unhealthy')]?.route, 'failover');
      assert.deepEqual(logs[logged('unhealthy')]?.fields, { target: primary.address, to: 'unhealthy', down: 1 });
    });
  });
}
