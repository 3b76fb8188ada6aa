// The test kit for routers: run a router (an object or a script file) against request views, with no sockets.
import path from 'node:path';
import type { RouterDecision, RouterDefinition, RouterEventType, RouterEvents, TestRequestInit } from './router-api.js';
import type { ClockFns } from './router-context.js';
import { RouterHarness, routerFromModule, type AnyRouter, type LoggedLine } from './router-module.js';
import { ScriptLoadError, loadRouterModule, readScript } from './script-loader.js';

export interface TestRouterOptions {
  /** The route's `script.options`. */
  options?: Readonly<Record<string, unknown>>;
  /** The route name the router sees as `ctx.route`. Default `test`. */
  route?: string;
  /** Replaces the clock (`ctx.now()` / `ctx.monotonic()`), e.g. for a maintenance window. */
  clock?: Partial<ClockFns>;
  /** Bus events delivered to the router's handlers before the first request. */
  events?: readonly TestEvent[];
}

/** A bus event for a router's handler: its type and the message. */
export type TestEvent = { [K in RouterEventType]: readonly [K, RouterEvents[K]] }[RouterEventType];

/** A router under test: decide, deliver events, read its state, metrics and logs. */
export interface TestRouter {
  decide(request?: TestRequestInit): RouterDecision;
  emit<K extends RouterEventType>(type: K, event: RouterEvents[K]): void;
  readonly state: unknown;
  readonly metrics: Record<string, number>;
  readonly logs: readonly LoggedLine[];
}

/** A router object, a module namespace with a default router, or the path of a `.ts`/`.js` script. */
export type RouterUnderTest = RouterDefinition<never, never> | AnyRouter | string | { readonly default: unknown };

/**
 * Builds one router instance for tests. A path is loaded as the proxy loads it (TypeScript compiled,
 * module imported, shape checked, self-test run); relative paths resolve against the working directory.
 */
export async function createTestRouter(script: RouterUnderTest, options: TestRouterOptions = {}): Promise<TestRouter> {
  const routeOptions = options.options ?? {};
  const route = options.route ?? 'test';
  let definition: AnyRouter;
  if (typeof script === 'string') {
    definition = (await loadRouterModule(await readScript(path.resolve(script)), routeOptions, route)).definition;
  } else if ('default' in script) {
    const checked = routerFromModule(script as Record<string, unknown>);
    if (typeof checked === 'string') throw new ScriptLoadError('(module)', [{ message: checked }]);
    definition = checked.definition;
  } else {
    const checked = routerFromModule({ default: script });
    if (typeof checked === 'string') throw new ScriptLoadError('(router)', [{ message: checked }]);
    definition = checked.definition;
  }
  const clock: ClockFns = { now: options.clock?.now ?? (() => Date.now()), monotonic: options.clock?.monotonic ?? (() => performance.now()) };
  const harness = new RouterHarness(definition, routeOptions, route, clock);
  for (const [type, event] of options.events ?? []) harness.emit(type, event as never);
  return {
    decide: (request) => harness.decide(request),
    emit: (type, event) => harness.emit(type, event),
    get state() {
      return harness.ctx.state;
    },
    get metrics() {
      return harness.metrics;
    },
    logs: harness.logs,
  };
}

/**
 * Runs a router against request views without sockets and returns its decision for each, in order
 * (one router instance, so state carries from request to request). A throw from the router, or a
 * value that is not a decision, rejects.
 * @example
 * const decisions = await testRouter('./routers/canary.ts', [{ headers: { 'x-canary': '1' } }, {}], { options: { weight: 0 } });
 * assert.deepEqual(decisions, [{ kind: 'forward', upstream: 'canary' }, { kind: 'forward', upstream: 'stable' }]);
 */
export async function testRouter(script: RouterUnderTest, requests: readonly TestRequestInit[], options: TestRouterOptions = {}): Promise<RouterDecision[]> {
  const router = await createTestRouter(script, options);
  return requests.map((request) => router.decide(request));
}
