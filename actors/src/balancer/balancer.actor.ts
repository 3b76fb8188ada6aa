// The balancer actor: owns the target pools and builds each config's upstreams and pickers.
import { defineActor, defineMessage, type MessageOf } from '@switchyard/core';
import type { Config } from '@switchyard/config';
import { z } from 'zod';
import type { DeadlineSweeper } from '../proxy/deadline-sweeper.js';
import { PoolRegistry } from '../proxy/pool-registry.js';
import { buildUpstreams, type BuiltUpstreams } from './upstream-builder.js';

export const BuildUpstreams = defineMessage('balancer.build', { config: z.custom<Readonly<Config>>() }, { reply: z.custom<BuiltUpstreams & { registry: PoolRegistry }>() });
export const RetirePools = defineMessage('balancer.retire-unused', { inUse: z.custom<ReadonlySet<string>>() });
type In = MessageOf<typeof BuildUpstreams> | MessageOf<typeof RetirePools>;

interface BalancerState {
  registry: PoolRegistry;
}

/**
 * Building reuses pools whose key is unchanged, so warm keep-alive connections survive a reload;
 * pools nobody uses any more are retired only once the new snapshot is live (`balancer.retire-unused`).
 */
export const balancer = defineActor<BalancerState, In, { sweeper: DeadlineSweeper }>({
  name: 'balancer',
  init: ({ sweeper }) => ({ registry: new PoolRegistry(sweeper) }),
  receive(state, message, ctx) {
    switch (message.type) {
      case 'balancer.build':
        ctx.reply(BuildUpstreams, { ...buildUpstreams(message.config, state.registry), registry: state.registry });
        return;
      case 'balancer.retire-unused':
        state.registry.retainOnly(message.inUse);
        return;
    }
  },
  stopped(state) {
    state.registry.retireAll();
  },
});
