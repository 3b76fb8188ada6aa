// A PickRequest made of plain values, for picker tests.
import type { PickRequest } from '../../src/balancer/picker.js';

export interface StaticPickRequestInit {
  sourceIp?: string;
  host?: string;
  path?: string;
  /** Defaults to `path` plus `?` and the query parameters. */
  uri?: string;
  /** Header names in any case. */
  headers?: Record<string, string>;
  cookies?: Record<string, string>;
  query?: Record<string, string>;
}

/**
 * A request as a picker sees it, from literals.
 *
 * @example
 * picker.pick(new StaticPickRequest({ sourceIp: '10.0.0.1', cookies: { sid: 'abc' } }));
 */
export class StaticPickRequest implements PickRequest {
  readonly sourceIp: string;
  readonly host: string;
  readonly path: string;
  readonly uri: string;
  private readonly headers: ReadonlyMap<string, string>;
  private readonly cookies: ReadonlyMap<string, string>;
  private readonly params: ReadonlyMap<string, string>;

  constructor(init: StaticPickRequestInit = {}) {
    this.sourceIp = init.sourceIp ?? '127.0.0.1';
    this.host = init.host ?? 'example.test';
    this.path = init.path ?? '/';
    const params = Object.entries(init.query ?? {});
    this.uri = init.uri ?? (params.length === 0 ? this.path : `${this.path}?${new URLSearchParams(params).toString()}`);
    this.headers = new Map(Object.entries(init.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
    this.cookies = new Map(Object.entries(init.cookies ?? {}));
    this.params = new Map(params);
  }

  header(lowerName: string): string | undefined {
    return this.headers.get(lowerName);
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  query(name: string): string | undefined {
    return this.params.get(name);
  }
}
