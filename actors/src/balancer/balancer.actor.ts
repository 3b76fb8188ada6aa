// The balancer actor: owns the target pools, builds each version's upstreams, and keeps pickers current.
import { PickerReplaced, defineActor, defineMessage, type ActorContext, type MessageOf, type Snapshot } from '@switchyard/core';
import type { Config, UpstreamConfig } from '@switchyard/config';
import { z } from 'zod';
import type { HealthViews } from '../health/index.js';
import type { DeadlineSweeper } from '../proxy/deadline-sweeper.js';
import { PoolRegistry } from '../proxy/pool-registry.js';
import type { UpstreamRuntime } from '../proxy/proxy-snapshot.js';
import { applyHealthView, buildUpstreams, type BuiltUpstreams } from './upstream-builder.js';

export const BuildUpstreams = defineMessage('balancer.build', { config: z.custom<Readonly<Config>>() }, { reply: z.custom<BuiltUpstreams & { registry: PoolRegistry }>() });
/** The version built last went live: follow its upstreams from now on, retire unused pools. */
export const ActivateUpstreams = defineMessage('balancer.activate', {
  config: z.custom<Readonly<Config>>(),
  upstreams: z.custom<ReadonlyMap<string, UpstreamRuntime>>(),
  inUse: z.custom<ReadonlySet<string>>(),
});
const HealthViewsChanged = defineMessage('balancer.health-views-changed', { views: z.custom<HealthViews>() });
type In = MessageOf<typeof BuildUpstreams> | MessageOf<typeof ActivateUpstreams> | MessageOf<typeof HealthViewsChanged>;

interface LiveUpstream {
  runtime: UpstreamRuntime;
  config: Readonly<UpstreamConfig>;
  /** The health view the picker was last built from. */
  view: unknown;
}

interface BalancerState {
  registry: PoolRegistry;
  views: Snapshot<HealthViews>;
  live: Map<string, LiveUpstream>;
}

/**
 * Building reuses pools whose key is unchanged, so warm keep-alive connections survive a reload;
 * pools nobody uses any more are retired once the new version is live. Health views (checks,
 * ejections, draining, slow-start steps) rebuild only the pickers of the upstreams they changed:
 * the data plane reads `upstream.picker` per request and sees the new one at once.
 */
export const balancer = defineActor<BalancerState, In, { sweeper: DeadlineSweeper; views: Snapshot<HealthViews> }>({
  name: 'balancer',
  init: ({ sweeper, views }, ctx) => {
    ctx.subscribeToSelf(views.changes$, (next) => HealthViewsChanged.make({ views: next }));
    return { registry: new PoolRegistry(sweeper), views, live: new Map() };
  },
  receive(state, message, ctx) {
    switch (message.type) {
      case 'balancer.build':
        ctx.reply(BuildUpstreams, { ...buildUpstreams(message.config, state.registry, state.views.current), registry: state.registry });
        return;
      case 'balancer.activate': {
        state.registry.retainOnly(message.inUse);
        const live = new Map<string, LiveUpstream>();
        for (const config of message.config.upstreams) {
          const runtime = message.upstreams.get(config.name);
          if (runtime !== undefined) live.set(config.name, { runtime, config, view: undefined });
        }
        const next = { ...state, live };
        rebuildChanged(next, state.views.current, ctx);
        return next;
      }
      case 'balancer.health-views-changed':
        rebuildChanged(state, message.views, ctx);
        return;
    }
  },
  stopped(state) {
    state.registry.retireAll();
  },
});

function rebuildChanged(state: BalancerState, views: HealthViews, ctx: ActorContext<In>): void {
  const isObserved = ctx.isObserved(PickerReplaced);
  for (const entry of state.live.values()) {
    const view = views.get(entry.config.name);
    if (view === entry.view) continue;
    entry.view = view;
    applyHealthView(entry.runtime, entry.config, view);
    if (isObserved) {
      ctx.emit(
        PickerReplaced.make({
          upstream: entry.config.name,
          candidates: entry.runtime.targets.filter((t) => t.weight > 0).length,
          total: entry.runtime.targets.length,
          isPanicking: view?.isPanicking ?? false,
        }),
      );
    }
  }
}
