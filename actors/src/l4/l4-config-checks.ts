// Apply-time checks of what tcp, tls and udp listeners cannot do, named by path rather than ignored.
import { forwardTargets, type Config } from '@switchyard/config';
import { HTTP_ONLY_MATCH_KEYS } from './l4-policy.js';

export interface L4Problem {
  path: string;
  message: string;
}

const L4_PROTOCOLS = new Set(['tcp', 'tls', 'udp']);

/**
 * A route that names an L4 listener must be a `forward` without HTTP conditions (host is the TLS
 * server name; a udp listener has none), and a udp route's upstreams can take neither TLS nor a
 * PROXY header. (What a listener alone can contradict, the config schema refuses.)
 */
export function l4ConfigProblems(config: Readonly<Config>): L4Problem[] {
  const problems: L4Problem[] = [];
  const protocolOf = new Map(config.listeners.map((l) => [l.name, l.protocol]));
  const upstreamIndex = new Map(config.upstreams.map((u, i) => [u.name, i]));
  config.routes.forEach((r, i) => {
    const l4 = (r.listeners ?? []).filter((name) => L4_PROTOCOLS.has(protocolOf.get(name) ?? ''));
    if (l4.length === 0) return;
    const names = l4.map((n) => `"${n}"`).join(', ');
    if (r.forward === undefined) {
      problems.push({ path: `routes.${i}`, message: `route "${r.name}" applies to tcp/tls/udp listener ${names}: only forward routes can serve them` });
      return;
    }
    for (const key of HTTP_ONLY_MATCH_KEYS) {
      if (r.match[key] !== undefined) {
        problems.push({ path: `routes.${i}.match.${key}`, message: `route "${r.name}" applies to tcp/tls/udp listener ${names}, which have no HTTP ${key} to match` });
      }
    }
    const udp = l4.filter((name) => protocolOf.get(name) === 'udp');
    if (udp.length === 0) return;
    if (r.match.host !== undefined) {
      problems.push({ path: `routes.${i}.match.host`, message: `route "${r.name}" applies to udp listener "${udp[0]}", which has no server name to match` });
    }
    for (const { upstream } of forwardTargets(r.forward)) {
      const index = upstreamIndex.get(upstream);
      const u = index === undefined ? undefined : config.upstreams[index];
      if (u === undefined) continue;
      if (u.tls !== undefined) problems.push({ path: `upstreams.${index}.tls`, message: `upstream "${u.name}" is used by udp route "${r.name}": TLS over udp is not available` });
      if (u.proxyProtocol !== undefined) {
        problems.push({ path: `upstreams.${index}.proxyProtocol`, message: `upstream "${u.name}" is used by udp route "${r.name}": the PROXY protocol is sent on tcp only` });
      }
    }
  });
  return problems;
}
