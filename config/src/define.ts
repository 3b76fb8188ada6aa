// Helpers for TypeScript config files and for code reading a validated route.
import type { ConfigInput, ForwardConfig, ForwardDynamicConfig, RedirectConfig, RespondConfig, RouteConfig, ScriptConfig, WeightedUpstreamConfig } from './schema.js';

/**
 * Identity function that types a config written in TypeScript (or checked JavaScript).
 * @example
 * // switchyard.config.ts
 * import { defineConfig } from '@switchyard/config';
 * export default defineConfig({
 *   listeners: [{ name: 'web', address: ':8080' }],
 *   routes: [{ name: 'all', forward: { upstream: 'app' } }],
 *   upstreams: [{ name: 'app', targets: [{ address: '127.0.0.1:3000' }] }],
 * });
 */
export function defineConfig(input: ConfigInput): ConfigInput {
  return input;
}

/** The single action of a validated route, tagged by kind. */
export type RouteAction =
  | { kind: 'forward'; forward: ForwardConfig }
  | { kind: 'forwardDynamic'; forwardDynamic: ForwardDynamicConfig }
  | { kind: 'redirect'; redirect: RedirectConfig }
  | { kind: 'respond'; respond: RespondConfig }
  | { kind: 'script'; script: ScriptConfig };

/** Returns the action of a validated route (validation guarantees there is exactly one). */
export function routeAction(route: RouteConfig): RouteAction {
  if (route.forward !== undefined) return { kind: 'forward', forward: route.forward };
  if (route.forwardDynamic !== undefined) return { kind: 'forwardDynamic', forwardDynamic: route.forwardDynamic };
  if (route.redirect !== undefined) return { kind: 'redirect', redirect: route.redirect };
  if (route.respond !== undefined) return { kind: 'respond', respond: route.respond };
  if (route.script !== undefined) return { kind: 'script', script: route.script };
  throw new Error(`route "${route.name}" has no action; it did not come from loadConfig`);
}

/** The weighted upstream list of a forward action; `{ upstream }` is one entry of weight 1. */
export function forwardTargets(forward: ForwardConfig): readonly WeightedUpstreamConfig[] {
  return 'upstream' in forward ? [{ upstream: forward.upstream, weight: 1 }] : forward.upstreams;
}
