// One end of a Node IPC channel (a worker's `process`, the primary's `cluster.Worker`, a forked ChildProcess) as a small port.

/** What a channel to another process offers: Node's `process`, `ChildProcess` and `cluster.Worker` all fit. */
export interface IpcEndpoint {
  send?: ((message: never, ...rest: never[]) => boolean) | undefined;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/** Sends and receives structured messages to and from one other process. */
export interface IpcPort {
  /** False when the channel is gone (the message is dropped): IPC here is at-most-once, like the transports. */
  send(message: unknown): boolean;
  /** Calls `onMessage` for every message received; returns how to stop. */
  listen(onMessage: (message: unknown) => void): () => void;
}

/**
 * Wraps an IPC channel. The channel must use `serialization: 'advanced'` (structured clone), so
 * `Uint8Array` frames and plain config objects cross as they are. A send on a closed channel is
 * dropped and reported through `onError`, never thrown: a worker may die between two sends.
 * @example
 * const port = ipcPortOf(process); // in a worker
 * port.send({ sy: 'ready' });
 */
export function ipcPortOf(endpoint: IpcEndpoint, onError: (error: Error) => void = () => undefined): IpcPort {
  return {
    send(message) {
      const send = endpoint.send;
      if (send === undefined) return false;
      try {
        return (send as (message: unknown, handle: undefined, options: undefined, callback: (error: Error | null) => void) => boolean).call(
          endpoint,
          message,
          undefined,
          undefined,
          (error) => {
            if (error !== null && error !== undefined) onError(error);
          },
        );
      } catch (error) {
        onError(error as Error);
        return false;
      }
    },
    listen(onMessage) {
      endpoint.on('message', onMessage);
      return () => void endpoint.off('message', onMessage);
    },
  };
}
