// The TCP prober: a target is up when a TCP connection to it opens within the timeout.
import net from 'node:net';
import { realClock, type Clock } from '@switchyard/core';
import { socketErrorReason, timeoutReason, type ProbeResult, type ProbeTarget, type Prober } from './prober.js';

/**
 * Connects, and on success closes at once: nothing is written, so the target sees an empty
 * connection (as HAProxy's `check` without options).
 */
export class TcpProber implements Prober {
  constructor(private readonly clock: Clock = realClock) {}

  probe(target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
    const clock = this.clock;
    return new Promise((resolve) => {
      const startedAt = clock.monotonic();
      let isDone = false;
      const socket = net.connect({ host: target.host, port: target.port });
      const finish = (ok: boolean, reason: string): void => {
        if (isDone) return;
        isDone = true;
        timer.cancel();
        socket.destroy();
        resolve({ ok, latencyMs: Math.max(0, clock.monotonic() - startedAt), reason });
      };
      const timer = clock.setTimer(timeoutMs, () => finish(false, timeoutReason(timeoutMs)));
      socket.once('connect', () => finish(true, 'connected'));
      socket.on('error', (error) => finish(false, socketErrorReason('connect', error)));
    });
  }
}
