// Config keys the schema accepts ahead of time but this build cannot serve yet: refused, never ignored.
import type { Config } from '@switchyard/config';

export interface UnsupportedProblem {
  path: string;
  message: string;
}

/**
 * The config contract is written ahead of the code (https, tcp, tls and udp listeners, scripted
 * routes, PROXY protocol towards upstreams). A node refuses such a config with the path of each
 * key rather than silently doing something else.
 */
export function unsupportedFeatures(config: Readonly<Config>): UnsupportedProblem[] {
  const problems: UnsupportedProblem[] = [];
  config.listeners.forEach((l, i) => {
    if (l.protocol !== 'http' && l.protocol !== 'https') {
      problems.push({ path: `listeners.${i}.protocol`, message: `protocol "${l.protocol}" is not served by this version yet (http and https only)` });
    }
  });
  config.routes.forEach((r, i) => {
    if (r.script !== undefined) problems.push({ path: `routes.${i}.script`, message: 'scripted routes are not available in this version yet' });
  });
  config.upstreams.forEach((u, i) => {
    if (u.proxyProtocol !== undefined) problems.push({ path: `upstreams.${i}.proxyProtocol`, message: 'sending the PROXY protocol is not available in this version yet' });
  });
  return problems;
}
