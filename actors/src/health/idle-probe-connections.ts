// The HTTP prober's idle keep-alive connections: at most one per probed address, closed on stop.
import type net from 'node:net';

interface IdleEntry {
  readonly socket: net.Socket;
  /** Drops the connection when the peer closes it, errs, or sends anything while idle. */
  readonly drop: () => void;
}

/**
 * Keeps one idle connection per `host:port` between probes. Probe churn (a connect and a close
 * per probe) wakes the peer's CPU far more than one request on a kept connection (test/bench/README.md,
 * the health section), which is why probes reuse their connection as Envoy's `reuse_connection` does.
 *
 * `closeAll` bumps the epoch: a probe that started before it never parks its connection, so a
 * stopped checker leaves nothing open, while the prober stays usable for a restarted one.
 */
export class IdleProbeConnections {
  private readonly idle = new Map<string, IdleEntry>();
  private epochValue = 0;

  /** Changes on every `closeAll`; a probe records it at its start and passes it to `park`. */
  get epoch(): number {
    return this.epochValue;
  }

  /** The number of idle connections (tests). */
  get size(): number {
    return this.idle.size;
  }

  /** Removes and returns the idle connection to `key`, ref'd again, or undefined. */
  take(key: string): net.Socket | undefined {
    const entry = this.idle.get(key);
    if (entry === undefined) return undefined;
    this.idle.delete(key);
    this.detach(entry);
    if (entry.socket.destroyed || !entry.socket.writable) {
      entry.socket.destroy();
      return undefined;
    }
    entry.socket.ref();
    return entry.socket;
  }

  /**
   * Keeps `socket` (free of the probe's listeners, its response fully read) for the next probe to
   * `key`. It is closed instead when the prober closed since `epoch`, or one is already kept there.
   */
  park(key: string, socket: net.Socket, epoch: number): void {
    if (epoch !== this.epochValue || this.idle.has(key) || socket.destroyed) {
      socket.destroy();
      return;
    }
    const drop = (): void => {
      if (this.idle.get(key)?.socket === socket) {
        this.idle.delete(key);
        this.detach(entry);
      }
      socket.destroy();
    };
    const entry: IdleEntry = { socket, drop };
    socket.on('data', drop);
    socket.on('end', drop);
    socket.on('error', drop);
    socket.on('close', drop);
    // An idle probe connection must not keep the process alive; the checker's timers decide that.
    socket.unref();
    this.idle.set(key, entry);
  }

  /** Closes every idle connection; probes in flight close theirs when they end. */
  closeAll(): void {
    this.epochValue++;
    for (const entry of this.idle.values()) {
      this.detach(entry);
      entry.socket.on('error', () => undefined);
      entry.socket.destroy();
    }
    this.idle.clear();
  }

  private detach(entry: IdleEntry): void {
    entry.socket.removeListener('data', entry.drop);
    entry.socket.removeListener('end', entry.drop);
    entry.socket.removeListener('error', entry.drop);
    entry.socket.removeListener('close', entry.drop);
  }
}
