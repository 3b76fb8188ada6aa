// The router actor: compiles each config's routes into the table connection code matches on.
import { defineActor, defineMessage, type MessageOf } from '@switchyard/core';
import type { Config } from '@switchyard/config';
import { z } from 'zod';
import { compileRouteTable, type RouteTable } from './route-table.js';

export const CompileRoutes = defineMessage('router.compile', { config: z.custom<Readonly<Config>>() }, { reply: z.custom<RouteTable>() });
export type CompileRoutes = MessageOf<typeof CompileRoutes>;

interface RouterState {
  compiled: number;
}

/**
 * Compilation can throw (a route that cannot be built); the asker hears the error and keeps its
 * last good table, while the supervisor resumes this actor: a bad config is not a broken router.
 */
export const router = defineActor<RouterState, CompileRoutes>({
  name: 'router',
  init: () => ({ compiled: 0 }),
  receive(state, message, ctx) {
    const table = compileRouteTable(message.config);
    ctx.reply(CompileRoutes, table);
    return { compiled: state.compiled + 1 };
  },
});
