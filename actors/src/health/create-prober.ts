// Builds the real prober an upstream's active health check asks for.
import type { HealthCheckConfig } from '@switchyard/config';
import { realClock, type Clock } from '@switchyard/core';
import { HttpProber } from './http-prober.js';
import type { Prober } from './prober.js';
import { TcpProber } from './tcp-prober.js';

/** A TCP or HTTP prober for `check`; the default `proberFor` of the health actor. `node` names the prober in a cluster. */
export function createProber(check: Readonly<HealthCheckConfig>, clock: Clock = realClock, node?: string): Prober {
  if (check.type === 'tcp') return new TcpProber(clock);
  return new HttpProber(
    {
      method: check.method,
      path: check.path,
      host: check.host,
      expectStatus: check.expectStatus,
      expectBody: check.expectBody,
      reuseConnection: check.reuseConnection,
      node,
    },
    clock,
  );
}
