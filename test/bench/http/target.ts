// The shape every proxy under test takes once started, whatever starts it.

/** A proxy (or origin) the bench can send load to and stop by pid. */
export interface RunningTarget {
  /** Port on 127.0.0.1 that accepts the bench traffic. */
  port: number;
  /** Pid of the serving process (what `taskset` pinned). */
  pid: number;
  stop(): Promise<void>;
}

/** Where a target should run: the CPU it is pinned to. */
export interface TargetPlacement {
  cpu?: number;
}

/** Thrown by a target whose program does not exist yet; the harness reports it and moves on. */
export class TargetNotBuiltError extends Error {
  constructor(
    readonly target: string,
    readonly detail: string,
  ) {
    super(`${target}: not built yet (${detail})`);
    this.name = new.target.name;
  }
}
