// What a script module must export, checked after import; and the harness that runs a router without sockets.
import { decisionProblem } from './decision-check.js';
import type { RouterDecision, RouterDefinition, RouterEventType, RouterEvents, RouterSelfTest, TestRequestInit } from './router-api.js';
import { ROUTER_EVENT_TYPES } from './router-api.js';
import { MetricValues, RouterContextImpl, processClock, type ClockFns, type LogLevel } from './router-context.js';
import { viewFromTestRequest } from './request-view.js';

export type AnyRouter = RouterDefinition<unknown, Readonly<Record<string, unknown>>>;
export type SelfTestFn = (t: RouterSelfTest) => unknown;

/** A script module after import: its router and its optional self-test. */
export interface RouterModule {
  readonly definition: AnyRouter;
  readonly selfTest: SelfTestFn | undefined;
}

/**
 * The router a module exports: `export default defineRouter({...})`, a default object with a
 * `decide` function, or a default function (taken as `decide`). Returns a problem text otherwise.
 */
export function routerFromModule(mod: Record<string, unknown>): RouterModule | string {
  const exported = mod.default;
  let definition: AnyRouter;
  if (typeof exported === 'function') {
    definition = Object.freeze({ decide: exported as AnyRouter['decide'] });
  } else if (typeof exported === 'object' && exported !== null && typeof (exported as { decide?: unknown }).decide === 'function') {
    definition = exported as AnyRouter;
  } else {
    return 'the module has no router: write `export default defineRouter({ decide(request, ctx) { ... } })`';
  }
  if (definition.init !== undefined && typeof definition.init !== 'function') return 'init must be a function';
  if (definition.on !== undefined) {
    if (typeof definition.on !== 'object' || definition.on === null) return 'on must be an object of event handlers';
    for (const [type, handler] of Object.entries(definition.on)) {
      if (!(ROUTER_EVENT_TYPES as readonly string[]).includes(type)) return `on: "${type}" is not an event a router can subscribe to (${ROUTER_EVENT_TYPES.join(', ')})`;
      if (typeof handler !== 'function') return `on["${type}"] must be a function`;
    }
  }
  const selfTest = mod.selfTest;
  if (selfTest !== undefined && typeof selfTest !== 'function') return 'the selfTest export must be a function';
  return { definition, selfTest: selfTest as SelfTestFn | undefined };
}

/** The event types a router has handlers for. */
export function subscribedEvents(definition: AnyRouter): RouterEventType[] {
  return definition.on === undefined ? [] : (Object.keys(definition.on) as RouterEventType[]).filter((t) => ROUTER_EVENT_TYPES.includes(t));
}

export interface LoggedLine {
  level: LogLevel;
  message: string;
  fields: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Runs one router instance synchronously, with no sockets, no budget and no isolation: what
 * `testRouter` and self-tests use. A throw from the router propagates to the caller; a value
 * that is not a decision throws a TypeError naming the problem.
 */
export class RouterHarness {
  readonly ctx: RouterContextImpl<unknown, Readonly<Record<string, unknown>>>;
  readonly logs: LoggedLine[] = [];
  private requests = 0;

  constructor(
    readonly definition: AnyRouter,
    options: Readonly<Record<string, unknown>> = {},
    route = 'test',
    clock: ClockFns = processClock,
  ) {
    const frozen = Object.freeze({ ...options });
    const state = definition.init === undefined ? undefined : definition.init(frozen);
    this.ctx = new RouterContextImpl(route, frozen, clock, (level, message, fields) => this.logs.push({ level, message, fields }), state, new MetricValues());
  }

  decide(init: TestRequestInit = {}): RouterDecision {
    const view = viewFromTestRequest(init, this.requests++);
    const decision: unknown = this.definition.decide(view, this.ctx);
    const problem = decisionProblem(decision);
    if (problem !== undefined) throw new TypeError(`router returned an invalid decision: ${problem}`);
    return decision as RouterDecision;
  }

  emit<K extends RouterEventType>(type: K, event: RouterEvents[K]): void {
    const handler = this.definition.on?.[type] as ((e: RouterEvents[K], c: RouterContextImpl<unknown, Readonly<Record<string, unknown>>>) => void) | undefined;
    handler?.(event, this.ctx);
  }

  get metrics(): Record<string, number> {
    return this.ctx.metrics.toRecord();
  }
}

/** Runs a module's self-test, if it has one, on a fresh instance; rejects with the reason when it fails. */
export async function runSelfTest(mod: RouterModule, options: Readonly<Record<string, unknown>>, route: string, timeoutMs = 5000): Promise<void> {
  const selfTest = mod.selfTest;
  if (selfTest === undefined) return;
  // One harness across decide and emit, so a self-test can check that an event changes decisions.
  const harness = new RouterHarness(mod.definition, options, route);
  const kit: RouterSelfTest = {
    options: harness.ctx.options,
    decide: (init) => harness.decide(init),
    emit: (type, event) => harness.emit(type, event),
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(() => selfTest(kit)),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`self-test did not finish within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    throw new Error(`self-test failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
