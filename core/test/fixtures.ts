// Message types and small actors shared by the core unit tests.
import { z } from 'zod';
import { defineActor, defineMessage, type MessageOf } from '../src/index.js';

export const Add = defineMessage('counter.add', { by: z.number().int() });
export type Add = MessageOf<typeof Add>;
export const Boom = defineMessage('counter.boom', { reason: z.string() });
export type Boom = MessageOf<typeof Boom>;
export const GetCount = defineMessage('counter.get', {}, { reply: z.number() });
export type GetCount = MessageOf<typeof GetCount>;
export const Never = defineMessage('counter.never-answer', {}, { reply: z.number() });
export type Never = MessageOf<typeof Never>;
export const Counted = defineMessage('counter.counted', { count: z.number().int() });
export type Counted = MessageOf<typeof Counted>;

export type CounterMessage = Add | Boom | GetCount | Never;

/** Counts, emits each new count, answers GetCount, throws on Boom, ignores Never. */
export const counter = defineActor<{ count: number }, CounterMessage, number>({
  name: 'counter',
  init: (start) => ({ count: start }),
  receive(state, message, ctx) {
    switch (message.type) {
      case 'counter.add': {
        const count = state.count + message.by;
        ctx.emit(Counted.make({ count }));
        return { count };
      }
      case 'counter.boom':
        throw new Error(message.reason);
      case 'counter.get':
        ctx.reply(GetCount, state.count);
        return;
      case 'counter.never-answer':
        return;
    }
  },
});

export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
