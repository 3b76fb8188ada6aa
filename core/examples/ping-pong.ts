// A small runnable tour of the runtime: typed messages, actors, ask, supervision and the bus.
import { z } from 'zod';
import {
  ActorRestarted,
  SupervisionDecided,
  createActorSystem,
  defineActor,
  defineMessage,
  supervisorStrategy,
  type MessageOf,
} from '../src/index.js';

const Ping = defineMessage('demo.ping', { n: z.number().int() });
const Total = defineMessage('demo.total', {}, { reply: z.number() });
type In = MessageOf<typeof Ping> | MessageOf<typeof Total>;

/** Sums pings, and fails on every seventh one to show the supervisor at work. */
const summer = defineActor<{ sum: number }, In>({
  name: 'summer',
  init: () => ({ sum: 0 }),
  receive(state, message, ctx) {
    if (message.type === 'demo.total') return void ctx.reply(Total, state.sum);
    if (message.n % 7 === 0) throw new Error(`ping ${message.n} is unlucky`);
    return { sum: state.sum + message.n };
  },
});

const system = createActorSystem({
  name: 'demo',
  supervision: supervisorStrategy({ decide: 'resume' }),
});
system.bus.on(SupervisionDecided).subscribe((d) => console.log(`supervisor: ${d.directive} ${d.child} after "${d.error.message}"`));
system.bus.on(ActorRestarted).subscribe((r) => console.log(`restarted ${r.address}`));

const ref = system.spawn(summer, undefined);
for (let n = 1; n <= 20; n++) ref.tell(Ping.make({ n }));
const total = await ref.ask(Total, {});
console.log(`sum of 1..20 without the multiples of 7: ${total}`);
await system.terminate();
