// The Prober port: how the active checker asks "is this target up?", whatever the protocol.

/** Where one probe goes. `address` is the target's label (`host:port`); `port` may be the probe-port override. */
export interface ProbeTarget {
  readonly address: string;
  readonly host: string;
  readonly port: number;
}

/** The outcome of one probe. Probers resolve with a failure; they never reject. */
export interface ProbeResult {
  readonly ok: boolean;
  /** Time from the start of the probe to its verdict. */
  readonly latencyMs: number;
  /** "connected", "status 200", "connect ECONNREFUSED", "status 503 not in 200-399", "timeout after 1000 ms". */
  readonly reason: string;
  /** http: the status received, when one was. */
  readonly status?: number;
}

/**
 * Probes one target once. The real implementations (tcp-prober.ts, http-prober.ts) use sockets;
 * unit tests pass a fake, so the active checker runs entirely on a VirtualClock.
 */
export interface Prober {
  probe(target: ProbeTarget, timeoutMs: number): Promise<ProbeResult>;
  /**
   * Closes what the prober keeps between probes (the HTTP prober's idle keep-alive connections).
   * The active checker calls it when it stops; the prober stays usable (a restarted checker reuses it).
   */
  close?(): void;
}

/** The reason text of a probe that ran out of time; the checker's own deadline uses the same words. */
export function timeoutReason(timeoutMs: number): string {
  return `timeout after ${timeoutMs} ms`;
}

/** `connect ECONNREFUSED`, or the message when the error has no code. */
export function socketErrorReason(phase: 'connect' | 'read', error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return `${phase} ${code}`;
  return `${phase} ${error instanceof Error ? error.message : String(error)}`;
}

/** `host:port`, bracketing IPv6 literals. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
