// Starts an in-process proxy node from a config object, bound to ephemeral ports on 127.0.0.1.
import { startProxyNode, type ProxyNode } from '@switchyard/actors';
import { loadConfig, type ConfigInput } from '@switchyard/config';
import type { Closers } from './closers.js';

/** One entry of `routes`, as users write it. */
export type RouteInput = NonNullable<ConfigInput['routes']>[number];

/** A config without `listeners` gets one: `web` on 127.0.0.1:0. */
export type ProxyConfigInput = Omit<ConfigInput, 'listeners'> & { listeners?: ConfigInput['listeners'] };

export interface StartedProxy {
  node: ProxyNode;
  /** Port of the first listener. */
  port: number;
  /** `http://127.0.0.1:<port>` of the first listener. */
  url: string;
  /** Bound port per listener name. */
  ports: Record<string, number>;
}

/** Fills in the default listener. */
export function proxyConfig(input: ProxyConfigInput): ConfigInput {
  return { ...input, listeners: input.listeners ?? [{ name: 'web', address: '127.0.0.1:0' }] } as ConfigInput;
}

/**
 * loadConfig + startProxyNode; the node is closed (grace 0) by `closers`.
 * @example
 * const proxy = await startProxy({ routes: [...], upstreams: [...] }, closers);
 * await httpGet(`${proxy.url}/`);
 */
export async function startProxy(input: ProxyConfigInput, closers: Closers): Promise<StartedProxy> {
  const node = await startProxyNode(loadConfig(proxyConfig(input)));
  closers.add(() => node.close({ graceMs: 0 }));
  const bound = node.listeners();
  const ports = Object.fromEntries(bound.map((l) => [l.name, l.port]));
  const first = bound[0];
  if (first === undefined) throw new Error('startProxy: the node has no listener');
  return { node, port: first.port, url: `http://127.0.0.1:${first.port}`, ports };
}

/** `{ name, targets: [{ address }] }` for an upstream over the given `host:port` addresses. */
export function upstream(name: string, addresses: readonly string[], extra: Record<string, unknown> = {}): { name: string; targets: { address: string }[] } {
  return { name, targets: addresses.map((address) => ({ address })), ...extra };
}
