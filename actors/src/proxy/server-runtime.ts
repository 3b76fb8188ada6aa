// Derives the proxy-wide settings the data plane reads from the validated config, once per version.
import type { Config } from '@switchyard/config';
import { CidrSet } from '../listener/connection-guard.js';
import type { ServerRuntime } from './proxy-snapshot.js';

/** Fields the proxy writes itself; a client's Connection option may never remove them. */
const PROXY_FIELDS = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-real-ip', 'forwarded', 'via'];

export function buildServerRuntime(config: Readonly<Config>): ServerRuntime {
  const server = config.server;
  const trusted = server.trustedProxies.length === 0 ? undefined : new CidrSet(server.trustedProxies);
  return {
    headLimits: {
      maxHeadBytes: server.limits.maxHeadSize,
      maxHeaderCount: server.limits.maxHeaderCount,
      maxTargetBytes: server.limits.maxTargetLength,
    },
    // Upstream heads get the same count limit and a roomier size: origins send long cookies.
    responseHeadLimits: { maxHeadBytes: Math.max(server.limits.maxHeadSize, 64 * 1024), maxHeaderCount: Math.max(server.limits.maxHeaderCount, 200) },
    maxBodyBytes: server.limits.maxBodySize,
    headTimeoutMs: server.timeouts.requestHead,
    keepAliveIdleMs: server.timeouts.keepAliveIdle,
    tunnelIdleMs: server.timeouts.tunnelIdle,
    requestIdHeader: server.requestIdHeader,
    xForwardedFor: server.forwarded.xForwardedFor,
    xForwardedProto: server.forwarded.xForwardedProto,
    xForwardedHost: server.forwarded.xForwardedHost,
    xRealIp: server.forwarded.xRealIp,
    forwarded: server.forwarded.forwarded,
    via: server.forwarded.via,
    maxHops: server.maxHops,
    isTrusted: trusted === undefined ? () => false : (ip: string) => trusted.has(ip),
    protectedFields: new Set([...PROXY_FIELDS, server.requestIdHeader]),
  };
}
