// A bounded load generator: N keep-alive clients sending requests back to back, recording every outcome.
import http from 'node:http';

/** One request's outcome: a status, or the error code that ended it. */
export interface LoadOutcome {
  id: string;
  status?: number;
  /** `x-origin` of the answer. */
  origin?: string;
  error?: string;
  /** Whether the request went out on a connection that had carried an earlier request. */
  wasReused: boolean;
}

export interface LoadOptions {
  url: string;
  /** Concurrent keep-alive connections. */
  clients: number;
  /** Hard limit on the run, whatever `until` says. */
  maxMs: number;
  /** Also stops when it returns true (checked between requests). */
  until?: () => boolean;
  /** A client stops after its first connection error (a proxy that stopped accepting). */
  stopOnError?: boolean;
  /** Headers per request; `x-load-id` is added. */
  headers?: Record<string, string>;
}

export interface LoadRun {
  readonly outcomes: LoadOutcome[];
  /** Resolves when every client has stopped. */
  readonly done: Promise<void>;
  stop(): void;
}

/**
 * Starts `clients` loops, each on its own keep-alive agent (one socket), until `maxMs`, `until` or
 * `stop()`. Every request carries a unique `x-load-id`, so an origin can say which ones reached it.
 */
export function startLoad(options: LoadOptions): LoadRun {
  const outcomes: LoadOutcome[] = [];
  const deadline = Date.now() + options.maxMs;
  let isStopped = false;
  const shouldStop = (): boolean => isStopped || Date.now() >= deadline || options.until?.() === true;
  const loops: Promise<void>[] = [];
  for (let c = 0; c < options.clients; c++) {
    loops.push(
      (async () => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const used = new WeakSet<object>();
        try {
          for (let n = 0; !shouldStop(); n++) {
            const outcome = await once(options, agent, `c${c}-${n}`, used);
            outcomes.push(outcome);
            if (outcome.error !== undefined && options.stopOnError === true) break;
          }
        } finally {
          agent.destroy();
        }
      })(),
    );
  }
  return {
    outcomes,
    done: Promise.all(loops).then(() => undefined),
    stop: () => {
      isStopped = true;
    },
  };
}

function once(options: LoadOptions, agent: http.Agent, id: string, used: WeakSet<object>): Promise<LoadOutcome> {
  return new Promise((resolve) => {
    let wasReused = false;
    const req = http.request(options.url, { agent, headers: { ...options.headers, 'x-load-id': id } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ id, status: res.statusCode ?? 0, ...(typeof res.headers['x-origin'] === 'string' ? { origin: res.headers['x-origin'] } : {}), wasReused }));
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ id, error: err.code ?? err.message, wasReused }));
    });
    req.on('socket', (socket) => {
      wasReused = used.has(socket);
      used.add(socket);
    });
    req.setTimeout(10_000, () => req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ id, error: err.code ?? err.message, wasReused }));
    req.end();
  });
}
