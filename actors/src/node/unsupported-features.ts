// Config keys the schema accepts ahead of time but this build cannot serve yet: refused, never ignored.
import type { Config } from '@switchyard/config';
import { httpUpstreams, l4ConfigProblems } from '../l4/l4-config-checks.js';

export interface UnsupportedProblem {
  path: string;
  message: string;
}

/**
 * The config contract is written ahead of the code (PROXY protocol towards HTTP upstreams), and some combinations have no meaning on L4 listeners. A node refuses such a config with the path of each
 * key rather than silently doing something else.
 */
export function unsupportedFeatures(config: Readonly<Config>): UnsupportedProblem[] {
  const problems: UnsupportedProblem[] = [...l4ConfigProblems(config)];
  // tcp and tls listeners send it; HTTP forwarding does not yet.
  const http = httpUpstreams(config);
  config.upstreams.forEach((u, i) => {
    if (u.proxyProtocol !== undefined && http.has(u.name)) {
      problems.push({ path: `upstreams.${i}.proxyProtocol`, message: `upstream "${u.name}" serves HTTP routes, which do not send the PROXY protocol in this version yet` });
    }
  });
  return problems;
}
