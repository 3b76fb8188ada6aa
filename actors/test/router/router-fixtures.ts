// Shared builders for the router tests: real validated configs and request facts.
import { loadConfig, type Config, type ConfigInput } from '@switchyard/config';
import { compileRouteTable, type RouteTable } from '../../src/router/route-table.js';
import type { RequestFacts } from '../../src/router/request-facts.js';

type RouteInput = NonNullable<ConfigInput['routes']>[number];

/** Upstreams every fixture config declares, so routes may forward to any of them. */
export const UPSTREAM_NAMES = ['backend', 'frontend', 'app', 'stable', 'canary', 'a', 'b', 'c'] as const;

/** A validated config with listeners `web` (:8080) and `internal` (127.0.0.1:9090) and the given routes. */
export function configWith(routes: RouteInput[], extra: Partial<ConfigInput> = {}): Readonly<Config> {
  return loadConfig({
    listeners: [
      { name: 'web', address: ':8080' },
      { name: 'internal', address: '127.0.0.1:9090' },
    ],
    upstreams: UPSTREAM_NAMES.map((name, i) => ({ name, targets: [{ address: `127.0.0.1:${8081 + i}` }] })),
    routes,
    ...extra,
  });
}

export function tableWith(routes: RouteInput[]): RouteTable {
  return compileRouteTable(configWith(routes));
}

/** Request facts with defaults: `GET /` on listener `web`, host `www.example.com`, from 203.0.113.7. */
export function facts(over: Partial<RequestFacts> = {}): RequestFacts {
  return {
    listener: 'web',
    method: 'GET',
    host: 'www.example.com',
    port: undefined,
    path: '/',
    rawQuery: '',
    headers: [],
    sourceIp: '203.0.113.7',
    scheme: 'http',
    ...over,
  };
}

/** Facts from a request target: `/a/b?x=1` splits into path and query. */
export function target(uri: string, over: Partial<RequestFacts> = {}): RequestFacts {
  const q = uri.indexOf('?');
  return facts({ path: q < 0 ? uri : uri.slice(0, q), rawQuery: q < 0 ? '' : uri.slice(q + 1), ...over });
}

/** The name of the route `table` picks for `f`, or undefined. */
export function routeName(table: RouteTable, f: RequestFacts): string | undefined {
  return table.match(f)?.name;
}
