import assert from 'node:assert/strict';
import { Bus, type Message } from '@switchyard/core';
import { TestProbe } from '@switchyard/core/testkit';
import { loadConfig } from '@switchyard/config';
import { compileRouteTable, type CompiledRoute, type RouteTable } from '../../src/router/index.js';
import type { RouterDefinition } from '../../src/scripts/router-api.js';
import { ScriptInstance, type LoadedScript } from '../../src/scripts/script-instance.js';
import { ScriptRoute, type ScriptVerdict } from '../../src/scripts/script-route.js';
import { viewFromTestRequest } from '../../src/scripts/request-view.js';
import { routerFromModule, type RouterModule } from '../../src/scripts/router-module.js';
import { ScriptFailed, ScriptShadowDisagreed } from '../../src/scripts/script.messages.js';
import type { TestRequestInit } from '../../src/scripts/router-api.js';

function loaded(definition: RouterDefinition<never, never>): LoadedScript {
  return { source: { file: '/r.ts', code: '', hash: 'h' }, isolation: 'inline', module: routerFromModule({ default: definition }) as RouterModule, events: [], prestarted: undefined };
}

function instance(definition: RouterDefinition<never, never>): ScriptInstance {
  return new ScriptInstance(loaded(definition), 'scripted', {}, { clock: { now: Date.now, monotonic: () => performance.now() }, log: () => undefined, budgetMs: 20, onEventFailed: () => undefined });
}

const table: RouteTable = compileRouteTable(
  loadConfig({
    listeners: [{ name: 'web', address: '127.0.0.1:0' }],
    routes: [
      { name: 'scripted', priority: 1, script: '/r.ts' },
      { name: 'only-new', priority: 2, match: { pathPrefix: '/new' }, respond: { status: 200, body: 'new' } },
      { name: 'api', priority: 3, match: { pathPrefix: '/api' }, respond: { status: 200, body: 'api' } },
      { name: 'spare', priority: 4, match: { path: '/never' }, respond: { status: 418 } },
    ],
  }),
);
const scripted = table.route('scripted') as CompiledRoute;

describe('ScriptRoute', () => {
  let bus: Bus;
  beforeEach(() => {
    bus = new Bus();
  });
  afterEach(() => bus.close());

  function route(definition: RouterDefinition<never, never>, settings: { fallback?: string; shadowShare?: number } = {}): ScriptRoute {
    const cell = new ScriptRoute({ route: 'scripted', file: '/r.ts', budgetMs: 20, fallback: settings.fallback, shadowShare: settings.shadowShare ?? 0, bus });
    cell.active = instance(definition);
    return cell;
  }

  function decide(cell: ScriptRoute, init: TestRequestInit = {}): ScriptVerdict {
    const v = cell.decide(viewFromTestRequest(init), table, scripted);
    assert.ok(!(v instanceof Promise));
    return v;
  }

  it('maps forward, target, respond and redirect decisions', () => {
    const cell = route({
      decide: (req) => {
        switch (req.path) {
          case '/up':
            return { kind: 'forward', upstream: 'u', path: '/a/../b', setHeaders: { 'X-New': 'n' }, removeHeaders: ['x-old'] };
          case '/target':
            return { kind: 'forward', target: '[::1]:8443', scheme: 'https' };
          case '/plain':
            return { kind: 'forward', target: 'origin.local:80' };
          case '/respond':
            return { kind: 'respond', status: 503, headers: { 'Retry-After': '5' }, body: 'later' };
          default:
            return { kind: 'redirect', location: 'https://x/' };
        }
      },
    });
    const up = decide(cell, { path: '/up', headers: { 'X-Old': 'o', 'X-Keep': 'k' } });
    assert.equal(up.kind, 'upstream');
    assert.deepEqual(up.rewrite, { path: '/b', headers: ['Host', 'localhost', 'X-Keep', 'k', 'X-New', 'n'] });
    assert.deepEqual(decide(cell, { path: '/target' }), {
      kind: 'target',
      key: 'https://[::1]:8443',
      host: '::1',
      port: 8443,
      scheme: 'https',
      address: '[::1]:8443',
      hostHeader: '[::1]:8443',
      rewrite: undefined,
    });
    const plain = decide(cell, { path: '/plain' });
    assert.equal(plain.kind === 'target' && plain.hostHeader, 'origin.local');
    const respond = decide(cell, { path: '/respond' });
    assert.equal(respond.kind, 'respond');
    if (respond.kind === 'respond') {
      assert.equal(respond.response.status, 503);
      assert.deepEqual(respond.response.headers, ['retry-after', '5', 'content-type', 'text/plain; charset=utf-8']);
      assert.equal(respond.response.body.toString(), 'later');
    }
    assert.deepEqual(decide(cell, { path: '/r' }), { kind: 'redirect', status: 302, location: 'https://x/', rewrite: undefined });
    assert.equal(cell.stats.requests, 5);
  });

  it('spreads a split by weight, smoothly', () => {
    const cell = route({ decide: () => ({ kind: 'split', split: [{ upstream: 'a', weight: 2 }, { upstream: 'b', weight: 1 }] }) });
    const picks = Array.from({ length: 6 }, () => {
      const v = decide(cell);
      return v.kind === 'upstream' ? v.upstream : '?';
    });
    assert.deepEqual(picks, ['a', 'b', 'a', 'a', 'b', 'a']);
  });

  it('passes to the next matching route, on the rewritten request for a rewrite', () => {
    const cell = route({ decide: (req) => (req.path === '/old' ? { kind: 'rewrite', path: '/new/x' } : { kind: 'next' }) });
    const rewritten = decide(cell, { path: '/old' });
    assert.equal(rewritten.kind === 'route' && rewritten.route?.name, 'only-new');
    assert.equal(rewritten.rewrite?.path, '/new/x');
    const next = decide(cell, { path: '/api/v1' });
    assert.equal(next.kind === 'route' && next.route?.name, 'api');
    const none = decide(cell, { path: '/elsewhere' });
    assert.deepEqual(none, { kind: 'route', route: undefined, rewrite: undefined });
  });

  it('falls back with 502 when the router throws, reports it, and takes the instance out of service', async () => {
    const probe = TestProbe.onBus<Message>(bus, ScriptFailed);
    const cell = route({ decide: () => { throw new Error('broken'); } });
    const failures: string[] = [];
    cell.onFailure = (_i, isShadow, reason) => failures.push(`${reason}${isShadow ? ' (shadow)' : ''}`);
    assert.deepEqual(decide(cell), { kind: 'fail', status: 502, reason: 'script of route "scripted" failed (threw)', rewrite: undefined });
    const event = (await probe.expectMessage(ScriptFailed, 1000)) as ScriptFailed;
    assert.equal(event.reason, 'threw');
    assert.equal(event.error.code, 'ERR_SCRIPT_FAILED');
    assert.equal(event.error.message, 'broken');
    assert.deepEqual(failures, ['threw']);
    assert.equal(cell.active, undefined);
    const meanwhile = decide(cell);
    assert.equal(meanwhile.kind === 'fail' && meanwhile.status, 503, 'while restarting: 503');
    assert.equal(cell.stats.fallbacks, 2);
  });

  it('answers with the fallback route when one is configured', () => {
    const cell = route({ decide: () => ({ kind: 'teleport' }) as never }, { fallback: 'spare' });
    const v = decide(cell);
    assert.equal(v.kind === 'route' && v.route?.name, 'spare');
  });

  it('counts an inline overrun of the budget as a failure', () => {
    const cell = route({
      decide: () => {
        const until = performance.now() + 40;
        while (performance.now() < until);
        return { kind: 'next' };
      },
    });
    const reasons: string[] = [];
    cell.onFailure = (_i, _s, reason) => reasons.push(reason);
    const v = decide(cell);
    assert.equal(v.kind === 'fail' && v.status, 502);
    assert.deepEqual(reasons, ['budget-exceeded']);
  });

  it('runs a shadow on its share of requests and reports disagreements without changing the verdict', async () => {
    const probe = TestProbe.onBus<Message>(bus, ScriptShadowDisagreed);
    const cell = route({ decide: () => ({ kind: 'forward', upstream: 'a' }) }, { shadowShare: 0.5 });
    cell.shadow = instance({ decide: (req) => ({ kind: 'forward', upstream: req.path === '/x' ? 'b' : 'a' }) });
    for (const path of ['/x', '/x', '/y', '/y', '/x', '/x']) {
      const v = decide(cell, { path });
      assert.equal(v.kind === 'upstream' && v.upstream, 'a');
    }
    assert.equal(cell.stats.shadowCompared, 3);
    assert.equal(cell.stats.shadowDisagreed, 2);
    const event = (await probe.expectMessage(ScriptShadowDisagreed, 1000)) as ScriptShadowDisagreed;
    assert.equal(event.active, '{"kind":"forward","upstream":"a"}');
    assert.equal(event.shadow, '{"kind":"forward","upstream":"b"}');
  });
});
