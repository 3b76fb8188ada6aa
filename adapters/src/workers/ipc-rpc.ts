// Request and reply over an IPC port: the primary asks a worker (status, metrics, apply, drain) and waits, bounded in time.
import { SwitchyardError } from '@switchyard/core';
import { isIpcMessage, type ReplyMessage, type RequestMessage } from './ipc-protocol.js';
import type { IpcPort } from './ipc-port.js';

/** An error a worker sent back, rebuilt with its code and problems. */
export class RemoteError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly problems: { path: string; message: string }[] | undefined,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

/** Asks one worker. Pending requests fail at their timeout, or all at once when the worker goes (`failAll`). */
export class RpcClient {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  private readonly stopListening: () => void;

  constructor(private readonly port: IpcPort) {
    this.stopListening = port.listen((message) => {
      if (!isIpcMessage(message) || message.sy !== 'reply') return;
      const waiting = this.pending.get(message.id);
      if (waiting === undefined) return;
      this.pending.delete(message.id);
      clearTimeout(waiting.timer);
      if (message.ok) waiting.resolve(message.value);
      else waiting.reject(new RemoteError(message.error?.message ?? 'the worker failed', message.error?.code, message.error?.problems));
    });
  }

  ask<T>(method: string, args: unknown = {}, timeoutMs = 10_000): Promise<T> {
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SwitchyardError('ERR_ASK_TIMEOUT', `worker did not answer "${method}" within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      const request: RequestMessage = { sy: 'request', id, method, args };
      if (!this.port.send(request)) this.fail(id, new SwitchyardError('ERR_TRANSPORT_CLOSED', `the worker's channel is closed ("${method}" not sent)`));
    });
  }

  /** The worker is gone: every pending request fails now. */
  failAll(reason: string): void {
    for (const id of [...this.pending.keys()]) this.fail(id, new SwitchyardError('ERR_TRANSPORT_CLOSED', reason));
  }

  close(): void {
    this.failAll('closed');
    this.stopListening();
  }

  private fail(id: number, error: Error): void {
    const waiting = this.pending.get(id);
    if (waiting === undefined) return;
    this.pending.delete(id);
    clearTimeout(waiting.timer);
    waiting.reject(error);
  }
}

export type RpcHandlers = Record<string, (args: never) => unknown>;

/** Answers the primary's requests in a worker; a handler's throw becomes an error reply, never an exception. */
export function serveRpc(port: IpcPort, handlers: RpcHandlers): () => void {
  return port.listen((message) => {
    if (!isIpcMessage(message) || message.sy !== 'request') return;
    const { id, method, args } = message;
    const handler = handlers[method];
    const answer = (reply: Omit<ReplyMessage, 'sy' | 'id'>): void => void port.send({ sy: 'reply', id, ...reply });
    if (handler === undefined) return answer({ ok: false, error: { message: `unknown method "${method}"` } });
    Promise.resolve()
      .then(() => (handler as (args: unknown) => unknown)(args))
      .then(
        (value) => answer({ ok: true, value }),
        (error: unknown) => {
          const code = (error as { code?: unknown }).code;
          const problems = (error as { problems?: readonly { path?: unknown; message?: unknown }[] }).problems;
          answer({
            ok: false,
            error: {
              message: error instanceof Error ? error.message : String(error),
              ...(typeof code === 'string' ? { code } : {}),
              ...(Array.isArray(problems) ? { problems: problems.map((p) => ({ path: String(p.path ?? ''), message: String(p.message ?? '') })) } : {}),
            },
          });
        },
      );
  });
}
