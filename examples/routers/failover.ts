// Health-aware failover: follow `target.health-changed` events and send traffic to the backup while the primary is down.
import { defineRouter } from '@switchyard/actors';

interface FailoverOptions {
  primary: string;
  backup: string;
}

interface State {
  /** Unhealthy targets of the primary upstream, by address. */
  down: Set<string>;
  /** Targets of the primary seen at all. */
  known: Set<string>;
}

export default defineRouter<State, FailoverOptions>({
  name: 'failover',
  init: () => ({ down: new Set(), known: new Set() }),
  on: {
    'target.health-changed'(event, ctx) {
      if (event.upstream !== ctx.options.primary) return;
      ctx.state.known.add(event.target);
      if (event.to === 'unhealthy') ctx.state.down.add(event.target);
      else ctx.state.down.delete(event.target);
      ctx.log.info('primary health changed', { target: event.target, to: event.to, down: ctx.state.down.size });
      ctx.metrics.gauge('primary.down', ctx.state.down.size);
    },
  },
  decide(_req, ctx) {
    const { known, down } = ctx.state;
    const isPrimaryDown = known.size > 0 && down.size === known.size;
    return { kind: 'forward', upstream: isPrimaryDown ? ctx.options.backup : ctx.options.primary };
  },
});
