// The JSON bodies of the admin API's read endpoints, built from the node's config and counters.
import { forwardTargets, routeAction, type Config } from '@switchyard/config';
import type { BoundListener, ListenerCounters } from '@switchyard/actors';

/**
 * What the health issue will know about a target. `state` is `unknown` until something reports;
 * the other fields (last check, reason, ejection...) are the provider's to add.
 */
export interface TargetHealthView {
  state: 'healthy' | 'unhealthy' | 'unknown' | (string & {});
  [field: string]: unknown;
}

/**
 * The extension point for `GET /api/upstreams`: returns a target's live health, or undefined when
 * nothing is known. Until the health-check issue provides one, every target reads `unknown`.
 */
export type TargetHealthProvider = (upstream: string, target: string) => TargetHealthView | undefined;

const UNKNOWN_HEALTH: TargetHealthView = Object.freeze({ state: 'unknown' });

export function listenersView(listeners: readonly BoundListener[], counters: Record<string, ListenerCounters>): unknown {
  return {
    listeners: listeners.map((l) => ({
      name: l.name,
      protocol: l.protocol,
      host: l.host,
      port: l.port,
      address: `${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`,
      counters: counters[l.name] === undefined ? undefined : { ...counters[l.name] },
    })),
  };
}

export function routesView(config: Readonly<Config>): unknown {
  return {
    routes: config.routes.map((r) => {
      const action = routeAction(r);
      return {
        name: r.name,
        priority: r.priority,
        listeners: r.listeners ?? null,
        match: r.match,
        action: action.kind,
        ...(action.kind === 'forward' ? { upstreams: forwardTargets(action.forward) } : {}),
        ...(action.kind === 'forward' ? {} : { [action.kind]: (action as Record<string, unknown>)[action.kind] }),
        ...(r.timeout === undefined ? {} : { timeoutMs: r.timeout }),
      };
    }),
  };
}

export function upstreamsView(config: Readonly<Config>, health: TargetHealthProvider | undefined): unknown {
  return {
    upstreams: config.upstreams.map((u) => ({
      name: u.name,
      balance: u.balance,
      healthCheck: u.healthCheck === undefined ? null : { type: u.healthCheck.type, intervalMs: u.healthCheck.interval },
      targets: u.targets.map((t) => ({
        address: t.address.text,
        weight: t.weight,
        // The configured state; a drain through the API shows here once the balancing issue wires it.
        state: t.state,
        ...(t.maxConnections === undefined ? {} : { maxConnections: t.maxConnections }),
        health: health?.(u.name, t.address.text) ?? UNKNOWN_HEALTH,
      })),
    })),
  };
}

const REDACTED = '[redacted]';

/**
 * The config as served (normalized: addresses as objects, durations in ms, sizes in bytes), with
 * secrets (the admin token, NATS credentials) redacted. It is for reading, not for posting back.
 */
export function redactedConfig(config: Readonly<Config>): unknown {
  const copy = JSON.parse(JSON.stringify(config)) as Record<string, unknown> & {
    admin?: { token?: string };
    cluster?: { nats?: { pass?: string; token?: string } };
  };
  if (copy.admin?.token !== undefined) copy.admin.token = REDACTED;
  if (copy.cluster?.nats?.pass !== undefined) copy.cluster.nats.pass = REDACTED;
  if (copy.cluster?.nats?.token !== undefined) copy.cluster.nats.token = REDACTED;
  return copy;
}
