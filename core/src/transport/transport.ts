// The Transport port: carries encoded frames between actor systems on different nodes.

export type Unsubscribe = () => void;

/**
 * Moves opaque frames by subject. Delivery is at-most-once and unordered across subjects; a
 * transport never throws into its subscriber callbacks' callers, and never lets a subscriber's
 * throw escape into the library underneath.
 */
export interface Transport {
  publish(subject: string, frame: Uint8Array): void;
  subscribe(subject: string, onFrame: (frame: Uint8Array, subject: string) => void): Unsubscribe;
  close(): Promise<void>;
}

/** Encodes envelopes to frames and back. The NATS adapter uses msgpackr; core ships JSON. */
export interface Codec {
  encode(value: unknown): Uint8Array;
  /** Throws on bytes it cannot decode; the caller turns that into a rejected frame. */
  decode(frame: Uint8Array): unknown;
}

/** Subjects read `<prefix>.<cluster>.<area>.<event>`; built only here. */
export function subjectFor(cluster: string, messageType: string, prefix = 'switchyard'): string {
  return `${prefix}.${cluster}.${messageType}`;
}

/** The subject that matches every message type of a cluster (NATS `>` wildcard). */
export function clusterWildcard(cluster: string, prefix = 'switchyard'): string {
  return `${prefix}.${cluster}.>`;
}

/** Whether a concrete subject matches a pattern with NATS `*` and trailing `>` wildcards. */
export function subjectMatches(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === '>') return s.length > i;
    if (i >= s.length) return false;
    if (token !== '*' && token !== s[i]) return false;
  }
  return p.length === s.length;
}
